//! The metrics store facade: `append` (WAL synced before the append is
//! acknowledged), `select` (blocks and head merged), and `maintain` (cut the
//! head's older chunks into a block, checkpoint the WAL, compact blocks,
//! apply retention by time and size). Metadata queries (`series`,
//! `label_names`, `label_values`) live in `db/series_query.rs`; deletion,
//! tombstone cleaning and snapshots in `db/admin.rs`.

use super::block::{self, Block};
use super::chunk::XorChunk;
use super::head::{Head, RejectReason, SeriesId};
use super::labels::{Labels, LabelsKey};
use super::matcher::Matcher;
use super::metadata::MetadataStore;
use super::wal::{Wal, WalRecord, WalSync};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

mod admin;
mod series_query;

pub use admin::SnapshotReport;

/// Default block range: two hours, as Prometheus.
pub const DEFAULT_BLOCK_RANGE_MS: i64 = 2 * 3600 * 1000;
/// Blocks of one level merged into one of the next.
const COMPACT_FAN_IN: usize = 3;
/// Highest compaction level (2h · 3^4 ≈ a week).
const MAX_LEVEL: u32 = 5;

/// Prometheus' staleness marker: a NaN with this exact bit pattern.
pub const STALE_NAN: u64 = 0x7ff0_0000_0000_0002;

/// Whether `v` is a staleness marker.
pub fn is_stale(v: f64) -> bool {
    v.to_bits() == STALE_NAN
}

/// One sample to append.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Series labels, including `__name__`.
    pub labels: Labels,
    /// Milliseconds since the Unix epoch.
    pub t: i64,
    /// Value.
    pub v: f64,
}

/// Store options from the manifest.
#[derive(Debug, Clone, Copy)]
pub struct DbOptions {
    /// How far behind a series' newest sample an append may be (ms).
    pub out_of_order_window_ms: i64,
    /// Time range of a block cut from the head (ms).
    pub block_range_ms: i64,
    /// Blocks entirely older than this (ms before now) are deleted.
    pub retention_ms: Option<i64>,
    /// Oldest blocks are deleted while blocks + WAL exceed this many bytes.
    pub retention_bytes: Option<u64>,
    /// When acknowledged appends are fsynced.
    pub wal_sync: WalSync,
    /// The live WAL is checkpointed, even with no block to cut, once it is
    /// larger than this and than the last checkpoint: a head that holds
    /// hours of samples is kept on disk compressed, not as log records.
    pub wal_checkpoint_bytes: u64,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            out_of_order_window_ms: 0,
            block_range_ms: DEFAULT_BLOCK_RANGE_MS,
            retention_ms: None,
            retention_bytes: None,
            wal_sync: WalSync::Append,
            wal_checkpoint_bytes: 64 << 20,
        }
    }
}

/// What one `maintain` pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaintainReport {
    /// Blocks cut from the head.
    pub blocks_cut: usize,
    /// Blocks produced by compaction.
    pub compactions: usize,
    /// Blocks deleted by retention.
    pub blocks_deleted: usize,
    /// Head series dropped because they no longer hold data.
    pub series_removed: usize,
    /// WAL checkpoints written because the log grew, not because the head
    /// was cut.
    pub wal_checkpoints: usize,
}

/// What one append did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppendOutcome {
    /// Samples stored.
    pub appended: usize,
    /// Identical re-sends ignored.
    pub duplicates: usize,
    /// Series created.
    pub series_added: usize,
    /// Samples refused, with why.
    pub rejected: Vec<(Labels, i64, RejectReason)>,
    /// Indexes (into the appended slice) of the samples stored.
    pub accepted: Vec<usize>,
}

/// Ids of series that already exist, one per sample (`None`: look it up),
/// under the head's numbering `numbering` (from [`MetricsDb::find_series`]).
#[derive(Debug, Clone, Default)]
pub struct SeriesHints {
    /// The numbering the ids belong to.
    pub numbering: u64,
    /// One per sample.
    pub ids: Vec<Option<SeriesId>>,
}

/// The store.
pub struct MetricsDb {
    head: RwLock<Head>,
    wal: Mutex<Wal>,
    blocks: RwLock<Vec<Arc<Block>>>,
    blocks_dir: PathBuf,
    maintenance: Mutex<()>,
    options: DbOptions,
    metadata: MetadataStore,
}

