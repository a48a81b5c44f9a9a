//! Which series exist, and their label names and values, for the
//! Prometheus metadata endpoints (`/api/v1/series`, `/labels`,
//! `/label/<name>/values`). A series counts when one of its chunks (in a
//! block or the head) overlaps the time range and that overlap is not
//! wholly deleted — the chunk index decides, samples are not decoded.

use super::MetricsDb;
use crate::storage::metrics::labels::Labels;
use crate::storage::metrics::matcher::Matcher;
use std::collections::BTreeSet;

/// No selector: every series.
const EVERYTHING: &[Vec<Matcher>] = &[Vec::new()];

impl MetricsDb {
    /// Every series matching any of `selectors` (each a list of matchers
    /// that must all hold; no selectors means every series) with data in
    /// `[start, end]` (ms), in label order, each once.
    pub fn series(&self, selectors: &[Vec<Matcher>], start: i64, end: i64) -> Vec<Labels> {
        let selectors = if selectors.is_empty() {
            EVERYTHING
        } else {
            selectors
        };
        let mut found: BTreeSet<Labels> = BTreeSet::new();
        if start > end {
            return Vec::new();
        }
        // The block list is taken under the head's read lock, as `select`
        // does: a cut in flight never hides a series.
        let head = self.head.read().unwrap_or_else(|p| p.into_inner());
        for b in self
            .block_list()
            .iter()
            .filter(|b| b.meta().max_t >= start && b.meta().min_t <= end)
        {
            for matchers in selectors {
                for i in b.select(matchers) {
                    if b.has_data(i, start, end) {
                        found.insert(b.labels(i).clone());
                    }
                }
            }
        }
        for matchers in selectors {
            for id in head.select(matchers) {
                if let Some(s) = head.series(id).filter(|s| s.has_data(start, end)) {
                    found.insert(s.labels.clone());
                }
            }
        }
        found.into_iter().collect()
    }

    /// The label names (`__name__` included) of the series
    /// [`series`](Self::series) returns, sorted.
    pub fn label_names(&self, selectors: &[Vec<Matcher>], start: i64, end: i64) -> Vec<String> {
        let mut names: BTreeSet<String> = BTreeSet::new();
        for labels in self.series(selectors, start, end) {
            for (n, _) in labels.iter() {
                if !names.contains(n) {
                    names.insert(n.to_string());
                }
            }
        }
        names.into_iter().collect()
    }

    /// The values of label `name` among the series
    /// [`series`](Self::series) returns, sorted.
    pub fn label_values(
        &self,
        name: &str,
        selectors: &[Vec<Matcher>],
        start: i64,
        end: i64,
    ) -> Vec<String> {
        let mut values: BTreeSet<String> = BTreeSet::new();
        for labels in self.series(selectors, start, end) {
            if let Some(v) = labels.get(name).filter(|v| !values.contains(*v)) {
                values.insert(v.to_string());
            }
        }
        values.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::storage::metrics::{DbOptions, Labels, Matcher, MetricsDb, Sample};

    fn sample(name: &str, job: &str, t: i64) -> Sample {
        Sample {
            labels: Labels::new([("__name__", name), ("job", job)]).unwrap(),
            t,
            v: 1.0,
        }
    }

    /// `up{job=old}` only in a block (0–9 s), `up{job=new}` only in the head
    /// (from 20 s), `load{job=new,cpu}` in both.
    fn db_with_block_and_head(dir: &std::path::Path) -> MetricsDb {
        let db = MetricsDb::open(
            dir,
            DbOptions {
                block_range_ms: 10_000,
                ..DbOptions::default()
            },
        )
        .unwrap();
        let load = |t| Sample {
            labels: Labels::new([("__name__", "load"), ("job", "new"), ("cpu", "0")]).unwrap(),
            t,
            v: 0.5,
        };
        for t in (0..10_000).step_by(1000) {
            db.append(&[sample("up", "old", t), load(t)]).unwrap();
        }
        for t in (20_000..30_000).step_by(1000) {
            db.append(&[sample("up", "new", t), load(t)]).unwrap();
        }
        assert_eq!(db.maintain(30_000).unwrap().blocks_cut, 1);
        assert_eq!(db.block_stats().0, 1);
        db
    }

    #[test]
    fn series_and_labels_across_blocks_and_head_within_time_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let db = db_with_block_and_head(dir.path());
        let all = i64::MAX;
        let up = vec![Matcher::equal("__name__", "up")];
        let names = |s: Vec<Labels>| -> Vec<String> { s.iter().map(|l| l.to_string()).collect() };

        assert_eq!(
            names(db.series(std::slice::from_ref(&up), 0, all)),
            vec!["up{job=\"new\"}", "up{job=\"old\"}"]
        );
        // Time bounds: the block alone, the head alone, neither.
        assert_eq!(
            names(db.series(std::slice::from_ref(&up), 0, 9_000)),
            vec!["up{job=\"old\"}"]
        );
        assert_eq!(
            names(db.series(std::slice::from_ref(&up), 15_000, all)),
            vec!["up{job=\"new\"}"]
        );
        assert!(
            db.series(std::slice::from_ref(&up), 10_500, 19_000)
                .is_empty()
        );
        assert!(
            db.series(std::slice::from_ref(&up), 5_000, 4_000)
                .is_empty()
        );

        // No selector: everything; several selectors: their union, once.
        assert_eq!(db.series(&[], 0, all).len(), 3);
        let load = vec![Matcher::new("cpu", "=~", ".+").unwrap()];
        assert_eq!(
            db.series(&[up.clone(), load.clone(), up.clone()], 0, all)
                .len(),
            3
        );

        assert_eq!(db.label_names(&[], 0, all), vec!["__name__", "cpu", "job"]);
        assert_eq!(
            db.label_names(std::slice::from_ref(&up), 0, all),
            vec!["__name__", "job"]
        );
        assert_eq!(db.label_values("__name__", &[], 0, all), vec!["load", "up"]);
        assert_eq!(db.label_values("job", &[], 0, all), vec!["new", "old"]);
        assert_eq!(db.label_values("job", &[], 0, 9_000), vec!["new", "old"]);
        assert_eq!(db.label_values("job", &[up], 0, 9_000), vec!["old"]);
        assert_eq!(db.label_values("job", &[load], 25_000, all), vec!["new"]);
        assert!(db.label_values("missing", &[], 0, all).is_empty());
    }
}
