//! A durable, append-only log of byte records in segment files, with a
//! cursor of what its consumer has finished with. Records are checksummed
//! and synced before `append` returns, so whatever an append acknowledged
//! survives `kill -9`; a torn tail left by a crash mid-append is cut on
//! open. Segments wholly before the cursor are deleted on `ack`.
//!
//! Used by the forwarders' queues (samples waiting for a receiver) and by
//! the log store's write-ahead log (entries waiting for an index commit).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// A segment is closed for writing past this size.
const SEGMENT_BYTES: u64 = 64 << 20;

/// Size of a record's header: payload length and CRC-32.
const HEADER: u64 = 8;

/// A position in the log: segment number and byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    /// Segment file number.
    pub segment: u64,
    /// Byte offset within the segment.
    pub offset: u64,
}

impl Position {
    /// The position as 16 bytes (for cursors and commit payloads).
    pub fn to_bytes(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.segment.to_le_bytes());
        out[8..].copy_from_slice(&self.offset.to_le_bytes());
        out
    }

    /// The inverse of [`Position::to_bytes`].
    pub fn from_bytes(b: &[u8]) -> Option<Position> {
        (b.len() == 16).then(|| Position {
            segment: u64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
            offset: u64::from_le_bytes(b[8..].try_into().expect("8 bytes")),
        })
    }
}

/// One record read back: where it starts, where the next one starts, and
/// its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// Position of this record.
    pub at: Position,
    /// Position just after it.
    pub next: Position,
    /// The bytes appended.
    pub payload: Vec<u8>,
}

/// The log.
pub struct SegmentLog {
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

/// Reads the record at `offset` of `file` (of length `len`): its payload and
/// the offset after it; `None` at the end or at a torn or corrupt record.
fn read_record(file: &File, offset: u64, len: u64) -> Option<(Vec<u8>, u64)> {
    if offset + HEADER > len {
        return None;
    }
    let mut header = [0u8; HEADER as usize];
    file.read_exact_at(&mut header, offset).ok()?;
    let size = u64::from(u32::from_le_bytes(header[..4].try_into().ok()?));
    let crc = u32::from_le_bytes(header[4..].try_into().ok()?);
    if offset + HEADER + size > len {
        return None;
    }
    let mut payload = vec![0u8; size as usize];
    file.read_exact_at(&mut payload, offset + HEADER).ok()?;
    (crc32fast::hash(&payload) == crc).then_some((payload, offset + HEADER + size))
}

impl SegmentLog {
    /// Opens the log in `dir`, holding at most `max_bytes` unacknowledged.
    pub fn open(dir: &Path, max_bytes: u64) -> std::io::Result<SegmentLog> {
        std::fs::create_dir_all(dir)?;
        let cursor = std::fs::read(dir.join("cursor"))
            .ok()
            .and_then(|b| Position::from_bytes(&b))
            .unwrap_or_default();
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
            tracing::warn!(log = %path.display(), dropped_bytes = len - good, "segment log has a torn tail; truncating it");
            writer.set_len(good)?;
            writer.sync_all()?;
        }
        Ok(SegmentLog {
            dir: dir.to_path_buf(),
            write_segment,
            writer,
            write_offset: good,
            cursor,
            max_bytes,
        })
    }

