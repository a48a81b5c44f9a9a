//! What a poll hands out: one [`TailRecord`] per line (or multi-line record).

use std::sync::Arc;

/// The records one `Tailer::poll` read.
#[derive(Debug, Default)]
pub struct Poll {
    /// In the order read: a file's records in file order; files interleaved.
    pub records: Vec<TailRecord>,
}

/// One line, or one multi-line record, of a file.
#[derive(Clone, Debug, PartialEq)]
pub struct TailRecord {
    /// The file it came from, as named when the file was first read (a
    /// rotated file keeps the name it had).
    pub path: Arc<str>,
    /// The text, without its line terminator; invalid UTF-8 replaced.
    pub line: String,
    /// The line was longer than `max_line_bytes` and was cut.
    pub truncated: bool,
    /// Lines joined into this record (1 without multi-line; a Docker line
    /// split into partial entries counts once).
    pub lines: u32,
    /// Docker: `stdout` or `stderr`.
    pub stream: Option<String>,
    /// Docker: the entry's `time`, in nanoseconds since the epoch (of the
    /// first part of a joined line, of the first line of a multi-line record).
    pub time_ns: Option<i64>,
    /// Docker: the 64-hex id of the container directory.
    pub container_id: Option<String>,
    /// Docker: the container's name from `config.v2.json`, without the `/`.
    pub container_name: Option<String>,
}
