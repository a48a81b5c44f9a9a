//! Example log parser for `key=value` lines (logfmt style):
//!
//! ```text
//! level=info msg="hello world" user=bob latency_ms=12
//! ```
//!
//! `level` sets the record's severity, `msg` its message, the keys listed in
//! `labels` become labels, and every other pair a typed field (integer, float,
//! boolean or text). Names and values are borrowed from the line; only a
//! quoted value with escapes is copied.

use serde::Deserialize;
use std::borrow::Cow;
use watchpost_sdk::{Parser, Record, Severity, SourceMeta, Value};

/// The `[plugin.config]` table.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `labels = ["service"]`: keys to index as labels instead of fields.
    pub labels: Vec<String>,
    /// `level_key = "level"`: the key holding the severity.
    pub level_key: String,
    /// `message_key = "msg"`: the key holding the message; lines without it
    /// keep the whole line as their message.
    pub message_key: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            labels: Vec::new(),
            level_key: "level".into(),
            message_key: "msg".into(),
        }
    }
}

/// The parser: just its config.
pub struct KvParser {
    config: Config,
}

impl Parser for KvParser {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        Ok(KvParser { config })
    }

    fn parse<'a>(&mut self, line: &'a str, _meta: &SourceMeta) -> Result<Record<'a>, String> {
        let pairs = pairs(line)?;
        if pairs.is_empty() {
            return Err("no key=value pair in line".into());
        }
        let mut record = Record::new(line);
        for pair in pairs {
            if pair.key == self.config.level_key {
                record.severity = severity(&pair.value);
                if record.severity != Severity::Unknown {
                    continue;
                }
            }
            if pair.key == self.config.message_key {
                record.message = pair.value;
            } else if self.config.labels.iter().any(|l| l == pair.key) {
                record.labels.push((Cow::Borrowed(pair.key), pair.value));
            } else {
                let value = if pair.quoted {
                    Value::Text(pair.value)
                } else {
                    typed(pair.value)
                };
                record.fields.push((Cow::Borrowed(pair.key), value));
            }
        }
        Ok(record)
    }
}

watchpost_sdk::export_parser!(KvParser);

/// One `key=value` pair.
#[derive(Debug, PartialEq)]
pub struct Pair<'a> {
    pub key: &'a str,
    pub value: Cow<'a, str>,
    /// Written as `key="..."`: always text, never typed.
    pub quoted: bool,
}

/// Splits a line into its pairs; bare words (no `=`) are skipped.
pub fn pairs(line: &str) -> Result<Vec<Pair<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        let word_end = rest.find([' ', '\t', '=']).unwrap_or(rest.len());
        let key = &rest[..word_end];
        rest = &rest[word_end..];
        let Some(after_eq) = rest.strip_prefix('=') else {
            // A bare word such as `done` in `done user=bob`.
            rest = rest.trim_start();
            continue;
        };
        if key.is_empty() {
            return Err("'=' without a key".into());
        }
        let (value, quoted, next) = match after_eq.strip_prefix('"') {
            Some(body) => {
                let (value, next) = quoted_value(body)
                    .ok_or_else(|| format!("unterminated quoted value for {key}"))?;
                (value, true, next)
            }
            None => {
                let end = after_eq.find([' ', '\t']).unwrap_or(after_eq.len());
                (Cow::Borrowed(&after_eq[..end]), false, &after_eq[end..])
            }
        };
        out.push(Pair { key, value, quoted });
        rest = next.trim_start();
    }
    Ok(out)
}

/// The value after an opening quote and the text after its closing quote.
/// `\"` and `\\` are unescaped (copying only then), `\n` becomes a newline.
fn quoted_value(body: &str) -> Option<(Cow<'_, str>, &str)> {
    let mut owned: Option<String> = None;
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                let value = owned.map_or(Cow::Borrowed(&body[..i]), Cow::Owned);
                return Some((value, &body[i + 1..]));
            }
            '\\' => {
                let buf = owned.get_or_insert_with(|| body[..i].to_string());
                match chars.next()?.1 {
                    'n' => buf.push('\n'),
                    't' => buf.push('\t'),
                    other => buf.push(other),
                }
            }
            c => {
                if let Some(buf) = owned.as_mut() {
                    buf.push(c);
                }
            }
        }
    }
    None
}

/// Integers, then floats, then booleans; anything else stays text.
fn typed(value: Cow<'_, str>) -> Value<'_> {
    if let Ok(i) = value.parse::<i64>() {
        return Value::Integer(i);
    }
    // Only plain decimal spellings: "inf", "nan" or "1e" stay text.
    let numeric = value.bytes().any(|b| b.is_ascii_digit())
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    if numeric && let Ok(f) = value.parse::<f64>() {
        return Value::Float(f);
    }
    match value.as_ref() {
        "true" => Value::Boolean(true),
        "false" => Value::Boolean(false),
        _ => Value::Text(value),
    }
}

/// Common spellings of log levels, case-insensitive.
pub fn severity(level: &str) -> Severity {
    match level.to_ascii_lowercase().as_str() {
        "trace" => Severity::Trace,
        "debug" | "dbg" => Severity::Debug,
        "info" | "information" => Severity::Info,
        "notice" => Severity::Notice,
        "warn" | "warning" => Severity::Warning,
        "error" | "err" => Severity::Error,
        "crit" | "critical" | "fatal" => Severity::Critical,
        "alert" => Severity::Alert,
        "emerg" | "emergency" | "panic" => Severity::Emergency,
        _ => Severity::Unknown,
    }
}

#[cfg(test)]
mod tests;
