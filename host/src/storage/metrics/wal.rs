//! The write-ahead log: every new series and every accepted batch of samples
//! is appended as a checksummed record and synced to disk before the append
//! is acknowledged, so acknowledged samples survive `kill -9`. On start the
//! log is replayed into the head; a torn or corrupt tail (a crash mid-write)
//! is cut off with a warning instead of failing the start.
//!
//! When the head is cut into a block, the log is checkpointed: the head's
//! current series and compressed chunks are written to `checkpoint`
//! (atomically, by rename) and the live log starts empty. Replay reads the
//! checkpoint, then the live log.
//!
//! A deletion (`delete_series`) is logged as a record too, and replayed in
//! order: it removes what was appended before it, not what came after.
//!
//! Record: `len: u32 LE | crc32(type + payload): u32 LE | type: u8 | payload`.

use super::chunk::{self, XorChunk};
use super::codec::{ByteReader, put_str};
use super::head::{Head, SeriesId};
use super::labels::Labels;
use lz4_flex::frame::{FrameDecoder, FrameEncoder};
use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

mod samples;

const SERIES: u8 = 1;
/// Samples, 24 bytes each (earlier builds; still replayed).
const SAMPLES_V1: u8 = 2;
const CHUNK: u8 = 3;
const DELETE: u8 = 4;
/// A series' head samples as one stored chunk (checkpoints).
const RUN: u8 = 5;
/// Samples in columns (`wal/samples.rs`).
const SAMPLES: u8 = 6;
/// Largest record accepted on replay; anything larger is corruption.
const MAX_RECORD: u32 = 256 << 20;

/// One replayed record.
#[derive(Debug, Clone, PartialEq)]
pub enum WalRecord {
    /// A series was created.
    Series(SeriesId, Labels),
    /// Samples were accepted: (series, t, v).
    Samples(Vec<(SeriesId, i64, f64)>),
    /// A compressed head chunk of a series (checkpoints of earlier builds).
    Chunk(SeriesId, XorChunk),
    /// A run of a series' samples, in order (checkpoints): appended to the
    /// head as they came.
    Run(SeriesId, Vec<(i64, f64)>),
    /// The samples of a series in `[start, end]` were deleted.
    Delete(SeriesId, i64, i64),
}

/// The open log.
pub struct Wal {
    dir: PathBuf,
    path: PathBuf,
    file: File,
    buf: Vec<u8>,
    size: u64,
    checkpoint_size: u64,
    sync: Arc<GroupSync>,
}

/// When the metrics WAL is fsynced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WalSync {
    /// Before an append is acknowledged (one fsync shared by the appends
    /// written meanwhile): acknowledged samples survive a power loss.
    #[default]
    Append,
    /// In the background at this interval. Appends are still written to
    /// the OS before they are acknowledged, so they survive `kill -9` and
    /// any crash of Watchpost (Prometheus' and VictoriaMetrics' guarantee);
    /// a power loss can lose the last interval.
    Interval(Duration),
}

/// Group commit: appends write their records under the log's lock, then
/// wait here, outside it, until an fsync covers them; one fsync serves
/// every append written before it started.
pub struct GroupSync {
    file: File,
    mode: WalSync,
    /// Bytes ever written to the log (never reset, unlike the file).
    written: AtomicU64,
    /// (bytes known durable, an fsync is running).
    state: Mutex<(u64, bool)>,
    done: Condvar,
}

impl GroupSync {
    /// Returns once every byte up to `target` (a [`Wal::write`] result) is
    /// on disk, syncing if no running sync covers it.
    /// With [`WalSync::Interval`] the bytes are with the OS already and
    /// this returns at once; the background sync covers them.
    pub fn wait_durable(&self, target: u64) -> std::io::Result<()> {
        match self.mode {
            WalSync::Append => self.sync_to(target),
            WalSync::Interval(_) => Ok(()),
        }
    }

