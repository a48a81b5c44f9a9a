//! Builders for metric families, so exporters read like the data they emit:
//!
//! ```
//! use watchpost_sdk::MetricFamily;
//! let up = MetricFamily::gauge("my_up", "whether my thing is up").sample(&[("db", "main")], 1.0);
//! assert_eq!(up.metrics.len(), 1);
//! ```

use crate::types::{
    Bucket, HistogramValue, Label, Metric, MetricFamily, MetricKind, MetricValue, QuantileValue,
    SummaryValue,
};

fn to_labels(pairs: &[(&str, &str)]) -> Vec<Label> {
    pairs
        .iter()
        .map(|(n, v)| Label {
            name: n.to_string(),
            value: v.to_string(),
        })
        .collect()
}

impl MetricFamily {
    /// An empty family of `kind`.
    pub fn new(name: impl Into<String>, help: impl Into<String>, kind: MetricKind) -> Self {
        MetricFamily {
            name: name.into(),
            help: help.into(),
            unit: String::new(),
            kind,
            metrics: Vec::new(),
        }
    }
    /// An empty counter family.
    pub fn counter(name: impl Into<String>, help: impl Into<String>) -> Self {
        Self::new(name, help, MetricKind::Counter)
    }
    /// An empty gauge family.
    pub fn gauge(name: impl Into<String>, help: impl Into<String>) -> Self {
        Self::new(name, help, MetricKind::Gauge)
    }
    /// An empty untyped family.
    pub fn untyped(name: impl Into<String>, help: impl Into<String>) -> Self {
        Self::new(name, help, MetricKind::Untyped)
    }
    /// Adds a counter, gauge or untyped sample.
    pub fn sample(mut self, labels: &[(&str, &str)], value: f64) -> Self {
        self.push(labels, value);
        self
    }
    /// Adds a counter, gauge or untyped sample in place.
    pub fn push(&mut self, labels: &[(&str, &str)], value: f64) {
        self.metrics.push(Metric {
            labels: to_labels(labels),
            value: MetricValue::Number(value),
            timestamp_ms: None,
        });
    }
    /// Adds a classic histogram sample; `buckets` are (upper bound,
    /// cumulative count) and should end with `+Inf`.
    pub fn histogram(
        mut self,
        labels: &[(&str, &str)],
        buckets: &[(f64, f64)],
        sum: f64,
        count: f64,
    ) -> Self {
        self.metrics.push(Metric {
            labels: to_labels(labels),
            value: MetricValue::Histogram(HistogramValue {
                buckets: buckets
                    .iter()
                    .map(|&(upper_bound, cumulative_count)| Bucket {
                        upper_bound,
                        cumulative_count,
                    })
                    .collect(),
                sum,
                count,
            }),
            timestamp_ms: None,
        });
        self
    }
    /// Adds a summary sample; `quantiles` are (quantile, value).
    pub fn summary(
        mut self,
        labels: &[(&str, &str)],
        quantiles: &[(f64, f64)],
        sum: f64,
        count: f64,
    ) -> Self {
        self.metrics.push(Metric {
            labels: to_labels(labels),
            value: MetricValue::Summary(SummaryValue {
                quantiles: quantiles
                    .iter()
                    .map(|&(quantile, value)| QuantileValue { quantile, value })
                    .collect(),
                sum,
                count,
            }),
            timestamp_ms: None,
        });
        self
    }
}
