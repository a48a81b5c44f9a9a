//! [`LogStore`]: the write path and the life of partitions.
//!
//! `append` checks and normalises entries, writes them to the write-ahead
//! log as one synced record (that is the acknowledgement: after it returns
//! the entries survive `kill -9`) and makes them visible to searches at once
//! from memory. A commit thread, every `commit_interval`, adds the pending
//! entries to their partitions' tantivy writers, commits each partition with
//! the WAL position it now holds, swaps the pending entries for the
//! reloaded index in one step (a search sees each entry exactly once), and
//! acknowledges the WAL. After a crash, `open` replays the WAL past the
//! acknowledged cursor, skipping entries a partition had already committed.
//! Retention drops whole partitions: by age, then oldest first by size.

use super::LogStoreError;
use super::entry::{LogEntry, SourceState, decode_batch, encode_batch, fingerprint};
use super::partition::{DAY_NS, Partition, day_of, parse_partition_name, valid_index_name};
use crate::storage::segment_log::{Position, SegmentLog};
use parking_lot::{Condvar, Mutex, RwLock};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// How often retention runs.
const MAINTAIN_EVERY: Duration = Duration::from_secs(60);
/// A writer idle this long is closed (its memory freed).
const WRITER_IDLE: Duration = Duration::from_secs(120);
/// Pending entries past this wake the committer early.
const COMMIT_EARLY_ENTRIES: usize = 50_000;

/// Settings of the log store.
#[derive(Debug, Clone)]
pub struct LogStoreConfig {
    /// Directory holding the partitions and the WAL.
    pub dir: PathBuf,
    /// Entries older than this are dropped (whole days) and refused.
    pub retention: Duration,
    /// Oldest partitions are dropped while the store is bigger.
    pub max_bytes: Option<u64>,
    /// How often pending entries are committed to the indices.
    pub commit_interval: Duration,
    /// Longer lines are cut to this many bytes, with a marker.
    pub max_line_bytes: usize,
    /// Appends fail (backpressure) while this much WAL is uncommitted.
    pub wal_max_bytes: u64,
}

impl LogStoreConfig {
    /// Defaults under `dir`: 30 days, no size limit, 1 s commits, 256 KiB
    /// lines (Loki's default `max_line_size`), 1 GiB of WAL.
    pub fn new(dir: PathBuf) -> LogStoreConfig {
        LogStoreConfig {
            dir,
            retention: Duration::from_secs(30 * 86_400),
            max_bytes: None,
            commit_interval: Duration::from_secs(1),
            max_line_bytes: 256 << 10,
            wal_max_bytes: 1 << 30,
        }
    }
}

/// What happened to an appended batch.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct AppendOutcome {
    /// Entries stored.
    pub accepted: usize,
    /// Entries refused: their position in the batch and why.
    pub rejected: Vec<(usize, String)>,
    /// Stored entries whose line was cut to the size limit.
    pub truncated: usize,
}

/// Entries appended together, with the WAL position after their record.
pub(super) struct Batch {
    pub end: Position,
    pub entries: Vec<(LogEntry, u64)>,
}

pub(super) struct State {
    pub partitions: BTreeMap<(i64, Arc<str>), Arc<Partition>>,
    pub pending: VecDeque<Arc<Batch>>,
}

#[derive(Default)]
struct Counters {
    appended: AtomicU64,
    appended_bytes: AtomicU64,
    rejected: AtomicU64,
    truncated: AtomicU64,
    commits: AtomicU64,
    commit_failures: AtomicU64,
}

pub(super) struct Inner {
    pub config: LogStoreConfig,
    wal: Mutex<SegmentLog>,
    pub state: RwLock<State>,
    commit_lock: Mutex<()>,
    wake: Arc<Wake>,
    counters: Counters,
    /// The latest state each source stored with its entries.
    source_states: Mutex<HashMap<String, Vec<u8>>>,
}

