//! The metrics store facade: append (WAL first, synced before the append is
//! acknowledged, then the head) and select raw samples. Blocks, compaction and
//! retention will sit behind the same two calls.

use super::head::{Head, RejectReason, SeriesId};
use super::labels::Labels;
use super::matcher::Matcher;
use super::wal::{Wal, WalRecord};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, RwLock};

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
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            out_of_order_window_ms: 0,
        }
    }
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
}

/// The store.
pub struct MetricsDb {
    head: RwLock<Head>,
    wal: Mutex<Wal>,
    options: DbOptions,
}

/// A selected series with its samples.
pub type SeriesSamples = (Labels, Vec<(i64, f64)>);

impl MetricsDb {
    /// Opens the store in `dir`, replaying its write-ahead log.
    pub fn open(dir: &Path, options: DbOptions) -> std::io::Result<MetricsDb> {
        let mut head = Head::default();
        let mut replayed = 0usize;
        let wal = Wal::open(&dir.join("wal"), |record| match record {
            WalRecord::Series(id, labels) => head.insert(id, labels),
            WalRecord::Samples(samples) => {
                for (id, t, v) in samples {
                    if head.series(id).is_some() && head.append(id, t, v, i64::MAX).is_ok() {
                        replayed += 1;
                    }
                }
            }
        })?;
        tracing::info!(series = head.series_count(), samples = replayed, "metrics store opened");
        Ok(MetricsDb {
            head: RwLock::new(head),
            wal: Mutex::new(wal),
            options,
        })
    }

    /// Appends `samples`; when this returns `Ok`, the stored ones are durable.
    /// The head lock is held until the log is synced, so no reader ever sees
    /// a sample that a crash could still take away.
    pub fn append(&self, samples: &[Sample]) -> std::io::Result<AppendOutcome> {
        let mut outcome = AppendOutcome::default();
        let mut wal = self.wal.lock().unwrap_or_else(|p| p.into_inner());
        let mut head = self.head.write().unwrap_or_else(|p| p.into_inner());
        let mut logged: Vec<(SeriesId, i64, f64)> = Vec::with_capacity(samples.len());
        for s in samples {
            let (id, created) = head.get_or_create(&s.labels);
            if created {
                wal.log_series(id, &s.labels);
                outcome.series_added += 1;
            }
            match head.append(id, s.t, s.v, self.options.out_of_order_window_ms) {
                Ok(true) => {
                    logged.push((id, s.t, s.v));
                    outcome.appended += 1;
                }
                Ok(false) => outcome.duplicates += 1,
                Err(reason) => outcome.rejected.push((s.labels.clone(), s.t, reason)),
            }
        }
        wal.log_samples(&logged);
        wal.commit()?;
        drop(head);
        Ok(outcome)
    }

    /// Raw samples in `[start, end]` of every series matching all `matchers`.
    pub fn select(&self, matchers: &[Matcher], start: i64, end: i64) -> Vec<SeriesSamples> {
        let head = self.head.read().unwrap_or_else(|p| p.into_inner());
        head.select(matchers)
            .into_iter()
            .filter_map(|id| head.series(id))
            .map(|s| (s.labels.clone(), s.samples(start, end)))
            .filter(|(_, samples)| !samples.is_empty())
            .collect()
    }

    /// Series in the head.
    pub fn series_count(&self) -> usize {
        self.head.read().unwrap_or_else(|p| p.into_inner()).series_count()
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

    #[test]
    fn appended_samples_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = MetricsDb::open(dir.path(), DbOptions::default()).unwrap();
            let out = db.append(&[sample("a", 1000, 1.0), sample("b", 1000, 0.0), sample("a", 2000, f64::from_bits(STALE_NAN))]).unwrap();
            assert_eq!((out.appended, out.series_added), (3, 2));
            let out = db.append(&[sample("a", 1500, 9.0), sample("a", 2000, f64::from_bits(STALE_NAN))]).unwrap();
            assert_eq!((out.appended, out.duplicates, out.rejected.len()), (0, 1, 1));
            assert_eq!(MetricsDb::rejections_by_reason(&out).get("out_of_bounds"), Some(&1));
        }
        let db = MetricsDb::open(dir.path(), DbOptions::default()).unwrap();
        assert_eq!(db.series_count(), 2);
        let got = db.select(&[Matcher::equal("job", "a")], 0, i64::MAX);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1[0], (1000, 1.0));
        assert!(is_stale(got[0].1[1].1));
        // Appending continues after a restart with the same series ids.
        db.append(&[sample("a", 3000, 3.0), sample("c", 3000, 1.0)]).unwrap();
        drop(db);
        let db = MetricsDb::open(dir.path(), DbOptions::default()).unwrap();
        assert_eq!(db.select(&[Matcher::equal("job", "a")], 0, i64::MAX)[0].1.len(), 3);
        assert_eq!(db.series_count(), 3);
    }
}
