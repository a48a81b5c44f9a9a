//! Groups the lines of an exposition into metric families: applies `# HELP`,
//! `# TYPE` and `# UNIT`, folds `_bucket`/`_sum`/`_count` samples into one
//! histogram per label set and `{quantile}`/`_sum`/`_count` into one summary,
//! and names OpenMetrics counters by their `_total` samples.
//!
//! Errors name the 1-based line they were found on.

use crate::lexer::{Format, Line, Sample, lex_line, parse_value};
use std::collections::HashMap;
use std::fmt;
use watchpost_sdk::types::{Bucket, HistogramValue, QuantileValue, SummaryValue};
use watchpost_sdk::{Label, Metric, MetricFamily, MetricKind, MetricValue};

/// A malformed exposition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a whole exposition in `format`.
pub fn parse(text: &str, format: Format) -> Result<Vec<MetricFamily>, ParseError> {
    let mut families = Families::default();
    let mut eof_line = None;
    let mut last_line = 0;
    for (i, raw) in text.split('\n').enumerate() {
        let n = i + 1;
        let err = |message: String| ParseError { line: n, message };
        if let Some(eof) = eof_line {
            if !raw.trim().is_empty() {
                return Err(err(format!("content after # EOF on line {eof}")));
            }
            continue;
        }
        let line = lex_line(raw, format).map_err(err)?;
        if line != Line::Blank {
            last_line = n;
        }
        match line {
            Line::Blank | Line::Comment => {}
            // `# EOF` means nothing in the text format; it is a comment there.
            Line::Eof if format == Format::Text => {}
            Line::Eof => eof_line = Some(n),
            Line::Help { name, text } => families
                .meta(name, Meta::Help(text.into_owned()))
                .map_err(err)?,
            Line::Type { name, kind } => {
                let suffix = if kind == "info" { "_info" } else { "" };
                let kind = kind_of(kind, format).map_err(err)?;
                families.meta(name, Meta::Type(kind, suffix)).map_err(err)?
            }
            Line::Unit { name, unit } => families
                .meta(name, Meta::Unit(unit.to_string()))
                .map_err(err)?,
            Line::Sample(sample) => families.sample(sample, format).map_err(err)?,
        }
    }
    if format == Format::OpenMetrics && eof_line.is_none() {
        return Err(ParseError {
            line: last_line.max(1),
            message: "missing # EOF at the end of an OpenMetrics exposition".into(),
        });
    }
    Ok(families.finish(format))
}

/// The kind a `# TYPE` names, or `None` for OpenMetrics types stored as
/// plain series (`gaugehistogram`).
fn kind_of(kind: &str, format: Format) -> Result<Option<MetricKind>, String> {
    Ok(Some(match kind {
        "counter" => MetricKind::Counter,
        "gauge" => MetricKind::Gauge,
        "histogram" => MetricKind::Histogram,
        "summary" => MetricKind::Summary,
        "untyped" => MetricKind::Untyped,
        "unknown" | "info" | "stateset" if format == Format::OpenMetrics => {
            if kind == "unknown" {
                MetricKind::Untyped
            } else {
                MetricKind::Gauge
            }
        }
        "gaugehistogram" if format == Format::OpenMetrics => return Ok(None),
        other => return Err(format!("unknown metric type {other:?}")),
    }))
}