/// A selected series with its samples.
pub type SeriesSamples = (Labels, Vec<(i64, f64)>);

impl MetricsDb {
    /// Opens the store in `dir`, replaying its write-ahead log.
    pub fn open(dir: &Path, options: DbOptions) -> std::io::Result<MetricsDb> {
        let mut head = Head::new(options.block_range_ms);
        let mut replayed = 0usize;
        let wal = Wal::open(&dir.join("wal"), options.wal_sync, |record| match record {
            WalRecord::Series(id, labels) => head.insert(id, labels),
            WalRecord::Chunk(id, chunk) => {
                replayed += chunk.len();
                head.restore_chunk(id, chunk);
            }
            WalRecord::Run(id, samples) => {
                for (t, v) in samples {
                    if head.series(id).is_some() && head.append(id, t, v, i64::MAX).is_ok() {
                        replayed += 1;
                    }
                }
            }
            WalRecord::Samples(samples) => {
                for (id, t, v) in samples {
                    if head.series(id).is_some() && head.append(id, t, v, i64::MAX).is_ok() {
                        replayed += 1;
                    }
                }
            }
            WalRecord::Delete(id, start, end) => {
                head.delete(id, start, end);
            }
        })?;
        let blocks_dir = dir.join("blocks");
        let blocks: Vec<Arc<Block>> = block::open_all(&blocks_dir)?
            .into_iter()
            .map(Arc::new)
            .collect();
        tracing::info!(
            series = head.series_count(),
            samples = replayed,
            blocks = blocks.len(),
            "metrics store opened"
        );
        Ok(MetricsDb {
            head: RwLock::new(head),
            wal: Mutex::new(wal),
            blocks: RwLock::new(blocks),
            blocks_dir,
            maintenance: Mutex::new(()),
            options,
            metadata: MetadataStore::default(),
        })
    }

    /// Appends `samples`; when this returns `Ok`, the stored ones are durable.
    /// The samples and their log records are written under the locks; the
    /// fsync happens after they are released and is shared by every append
    /// written meanwhile (group commit), so concurrent writers do not queue
    /// behind each other's syncs. As in Prometheus, a query may see a sample
    /// a moment before its append returns.
    pub fn append(&self, samples: &[Sample]) -> std::io::Result<AppendOutcome> {
        self.append_hinted(samples, None)
    }

    /// [`MetricsDb::append`] with the ids of series [`MetricsDb::find_series`]
    /// found, one per sample, so they are not looked up again. Hints from
    /// before the head renumbered its series are ignored.
    pub fn append_hinted(
        &self,
        samples: &[Sample],
        hints: Option<&SeriesHints>,
    ) -> std::io::Result<AppendOutcome> {
        let mut outcome = AppendOutcome::default();
        let mut wal = self.wal.lock().unwrap_or_else(|p| p.into_inner());
        let mut head = self.head.write().unwrap_or_else(|p| p.into_inner());
        let hints = hints
            .filter(|h| h.numbering == head.numbering() && h.ids.len() == samples.len())
            .map(|h| &h.ids);
        let mut logged: Vec<(SeriesId, i64, f64)> = Vec::with_capacity(samples.len());
        for (i, s) in samples.iter().enumerate() {
            let (id, created) = match hints.and_then(|ids| ids[i]) {
                Some(id) => {
                    debug_assert_eq!(head.labels_of(id), Some(&s.labels));
                    (id, false)
                }
                None => head.get_or_create(&s.labels),
            };
            if created {
                wal.log_series(id, &s.labels);
                outcome.series_added += 1;
            }
            match head.append(id, s.t, s.v, self.options.out_of_order_window_ms) {
                Ok(true) => {
                    logged.push((id, s.t, s.v));
                    outcome.appended += 1;
                    outcome.accepted.push(i);
                }
                Ok(false) => outcome.duplicates += 1,
                Err(reason) => outcome.rejected.push((s.labels.clone(), s.t, reason)),
            }
        }
        wal.log_samples(&logged);
        let written = wal.write()?;
        drop(head);
        let sync = wal.group_sync();
        drop(wal);
        sync.wait_durable(written)?;
        Ok(outcome)
    }

