//! Reading the log store: entries of the streams a selector matches, in a
//! time range, containing literal strings, in time order — from the
//! partitions' indices and the pending (not yet committed) entries alike,
//! each entry exactly once. Also the label and series lookups the Loki API
//! needs (its stats are in `stats.rs`).
//!
//! A search walks the range in one-hour windows (oldest or newest first)
//! so memory stays bounded by one window's matches, and stops as soon as
//! the caller has enough.

use super::LogStoreError;
use super::analyzer::literal_query;
use super::entry::LogEntry;
use super::partition::{DAY_NS, Partition};
use super::schema;
use super::store::{Batch, LogStore};
use crate::storage::metrics::Labels;
use crate::storage::metrics::matcher::Matcher;
use std::collections::{BTreeSet, HashMap};
use std::ops::{Bound, ControlFlow};
use std::sync::Arc;
use tantivy::collector::DocSetCollector;
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery, TermSetQuery};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

/// Width of the windows a search walks.
const WINDOW_NS: i64 = 3_600 * 1_000_000_000;

/// Time order of results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Oldest first.
    Forward,
    /// Newest first.
    Backward,
}

/// What to look for.
#[derive(Debug, Clone)]
pub struct LogSearch {
    /// The stream selector.
    pub matchers: Vec<Matcher>,
    /// Start of the range (inclusive), ns.
    pub start_ns: i64,
    /// End of the range (exclusive), ns.
    pub end_ns: i64,
    /// Case-sensitive strings every line must contain (`|=` filters).
    pub contains: Vec<String>,
    /// Result order.
    pub direction: Direction,
}

pub(super) struct PartitionView {
    pub(super) partition: Arc<Partition>,
    pub(super) searcher: Searcher,
    /// The partition's streams the selector matches.
    pub(super) streams: HashMap<u64, Labels>,
    /// Every stream of the partition matches.
    pub(super) all: bool,
}

pub(super) struct Snapshot {
    pub(super) partitions: Vec<PartitionView>,
    pub(super) pending: Vec<Arc<Batch>>,
}

enum Hit<'a> {
    Doc(usize, DocAddress),
    Pending(&'a LogEntry),
}

pub(super) fn matches(matchers: &[Matcher], labels: &Labels) -> bool {
    matchers
        .iter()
        .all(|m| m.matches(labels.get(&m.name).unwrap_or("")))
}

impl LogStore {
    pub(super) fn snapshot(&self, matchers: &[Matcher], start_ns: i64, end_ns: i64) -> Snapshot {
        let state = self.inner.state.read();
        let (first_day, last_day) = (start_ns.div_euclid(DAY_NS), (end_ns - 1).div_euclid(DAY_NS));
        let partitions = state
            .partitions
            .iter()
            .filter(|((day, _), _)| (first_day..=last_day).contains(day))
            .filter_map(|(_, p)| {
                let (streams, total) = p.streams_where(|l| matches(matchers, l));
                (!streams.is_empty()).then(|| PartitionView {
                    partition: p.clone(),
                    searcher: p.searcher(),
                    all: streams.len() == total,
                    streams,
                })
            })
            .collect();
        Snapshot {
            partitions,
            pending: state.pending.iter().cloned().collect(),
        }
    }

