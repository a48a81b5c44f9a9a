//! From physical lines to records, for one file: decoding (plain text or
//! Docker json-file), Docker's partial-line joining and multi-line joining,
//! each per stream (`None` for plain files, the Docker stream otherwise).
//!
//! The pipeline also owns what makes a checkpoint exact while records are
//! held back. A file's checkpoint says "every line before `offset` was
//! handed out, except the lines of stream S from offset P on" ([`pending`]:
//! the start of each stream's held-back lines). A reader resumed from it
//! starts at the smallest P and [`Replay`]s the lines before `offset`: only
//! those of a listed stream at or after its P are fed again; the others —
//! already handed out, possibly interleaved with the held-back ones — are
//! skipped. Raw (undecodable) lines are never held back, so always skipped.
//!
//! [`pending`]: Pipeline::pending

use std::sync::Arc;
use std::time::Instant;

use super::config::{FileFormat, Settings};
use super::docker::{self, Partial};
use super::lines::{PhysLine, to_text};
use super::multiline::{self, Logical, Pending};

/// Held-back lines of one stream, from this offset on.
pub(super) type StreamFrom = (Option<String>, u64);

/// Lines being read a second time after a restart.
#[derive(Clone, Debug)]
pub(super) struct Replay {
    /// The checkpoint's offset: replay ends here.
    pub until: u64,
    /// The checkpoint's hash of the bytes before `until`.
    pub until_tail: u64,
    /// The streams whose lines are fed again, each from its offset.
    pub from: Vec<StreamFrom>,
}

#[derive(Debug, Default)]
struct Stream {
    key: Option<String>,
    partial: Option<Partial>,
    pending: Option<Pending>,
}

impl Stream {
    /// Offset of the first line this stream holds back.
    fn held_from(&self) -> Option<u64> {
        let partial = self.partial.as_ref().map(|p| p.line.start);
        let pending = self.pending.as_ref().map(|p| p.record.start);
        match (partial, pending) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[derive(Debug)]
pub(super) struct Pipeline {
    settings: Arc<Settings>,
    streams: Vec<Stream>,
    replay: Option<Replay>,
}

impl Pipeline {
    pub fn new(settings: Arc<Settings>, replay: Option<Replay>) -> Pipeline {
        Pipeline {
            settings,
            streams: Vec::new(),
            replay,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn replay(&self) -> Option<&Replay> {
        self.replay.as_ref()
    }

    /// Ends the replay once the reader has reached its end.
    pub fn reached(&mut self, line_start: u64) {
        if self.replay.as_ref().is_some_and(|r| r.until <= line_start) {
            self.replay = None;
        }
    }

    /// Forgets everything (the file was truncated).
    pub fn reset(&mut self) {
        self.streams.clear();
        self.replay = None;
    }

    /// Feeds one physical line; returns the record it completes, if any.
    pub fn feed(&mut self, line: PhysLine<'_>, now: Instant) -> Option<Logical> {
        let max = self.settings.max_line_bytes;
        let entry = match self.settings.format {
            FileFormat::Plain => None,
            FileFormat::DockerJson => match docker::parse(line.bytes) {
                Some(entry) => Some(entry),
                None => {
                    if self.skip(None, line.start) {
                        return None;
                    }
                    return Some(raw(&line, max));
                }
            },
        };
        let key = entry.as_ref().map(|e| e.stream.clone());
        if self.skip(Some(&key), line.start) {
            return None;
        }
        let idx = self.stream(key);
        let logical = match entry {
            None => raw(&line, max),
            Some(entry) => {
                docker::join(&mut self.streams[idx].partial, entry, line.start, max, now)?
            }
        };
        self.join_lines(idx, logical, now)
    }

    /// A record held back for longer than its timeout, if any (the oldest
    /// first).
    pub fn expire(&mut self, now: Instant) -> Option<Logical> {
        loop {
            if let Some(m) = &self.settings.multiline
                && let Some(stream) = self
                    .streams
                    .iter_mut()
                    .filter(|s| multiline::expired(m, &s.pending, now))
                    .min_by_key(|s| s.pending.as_ref().map(|p| p.record.start))
            {
                return stream.pending.take().map(|p| p.record);
            }
            let idx = (0..self.streams.len())
                .filter(|&i| docker::expired(&self.streams[i].partial, now))
                .min_by_key(|&i| self.streams[i].partial.as_ref().map(|p| p.line.start))?;
            let line = self.streams[idx].partial.take()?.line;
            if let Some(record) = self.join_lines(idx, line, now) {
                return Some(record);
            }
        }
    }

    /// Hands out the oldest held-back record as it is (the file ended).
    pub fn flush_one(&mut self) -> Option<Logical> {
        let stream = self
            .streams
            .iter_mut()
            .filter(|s| s.held_from().is_some())
            .min_by_key(|s| s.held_from())?;
        if let Some(pending) = stream.pending.take() {
            return Some(pending.record);
        }
        stream.partial.take().map(|p| p.line)
    }

    /// Where each stream's held-back lines start.
    pub fn pending(&self) -> Vec<StreamFrom> {
        self.streams
            .iter()
            .filter_map(|s| Some((s.key.clone(), s.held_from()?)))
            .collect()
    }

    /// Whether a line read again after a restart was handed out already.
    /// `key` is the line's stream, `None` for a raw line.
    fn skip(&mut self, key: Option<&Option<String>>, start: u64) -> bool {
        let Some(replay) = &self.replay else {
            return false;
        };
        if start >= replay.until {
            self.replay = None;
            return false;
        }
        let Some(key) = key else {
            return true;
        };
        !replay
            .from
            .iter()
            .any(|(k, from)| k == key && start >= *from)
    }

    fn stream(&mut self, key: Option<String>) -> usize {
        match self.streams.iter().position(|s| s.key == key) {
            Some(idx) => idx,
            None => {
                self.streams.push(Stream {
                    key,
                    ..Stream::default()
                });
                self.streams.len() - 1
            }
        }
    }

    fn join_lines(&mut self, idx: usize, line: Logical, now: Instant) -> Option<Logical> {
        match &self.settings.multiline {
            None => Some(line),
            Some(m) => multiline::feed(
                m,
                self.settings.max_line_bytes,
                &mut self.streams[idx].pending,
                line,
                now,
            ),
        }
    }
}

/// A line handed out as the text it is.
fn raw(line: &PhysLine<'_>, max: usize) -> Logical {
    let (text, cut) = to_text(line.bytes, max);
    Logical {
        text,
        truncated: line.truncated || cut,
        lines: 1,
        start: line.start,
        stream: None,
        time_ns: None,
    }
}
