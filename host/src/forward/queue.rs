//! A disk-backed FIFO of sample batches for one forwarder: append-only
//! segment files of checksummed records, plus a cursor of what the receiver
//! acknowledged. A batch is synced before the append that produced it is
//! acknowledged, and only dropped from disk once the receiver said 2xx, so
//! neither a receiver outage nor a Watchpost restart loses samples.

use crate::storage::metrics::codec::{ByteReader, put_str};
use crate::storage::metrics::{Labels, Sample};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// A segment is closed for writing past this size.
const SEGMENT_BYTES: u64 = 64 << 20;

/// A read position: segment number and byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    segment: u64,
    offset: u64,
}

/// The queue.
pub struct DiskQueue {
    dir: PathBuf,
    write_segment: u64,
    writer: File,
    write_offset: u64,
    cursor: Position,
    max_bytes: u64,
}

fn segment_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{n:010}.seg"))
}

fn segments(dir: &Path) -> std::io::Result<Vec<u64>> {
    let mut out: Vec<u64> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".seg")?.parse().ok())
        .collect();
    out.sort();
    Ok(out)
}

fn encode(samples: &[Sample]) -> Vec<u8> {
    let mut p = Vec::with_capacity(samples.len() * 64);
    p.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    for s in samples {
        p.extend_from_slice(&(s.labels.len() as u32).to_le_bytes());
        for (n, v) in s.labels.iter() {
            put_str(&mut p, n);
            put_str(&mut p, v);
        }
        p.extend_from_slice(&s.t.to_le_bytes());
        p.extend_from_slice(&s.v.to_bits().to_le_bytes());
    }
    p
}

fn decode(payload: &[u8]) -> Option<Vec<Sample>> {
    let mut r = ByteReader(payload);
    let n = r.u32()? as usize;
    let mut out = Vec::with_capacity(n.min(1 << 16));
    for _ in 0..n {
        let nl = r.u32()? as usize;
        let mut pairs = Vec::with_capacity(nl.min(256));
        for _ in 0..nl {
            pairs.push((r.str()?, r.str()?));
        }
        let t = r.u64()? as i64;
        let v = f64::from_bits(r.u64()?);
        out.push(Sample {
            labels: Labels::new(pairs).ok()?,
            t,
            v,
        });
    }
    Some(out)
}

/// Reads the record at `offset` of `file`: (samples, next offset).
fn read_record(file: &File, offset: u64, len: u64) -> Option<(Vec<Sample>, u64)> {
    if offset + 8 > len {
        return None;
    }
    let mut header = [0u8; 8];
    file.read_exact_at(&mut header, offset).ok()?;
    let size = u32::from_le_bytes(header[..4].try_into().ok()?) as u64;
    let crc = u32::from_le_bytes(header[4..].try_into().ok()?);
    if offset + 8 + size > len {
        return None;
    }
    let mut payload = vec![0u8; size as usize];
    file.read_exact_at(&mut payload, offset + 8).ok()?;
    if crc32fast::hash(&payload) != crc {
        return None;
    }
    Some((decode(&payload)?, offset + 8 + size))
}