    /// Raw samples in `[start, end]` of every series matching all
    /// `matchers`, merged across blocks and the head (a timestamp present in
    /// several places is returned once), sorted by labels. Series are
    /// decoded in parallel.
    pub fn select(&self, matchers: &[Matcher], start: i64, end: i64) -> Vec<SeriesSamples> {
        self.select_each(matchers, start, end, |labels, samples| {
            (labels.clone(), std::mem::take(samples))
        })
    }

    /// [`Self::select`] one series at a time: `f` gets each series' labels
    /// and samples (never empty) as soon as they are decoded, on the rayon
    /// pool, and its results come back in label order. A query that reduces
    /// each series (`rate(x[5m])`) never holds every series' samples at
    /// once; a thread reuses one buffer for all the series it decodes.
    pub fn select_each<T: Send>(
        &self,
        matchers: &[Matcher],
        start: i64,
        end: i64,
        f: impl Fn(&Labels, &mut Vec<(i64, f64)>) -> T + Sync,
    ) -> Vec<T> {
        use rayon::prelude::*;
        // The block list and the head's chunks are taken together under the
        // head's read lock (a cut publishes its block and drops the chunks
        // from the head under its write lock), so a sample is always found
        // in one or the other. The chunks are snapshotted under the lock
        // (closed ones shared, the open one copied), on every core, and
        // decoded after it: appends wait only for the snapshot.
        let (blocks, snapshots) = {
            let head = self.head.read().unwrap_or_else(|p| p.into_inner());
            let blocks = self.block_list();
            let snapshots: Vec<_> = head
                .select(matchers)
                .into_par_iter()
                .filter_map(|id| {
                    head.series(id)
                        .map(|s| (s.labels.clone(), s.snapshot(start, end)))
                })
                .collect();
            (blocks, snapshots)
        };
        // Every part of every selected series — in blocks, oldest first, then
        // in the head — grouped by series and decoded into one vector each.
        enum Part<'a> {
            Block(&'a Block, usize),
            Head(&'a super::head::SeriesSnapshot),
        }
        let mut parts: Vec<(&Labels, Part)> = Vec::new();
        for b in blocks
            .iter()
            .filter(|b| b.meta().max_t >= start && b.meta().min_t <= end)
        {
            parts.extend(
                b.select(matchers)
                    .into_iter()
                    .map(|i| (b.labels(i), Part::Block(b, i))),
            );
        }
        parts.extend(snapshots.iter().map(|(l, s)| (l, Part::Head(s))));
        // Stable: a series keeps its parts in time order.
        parts.sort_by(|a, b| a.0.cmp(b.0));
        let mut groups: Vec<&[(&Labels, Part)]> = Vec::new();
        let mut rest = &parts[..];
        while let Some((first, _)) = rest.first() {
            let n = rest.iter().take_while(|(l, _)| l == first).count();
            groups.push(&rest[..n]);
            rest = &rest[n..];
        }
        let results = groups
            .into_par_iter()
            .map_init(Vec::new, |samples, group| {
                samples.clear();
                for (_, part) in group {
                    match part {
                        Part::Block(b, i) => {
                            if let Err(e) = b.samples_into(*i, start, end, samples) {
                                tracing::error!(block = %b.dir().display(), error = %e, "cannot read block");
                            }
                        }
                        Part::Head(snapshot) => snapshot.samples_into(start, end, samples),
                    }
                }
                // Parts overlap only with out-of-order data or a cut in
                // flight: sort (and keep each timestamp once) only then.
                if !samples.is_sorted_by(|a, b| a.0 < b.0) {
                    samples.sort_by_key(|(t, _)| *t);
                    samples.dedup_by_key(|(t, _)| *t);
                }
                (!samples.is_empty()).then(|| f(group[0].0, samples))
            })
            .flatten()
            .collect();
        // Releasing the snapshots touches every chunk: on every core too.
        drop(parts);
        snapshots.into_par_iter().for_each(drop);
        results
    }

    /// Housekeeping, run periodically off the async runtime: cuts the head's
    /// chunks older than half a block range behind its newest sample into a
    /// block, checkpoints the WAL, compacts blocks and applies retention.
    pub fn maintain(&self, now_ms: i64) -> std::io::Result<MaintainReport> {
        let _serial = self.maintenance.lock().unwrap_or_else(|p| p.into_inner());
        let mut report = MaintainReport::default();
        let range = self.options.block_range_ms.max(1);

        let span = self
            .head
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .time_span();
        if let Some((min, max)) = span {
            let boundary = (max - range / 2).div_euclid(range) * range;
            if min < boundary {
                // Copy, write the block without holding any lock, then publish
                // it and drop what was copied from the head in one step. The
                // cut samples stay in the WAL until the checkpoint below: a
                // crash in between loses nothing.
                let cut = self
                    .head
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .plan_cut(boundary);
                if !cut.blocks.is_empty() {
                    let written =
                        Arc::new(block::write_block(&self.blocks_dir, 1, cut.blocks.clone())?);
                    tracing::info!(block = %written.meta().id, series = written.meta().series, samples = written.meta().samples, "cut head into a block");
                    let mut head = self.head.write().unwrap_or_else(|p| p.into_inner());
                    self.blocks
                        .write()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(written);
                    head.remove_cut(&cut);
                    drop(head);
                    report.blocks_cut += 1;
                }
                // Series left without data go, and the checkpoint that
                // follows records the renumbered rest; holding the log's lock
                // throughout keeps appends (and their ids) out in between.
                let mut wal = self.wal.lock().unwrap_or_else(|p| p.into_inner());
                report.series_removed = self.head.write().unwrap_or_else(|p| p.into_inner()).gc();
                if report.series_removed > 0 {
                    tracing::info!(
                        series = report.series_removed,
                        "dropped head series without data"
                    );
                }
                let head = self.head.read().unwrap_or_else(|p| p.into_inner());
                wal.checkpoint(&head)?;
            }
        }
        if report.blocks_cut == 0 {
            let mut wal = self.wal.lock().unwrap_or_else(|p| p.into_inner());
            if wal.outgrown(self.options.wal_checkpoint_bytes) {
                let head = self.head.read().unwrap_or_else(|p| p.into_inner());
                wal.checkpoint(&head)?;
                report.wal_checkpoints += 1;
                tracing::info!(bytes = wal.size(), "checkpointed the WAL");
            }
        }

        while let Some(group) = self.compaction_group() {
            let level = group[0].meta().level + 1;
            let mut sources = Vec::new();
            for b in &group {
                let mut series = Vec::new();
                for i in 0..b.series_len() {
                    // Deleted samples are dropped for good here.
                    series.push((b.labels(i).clone(), b.live_chunks(i)?));
                }
                sources.push(series);
            }
            self.rewrite(&group, level, block::merge_series(sources), "")?;
            tracing::info!(level, merged = group.len(), "compacted blocks");
            report.compactions += 1;
        }

        let doomed = self.retention_victims(now_ms);
        report.blocks_deleted = doomed.len();
        if !doomed.is_empty() {
            for b in &doomed {
                tracing::info!(block = %b.meta().id, max_t = b.meta().max_t, "retention: deleting block");
            }
            self.replace_blocks(&doomed, None)?;
        }
        Ok(report)
    }

    /// The oldest group of same-level blocks that share one aligned window
    /// of the next level (`range · 3^level`), if it has enough members. As in
    /// Prometheus, no block grows past a tenth of the retention time, so
    /// retention can still drop old data in small steps.
    fn compaction_group(&self) -> Option<Vec<Arc<Block>>> {
        let blocks = self.blocks.read().unwrap_or_else(|p| p.into_inner());
        let range = self.options.block_range_ms.max(1);
        for level in 1..MAX_LEVEL {
            let window = range.saturating_mul(3i64.pow(level));
            if self.options.retention_ms.is_some_and(|r| window > r / 10) {
                break;
            }
            let mut groups: BTreeMap<i64, Vec<Arc<Block>>> = BTreeMap::new();
            for b in blocks.iter().filter(|b| b.meta().level == level) {
                groups
                    .entry(b.meta().min_t.div_euclid(window))
                    .or_default()
                    .push(Arc::clone(b));
            }
            if let Some((_, group)) = groups.into_iter().find(|(_, g)| g.len() >= COMPACT_FAN_IN) {
                return Some(group);
            }
        }
        None
    }

    fn retention_victims(&self, now_ms: i64) -> Vec<Arc<Block>> {
        let blocks = self.blocks.read().unwrap_or_else(|p| p.into_inner());
        let mut doomed: Vec<Arc<Block>> = Vec::new();
        if let Some(keep) = self.options.retention_ms {
            doomed.extend(
                blocks
                    .iter()
                    .filter(|b| b.meta().max_t < now_ms - keep)
                    .cloned(),
            );
        }
        if let Some(limit) = self.options.retention_bytes {
            let mut total: u64 = blocks.iter().map(|b| b.size()).sum::<u64>() + self.wal_size();
            total -= doomed.iter().map(|b| b.size()).sum::<u64>();
            for b in blocks.iter() {
                if total <= limit {
                    break;
                }
                if !doomed.iter().any(|d| Arc::ptr_eq(d, b)) {
                    total -= b.size();
                    doomed.push(Arc::clone(b));
                }
            }
        }
        doomed
    }

    /// Replaces `old` blocks by one block of `series` (none when they hold
    /// no sample), named with `tag`.
    fn rewrite(
        &self,
        old: &[Arc<Block>],
        level: u32,
        series: Vec<block::SeriesChunks>,
        tag: &str,
    ) -> std::io::Result<()> {
        let new = if series
            .iter()
            .all(|(_, chunks)| chunks.iter().all(XorChunk::is_empty))
        {
            None
        } else {
            Some(Arc::new(block::write_block_tagged(
                &self.blocks_dir,
                level,
                series,
                tag,
            )?))
        };
        self.replace_blocks(old, new)
    }

    /// The blocks, oldest first (a snapshot of the list).
    fn block_list(&self) -> Vec<Arc<Block>> {
        self.blocks
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The latest metadata (type, help, unit) per metric family.
    pub fn metadata(&self) -> &MetadataStore {
        &self.metadata
    }

    /// Cardinality statistics of the head, `limit` entries per list.
    pub fn head_stats(&self, limit: usize) -> super::head::HeadStats {
        self.head
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .stats(limit)
    }

    /// Swaps `old` blocks for `new` in the list, then deletes `old` on disk.
    fn replace_blocks(&self, old: &[Arc<Block>], new: Option<Arc<Block>>) -> std::io::Result<()> {
        {
            let mut blocks = self.blocks.write().unwrap_or_else(|p| p.into_inner());
            blocks.retain(|b| !old.iter().any(|o| Arc::ptr_eq(o, b)));
            blocks.extend(new);
            blocks.sort_by_key(|b| (b.meta().min_t, b.meta().max_t));
        }
        for b in old {
            block::delete(b)?;
        }
        Ok(())
    }

    /// Number of blocks, and their total bytes.
    pub fn block_stats(&self) -> (usize, u64) {
        let blocks = self.blocks.read().unwrap_or_else(|p| p.into_inner());
        (blocks.len(), blocks.iter().map(|b| b.size()).sum())
    }

    /// For each of `sets`, the id and stored label set of its series if it
    /// is in the head (one lock for all): a writer that sends the same
    /// series every time reuses the stored set instead of building and
    /// validating a new one, and passes the ids on to
    /// [`MetricsDb::append_hinted`]. Also returns the numbering the ids
    /// belong to.
    pub fn find_series<'a>(
        &self,
        sets: impl IntoIterator<Item = Option<LabelsKey<'a>>>,
    ) -> (Vec<Option<(SeriesId, Labels)>>, u64) {
        let head = self.head.read().unwrap_or_else(|p| p.into_inner());
        let found = sets
            .into_iter()
            .map(|set| set.and_then(|set| head.find(set).map(|(id, l)| (id, l.clone()))))
            .collect();
        (found, head.numbering())
    }

    /// Series in the head.
    pub fn series_count(&self) -> usize {
        self.head
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .series_count()
    }

    /// Bytes in the write-ahead log.
    pub fn wal_size(&self) -> u64 {
        self.wal.lock().unwrap_or_else(|p| p.into_inner()).size()
    }

    /// Rejections of `outcome` counted by reason.
    pub fn rejections_by_reason(outcome: &AppendOutcome) -> BTreeMap<&'static str, u64> {
        let mut counts = BTreeMap::new();
        for (_, _, r) in &outcome.rejected {
            *counts.entry(r.as_str()).or_default() += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(job: &str, t: i64, v: f64) -> Sample {
        Sample {
            labels: Labels::new([("__name__", "up"), ("job", job)]).unwrap(),
            t,
            v,
        }
    }

    fn options(range: i64) -> DbOptions {
        DbOptions {
            block_range_ms: range,
            ..DbOptions::default()
        }
    }

    #[test]
    fn series_found_once_are_appended_by_id_until_the_head_renumbers() {
        let dir = tempfile::tempdir().unwrap();
        let db = MetricsDb::open(dir.path(), DbOptions::default()).unwrap();
        db.append(&[sample("a", 1000, 1.0), sample("b", 1000, 2.0)])
            .unwrap();
        let key = |job: &str| {
            let mut pairs: Vec<(&[u8], &[u8])> =
                vec![(b"__name__", b"up"), (b"job", job.as_bytes())];
            let mut buf = Vec::new();
            assert!(LabelsKey::append_encoded(&mut pairs, &mut buf));
            buf
        };
        let (a, b, missing) = (key("a"), key("b"), key("c"));
        let (found, numbering) = db.find_series([
            Some(LabelsKey::new(&a)),
            Some(LabelsKey::new(&b)),
            Some(LabelsKey::new(&missing)),
            None,
        ]);
        let (id_a, labels_a) = found[0].clone().unwrap();
        let (id_b, _) = found[1].clone().unwrap();
        assert_eq!(labels_a, sample("a", 0, 0.0).labels);
        assert_ne!(id_a, id_b);
        assert!(found[2].is_none() && found[3].is_none());
        let hinted = |t: i64, numbering: u64, id: SeriesId| {
            let hints = SeriesHints {
                numbering,
                ids: vec![Some(id)],
            };
            db.append_hinted(&[sample("a", t, t as f64)], Some(&hints))
                .unwrap()
        };
        assert_eq!(hinted(2000, numbering, id_a).appended, 1);
        // A hint from another numbering is ignored: the sample still goes to
        // its own series, not to whatever has that id now.
        assert_eq!(hinted(3000, numbering + 1, id_b).appended, 1);
        let a_samples = db.select(&[Matcher::equal("job", "a")], 0, i64::MAX);
        let b_samples = db.select(&[Matcher::equal("job", "b")], 0, i64::MAX);
        assert_eq!(a_samples[0].1.len(), 3);
        assert_eq!(b_samples[0].1, vec![(1000, 2.0)]);
    }

    #[test]
    fn a_grown_log_is_checkpointed_without_a_cut_and_replays_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let options = DbOptions {
            wal_checkpoint_bytes: 4096,
            ..DbOptions::default()
        };
        let db = MetricsDb::open(dir.path(), options).unwrap();
        for t in 0..600 {
            db.append(&[
                sample("a", t * 1000, t as f64 * 0.5),
                sample("b", t * 1000, 1.0),
            ])
            .unwrap();
        }
        let before = db.wal_size();
        let report = db.maintain(600_000).unwrap();
        assert_eq!((report.blocks_cut, report.wal_checkpoints), (0, 1));
        assert!(
            db.wal_size() < before / 2,
            "{} -> {}",
            before,
            db.wal_size()
        );
        // Not again until the log outgrows the checkpoint.
        assert_eq!(db.maintain(600_000).unwrap().wal_checkpoints, 0);
        db.append(&[sample("a", 600_000, 7.0)]).unwrap();
        let expected = db.select(&[Matcher::equal("job", "a")], 0, i64::MAX);
        drop(db);
        let db = MetricsDb::open(dir.path(), options).unwrap();
        assert_eq!(
            db.select(&[Matcher::equal("job", "a")], 0, i64::MAX),
            expected
        );
        assert_eq!(expected[0].1.len(), 601);
    }

    #[test]
    fn head_cuts_into_blocks_that_survive_restarts_and_compact() {
        let dir = tempfile::tempdir().unwrap();
        let db = MetricsDb::open(dir.path(), options(10_000)).unwrap();
        let mut total = MaintainReport::default();
        for t in (0..100_000).step_by(1000) {
            db.append(&[sample("a", t, t as f64), sample("b", t, 1.0)])
                .unwrap();
            if t % 10_000 == 9_000 {
                let r = db.maintain(t).unwrap();
                total.blocks_cut += r.blocks_cut;
                total.compactions += r.compactions;
            }
        }
        assert!(total.blocks_cut >= 8, "{total:?}");
        assert!(total.compactions >= 3, "{total:?}");
        let (blocks, bytes) = db.block_stats();
        assert!(
            (1..=3).contains(&blocks),
            "{blocks} blocks after compaction"
        );
        assert!(bytes > 0);
        let all = db.select(&[Matcher::equal("job", "a")], 0, i64::MAX);
        assert_eq!(
            all[0].1.len(),
            100,
            "blocks and head together hold every sample once"
        );
        assert_eq!(all[0].1[42], (42_000, 42_000.0));
        // The WAL was checkpointed: it holds only the head.
        let wal_size = db.wal_size();
        drop(db);
        let db = MetricsDb::open(dir.path(), options(10_000)).unwrap();
        assert!(
            wal_size < 100 * 2 * 24,
            "WAL of {wal_size} bytes was not checkpointed"
        );
        let again = db.select(&[Matcher::equal("job", "a")], 0, i64::MAX);
        assert_eq!(again, all);
        assert_eq!(
            db.select(&[Matcher::equal("job", "a")], 25_000, 30_000)[0]
                .1
                .len(),
            6
        );
    }

    #[test]
    fn series_without_data_leave_the_head_and_the_rest_replay_renumbered() {
        let dir = tempfile::tempdir().unwrap();
        let db = MetricsDb::open(dir.path(), options(10_000)).unwrap();
        // "gone" stops at 5 s; "kept" goes on; "late" appears after the cut.
        for t in (0..30_000).step_by(1000) {
            let mut batch = vec![sample("kept", t, t as f64)];
            if t <= 5_000 {
                batch.push(sample("gone", t, 1.0));
            }
            db.append(&batch).unwrap();
        }
        assert_eq!(db.series_count(), 2);
        let report = db.maintain(30_000).unwrap();
        assert_eq!(report.blocks_cut, 1);
        assert_eq!(report.series_removed, 1, "{report:?}");
        assert_eq!(db.series_count(), 1);
        // Its samples are in the block; it comes back if it is written again.
        let gone = db.select(&[Matcher::equal("job", "gone")], 0, i64::MAX);
        assert_eq!(gone[0].1.len(), 6);
        db.append(&[sample("late", 30_000, 7.0), sample("gone", 31_000, 2.0)])
            .unwrap();
        assert_eq!(db.series_count(), 3);
        let before: Vec<_> = ["kept", "gone", "late"]
            .iter()
            .map(|j| db.select(&[Matcher::equal("job", j)], 0, i64::MAX))
            .collect();
        drop(db);
        // The checkpoint (renumbered ids) and the log after it replay to the
        // same head.
        let db = MetricsDb::open(dir.path(), options(10_000)).unwrap();
        assert_eq!(db.series_count(), 3);
        for (job, expected) in ["kept", "gone", "late"].iter().zip(&before) {
            assert_eq!(
                &db.select(&[Matcher::equal("job", job)], 0, i64::MAX),
                expected,
                "{job}"
            );
        }
        assert_eq!(
            db.select(&[Matcher::equal("job", "gone")], 0, i64::MAX)[0]
                .1
                .len(),
            7
        );
    }

    #[test]
    fn reads_during_cuts_never_miss_a_sample() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(MetricsDb::open(dir.path(), options(2_000)).unwrap());
        let acked = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let writer = {
            let (db, acked, done) = (Arc::clone(&db), Arc::clone(&acked), Arc::clone(&done));
            std::thread::spawn(move || {
                for i in 0..400i64 {
                    let batch: Vec<Sample> = (0..10)
                        .map(|k| sample("a", (i * 10 + k) * 100, 1.0))
                        .collect();
                    db.append(&batch).unwrap();
                    acked.store((i as usize + 1) * 10, Ordering::SeqCst);
                }
                done.store(true, Ordering::SeqCst);
            })
        };
        let maintainer = {
            let (db, done) = (Arc::clone(&db), Arc::clone(&done));
            std::thread::spawn(move || {
                let mut cuts = 0;
                while !done.load(Ordering::SeqCst) {
                    cuts += db.maintain(0).unwrap().blocks_cut;
                }
                cuts
            })
        };
        let mut reads = 0;
        while !done.load(Ordering::SeqCst) {
            let before = acked.load(Ordering::SeqCst);
            let got = db.select(&[Matcher::equal("job", "a")], 0, i64::MAX);
            let n = got.first().map_or(0, |s| s.1.len());
            assert!(
                n >= before,
                "read {n} samples after {before} were acknowledged"
            );
            assert!(
                got.first()
                    .is_none_or(|s| s.1.is_sorted_by(|a, b| a.0 < b.0))
            );
            reads += 1;
        }
        writer.join().unwrap();
        let cuts = maintainer.join().unwrap();
        assert!(cuts >= 5 && reads > 10, "{cuts} cuts, {reads} reads");
        let all = db.select(&[Matcher::equal("job", "a")], 0, i64::MAX);
        assert_eq!(all[0].1.len(), 4000);
    }

