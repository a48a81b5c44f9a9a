//! Administrative operations on the store, as Prometheus' TSDB admin API
//! offers them: deleting series data (tombstones on blocks, a logged
//! deletion in the head), rewriting blocks without their deleted data, and
//! snapshots (hard links of the immutable blocks plus the head written as
//! a block) that can be opened as a store of their own.
//!
//! Each runs under the maintenance lock, so no head cut, compaction or
//! retention moves data between the head and the blocks meanwhile.

use super::MetricsDb;
use crate::storage::metrics::block::{self, Block};
use crate::storage::metrics::head::SeriesId;
use crate::storage::metrics::matcher::Matcher;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// What a snapshot holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SnapshotReport {
    /// Blocks linked from the store.
    pub blocks: usize,
    /// Whether the head was written as a block too.
    pub head: bool,
}

/// Hard-links (or, across filesystems, copies) every file of `from` into
/// the new directory `to`.
fn link_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if !entry.file_type()?.is_file() || entry.path().extension().is_some_and(|e| e == "tmp") {
            continue;
        }
        let target = to.join(entry.file_name());
        if std::fs::hard_link(entry.path(), &target).is_err() {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

impl MetricsDb {
    /// Deletes the samples in `[start, end]` (ms) of every series matching
    /// any of `selectors`. Durable when it returns: head deletions are in the
    /// synced WAL, block deletions in the blocks' tombstone files. Returns
    /// how many (series, place) pairs lost data.
    pub fn delete_series(
        &self,
        selectors: &[Vec<Matcher>],
        start: i64,
        end: i64,
    ) -> std::io::Result<usize> {
        if start > end || selectors.is_empty() {
            return Ok(0);
        }
        let _serial = self.maintenance.lock().unwrap_or_else(|p| p.into_inner());
        let mut affected = 0;
        {
            let mut wal = self.wal.lock().unwrap_or_else(|p| p.into_inner());
            let mut head = self.head.write().unwrap_or_else(|p| p.into_inner());
            let ids: BTreeSet<SeriesId> = selectors.iter().flat_map(|m| head.select(m)).collect();
            for id in ids {
                if head.delete(id, start, end) {
                    wal.log_delete(id, start, end);
                    affected += 1;
                }
            }
            wal.commit()?;
        }
        for b in self
            .block_list()
            .iter()
            .filter(|b| b.meta().max_t >= start && b.meta().min_t <= end)
        {
            for matchers in selectors {
                affected += b.delete(matchers, start, end)?;
            }
        }
        Ok(affected)
    }

    /// Rewrites every block that has tombstones without the deleted data
    /// (dropping blocks left empty). Returns how many blocks were rewritten.
    pub fn clean_tombstones(&self) -> std::io::Result<usize> {
        let _serial = self.maintenance.lock().unwrap_or_else(|p| p.into_inner());
        let dirty: Vec<Arc<Block>> = self
            .block_list()
            .into_iter()
            .filter(|b| b.has_tombstones())
            .collect();
        for b in &dirty {
            let mut series = Vec::with_capacity(b.series_len());
            for i in 0..b.series_len() {
                series.push((b.labels(i).clone(), b.live_chunks(i)?));
            }
            // The rewrite has the same range and level: a distinct name.
            let tag = format!("-r{:x}", crate::util::now_ms());
            self.rewrite(std::slice::from_ref(b), b.meta().level, series, &tag)?;
            tracing::info!(block = %b.meta().id, "rewrote block without its deleted data");
        }
        Ok(dirty.len())
    }

    /// Writes a consistent copy of the store into the new directory `dir`:
    /// `dir/blocks/<id>/` per block (hard links: blocks are immutable, and
    /// their tombstone files are replaced by rename, never changed in place),
    /// plus, unless `skip_head`, the head's current samples as one more
    /// block. `MetricsDb::open(dir)` reads it back.
    pub fn snapshot(&self, dir: &Path, skip_head: bool) -> std::io::Result<SnapshotReport> {
        let _serial = self.maintenance.lock().unwrap_or_else(|p| p.into_inner());
        let blocks_dir = dir.join("blocks");
        std::fs::create_dir_all(&blocks_dir)?;
        let mut report = SnapshotReport::default();
        for b in self.block_list() {
            link_dir(b.dir(), &blocks_dir.join(&b.meta().id))?;
            report.blocks += 1;
        }
        if !skip_head {
            let series = self
                .head
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .all_chunks();
            if !series.is_empty() {
                block::write_block_tagged(&blocks_dir, 1, series, "-head")?;
                report.head = true;
            }
        }
        std::fs::File::open(&blocks_dir)?.sync_all()?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use crate::storage::metrics::{DbOptions, Labels, Matcher, MetricsDb, Sample};

    fn options() -> DbOptions {
        DbOptions {
            block_range_ms: 10_000,
            ..DbOptions::default()
        }
    }

    fn sample(job: &str, t: i64) -> Sample {
        Sample {
            labels: Labels::new([("__name__", "up"), ("job", job)]).unwrap(),
            t,
            v: t as f64,
        }
    }

    /// `up{job=a}` and `up{job=b}` from 0 to 29 s, 0–19 s cut into a block.
    fn filled(dir: &std::path::Path) -> MetricsDb {
        let db = MetricsDb::open(dir, options()).unwrap();
        for t in (0..30_000).step_by(1000) {
            db.append(&[sample("a", t), sample("b", t)]).unwrap();
            if t == 25_000 {
                assert_eq!(db.maintain(t).unwrap().blocks_cut, 1);
            }
        }
        db
    }

    fn times(db: &MetricsDb, job: &str) -> Vec<i64> {
        db.select(&[Matcher::equal("job", job)], i64::MIN, i64::MAX)
            .first()
            .map(|(_, s)| s.iter().map(|(t, _)| *t).collect())
            .unwrap_or_default()
    }

    #[test]
    fn deleted_data_is_gone_from_blocks_and_head_and_stays_gone_after_restart() {
        let dir = tempfile::tempdir().unwrap();
        let db = filled(dir.path());
        let a = vec![Matcher::equal("job", "a")];
        // 5–24 s spans the block (5–19 s) and the head (20–24 s).
        let affected = db
            .delete_series(std::slice::from_ref(&a), 5_000, 24_000)
            .unwrap();
        assert_eq!(affected, 2, "one series, in the block and in the head");
        let expect: Vec<i64> = (0..5_000)
            .step_by(1000)
            .chain((25_000..30_000).step_by(1000))
            .collect();
        assert_eq!(times(&db, "a"), expect);
        assert_eq!(times(&db, "b").len(), 30, "other series untouched");
        // The metadata queries agree.
        assert!(
            db.series(std::slice::from_ref(&a), 6_000, 19_000)
                .is_empty()
        );
        assert!(
            db.series(std::slice::from_ref(&a), 21_000, 22_000)
                .is_empty()
        );
        assert_eq!(db.series(std::slice::from_ref(&a), 0, 5_000).len(), 1);

        // Appends after a deletion are not deleted by its replay.
        db.append(&[sample("a", 31_000)]).unwrap();
        drop(db);
        let db = MetricsDb::open(dir.path(), options()).unwrap();
        let mut expect = expect;
        expect.push(31_000);
        assert_eq!(times(&db, "a"), expect, "after restart");

        // Deleting everything removes the series from the metadata queries.
        db.delete_series(std::slice::from_ref(&a), i64::MIN, i64::MAX)
            .unwrap();
        assert!(times(&db, "a").is_empty());
        assert_eq!(db.label_values("job", &[], i64::MIN, i64::MAX), vec!["b"]);
        drop(db);
        let db = MetricsDb::open(dir.path(), options()).unwrap();
        assert_eq!(db.label_values("job", &[], i64::MIN, i64::MAX), vec!["b"]);

        // Cleaning rewrites the block without the data; nothing changes in
        // what is read, before or after a restart.
        assert_eq!(db.clean_tombstones().unwrap(), 1);
        assert_eq!(db.clean_tombstones().unwrap(), 0);
        assert!(times(&db, "a").is_empty());
        assert_eq!(times(&db, "b").len(), 30);
        drop(db);
        let db = MetricsDb::open(dir.path(), options()).unwrap();
        assert_eq!(db.block_stats().0, 1);
        assert!(times(&db, "a").is_empty());
        assert_eq!(times(&db, "b").len(), 30);
    }

    #[test]
    fn a_snapshot_holds_blocks_and_head_and_opens_as_a_store() {
        let dir = tempfile::tempdir().unwrap();
        let db = filled(&dir.path().join("db"));
        db.delete_series(&[vec![Matcher::equal("job", "b")]], 0, 1_000)
            .unwrap();
        let snap = dir.path().join("snap");
        let report = db.snapshot(&snap, false).unwrap();
        assert_eq!(
            report,
            super::SnapshotReport {
                blocks: 1,
                head: true
            }
        );
        // The store goes on; the snapshot does not follow.
        db.append(&[sample("a", 40_000)]).unwrap();
        let copy = MetricsDb::open(&snap, options()).unwrap();
        assert_eq!(copy.series_count(), 0, "no WAL: everything is in blocks");
        assert_eq!(copy.block_stats().0, 2);
        assert_eq!(
            times(&copy, "a"),
            (0..30_000).step_by(1000).collect::<Vec<_>>()
        );
        assert_eq!(times(&copy, "b")[0], 2_000, "tombstones are part of it");
        drop(copy);

        let without = dir.path().join("snap2");
        let report = db.snapshot(&without, true).unwrap();
        assert_eq!((report.blocks, report.head), (1, false));
        let copy = MetricsDb::open(&without, options()).unwrap();
        assert_eq!(times(&copy, "a").last(), Some(&19_000));
    }
}