/// How the commit thread is woken: early (many pending entries) or to stop.
#[derive(Default)]
struct Wake {
    /// (woken early, stop)
    flags: Mutex<(bool, bool)>,
    cv: Condvar,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.wake.flags.lock().1 = true;
        self.wake.cv.notify_one();
    }
}

/// The log store; cheap to clone.
#[derive(Clone)]
pub struct LogStore {
    pub(super) inner: Arc<Inner>,
}

impl LogStore {
    /// Opens (or creates) the store, replays its WAL and starts its commit
    /// thread, which ends when the last clone is dropped.
    pub fn open(config: LogStoreConfig) -> Result<LogStore, LogStoreError> {
        std::fs::create_dir_all(&config.dir)?;
        let mut partitions = BTreeMap::new();
        for e in std::fs::read_dir(&config.dir)? {
            let e = e?;
            let Some((index, day)) = e.file_name().to_str().and_then(parse_partition_name) else {
                continue;
            };
            let p = Partition::open(&config.dir, &index, day)?;
            partitions.insert((day, p.index_name.clone()), Arc::new(p));
        }
        let wal = SegmentLog::open(&config.dir.join("wal"), config.wal_max_bytes)?;
        let mut source_states = read_source_states(&config.dir.join(SOURCE_STATES))?;
        let oldest = oldest_day(&config);
        let mut pending = VecDeque::new();
        let mut replayed = 0usize;
        let mut from = wal.cursor();
        loop {
            let records = wal.read(from, 1024, 64 << 20)?;
            let Some(last) = records.last() else { break };
            from = last.next;
            for r in records {
                let Some((entries, state)) = decode_batch(&r.payload) else {
                    tracing::warn!(at = ?r.at, "log WAL: skipping an undecodable record");
                    continue;
                };
                if let Some(s) = state {
                    source_states.insert(s.key, s.state);
                }
                let entries: Vec<(LogEntry, u64)> = entries
                    .into_iter()
                    .filter(|e| {
                        let day = day_of(e.ts_ns);
                        day >= oldest
                            && partitions
                                .get(&(day, e.index.clone()))
                                .is_none_or(|p: &Arc<Partition>| p.committed() < r.next)
                    })
                    .map(|e| {
                        let fp = fingerprint(&e.stream);
                        (e, fp)
                    })
                    .collect();
                replayed += entries.len();
                pending.push_back(Arc::new(Batch {
                    end: r.next,
                    entries,
                }));
            }
        }
        if replayed > 0 {
            tracing::info!(
                entries = replayed,
                "log store: replayed the write-ahead log"
            );
        }
        let inner = Arc::new(Inner {
            config,
            wal: Mutex::new(wal),
            state: RwLock::new(State {
                partitions,
                pending,
            }),
            commit_lock: Mutex::new(()),
            wake: Arc::new(Wake::default()),
            counters: Counters::default(),
            source_states: Mutex::new(source_states),
        });
        let weak = Arc::downgrade(&inner);
        let wake = inner.wake.clone();
        let interval = inner.config.commit_interval;
        std::thread::Builder::new()
            .name("watchpost-logs-commit".into())
            .spawn(move || commit_loop(weak, wake, interval))?;
        Ok(LogStore { inner })
    }

    /// Checks, normalises and durably appends `entries`; they are visible to
    /// searches when this returns.
    pub fn append(&self, entries: Vec<LogEntry>) -> Result<AppendOutcome, LogStoreError> {
        self.append_with_state(entries, None)
    }

    /// The state a source last stored with [`LogStore::append_with_state`].
    pub fn source_state(&self, key: &str) -> Option<Vec<u8>> {
        self.inner.source_states.lock().get(key).cloned()
    }