    #[test]
    fn concurrent_appends_share_syncs_and_all_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(MetricsDb::open(dir.path(), options(3_600_000)).unwrap());
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let db = Arc::clone(&db);
                std::thread::spawn(move || {
                    for i in 0..100i64 {
                        let batch: Vec<Sample> = (0..10)
                            .map(|k| sample(&format!("w{w}-{k}"), i * 1000, i as f64))
                            .collect();
                        assert_eq!(db.append(&batch).unwrap().appended, 10);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        drop(db);
        let db = MetricsDb::open(dir.path(), options(3_600_000)).unwrap();
        let all = db.select(&[Matcher::new("job", "=~", "w.*").unwrap()], 0, i64::MAX);
        assert_eq!(all.len(), 40);
        assert!(all.iter().all(|(_, s)| s.len() == 100));
    }

    #[test]
    fn retention_drops_old_blocks_by_time_and_size() {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = options(10_000);
        opts.retention_ms = Some(30_000);
        let db = MetricsDb::open(dir.path(), opts).unwrap();
        for t in (0..60_000).step_by(1000) {
            db.append(&[sample("a", t, 1.0)]).unwrap();
            db.maintain(t).unwrap();
        }
        let kept = db.select(&[Matcher::equal("job", "a")], 0, i64::MAX);
        let oldest = kept[0].1[0].0;
        assert!(oldest >= 20_000, "samples from {oldest} should be gone");
        drop(db);

        let dir = tempfile::tempdir().unwrap();
        let mut opts = options(10_000);
        opts.retention_bytes = Some(1);
        let db = MetricsDb::open(dir.path(), opts).unwrap();
        for t in (0..60_000).step_by(1000) {
            db.append(&[sample("a", t, t as f64)]).unwrap();
            db.maintain(t).unwrap();
        }
        assert_eq!(
            db.block_stats().0,
            0,
            "a size limit below one block keeps no block"
        );
        let oldest = db.select(&[Matcher::equal("job", "a")], 0, i64::MAX)[0].1[0].0;
        assert!(oldest >= 40_000, "only the head is left, from {oldest}");
        assert!(
            !db.select(&[Matcher::equal("job", "a")], 0, i64::MAX)
                .is_empty(),
            "the head is never dropped"
        );
    }

    #[test]
    fn appended_samples_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = MetricsDb::open(dir.path(), DbOptions::default()).unwrap();
            let out = db
                .append(&[
                    sample("a", 1000, 1.0),
                    sample("b", 1000, 0.0),
                    sample("a", 2000, f64::from_bits(STALE_NAN)),
                ])
                .unwrap();
            assert_eq!((out.appended, out.series_added), (3, 2));
            let out = db
                .append(&[
                    sample("a", 1500, 9.0),
                    sample("a", 2000, f64::from_bits(STALE_NAN)),
                ])
                .unwrap();
            assert_eq!(
                (out.appended, out.duplicates, out.rejected.len()),
                (0, 1, 1)
            );
            assert_eq!(
                MetricsDb::rejections_by_reason(&out).get("out_of_bounds"),
                Some(&1)
            );
        }
        let db = MetricsDb::open(dir.path(), DbOptions::default()).unwrap();
        assert_eq!(db.series_count(), 2);
        let got = db.select(&[Matcher::equal("job", "a")], 0, i64::MAX);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1[0], (1000, 1.0));
        assert!(is_stale(got[0].1[1].1));
        // Appending continues after a restart with the same series ids.
        db.append(&[sample("a", 3000, 3.0), sample("c", 3000, 1.0)])
            .unwrap();
        drop(db);
        let db = MetricsDb::open(dir.path(), DbOptions::default()).unwrap();
        assert_eq!(
            db.select(&[Matcher::equal("job", "a")], 0, i64::MAX)[0]
                .1
                .len(),
            3
        );
        assert_eq!(db.series_count(), 3);
    }
}