enum Meta {
    Help(String),
    /// The kind and the suffix of its value samples (`_info` for OpenMetrics
    /// info families, whose samples are `foo_info`).
    Type(Option<MetricKind>, &'static str),
    Unit(String),
}

/// One family being built.
struct Builder {
    name: String,
    help: Option<String>,
    unit: Option<String>,
    /// `None` until a `# TYPE` line; `Some(None)` for types kept as plain series.
    kind: Option<Option<MetricKind>>,
    series: Vec<Series>,
    /// Histogram/summary series by their label set (without `le`/`quantile`).
    by_labels: HashMap<Vec<(String, String)>, usize>,
    /// Whether an OpenMetrics counter used `_total` samples.
    total_suffix: bool,
    /// The suffix of number samples: empty, or `_info` (see [`Meta::Type`]).
    value_suffix: &'static str,
}

struct Series {
    labels: Vec<Label>,
    timestamp_ms: Option<i64>,
    value: Value,
}

enum Value {
    Number(f64),
    Histogram {
        buckets: Vec<(f64, f64)>,
        sum: Option<f64>,
        count: Option<f64>,
    },
    Summary {
        quantiles: Vec<(f64, f64)>,
        sum: Option<f64>,
        count: Option<f64>,
    },
}

impl Builder {
    fn new(name: &str) -> Self {
        Builder {
            name: name.to_string(),
            help: None,
            unit: None,
            kind: None,
            series: Vec::new(),
            by_labels: HashMap::new(),
            total_suffix: false,
            value_suffix: "",
        }
    }
    fn kind(&self) -> MetricKind {
        self.kind.flatten().unwrap_or(MetricKind::Untyped)
    }
    /// Which part of this family a sample called `name` is, if any.
    fn part(&self, name: &str, format: Format) -> Option<Part> {
        let suffix = name.strip_prefix(self.name.as_str())?;
        let om = format == Format::OpenMetrics;
        match (self.kind(), suffix) {
            (_, "_created") if om => Some(Part::Ignored),
            (MetricKind::Counter, "_total") if om => Some(Part::Total),
            (MetricKind::Counter | MetricKind::Gauge | MetricKind::Untyped, s)
                if s == self.value_suffix =>
            {
                Some(Part::Value)
            }
            (MetricKind::Histogram, "_bucket") => Some(Part::Bucket),
            (MetricKind::Summary, "") => Some(Part::Quantile),
            (MetricKind::Histogram | MetricKind::Summary, "_sum") => Some(Part::Sum),
            (MetricKind::Histogram | MetricKind::Summary, "_count") => Some(Part::Count),
            _ => None,
        }
    }
    fn add(&mut self, part: Part, sample: Sample<'_>) -> Result<(), String> {
        match part {
            Part::Ignored => return Ok(()),
            Part::Total | Part::Value => {
                self.total_suffix |= part == Part::Total;
                self.series.push(Series {
                    labels: labels(&sample.labels, None),
                    timestamp_ms: sample.timestamp_ms,
                    value: Value::Number(sample.value),
                });
                return Ok(());
            }
            _ => {}
        }
        let special = match part {
            Part::Bucket => Some("le"),
            Part::Quantile => Some("quantile"),
            _ => None,
        };
        let key: Vec<(String, String)> = {
            let mut key: Vec<(String, String)> = sample
                .labels
                .iter()
                .filter(|(n, _)| Some(*n) != special)
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            key.sort();
            key
        };
        let index = match self.by_labels.get(&key) {
            Some(&i) => i,
            None => {
                let value = if self.kind() == MetricKind::Histogram {
                    Value::Histogram {
                        buckets: Vec::new(),
                        sum: None,
                        count: None,
                    }
                } else {
                    Value::Summary {
                        quantiles: Vec::new(),
                        sum: None,
                        count: None,
                    }
                };
                self.series.push(Series {
                    labels: labels(&sample.labels, special),
                    timestamp_ms: sample.timestamp_ms,
                    value,
                });
                self.by_labels.insert(key, self.series.len() - 1);
                self.series.len() - 1
            }
        };
        let bound = |label: &str| -> Result<f64, String> {
            let (_, text) = sample
                .labels
                .iter()
                .find(|(n, _)| *n == label)
                .ok_or_else(|| format!("{} sample without a {label} label", sample.name))?;
            parse_value(text)
                .map_err(|_| format!("invalid {label} label {text:?} on {}", sample.name))
        };
        match (&mut self.series[index].value, part) {
            (Value::Histogram { buckets, .. }, Part::Bucket) => {
                buckets.push((bound("le")?, sample.value))
            }
            (Value::Summary { quantiles, .. }, Part::Quantile) => {
                quantiles.push((bound("quantile")?, sample.value))
            }
            (Value::Histogram { sum, .. } | Value::Summary { sum, .. }, Part::Sum) => {
                *sum = Some(sample.value)
            }
            (Value::Histogram { count, .. } | Value::Summary { count, .. }, Part::Count) => {
                *count = Some(sample.value)
            }
            _ => unreachable!("parts match the family kind"),
        }
        Ok(())
    }

