//! The in-memory head: every series with its compressed chunks, an inverted
//! index from label pairs to series, and a small per-series buffer for
//! out-of-order samples inside the configured window.

use super::chunk::XorChunk;
use super::labels::{Labels, METRIC_NAME};
use super::matcher::Matcher;
use std::collections::{BTreeMap, HashMap};

/// Series id, dense and stable for the life of the head (and the WAL).
pub type SeriesId = u64;

/// Why a sample was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// Older than the out-of-order window.
    OutOfBounds,
    /// Same timestamp as a stored sample, different value.
    DuplicateTimestamp,
}

impl RejectReason {
    /// The `reason` label.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::OutOfBounds => "out_of_bounds",
            RejectReason::DuplicateTimestamp => "duplicate_timestamp",
        }
    }
}

/// One series in the head.
#[derive(Debug)]
pub struct Series {
    /// Its labels.
    pub labels: Labels,
    chunks: Vec<XorChunk>,
    /// Out-of-order samples, sorted by time, not yet merged.
    ooo: BTreeMap<i64, f64>,
}

impl Series {
    fn new(labels: Labels) -> Series {
        Series {
            labels,
            chunks: vec![XorChunk::default()],
            ooo: BTreeMap::new(),
        }
    }

    /// Time of the newest in-order sample.
    pub fn max_time(&self) -> Option<i64> {
        self.chunks.iter().rev().find(|c| !c.is_empty()).map(XorChunk::max_time)
    }

    fn value_at(&self, t: i64) -> Option<f64> {
        if let Some(v) = self.ooo.get(&t) {
            return Some(*v);
        }
        self.chunks
            .iter()
            .filter(|c| !c.is_empty() && c.min_time() <= t && t <= c.max_time())
            .flat_map(|c| c.iter())
            .find(|(st, _)| *st == t)
            .map(|(_, v)| v)
    }

    fn append(&mut self, t: i64, v: f64, ooo_window: i64) -> Result<bool, RejectReason> {
        match self.max_time() {
            Some(max) if t <= max => {
                if let Some(existing) = self.value_at(t) {
                    // Re-sending the identical sample is not an error.
                    return if existing.to_bits() == v.to_bits() {
                        Ok(false)
                    } else {
                        Err(RejectReason::DuplicateTimestamp)
                    };
                }
                if t < max - ooo_window {
                    return Err(RejectReason::OutOfBounds);
                }
                self.ooo.insert(t, v);
                Ok(true)
            }
            _ => {
                let open = self.chunks.last_mut().expect("a series always has an open chunk");
                if open.is_full() {
                    self.chunks.push(XorChunk::default());
                }
                self.chunks.last_mut().expect("just pushed").append(t, v);
                Ok(true)
            }
        }
    }

    /// Samples in `[start, end]`, merged with out-of-order ones, in order.
    pub fn samples(&self, start: i64, end: i64) -> Vec<(i64, f64)> {
        let mut out: Vec<(i64, f64)> = self
            .chunks
            .iter()
            .filter(|c| !c.is_empty() && c.max_time() >= start && c.min_time() <= end)
            .flat_map(|c| c.iter())
            .filter(|(t, _)| *t >= start && *t <= end)
            .collect();
        if !self.ooo.is_empty() {
            out.extend(self.ooo.range(start..=end).map(|(t, v)| (*t, *v)));
            out.sort_by_key(|(t, _)| *t);
        }
        out
    }

    /// Bytes held by the compressed chunks.
    pub fn chunk_bytes(&self) -> usize {
        self.chunks.iter().map(XorChunk::byte_len).sum()
    }
}

/// The head.
#[derive(Debug, Default)]
pub struct Head {
    series: Vec<Series>,
    by_labels: HashMap<Labels, SeriesId>,
    postings: BTreeMap<(Box<str>, Box<str>), Vec<SeriesId>>,
}

impl Head {
    /// The id of `labels`, creating the series if new. Returns (id, created).
    pub fn get_or_create(&mut self, labels: &Labels) -> (SeriesId, bool) {
        if let Some(id) = self.by_labels.get(labels) {
            return (*id, false);
        }
        let id = self.series.len() as SeriesId;
        self.insert(id, labels.clone());
        (id, true)
    }

    /// Inserts series `id` (WAL replay uses the logged ids).
    pub fn insert(&mut self, id: SeriesId, labels: Labels) {
        if self.by_labels.contains_key(&labels) {
            return;
        }
        while self.series.len() as u64 <= id {
            // Ids are dense; a gap can only come from a torn WAL. Fill it with
            // a placeholder that never matches.
            self.series.push(Series::new(Labels::default()));
        }
        for (n, v) in labels.iter() {
            self.postings.entry((n.into(), v.into())).or_default().push(id);
        }
        self.by_labels.insert(labels.clone(), id);
        self.series[id as usize] = Series::new(labels);
    }

