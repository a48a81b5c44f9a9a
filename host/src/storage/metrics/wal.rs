//! The write-ahead log: every new series and every accepted batch of samples
//! is appended as a checksummed record and synced to disk before the append
//! is acknowledged, so acknowledged samples survive `kill -9`. On start the
//! log is replayed into the head; a torn or corrupt tail (a crash mid-write)
//! is cut off with a warning instead of failing the start.
//!
//! Record: `len: u32 LE | crc32(type + payload): u32 LE | type: u8 | payload`.

use super::head::SeriesId;
use super::labels::Labels;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const SERIES: u8 = 1;
const SAMPLES: u8 = 2;
/// Largest record accepted on replay; anything larger is corruption.
const MAX_RECORD: u32 = 256 << 20;

/// One replayed record.
#[derive(Debug, Clone, PartialEq)]
pub enum WalRecord {
    /// A series was created.
    Series(SeriesId, Labels),
    /// Samples were accepted: (series, t, v).
    Samples(Vec<(SeriesId, i64, f64)>),
}

/// The open log.
pub struct Wal {
    path: PathBuf,
    file: File,
    buf: Vec<u8>,
    size: u64,
}

fn put_str(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
}

struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn str(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
}

fn decode(kind: u8, payload: &[u8]) -> Option<WalRecord> {
    let mut c = Cursor(payload);
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
        SAMPLES => {
            let n = c.u32()? as usize;
            let mut samples = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                samples.push((c.u64()?, c.u64()? as i64, f64::from_bits(c.u64()?)));
            }
            Some(WalRecord::Samples(samples))
        }
        _ => None,
    }
}

impl Wal {
    /// Opens (creating) the log in `dir` and replays it through `each`.
    pub fn open(dir: &Path, mut each: impl FnMut(WalRecord)) -> std::io::Result<Wal> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("wal");
        let mut file = OpenOptions::new().read(true).append(true).create(true).open(&path)?;
        let len = file.metadata()?.len();
        let mut reader = BufReader::new(&mut file);
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
            let Some(record) = decode(header[8], &payload) else { break };
            each(record);
            good += 9 + u64::from(size);
        }
        drop(reader);
        if good < len {
            tracing::warn!(
                wal = %path.display(),
                kept_bytes = good,
                dropped_bytes = len - good,
                "write-ahead log has a torn or corrupt tail (an interrupted write); truncating it"
            );
            file.set_len(good)?;
            file.sync_all()?;
        }
        file.seek(SeekFrom::End(0))?;
        Ok(Wal {
            path,
            file,
            buf: Vec::new(),
            size: good,
        })
    }

    fn record(&mut self, kind: u8, payload: &[u8]) {
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&[kind]);
        hasher.update(payload);
        self.buf.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(&hasher.finalize().to_le_bytes());
        self.buf.push(kind);
        self.buf.extend_from_slice(payload);
    }

    /// Buffers a series record.
    pub fn log_series(&mut self, id: SeriesId, labels: &Labels) {
        let mut p = Vec::with_capacity(64);
        p.extend_from_slice(&id.to_le_bytes());
        p.extend_from_slice(&(labels.len() as u32).to_le_bytes());
        for (n, v) in labels.iter() {
            put_str(&mut p, n);
            put_str(&mut p, v);
        }
        self.record(SERIES, &p);
    }

    /// Buffers a samples record.
    pub fn log_samples(&mut self, samples: &[(SeriesId, i64, f64)]) {
        if samples.is_empty() {
            return;
        }
        let mut p = Vec::with_capacity(4 + samples.len() * 24);
        p.extend_from_slice(&(samples.len() as u32).to_le_bytes());
        for (id, t, v) in samples {
            p.extend_from_slice(&id.to_le_bytes());
            p.extend_from_slice(&t.to_le_bytes());
            p.extend_from_slice(&v.to_bits().to_le_bytes());
        }
        self.record(SAMPLES, &p);
    }

    /// Writes the buffered records and syncs them to disk.
    pub fn commit(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.file.write_all(&self.buf)?;
        self.file.sync_data()?;
        self.size += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Bytes on disk.
    pub fn size(&self) -> u64 {
        self.size
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
        Wal::open(dir, |r| out.push(r)).unwrap();
        out
    }

    #[test]
    fn replays_what_was_committed() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), |_| panic!("empty")).unwrap();
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
    fn a_corrupt_tail_is_truncated_and_appending_continues() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), |_| {}).unwrap();
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
        let mut wal = Wal::open(dir.path(), |_| {}).unwrap();
        wal.log_samples(&[(0, 2000, 2.0)]);
        wal.commit().unwrap();
        drop(wal);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 3;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(replay(dir.path()).len(), 2);
        let mut wal = Wal::open(dir.path(), |_| {}).unwrap();
        wal.log_samples(&[(0, 5000, 5.0)]);
        wal.commit().unwrap();
        drop(wal);
        assert_eq!(replay(dir.path()).len(), 3);
    }
}
