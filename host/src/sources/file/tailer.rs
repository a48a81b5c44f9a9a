//! [`Tailer`]: the files being tailed, and one poll over them.
//!
//! A poll discovers files (`discover.rs`), looks at each open one for
//! growth, truncation and rotation (`Watched::refresh`), then reads in
//! rounds: each round gives every file one step — one chunk of at most
//! 32 KiB and a fair share of the remaining line budget — rotated-away files
//! first (their lines are older), starting one file further each poll.
//! Rounds stop when the budget is spent or no file has anything left; then
//! multi-line and partial-line timeouts are checked against the clock.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Instant;

use super::checkpoint::{Checkpoint, FileCheckpoint};
use super::config::{Settings, TailConfig};
use super::docker::ContainerMeta;
use super::identity::FileId;
use super::record::Poll;
use super::watched::{CHUNK_BYTES, Step, StepCtx, Watched};

/// Tails the files a [`TailConfig`] names; synchronous, for a blocking
/// thread. See the module docs for what it promises.
#[derive(Debug)]
pub struct Tailer {
    pub(super) settings: Arc<Settings>,
    pub(super) files: Vec<Watched>,
    /// Checkpoint entries not matched to an open file yet (first poll only).
    pub(super) restored: HashMap<FileId, FileCheckpoint>,
    /// The paths of the checkpoint's files (first poll only): a new inode
    /// at one of them was created by a rotation while we were stopped.
    pub(super) checkpointed_paths: HashSet<String>,
    pub(super) first_poll_done: bool,
    pub(super) inactive_seq: u64,
    /// Container directory → what its `config.v2.json` said, while a file
    /// of it is open.
    pub(super) containers: HashMap<PathBuf, Weak<ContainerMeta>>,
    /// Paths we could not open, warned about once.
    pub(super) open_failures: HashSet<PathBuf>,
    cursor: usize,
    scratch: Vec<u8>,
}

impl Tailer {
    /// A tailer that resumes from `checkpoint` (as [`Tailer::checkpoint`]
    /// returned it) or, without one, starts as `config.start_at_end` says.
    /// Nothing is read before the first [`Tailer::poll`].
    pub fn new(config: TailConfig, checkpoint: Option<Checkpoint>) -> Tailer {
        let files = checkpoint.map(|c| c.files).unwrap_or_default();
        let checkpointed_paths = files.iter().map(|f| f.path.clone()).collect();
        let restored = files
            .into_iter()
            .map(|f| {
                (
                    FileId {
                        dev: f.dev,
                        ino: f.ino,
                    },
                    f,
                )
            })
            .collect();
        Tailer {
            settings: Arc::new(Settings::new(config)),
            files: Vec::new(),
            restored,
            checkpointed_paths,
            first_poll_done: false,
            inactive_seq: 0,
            containers: HashMap::new(),
            open_failures: HashSet::new(),
            cursor: 0,
            scratch: vec![0; CHUNK_BYTES],
        }
    }

    /// Discovers files, detects rotation and truncation, and reads what is
    /// new: at most `max_lines` records, reading at most `max_bytes` bytes.
    /// A file that cannot be read is logged and retried next poll; this
    /// returns an error only if reading is impossible altogether (never,
    /// today).
    pub fn poll(&mut self, max_lines: usize, max_bytes: usize) -> io::Result<Poll> {
        self.poll_at(Instant::now(), max_lines, max_bytes)
    }

    /// Where every file stands after the records returned so far: persist
    /// it after those records are stored durably, pass it to
    /// [`Tailer::new`] on restart. It never covers a record still held back
    /// (multi-line, Docker partial, incomplete last line).
    pub fn checkpoint(&self) -> Checkpoint {
        let mut files: Vec<FileCheckpoint> = self.files.iter().map(Watched::checkpoint).collect();
        if !self.first_poll_done {
            files.extend(self.restored.values().cloned());
        }
        files.sort_by(|a, b| (&a.path, a.dev, a.ino).cmp(&(&b.path, b.dev, b.ino)));
        Checkpoint { files }
    }

    /// [`Tailer::poll`] with the clock given (for timeouts).
    pub(super) fn poll_at(
        &mut self,
        now: Instant,
        max_lines: usize,
        max_bytes: usize,
    ) -> io::Result<Poll> {
        self.discover();
        for file in &mut self.files {
            if let Err(error) = file.refresh() {
                tracing::warn!(path = %file.path, %error, "cannot stat tailed file");
            }
        }
        let order = self.order();
        let mut done = vec![false; self.files.len()];
        let mut closed = vec![false; self.files.len()];
        let mut out = Vec::new();
        let (mut lines_left, mut bytes_left) = (max_lines, max_bytes);
        while lines_left > 0 {
            let live = done.iter().filter(|d| !**d).count();
            if live == 0 {
                break;
            }
            let share = lines_left.div_ceil(live);
            let mut progress = false;
            for &i in &order {
                if done[i] || lines_left == 0 {
                    continue;
                }
                let before = out.len();
                let mut ctx = StepCtx {
                    scratch: &mut self.scratch,
                    lines: share.min(lines_left),
                    bytes: &mut bytes_left,
                    now,
                    out: &mut out,
                };
                match self.files[i].step(&mut ctx) {
                    Ok(Step::Idle) => {}
                    Ok(Step::Progress) => progress = true,
                    Ok(Step::Closed) => {
                        tracing::debug!(path = %self.files[i].path, "rotated file drained; closed");
                        (done[i], closed[i]) = (true, true);
                    }
                    Err(error) => {
                        tracing::warn!(path = %self.files[i].path, %error, "cannot read tailed file");
                        done[i] = true;
                    }
                }
                lines_left -= out.len() - before;
            }
            if !progress {
                break;
            }
        }
        for &i in &order {
            while lines_left > 0 && !closed[i] {
                let Some(record) = self.files[i].expire(now) else {
                    break;
                };
                out.push(record);
                lines_left -= 1;
            }
        }
        if closed.contains(&true) {
            let mut idx = 0;
            self.files.retain(|_| {
                idx += 1;
                !closed[idx - 1]
            });
            self.containers.retain(|_, meta| meta.strong_count() > 0);
        }
        Ok(Poll { records: out })
    }

    /// This poll's visiting order: rotated-away files first, each group
    /// starting one file further than last poll.
    fn order(&mut self) -> Vec<usize> {
        let n = self.files.len();
        if n == 0 {
            return Vec::new();
        }
        let start = self.cursor % n;
        self.cursor = self.cursor.wrapping_add(1);
        let (inactive, active): (Vec<usize>, Vec<usize>) = (0..n)
            .map(|k| (start + k) % n)
            .partition(|&i| !self.files[i].active);
        inactive.into_iter().chain(active).collect()
    }
}