impl DiskQueue {
    /// Opens the queue in `dir`, holding at most `max_bytes` unacknowledged.
    pub fn open(dir: &Path, max_bytes: u64) -> std::io::Result<DiskQueue> {
        std::fs::create_dir_all(dir)?;
        let cursor = match std::fs::read(dir.join("cursor")) {
            Ok(b) if b.len() == 16 => Position {
                segment: u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
                offset: u64::from_le_bytes(b[8..].try_into().expect("8 bytes")),
            },
            _ => Position {
                segment: 0,
                offset: 0,
            },
        };
        let existing = segments(dir)?;
        let write_segment = existing.last().copied().unwrap_or(0).max(cursor.segment);
        let path = segment_path(dir, write_segment);
        let writer = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)?;
        // Cut a torn tail left by a crash mid-append.
        let len = writer.metadata()?.len();
        let mut good = 0;
        while let Some((_, next)) = read_record(&writer, good, len) {
            good = next;
        }
        if good < len {
            tracing::warn!(queue = %path.display(), dropped_bytes = len - good, "forward queue has a torn tail; truncating it");
            writer.set_len(good)?;
            writer.sync_all()?;
        }
        Ok(DiskQueue {
            dir: dir.to_path_buf(),
            write_segment,
            writer,
            write_offset: good,
            cursor,
            max_bytes,
        })
    }

    /// Appends a batch and syncs it. Fails when the queue is full.
    pub fn push(&mut self, samples: &[Sample]) -> std::io::Result<()> {
        if samples.is_empty() {
            return Ok(());
        }
        if self.pending_bytes() > self.max_bytes {
            return Err(std::io::Error::other(format!(
                "forward queue is full ({} bytes)",
                self.max_bytes
            )));
        }
        if self.write_offset > SEGMENT_BYTES {
            self.write_segment += 1;
            self.writer = OpenOptions::new()
                .read(true)
                .append(true)
                .create(true)
                .open(segment_path(&self.dir, self.write_segment))?;
            self.write_offset = 0;
        }
        let payload = encode(samples);
        let mut record = Vec::with_capacity(payload.len() + 8);
        record.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        record.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        record.extend_from_slice(&payload);
        self.writer.write_all(&record)?;
        self.writer.sync_data()?;
        self.write_offset += record.len() as u64;
        Ok(())
    }

    /// Up to about `max_samples` samples from the cursor on (whole records),
    /// and the position after them.
    pub fn peek(&self, max_samples: usize) -> std::io::Result<Option<(Vec<Sample>, Position)>> {
        let mut pos = self.cursor;
        let mut out = Vec::new();
        while out.len() < max_samples && pos <= self.write_position() {
            let path = segment_path(&self.dir, pos.segment);
            let file = match File::open(&path) {
                Ok(f) => f,
                Err(e)
                    if e.kind() == std::io::ErrorKind::NotFound
                        && pos.segment < self.write_segment =>
                {
                    pos = Position {
                        segment: pos.segment + 1,
                        offset: 0,
                    };
                    continue;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(e) => return Err(e),
            };
            let len = file.metadata()?.len();
            match read_record(&file, pos.offset, len) {
                Some((samples, next)) => {
                    out.extend(samples);
                    pos.offset = next;
                }
                None if pos.segment < self.write_segment => {
                    pos = Position {
                        segment: pos.segment + 1,
                        offset: 0,
                    }
                }
                None => break,
            }
        }
        Ok((!out.is_empty()).then_some((out, pos)))
    }

    fn write_position(&self) -> Position {
        Position {
            segment: self.write_segment,
            offset: self.write_offset,
        }
    }

    /// Marks everything before `pos` delivered; deletes finished segments.
    pub fn ack(&mut self, pos: Position) -> std::io::Result<()> {
        let tmp = self.dir.join("cursor.tmp");
        let mut f = File::create(&tmp)?;
        f.write_all(&pos.segment.to_le_bytes())?;
        f.write_all(&pos.offset.to_le_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, self.dir.join("cursor"))?;
        self.cursor = pos;
        for n in segments(&self.dir)? {
            if n < pos.segment {
                std::fs::remove_file(segment_path(&self.dir, n))?;
            }
        }
        Ok(())
    }

    /// Bytes appended but not yet acknowledged.
    pub fn pending_bytes(&self) -> u64 {
        if self.cursor.segment == self.write_segment {
            return self.write_offset.saturating_sub(self.cursor.offset);
        }
        let mut total = self.write_offset;
        for n in self.cursor.segment..self.write_segment {
            total += std::fs::metadata(segment_path(&self.dir, n))
                .map(|m| m.len())
                .unwrap_or(0);
        }
        total.saturating_sub(self.cursor.offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: i64) -> Sample {
        Sample {
            labels: Labels::new([("__name__", "x"), ("job", "j")]).unwrap(),
            t,
            v: t as f64,
        }
    }

    #[test]
    fn delivers_in_order_across_restarts_until_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let mut q = DiskQueue::open(dir.path(), 1 << 30).unwrap();
        for t in 0..10 {
            q.push(&[sample(t), sample(t + 100)]).unwrap();
        }
        let (first, pos) = q.peek(5).unwrap().unwrap();
        assert_eq!(first.len(), 6, "whole records");
        assert_eq!(first[1], sample(100));
        // Not acknowledged: a restart delivers the same batch again.
        drop(q);
        let mut q = DiskQueue::open(dir.path(), 1 << 30).unwrap();
        let (again, pos2) = q.peek(5).unwrap().unwrap();
        assert_eq!((again, pos2), (first, pos));
        q.ack(pos).unwrap();
        drop(q);
        let q = DiskQueue::open(dir.path(), 1 << 30).unwrap();
        let (rest, end) = q.peek(1000).unwrap().unwrap();
        assert_eq!(rest.len(), 14);
        assert_eq!(rest[0], sample(3));
        let mut q = q;
        q.ack(end).unwrap();
        assert!(q.peek(10).unwrap().is_none());
        assert_eq!(q.pending_bytes(), 0);
    }

    #[test]
    fn a_torn_tail_is_cut_and_a_full_queue_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let mut q = DiskQueue::open(dir.path(), 200).unwrap();
        q.push(&[sample(1)]).unwrap();
        drop(q);
        let seg = segment_path(dir.path(), 0);
        let mut f = OpenOptions::new().append(true).open(&seg).unwrap();
        f.write_all(&[9, 0, 0, 0, 1]).unwrap();
        drop(f);
        let mut q = DiskQueue::open(dir.path(), 200).unwrap();
        assert_eq!(q.peek(10).unwrap().unwrap().0, vec![sample(1)]);
        while q.push(&[sample(2), sample(3)]).is_ok() {}
        assert!(q.pending_bytes() > 200);
    }
}
