//! Watchpost's stock `celery` log parser: Celery 5 worker and beat logs in
//! the default formats (`worker_log_format`, `worker_task_log_format`).
//!
//! ```text
//! [2026-11-25 10:00:01,123: INFO/MainProcess] Task tasks.send_email[9a1b...] received
//! [2026-11-25 10:00:01,124: INFO/ForkPoolWorker-3] tasks.send_email[9a1b...]: sending mail to bob@example.org
//! ```
//!
//! The `[time: LEVEL/process]` header gives the timestamp, the severity and
//! the `process` label (`MainProcess`, `ForkPoolWorker`, `Beat`, ...);
//! [`events`] reads task events into the `event` label. The lines of a
//! Python traceback after an error are records of their own with the
//! error's severity (see [`Tracebacks`]).

pub mod events;

use serde::Deserialize;
use watchpost_sdk::continuation::Tracebacks;
use watchpost_sdk::logtime::{self, Timezone};
use watchpost_sdk::{Parser, Record, Severity, SourceMeta};

/// The `[plugin.config]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `timezone = "+02:00"`: the UTC offset of the worker's local time,
    /// which Celery's timestamps are written in without a zone. `"UTC"` by
    /// default.
    pub timezone: Timezone,
}

/// The parser.
pub struct CeleryParser {
    offset_secs: i32,
    tracebacks: Tracebacks,
}

impl Parser for CeleryParser {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        Ok(CeleryParser {
            offset_secs: config.timezone.offset_secs(),
            tracebacks: Tracebacks::default(),
        })
    }

    fn parse<'a>(&mut self, line: &'a str, _meta: &SourceMeta) -> Result<Record<'a>, String> {
        let Some(header) = header(line, self.offset_secs) else {
            return self
                .tracebacks
                .line(line)
                .ok_or_else(|| "no `[time: LEVEL/process]` header".into());
        };
        let kind = process_kind(header.process);
        let mut record = Record::new(header.message)
            .timestamp_ns(header.timestamp_ns)
            .severity(header.severity)
            .label("process", kind)
            .field("process_name", header.process);
        events::parse(header.message, &mut record);
        self.tracebacks.logged(record.severity, record.timestamp_ns);
        Ok(record)
    }
}

watchpost_sdk::export_parser!(CeleryParser);

/// A log line's `[2026-11-25 10:00:01,123: INFO/MainProcess] ` header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Header<'a> {
    pub timestamp_ns: i64,
    pub severity: Severity,
    pub process: &'a str,
    pub message: &'a str,
}

/// Reads the header of `line`.
pub fn header(line: &str, offset_secs: i32) -> Option<Header<'_>> {
    let rest = line.strip_prefix('[')?;
    let (civil, rest) = logtime::parse_iso_datetime(rest, b' ')?;
    let rest = rest.strip_prefix(": ")?;
    let (level, rest) = rest.split_once('/')?;
    let close = rest
        .find("] ")
        .or_else(|| rest.strip_suffix(']').map(|r| r.len()))?;
    let process = &rest[..close];
    if process.is_empty() || process.contains(' ') {
        return None;
    }
    let message = rest.get(close + 2..).unwrap_or("");
    let severity = match level {
        "DEBUG" => Severity::Debug,
        "INFO" => Severity::Info,
        "WARNING" | "WARN" => Severity::Warning,
        "ERROR" => Severity::Error,
        "CRITICAL" | "FATAL" => Severity::Critical,
        _ => return None,
    };
    Some(Header {
        timestamp_ns: civil.to_ns(offset_secs)?,
        severity,
        process,
        message,
    })
}

/// `ForkPoolWorker-3` → `ForkPoolWorker`: the label stays low-cardinality.
pub fn process_kind(process: &str) -> &str {
    match process.rsplit_once('-') {
        Some((kind, n)) if !kind.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => kind,
        _ => process,
    }
}

#[cfg(test)]
mod tests;
