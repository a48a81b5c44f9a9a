//! The in-memory head: every series with its compressed chunks, an inverted
//! index from label pairs to series, and a small per-series buffer for
//! out-of-order samples inside the configured window.

use super::chunk::XorChunk;
use super::labels::{Labels, LabelsKey, METRIC_NAME};
use super::matcher::Matcher;
use std::collections::BTreeMap;

mod stats;
pub use stats::HeadStats;

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

/// Part of a series copied out of the head (see [`Series::snapshot`]).
#[derive(Debug, Clone)]
pub struct SeriesSnapshot {
    chunks: Vec<XorChunk>,
    ooo: Vec<(i64, f64)>,
}

impl SeriesSnapshot {
    /// Decoded samples in `[start, end]`, in time order.
    pub fn samples(&self, start: i64, end: i64) -> Vec<(i64, f64)> {
        let mut out = Vec::new();
        self.samples_into(start, end, &mut out);
        if !self.ooo.is_empty() {
            out.sort_by_key(|(t, _)| *t);
        }
        out
    }

    /// Appends the samples in `[start, end]` to `out`: the chunks' in time
    /// order, then the out-of-order ones (the caller sorts).
    pub fn samples_into(&self, start: i64, end: i64, out: &mut Vec<(i64, f64)>) {
        out.reserve(self.chunks.iter().map(XorChunk::len).sum::<usize>() + self.ooo.len());
        for c in &self.chunks {
            // Chunks in the head are whole: they decode to the end.
            let decoded = if c.min_time() >= start && c.max_time() <= end {
                c.iter().decode_into(out, |_| true)
            } else {
                c.iter().decode_into(out, |t| t >= start && t <= end)
            };
            debug_assert!(decoded.is_some(), "a head chunk is never corrupt");
        }
        out.extend(
            self.ooo
                .iter()
                .filter(|(t, _)| *t >= start && *t <= end)
                .copied(),
        );
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
        self.chunks
            .iter()
            .rev()
            .find(|c| !c.is_empty())
            .map(XorChunk::max_time)
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

    fn append(
        &mut self,
        t: i64,
        v: f64,
        ooo_window: i64,
        range: i64,
    ) -> Result<bool, RejectReason> {
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
                let open = self
                    .chunks
                    .last_mut()
                    .expect("a series always has an open chunk");
                // A chunk never spans a block boundary, so cutting a block
                // only ever moves whole chunks.
                if open.is_full()
                    || (!open.is_empty()
                        && open.min_time().div_euclid(range) != t.div_euclid(range))
                {
                    // Sized like the chunk before: one allocation, not a
                    // series of doublings that leave half of it unused.
                    let next = open.close();
                    self.chunks.push(XorChunk::with_capacity(next));
                }
                self.chunks.last_mut().expect("just pushed").append(t, v);
                Ok(true)
            }
        }
    }

    /// Samples in `[start, end]`, merged with out-of-order ones, in order.
    pub fn samples(&self, start: i64, end: i64) -> Vec<(i64, f64)> {
        self.snapshot(start, end).samples(start, end)
    }

    /// A copy of the compressed chunks (and out-of-order samples) that
    /// overlap `[start, end]`: cheap to take under the head's lock, decoded
    /// after it is released.
    pub fn snapshot(&self, start: i64, end: i64) -> SeriesSnapshot {
        SeriesSnapshot {
            chunks: self
                .chunks
                .iter()
                .filter(|c| !c.is_empty() && c.max_time() >= start && c.min_time() <= end)
                .cloned()
                .collect(),
            // `BTreeMap::range` panics on an inverted range.
            ooo: if start <= end {
                self.ooo.range(start..=end).map(|(t, v)| (*t, *v)).collect()
            } else {
                Vec::new()
            },
        }
    }

    /// Bytes held by the compressed chunks.
    pub fn chunk_bytes(&self) -> usize {
        self.chunks.iter().map(XorChunk::byte_len).sum()
    }

    /// Whether a chunk (by its time range) or an out-of-order sample
    /// overlaps `[start, end]`.
    pub fn has_data(&self, start: i64, end: i64) -> bool {
        self.chunks
            .iter()
            .any(|c| !c.is_empty() && c.max_time() >= start && c.min_time() <= end)
            || (start <= end && self.ooo.range(start..=end).next().is_some())
    }

    /// Removes the samples in `[start, end]`, re-encoding the chunks that
    /// held any (out-of-order samples are merged in on the way). Returns
    /// whether anything was removed.
    fn delete(&mut self, start: i64, end: i64, range: i64) -> bool {
        if start > end || self.samples(start, end).is_empty() {
            return false;
        }
        let kept: Vec<(i64, f64)> = self
            .samples(i64::MIN, i64::MAX)
            .into_iter()
            .filter(|(t, _)| *t < start || *t > end)
            .collect();
        self.chunks = vec![XorChunk::default()];
        self.ooo.clear();
        for (t, v) in kept {
            // In order and unique by construction: never rejected.
            let _ = self.append(t, v, 0, range);
        }
        true
    }
}