    /// Syncs until every byte up to `target` is on disk.
    fn sync_to(&self, target: u64) -> std::io::Result<()> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if state.0 >= target {
                return Ok(());
            }
            if !state.1 {
                state.1 = true;
                let covered = self.written.load(Ordering::Acquire);
                drop(state);
                let result = self.file.sync_data();
                state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                state.1 = false;
                if result.is_ok() {
                    state.0 = state.0.max(covered);
                }
                self.done.notify_all();
                result?;
            } else {
                state = self.done.wait(state).unwrap_or_else(|p| p.into_inner());
            }
        }
    }

    /// Everything written so far is durable (a checkpoint replaced it).
    fn all_durable(&self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.0 = state.0.max(self.written.load(Ordering::Acquire));
        self.done.notify_all();
    }
}

fn decode(kind: u8, payload: &[u8]) -> Option<WalRecord> {
    let mut c = ByteReader(payload);
    match kind {
        SERIES => {
            let id = c.u64()?;
            let n = c.u32()? as usize;
            let mut pairs = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                pairs.push((c.str()?, c.str()?));
            }
            Some(WalRecord::Series(id, Labels::new(pairs).ok()?))
        }
        SAMPLES_V1 => samples::decode_v1(payload).map(WalRecord::Samples),
        SAMPLES => samples::decode(payload).map(WalRecord::Samples),
        CHUNK => {
            let id = c.u64()?;
            Some(WalRecord::Chunk(id, XorChunk::from_bytes(c.rest())?))
        }
        RUN => {
            let id = c.u64()?;
            let mut samples = Vec::new();
            XorChunk::decode_into(c.rest(), &mut samples, |_| true)?;
            Some(WalRecord::Run(id, samples))
        }
        DELETE => Some(WalRecord::Delete(
            c.u64()?,
            c.u64()? as i64,
            c.u64()? as i64,
        )),
        _ => None,
    }
}

fn encode_record(buf: &mut Vec<u8>, kind: u8, payload: &[u8]) {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&[kind]);
    hasher.update(payload);
    buf.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    buf.extend_from_slice(&hasher.finalize().to_le_bytes());
    buf.push(kind);
    buf.extend_from_slice(payload);
}

fn series_payload(id: SeriesId, labels: &Labels) -> Vec<u8> {
    let mut p = Vec::with_capacity(64);
    p.extend_from_slice(&id.to_le_bytes());
    p.extend_from_slice(&(labels.len() as u32).to_le_bytes());
    for (n, v) in labels.iter() {
        put_str(&mut p, n);
        put_str(&mut p, v);
    }
    p
}

/// Replays the records of `reader` (`len` bytes at most) until its end or
/// the first torn or corrupt record; returns the bytes of whole records.
fn replay(
    reader: &mut dyn Read,
    len: u64,
    path: &Path,
    each: &mut dyn FnMut(WalRecord),
) -> std::io::Result<u64> {
    let mut good: u64 = 0;
    let mut header = [0u8; 9];
    loop {
        if reader.read_exact(&mut header).is_err() {
            break;
        }
        let size = u32::from_le_bytes(header[..4].try_into().expect("4 bytes"));
        let crc = u32::from_le_bytes(header[4..8].try_into().expect("4 bytes"));
        if size > MAX_RECORD || good + 9 + u64::from(size) > len {
            break;
        }
        let mut payload = vec![0u8; size as usize];
        if reader.read_exact(&mut payload).is_err() {
            break;
        }
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&header[8..9]);
        hasher.update(&payload);
        if hasher.finalize() != crc {
            break;
        }
        let Some(record) = decode(header[8], &payload) else {
            break;
        };
        each(record);
        good += 9 + u64::from(size);
    }
    if good < len && len != u64::MAX {
        tracing::warn!(
            wal = %path.display(),
            kept_bytes = good,
            dropped_bytes = len - good,
            "write-ahead log has a torn or corrupt tail (an interrupted write); truncating it"
        );
    }
    Ok(good)
}

