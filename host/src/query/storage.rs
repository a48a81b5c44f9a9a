//! What the engine reads from: anything that can return the raw samples of
//! the series matching a selector within a time range. The TSDB implements
//! it; [`MemStore`] is a small in-memory store for tests and for rule unit
//! tests (`watchpost test rules`).

use crate::storage::metrics::{Labels, Matcher, MetricsDb};

/// The raw samples of one series, in time order (stale markers included).
pub type SelectedSeries = (Labels, Vec<(i64, f64)>);

/// A source of series for the engine.
pub trait Queryable: Send + Sync {
    /// Every series matching all `matchers` that has samples in
    /// `[start, end]`, with those samples, sorted by labels.
    fn select(&self, matchers: &[Matcher], start: i64, end: i64) -> Vec<SelectedSeries>;
}

impl Queryable for MetricsDb {
    fn select(&self, matchers: &[Matcher], start: i64, end: i64) -> Vec<SelectedSeries> {
        MetricsDb::select(self, matchers, start, end)
    }
}

/// Series held in memory, kept sorted by labels.
#[derive(Debug, Default, Clone)]
pub struct MemStore {
    series: Vec<SelectedSeries>,
}

impl MemStore {
    /// An empty store.
    pub fn new() -> MemStore {
        MemStore::default()
    }

    /// Adds samples to the series `labels` (created if new); samples are
    /// merged in time order, a repeated timestamp keeps the newer value.
    pub fn add(&mut self, labels: Labels, samples: impl IntoIterator<Item = (i64, f64)>) {
        let i = match self.series.binary_search_by(|(l, _)| l.cmp(&labels)) {
            Ok(i) => i,
            Err(i) => {
                self.series.insert(i, (labels, Vec::new()));
                i
            }
        };
        let points = &mut self.series[i].1;
        points.extend(samples);
        points.reverse();
        points.sort_by_key(|(t, _)| *t);
        points.dedup_by_key(|(t, _)| *t);
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.series.clear();
    }
}

impl Queryable for MemStore {
    fn select(&self, matchers: &[Matcher], start: i64, end: i64) -> Vec<SelectedSeries> {
        self.series
            .iter()
            .filter(|(labels, _)| {
                matchers
                    .iter()
                    .all(|m| m.matches(labels.get(&m.name).unwrap_or("")))
            })
            .filter_map(|(labels, points)| {
                let from = points.partition_point(|(t, _)| *t < start);
                let to = points.partition_point(|(t, _)| *t <= end);
                (from < to).then(|| (labels.clone(), points[from..to].to_vec()))
            })
            .collect()
    }
}
