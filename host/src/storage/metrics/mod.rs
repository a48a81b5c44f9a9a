//! Where exporter output lands. For now an in-memory view of the latest
//! collection per plugin and target (what `watchpost plugin run` and the
//! health page show); the time-series store replaces it behind the same
//! `ingest` call.

use crate::runtime::bindings::types::{MetricFamily, MetricValue};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// One collection: its time (Unix ms) and families.
type Collection = (i64, Vec<MetricFamily>);

/// Latest families per (plugin, target).
#[derive(Default)]
pub struct LatestMetrics {
    latest: Mutex<BTreeMap<(String, String), Collection>>,
}

/// Number of samples a family contributes (as Prometheus counts them:
/// histograms and summaries expand into their series).
pub fn sample_count(families: &[MetricFamily]) -> u64 {
    families
        .iter()
        .flat_map(|f| &f.metrics)
        .map(|m| match &m.value {
            MetricValue::Number(_) => 1,
            MetricValue::Histogram(h) => h.buckets.len() as u64 + 2,
            MetricValue::Summary(s) => s.quantiles.len() as u64 + 2,
        })
        .sum()
}

impl LatestMetrics {
    /// Stores a collection; returns its sample count.
    pub fn ingest(
        &self,
        plugin: &str,
        target: &str,
        at_ms: i64,
        families: Vec<MetricFamily>,
    ) -> u64 {
        let n = sample_count(&families);
        self.latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((plugin.to_string(), target.to_string()), (at_ms, families));
        n
    }

    /// Forgets a plugin (removed by a reload).
    pub fn forget(&self, plugin: &str) {
        self.latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(p, _), _| p != plugin);
    }

    /// The latest collection of `plugin`/`target`.
    pub fn get(&self, plugin: &str, target: &str) -> Option<Collection> {
        self.latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(plugin.to_string(), target.to_string()))
            .cloned()
    }
}