/// What a cut copied from the head: the block's input, and what to remove
/// from the head once the block is published.
#[derive(Debug, Default)]
pub struct Cut {
    /// Per series, the chunks for the block.
    pub blocks: Vec<(Labels, Vec<XorChunk>)>,
    copied: Vec<CutSeries>,
}

#[derive(Debug)]
struct CutSeries {
    id: SeriesId,
    chunks: Vec<ChunkId>,
    ooo: Vec<(i64, f64)>,
}

/// A chunk as it was copied: it is unchanged while these are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ChunkId {
    min_time: i64,
    max_time: i64,
    len: usize,
}

impl ChunkId {
    fn of(c: &XorChunk) -> ChunkId {
        ChunkId {
            min_time: c.min_time(),
            max_time: c.max_time(),
            len: c.len(),
        }
    }
}

/// The head.
#[derive(Debug)]
pub struct Head {
    /// Block range (ms): chunks are cut at multiples of it.
    range: i64,
    series: Vec<Series>,
    /// Keyed by the label set, searchable with a borrowed [`LabelsKey`]
    /// (foldhash: several times faster than SipHash on label sets, and
    /// randomly seeded).
    by_labels: hashbrown::HashMap<Labels, SeriesId>,
    postings: BTreeMap<(Box<str>, Box<str>), Vec<SeriesId>>,
    /// Bumped whenever series ids change (garbage collection renumbers):
    /// an id found under one numbering is valid while it lasts.
    numbering: u64,
}

impl Default for Head {
    fn default() -> Self {
        Head::new(super::db::DEFAULT_BLOCK_RANGE_MS)
    }
}

impl Head {
    /// An empty head cutting chunks at multiples of `range` ms.
    pub fn new(range: i64) -> Head {
        Head {
            range: range.max(1),
            series: Vec::new(),
            by_labels: hashbrown::HashMap::new(),
            postings: BTreeMap::new(),
            numbering: 0,
        }
    }

    /// Earliest and latest sample time in the head.
    pub fn time_span(&self) -> Option<(i64, i64)> {
        let mut span: Option<(i64, i64)> = None;
        for s in &self.series {
            let first = s
                .chunks
                .iter()
                .find(|c| !c.is_empty())
                .map(XorChunk::min_time);
            let min = match (first, s.ooo.keys().next()) {
                (Some(a), Some(b)) => Some(a.min(*b)),
                (a, b) => a.or(b.copied()),
            };
            let Some(min) = min else { continue };
            let max = s.max_time().unwrap_or(min);
            span = Some(match span {
                None => (min, max),
                Some((lo, hi)) => (lo.min(min), hi.max(max)),
            });
        }
        span
    }

    /// Copies every chunk that ends before `boundary` (and the out-of-order
    /// samples before it, as extra chunks), per series, without removing
    /// anything: the first half of a cut. The block is written from the
    /// copy; [`Head::remove_cut`] then drops what was copied, at the moment
    /// the block is published, so a reader always finds the samples in one
    /// place or the other.
    pub fn plan_cut(&self, boundary: i64) -> Cut {
        let mut cut = Cut::default();
        for (id, s) in self.series.iter().enumerate() {
            if s.labels.is_empty() {
                continue;
            }
            let mut chunks: Vec<XorChunk> = s
                .chunks
                .iter()
                .filter(|c| !c.is_empty() && c.max_time() < boundary)
                .cloned()
                .collect();
            let copied_chunks: Vec<ChunkId> = chunks.iter().map(ChunkId::of).collect();
            let ooo: Vec<(i64, f64)> = s.ooo.range(..boundary).map(|(t, v)| (*t, *v)).collect();
            chunks.extend(chunks_of(ooo.iter().copied()));
            if !chunks.is_empty() {
                cut.blocks.push((s.labels.clone(), chunks));
                cut.copied.push(CutSeries {
                    id: id as SeriesId,
                    chunks: copied_chunks,
                    ooo,
                });
            }
        }
        cut
    }

