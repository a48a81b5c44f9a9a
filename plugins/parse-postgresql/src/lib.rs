//! Watchpost's stock `postgresql` log parser: PostgreSQL 15's `stderr` log
//! (any `log_line_prefix`, Debian's `%m [%p] %q%u@%d ` by default) and its
//! `csvlog`.
//!
//! ```text
//! 2026-11-25 10:00:01.123 UTC [4321] app@maildb LOG:  duration: 1503.200 ms  statement: SELECT ...
//! 2026-11-25 10:00:01.123 UTC,"app","maildb",4321,"127.0.0.1:47586",6b0785e8.10e1,4,"SELECT",...,ERROR,42P01,"relation ""x"" does not exist",...
//! ```
//!
//! The prefix (see [`prefix`]) or the CSV columns give the timestamp, pid,
//! user, database, ...; the severity word the record's severity; the message
//! text (see [`message`]) the duration and statement. A stderr message's
//! `DETAIL:`, `HINT:`, `CONTEXT:` and `STATEMENT:` lines, and the
//! tab-indented lines of a multi-line message, are records of their own that
//! take the severity of the line they belong to.

pub mod csvlog;
pub mod message;
pub mod prefix;

use serde::Deserialize;
use std::borrow::Cow;
use watchpost_sdk::continuation::Continuation;
use watchpost_sdk::logtime::Timezone;
use watchpost_sdk::{Parser, Record, Severity, SourceMeta, Value};

/// The `[plugin.config]` table.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `format = "csvlog"`: which of PostgreSQL's log destinations the
    /// lines come from, `"stderr"` (the default) or `"csvlog"`.
    pub format: Format,
    /// `log_line_prefix = "%m [%p] %q%u@%d "`: the server's setting, for
    /// stderr lines (Debian's default).
    pub log_line_prefix: String,
    /// `timezone = "+01:00"`: the UTC offset of a `log_timezone`
    /// abbreviation this parser does not know (UTC, GMT, CET, EST, ...
    /// and numeric zones are understood). `"UTC"` by default.
    pub timezone: Timezone,
}

/// A PostgreSQL log destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Stderr,
    Csvlog,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            format: Format::Stderr,
            log_line_prefix: "%m [%p] %q%u@%d ".into(),
            timezone: Timezone::UTC,
        }
    }
}

/// The parser.
pub struct PostgresParser {
    format: Format,
    prefix: prefix::Prefix,
    offset_secs: i32,
    /// The last message line's severity and timestamp, given to the
    /// `DETAIL:`/`STATEMENT:` and continuation lines that follow it.
    lines: Continuation,
    /// The last message line's pid: a `DETAIL:` line of another process
    /// does not take its severity; a continuation line gets it as a field.
    last_pid: Option<i64>,
}

impl Parser for PostgresParser {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        Ok(PostgresParser {
            format: config.format,
            prefix: prefix::Prefix::compile(&config.log_line_prefix)
                .map_err(watchpost_sdk::Error::new)?,
            offset_secs: config.timezone.offset_secs(),
            lines: Continuation::default(),
            last_pid: None,
        })
    }

    fn parse<'a>(&mut self, line: &'a str, _meta: &SourceMeta) -> Result<Record<'a>, String> {
        let line = line.strip_suffix('\r').unwrap_or(line);
        match self.format {
            Format::Stderr => self.stderr(line),
            Format::Csvlog => self.csvlog(line),
        }
    }
}

watchpost_sdk::export_parser!(PostgresParser);

/// Message lines (their own severity) and the lines that add to the message
/// before them (the field they fill).
fn level(word: &str) -> Option<Result<Severity, &'static str>> {
    Some(match word {
        "DEBUG" | "DEBUG1" | "DEBUG2" | "DEBUG3" | "DEBUG4" | "DEBUG5" => Ok(Severity::Debug),
        "LOG" | "INFO" => Ok(Severity::Info),
        "NOTICE" => Ok(Severity::Notice),
        "WARNING" => Ok(Severity::Warning),
        "ERROR" => Ok(Severity::Error),
        "FATAL" => Ok(Severity::Critical),
        "PANIC" => Ok(Severity::Emergency),
        "DETAIL" => Err("detail"),
        "HINT" => Err("hint"),
        "CONTEXT" => Err("context"),
        "STATEMENT" => Err("statement"),
        "QUERY" => Err("internal_query"),
        "LOCATION" => Err("location"),
        _ => return None,
    })
}

/// `SEVERITY:  text` at the start of `s`.
fn severity_word(s: &str) -> Option<(&str, &str)> {
    let (word, text) = s.split_once(":  ")?;
    level(word).map(|_| (word, text))
}