    /// Calls `each` with every entry `q` finds, in `q.direction` order,
    /// until it returns `Break`.
    pub fn search(
        &self,
        q: &LogSearch,
        each: &mut dyn FnMut(LogEntry) -> ControlFlow<()>,
    ) -> Result<(), LogStoreError> {
        if q.start_ns >= q.end_ns {
            return Ok(());
        }
        let snap = self.snapshot(&q.matchers, q.start_ns, q.end_ns);
        // Pending entries with the stream fingerprint computed at append.
        let mut pending: Vec<(&LogEntry, u64)> = snap
            .pending
            .iter()
            .flat_map(|b| b.entries.iter().map(|(e, fp)| (e, *fp)))
            .filter(|(e, _)| e.ts_ns >= q.start_ns && e.ts_ns < q.end_ns)
            .filter(|(e, _)| matches(&q.matchers, &e.stream))
            .filter(|(e, _)| q.contains.iter().all(|c| e.line.contains(c.as_str())))
            .collect();
        pending.sort_by_key(|(e, _)| e.ts_ns);
        // Only the windows of days that hold data: a range reaching back to
        // 1970 costs nothing for the years without logs.
        let mut days: BTreeSet<i64> = snap.partitions.iter().map(|v| v.partition.day).collect();
        days.extend(pending.iter().map(|(e, _)| e.ts_ns.div_euclid(DAY_NS)));
        let (first, last) = (
            q.start_ns.div_euclid(WINDOW_NS),
            (q.end_ns - 1).div_euclid(WINDOW_NS),
        );
        let per_day = DAY_NS / WINDOW_NS;
        let mut windows: Vec<i64> = days
            .iter()
            .flat_map(|d| (d * per_day..(d + 1) * per_day).filter(|w| (first..=last).contains(w)))
            .collect();
        if q.direction == Direction::Backward {
            windows.reverse();
        }
        for w in windows {
            let lo = (w * WINDOW_NS).max(q.start_ns);
            let hi = ((w + 1) * WINDOW_NS).min(q.end_ns);
            // (ts, stream, tie-break, hit)
            let mut hits: Vec<(i64, u64, u64, Hit)> = Vec::new();
            for (i, view) in snap.partitions.iter().enumerate() {
                let day = view.partition.day;
                if hi <= day * DAY_NS || lo >= (day + 1) * DAY_NS {
                    continue;
                }
                for (ts, stream, addr) in query_window(view, lo, hi, &q.contains)? {
                    let tie = (u64::from(addr.segment_ord) << 32) | u64::from(addr.doc_id);
                    hits.push((ts, stream, tie, Hit::Doc(i, addr)));
                }
            }
            let from = pending.partition_point(|(e, _)| e.ts_ns < lo);
            let to = pending.partition_point(|(e, _)| e.ts_ns < hi);
            for (n, (e, fp)) in pending[from..to].iter().enumerate() {
                hits.push((e.ts_ns, *fp, u64::MAX / 2 + n as u64, Hit::Pending(e)));
            }
            hits.sort_by_key(|h| (h.0, h.1, h.2));
            if q.direction == Direction::Backward {
                hits.reverse();
            }
            for (_, stream, _, hit) in hits {
                let entry = match hit {
                    Hit::Pending(e) => e.clone(),
                    Hit::Doc(i, addr) => {
                        let view = &snap.partitions[i];
                        let doc: TantivyDocument = view.searcher.doc(addr)?;
                        let entry = schema::from_document(
                            view.partition.fields(),
                            &doc,
                            &view.partition.index_name,
                            view.streams.get(&stream).cloned().unwrap_or_default(),
                        );
                        // The index finds a superset; the substring decides.
                        if !q.contains.iter().all(|c| entry.line.contains(c.as_str())) {
                            continue;
                        }
                        entry
                    }
                };
                if each(entry).is_break() {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Streams the selector matches with data in the range (by day).
    pub fn series(&self, matchers: &[Matcher], start_ns: i64, end_ns: i64) -> Vec<Labels> {
        let snap = self.snapshot(matchers, start_ns, end_ns);
        let mut out: BTreeSet<Labels> = snap
            .partitions
            .into_iter()
            .flat_map(|v| v.streams.into_values())
            .collect();
        for b in &snap.pending {
            for (e, _) in &b.entries {
                if e.ts_ns >= start_ns && e.ts_ns < end_ns && matches(matchers, &e.stream) {
                    out.insert(e.stream.clone());
                }
            }
        }
        out.into_iter().collect()
    }

    /// Label names of the streams the selector matches in the range.
    pub fn label_names(&self, matchers: &[Matcher], start_ns: i64, end_ns: i64) -> Vec<String> {
        let names: BTreeSet<String> = self
            .series(matchers, start_ns, end_ns)
            .iter()
            .flat_map(|l| l.iter().map(|(n, _)| n.to_string()).collect::<Vec<_>>())
            .collect();
        names.into_iter().collect()
    }

    /// Values of label `name` on the streams the selector matches.
    pub fn label_values(
        &self,
        name: &str,
        matchers: &[Matcher],
        start_ns: i64,
        end_ns: i64,
    ) -> Vec<String> {
        let values: BTreeSet<String> = self
            .series(matchers, start_ns, end_ns)
            .iter()
            .filter_map(|l| l.get(name).map(str::to_string))
            .collect();
        values.into_iter().collect()
    }
}

/// The query for the documents of `view` in `[lo, hi)` that may contain
/// every literal.
pub(super) fn window_query(
    view: &PartitionView,
    lo: i64,
    hi: i64,
    contains: &[String],
) -> BooleanQuery {
    let f = view.partition.fields();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
        Occur::Must,
        Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_i64(f.ts, lo)),
            Bound::Excluded(Term::from_field_i64(f.ts, hi)),
        )),
    )];
    if !view.all {
        clauses.push((
            Occur::Must,
            Box::new(TermSetQuery::new(
                view.streams
                    .keys()
                    .map(|fp| Term::from_field_u64(f.stream, *fp)),
            )),
        ));
    }
    for literal in contains {
        if let Some(q) = literal_query(f.line, literal) {
            clauses.push((Occur::Must, q));
        }
    }
    BooleanQuery::new(clauses)
}

/// The documents of `view` in `[lo, hi)` that may contain every literal:
/// (timestamp, stream, address).
fn query_window(
    view: &PartitionView,
    lo: i64,
    hi: i64,
    contains: &[String],
) -> Result<Vec<(i64, u64, DocAddress)>, LogStoreError> {
    let docs = view
        .searcher
        .search(&window_query(view, lo, hi, contains), &DocSetCollector)?;
    let mut out = Vec::with_capacity(docs.len());
    let mut columns: HashMap<
        u32,
        (
            tantivy::columnar::Column<i64>,
            tantivy::columnar::Column<u64>,
        ),
    > = HashMap::new();
    for addr in docs {
        let (ts, stream) = match columns.entry(addr.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let ff = view.searcher.segment_reader(addr.segment_ord).fast_fields();
                v.insert((ff.i64("ts")?, ff.u64("stream")?))
            }
        };
        let (Some(t), Some(s)) = (ts.first(addr.doc_id), stream.first(addr.doc_id)) else {
            continue;
        };
        out.push((t, s, addr));
    }
    Ok(out)
}
