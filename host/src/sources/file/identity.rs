//! Which file is which, and whether its bytes are still the ones we read.
//!
//! A file is its `(device, inode)` ([`FileId`]). Two cheap content checks
//! catch what the inode cannot: a [`Fingerprint`] of its first (up to) 256
//! bytes — an inode reused after delete + create, or a file rewritten from
//! the start — and a [`Tail`], the (up to) 64 bytes just before a read
//! position — a file truncated and regrown past that position between two
//! looks at it. Hashes are FNV-1a, stable across builds, because they are
//! persisted in checkpoints.

use std::fs::{File, Metadata};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};

/// Bytes at the head of a file that its fingerprint covers.
pub(super) const FINGERPRINT_BYTES: usize = 256;
/// Bytes before a position kept to recognise the content there.
pub(super) const TAIL_BYTES: usize = 64;

/// A file's identity on this host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    pub fn of(meta: &Metadata) -> FileId {
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}

/// A hash of the first `len` bytes of a file; `len` grows to 256 as the
/// file does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Fingerprint {
    pub len: u16,
    pub hash: u64,
}

impl Fingerprint {
    /// The fingerprint of the file's head as it is now.
    pub fn compute(file: &File, file_len: u64) -> io::Result<Fingerprint> {
        let mut head = [0u8; FINGERPRINT_BYTES];
        let n = read_head(file, file_len, &mut head)?;
        Ok(Fingerprint {
            len: n as u16,
            hash: fnv1a(&head[..n]),
        })
    }

    /// Whether the file still starts with the bytes this fingerprint was
    /// taken of; if it does, the fingerprint is extended over the file's
    /// current head (up to 256 bytes).
    pub fn verify_and_extend(&mut self, file: &File, file_len: u64) -> io::Result<bool> {
        if u64::from(self.len) > file_len {
            return Ok(false);
        }
        let mut head = [0u8; FINGERPRINT_BYTES];
        let n = read_head(file, file_len, &mut head)?;
        let len = usize::from(self.len);
        if n < len || fnv1a(&head[..len]) != self.hash {
            return Ok(false);
        }
        *self = Fingerprint {
            len: n as u16,
            hash: fnv1a(&head[..n]),
        };
        Ok(true)
    }
}

fn read_head(file: &File, file_len: u64, head: &mut [u8; FINGERPRINT_BYTES]) -> io::Result<usize> {
    let want = file_len.min(FINGERPRINT_BYTES as u64) as usize;
    read_full_at(file, &mut head[..want], 0)
}

/// The last (up to) 64 bytes before a position in a file.
#[derive(Clone, Debug)]
pub(super) struct Tail {
    bytes: [u8; TAIL_BYTES],
    len: usize,
}

impl Default for Tail {
    fn default() -> Self {
        Tail {
            bytes: [0; TAIL_BYTES],
            len: 0,
        }
    }
}

impl Tail {
    /// The bytes before `pos` as they are in the file now (`None` if the
    /// file is shorter than `pos`).
    pub fn load(file: &File, pos: u64) -> io::Result<Option<Tail>> {
        let mut tail = Tail::default();
        let len = pos.min(TAIL_BYTES as u64) as usize;
        let n = read_full_at(file, &mut tail.bytes[..len], pos - len as u64)?;
        if n < len {
            return Ok(None);
        }
        tail.len = len;
        Ok(Some(tail))
    }

    /// Appends bytes that were consumed after the position this tail ends at.
    pub fn push(&mut self, more: &[u8]) {
        if more.len() >= TAIL_BYTES {
            self.bytes.copy_from_slice(&more[more.len() - TAIL_BYTES..]);
            self.len = TAIL_BYTES;
            return;
        }
        let keep = self.len.min(TAIL_BYTES - more.len());
        self.bytes.copy_within(self.len - keep..self.len, 0);
        self.bytes[keep..keep + more.len()].copy_from_slice(more);
        self.len = keep + more.len();
    }

    pub fn hash(&self) -> u64 {
        fnv1a(&self.bytes[..self.len])
    }

    /// Whether the file still holds these bytes just before `pos`.
    pub fn matches(&self, file: &File, pos: u64) -> io::Result<bool> {
        if (self.len as u64) > pos {
            return Ok(false);
        }
        let mut now = [0u8; TAIL_BYTES];
        let n = read_full_at(file, &mut now[..self.len], pos - self.len as u64)?;
        Ok(n == self.len && now[..n] == self.bytes[..self.len])
    }
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
pub(super) fn read_full_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// 64-bit FNV-1a.
pub(super) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_64_bytes() {
        let mut tail = Tail::default();
        tail.push(b"abc");
        tail.push(b"def");
        assert_eq!(&tail.bytes[..tail.len], b"abcdef");
        let long: Vec<u8> = (0..100u8).collect();
        tail.push(&long);
        assert_eq!(&tail.bytes[..tail.len], &long[36..]);
        tail.push(b"xy");
        let mut want = long[38..].to_vec();
        want.extend_from_slice(b"xy");
        assert_eq!(&tail.bytes[..tail.len], &want[..]);
    }

    #[test]
    fn fnv1a_is_the_reference_function() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
