//! Example rule: seasonal anomaly detection. Each evaluation runs a PromQL
//! query and compares every resulting series with its value at the same hour
//! of the week one week earlier, kept in the plugin's key-value state. When
//! the value leaves the band `last_week ± tolerance × |last_week|`, the rule
//! reports an alert candidate; the host turns candidates into pending and
//! firing alerts, honouring `for`.
//!
//! The rule uses the evaluation time it is given (never the wall clock), so a
//! test can replay any week by passing the times it wants.

mod baseline;

use serde::Deserialize;
use std::collections::BTreeMap;
use watchpost_sdk::query::{self, QueryError};
use watchpost_sdk::{AlertCandidate, Error, Evaluation, Label, Rule};

/// The `[plugin.config]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `query = "sum(rate(http_requests_total[5m]))"`.
    pub query: String,
    /// `tolerance = 0.3`: the allowed deviation as a fraction of last week's value.
    pub tolerance: f64,
    /// `alert = "TrafficUnusual"`: the alert's name (its `alertname`).
    pub alert: String,
    /// `for = "10m"`: how long the deviation must last before the alert fires.
    #[serde(rename = "for", default = "zero")]
    pub for_: String,
    /// `labels = { severity = "warning" }`: added to the series' own labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `annotations = { summary = "..." }`; `{{ $baseline }}` is replaced by
    /// last week's value (the host fills in `{{ $value }}` and `{{ $labels }}`).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

fn zero() -> String {
    "0s".into()
}

/// The rule: its config, with `for` parsed.
pub struct Seasonal {
    config: Config,
    for_ms: i64,
}

impl Rule for Seasonal {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        if !(config.tolerance >= 0.0 && config.tolerance.is_finite()) {
            return Err(Error::new(format!(
                "tolerance must be a non-negative ratio, got {}",
                config.tolerance
            )));
        }
        if config.alert.is_empty() || config.query.is_empty() {
            return Err(Error::new("alert and query must not be empty"));
        }
        let for_ms =
            parse_duration_ms(&config.for_).map_err(|e| Error::new(format!("for: {e}")))?;
        Ok(Seasonal { config, for_ms })
    }

    fn evaluate(&mut self, at_ms: i64) -> watchpost_sdk::Result<Evaluation> {
        let samples = query::instant(&self.config.query, at_ms).map_err(|e| match e {
            QueryError::Unavailable(why) => Error::new(format!(
                "this rule needs PromQL queries, which this Watchpost build does not answer yet: {why}"
            )),
            QueryError::BadQuery(why) => Error::new(format!("query {:?} is invalid: {why}", self.config.query)),
            QueryError::Execution(why) => Error::retryable(format!("query {:?} failed: {why}", self.config.query)),
        })?;
        let slot = baseline::Slot::at(at_ms);
        let mut alerts = Vec::new();
        for sample in samples.iter().filter(|s| s.value.is_finite()) {
            let series = baseline::series_key(&sample.labels);
            let last_week = slot.last_week(&series);
            slot.record(&series, sample.value);
            let Some(last_week) = last_week else { continue };
            if (sample.value - last_week).abs() > self.config.tolerance * last_week.abs() {
                alerts.push(self.candidate(&sample.labels, sample.value, last_week));
            }
        }
        slot.forget_older();
        Ok(Evaluation {
            alerts,
            samples: Vec::new(),
            rules: Vec::new(),
        })
    }
}

watchpost_sdk::export_rule!(Seasonal);

impl Seasonal {
    fn candidate(&self, series: &[Label], value: f64, last_week: f64) -> AlertCandidate {
        // The rule's labels win over the series' own, as in Prometheus.
        let mut labels: BTreeMap<String, String> = series
            .iter()
            .map(|l| (l.name.clone(), l.value.clone()))
            .collect();
        labels.extend(self.config.labels.clone());
        let baseline = last_week.to_string();
        let annotations = self
            .config
            .annotations
            .iter()
            .map(|(n, v)| (n.clone(), v.replace("{{ $baseline }}", &baseline)))
            .collect();
        AlertCandidate {
            rule: self.config.alert.clone(),
            labels: to_labels(labels),
            annotations: to_labels(annotations),
            value,
            for_ms: self.for_ms,
            keep_firing_for_ms: 0,
        }
    }
}

fn to_labels(map: BTreeMap<String, String>) -> Vec<Label> {
    map.into_iter()
        .map(|(name, value)| Label { name, value })
        .collect()
}

/// Prometheus-style durations (`30s`, `10m`, `1h30m`) in milliseconds.
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    let invalid = || format!("invalid duration {text:?} (expected e.g. \"10m\", \"1h30m\")");
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: i64 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let amount: i64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let ms_per = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            _ => return Err(invalid()),
        };
        total = amount
            .checked_mul(ms_per)
            .and_then(|ms| total.checked_add(ms))
            .ok_or_else(invalid)?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests;