    /// Appends `payloads` as one record each and syncs them: once this
    /// returns `Ok`, they survive a crash. Fails, appending nothing, when
    /// more than `max_bytes` are waiting for the consumer.
    pub fn append<P: AsRef<[u8]>>(&mut self, payloads: &[P]) -> std::io::Result<Position> {
        if payloads.is_empty() {
            return Ok(self.end());
        }
        if self.pending_bytes() > self.max_bytes {
            return Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                format!(
                    "{} holds {} bytes not yet consumed (limit {})",
                    self.dir.display(),
                    self.pending_bytes(),
                    self.max_bytes
                ),
            ));
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
        let total: usize = payloads.iter().map(|p| p.as_ref().len() + 8).sum();
        let mut buf = Vec::with_capacity(total);
        for p in payloads {
            let p = p.as_ref();
            let len = u32::try_from(p.len()).map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "record over 4 GiB")
            })?;
            buf.extend_from_slice(&len.to_le_bytes());
            buf.extend_from_slice(&crc32fast::hash(p).to_le_bytes());
            buf.extend_from_slice(p);
        }
        if let Err(e) = self
            .writer
            .write_all(&buf)
            .and_then(|()| self.writer.sync_data())
        {
            // Leave no partial record behind for the next append to follow.
            let _ = self.writer.set_len(self.write_offset);
            return Err(e);
        }
        self.write_offset += buf.len() as u64;
        Ok(self.end())
    }

    /// Records from `from` on, at most `max_records` of them and stopping
    /// once `max_bytes` of payload are read (at least one record is read).
    pub fn read(
        &self,
        from: Position,
        max_records: usize,
        max_bytes: usize,
    ) -> std::io::Result<Vec<LogRecord>> {
        let mut pos = from;
        let mut out = Vec::new();
        let mut bytes = 0;
        let mut open: Option<(u64, File, u64)> = None;
        while out.len() < max_records && bytes < max_bytes && pos < self.end() {
            if open.as_ref().is_none_or(|(n, _, _)| *n != pos.segment) {
                match File::open(segment_path(&self.dir, pos.segment)) {
                    Ok(f) => {
                        let len = f.metadata()?.len();
                        open = Some((pos.segment, f, len));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        pos = next_segment(pos);
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            let (_, file, len) = open.as_ref().expect("opened above");
            match read_record(file, pos.offset, *len) {
                Some((payload, next)) => {
                    let next = Position {
                        segment: pos.segment,
                        offset: next,
                    };
                    bytes += payload.len();
                    out.push(LogRecord {
                        at: pos,
                        next,
                        payload,
                    });
                    pos = next;
                }
                None if pos.segment < self.write_segment => pos = next_segment(pos),
                None => break,
            }
        }
        Ok(out)
    }

    /// Where the consumer is.
    pub fn cursor(&self) -> Position {
        self.cursor
    }

    /// Where the next append goes.
    pub fn end(&self) -> Position {
        Position {
            segment: self.write_segment,
            offset: self.write_offset,
        }
    }

    /// Marks everything before `pos` consumed; deletes finished segments.
    pub fn ack(&mut self, pos: Position) -> std::io::Result<()> {
        let tmp = self.dir.join("cursor.tmp");
        let mut f = File::create(&tmp)?;
        f.write_all(&pos.to_bytes())?;
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

fn next_segment(pos: Position) -> Position {
    Position {
        segment: pos.segment + 1,
        offset: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payloads(log: &SegmentLog, from: Position) -> Vec<Vec<u8>> {
        log.read(from, usize::MAX, usize::MAX)
            .unwrap()
            .into_iter()
            .map(|r| r.payload)
            .collect()
    }

    #[test]
    fn reads_back_in_order_across_restarts_until_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = SegmentLog::open(dir.path(), 1 << 30).unwrap();
        for i in 0u8..10 {
            log.append(&[vec![i; 3], vec![i + 100]]).unwrap();
        }
        let first = log.read(log.cursor(), 5, usize::MAX).unwrap();
        assert_eq!(first.len(), 5);
        assert_eq!(first[1].payload, vec![100]);
        assert_eq!(first[1].at, first[0].next);
        // Not acknowledged: a restart reads the same records again.
        drop(log);
        let mut log = SegmentLog::open(dir.path(), 1 << 30).unwrap();
        let again = log.read(log.cursor(), 5, usize::MAX).unwrap();
        assert_eq!(again, first);
        log.ack(first[4].next).unwrap();
        drop(log);
        let mut log = SegmentLog::open(dir.path(), 1 << 30).unwrap();
        let rest = payloads(&log, log.cursor());
        assert_eq!(rest.len(), 15);
        assert_eq!(rest[0], vec![100 + 2]);
        log.ack(log.end()).unwrap();
        assert!(payloads(&log, log.cursor()).is_empty());
        assert_eq!(log.pending_bytes(), 0);
    }

    #[test]
    fn a_byte_budget_stops_a_read_after_whole_records() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = SegmentLog::open(dir.path(), 1 << 30).unwrap();
        log.append(&[vec![1u8; 10], vec![2u8; 10], vec![3u8; 10]])
            .unwrap();
        let part = log.read(Position::default(), 100, 15).unwrap();
        assert_eq!(
            part.len(),
            2,
            "the record that crosses the budget is read whole"
        );
        let rest = log.read(part[1].next, 100, 15).unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].next, log.end());
    }

    #[test]
    fn a_torn_tail_is_cut_and_a_full_log_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = SegmentLog::open(dir.path(), 100).unwrap();
        log.append(&[b"kept"]).unwrap();
        drop(log);
        let seg = segment_path(dir.path(), 0);
        let mut f = OpenOptions::new().append(true).open(&seg).unwrap();
        f.write_all(&[9, 0, 0, 0, 1]).unwrap();
        drop(f);
        let mut log = SegmentLog::open(dir.path(), 100).unwrap();
        assert_eq!(payloads(&log, Position::default()), vec![b"kept".to_vec()]);
        let mut appended = 0;
        while log.append(&[[7u8; 40]]).is_ok() {
            appended += 1;
            assert!(appended < 10, "the limit is enforced");
        }
        assert!(log.pending_bytes() > 100);
        let err = log.append(&[[7u8; 40]]).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::StorageFull);
    }

    #[test]
    fn reads_continue_into_the_next_segment() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = SegmentLog::open(dir.path(), u64::MAX).unwrap();
        log.append(&[b"a"]).unwrap();
        // Force a segment switch as a full segment would.
        log.write_offset = SEGMENT_BYTES + 1;
        log.append(&[b"b"]).unwrap();
        assert_eq!(log.end().segment, 1);
        let all: Vec<_> = log
            .read(Position::default(), 10, usize::MAX)
            .unwrap()
            .into_iter()
            .map(|r| r.payload)
            .collect();
        assert_eq!(all, vec![b"a".to_vec(), b"b".to_vec()]);
    }
}
