//! One partition of the log store: the entries of one log type for one UTC
//! day, in a tantivy index named as the email stack's Elasticsearch indices
//! were (`logs-postfix-2026.11.25`), plus the partition's streams
//! (fingerprint → labels) in `streams.jsonl` beside the index.
//!
//! A partition remembers, in each tantivy commit's payload, the position in
//! the store's write-ahead log up to which it holds every entry; WAL replay
//! after a crash skips what a partition already committed, so an entry is
//! indexed exactly once.

use super::LogStoreError;
use super::entry::LogEntry;
use super::schema::{self, Fields};
use crate::storage::metrics::Labels;
use crate::storage::segment_log::Position;
use crate::util::{civil_from_days, days_from_civil};
use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher};

/// Memory budget of a partition's index writer (tantivy's minimum is 15 MB).
const WRITER_BUDGET: usize = 32 << 20;

/// Nanoseconds in a day.
pub const DAY_NS: i64 = 86_400 * 1_000_000_000;

/// The UTC day (days since the epoch) of a timestamp.
pub fn day_of(ts_ns: i64) -> i64 {
    ts_ns.div_euclid(DAY_NS)
}

/// `logs-<index>-YYYY.MM.dd`.
pub fn partition_name(index: &str, day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("logs-{index}-{y:04}.{m:02}.{d:02}")
}

/// The inverse of [`partition_name`].
pub fn parse_partition_name(name: &str) -> Option<(String, i64)> {
    let rest = name.strip_prefix("logs-")?;
    let (index, date) = rest.rsplit_once('-')?;
    let mut parts = date.split('.');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !valid_index_name(index) || !(1..=12).contains(&m) {
        return None;
    }
    Some((index.to_string(), days_from_civil(y, m, d)))
}

/// Index names are what Elasticsearch allows and a path can hold safely:
/// lowercase letters, digits, `-` and `_`, not starting with `-` or `_`.
pub fn valid_index_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with(['-', '_'])
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

struct WriterState {
    writer: Option<IndexWriter>,
    /// Streams added since the last commit (persisted by it).
    new_streams: Vec<(u64, Labels)>,
    last_write: Instant,
}

/// A partition.
pub struct Partition {
    /// `logs-<index>-<date>`.
    pub name: String,
    /// The log type.
    pub index_name: Arc<str>,
    /// UTC day.
    pub day: i64,
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    streams: RwLock<HashMap<u64, Labels>>,
    writer: Mutex<WriterState>,
    committed: Mutex<Position>,
}

impl Partition {
    /// Opens the partition in `root`, creating it if needed.
    pub fn open(root: &Path, index_name: &str, day: i64) -> Result<Partition, LogStoreError> {
        let name = partition_name(index_name, day);
        let dir = root.join(&name);
        let index_dir = dir.join("index");
        std::fs::create_dir_all(&index_dir)?;
        let (schema, fields) = schema::schema();
        let directory = MmapDirectory::open(&index_dir).map_err(tantivy::TantivyError::from)?;
        let index = Index::open_or_create(directory, schema)?;
        schema::register_analyzers(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let committed = index
            .load_metas()?
            .payload
            .and_then(|p| Position::from_bytes(&hex_decode(&p)?))
            .unwrap_or_default();
        let streams = read_streams(&dir.join("streams.jsonl"))?;
        Ok(Partition {
            name,
            index_name: index_name.into(),
            day,
            dir,
            index,
            reader,
            fields,
            streams: RwLock::new(streams),
            writer: Mutex::new(WriterState {
                writer: None,
                new_streams: Vec::new(),
                last_write: Instant::now(),
            }),
            committed: Mutex::new(committed),
        })
    }

    /// The WAL position up to which this partition holds every entry.
    pub fn committed(&self) -> Position {
        *self.committed.lock()
    }

    /// Queues `entry` (of stream `fingerprint`) for the next commit.
    pub fn add(&self, entry: &LogEntry, fingerprint: u64) -> Result<(), LogStoreError> {
        let mut w = self.writer.lock();
        if w.writer.is_none() {
            w.writer = Some(self.index.writer_with_num_threads(1, WRITER_BUDGET)?);
        }
        if !self.streams.read().contains_key(&fingerprint) {
            self.streams
                .write()
                .insert(fingerprint, entry.stream.clone());
            w.new_streams.push((fingerprint, entry.stream.clone()));
        }
        let doc = schema::to_document(&self.fields, entry, fingerprint);
        w.writer
            .as_ref()
            .expect("created above")
            .add_document(doc)?;
        w.last_write = Instant::now();
        Ok(())
    }

    /// Makes everything added durable in the index, recording that the
    /// partition holds the WAL up to `through`. The new documents become
    /// visible to searchers at [`Partition::reload`].
    pub fn commit(&self, through: Position) -> Result<(), LogStoreError> {
        let mut w = self.writer.lock();
        if !w.new_streams.is_empty() {
            append_streams(&self.dir.join("streams.jsonl"), &w.new_streams)?;
            w.new_streams.clear();
        }
        if let Some(writer) = w.writer.as_mut() {
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&hex_encode(&through.to_bytes()));
            prepared.commit()?;
        }
        *self.committed.lock() = through;
        Ok(())
    }