    /// Removes what `cut` copied, where it is still as copied: a chunk that
    /// grew since (an append landed in it) stays whole in the head, and the
    /// block's older copy of its first samples is merged away on reads.
    pub fn remove_cut(&mut self, cut: &Cut) {
        for c in &cut.copied {
            let Some(s) = self.series.get_mut(c.id as usize) else {
                continue;
            };
            s.chunks
                .retain(|chunk| chunk.is_empty() || !c.chunks.contains(&ChunkId::of(chunk)));
            if s.chunks.is_empty() {
                s.chunks.push(XorChunk::default());
            }
            for (t, v) in &c.ooo {
                if s.ooo.get(t).is_some_and(|now| now.to_bits() == v.to_bits()) {
                    s.ooo.remove(t);
                }
            }
        }
    }

    /// Removes and returns every chunk that ends before `boundary` (and the
    /// out-of-order samples before it, as an extra chunk), per series: both
    /// halves of a cut at once.
    #[cfg(test)]
    pub fn cut_before(&mut self, boundary: i64) -> Vec<(Labels, Vec<XorChunk>)> {
        let cut = self.plan_cut(boundary);
        self.remove_cut(&cut);
        cut.blocks
    }

    /// Drops the series that hold no data any more (everything they had was
    /// cut into blocks, or deleted) and renumbers the rest densely, in the
    /// same order: Prometheus' head garbage collection after a truncation.
    /// Ids change, so the caller keeps every id holder in step: the
    /// database runs this only while it checkpoints the write-ahead log,
    /// holding the log's lock. Returns how many series were dropped.
    pub fn gc(&mut self) -> usize {
        let dead = |s: &Series| {
            s.labels.is_empty() || (s.chunks.iter().all(XorChunk::is_empty) && s.ooo.is_empty())
        };
        if !self.series.iter().any(dead) {
            return 0;
        }
        let before = self.series_count();
        self.numbering += 1;
        let old = std::mem::take(&mut self.series);
        self.by_labels.clear();
        self.postings.clear();
        for s in old.into_iter().filter(|s| !dead(s)) {
            let id = self.series.len() as SeriesId;
            for (n, v) in s.labels.iter() {
                self.postings
                    .entry((n.into(), v.into()))
                    .or_default()
                    .push(id);
            }
            self.by_labels.insert(s.labels.clone(), id);
            self.series.push(s);
        }
        before - self.series_count()
    }

