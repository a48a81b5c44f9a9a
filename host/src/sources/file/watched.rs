//! One file being tailed, by its open handle: noticing it was truncated or
//! rewritten, reading a bounded step of it, draining it once it is rotated
//! away, and its checkpoint entry (where it starts is `start.rs`).
//!
//! Every poll [`Watched::refresh`] looks at the handle (`fstat`); if size or
//! mtime changed it checks the file was not truncated (size below the read
//! position) or rewritten (head fingerprint or the 64 bytes before the read
//! position differ). Either way the file is *reset*: what the pipeline holds
//! back and an incomplete last line are handed out (they were real lines of
//! the old content), then reading restarts at 0. A file no longer found at
//! a matching path (renamed away, deleted) is *inactive*: read on by handle
//! and closed — its incomplete last line and held-back records handed out
//! first — once it is read to its end and has not grown for a whole poll
//! after it was found inactive.

use std::fs::{File, Metadata};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::sync::Arc;
use std::time::Instant;

use super::checkpoint::{FileCheckpoint, PendingFrom};
use super::config::Settings;
use super::docker::ContainerMeta;
use super::identity::{FileId, Fingerprint, Tail};
use super::lines::LineReader;
use super::multiline::Logical;
use super::pipeline::Pipeline;
use super::record::TailRecord;
use super::start::{Position, Start};

/// Bytes read from a file in one step.
pub(super) const CHUNK_BYTES: usize = 32 * 1024;

/// What one step did.
#[derive(Debug, PartialEq)]
pub(super) enum Step {
    Idle,
    Progress,
    /// Drained and done with: drop it.
    Closed,
}

/// What one step may use, and where its records go.
pub(super) struct StepCtx<'a> {
    pub scratch: &'a mut [u8],
    /// Records this step may produce.
    pub lines: usize,
    /// Bytes this poll may still read.
    pub bytes: &'a mut usize,
    pub now: Instant,
    pub out: &'a mut Vec<TailRecord>,
}

#[derive(Debug)]
pub(super) struct Watched {
    pub path: Arc<str>,
    pub id: FileId,
    /// Found at a matching path by the latest discovery.
    pub active: bool,
    /// When (in discovery order) it went inactive.
    pub inactive_seq: u64,
    pub container: Option<Arc<ContainerMeta>>,
    file: File,
    fingerprint: Fingerprint,
    reader: LineReader,
    pipeline: Pipeline,
    len: u64,
    mtime: (i64, i64),
    quiet_polls: u32,
    count_quiet: bool,
    needs_reset: bool,
}

impl Watched {
    /// Starts tailing `file` (whose `fstat` is `meta`), read from `start`.
    pub fn open(
        file: File,
        meta: &Metadata,
        path: Arc<str>,
        settings: Arc<Settings>,
        start: Start,
        container: Option<Arc<ContainerMeta>>,
    ) -> io::Result<Watched> {
        let len = meta.len();
        let Position {
            pos,
            discard,
            replay,
        } = Position::of(&file, len, start, &path)?;
        let tail = Tail::load(&file, pos)?.unwrap_or_default();
        let mut reader = LineReader::new(settings.physical_line_bytes, pos, tail);
        if discard {
            reader.discard_current_line();
        }
        Ok(Watched {
            path,
            id: FileId::of(meta),
            active: true,
            inactive_seq: 0,
            container,
            fingerprint: Fingerprint::compute(&file, len)?,
            file,
            reader,
            pipeline: Pipeline::new(settings, replay),
            len,
            mtime: (meta.mtime(), meta.mtime_nsec()),
            quiet_polls: 0,
            count_quiet: false,
            needs_reset: false,
        })
    }

    /// Found at a matching path again.
    pub fn mark_active(&mut self) {
        self.active = true;
    }

    /// No longer found at a matching path.
    pub fn mark_inactive(&mut self, seq: u64) {
        if self.active {
            self.active = false;
            self.inactive_seq = seq;
            self.quiet_polls = 0;
            self.count_quiet = false;
        }
    }

    /// Bytes not handed out yet, as far as we know.
    pub fn unread_bytes(&self) -> u64 {
        self.len.saturating_sub(self.reader.line_start())
    }

    /// Looks at the file (once per poll, before reading).
    pub fn refresh(&mut self) -> io::Result<()> {
        let meta = self.file.metadata()?;
        let len = meta.len();
        let mtime = (meta.mtime(), meta.mtime_nsec());
        let changed = len != self.len || mtime != self.mtime;
        if changed && !self.needs_reset {
            let pos = self.reader.pos();
            let rewritten = len < pos
                || !self.fingerprint.verify_and_extend(&self.file, len)?
                || !self.reader.pos_tail().matches(&self.file, pos)?;
            if rewritten {
                tracing::info!(path = %self.path, size = len, offset = pos, "file truncated; reading it from the start");
                self.needs_reset = true;
            }
        }
        if !self.active {
            if changed {
                self.quiet_polls = 0;
            } else if self.count_quiet {
                self.quiet_polls += 1;
            }
            self.count_quiet = true;
        }
        self.len = len;
        self.mtime = mtime;
        Ok(())
    }

