//! Turns one exporter collection into samples the way Prometheus turns a
//! scrape into samples: metric families flattened into series
//! (`_bucket{le}`, `_sum`, `_count`, `{quantile}`), target labels `job` and
//! `instance` attached (a clashing exposed label becomes `exported_<name>`,
//! or wins with `honor_labels`), exposed timestamps kept unless
//! `honor_timestamps` is off,
//! the synthetic per-target series (`up`, `scrape_duration_seconds`,
//! `scrape_samples_scraped`, `scrape_series_added`), and staleness markers for
//! series that disappeared since the previous collection.

use super::db::{STALE_NAN, Sample};
use super::labels::{LabelError, Labels, METRIC_NAME};
use crate::manifest::ScrapeOptions;
use crate::relabel::Rule;
use crate::runtime::bindings::types::{MetricFamily, MetricValue};
use std::collections::HashSet;
use std::sync::Arc;

/// Formats a float the way Prometheus formats `le` and `quantile` labels.
pub fn format_float(v: f64) -> String {
    if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else if v.is_nan() {
        "NaN".into()
    } else {
        format!("{v}")
    }
}

/// The series of one target's previous collection, for staleness.
#[derive(Debug, Default)]
pub struct ScrapeState {
    previous: HashSet<Labels>,
    target: Option<TargetLabels>,
}

/// The outcome of turning one collection into samples.
#[derive(Debug, Default)]
pub struct ScrapeSamples {
    /// Samples to append, including synthetic series and stale markers.
    pub samples: Vec<Sample>,
    /// Samples the exporter returned that were invalid, with why.
    pub invalid: Vec<(String, LabelError)>,
    /// Samples that came from the exporter (what `scrape_samples_scraped` counts).
    pub scraped: usize,
}

/// Identity of a target: the labels every one of its series carries, and
/// the metric relabeling applied to its series.
#[derive(Debug, Clone)]
pub struct TargetLabels {
    /// `job`, `instance` and whatever target relabeling added.
    pub labels: Vec<(String, String)>,
    /// `metric_relabel` rules of the exporter.
    pub metric_relabel: Arc<[Rule]>,
    /// `honor_labels` and `honor_timestamps`.
    pub options: ScrapeOptions,
}

impl TargetLabels {
    /// Just `job` and `instance`.
    pub fn new(job: &str, instance: &str) -> TargetLabels {
        TargetLabels {
            labels: vec![
                ("job".into(), job.into()),
                ("instance".into(), instance.into()),
            ],
            metric_relabel: Arc::from(Vec::new()),
            options: ScrapeOptions::default(),
        }
    }
}

/// Why a series was not produced.
enum Refused {
    Invalid(LabelError),
    Dropped,
}

fn series_labels(
    name: &str,
    metric: &[(String, String)],
    extra: Option<(&str, String)>,
    target: &TargetLabels,
    relabel: bool,
) -> Result<Labels, Refused> {
    let mut pairs: Vec<(String, String)> =
        Vec::with_capacity(metric.len() + target.labels.len() + 2);
    pairs.push((METRIC_NAME.into(), name.into()));
    pairs.extend(metric.iter().filter(|(_, v)| !v.is_empty()).cloned());
    if let Some((n, v)) = extra {
        pairs.push((n.into(), v));
    }
    let exposed = |pairs: &[(String, String)], n: &str| pairs.iter().any(|(e, _)| e == n);
    if target.options.honor_labels {
        // The exposed labels win; the target fills in what they lack.
        for (n, v) in &target.labels {
            if !exposed(&pairs, n) {
                pairs.push((n.clone(), v.clone()));
            }
        }
    } else {
        // A clashing exposed label is kept as `exported_<name>` (prefixed
        // again while that name is taken too), as Prometheus does.
        for (n, _) in &target.labels {
            if let Some(i) = pairs.iter().position(|(e, _)| e == n) {
                let mut renamed = format!("exported_{n}");
                while exposed(&pairs, &renamed) || target.labels.iter().any(|(t, _)| *t == renamed)
                {
                    renamed.insert_str(0, "exported_");
                }
                pairs[i].0 = renamed;
            }
        }
        pairs.extend(target.labels.iter().cloned());
    }
    if relabel && !target.metric_relabel.is_empty() {
        pairs = crate::relabel::apply(&target.metric_relabel, pairs).ok_or(Refused::Dropped)?;
    }
    Labels::new(pairs).map_err(Refused::Invalid)
}

