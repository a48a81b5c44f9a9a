//! The position a `Tailer` can resume from: per file, its identity and the
//! offset after everything handed out. Opaque to the caller, serde-ready,
//! and small (a few dozen bytes per file).
//!
//! A file's entry reads "every line before `offset` was handed out, except
//! those of each `pending` stream from its `from` on" (see `pipeline.rs`).
//! On restore, an entry applies to the file with the same `(dev, ino)` only
//! if the file still holds the bytes it describes: at least `offset` bytes,
//! the same first `fp_len` bytes (`fp`) and the same 64 bytes before
//! `offset` (`tail`); otherwise the file is read from the start.

use serde::{Deserialize, Serialize};

/// Where to resume every file being tailed; persist it only after the
/// records returned so far are stored.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    #[serde(default)]
    pub(super) files: Vec<FileCheckpoint>,
}

impl Checkpoint {
    /// Whether no file is recorded.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct FileCheckpoint {
    /// The path records of this file carry.
    pub path: String,
    pub dev: u64,
    pub ino: u64,
    /// Bytes at the head of the file the fingerprint covers.
    pub fp_len: u16,
    /// FNV-1a of those bytes.
    pub fp: u64,
    /// End of the last line handed out (or skipped past).
    pub offset: u64,
    /// FNV-1a of the (up to) 64 bytes before `offset`.
    pub tail: u64,
    /// Streams with lines before `offset` not handed out yet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<PendingFrom>,
}

/// A stream's lines from `from` on were held back (multi-line or partial).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct PendingFrom {
    /// The Docker stream; absent for plain files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    pub from: u64,
}
