//! What a selector covers in a range (Loki's `index/stats`), counted from
//! the indices' fast columns (`stream`, `bytes`) without loading a single
//! stored document, plus the pending entries still in memory.

use super::LogStoreError;
use super::partition::DAY_NS;
use super::search::{LogSearch, matches, window_query};
use super::store::LogStore;
use std::collections::{BTreeSet, HashSet};
use std::ops::ControlFlow;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// What a selector covers in a range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchStats {
    /// Streams.
    pub streams: u64,
    /// Partitions (index × day) with matching entries; Loki counts chunks.
    pub chunks: u64,
    /// Entries.
    pub entries: u64,
    /// Bytes of lines.
    pub bytes: u64,
}

/// Entries, line bytes and stream fingerprints of the matching documents.
#[derive(Default)]
struct Tally {
    entries: u64,
    bytes: u64,
    streams: HashSet<u64>,
}

struct TallyCollector;

struct SegmentTally {
    bytes: Column<u64>,
    stream: Column<u64>,
    tally: Tally,
}

impl Collector for TallyCollector {
    type Fruit = Tally;
    type Child = SegmentTally;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTally> {
        let ff = reader.fast_fields();
        Ok(SegmentTally {
            bytes: ff.u64("bytes")?,
            stream: ff.u64("stream")?,
            tally: Tally::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Tally>) -> tantivy::Result<Tally> {
        let mut all = Tally::default();
        for t in fruits {
            all.entries += t.entries;
            all.bytes += t.bytes;
            all.streams.extend(t.streams);
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentTally {
    type Fruit = Tally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.tally.entries += 1;
        self.tally.bytes += self.bytes.first(doc).unwrap_or(0);
        if let Some(s) = self.stream.first(doc) {
            self.tally.streams.insert(s);
        }
    }

    fn harvest(self) -> Tally {
        self.tally
    }
}

impl LogStore {
    /// Streams, entries and bytes the search covers. Line filters need the
    /// lines, so a search with `contains` reads them; a selector alone
    /// (what Loki's `index/stats` takes) reads only fast columns.
    pub fn stats(&self, q: &LogSearch) -> Result<SearchStats, LogStoreError> {
        if !q.contains.is_empty() {
            return self.stats_by_reading(q);
        }
        let mut stats = SearchStats::default();
        if q.start_ns >= q.end_ns {
            return Ok(stats);
        }
        let snap = self.snapshot(&q.matchers, q.start_ns, q.end_ns);
        let mut streams: HashSet<u64> = HashSet::new();
        let mut chunks: BTreeSet<(String, i64)> = BTreeSet::new();
        for view in &snap.partitions {
            let day = view.partition.day;
            let lo = q.start_ns.max(day * DAY_NS);
            let hi = q.end_ns.min((day + 1) * DAY_NS);
            let tally = view
                .searcher
                .search(&window_query(view, lo, hi, &[]), &TallyCollector)?;
            if tally.entries > 0 {
                chunks.insert((view.partition.index_name.to_string(), day));
            }
            stats.entries += tally.entries;
            stats.bytes += tally.bytes;
            streams.extend(tally.streams);
        }
        for b in &snap.pending {
            for (e, fp) in &b.entries {
                if e.ts_ns >= q.start_ns && e.ts_ns < q.end_ns && matches(&q.matchers, &e.stream) {
                    stats.entries += 1;
                    stats.bytes += e.line.len() as u64;
                    streams.insert(*fp);
                    chunks.insert((e.index.to_string(), e.ts_ns.div_euclid(DAY_NS)));
                }
            }
        }
        stats.streams = streams.len() as u64;
        stats.chunks = chunks.len() as u64;
        Ok(stats)
    }

    fn stats_by_reading(&self, q: &LogSearch) -> Result<SearchStats, LogStoreError> {
        let mut stats = SearchStats::default();
        let mut streams = BTreeSet::new();
        let mut chunks = BTreeSet::new();
        self.search(q, &mut |e| {
            stats.entries += 1;
            stats.bytes += e.line.len() as u64;
            streams.insert(e.stream);
            chunks.insert((e.index, e.ts_ns.div_euclid(DAY_NS)));
            ControlFlow::Continue(())
        })?;
        stats.streams = streams.len() as u64;
        stats.chunks = chunks.len() as u64;
        Ok(stats)
    }
}
