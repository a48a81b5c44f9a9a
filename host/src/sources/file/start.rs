//! Where reading a newly opened file starts: at 0, after its last complete
//! line (`start_at_end`), or where a checkpoint entry says — if the entry
//! still describes the file (enough bytes, same fingerprint, same 64 bytes
//! before the offset), with the lines to replay for records that were held
//! back (see `pipeline.rs`).

use std::fs::File;
use std::io;

use super::checkpoint::FileCheckpoint;
use super::identity::{Fingerprint, Tail, read_full_at};
use super::pipeline::Replay;

/// How far back from the end `start_at_end` looks for a line start.
const END_WINDOW: u64 = 64 * 1024;

/// Where a newly opened file is read from.
pub(super) enum Start {
    Beginning,
    /// After the last complete line (found by the first poll, `start_at_end`).
    End,
    /// Where a checkpoint left it, if it is still the same file.
    Resume(FileCheckpoint),
}

/// Where a reader starts, decided.
pub(super) struct Position {
    /// A line boundary (unless `discard`).
    pub pos: u64,
    /// `pos` is mid-line: drop the rest of that line.
    pub discard: bool,
    pub replay: Option<Replay>,
}

impl Position {
    /// Decides where to read `file` (`len` bytes, named `path`) from.
    pub fn of(file: &File, len: u64, start: Start, path: &str) -> io::Result<Position> {
        let (pos, discard, replay) = match start {
            Start::Beginning => (0, false, None),
            Start::End => {
                let (pos, discard) = end_position(file, len)?;
                (pos, discard, None)
            }
            Start::Resume(cp) => match resume(file, len, &cp)? {
                Some((pos, replay)) => (pos, false, replay),
                None => {
                    tracing::info!(%path, "file changed since the checkpoint; reading it from the start");
                    (0, false, None)
                }
            },
        };
        Ok(Position {
            pos,
            discard,
            replay,
        })
    }
}

/// Whether a checkpoint entry still describes this file.
pub(super) fn still_applies(file: &File, len: u64, cp: &FileCheckpoint) -> bool {
    matches!(resume(file, len, cp), Ok(Some(_)))
}

/// Checks a checkpoint entry against the file; if it still applies, where
/// to start reading and what to replay.
fn resume(file: &File, len: u64, cp: &FileCheckpoint) -> io::Result<Option<(u64, Option<Replay>)>> {
    if cp.offset > len {
        return Ok(None);
    }
    let mut fingerprint = Fingerprint {
        len: cp.fp_len,
        hash: cp.fp,
    };
    if !fingerprint.verify_and_extend(file, len)? {
        return Ok(None);
    }
    if Tail::load(file, cp.offset)?.is_none_or(|t| t.hash() != cp.tail) {
        return Ok(None);
    }
    let from: Vec<_> = cp
        .pending
        .iter()
        .filter(|p| p.from < cp.offset)
        .map(|p| (p.stream.clone(), p.from))
        .collect();
    let pos = from.iter().map(|f| f.1).fold(cp.offset, u64::min);
    let replay = (!from.is_empty()).then_some(Replay {
        until: cp.offset,
        until_tail: cp.tail,
        from,
    });
    Ok(Some((pos, replay)))
}

/// The start of the last line of a file: its end if it ends with `\n`. If
/// the last line started more than 64 KiB back, the end, with the rest of
/// that line to be discarded (`true`).
fn end_position(file: &File, len: u64) -> io::Result<(u64, bool)> {
    let window = len.min(END_WINDOW);
    let mut buf = vec![0; window as usize];
    let n = read_full_at(file, &mut buf, len - window)?;
    Ok(match buf[..n].iter().rposition(|&b| b == b'\n') {
        Some(i) => (len - window + i as u64 + 1, false),
        None if window == len => (0, false),
        None => (len, true),
    })
}