impl ScrapeState {
    /// Samples for a successful collection at `t` (ms) that took `duration` s.
    /// `series_added` is filled in by the caller after the append.
    pub fn collected(
        &mut self,
        target: &TargetLabels,
        families: &[MetricFamily],
        t: i64,
    ) -> ScrapeSamples {
        let mut out = ScrapeSamples::default();
        let push = |out: &mut ScrapeSamples,
                    name: String,
                    labels: &[(String, String)],
                    extra: Option<(&str, String)>,
                    ts: Option<i64>,
                    v: f64| {
            out.scraped += 1;
            match series_labels(&name, labels, extra, target, true) {
                Ok(labels) => out.samples.push(Sample {
                    labels,
                    t: ts.filter(|_| target.options.honor_timestamps).unwrap_or(t),
                    v,
                }),
                Err(Refused::Invalid(e)) => out.invalid.push((name, e)),
                Err(Refused::Dropped) => {}
            }
        };
        for family in families {
            for metric in &family.metrics {
                let labels: Vec<(String, String)> = metric
                    .labels
                    .iter()
                    .map(|l| (l.name.clone(), l.value.clone()))
                    .collect();
                let ts = metric.timestamp_ms;
                let name = &family.name;
                match &metric.value {
                    MetricValue::Number(v) => push(&mut out, name.clone(), &labels, None, ts, *v),
                    MetricValue::Histogram(h) => {
                        for b in &h.buckets {
                            push(
                                &mut out,
                                format!("{name}_bucket"),
                                &labels,
                                Some(("le", format_float(b.upper_bound))),
                                ts,
                                b.cumulative_count,
                            );
                        }
                        push(&mut out, format!("{name}_sum"), &labels, None, ts, h.sum);
                        push(
                            &mut out,
                            format!("{name}_count"),
                            &labels,
                            None,
                            ts,
                            h.count,
                        );
                    }
                    MetricValue::Summary(s) => {
                        for q in &s.quantiles {
                            push(
                                &mut out,
                                name.clone(),
                                &labels,
                                Some(("quantile", format_float(q.quantile))),
                                ts,
                                q.value,
                            );
                        }
                        push(&mut out, format!("{name}_sum"), &labels, None, ts, s.sum);
                        push(
                            &mut out,
                            format!("{name}_count"),
                            &labels,
                            None,
                            ts,
                            s.count,
                        );
                    }
                }
            }
        }
        let current: HashSet<Labels> = out.samples.iter().map(|s| s.labels.clone()).collect();
        self.mark_stale(&current, t, &mut out.samples);
        self.previous = current;
        self.target = Some(target.clone());
        out
    }

    /// The labels of the target as last collected.
    pub fn target_labels(&self) -> Option<&TargetLabels> {
        self.target.as_ref()
    }

    /// Samples for a failed collection at `t`: every previous series goes stale.
    pub fn failed(&mut self, target: &TargetLabels, t: i64) -> Vec<Sample> {
        self.target = Some(target.clone());
        self.stale_all(t)
    }

    /// Stale markers for every series of the previous collection.
    pub fn stale_all(&mut self, t: i64) -> Vec<Sample> {
        let mut samples = Vec::new();
        self.mark_stale(&HashSet::new(), t, &mut samples);
        self.previous.clear();
        samples
    }

    fn mark_stale(&self, current: &HashSet<Labels>, t: i64, out: &mut Vec<Sample>) {
        for gone in self.previous.difference(current) {
            out.push(Sample {
                labels: gone.clone(),
                t,
                v: f64::from_bits(STALE_NAN),
            });
        }
    }
}

