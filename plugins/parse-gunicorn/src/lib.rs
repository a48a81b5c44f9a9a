//! Watchpost's stock `gunicorn` log parser: gunicorn's access log (its
//! default combined format, the common format, or any `access_log_format`)
//! and its error log, in one file or two.
//!
//! ```text
//! 127.0.0.1 - bob [26/Nov/2026:01:06:03 +0000] "POST /missing HTTP/1.1" 404 4 "-" "curl/7.88.1"
//! [2026-11-26 01:06:05 +0000] [8174] [CRITICAL] WORKER TIMEOUT (pid:8176)
//! ```
//!
//! Access lines give the client, request, `status`/`method` labels, bytes
//! and duration (see [`access`]); error lines the pid, severity and the
//! `event` label of the arbiter's and workers' messages. The lines of a
//! Python traceback after an error are records of their own with the
//! error's severity (see [`Tracebacks`]).

pub mod access;

use serde::Deserialize;
use watchpost_sdk::continuation::Tracebacks;
use watchpost_sdk::logtime;
use watchpost_sdk::{Parser, Record, Severity, SourceMeta};

/// The `[plugin.config]` table.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(D)s'`: gunicorn's
    /// setting of the same name. Gunicorn's default (the combined format)
    /// by default, which also reads the common format.
    pub access_log_format: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            access_log_format: access::DEFAULT_FORMAT.into(),
        }
    }
}

/// The parser.
pub struct GunicornParser {
    /// The formats tried in turn.
    formats: Vec<access::Format>,
    tracebacks: Tracebacks,
}

impl Parser for GunicornParser {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        let mut formats = vec![
            access::Format::compile(&config.access_log_format)
                .map_err(watchpost_sdk::Error::new)?,
        ];
        if config.access_log_format == access::DEFAULT_FORMAT {
            formats.push(
                access::Format::compile(access::COMMON_FORMAT)
                    .map_err(watchpost_sdk::Error::new)?,
            );
        }
        Ok(GunicornParser {
            formats,
            tracebacks: Tracebacks::default(),
        })
    }

    fn parse<'a>(&mut self, line: &'a str, _meta: &SourceMeta) -> Result<Record<'a>, String> {
        if let Some(record) = error_line(line) {
            self.tracebacks.logged(record.severity, record.timestamp_ns);
            return Ok(record);
        }
        if let Some(mut record) = self.formats.iter().find_map(|f| f.parse(line)) {
            record.severity = Severity::Info;
            return Ok(record);
        }
        self.tracebacks
            .line(line)
            .ok_or_else(|| "neither an access log line nor an error log line".into())
    }
}

watchpost_sdk::export_parser!(GunicornParser);

/// An error log line: `[2026-11-26 01:06:01 +0000] [8174] [INFO] message`.
pub fn error_line(line: &str) -> Option<Record<'_>> {
    let rest = line.strip_prefix('[')?;
    let (civil, rest) = logtime::parse_iso_datetime(rest, b' ')?;
    let rest = rest.strip_prefix(' ')?;
    let (zone, rest) = rest.split_once("] [")?;
    let timestamp_ns = civil.to_ns(logtime::parse_offset(zone)?)?;
    let (pid, rest) = rest.split_once("] [")?;
    let pid: i64 = pid.parse().ok()?;
    let (level, message) = rest.split_once(']')?;
    let message = match message.strip_prefix(' ') {
        Some(m) => m,
        None if message.is_empty() => message,
        None => return None,
    };
    let severity = match level {
        "DEBUG" => Severity::Debug,
        "INFO" => Severity::Info,
        "WARNING" => Severity::Warning,
        "ERROR" => Severity::Error,
        "CRITICAL" => Severity::Critical,
        _ => return None,
    };
    let mut record = Record::new(message)
        .timestamp_ns(timestamp_ns)
        .severity(severity)
        .field("pid", pid);
    event(message, &mut record);
    Some(record)
}

/// The arbiter's and workers' messages worth a label.
fn event<'a>(message: &'a str, record: &mut Record<'a>) {
    let pid_in = |s: &str| -> Option<i64> { s.trim().parse().ok() };
    let (name, worker_pid): (&'static str, Option<i64>) = if let Some(pid) =
        message.strip_prefix("Booting worker with pid: ")
    {
        ("worker_boot", pid_in(pid))
    } else if let Some(pid) = message
        .strip_prefix("WORKER TIMEOUT (pid:")
        .and_then(|r| r.strip_suffix(')'))
    {
        ("worker_timeout", pid_in(pid))
    } else if let Some(pid) = message
        .strip_prefix("Worker exiting (pid: ")
        .and_then(|r| r.strip_suffix(')'))
    {
        ("worker_exit", pid_in(pid))
    } else if let Some(rest) = message.strip_prefix("Worker (pid:") {
        // `Worker (pid:1240) was sent SIGKILL! Perhaps out of memory?`
        (
            "worker_killed",
            rest.split_once(')').and_then(|(pid, _)| pid_in(pid)),
        )
    } else if let Some(rest) = message.strip_prefix("Worker with pid ") {
        // `Worker with pid 1240 was terminated due to signal 9`
        (
            "worker_killed",
            rest.split_once(' ').and_then(|(pid, _)| pid_in(pid)),
        )
    } else if let Some(version) = message.strip_prefix("Starting gunicorn ") {
        record.fields.push(("version".into(), version.into()));
        ("start", None)
    } else if let Some(rest) = message.strip_prefix("Listening at: ") {
        let address = rest.rsplit_once(" (").map_or(rest, |(a, _)| a);
        record.fields.push(("address".into(), address.into()));
        ("listening", None)
    } else if let Some(signal) = message.strip_prefix("Handling signal: ") {
        record.fields.push(("signal".into(), signal.into()));
        ("signal", None)
    } else if message.starts_with("Shutting down: ") {
        ("shutdown", None)
    } else if let Some(request) = message.strip_prefix("Error handling request ") {
        record.fields.push(("request".into(), request.into()));
        ("request_error", None)
    } else if message == "Worker failed to boot." || message == "Reason: Worker failed to boot." {
        ("boot_failure", None)
    } else {
        return;
    };
    record.labels.push(("event".into(), name.into()));
    if let Some(pid) = worker_pid {
        record.fields.push(("worker_pid".into(), pid.into()));
    }
}

#[cfg(test)]
mod tests;