    /// Like [`LogStore::append`], storing `state` (where the source has read
    /// up to) in the same durable record: after a crash both or neither are
    /// there, so a source resuming from its state neither loses nor repeats
    /// lines. The state is stored even when every entry is refused.
    pub fn append_with_state(
        &self,
        entries: Vec<LogEntry>,
        state: Option<SourceState>,
    ) -> Result<AppendOutcome, LogStoreError> {
        let config = &self.inner.config;
        let oldest = oldest_day(config);
        let mut outcome = AppendOutcome::default();
        let mut accepted = Vec::with_capacity(entries.len());
        for (i, mut e) in entries.into_iter().enumerate() {
            if let Err(reason) = check(&e, oldest) {
                outcome.rejected.push((i, reason));
                continue;
            }
            if e.line.len() > config.max_line_bytes {
                truncate_line(&mut e.line, config.max_line_bytes);
                outcome.truncated += 1;
            }
            normalise_fields(&mut e);
            accepted.push(e);
        }
        let c = &self.inner.counters;
        c.rejected
            .fetch_add(outcome.rejected.len() as u64, Ordering::Relaxed);
        if accepted.is_empty() && state.is_none() {
            return Ok(outcome);
        }
        let record = encode_batch(&accepted, state.as_ref());
        let bytes: u64 = accepted.iter().map(|e| e.line.len() as u64).sum();
        let entries: Vec<(LogEntry, u64)> = accepted
            .into_iter()
            .map(|e| {
                let fp = fingerprint(&e.stream);
                (e, fp)
            })
            .collect();
        outcome.accepted = entries.len();
        let pending_len = {
            // The WAL lock is held until the batch is queued, so pending
            // batches stay in WAL order.
            let mut wal = self.inner.wal.lock();
            let end = wal.append(&[record]).map_err(|e| {
                if e.kind() == std::io::ErrorKind::StorageFull {
                    LogStoreError::Backpressure(e.to_string())
                } else {
                    LogStoreError::Io(e)
                }
            })?;
            if let Some(s) = state {
                self.inner.source_states.lock().insert(s.key, s.state);
            }
            let mut state = self.inner.state.write();
            state.pending.push_back(Arc::new(Batch { end, entries }));
            state.pending.iter().map(|b| b.entries.len()).sum::<usize>()
        };
        c.appended
            .fetch_add(outcome.accepted as u64, Ordering::Relaxed);
        c.appended_bytes.fetch_add(bytes, Ordering::Relaxed);
        c.truncated
            .fetch_add(outcome.truncated as u64, Ordering::Relaxed);
        if pending_len >= COMMIT_EARLY_ENTRIES {
            self.wake_committer();
        }
        Ok(outcome)
    }

    fn wake_committer(&self) {
        self.inner.wake.flags.lock().0 = true;
        self.inner.wake.cv.notify_one();
    }

    /// Commits everything pending now (the commit thread does this on its
    /// own every `commit_interval`).
    pub fn commit(&self) -> Result<(), LogStoreError> {
        self.inner.commit_once()
    }

    /// Applies retention now (the commit thread does this every minute).
    pub fn maintain(&self) -> Result<(), LogStoreError> {
        self.inner.maintain()
    }

    /// The partitions' names, oldest first.
    pub fn partition_names(&self) -> Vec<String> {
        self.inner
            .state
            .read()
            .partitions
            .values()
            .map(|p| p.name.clone())
            .collect()
    }

    /// Self-metrics in Prometheus' text format.
    pub fn encode_metrics(&self, out: &mut String) {
        let c = &self.inner.counters;
        let (partitions, pending) = {
            let s = self.inner.state.read();
            (
                s.partitions.len(),
                s.pending.iter().map(|b| b.entries.len()).sum::<usize>(),
            )
        };
        let wal_bytes = self.inner.wal.lock().pending_bytes();
        let rows: [(&str, &str, &str, u64); 9] = [
            (
                "watchpost_logs_appended_entries_total",
                "counter",
                "Log entries stored.",
                c.appended.load(Ordering::Relaxed),
            ),
            (
                "watchpost_logs_appended_bytes_total",
                "counter",
                "Bytes of log lines stored.",
                c.appended_bytes.load(Ordering::Relaxed),
            ),
            (
                "watchpost_logs_rejected_entries_total",
                "counter",
                "Log entries refused (too old, bad index name, no labels).",
                c.rejected.load(Ordering::Relaxed),
            ),
            (
                "watchpost_logs_truncated_lines_total",
                "counter",
                "Log lines cut to the maximum line size.",
                c.truncated.load(Ordering::Relaxed),
            ),
            (
                "watchpost_logs_commits_total",
                "counter",
                "Commits of pending log entries to the indices.",
                c.commits.load(Ordering::Relaxed),
            ),
            (
                "watchpost_logs_commit_failures_total",
                "counter",
                "Failed commits (retried).",
                c.commit_failures.load(Ordering::Relaxed),
            ),
            (
                "watchpost_logs_partitions",
                "gauge",
                "Log partitions (one per log type and day).",
                partitions as u64,
            ),
            (
                "watchpost_logs_pending_entries",
                "gauge",
                "Entries in the write-ahead log not yet committed to an index.",
                pending as u64,
            ),
            (
                "watchpost_logs_wal_bytes",
                "gauge",
                "Bytes of write-ahead log not yet committed.",
                wal_bytes,
            ),
        ];
        for (name, kind, help, value) in rows {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
            ));
        }
    }
}