/// The synthetic series Prometheus adds per target.
pub fn synthetic(
    target: &TargetLabels,
    t: i64,
    up: bool,
    duration_s: f64,
    scraped: usize,
    series_added: usize,
) -> Vec<Sample> {
    [
        ("up", if up { 1.0 } else { 0.0 }),
        ("scrape_duration_seconds", duration_s),
        ("scrape_samples_scraped", scraped as f64),
        ("scrape_series_added", series_added as f64),
    ]
    .into_iter()
    .filter_map(|(name, v)| {
        let labels = series_labels(name, &[], None, target, false).ok()?;
        Some(Sample { labels, t, v })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::bindings::types::{Bucket, HistogramValue, Label, Metric, MetricKind};

    fn target() -> TargetLabels {
        TargetLabels::new("api", "10.0.0.1:8000")
    }

    fn gauge(name: &str, labels: &[(&str, &str)], v: f64) -> MetricFamily {
        MetricFamily {
            name: name.into(),
            help: String::new(),
            unit: String::new(),
            kind: MetricKind::Gauge,
            metrics: vec![Metric {
                labels: labels
                    .iter()
                    .map(|(n, v)| Label {
                        name: n.to_string(),
                        value: v.to_string(),
                    })
                    .collect(),
                value: MetricValue::Number(v),
                timestamp_ms: None,
            }],
        }
    }

    #[test]
    fn flattens_histograms_and_attaches_target_labels() {
        let hist = MetricFamily {
            name: "req_seconds".into(),
            help: String::new(),
            unit: String::new(),
            kind: MetricKind::Histogram,
            metrics: vec![Metric {
                labels: vec![Label {
                    name: "job".into(),
                    value: "inner".into(),
                }],
                value: MetricValue::Histogram(HistogramValue {
                    buckets: vec![
                        Bucket {
                            upper_bound: 0.5,
                            cumulative_count: 3.0,
                        },
                        Bucket {
                            upper_bound: f64::INFINITY,
                            cumulative_count: 4.0,
                        },
                    ],
                    sum: 1.5,
                    count: 4.0,
                }),
                timestamp_ms: None,
            }],
        };
        let mut state = ScrapeState::default();
        let out = state.collected(&target(), &[hist], 1000);
        let names: Vec<String> = out.samples.iter().map(|s| s.labels.to_string()).collect();
        assert_eq!(
            names,
            vec![
                r#"req_seconds_bucket{exported_job="inner", instance="10.0.0.1:8000", job="api", le="0.5"}"#,
                r#"req_seconds_bucket{exported_job="inner", instance="10.0.0.1:8000", job="api", le="+Inf"}"#,
                r#"req_seconds_sum{exported_job="inner", instance="10.0.0.1:8000", job="api"}"#,
                r#"req_seconds_count{exported_job="inner", instance="10.0.0.1:8000", job="api"}"#,
            ]
        );
        assert_eq!(out.scraped, 4);
    }

    #[test]
    fn disappearing_series_get_stale_markers() {
        let mut state = ScrapeState::default();
        let first = state.collected(
            &target(),
            &[gauge("a", &[], 1.0), gauge("b", &[], 2.0)],
            1000,
        );
        assert_eq!(first.samples.len(), 2);
        let second = state.collected(&target(), &[gauge("a", &[], 1.0)], 2000);
        assert_eq!(second.samples.len(), 2);
        let stale = &second.samples[1];
        assert_eq!(stale.labels.metric_name(), "b");
        assert_eq!((stale.t, stale.v.to_bits()), (2000, STALE_NAN));
        let failed = state.failed(&target(), 3000);
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].labels.metric_name(), "a");
        assert!(state.failed(&target(), 4000).is_empty());
    }

    #[test]
    fn honor_labels_and_honor_timestamps_as_prometheus() {
        let mut exposed = gauge(
            "jobs",
            &[("job", "inner"), ("exported_job", "taken"), ("zone", "")],
            1.0,
        );
        exposed.metrics[0].timestamp_ms = Some(500);
        let series = |options: ScrapeOptions| {
            let target = TargetLabels {
                options,
                ..target()
            };
            let out =
                ScrapeState::default().collected(&target, std::slice::from_ref(&exposed), 1000);
            (out.samples[0].labels.to_string(), out.samples[0].t)
        };
        assert_eq!(
            series(ScrapeOptions::default()),
            (
                r#"jobs{exported_exported_job="inner", exported_job="taken", instance="10.0.0.1:8000", job="api"}"#
                    .to_string(),
                500
            ),
            "renamed past a taken name; empty labels dropped; the exposed time kept"
        );
        assert_eq!(
            series(ScrapeOptions {
                honor_labels: true,
                honor_timestamps: false,
            }),
            (
                r#"jobs{exported_job="taken", instance="10.0.0.1:8000", job="inner"}"#.to_string(),
                1000
            ),
            "the exposed job wins, the target fills in instance; collection time"
        );
    }

    #[test]
    fn invalid_names_are_reported_not_stored() {
        let mut state = ScrapeState::default();
        let out = state.collected(
            &target(),
            &[
                gauge("bad-name", &[], 1.0),
                gauge("ok", &[("1bad", "x")], 1.0),
            ],
            1000,
        );
        assert!(out.samples.is_empty());
        assert_eq!(out.invalid.len(), 2);
        let syn = synthetic(&target(), 1000, true, 0.25, 2, 0);
        assert_eq!(syn.len(), 4);
        assert_eq!(
            syn[0].labels.to_string(),
            r#"up{instance="10.0.0.1:8000", job="api"}"#
        );
    }
}