    /// Every live series with its chunks and out-of-order samples (for a
    /// write-ahead log checkpoint).
    pub fn snapshot(
        &self,
    ) -> impl Iterator<Item = (SeriesId, &Labels, &[XorChunk], &BTreeMap<i64, f64>)> {
        self.series
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.labels.is_empty())
            .map(|(i, s)| (i as SeriesId, &s.labels, s.chunks.as_slice(), &s.ooo))
    }

    /// Every live series' chunks, copied, with its out-of-order samples as
    /// extra chunks: the whole head as block input (for snapshots).
    pub fn all_chunks(&self) -> Vec<(Labels, Vec<XorChunk>)> {
        let mut out = Vec::new();
        for s in self.series.iter().filter(|s| !s.labels.is_empty()) {
            let mut chunks: Vec<XorChunk> =
                s.chunks.iter().filter(|c| !c.is_empty()).cloned().collect();
            chunks.extend(chunks_of(s.ooo.iter().map(|(t, v)| (*t, *v))));
            if !chunks.is_empty() {
                out.push((s.labels.clone(), chunks));
            }
        }
        out
    }

    /// Deletes the samples of series `id` in `[start, end]`; returns whether
    /// any were removed. The series itself stays (its id is in the WAL).
    pub fn delete(&mut self, id: SeriesId, start: i64, end: i64) -> bool {
        let range = self.range;
        self.series
            .get_mut(id as usize)
            .is_some_and(|s| s.delete(start, end, range))
    }

    /// Restores a chunk of series `id` from a checkpoint, in order.
    pub fn restore_chunk(&mut self, id: SeriesId, chunk: XorChunk) {
        if let Some(s) = self.series.get_mut(id as usize) {
            if s.chunks.last().is_some_and(XorChunk::is_empty) {
                s.chunks.pop();
            }
            s.chunks.push(chunk);
        }
    }

    /// The current numbering of series ids (see [`Head::find`]).
    pub fn numbering(&self) -> u64 {
        self.numbering
    }

    /// Series `id`'s labels, if `id` is a live series.
    pub fn labels_of(&self, id: SeriesId) -> Option<&Labels> {
        self.series.get(id as usize).map(|s| &s.labels)
    }

    /// The series whose label set is `key`, and that set, if it exists.
    /// The id stays valid while [`Head::numbering`] is unchanged.
    pub fn find(&self, key: LabelsKey<'_>) -> Option<(SeriesId, &Labels)> {
        self.by_labels
            .get_key_value(&key)
            .map(|(labels, id)| (*id, labels))
    }

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
            self.postings
                .entry((n.into(), v.into()))
                .or_default()
                .push(id);
        }
        self.by_labels.insert(labels.clone(), id);
        self.series[id as usize] = Series::new(labels);
    }

    /// Appends one sample to series `id`. `Ok(false)`: an identical duplicate.
    pub fn append(
        &mut self,
        id: SeriesId,
        t: i64,
        v: f64,
        ooo_window: i64,
    ) -> Result<bool, RejectReason> {
        let range = self.range;
        self.series[id as usize].append(t, v, ooo_window, range)
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
        for m in matchers
            .iter()
            .filter(|m| matches!(m.op, super::matcher::MatchOp::Equal) && !m.value.is_empty())
        {
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
            self.by_labels
                .values()
                .copied()
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect()
        });
        candidates
            .into_iter()
            .filter(|id| {
                let labels = &self.series[*id as usize].labels;
                !labels.is_empty()
                    && matchers
                        .iter()
                        .all(|m| m.matches(labels.get(&m.name).unwrap_or("")))
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

/// Samples in time order packed into full chunks (out-of-order samples
/// handed to a block).
fn chunks_of(samples: impl Iterator<Item = (i64, f64)>) -> Vec<XorChunk> {
    let mut out = Vec::new();
    let mut c = XorChunk::default();
    for (t, v) in samples {
        if c.is_full() {
            out.push(std::mem::take(&mut c));
        }
        c.append(t, v);
    }
    if !c.is_empty() {
        out.push(c);
    }
    out
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
    fn series_are_found_by_borrowed_pairs_in_any_order() {
        let mut head = Head::default();
        let stored = Labels::new([("__name__", "up"), ("job", "a"), ("zone", "eu")]).unwrap();
        head.get_or_create(&stored);
        let mut buf = Vec::new();
        let find = |head: &Head, pairs: &[(&'static str, &'static str)], buf: &mut Vec<u8>| {
            let mut pairs: Vec<(&[u8], &[u8])> = pairs
                .iter()
                .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
                .collect();
            buf.clear();
            LabelsKey::append_encoded(&mut pairs, buf)
                .then(|| head.find(LabelsKey::new(buf)).map(|(_, l)| l.clone()))
                .flatten()
        };
        let unsorted = [("zone", "eu"), ("__name__", "up"), ("job", "a"), ("x", "")];
        assert_eq!(find(&head, &unsorted, &mut buf), Some(stored.clone()));
        assert_eq!(
            find(&head, &[("__name__", "up"), ("job", "a")], &mut buf),
            None
        );
        assert_eq!(
            find(
                &head,
                &[("__name__", "up"), ("job", "a"), ("zone", "us")],
                &mut buf
            ),
            None
        );
        // A repeated name is never a stored set.
        let dup = [
            ("__name__", "up"),
            ("job", "a"),
            ("job", "a"),
            ("zone", "eu"),
        ];
        assert_eq!(find(&head, &dup, &mut buf), None);
        let mut dup: Vec<(&[u8], &[u8])> = dup
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        buf.clear();
        buf.push(7);
        assert!(!LabelsKey::append_encoded(&mut dup, &mut buf));
        assert_eq!(buf, [7], "a refused set leaves the buffer as it was");
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
        assert_eq!(
            head.select(&[
                Matcher::equal("__name__", "up"),
                Matcher::new("job", "!=", "node").unwrap()
            ]),
            vec![b]
        );
        assert_eq!(
            head.select(&[
                Matcher::new("__name__", "=~", "up|load1").unwrap(),
                Matcher::new("job", "=~", "n.*").unwrap()
            ]),
            vec![a, c]
        );
        assert!(head.select(&[Matcher::equal("missing", "x")]).is_empty());
        assert_eq!(head.select(&[Matcher::equal("missing", "")]).len(), 3);
        assert_eq!(head.metric_names(), vec!["load1", "up"]);
    }

    #[test]
    fn a_cut_removes_only_what_it_copied() {
        let mut head = Head::new(10_000);
        let (id, _) = head.get_or_create(&labels("x", "j"));
        for t in (0..5_000).step_by(1000) {
            head.append(id, t, 1.0, i64::MAX).unwrap();
        }
        let cut = head.plan_cut(20_000);
        assert_eq!(cut.blocks[0].1[0].len(), 5);
        // Between the copy and the removal: one more in-order sample (into
        // the copied chunk) and one out-of-order sample.
        head.append(id, 6_000, 2.0, i64::MAX).unwrap();
        head.append(id, 4_500, 3.0, i64::MAX).unwrap();
        head.remove_cut(&cut);
        let left = head.series(id).unwrap().samples(0, i64::MAX);
        assert_eq!(
            left.len(),
            7,
            "the grown chunk and the new sample stay: {left:?}"
        );
        let cut = head.cut_before(20_000);
        assert_eq!(cut[0].1.iter().map(XorChunk::len).sum::<usize>(), 7);
        assert!(head.series(id).unwrap().samples(0, i64::MAX).is_empty());
        // The emptied series is collected; the survivor is renumbered and
        // ids found before no longer apply.
        let (kept, _) = head.get_or_create(&labels("y", "j"));
        head.append(kept, 30_000, 1.0, 0).unwrap();
        assert_eq!(kept, 1);
        let numbering = head.numbering();
        assert_eq!(head.gc(), 1);
        assert_ne!(head.numbering(), numbering);
        assert_eq!(head.labels_of(0), Some(&labels("y", "j")));
    }

    #[test]
    fn cutting_moves_whole_chunks_before_the_boundary() {
        let mut head = Head::new(10_000);
        let (id, _) = head.get_or_create(&labels("x", "j"));
        for t in (0..35_000).step_by(1000) {
            head.append(id, t, t as f64, 5_000).unwrap();
        }
        head.append(id, 1_500, 0.15, i64::MAX).unwrap();
        assert_eq!(head.time_span(), Some((0, 34_000)));
        let cut = head.cut_before(20_000);
        assert_eq!(cut.len(), 1);
        let moved: usize = cut[0].1.iter().map(XorChunk::len).sum();
        assert_eq!(
            moved, 21,
            "20 in-order samples before 20s and one out-of-order"
        );
        assert!(cut[0].1.iter().all(|c| c.max_time() < 20_000));
        let left = head.series(id).unwrap().samples(0, i64::MAX);
        assert_eq!(left.first(), Some(&(20_000, 20_000.0)));
        assert_eq!(left.len(), 15);
        assert_eq!(head.time_span(), Some((20_000, 34_000)));
    }

    #[test]
    fn out_of_order_window_and_duplicates() {
        let mut head = Head::default();
        let (id, _) = head.get_or_create(&labels("x", "j"));
        head.append(id, 100_000, 1.0, 60_000).unwrap();
        head.append(id, 50_000, 0.5, 60_000).unwrap();
        assert_eq!(
            head.append(id, 30_000, 0.3, 60_000),
            Err(RejectReason::OutOfBounds)
        );
        assert_eq!(head.append(id, 100_000, 1.0, 60_000), Ok(false));
        assert_eq!(
            head.append(id, 100_000, 2.0, 60_000),
            Err(RejectReason::DuplicateTimestamp)
        );
        assert_eq!(
            head.append(id, 50_000, 9.0, 60_000),
            Err(RejectReason::DuplicateTimestamp)
        );
        head.append(id, 110_000, 1.1, 60_000).unwrap();
        assert_eq!(
            head.series(id).unwrap().samples(0, i64::MAX),
            vec![(50_000, 0.5), (100_000, 1.0), (110_000, 1.1)]
        );
        // Without a window, anything older than the newest sample is rejected.
        assert_eq!(
            head.append(id, 105_000, 1.0, 0),
            Err(RejectReason::OutOfBounds)
        );
    }
}
