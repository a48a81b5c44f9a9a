//! Tests of the file source through [`Tailer`], on real files in a temporary
//! directory with a fake clock; each checks the exact records, in order.

mod basic;
mod docker;
mod multiline;
mod restart;
mod rotation;
mod soak;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::{Checkpoint, TailConfig, TailRecord, Tailer};

/// A temporary directory and a fixed start time.
struct Env {
    dir: TempDir,
    t0: Instant,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            t0: Instant::now(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A config including `patterns` (relative to the directory).
    fn config(&self, patterns: &[&str]) -> TailConfig {
        TailConfig {
            include: patterns
                .iter()
                .map(|p| self.path(p).to_string_lossy().into())
                .collect(),
            ..TailConfig::default()
        }
    }

    /// The label records of file `name` carry.
    fn label(&self, name: &str) -> String {
        self.path(name).to_string_lossy().into()
    }

    /// One poll at `t0 + secs`, with a generous budget.
    fn poll_at(&self, tailer: &mut Tailer, secs: f64) -> Vec<TailRecord> {
        let now = self.t0 + Duration::from_secs_f64(secs);
        tailer.poll_at(now, 10_000, usize::MAX).unwrap().records
    }

    fn poll(&self, tailer: &mut Tailer) -> Vec<TailRecord> {
        self.poll_at(tailer, 0.0)
    }
}

/// Creates (or empties) `path` and writes `bytes`.
fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    fs::write(path, bytes).unwrap();
}

fn append(path: &Path, bytes: impl AsRef<[u8]>) {
    let mut file = OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(bytes.as_ref()).unwrap();
}

/// An appending handle, as a daemon keeps across a rename.
fn writer(path: &Path) -> File {
    OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap()
}

fn lines(records: &[TailRecord]) -> Vec<&str> {
    records.iter().map(|r| r.line.as_str()).collect()
}

/// `(label, line)` of each record.
fn labelled(records: &[TailRecord]) -> Vec<(String, String)> {
    records
        .iter()
        .map(|r| (r.path.to_string(), r.line.clone()))
        .collect()
}

/// `labelled`, grouped by file (stable: each file's records stay in order);
/// for polls over several files, whose interleaving is round-robin's.
fn by_file(records: &[TailRecord]) -> Vec<(String, String)> {
    let mut pairs = labelled(records);
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs
}

/// The pairs `labelled` should return for `name`'s `lines`.
fn from(env: &Env, name: &str, lines: &[&str]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|l| (env.label(name), l.to_string()))
        .collect()
}

/// A checkpoint as it would come back from storage.
fn persisted(checkpoint: &Checkpoint) -> Checkpoint {
    let json = serde_json::to_string(checkpoint).unwrap();
    serde_json::from_str(&json).unwrap()
}