    /// Makes committed documents visible to new searchers.
    pub fn reload(&self) -> Result<(), LogStoreError> {
        Ok(self.reader.reload()?)
    }

    /// Drops the index writer (and its memory) if nothing was written for
    /// `idle`; call after a commit.
    pub fn close_writer_if_idle(&self, idle: std::time::Duration) {
        let mut w = self.writer.lock();
        if w.new_streams.is_empty()
            && w.last_write.elapsed() >= idle
            && let Some(writer) = w.writer.take()
        {
            // Wait for merges so the files are settled; errors only mean a
            // merge did not happen.
            let _ = writer.wait_merging_threads();
        }
    }

    /// A searcher over what is committed and reloaded.
    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// The schema's fields.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The partition's streams `keep` accepts, and how many streams it has
    /// in all (only the accepted ones are copied).
    pub fn streams_where(&self, keep: impl Fn(&Labels) -> bool) -> (HashMap<u64, Labels>, usize) {
        let streams = self.streams.read();
        let kept = streams
            .iter()
            .filter(|(_, l)| keep(l))
            .map(|(fp, l)| (*fp, l.clone()))
            .collect();
        (kept, streams.len())
    }

    /// Bytes on disk.
    pub fn size_bytes(&self) -> u64 {
        dir_size(&self.dir)
    }

    /// Discards what was added since the last commit (after a failed one).
    pub fn rollback(&self) {
        let mut w = self.writer.lock();
        if let Some(writer) = w.writer.as_mut()
            && let Err(e) = writer.rollback()
        {
            tracing::warn!(partition = %self.name, error = %e, "log index rollback failed; reopening the writer");
            w.writer = None;
        }
        // Streams stay known in memory; they are persisted again with the
        // next commit that writes to them.
        let lost = std::mem::take(&mut w.new_streams);
        drop(w);
        let mut streams = self.streams.write();
        for (fp, _) in lost {
            streams.remove(&fp);
        }
    }

    /// Deletes the partition from disk (the caller has dropped it from the
    /// store first; searches still holding it keep reading their mapped
    /// files).
    pub fn delete(&self) -> Result<(), LogStoreError> {
        self.writer.lock().writer = None;
        std::fs::remove_dir_all(&self.dir)?;
        Ok(())
    }
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StreamLine {
    fp: String,
    labels: Vec<(String, String)>,
}

fn read_streams(path: &Path) -> Result<HashMap<u64, Labels>, LogStoreError> {
    let mut out = HashMap::new();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e.into()),
    };
    for line in std::io::BufReader::new(file).lines() {
        let line = line?;
        // A torn last line (crash mid-append) is skipped: the WAL replay
        // that follows adds the stream again.
        let Ok(s) = serde_json::from_str::<StreamLine>(&line) else {
            continue;
        };
        let (Ok(fp), Ok(labels)) = (u64::from_str_radix(&s.fp, 16), Labels::stream(s.labels))
        else {
            continue;
        };
        out.insert(fp, labels);
    }
    Ok(out)
}

fn append_streams(path: &Path, streams: &[(u64, Labels)]) -> Result<(), LogStoreError> {
    let mut text = String::new();
    for (fp, labels) in streams {
        let line = StreamLine {
            fp: format!("{fp:016x}"),
            labels: labels
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        };
        text.push_str(&serde_json::to_string(&line).expect("plain data"));
        text.push('\n');
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_data()?;
    Ok(())
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_round_trip() {
        let day = days_from_civil(2026, 11, 25);
        assert_eq!(
            partition_name("email-service", day),
            "logs-email-service-2026.11.25"
        );
        assert_eq!(
            parse_partition_name("logs-email-service-2026.11.25"),
            Some(("email-service".to_string(), day))
        );
        assert_eq!(parse_partition_name("logs-Bad-2026.11.25"), None);
        assert_eq!(parse_partition_name("logs-x-2026.13.01"), None);
        assert_eq!(parse_partition_name("other"), None);
        assert!(valid_index_name("celery-worker"));
        assert!(!valid_index_name("../etc"));
        assert!(!valid_index_name("_x"));
    }

    #[test]
    fn hex_round_trips() {
        let p = Position {
            segment: 3,
            offset: 1 << 40,
        };
        assert_eq!(
            Position::from_bytes(&hex_decode(&hex_encode(&p.to_bytes())).unwrap()),
            Some(p)
        );
        assert_eq!(hex_decode("abc"), None);
    }
}