/// Replays a checkpoint: an LZ4 frame of records (series labels repeat
/// their names and values, which compresses to a third), or, as written by
/// earlier builds, plain records. An LZ4 frame's magic read as a record
/// length would exceed [`MAX_RECORD`], so the two cannot be confused.
fn replay_checkpoint(
    mut file: File,
    path: &Path,
    each: &mut dyn FnMut(WalRecord),
) -> std::io::Result<()> {
    let len = file.metadata()?.len();
    let mut magic = [0u8; 4];
    let framed = file.read_exact(&mut magic).is_ok() && u32::from_le_bytes(magic) == LZ4_MAGIC;
    file.seek(SeekFrom::Start(0))?;
    if !framed {
        replay(&mut BufReader::new(file), len, path, each)?;
        return Ok(());
    }
    let mut frame = FrameDecoder::new(BufReader::new(file));
    replay(&mut frame, u64::MAX, path, each)?;
    // A whole checkpoint decodes to its end; anything left is damage.
    let mut rest = [0u8; 1];
    if !matches!(frame.read(&mut rest), Ok(0)) {
        tracing::error!(
            checkpoint = %path.display(),
            "WAL checkpoint is damaged; the head samples after the damage are lost"
        );
    }
    Ok(())
}

/// The LZ4 frame format's magic number.
const LZ4_MAGIC: u32 = 0x184D_2204;

/// Syncs `sync`'s log every `every` while the log is open.
fn spawn_background_sync(sync: Weak<GroupSync>, every: Duration) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("wal-sync".into())
        .spawn(move || {
            loop {
                std::thread::sleep(every);
                let Some(sync) = sync.upgrade() else { return };
                let written = sync.written.load(Ordering::Acquire);
                if let Err(e) = sync.sync_to(written) {
                    tracing::error!(error = %e, "metrics WAL: background fsync failed");
                }
            }
        })
        .map(drop)
}