impl Inner {
    fn partition(&self, day: i64, index: &Arc<str>) -> Result<Arc<Partition>, LogStoreError> {
        if let Some(p) = self.state.read().partitions.get(&(day, index.clone())) {
            return Ok(p.clone());
        }
        let p = Arc::new(Partition::open(&self.config.dir, index, day)?);
        let mut state = self.state.write();
        Ok(state
            .partitions
            .entry((day, index.clone()))
            .or_insert(p)
            .clone())
    }

    fn commit_once(&self) -> Result<(), LogStoreError> {
        let _only_one = self.commit_lock.lock();
        let batches: Vec<Arc<Batch>> = self.state.read().pending.iter().cloned().collect();
        let Some(through) = batches.last().map(|b| b.end) else {
            return Ok(());
        };
        let mut touched: HashMap<(i64, Arc<str>), Arc<Partition>> = HashMap::new();
        let result = (|| {
            for batch in &batches {
                for (entry, fp) in &batch.entries {
                    let key = (day_of(entry.ts_ns), entry.index.clone());
                    let p = match touched.get(&key) {
                        Some(p) => p.clone(),
                        None => {
                            let p = self.partition(key.0, &key.1)?;
                            touched.insert(key, p.clone());
                            p
                        }
                    };
                    if p.committed() < batch.end {
                        p.add(entry, *fp)?;
                    }
                }
            }
            for p in touched.values() {
                p.commit(through)?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            self.counters
                .commit_failures
                .fetch_add(1, Ordering::Relaxed);
            for p in touched.values() {
                p.rollback();
            }
            return Err(e);
        }
        {
            let mut state = self.state.write();
            for p in touched.values() {
                p.reload()?;
            }
            state.pending.drain(..batches.len());
        }
        // Sources' states are kept beside the WAL before it is acknowledged
        // (a newer state than the commit is harmless: replay restores the
        // newest one the WAL holds anyway).
        let states = self.source_states.lock().clone();
        write_source_states(&self.config.dir.join(SOURCE_STATES), &states)?;
        self.wal.lock().ack(through)?;
        self.counters.commits.fetch_add(1, Ordering::Relaxed);
        let partitions: Vec<Arc<Partition>> =
            self.state.read().partitions.values().cloned().collect();
        for p in partitions {
            p.close_writer_if_idle(WRITER_IDLE);
        }
        Ok(())
    }

    fn maintain(&self) -> Result<(), LogStoreError> {
        let oldest = oldest_day(&self.config);
        let mut doomed: Vec<Arc<Partition>> = Vec::new();
        {
            let mut state = self.state.write();
            let expired: Vec<_> = state
                .partitions
                .keys()
                .filter(|(day, _)| *day < oldest)
                .cloned()
                .collect();
            for key in expired {
                doomed.extend(state.partitions.remove(&key));
            }
        }
        if let Some(max) = self.config.max_bytes {
            let sized: Vec<((i64, Arc<str>), u64)> = self
                .state
                .read()
                .partitions
                .iter()
                .map(|(k, p)| (k.clone(), p.size_bytes()))
                .collect();
            let mut total: u64 = sized.iter().map(|(_, s)| s).sum();
            let today = day_of(crate::util::now_ms() * 1_000_000);
            let mut state = self.state.write();
            for (key, size) in sized {
                if total <= max || key.0 >= today {
                    break;
                }
                doomed.extend(state.partitions.remove(&key));
                total -= size;
            }
        }
        for p in doomed {
            tracing::info!(partition = %p.name, "log retention: dropping partition");
            p.delete()?;
        }
        Ok(())
    }
}

fn commit_loop(weak: Weak<Inner>, wake: Arc<Wake>, interval: Duration) {
    let mut last_maintain = Instant::now();
    loop {
        {
            // Wait without holding the store, so dropping it ends the loop.
            let mut flags = wake.flags.lock();
            if !flags.0 && !flags.1 {
                wake.cv.wait_for(&mut flags, interval);
            }
            if flags.1 {
                return;
            }
            flags.0 = false;
        }
        let Some(inner) = weak.upgrade() else { return };
        if let Err(e) = inner.commit_once() {
            tracing::error!(error = %e, "log store commit failed; will retry");
        }
        if last_maintain.elapsed() >= MAINTAIN_EVERY {
            last_maintain = Instant::now();
            if let Err(e) = inner.maintain() {
                tracing::error!(error = %e, "log retention failed");
            }
        }
    }
}

/// File of the sources' states, as of the last commit.
const SOURCE_STATES: &str = "sources.json";

fn read_source_states(path: &std::path::Path) -> Result<HashMap<String, Vec<u8>>, LogStoreError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            LogStoreError::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HashMap::new()),
        Err(e) => Err(e.into()),
    }
}

