//! Test rule: runs one PromQL query per evaluation through the host; every
//! series above `threshold` becomes an alert candidate (its labels plus the
//! configured ones, annotations passed through unexpanded: the host expands
//! templates), and `record` gets the number of series the query returned.
//! With `misbehave` it panics or loops instead, to test isolation, or does
//! nothing at all, to measure a bare plugin call.

use serde::Deserialize;
use std::collections::BTreeMap;
use watchpost_sdk::{AlertCandidate, Error, Evaluation, Label, RecordedSample, Rule, query};

/// `[plugin.config]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The query.
    pub query: String,
    /// Series above this alert.
    pub threshold: f64,
    /// The alert's name.
    pub alert: String,
    /// `for`, in ms.
    #[serde(default)]
    pub for_ms: i64,
    /// Name of the recorded series counting the query's series.
    pub record: String,
    /// Extra alert labels (may hold templates).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations (may hold templates).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// `"panic"` or `"loop"`: misbehave on every evaluation instead (for the
    /// host's isolation tests); `"idle"`: return an empty evaluation without
    /// querying (the cost of a plugin call itself, for the benchmark).
    #[serde(default)]
    pub misbehave: Option<String>,
}

/// The rule.
pub struct Threshold(Config);

fn pairs(map: &BTreeMap<String, String>) -> Vec<Label> {
    map.iter()
        .map(|(name, value)| Label {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

impl Rule for Threshold {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        Ok(Threshold(config))
    }

    fn evaluate(&mut self, at_ms: i64) -> watchpost_sdk::Result<Evaluation> {
        let c = &self.0;
        match c.misbehave.as_deref() {
            // Nothing at all: the benchmark's empty plugin call.
            Some("idle") => {
                return Ok(Evaluation {
                    alerts: Vec::new(),
                    samples: Vec::new(),
                    rules: Vec::new(),
                });
            }
            Some("panic") => panic!("threshold rule told to panic"),
            Some("loop") => {
                let mut n = 0u64;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            _ => {}
        }
        let samples = query::instant(&c.query, at_ms).map_err(|e| Error::new(format!("{e:?}")))?;
        let alerts = samples
            .iter()
            .filter(|s| s.value > c.threshold)
            .map(|s| {
                let mut labels: BTreeMap<String, String> = s
                    .labels
                    .iter()
                    .filter(|l| l.name != "__name__")
                    .map(|l| (l.name.clone(), l.value.clone()))
                    .collect();
                labels.extend(c.labels.clone());
                AlertCandidate {
                    rule: c.alert.clone(),
                    labels: pairs(&labels),
                    annotations: pairs(&c.annotations),
                    value: s.value,
                    for_ms: c.for_ms,
                    keep_firing_for_ms: 0,
                }
            })
            .collect();
        Ok(Evaluation {
            alerts,
            samples: vec![RecordedSample {
                name: c.record.clone(),
                labels: vec![],
                value: samples.len() as f64,
            }],
            rules: Vec::new(),
        })
    }
}

watchpost_sdk::export_rule!(Threshold);