    /// Appends one sample to series `id`. `Ok(false)`: an identical duplicate.
    pub fn append(&mut self, id: SeriesId, t: i64, v: f64, ooo_window: i64) -> Result<bool, RejectReason> {
        self.series[id as usize].append(t, v, ooo_window)
    }

    /// Number of series.
    pub fn series_count(&self) -> usize {
        self.by_labels.len()
    }

    /// Series `id`.
    pub fn series(&self, id: SeriesId) -> Option<&Series> {
        self.series.get(id as usize)
    }

    /// Ids of the series matching every matcher, ascending.
    pub fn select(&self, matchers: &[Matcher]) -> Vec<SeriesId> {
        // Start from the most selective equality matcher's postings when there
        // is one; otherwise from the metric-name postings or all series.
        let mut candidates: Option<Vec<SeriesId>> = None;
        for m in matchers.iter().filter(|m| matches!(m.op, super::matcher::MatchOp::Equal) && !m.value.is_empty()) {
            let ids = self
                .postings
                .get(&(Box::from(m.name.as_str()), Box::from(m.value.as_str())))
                .cloned()
                .unwrap_or_default();
            candidates = Some(match candidates {
                None => ids,
                Some(prev) => intersect(&prev, &ids),
            });
        }
        let candidates = candidates.unwrap_or_else(|| {
            self.by_labels.values().copied().collect::<std::collections::BTreeSet<_>>().into_iter().collect()
        });
        candidates
            .into_iter()
            .filter(|id| {
                let labels = &self.series[*id as usize].labels;
                !labels.is_empty() && matchers.iter().all(|m| m.matches(labels.get(&m.name).unwrap_or("")))
            })
            .collect()
    }

    /// All metric names.
    pub fn metric_names(&self) -> Vec<String> {
        self.postings
            .range((Box::from(METRIC_NAME), Box::from(""))..)
            .take_while(|((n, _), _)| &**n == METRIC_NAME)
            .map(|((_, v), _)| v.to_string())
            .collect()
    }
}

fn intersect(a: &[SeriesId], b: &[SeriesId]) -> Vec<SeriesId> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(name: &str, job: &str) -> Labels {
        Labels::new([("__name__", name), ("job", job)]).unwrap()
    }

    #[test]
    fn appends_cuts_chunks_and_selects() {
        let mut head = Head::default();
        let (a, created) = head.get_or_create(&labels("up", "node"));
        assert!(created);
        let (b, _) = head.get_or_create(&labels("up", "api"));
        let (c, _) = head.get_or_create(&labels("load1", "node"));
        assert_eq!(head.get_or_create(&labels("up", "node")), (a, false));
        for i in 0..300 {
            head.append(a, i * 1000, i as f64, 0).unwrap();
        }
        head.append(b, 5, 1.0, 0).unwrap();
        head.append(c, 5, 1.0, 0).unwrap();
        assert_eq!(head.series(a).unwrap().samples(0, i64::MAX).len(), 300);
        assert_eq!(head.series(a).unwrap().samples(10_000, 20_000).len(), 11);
        assert_eq!(head.select(&[Matcher::equal("__name__", "up")]), vec![a, b]);
        assert_eq!(head.select(&[Matcher::equal("job", "node")]), vec![a, c]);
        assert_eq!(head.select(&[Matcher::equal("__name__", "up"), Matcher::new("job", "!=", "node").unwrap()]), vec![b]);
        assert_eq!(head.select(&[Matcher::new("__name__", "=~", "up|load1").unwrap(), Matcher::new("job", "=~", "n.*").unwrap()]), vec![a, c]);
        assert!(head.select(&[Matcher::equal("missing", "x")]).is_empty());
        assert_eq!(head.select(&[Matcher::equal("missing", "")]).len(), 3);
        assert_eq!(head.metric_names(), vec!["load1", "up"]);
    }

    #[test]
    fn out_of_order_window_and_duplicates() {
        let mut head = Head::default();
        let (id, _) = head.get_or_create(&labels("x", "j"));
        head.append(id, 100_000, 1.0, 60_000).unwrap();
        head.append(id, 50_000, 0.5, 60_000).unwrap();
        assert_eq!(head.append(id, 30_000, 0.3, 60_000), Err(RejectReason::OutOfBounds));
        assert_eq!(head.append(id, 100_000, 1.0, 60_000), Ok(false));
        assert_eq!(head.append(id, 100_000, 2.0, 60_000), Err(RejectReason::DuplicateTimestamp));
        assert_eq!(head.append(id, 50_000, 9.0, 60_000), Err(RejectReason::DuplicateTimestamp));
        head.append(id, 110_000, 1.1, 60_000).unwrap();
        assert_eq!(head.series(id).unwrap().samples(0, i64::MAX), vec![(50_000, 0.5), (100_000, 1.0), (110_000, 1.1)]);
        // Without a window, anything older than the newest sample is rejected.
        assert_eq!(head.append(id, 105_000, 1.0, 0), Err(RejectReason::OutOfBounds));
    }
}
