//! Stores exporter collections: samples with target labels, the synthetic
//! per-target series, and staleness markers, appended durably before the
//! collection counts as recorded. Scrape state is keyed by plugin and target
//! so a plugin that is reloaded keeps its staleness tracking, and a plugin or
//! target that goes away has its series marked stale. Each target's last
//! collection (when, how long, which error) is kept for `/api/v1/targets`,
//! and each family's type and help for `/api/v1/metadata`.

use super::Pipeline;
use crate::runtime::bindings::types::{MetricFamily, MetricKind};
use crate::storage::metrics::Sample;
use crate::storage::metrics::metadata::MetricMetadata;
use crate::storage::metrics::scrape::{ScrapeState, TargetLabels, synthetic};
use crate::telemetry::SelfMetrics;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the last collection of one target went.
#[derive(Debug, Clone, PartialEq)]
pub struct LastScrape {
    /// When it started (Unix ms).
    pub at_ms: i64,
    /// How long it took.
    pub took: Duration,
    /// Why it failed; `None` when it succeeded.
    pub error: Option<String>,
}

/// Where exporter output goes.
pub struct ExporterSink {
    pipeline: Arc<Pipeline>,
    telemetry: Arc<SelfMetrics>,
    states: Mutex<HashMap<(String, String), ScrapeState>>,
    last: Mutex<HashMap<(String, String), LastScrape>>,
}

fn metadata_of(family: &MetricFamily) -> MetricMetadata {
    let kind = match family.kind {
        MetricKind::Counter => "counter",
        MetricKind::Gauge => "gauge",
        MetricKind::Histogram => "histogram",
        MetricKind::Summary => "summary",
        MetricKind::Untyped => "unknown",
    };
    MetricMetadata {
        kind: kind.into(),
        help: family.help.clone(),
        unit: family.unit.clone(),
    }
}

impl ExporterSink {
    /// A sink writing through `pipeline`.
    pub fn new(pipeline: Arc<Pipeline>, telemetry: Arc<SelfMetrics>) -> ExporterSink {
        ExporterSink {
            pipeline,
            telemetry,
            states: Mutex::new(HashMap::new()),
            last: Mutex::new(HashMap::new()),
        }
    }

    /// The last collection of `target` by `plugin`, if there was one.
    pub fn last_scrape(&self, plugin: &str, target: &str) -> Option<LastScrape> {
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(plugin.to_string(), target.to_string()))
            .cloned()
    }

    fn record(&self, plugin: &str, target: &str, at_ms: i64, took: Duration, error: Option<&str>) {
        self.last.lock().unwrap_or_else(|p| p.into_inner()).insert(
            (plugin.into(), target.into()),
            LastScrape {
                at_ms,
                took,
                error: error.map(str::to_string),
            },
        );
    }

    fn append(&self, plugin: &str, samples: &[Sample]) -> usize {
        match self.pipeline.append(samples) {
            Ok(outcome) => {
                if !outcome.rejected.is_empty() {
                    let (labels, t, reason) = &outcome.rejected[0];
                    tracing::warn!(plugin, rejected = outcome.rejected.len(), example = %labels, t, reason = reason.as_str(), "samples rejected");
                }
                outcome.series_added
            }
            Err(e) => {
                tracing::error!(plugin, error = %e, "cannot write samples to the metrics store");
                0
            }
        }
    }

    /// Records a successful collection of `target` by `plugin` at `at` (ms).
    pub fn collected(
        &self,
        plugin: &str,
        target: &str,
        labels: &TargetLabels,
        at: i64,
        took: Duration,
        families: &[MetricFamily],
    ) {
        self.record(plugin, target, at, took, None);
        let metadata = self.pipeline.db().metadata();
        for family in families {
            metadata.record(&family.name, metadata_of(family));
        }
        let scrape = {
            let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
            states
                .entry((plugin.into(), target.into()))
                .or_default()
                .collected(labels, families, at)
        };
        for (name, e) in scrape.invalid.iter().take(1) {
            tracing::warn!(plugin, target, metric = %name, error = %e, invalid = scrape.invalid.len(), "exporter returned invalid series");
        }
        if !scrape.invalid.is_empty() {
            self.telemetry
                .rejected("invalid_labels", scrape.invalid.len() as u64);
        }
        self.telemetry.samples(plugin, scrape.scraped as u64);
        let added = self.append(plugin, &scrape.samples);
        self.append(
            plugin,
            &synthetic(labels, at, true, took.as_secs_f64(), scrape.scraped, added),
        );
    }

    /// Records a failed collection (`error` says why): `up` 0 and stale
    /// markers.
    pub fn failed(
        &self,
        plugin: &str,
        target: &str,
        labels: &TargetLabels,
        at: i64,
        took: Duration,
        error: &str,
    ) {
        self.record(plugin, target, at, took, Some(error));
        let mut samples = {
            let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
            states
                .entry((plugin.into(), target.into()))
                .or_default()
                .failed(labels, at)
        };
        samples.extend(synthetic(labels, at, false, took.as_secs_f64(), 0, 0));
        self.append(plugin, &samples);
    }

    /// Marks stale every series of `plugin`'s targets not in `keep` (all of
    /// them when the plugin is gone) and forgets those targets.
    pub fn retire(&self, plugin: &str, keep: &[String]) {
        let now = crate::util::now_ms();
        let mut samples = Vec::new();
        {
            let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
            let gone: Vec<(String, String)> = states
                .keys()
                .filter(|(p, t)| p == plugin && !keep.contains(t))
                .cloned()
                .collect();
            let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            last.retain(|(p, t), _| p != plugin || keep.contains(t));
            for key in gone {
                if let Some(mut state) = states.remove(&key) {
                    samples.extend(state.stale_all(now));
                    let target = state
                        .target_labels()
                        .cloned()
                        .unwrap_or_else(|| TargetLabels::new(&key.0, &key.1));
                    samples.extend(synthetic(&target, now, false, 0.0, 0, 0).into_iter().map(
                        |mut s| {
                            s.v = f64::from_bits(crate::storage::metrics::STALE_NAN);
                            s
                        },
                    ));
                }
            }
        }
        if !samples.is_empty() {
            self.append(plugin, &samples);
        }
    }
}