fn write_source_states(
    path: &std::path::Path,
    states: &HashMap<String, Vec<u8>>,
) -> Result<(), LogStoreError> {
    let bytes = serde_json::to_vec(states).expect("plain data");
    Ok(crate::util::write_atomic(path, &bytes)?)
}

/// The first UTC day retention keeps.
fn oldest_day(config: &LogStoreConfig) -> i64 {
    let now_ns = crate::util::now_ms().saturating_mul(1_000_000);
    day_of(now_ns.saturating_sub(config.retention.as_nanos().min(i64::MAX as u128) as i64))
}

fn check(e: &LogEntry, oldest_day: i64) -> Result<(), String> {
    if !valid_index_name(&e.index) {
        return Err(format!(
            "invalid index name {:?}: lowercase letters, digits, '-' and '_' only",
            e.index
        ));
    }
    if e.stream.is_empty() {
        return Err("entry has no stream labels".into());
    }
    if day_of(e.ts_ns) < oldest_day {
        return Err(format!(
            "entry too old: {} is outside the retention period",
            crate::util::rfc3339_nanos(e.ts_ns)
        ));
    }
    if e.ts_ns > crate::util::now_ms().saturating_mul(1_000_000) + DAY_NS {
        return Err(format!(
            "entry too far in the future: {}",
            crate::util::rfc3339_nanos(e.ts_ns)
        ));
    }
    Ok(())
}

/// Cuts `line` to at most `max` bytes (on a character boundary) and says so.
fn truncate_line(line: &mut String, max: usize) {
    let mut end = max.min(line.len());
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    let cut = line.len() - end;
    line.truncate(end);
    line.push_str(&format!(" [truncated {cut} bytes]"));
}

/// Fields sorted by name, each name once (the first value wins), so an
/// entry looks the same from memory and from the index.
fn normalise_fields(e: &mut LogEntry) {
    if e.fields.is_empty() {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    e.fields.retain(|(n, _)| seen.insert(n.clone()));
    e.fields.sort_by(|a, b| a.0.cmp(&b.0));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_on_a_character_boundary() {
        let mut line = "é".repeat(10);
        truncate_line(&mut line, 5);
        assert_eq!(line, "éé [truncated 16 bytes]");
    }
}