impl PostgresParser {
    fn stderr<'a>(&mut self, line: &'a str) -> Result<Record<'a>, String> {
        if let Some(text) = line.strip_prefix('\t') {
            // The next line of a multi-line message or statement.
            let record = self.lines.record(text);
            return Ok(match self.last_pid {
                Some(pid) => record.field("pid", pid),
                None => record,
            });
        }
        let (values, rest) = self
            .prefix
            .matches(line, self.offset_secs, |rest| severity_word(rest).is_some())
            .ok_or("no log_line_prefix and severity at the start of the line")?;
        let Some((word, text)) = severity_word(rest) else {
            return Err("no severity after the prefix".into());
        };
        let mut record = Record::new(text);
        record.timestamp_ns = values.timestamp_ns;
        let mut pid = None;
        for (name, value) in values.fields {
            let value = match value {
                prefix::Field::Text(t) => Value::from(t),
                prefix::Field::Integer(i) => {
                    if name == "pid" {
                        pid = Some(i);
                    }
                    Value::Integer(i)
                }
                prefix::Field::Timestamp(ns) => Value::Timestamp(ns),
            };
            record.fields.push((name.into(), value));
        }
        match level(word) {
            Some(Ok(severity)) => {
                record.severity = severity;
                record.fields.push(("error_severity".into(), word.into()));
                add_message_fields(&mut record, &Cow::Borrowed(text));
            }
            Some(Err(field)) => {
                // Same process as the message before: its severity.
                record.severity = self
                    .lines
                    .severity()
                    .filter(|_| self.last_pid == pid)
                    .unwrap_or(Severity::Info);
                record.fields.push((field.into(), text.into()));
                return Ok(record);
            }
            None => return Err("no severity after the prefix".into()),
        }
        self.lines.logged(record.severity, record.timestamp_ns);
        self.last_pid = pid;
        Ok(record)
    }

    fn csvlog<'a>(&mut self, line: &'a str) -> Result<Record<'a>, String> {
        let mut columns = csvlog::split(line)?;
        if columns.len() < 23 {
            return Err(format!(
                "{} columns: a csvlog row has 23 to 26",
                columns.len()
            ));
        }
        let (timestamp_ns, _) = prefix::timestamp(&columns[0], self.offset_secs)
            .ok_or("log_time is not a timestamp")?;
        let severity = match level(&columns[11]) {
            Some(Ok(severity)) => severity,
            _ => return Err(format!("unknown error_severity {:?}", columns[11])),
        };
        let message = std::mem::take(&mut columns[13]);
        let mut record = Record::new(message.clone())
            .timestamp_ns(timestamp_ns)
            .severity(severity);
        for (i, value) in columns.into_iter().enumerate() {
            if value.is_empty() || matches!(i, 0 | 13) {
                continue;
            }
            let name = match i {
                1 => "user",
                2 => "database",
                4 => "client",
                5 => "session_id",
                7 => "command_tag",
                9 => "vxid",
                11 => "error_severity",
                12 => "sql_state",
                14 => "detail",
                15 => "hint",
                16 => "internal_query",
                18 => "context",
                19 => "statement",
                21 => "location",
                22 => "application_name",
                23 => {
                    record.labels.push(("backend_type".into(), value.clone()));
                    "backend_type"
                }
                3 | 6 | 10 | 17 | 20 | 24 | 25 => {
                    let name = match i {
                        3 => "pid",
                        6 => "session_line",
                        10 => "xid",
                        17 => "internal_query_pos",
                        20 => "position",
                        24 => "leader_pid",
                        _ => "query_id",
                    };
                    match value.parse::<i64>() {
                        // 0 is "none" for xid, leader_pid and query_id.
                        Ok(0) if matches!(i, 10 | 24 | 25) => {}
                        Ok(n) => record.fields.push((name.into(), n.into())),
                        Err(_) => record.fields.push((name.into(), Value::Text(value))),
                    }
                    continue;
                }
                8 => {
                    if let Some((ns, _)) = prefix::timestamp(&value, self.offset_secs) {
                        record
                            .fields
                            .push(("session_start".into(), Value::Timestamp(ns)));
                    }
                    continue;
                }
                _ => continue,
            };
            if name == "client" {
                // `host:port`, or `[local]` for a Unix socket.
                let (host, port) = match value.rsplit_once(':') {
                    Some((h, p)) if p.parse::<i64>().is_ok() => (h, p.parse::<i64>().ok()),
                    _ => (value.as_ref(), None),
                };
                let host = match &value {
                    Cow::Borrowed(v) => Cow::Borrowed(&v[..host.len()]),
                    Cow::Owned(_) => Cow::Owned(host.to_string()),
                };
                record
                    .fields
                    .push(("client_host".into(), Value::Text(host)));
                if let Some(port) = port {
                    record.fields.push(("client_port".into(), port.into()));
                }
                continue;
            }
            record.fields.push((name.into(), Value::Text(value)));
        }
        add_message_fields(&mut record, &message);
        Ok(record)
    }
}

/// Adds what [`message::analyze`] finds in `message`, skipping fields the
/// record already has (the prefix's user, the csvlog's application name).
#[allow(clippy::ptr_arg)] // The variant decides: borrow from the line or copy.
fn add_message_fields<'a>(record: &mut Record<'a>, message: &Cow<'a, str>) {
    for (name, value) in message::analyze(message) {
        if record.fields.iter().any(|(n, _)| n == name) {
            continue;
        }
        let value = match value {
            message::Val::Text(range) => Value::Text(match message {
                Cow::Borrowed(m) => Cow::Borrowed(&m[range]),
                Cow::Owned(m) => Cow::Owned(m[range].to_string()),
            }),
            message::Val::Integer(i) => Value::Integer(i),
            message::Val::Float(f) => Value::Float(f),
        };
        record.fields.push((name.into(), value));
    }
}

#[cfg(test)]
mod tests;
