//! What the file source is told to do: the [`TailConfig`] the host builds
//! from a validated `[[source]]`. `Tailer` turns it into the internal
//! [`Settings`] (compiled excludes, clamped limits) it shares with every
//! watched file.

use std::time::Duration;

use regex::Regex;
use serde::Deserialize;

/// Default cap on one record's text, in bytes.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 * 1024;
/// Default number of rotated-away files kept open until drained.
pub const DEFAULT_MAX_OPEN_ROTATED: usize = 8;
/// Docker's json-file lines carry at most 16 KiB of payload, JSON-escaped
/// (up to 6 bytes per byte): a physical line this long is always read whole,
/// whatever `max_line_bytes` says, so the JSON stays parseable.
const DOCKER_PHYSICAL_LINE_BYTES: usize = 128 * 1024;

/// How each line of a file is encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// One record per line of text.
    #[default]
    Plain,
    /// Docker's json-file log driver: `{"log":"…\n","stream":"stdout","time":"…"}`.
    DockerJson,
}

/// What to tail and how (a validated `[[source]]` becomes one).
#[derive(Clone, Debug)]
pub struct TailConfig {
    /// Glob patterns of the files to read.
    pub include: Vec<String>,
    /// Glob patterns of files to leave alone even if `include` matches them.
    pub exclude: Vec<String>,
    /// For files found by the first poll and not in the checkpoint: `false`
    /// reads them from the beginning, `true` only hands out lines written
    /// after that. Files that appear later are always read from the start.
    pub start_at_end: bool,
    /// Longer records are cut to this many bytes (on a char boundary) and
    /// marked `truncated`; the rest of the line is skipped without buffering.
    pub max_line_bytes: usize,
    /// Joins lines into multi-line records (stack traces).
    pub multiline: Option<Multiline>,
    /// How each line is encoded.
    pub format: FileFormat,
    /// Rotated-away files still being drained; beyond this, the oldest is
    /// closed (and its unread lines lost, with a warning).
    pub max_open_rotated: usize,
}

impl Default for TailConfig {
    fn default() -> Self {
        TailConfig {
            include: Vec::new(),
            exclude: Vec::new(),
            start_at_end: false,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            multiline: None,
            format: FileFormat::Plain,
            max_open_rotated: DEFAULT_MAX_OPEN_ROTATED,
        }
    }
}

/// Multi-line record joining.
#[derive(Clone, Debug)]
pub struct Multiline {
    /// A record starts at a line matching this (not matching, if `negate`).
    pub start: Regex,
    /// Inverts `start`.
    pub negate: bool,
    /// A record is emitted once it holds this many lines.
    pub max_lines: usize,
    /// A record is emitted once no line has joined it for this long.
    pub timeout: Duration,
}

/// A `TailConfig` made safe to run: excludes compiled, limits at least 1.
/// `Tailer::new` cannot fail, so a pattern that does not compile is logged
/// and skipped here (the manifest's validation refuses it up front).
#[derive(Debug)]
pub(super) struct Settings {
    pub include: Vec<String>,
    pub exclude: Vec<glob::Pattern>,
    pub start_at_end: bool,
    /// Cap on a record's text.
    pub max_line_bytes: usize,
    /// Cap on one physical line held while reading.
    pub physical_line_bytes: usize,
    pub multiline: Option<Multiline>,
    pub format: FileFormat,
    pub max_open_rotated: usize,
}

impl Settings {
    pub fn new(config: TailConfig) -> Settings {
        let include = config
            .include
            .into_iter()
            .filter(|p| match glob::Pattern::new(p) {
                Ok(_) => true,
                Err(error) => {
                    tracing::warn!(pattern = %p, %error, "ignoring invalid include glob");
                    false
                }
            })
            .collect();
        let exclude = config
            .exclude
            .iter()
            .filter_map(|p| match glob::Pattern::new(p) {
                Ok(pattern) => Some(pattern),
                Err(error) => {
                    tracing::warn!(pattern = %p, %error, "ignoring invalid exclude glob");
                    None
                }
            })
            .collect();
        let max_line_bytes = config.max_line_bytes.max(1);
        let physical_line_bytes = match config.format {
            FileFormat::Plain => max_line_bytes,
            FileFormat::DockerJson => max_line_bytes.max(DOCKER_PHYSICAL_LINE_BYTES),
        };
        let multiline = config.multiline.map(|mut m| {
            m.max_lines = m.max_lines.max(1);
            m
        });
        Settings {
            include,
            exclude,
            start_at_end: config.start_at_end,
            max_line_bytes,
            physical_line_bytes,
            multiline,
            format: config.format,
            max_open_rotated: config.max_open_rotated,
        }
    }
}
