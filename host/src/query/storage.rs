//! What the engine reads from: anything that can return the raw samples of
//! the series matching a selector within a time range. The TSDB implements
//! it; [`MemStore`] is a small in-memory store for tests and for rule unit
//! tests (`watchpost test rules`).

use crate::query::error::QueryError;
use crate::query::value::Series;
use crate::storage::metrics::{Labels, Matcher, MetricsDb};

/// The raw samples of one series, in time order (stale markers included).
pub type SelectedSeries = (Labels, Vec<(i64, f64)>);

/// What a function of one selected series gives: a series, nothing, or
/// the error that ends the query.
pub type SeriesOutcome = Result<Option<Series>, QueryError>;

/// A function of one selected series' labels and samples (time order,
/// staleness markers included, never empty).
pub type SeriesFn<'a> = dyn Fn(&Labels, &[(i64, f64)]) -> SeriesOutcome + Sync + 'a;

/// A source of series for the engine.
pub trait Queryable: Send + Sync {
    /// Every series matching all `matchers` that has samples in
    /// `[start, end]`, with those samples, sorted by labels.
    fn select(&self, matchers: &[Matcher], start: i64, end: i64) -> Vec<SelectedSeries>;

    /// `f` of every series [`Self::select`] returns, in its order. The
    /// TSDB streams: it calls `f` (in parallel) as it decodes each series.
    fn select_map(
        &self,
        matchers: &[Matcher],
        start: i64,
        end: i64,
        f: &SeriesFn,
    ) -> Vec<SeriesOutcome> {
        self.select(matchers, start, end)
            .iter()
            .map(|(labels, samples)| f(labels, samples))
            .collect()
    }
}

impl Queryable for MetricsDb {
    fn select(&self, matchers: &[Matcher], start: i64, end: i64) -> Vec<SelectedSeries> {
        MetricsDb::select(self, matchers, start, end)
    }

    fn select_map(
        &self,
        matchers: &[Matcher],
        start: i64,
        end: i64,
        f: &SeriesFn,
    ) -> Vec<SeriesOutcome> {
        self.select_each(matchers, start, end, |labels, samples| f(labels, samples))
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

    /// How many samples it holds.
    pub fn sample_count(&self) -> usize {
        self.series.iter().map(|(_, points)| points.len()).sum()
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

/// `base` with `top`'s samples laid over it: a series in both gets the
/// union of their samples, `top` winning on a repeated timestamp. Rule
/// plugins query through one so a group's later rules see what its
/// recording rules staged in the same evaluation.
pub struct Overlay<'a> {
    /// The store underneath.
    pub base: &'a dyn Queryable,
    /// What lies on top.
    pub top: &'a MemStore,
}

impl Queryable for Overlay<'_> {
    fn select(&self, matchers: &[Matcher], start: i64, end: i64) -> Vec<SelectedSeries> {
        let base = self.base.select(matchers, start, end);
        let top = self.top.select(matchers, start, end);
        if top.is_empty() {
            return base;
        }
        let mut merged = MemStore { series: base };
        merged.series.sort_by(|a, b| a.0.cmp(&b.0));
        for (labels, points) in top {
            merged.add(labels, points);
        }
        merged.series
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(name: &str, instance: &str) -> Labels {
        let mut b = Labels::default().builder();
        b.set("__name__", name).set("instance", instance);
        b.build()
    }

    #[test]
    fn an_overlay_merges_series_and_its_top_wins_ties() {
        let mut base = MemStore::new();
        base.add(labels("up", "a"), [(1_000, 1.0), (2_000, 1.0)]);
        base.add(labels("up", "b"), [(1_000, 1.0)]);
        let mut top = MemStore::new();
        top.add(labels("up", "a"), [(2_000, 5.0), (3_000, 6.0)]);
        top.add(labels("up", "c"), [(3_000, 7.0)]);
        top.add(labels("other", "a"), [(3_000, 8.0)]);
        let overlay = Overlay {
            base: &base,
            top: &top,
        };
        let got = overlay.select(&[Matcher::equal("__name__", "up")], 0, 3_000);
        let want = vec![
            (
                labels("up", "a"),
                vec![(1_000, 1.0), (2_000, 5.0), (3_000, 6.0)],
            ),
            (labels("up", "b"), vec![(1_000, 1.0)]),
            (labels("up", "c"), vec![(3_000, 7.0)]),
        ];
        assert_eq!(got, want);
        // Outside the window, the top contributes nothing.
        let early = overlay.select(&[Matcher::equal("__name__", "up")], 0, 1_500);
        assert_eq!(early.len(), 2);
    }
}
