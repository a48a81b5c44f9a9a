//! Cardinality statistics of the head, as Prometheus reports them in
//! `/api/v1/status/tsdb`: counts, time span and the top label names, values
//! and pairs, read from the inverted index.

use super::super::labels::METRIC_NAME;
use super::Head;
use std::collections::BTreeMap;

/// The head's statistics; every list is sorted by count, descending, and cut
/// to the requested length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeadStats {
    /// Series in the head.
    pub num_series: u64,
    /// Distinct label name/value pairs.
    pub num_label_pairs: u64,
    /// Non-empty chunks.
    pub chunk_count: u64,
    /// Earliest sample (ms); `i64::MAX` when the head is empty, as Prometheus.
    pub min_time: i64,
    /// Latest sample (ms); `i64::MIN` when the head is empty.
    pub max_time: i64,
    /// Metric name → series.
    pub series_count_by_metric_name: Vec<(String, u64)>,
    /// Label name → distinct values.
    pub label_value_count_by_label_name: Vec<(String, u64)>,
    /// Label name → bytes of its distinct values.
    pub memory_in_bytes_by_label_name: Vec<(String, u64)>,
    /// `name=value` → series.
    pub series_count_by_label_value_pair: Vec<(String, u64)>,
}

fn top(counts: impl IntoIterator<Item = (String, u64)>, limit: usize) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = counts.into_iter().collect();
    // Ties in name order, so the answer is stable.
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(limit);
    v
}

impl Head {
    /// Statistics with at most `limit` entries per list.
    pub fn stats(&self, limit: usize) -> HeadStats {
        let mut by_metric = Vec::new();
        let mut values_by_name: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        let mut by_pair = Vec::new();
        for ((name, value), ids) in &self.postings {
            if &**name == METRIC_NAME {
                by_metric.push((value.to_string(), ids.len() as u64));
            }
            let entry = values_by_name.entry(name).or_default();
            entry.0 += 1;
            entry.1 += value.len() as u64;
            by_pair.push((format!("{name}={value}"), ids.len() as u64));
        }
        let (min_time, max_time) = self.time_span().unwrap_or((i64::MAX, i64::MIN));
        HeadStats {
            num_series: self.series_count() as u64,
            num_label_pairs: self.postings.len() as u64,
            chunk_count: self
                .series
                .iter()
                .map(|s| s.chunks.iter().filter(|c| !c.is_empty()).count() as u64)
                .sum(),
            min_time,
            max_time,
            series_count_by_metric_name: top(by_metric, limit),
            label_value_count_by_label_name: top(
                values_by_name.iter().map(|(n, (c, _))| (n.to_string(), *c)),
                limit,
            ),
            memory_in_bytes_by_label_name: top(
                values_by_name.iter().map(|(n, (_, b))| (n.to_string(), *b)),
                limit,
            ),
            series_count_by_label_value_pair: top(by_pair, limit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::metrics::Labels;

    #[test]
    fn counts_and_ranks_the_index() {
        let mut head = Head::default();
        assert_eq!(head.stats(10).min_time, i64::MAX);
        for (name, job, t) in [("up", "a", 10), ("up", "b", 20), ("load", "a", 5)] {
            let (id, _) =
                head.get_or_create(&Labels::new([("__name__", name), ("job", job)]).unwrap());
            head.append(id, t, 1.0, 0).unwrap();
        }
        let s = head.stats(2);
        assert_eq!((s.num_series, s.num_label_pairs, s.chunk_count), (3, 4, 3));
        assert_eq!((s.min_time, s.max_time), (5, 20));
        assert_eq!(
            s.series_count_by_metric_name,
            vec![("up".into(), 2), ("load".into(), 1)]
        );
        assert_eq!(
            s.label_value_count_by_label_name,
            vec![("__name__".into(), 2), ("job".into(), 2)]
        );
        assert_eq!(
            s.memory_in_bytes_by_label_name,
            vec![("__name__".into(), 6), ("job".into(), 2)]
        );
        assert_eq!(
            s.series_count_by_label_value_pair,
            vec![("__name__=up".into(), 2), ("job=a".into(), 2)]
        );
    }
}
