//! Watchpost's stock `json` log parser: one JSON object per line, as
//! python-json-logger, structlog, zap, zerolog, bunyan or logrus write them.
//!
//! ```text
//! {"asctime": "2026-11-25 10:00:01,123", "levelname": "ERROR", "name": "app.api",
//!  "message": "send failed", "duration_ms": 12.5, "status": 500, "ctx": {"user": "bob"}}
//! ```
//!
//! becomes a record at 2026-11-25T10:00:01.123Z, severity error, message
//! `send failed`, label `name=app.api` and fields `duration_ms=12.5`,
//! `status=500`, `ctx_user="bob"`. Nested objects are flattened as Loki's
//! `json` stage does; arrays stay as their JSON text. Every value is first
//! taken as its raw text in the line (`serde_json::value::RawValue`), so keys,
//! strings without escapes, arrays and deep objects are borrowed slices of
//! the line: only flattened names and escaped strings are copied.

mod flatten;

use flatten::{Entries, Flattener, string_value};
use serde::Deserialize;
use watchpost_sdk::logtime::{TimeParser, Timezone};
use watchpost_sdk::parser::{sanitize_name, severity_from_name};
use watchpost_sdk::{Parser, Record, Severity, SourceMeta};

/// The `[plugin.config]` table.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `timestamp_field = "ts"`: the key holding the time. Default: the first
    /// present of `timestamp`, `@timestamp`, `time`, `ts`, `asctime`.
    pub timestamp_field: Option<String>,
    /// `timestamp_format = "auto"`: `auto` (RFC 3339, `2026-11-25
    /// 10:00:01,123`, epoch seconds/millis/micros/nanos by magnitude, common
    /// log layouts), `rfc3339`, `unix`, `unix_ms`, `unix_us`, `unix_ns`, or
    /// a strftime layout such as `"%d/%m/%Y %H:%M:%S"`.
    pub timestamp_format: String,
    /// `timezone = "+01:00"`: the offset of times written without one
    /// (Python's `asctime` is local time). Default UTC.
    pub timezone: Timezone,
    /// `level_field = "lvl"`. Default: the first present of `level`,
    /// `levelname`, `severity`, `lvl`.
    pub level_field: Option<String>,
    /// `message_field = "msg"`. Default: the first present of `message`,
    /// `msg`, `event`. A line without one keeps the whole line as message.
    pub message_field: Option<String>,
    /// `labels = ["service"]`: top-level keys whose string values become
    /// labels (keep them low-cardinality). Default `["logger", "name",
    /// "service"]` (`name` is python-json-logger's logger name).
    pub labels: Vec<String>,
    /// `flatten_separator = "_"`: joins the keys of nested objects.
    pub flatten_separator: String,
    /// `max_depth = 8`: objects nested deeper than this stay as JSON text
    /// (1 to 64; 1 flattens nothing).
    pub max_depth: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            timestamp_field: None,
            timestamp_format: "auto".into(),
            timezone: Timezone::UTC,
            level_field: None,
            message_field: None,
            labels: vec!["logger".into(), "name".into(), "service".into()],
            flatten_separator: "_".into(),
            max_depth: 8,
        }
    }
}

/// The parser: its config, resolved.
pub struct JsonParser {
    timestamp_fields: Vec<String>,
    level_fields: Vec<String>,
    message_fields: Vec<String>,
    labels: Vec<String>,
    time: TimeParser,
    flattener: Flattener,
    /// Which members of the line a role took, reused from line to line.
    used: Vec<bool>,
}

fn names(configured: Option<String>, defaults: &[&str]) -> Vec<String> {
    match configured {
        Some(name) => vec![name],
        None => defaults.iter().map(|s| s.to_string()).collect(),
    }
}

impl Parser for JsonParser {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        let time = TimeParser::new(&config.timestamp_format, config.timezone)
            .map_err(watchpost_sdk::Error::new)?;
        // Flattening recurses once per level: keep the guest's stack safe.
        if !(1..=64).contains(&config.max_depth) {
            return Err(watchpost_sdk::Error::new(
                "max_depth must be between 1 and 64",
            ));
        }
        Ok(JsonParser {
            timestamp_fields: names(
                config.timestamp_field,
                &["timestamp", "@timestamp", "time", "ts", "asctime"],
            ),
            level_fields: names(
                config.level_field,
                &["level", "levelname", "severity", "lvl"],
            ),
            message_fields: names(config.message_field, &["message", "msg", "event"]),
            labels: config.labels,
            time,
            flattener: Flattener {
                separator: config.flatten_separator,
                max_depth: config.max_depth,
            },
            used: Vec::new(),
        })
    }

    fn parse<'a>(&mut self, line: &'a str, _meta: &SourceMeta) -> Result<Record<'a>, String> {
        let text = line.trim().trim_start_matches('\u{feff}');
        if !text.starts_with('{') {
            return Err(if text.is_empty() {
                "empty line".into()
            } else {
                "not a JSON object".into()
            });
        }
        let Entries(entries) =
            serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
        let used = &mut self.used;
        used.clear();
        used.resize(entries.len(), false);
        let mut record = Record::new(line);

        // The first configured key that is present (in the order of the
        // list, not of the line) plays each role.
        let find = |names: &[String]| {
            names
                .iter()
                .find_map(|n| entries.iter().position(|(k, _)| k == n))
        };
        if let Some(i) = find(&self.message_fields)
            && let Some(message) = string_value(entries[i].1.get())
        {
            record.message = message;
            used[i] = true;
        }
        if let Some(i) = find(&self.level_fields)
            && let Some(level) = string_value(entries[i].1.get())
        {
            record.severity = severity_from_name(&level);
            // An unknown level stays a field so nothing is lost.
            used[i] = record.severity != Severity::Unknown;
        }
        if let Some(i) = find(&self.timestamp_fields) {
            let raw = entries[i].1.get();
            let ts = match string_value(raw) {
                Some(s) => self.time.parse(&s),
                None if raw.starts_with(|c: char| c == '-' || c.is_ascii_digit()) => {
                    self.time.parse(raw)
                }
                None => None,
            };
            if let Some(ts) = ts {
                record.timestamp_ns = Some(ts);
                used[i] = true;
            }
        }
        for (i, (key, raw)) in entries.into_iter().enumerate() {
            if used[i] {
                continue;
            }
            if self.labels.iter().any(|l| *l == key)
                && let Some(value) = string_value(raw.get())
            {
                record.labels.push((sanitize_name(key, true), value));
                continue;
            }
            self.flattener
                .push(&mut record.fields, None, key, raw.get(), 1)?;
        }
        Ok(record)
    }
}

watchpost_sdk::export_parser!(JsonParser);

#[cfg(test)]
mod tests;
