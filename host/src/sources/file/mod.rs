//! The file tailing source: follows log files named by globs — plain text
//! or Docker's json-file — through rotation and truncation, and hands out
//! their lines with a checkpoint that resumes exactly after the last line
//! handed out: no line lost, none read twice.
//!
//! ```ignore
//! let config = TailConfig { include: vec!["/var/log/mail.log".into()], ..TailConfig::default() };
//! let mut tailer = Tailer::new(config, load_checkpoint());
//! loop {
//!     let poll = tailer.poll(1000, 1 << 20)?;
//!     store(&poll.records)?;                  // durably
//!     save_checkpoint(&tailer.checkpoint());  // only then
//! }
//! ```
//!
//! Synchronous: the host calls [`Tailer::poll`] from a blocking thread.
//! Unix only (files are known by device and inode).
//!
//! # What a file is, and where it is read from
//! A file is its `(device, inode)`, held open while it is tailed, plus a
//! fingerprint (hash of its first 256 bytes, or fewer while it is shorter)
//! and the 64 bytes before the read position. Offsets are those of the end
//! of the last complete line handed out; an incomplete last line waits for
//! its `\n`.
//! - **Rename rotation** (`mail.log` → `mail.log.1`, new `mail.log`): the
//!   new inode is read from 0. The old one is read on — under its new name
//!   if a glob still matches it, else by its open handle — so lines the
//!   daemon writes to it after the rename are not lost. Once no glob
//!   matches it, it is closed when it is read to the end and has not grown
//!   for a whole poll after that was noticed; its incomplete last line, if
//!   any, is handed out then. Records keep the name the file was first read
//!   under. At most `max_open_rotated` such files stay open (the oldest is
//!   closed with a warning).
//! - **copytruncate**: a size below the read position means truncation:
//!   what was held back (multi-line, partial, incomplete line) is handed
//!   out, then the file is read from 0. Lines written between the copy and
//!   the truncation are lost, as with every tailer; and the copy is a new
//!   inode, so a glob that matches the copies reads them again: exclude them.
//! - **Truncation then regrowth past the read position** between two polls:
//!   caught when the file's first 256 bytes or the 64 bytes before the read
//!   position changed (checked whenever size or mtime changed); then handled
//!   as a truncation. Not caught if the rewritten file has the same bytes in
//!   both places; then reading continues at the old position. NUL bytes at
//!   the start of a line (the hole a non-`O_APPEND` writer leaves after a
//!   truncation) are dropped.
//! - **Restart**: a checkpoint entry applies to the file with the same
//!   `(device, inode)` if it still has the same fingerprint and the same 64
//!   bytes before the offset; otherwise (inode reused, file rewritten) the
//!   file is read from 0. A checkpointed file the globs no longer match is
//!   looked for by inode in its directory and drained. Files not in the
//!   checkpoint follow `start_at_end` on the first poll, except a new inode
//!   at a path the checkpoint knew (a rotation while we were stopped), read
//!   from 0; files appearing later are always read from 0. Deleted or
//!   rotated-away files leave the checkpoint once drained.
//! - **Held-back records** (multi-line, Docker partial lines) are never
//!   covered by the checkpoint: after a restart their lines are read again,
//!   and only theirs (see `pipeline.rs`).
//!
//! Each poll reads at most `max_lines` records and `max_bytes` bytes,
//! round-robin over the files, and holds at most `max_line_bytes + 1` bytes
//! of a line in memory (for Docker, of a JSON line: at least 128 KiB).
//!
//! # Limits
//! - Files are assumed append-only between truncations: bytes rewritten in
//!   place are noticed only as described above.
//! - A rotated-away file written to after it was closed (no growth for a
//!   poll) loses those writes; so does one closed by `max_open_rotated`.
//! - With globs that match only the live name, a file that is created and
//!   rotated away entirely while the tailer is stopped (two rotations during
//!   the downtime) is never seen. Globs that also match the rotated names
//!   (excluding compressed ones) avoid this.
//! - Docker partial lines are not joined across a rotation; a partial with
//!   no continuation is handed out after 5 s.

mod checkpoint;
mod config;
mod discover;
mod docker;
mod identity;
mod lines;
mod multiline;
mod pipeline;
mod record;
mod start;
mod tailer;
mod watched;

#[cfg(test)]
mod tests;

pub use checkpoint::Checkpoint;
pub use config::{
    DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_OPEN_ROTATED, FileFormat, Multiline, TailConfig,
};
pub use record::{Poll, TailRecord};
pub use tailer::Tailer;
