//! Watchpost's stock `logfmt` log parser, for the lines go-kit, logrus,
//! zerolog's console writer, Heroku and Grafana's own tools write:
//!
//! ```text
//! ts=2026-11-25T10:00:01.123Z level=info msg="request served" method=GET status=200 duration=1.5s cached
//! ```
//!
//! becomes a record at 10:00:01.123, severity info, message `request
//! served`, and fields `method="GET"`, `status=200`, `duration="1.5s"` (or
//! `1.5` seconds with `durations = true`) and `cached=""` (a bare key has an
//! empty value, as in go-logfmt). The grammar is go-logfmt's exactly (see
//! `scan`); keys and unescaped values are borrowed from the line.

mod scan;

use serde::Deserialize;
use std::borrow::Cow;
use watchpost_sdk::logtime::{TimeParser, Timezone};
use watchpost_sdk::parser::{sanitize_name, severity_from_name};
use watchpost_sdk::{Parser, Record, Severity, SourceMeta, Value};

/// The `[plugin.config]` table.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `level_key = "lvl"`. Default: the first present of `level`, `lvl`,
    /// `severity`.
    pub level_key: Option<String>,
    /// `message_key = "message"`. Default: the first present of `msg`,
    /// `message`. A line without one keeps the whole line as its message.
    pub message_key: Option<String>,
    /// `time_key = "time"`. Default: the first present of `ts`, `time`,
    /// `timestamp`.
    pub time_key: Option<String>,
    /// `time_format = "auto"`: `auto` (RFC 3339, epoch numbers, common log
    /// layouts), `rfc3339`, `unix`, `unix_ms`, ... or a strftime layout.
    pub time_format: String,
    /// `timezone = "+01:00"`: the offset of times written without one.
    pub timezone: Timezone,
    /// `labels = ["service"]`: keys to index as labels (keep them
    /// low-cardinality). Default `["logger", "service", "component"]`.
    pub labels: Vec<String>,
    /// `durations = true`: Go durations (`1.5s`, `250ms`, `1h2m`) become
    /// float seconds instead of text.
    pub durations: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            level_key: None,
            message_key: None,
            time_key: None,
            time_format: "auto".into(),
            timezone: Timezone::UTC,
            labels: vec!["logger".into(), "service".into(), "component".into()],
            durations: false,
        }
    }
}

/// The parser: its config, resolved.
pub struct LogfmtParser {
    level_keys: Vec<String>,
    message_keys: Vec<String>,
    time_keys: Vec<String>,
    labels: Vec<String>,
    durations: bool,
    time: TimeParser,
}

fn keys(configured: Option<String>, defaults: &[&str]) -> Vec<String> {
    match configured {
        Some(key) => vec![key],
        None => defaults.iter().map(|s| s.to_string()).collect(),
    }
}

impl Parser for LogfmtParser {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        Ok(LogfmtParser {
            time: TimeParser::new(&config.time_format, config.timezone)
                .map_err(watchpost_sdk::Error::new)?,
            level_keys: keys(config.level_key, &["level", "lvl", "severity"]),
            message_keys: keys(config.message_key, &["msg", "message"]),
            time_keys: keys(config.time_key, &["ts", "time", "timestamp"]),
            labels: config.labels,
            durations: config.durations,
        })
    }

    fn parse<'a>(&mut self, line: &'a str, _meta: &SourceMeta) -> Result<Record<'a>, String> {
        let pairs = scan::pairs(line)?;
        // Grammatically any words are logfmt (bare keys); a line without a
        // single `key=value` is almost surely not.
        if !pairs.iter().any(|p| p.has_equals) {
            return Err("no key=value pair in line".into());
        }
        let find = |keys: &[String]| {
            keys.iter()
                .find_map(|k| pairs.iter().position(|p| p.key == k))
        };
        let (message, level, time) = (
            find(&self.message_keys),
            find(&self.level_keys),
            find(&self.time_keys),
        );
        let mut record = Record::new(line);
        for (i, pair) in pairs.into_iter().enumerate() {
            if Some(i) == message {
                record.message = pair.value;
                continue;
            }
            if Some(i) == level {
                record.severity = severity_from_name(&pair.value);
                if record.severity != Severity::Unknown {
                    continue;
                }
            }
            if Some(i) == time
                && let Some(ts) = self.time.parse(&pair.value)
            {
                record.timestamp_ns = Some(ts);
                continue;
            }
            let name = sanitize_name(Cow::Borrowed(pair.key), true);
            if self.labels.iter().any(|l| l == pair.key) {
                record.labels.push((name, pair.value));
            } else if pair.quoted {
                record.fields.push((name, Value::Text(pair.value)));
            } else {
                record
                    .fields
                    .push((name, typed(pair.value, self.durations)));
            }
        }
        Ok(record)
    }
}

watchpost_sdk::export_parser!(LogfmtParser);

/// An unquoted value typed: integer, float (plain decimal spellings only:
/// `inf`, `NaN`, `0x1F` stay text), boolean (`true`, `True`, `TRUE` and the
/// `false`s), a Go duration as seconds when `durations` is on, else text.
fn typed(value: Cow<'_, str>, durations: bool) -> Value<'_> {
    if let Ok(i) = value.parse::<i64>() {
        return Value::Integer(i);
    }
    let numeric = value.bytes().any(|b| b.is_ascii_digit())
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    if numeric && let Ok(f) = value.parse::<f64>() {
        return Value::Float(f);
    }
    match value.as_ref() {
        "true" | "True" | "TRUE" => return Value::Boolean(true),
        "false" | "False" | "FALSE" => return Value::Boolean(false),
        _ => {}
    }
    if durations && let Some(seconds) = go_duration_seconds(&value) {
        return Value::Float(seconds);
    }
    Value::Text(value)
}

/// A Go duration (`time.ParseDuration`: `300ms`, `-1.5h`, `2h45m`, `1µs`)
/// in seconds.
fn go_duration_seconds(text: &str) -> Option<f64> {
    let (negative, mut s) = match text.strip_prefix(['-', '+']) {
        Some(rest) => (text.starts_with('-'), rest),
        None => (false, text),
    };
    if s == "0" {
        return Some(0.0);
    }
    if s.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !s.is_empty() {
        let number_len = s
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(s.len());
        let number = &s[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        let rest = &s[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += number.parse::<f64>().ok()? * scale;
        s = &rest[unit_len..];
    }
    Some(if negative { -total } else { total })
}

#[cfg(test)]
mod tests;
