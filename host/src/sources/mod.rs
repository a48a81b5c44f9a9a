//! Log sources: where lines come from before a parser plugin structures
//! them and the log store keeps them (push endpoints live in `api/` and
//! `ingest/`).
//!
//! - `file/`: the tailer — globs, rename rotation, copytruncate,
//!   multi-line joining, Docker json-file, a checkpoint that resumes
//!   exactly after the last line handed out.
//! - `runner.rs`: one task per `[[source]]`: poll → parser plugin (looked
//!   up by name for each batch, so a reloaded parser takes over between
//!   batches) → log entries → one durable append that also stores the
//!   tailer's checkpoint (lines and position survive a crash together).
//! - `syslog.rs`: UDP and TCP (octet-counted or newline-framed) syslog
//!   listeners feeding the same parse-and-store path.
//! - `entries.rs`: parsed records → log entries (stream labels, time,
//!   typed fields, severity, parse errors).
//! - `metrics.rs`: per-source self-metrics.

mod entries;
pub mod file;
mod metrics;
mod runner;
mod syslog;

pub use metrics::SourceMetrics;
pub use runner::{ParserDirectory, RunningSource};
pub use syslog::SyslogSpec;

use std::time::Duration;

/// A validated `[[source]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSpec {
    /// Unique name.
    pub name: String,
    /// What it reads.
    pub kind: SourceKind,
    /// The parser plugin's name, if any.
    pub parser: Option<String>,
    /// The log type its lines are filed under.
    pub index: String,
    /// Stream labels of every line.
    pub labels: Vec<(String, String)>,
    /// Longer lines are cut.
    pub max_line_bytes: usize,
    /// Most lines per parser call.
    pub batch_lines: usize,
}

/// The kinds of source.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceKind {
    /// Files.
    File(FileSpec),
    /// A syslog listener.
    Syslog(SyslogSpec),
}

/// `type = "file"`.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSpec {
    /// Globs of files to read.
    pub include: Vec<String>,
    /// Globs of files to leave alone.
    pub exclude: Vec<String>,
    /// Docker json-file format.
    pub docker: bool,
    /// Files first seen are read from their end.
    pub start_at_end: bool,
    /// Multi-line joining.
    pub multiline: Option<MultilineSpec>,
    /// How often files are polled when idle.
    pub poll_interval: Duration,
}

/// `multiline = { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct MultilineSpec {
    /// The regex that starts an entry.
    pub start: String,
    /// Invert `start`.
    pub negate: bool,
    /// Most lines per entry.
    pub max_lines: usize,
    /// Emit a pending entry after this long without a new line.
    pub timeout: Duration,
}