impl Wal {
    /// Opens (creating) the log in `dir` and replays the checkpoint and the
    /// live log through `each`.
    pub fn open(
        dir: &Path,
        mode: WalSync,
        mut each: impl FnMut(WalRecord),
    ) -> std::io::Result<Wal> {
        std::fs::create_dir_all(dir)?;
        let checkpoint = dir.join("checkpoint");
        let mut checkpoint_size = 0;
        if let Ok(file) = File::open(&checkpoint) {
            checkpoint_size = file.metadata()?.len();
            replay_checkpoint(file, &checkpoint, &mut each)?;
        }
        let path = dir.join("wal");
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)?;
        let len = file.metadata()?.len();
        let good = replay(&mut BufReader::new(&mut file), len, &path, &mut each)?;
        if good < file.metadata()?.len() {
            file.set_len(good)?;
            file.sync_all()?;
        }
        file.seek(SeekFrom::End(0))?;
        let sync = Arc::new(GroupSync {
            file: file.try_clone()?,
            mode,
            written: AtomicU64::new(0),
            state: Mutex::new((0, false)),
            done: Condvar::new(),
        });
        if let WalSync::Interval(every) = mode {
            spawn_background_sync(Arc::downgrade(&sync), every)?;
        }
        Ok(Wal {
            dir: dir.to_path_buf(),
            path,
            file,
            buf: Vec::new(),
            size: good,
            checkpoint_size,
            sync,
        })
    }

    /// Replaces everything logged so far by the head's current state, then
    /// empties the live log. Call with appends excluded (under the same lock).
    pub fn checkpoint(&mut self, head: &Head) -> std::io::Result<()> {
        self.commit()?;
        // Records go to the compressor series by series: the head is never
        // held twice in memory.
        let tmp = self.dir.join("checkpoint.tmp");
        let mut frame = FrameEncoder::new(BufWriter::new(File::create(&tmp)?));
        let mut out = Vec::new();
        for (id, labels, chunks, ooo) in head.snapshot() {
            out.clear();
            encode_record(&mut out, SERIES, &series_payload(id, labels));
            // The head's chunks merged into runs as long as a stored chunk
            // allows: one record and one chunk header per series.
            for run in chunk::merged_runs(chunks, chunk::MAX_STORED_SAMPLES) {
                let mut p = id.to_le_bytes().to_vec();
                p.extend_from_slice(&chunk::encode_stored(&run));
                encode_record(&mut out, RUN, &p);
            }
            if !ooo.is_empty() {
                let samples: Vec<(SeriesId, i64, f64)> =
                    ooo.iter().map(|(t, v)| (id, *t, *v)).collect();
                encode_record(&mut out, SAMPLES, &samples::encode(&samples));
            }
            frame.write_all(&out)?;
        }
        let f = frame
            .finish()
            .map_err(std::io::Error::other)?
            .into_inner()
            .map_err(|e| e.into_error())?;
        f.sync_all()?;
        let written = f.metadata()?.len();
        std::fs::rename(&tmp, self.dir.join("checkpoint"))?;
        File::open(&self.dir)?.sync_all()?;
        self.file.set_len(0)?;
        self.file.sync_all()?;
        self.file.seek(SeekFrom::End(0))?;
        self.size = 0;
        self.checkpoint_size = written;
        // Appends still waiting for their fsync are in the (synced)
        // checkpoint now.
        self.sync.all_durable();
        Ok(())
    }

    /// Buffers a series record.
    pub fn log_series(&mut self, id: SeriesId, labels: &Labels) {
        encode_record(&mut self.buf, SERIES, &series_payload(id, labels));
    }

    /// Buffers a samples record.
    pub fn log_samples(&mut self, samples: &[(SeriesId, i64, f64)]) {
        if !samples.is_empty() {
            encode_record(&mut self.buf, SAMPLES, &samples::encode(samples));
        }
    }

    /// Buffers a deletion of series `id`'s samples in `[start, end]`.
    pub fn log_delete(&mut self, id: SeriesId, start: i64, end: i64) {
        let mut p = Vec::with_capacity(24);
        for x in [id, start as u64, end as u64] {
            p.extend_from_slice(&x.to_le_bytes());
        }
        encode_record(&mut self.buf, DELETE, &p);
    }

    /// Writes the buffered records and syncs them to disk.
    pub fn commit(&mut self) -> std::io::Result<()> {
        let target = self.write()?;
        self.sync.wait_durable(target)
    }

    /// Writes the buffered records without syncing; returns the position to
    /// pass to [`GroupSync::wait_durable`] (see [`Wal::group_sync`]).
    pub fn write(&mut self) -> std::io::Result<u64> {
        if !self.buf.is_empty() {
            self.file.write_all(&self.buf)?;
            self.size += self.buf.len() as u64;
            self.sync
                .written
                .fetch_add(self.buf.len() as u64, Ordering::AcqRel);
            self.buf.clear();
        }
        Ok(self.sync.written.load(Ordering::Acquire))
    }

    /// The group commit shared by this log's writers.
    pub fn group_sync(&self) -> Arc<GroupSync> {
        Arc::clone(&self.sync)
    }

    /// Bytes on disk (checkpoint and live log).
    pub fn size(&self) -> u64 {
        self.size + self.checkpoint_size
    }

    /// Whether the live log has outgrown both `floor` bytes and the last
    /// checkpoint: replaying it costs more than a checkpoint of the head.
    pub fn outgrown(&self, floor: u64) -> bool {
        self.size > floor.max(self.checkpoint_size)
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(job: &str) -> Labels {
        Labels::new([("__name__", "up"), ("job", job)]).unwrap()
    }

    fn replay(dir: &Path) -> Vec<WalRecord> {
        let mut out = Vec::new();
        Wal::open(dir, WalSync::Append, |r| out.push(r)).unwrap();
        out
    }

    #[test]
    fn logs_of_earlier_builds_with_24_byte_samples_still_replay() {
        let dir = tempfile::tempdir().unwrap();
        let old = [(0, 1000, 1.5), (0, 2000, f64::INFINITY)];
        let mut log = Vec::new();
        encode_record(&mut log, SERIES, &series_payload(0, &labels("a")));
        encode_record(&mut log, SAMPLES_V1, &samples::encode_v1(&old));
        std::fs::write(dir.path().join("wal"), &log).unwrap();
        let mut wal = Wal::open(dir.path(), WalSync::Append, |_| {}).unwrap();
        // New records follow the old ones in the same log.
        wal.log_samples(&[(0, 3000, 7.0)]);
        wal.commit().unwrap();
        drop(wal);
        let records = replay(dir.path());
        assert_eq!(records.len(), 3);
        assert_eq!(records[1], WalRecord::Samples(old.to_vec()));
        assert_eq!(records[2], WalRecord::Samples(vec![(0, 3000, 7.0)]));
    }

    #[test]
    fn checkpoints_of_earlier_builds_still_replay_and_damage_is_survived() {
        let dir = tempfile::tempdir().unwrap();
        // Plain records with XOR chunks, as checkpoints were written before.
        let mut chunk = XorChunk::default();
        for t in 0..10 {
            chunk.append(t * 1000, 0.5 * t as f64);
        }
        let mut plain = Vec::new();
        encode_record(&mut plain, SERIES, &series_payload(3, &labels("a")));
        let mut p = 3u64.to_le_bytes().to_vec();
        p.extend_from_slice(&chunk.to_bytes());
        encode_record(&mut plain, CHUNK, &p);
        std::fs::write(dir.path().join("checkpoint"), &plain).unwrap();
        let records = replay(dir.path());
        assert_eq!(records.len(), 2);
        assert_eq!(records[1], WalRecord::Chunk(3, chunk));

        // A compressed checkpoint cut short: what decodes is replayed, the
        // store still opens.
        let mut head = Head::new(1_000_000);
        let mut wal = Wal::open(dir.path(), WalSync::Append, |_| {}).unwrap();
        for job in ["a", "b", "c", "d"] {
            let (id, _) = head.get_or_create(&labels(job));
            for t in 0..300 {
                head.append(id, t * 1000, (t * 7 % 5) as f64, 0).unwrap();
            }
        }
        wal.checkpoint(&head).unwrap();
        drop(wal);
        let path = dir.path().join("checkpoint");
        let whole = std::fs::read(&path).unwrap();
        assert_eq!(
            u32::from_le_bytes(whole[..4].try_into().unwrap()),
            LZ4_MAGIC
        );
        let full = replay(dir.path());
        assert_eq!(full.len(), 8, "a series and a run record per series");
        std::fs::write(&path, &whole[..whole.len() / 2]).unwrap();
        let partial = replay(dir.path());
        assert!(partial.len() < full.len());
        assert_eq!(partial[..], full[..partial.len()]);
    }

    #[test]
    fn background_sync_acknowledges_at_once_and_syncs_soon_after() {
        let dir = tempfile::tempdir().unwrap();
        let every = Duration::from_millis(20);
        let mut wal = Wal::open(dir.path(), WalSync::Interval(every), |_| {}).unwrap();
        let durable = |wal: &Wal| wal.sync.state.lock().unwrap().0;
        wal.log_series(0, &labels("a"));
        wal.log_samples(&[(0, 1000, 1.0)]);
        let started = std::time::Instant::now();
        wal.commit().unwrap();
        let written = wal.sync.written.load(Ordering::Acquire);
        assert!(written > 0);
        let mut synced = durable(&wal);
        while synced < written && started.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(every);
            synced = durable(&wal);
        }
        assert_eq!(synced, written, "the background thread synced the log");
        drop(wal);
        assert_eq!(replay(dir.path()).len(), 2);
        // With the next sync far away, a commit returns unsynced.
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(
            dir.path(),
            WalSync::Interval(Duration::from_secs(600)),
            |_| {},
        )
        .unwrap();
        wal.log_series(0, &labels("a"));
        wal.commit().unwrap();
        assert_eq!(durable(&wal), 0);
    }

    #[test]
    fn replays_what_was_committed() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), WalSync::Append, |_| panic!("empty")).unwrap();
        wal.log_series(0, &labels("a"));
        wal.log_samples(&[(0, 1000, 1.0), (0, 2000, f64::NAN)]);
        wal.commit().unwrap();
        wal.log_samples(&[(0, 3000, 3.0)]);
        // Not committed: lost, as it was never acknowledged.
        drop(wal);
        let records = replay(dir.path());
        assert_eq!(records.len(), 2);
        assert_eq!(records[0], WalRecord::Series(0, labels("a")));
        match &records[1] {
            WalRecord::Samples(s) => {
                assert_eq!(s[0], (0, 1000, 1.0));
                assert!(s[1].2.is_nan());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_checkpoint_replaces_the_log_with_the_head() {
        let dir = tempfile::tempdir().unwrap();
        let mut head = Head::new(1_000_000);
        let mut wal = Wal::open(dir.path(), WalSync::Append, |_| {}).unwrap();
        let (id, _) = head.get_or_create(&labels("a"));
        wal.log_series(id, &labels("a"));
        for t in 0..200 {
            head.append(id, t * 1000, t as f64, 0).unwrap();
            wal.log_samples(&[(id, t * 1000, t as f64)]);
        }
        wal.commit().unwrap();
        let before = wal.size();
        wal.checkpoint(&head).unwrap();
        assert!(
            wal.size() < before / 4,
            "compressed chunks: {} vs {before}",
            wal.size()
        );
        wal.log_samples(&[(id, 500_000, 5.0)]);
        wal.commit().unwrap();
        drop(wal);
        let mut replayed = Head::new(1_000_000);
        Wal::open(dir.path(), WalSync::Append, |r| match r {
            WalRecord::Series(id, l) => replayed.insert(id, l),
            WalRecord::Chunk(id, c) => replayed.restore_chunk(id, c),
            WalRecord::Run(id, s) => {
                for (t, v) in s {
                    replayed.append(id, t, v, i64::MAX).unwrap();
                }
            }
            WalRecord::Samples(s) => {
                for (id, t, v) in s {
                    replayed.append(id, t, v, i64::MAX).unwrap();
                }
            }
            WalRecord::Delete(id, start, end) => {
                replayed.delete(id, start, end);
            }
        })
        .unwrap();
        let samples = replayed.series(id).unwrap().samples(0, i64::MAX);
        assert_eq!(samples.len(), 201);
        assert_eq!(samples[199], (199_000, 199.0));
        assert_eq!(samples[200], (500_000, 5.0));
    }

    #[test]
    fn a_corrupt_tail_is_truncated_and_appending_continues() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), WalSync::Append, |_| {}).unwrap();
        wal.log_series(0, &labels("a"));
        wal.log_samples(&[(0, 1000, 1.0)]);
        wal.commit().unwrap();
        let good = wal.size();
        drop(wal);
        // A torn write: half a record, then garbage.
        let path = dir.path().join("wal");
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&[40, 0, 0, 0, 1, 2, 3, 4, 2, 9, 9]).unwrap();
        drop(f);
        assert_eq!(replay(dir.path()).len(), 2);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), good);

        // Flipped bits inside a committed record stop replay at that record.
        let mut wal = Wal::open(dir.path(), WalSync::Append, |_| {}).unwrap();
        wal.log_samples(&[(0, 2000, 2.0)]);
        wal.commit().unwrap();
        drop(wal);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 3;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(replay(dir.path()).len(), 2);
        let mut wal = Wal::open(dir.path(), WalSync::Append, |_| {}).unwrap();
        wal.log_samples(&[(0, 5000, 5.0)]);
        wal.commit().unwrap();
        drop(wal);
        assert_eq!(replay(dir.path()).len(), 3);
    }
}