    /// Does one bounded piece of work: resets a truncated file (one record
    /// at a time), drains a finished one, or reads one chunk.
    pub fn step(&mut self, ctx: &mut StepCtx<'_>) -> io::Result<Step> {
        if self.needs_reset {
            if let Some(record) = self.drain_one(ctx.now) {
                ctx.out.push(self.record(record));
                return Ok(Step::Progress);
            }
            self.reset()?;
            return Ok(Step::Progress);
        }
        let finished = !self.active && self.quiet_polls >= 1 && self.reader.pos() >= self.len;
        if finished {
            return Ok(match self.drain_one(ctx.now) {
                Some(record) => {
                    ctx.out.push(self.record(record));
                    Step::Progress
                }
                None => Step::Closed,
            });
        }
        self.read(ctx)
    }

    /// Hands out a record held back longer than its timeout, if any.
    pub fn expire(&mut self, now: Instant) -> Option<TailRecord> {
        let record = self.pipeline.expire(now)?;
        Some(self.record(record))
    }

    /// Where to resume this file.
    pub fn checkpoint(&self) -> FileCheckpoint {
        let line_start = self.reader.line_start();
        let held = self.pipeline.pending();
        let (offset, tail, pending) = match self.pipeline.replay() {
            None => (line_start, self.reader.line_tail().hash(), held),
            // Mid-replay the original checkpoint still holds, narrowed by
            // what has been handed out since.
            Some(replay) => {
                let pending = replay
                    .from
                    .iter()
                    .filter_map(|(stream, from)| {
                        let held_from = held.iter().find(|(s, _)| s == stream).map(|h| h.1);
                        let from = held_from.unwrap_or(line_start.max(*from));
                        (from < replay.until).then(|| (stream.clone(), from))
                    })
                    .collect();
                (replay.until, replay.until_tail, pending)
            }
        };
        FileCheckpoint {
            path: self.path.to_string(),
            dev: self.id.dev,
            ino: self.id.ino,
            fp_len: self.fingerprint.len,
            fp: self.fingerprint.hash,
            offset,
            tail,
            pending: pending
                .into_iter()
                .map(|(stream, from)| PendingFrom { stream, from })
                .collect(),
        }
    }

    /// The lines in the reader's line buffer are bounded (for tests).
    #[cfg(test)]
    pub fn line_buffer_capacity(&self) -> usize {
        self.reader.buffer_capacity()
    }

    fn read(&mut self, ctx: &mut StepCtx<'_>) -> io::Result<Step> {
        let want = (*ctx.bytes).min(ctx.scratch.len());
        if want == 0 {
            return Ok(Step::Idle);
        }
        let n = loop {
            match self
                .file
                .read_at(&mut ctx.scratch[..want], self.reader.pos())
            {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        let chunk = &ctx.scratch[..n];
        let (mut off, mut produced) = (0, 0);
        while off < n && produced < ctx.lines {
            let (used, line) = self.reader.next_line(&chunk[off..]);
            off += used;
            if let Some(record) = line.and_then(|l| self.pipeline.feed(l, ctx.now)) {
                ctx.out.push(self.record(record));
                produced += 1;
            }
        }
        self.pipeline.reached(self.reader.line_start());
        *ctx.bytes -= off;
        Ok(if off > 0 { Step::Progress } else { Step::Idle })
    }

    /// One record of what a file that ended (or was truncated) still holds.
    fn drain_one(&mut self, now: Instant) -> Option<Logical> {
        if let Some(line) = self.reader.take_incomplete()
            && let Some(record) = self.pipeline.feed(line, now)
        {
            return Some(record);
        }
        self.pipeline.flush_one()
    }

    fn reset(&mut self) -> io::Result<()> {
        let limit = self.pipeline.settings().physical_line_bytes;
        self.reader = LineReader::new(limit, 0, Tail::default());
        self.pipeline.reset();
        self.fingerprint = Fingerprint::compute(&self.file, self.len)?;
        self.needs_reset = false;
        Ok(())
    }

    fn record(&self, l: Logical) -> TailRecord {
        let container = self.container.as_deref();
        TailRecord {
            path: self.path.clone(),
            line: l.text,
            truncated: l.truncated,
            lines: l.lines,
            stream: l.stream,
            time_ns: l.time_ns,
            container_id: container.and_then(|c| c.id.clone()),
            container_name: container.and_then(|c| c.name.clone()),
        }
    }
}
