//! Sample extraction for range aggregations: runs the pipeline, then takes
//! the sample value — 1 per line (`count_over_time`, `rate`...), the line's
//! byte length (`bytes_over_time`, `bytes_rate`), or an unwrapped label
//! converted as a float, duration or byte size — and applies Loki's grouping
//! of the result labels.

use std::borrow::Cow;
use std::sync::Arc;

use super::builder::{Builder, ERR_SAMPLE_EXTRACTION};
use super::filter::LabelFilterStep;
use super::{Pipeline, TemplateEngine};
use crate::ast::{Conversion, Grouping, RangeAggregation, RangeOp};
use crate::error::PipelineError;
use crate::labels::{ERROR_LABEL, Labels};
use crate::units::{parse_bytes, parse_go_duration, parse_go_float};

#[derive(Clone, Debug)]
enum Value {
    Count,
    Bytes,
    Label {
        name: String,
        conversion: Conversion,
        post_filters: Vec<LabelFilterStep>,
        grouping: Option<Grouping>,
    },
}

/// Turns log entries into samples for one range aggregation.
#[derive(Clone, Debug)]
pub struct SampleExtractor {
    pipeline: Pipeline,
    value: Value,
}

impl SampleExtractor {
    /// Compiles the extractor of a range aggregation.
    pub fn new(
        agg: &RangeAggregation,
        templates: Arc<dyn TemplateEngine>,
    ) -> Result<Self, PipelineError> {
        let pipeline = Pipeline::new(&agg.range.selector, templates)?;
        let value = match &agg.range.unwrap {
            Some(u) => Value::Label {
                name: u.label.clone(),
                conversion: u.conversion,
                post_filters: u
                    .post_filters
                    .iter()
                    .map(|f| {
                        LabelFilterStep::new(f).map_err(|msg| PipelineError {
                            stage: format!("| {f}"),
                            msg,
                        })
                    })
                    .collect::<Result<_, _>>()?,
                grouping: agg.grouping.clone(),
            },
            None if matches!(agg.op, RangeOp::BytesOverTime | RangeOp::BytesRate) => Value::Bytes,
            None => Value::Count,
        };
        Ok(Self { pipeline, value })
    }

    /// The pipeline before the value extraction.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// The sample of one entry of a stream with `labels`, and the labels of
    /// its series; `None` when the entry is filtered out or (unwrap) the label
    /// is missing or empty. A value that does not convert gives 0 with
    /// `__error__="SampleExtractionErr"`; Loki then fails the query unless a
    /// filter drops such samples (see [`crate::pipeline_error`]).
    pub fn process(&self, ts_ns: i64, line: &str, labels: &Labels) -> Option<(f64, Labels)> {
        let mut b = Builder::new(labels);
        let line = self.pipeline.run(ts_ns, Cow::Borrowed(line), &mut b)?;
        let (name, conversion, post_filters, grouping) = match &self.value {
            Value::Count => return Some((1.0, b.labels())),
            Value::Bytes => return Some((line.len() as f64, b.labels())),
            Value::Label {
                name,
                conversion,
                post_filters,
                grouping,
            } => (name, conversion, post_filters, grouping),
        };
        let raw = b.get(name).unwrap_or("").to_string();
        if raw.is_empty() {
            return None;
        }
        let value = match convert(*conversion, &raw) {
            Ok(v) => v,
            Err(e) => {
                b.fail(ERR_SAMPLE_EXTRACTION, Some(e));
                0.0
            }
        };
        // Loki chains post filters with `and`, which evaluates every side.
        let mut kept = true;
        for f in post_filters {
            kept &= f.keep(&mut b);
        }
        if !kept {
            return None;
        }
        Some((value, grouped(b.labels(), name, grouping.as_ref())))
    }
}

fn convert(conversion: Conversion, raw: &str) -> Result<f64, String> {
    match conversion {
        Conversion::Float => parse_go_float(raw),
        Conversion::Duration | Conversion::DurationSeconds => {
            parse_go_duration(raw).map(|ns| ns as f64 / 1e9)
        }
        Conversion::Bytes => parse_bytes(raw).map(|b| b as f64),
    }
}

/// Loki's grouping of unwrapped samples: without grouping (or `without`) the
/// unwrapped label is removed too; `by (...)` keeps only those labels;
/// `by ()` none. An errored sample keeps all its labels so the error shows.
fn grouped(mut labels: Labels, unwrapped: &str, grouping: Option<&Grouping>) -> Labels {
    if labels.contains(ERROR_LABEL) {
        return labels;
    }
    match grouping {
        Some(g) if !g.without => labels.keep_only(&g.labels),
        Some(g) => {
            labels.remove_all(&g.labels);
            labels.remove(unwrapped);
        }
        None => {
            labels.remove(unwrapped);
        }
    }
    labels
}
