//! The rule unit-test file, as `promtool test rules` (Prometheus 2.42)
//! reads it: serde types with unknown fields refused (promtool's
//! `UnmarshalStrict`) and durations in Prometheus' notation.
//!
//! ```yaml
//! rule_files: [alerts.yml]          # relative to this file; globs allowed
//! evaluation_interval: 1m           # default 1m
//! group_eval_order: [first, second] # optional
//! tests:
//!   - interval: 1m                  # default: evaluation_interval
//!     input_series:
//!       - series: 'up{job="node"}'
//!         values: '1 1 0x10'
//!     external_labels: {cluster: eu}
//!     external_url: http://prom.example
//!     alert_rule_test:
//!       - eval_time: 5m
//!         alertname: InstanceDown
//!         exp_alerts:
//!           - exp_labels: {job: node, severity: page}
//!             exp_annotations: {summary: node is down}
//!     promql_expr_test:
//!       - expr: up == 0
//!         eval_time: 5m
//!         exp_samples:
//!           - labels: 'up{job="node"}'
//!             value: 0
//! ```

use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use watchpost_rulefmt::duration;

/// A Prometheus duration (`1m`, `1h30m`) in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub i64);

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        duration::parse_ms(&text)
            .map(Duration)
            .map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for Duration {
    /// As Prometheus prints it (`5m`, `1h30m`, `0s`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&duration::format_ms(self.0))
    }
}

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// Rule files, relative to the test file's folder; globs allowed.
    #[serde(default)]
    pub rule_files: Vec<String>,
    /// Evaluation interval of every group (default 1m).
    #[serde(default)]
    pub evaluation_interval: Option<Duration>,
    /// Groups evaluated first, in this order; the others after them.
    #[serde(default)]
    pub group_eval_order: Vec<String>,
    /// The test groups.
    #[serde(default)]
    pub tests: Vec<TestGroup>,
}

/// Input series and the expectations checked over them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestGroup {
    /// Step of the input series (default: the evaluation interval).
    #[serde(default)]
    pub interval: Option<Duration>,
    /// The input series.
    #[serde(default)]
    pub input_series: Vec<InputSeries>,
    /// Alert expectations.
    #[serde(default)]
    pub alert_rule_test: Vec<AlertTest>,
    /// Query expectations.
    #[serde(default)]
    pub promql_expr_test: Vec<PromqlTest>,
    /// `$externalLabels` in templates.
    #[serde(default)]
    pub external_labels: BTreeMap<String, String>,
    /// `$externalURL` in templates.
    #[serde(default)]
    pub external_url: String,
    /// Named in failure messages.
    #[serde(default)]
    pub name: String,
}

/// One input series: `metric{labels}` and expanding values.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSeries {
    /// `metric{a="b"}`.
    #[serde(default)]
    pub series: String,
    /// `0+1x10 _ stale`.
    #[serde(default)]
    pub values: String,
}

/// The firing alerts of one alert name expected at one time.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertTest {
    /// When (from 0).
    #[serde(default)]
    pub eval_time: Duration,
    /// The alerting rule's name.
    #[serde(default)]
    pub alertname: String,
    /// The firing alerts, as a set.
    #[serde(default)]
    pub exp_alerts: Vec<ExpectedAlert>,
}

/// One expected firing alert.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedAlert {
    /// Labels, without `alertname`.
    #[serde(default)]
    pub exp_labels: BTreeMap<String, String>,
    /// Annotations, expanded.
    #[serde(default)]
    pub exp_annotations: BTreeMap<String, String>,
}

/// An instant query and its expected samples.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromqlTest {
    /// The PromQL expression.
    #[serde(default)]
    pub expr: String,
    /// When (from 0).
    #[serde(default)]
    pub eval_time: Duration,
    /// The samples, as a set.
    #[serde(default)]
    pub exp_samples: Vec<ExpectedSample>,
}

/// One expected sample.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedSample {
    /// `metric{a="b"}`.
    #[serde(default)]
    pub labels: String,
    /// The value.
    #[serde(default)]
    pub value: f64,
}

/// Parses a test file's text.
pub fn parse(text: &str) -> Result<TestFile, serde_norway::Error> {
    // An empty document is an empty file, as for promtool.
    if text.trim().is_empty() {
        return Ok(TestFile::default());
    }
    serde_norway::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_format_and_refuses_unknown_fields() {
        let f = parse(
            "rule_files: [a.yml]\nevaluation_interval: 30s\ntests:\n  - interval: 1m\n    input_series:\n      - series: up\n        values: 1x3\n    alert_rule_test:\n      - eval_time: 2m\n        alertname: A\n        exp_alerts:\n          - exp_labels: {a: b}\n",
        )
        .unwrap();
        assert_eq!(f.evaluation_interval, Some(Duration(30_000)));
        assert_eq!(f.tests[0].alert_rule_test[0].eval_time, Duration(120_000));
        assert_eq!(f.tests[0].alert_rule_test[0].eval_time.to_string(), "2m");
        let err = parse("tests:\n  - intervall: 1m\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `intervall`"), "{err}");
        assert!(parse("evaluation_interval: 1x\n").is_err());
    }
}
