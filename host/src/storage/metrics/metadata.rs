//! Metric metadata (type, help, unit) per metric family name, as exporters
//! and remote-write senders last described it. Kept in memory only, like
//! Prometheus' scrape caches: it is rebuilt by the next collection after a
//! restart.

use std::collections::BTreeMap;
use std::sync::RwLock;

/// One family's metadata, with Prometheus' type names (`counter`, `gauge`,
/// `histogram`, `gaugehistogram`, `summary`, `info`, `stateset`, `unknown`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MetricMetadata {
    /// The type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Help text.
    pub help: String,
    /// Unit, empty when unknown.
    pub unit: String,
}

impl MetricMetadata {
    /// Metadata with a type from remote write's `MetricType` enum number.
    pub fn from_remote_write(kind: i32, help: &str, unit: &str) -> MetricMetadata {
        let kind = match kind {
            1 => "counter",
            2 => "gauge",
            3 => "histogram",
            4 => "gaugehistogram",
            5 => "summary",
            6 => "info",
            7 => "stateset",
            _ => "unknown",
        };
        MetricMetadata {
            kind: kind.into(),
            help: help.into(),
            unit: unit.into(),
        }
    }
}

/// The latest metadata per family name.
#[derive(Debug, Default)]
pub struct MetadataStore {
    families: RwLock<BTreeMap<String, MetricMetadata>>,
}

impl MetadataStore {
    /// Records `metadata` for `family`, replacing what was there.
    pub fn record(&self, family: &str, metadata: MetricMetadata) {
        let mut families = self.families.write().unwrap_or_else(|p| p.into_inner());
        if families.get(family) != Some(&metadata) {
            families.insert(family.to_string(), metadata);
        }
    }

    /// Every family's metadata in name order, or only `metric`'s; at most
    /// `limit` families when given.
    pub fn list(
        &self,
        metric: Option<&str>,
        limit: Option<usize>,
    ) -> Vec<(String, MetricMetadata)> {
        let families = self.families.read().unwrap_or_else(|p| p.into_inner());
        families
            .iter()
            .filter(|(name, _)| metric.is_none_or(|m| m == name.as_str()))
            .take(limit.unwrap_or(usize::MAX))
            .map(|(n, m)| (n.clone(), m.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_per_family() {
        let store = MetadataStore::default();
        store.record("a_total", MetricMetadata::from_remote_write(1, "old", ""));
        store.record("a_total", MetricMetadata::from_remote_write(1, "new", ""));
        store.record("b", MetricMetadata::from_remote_write(99, "", "seconds"));
        let all = store.list(None, None);
        assert_eq!(all.len(), 2);
        assert_eq!(
            all[0],
            (
                "a_total".into(),
                MetricMetadata {
                    kind: "counter".into(),
                    help: "new".into(),
                    unit: String::new()
                }
            )
        );
        assert_eq!(all[1].1.kind, "unknown");
        assert_eq!(store.list(Some("b"), None).len(), 1);
        assert_eq!(store.list(None, Some(1))[0].0, "a_total");
        assert!(store.list(Some("c"), None).is_empty());
    }
}