    fn finish(self, format: Format) -> MetricFamily {
        let kind = self.kind();
        // OpenMetrics names a counter `foo` and its samples `foo_total`;
        // Prometheus stores them as `foo_total`, so the family takes that name.
        let name =
            if kind == MetricKind::Counter && format == Format::OpenMetrics && self.total_suffix {
                format!("{}_total", self.name)
            } else {
                self.name + self.value_suffix
            };
        let metrics = self
            .series
            .into_iter()
            .map(|s| Metric {
                labels: s.labels,
                timestamp_ms: s.timestamp_ms,
                value: match s.value {
                    Value::Number(v) => MetricValue::Number(v),
                    Value::Histogram {
                        buckets,
                        sum,
                        count,
                    } => MetricValue::Histogram(histogram(buckets, sum, count)),
                    Value::Summary {
                        mut quantiles,
                        sum,
                        count,
                    } => {
                        quantiles.sort_by(|a, b| a.0.total_cmp(&b.0));
                        MetricValue::Summary(SummaryValue {
                            quantiles: quantiles
                                .into_iter()
                                .map(|(quantile, value)| QuantileValue { quantile, value })
                                .collect(),
                            sum: sum.unwrap_or(f64::NAN),
                            count: count.unwrap_or(f64::NAN),
                        })
                    }
                },
            })
            .collect();
        MetricFamily {
            name,
            help: self.help.unwrap_or_default(),
            unit: self.unit.unwrap_or_default(),
            kind,
            metrics,
        }
    }
}

/// Buckets sorted by bound; a missing `+Inf` bucket is added from `_count`,
/// a missing `_count` is taken from the `+Inf` bucket, a missing `_sum` is NaN.
fn histogram(mut buckets: Vec<(f64, f64)>, sum: Option<f64>, count: Option<f64>) -> HistogramValue {
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let inf = buckets.last().filter(|b| b.0 == f64::INFINITY).map(|b| b.1);
    let count = count.or(inf).unwrap_or(f64::NAN);
    if inf.is_none() && !count.is_nan() {
        buckets.push((f64::INFINITY, count));
    }
    HistogramValue {
        buckets: buckets
            .into_iter()
            .map(|(upper_bound, cumulative_count)| Bucket {
                upper_bound,
                cumulative_count,
            })
            .collect(),
        sum: sum.unwrap_or(f64::NAN),
        count,
    }
}

fn labels(pairs: &[(&str, std::borrow::Cow<'_, str>)], skip: Option<&str>) -> Vec<Label> {
    pairs
        .iter()
        .filter(|(n, _)| Some(*n) != skip)
        .map(|(n, v)| Label {
            name: n.to_string(),
            value: v.to_string(),
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Value,
    Total,
    Bucket,
    Quantile,
    Sum,
    Count,
    Ignored,
}

/// Every family seen so far, in order of first appearance.
#[derive(Default)]
struct Families {
    list: Vec<Builder>,
    by_name: HashMap<String, usize>,
}

impl Families {
    fn get_or_create(&mut self, name: &str) -> usize {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        self.list.push(Builder::new(name));
        self.by_name.insert(name.to_string(), self.list.len() - 1);
        self.list.len() - 1
    }

    fn meta(&mut self, name: &str, meta: Meta) -> Result<(), String> {
        let i = self.get_or_create(name);
        let family = &mut self.list[i];
        let duplicate = |what: &str| Err(format!("second # {what} line for {name}"));
        match meta {
            Meta::Help(text) if family.help.is_none() => family.help = Some(text),
            Meta::Help(_) => return duplicate("HELP"),
            Meta::Unit(unit) if family.unit.is_none() => family.unit = Some(unit),
            Meta::Unit(_) => return duplicate("UNIT"),
            Meta::Type(..) if family.kind.is_some() => return duplicate("TYPE"),
            Meta::Type(..) if !family.series.is_empty() => {
                return Err(format!("# TYPE line for {name} after its samples"));
            }
            Meta::Type(kind, suffix) => {
                family.kind = Some(kind);
                family.value_suffix = suffix;
            }
        }
        Ok(())
    }

    fn sample(&mut self, sample: Sample<'_>, format: Format) -> Result<(), String> {
        // The family is the sample's own name or that name minus a suffix.
        let candidates = ["_bucket", "_sum", "_count", "_total", "_created", "_info"]
            .iter()
            .filter_map(|suffix| sample.name.strip_suffix(suffix));
        for family in std::iter::once(sample.name).chain(candidates) {
            if let Some(&i) = self.by_name.get(family)
                && let Some(part) = self.list[i].part(sample.name, format)
            {
                return self.list[i].add(part, sample);
            }
        }
        let i = self.get_or_create(sample.name);
        let family = &mut self.list[i];
        match family.part(sample.name, format) {
            Some(part) => family.add(part, sample),
            // e.g. a histogram declared as `foo` with a sample called `foo`.
            None => Err(format!(
                "sample {} does not fit the {:?} family {}",
                sample.name,
                family.kind(),
                family.name
            )),
        }
    }

    fn finish(self, format: Format) -> Vec<MetricFamily> {
        self.list
            .into_iter()
            .filter(|b| !b.series.is_empty())
            .map(|b| b.finish(format))
            .collect()
    }
}

#[cfg(test)]
mod tests;
