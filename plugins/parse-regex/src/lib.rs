//! Watchpost's stock `regex` log parser: one regular expression with named
//! captures, in Rust's `regex` syntax (Go/RE2's `(?P<name>...)` works as
//! is), turns each matching line into a record:
//!
//! ```toml
//! pattern = '^(?P<ts>\S+ \S+) \[(?P<level>\w+)\] (?P<logger>[\w.]+): (?P<msg>.*)$'
//! timestamp = { capture = "ts", format = "%Y-%m-%d %H:%M:%S,%f" }
//! level = "level"
//! message = "msg"
//! labels = ["logger"]
//! ```
//!
//! Every other named capture becomes a field (text, or typed through
//! `types`). The pattern is compiled once; each line reuses one set of
//! capture slots, and captured text is borrowed from the line.

use regex::{CaptureLocations, Regex};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use watchpost_sdk::logtime::{TimeParser, Timezone};
use watchpost_sdk::parser::{sanitize_name, severity_from_name};
use watchpost_sdk::{Error, Parser, Record, Severity, SourceMeta, Value};

/// The `[plugin.config]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `pattern = '(?P<level>\w+): (?P<msg>.*)'`: required. Unanchored
    /// unless it says `^`/`$`; the first match in the line counts.
    pub pattern: String,
    /// `timestamp = { capture = "ts", format = "%d/%b/%Y:%H:%M:%S %z" }`:
    /// the capture holding the time and its format (default `auto`).
    pub timestamp: Option<TimestampConfig>,
    /// `timezone = "+01:00"`: the offset of times written without one.
    pub timezone: Timezone,
    /// `level = "level"`: the capture holding the severity.
    pub level: Option<String>,
    /// `message = "msg"`: the capture holding the message (default: the
    /// whole line).
    pub message: Option<String>,
    /// `labels = ["service"]`: captures to index as labels.
    pub labels: Vec<String>,
    /// `types = { status = "int", took = "float" }`: `int`, `float`,
    /// `bool`, `string` (the default) or `auto` (int, float or bool when
    /// the text reads as one).
    pub types: BTreeMap<String, String>,
}

/// `timestamp = { capture = "ts", format = "rfc3339" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimestampConfig {
    pub capture: String,
    #[serde(default = "auto")]
    pub format: String,
}

fn auto() -> String {
    "auto".into()
}

/// What a capture is for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Field(Kind),
    Label,
    Timestamp,
    Level,
    Message,
}

/// How a field's text is typed.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Int,
    Float,
    Bool,
    Auto,
}

/// A named capture group.
struct Slot {
    group: usize,
    /// Names live as long as the plugin instance; leaking them once in
    /// `new` lets every record borrow them instead of copying per line.
    name: &'static str,
    role: Role,
}

/// The parser.
pub struct RegexParser {
    regex: Regex,
    locations: CaptureLocations,
    slots: Vec<Slot>,
    time: TimeParser,
}

impl Parser for RegexParser {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        if config.pattern.is_empty() {
            return Err(Error::new(
                "pattern is required: a regex with named captures, e.g. '(?P<level>\\w+): (?P<msg>.*)'",
            ));
        }
        let regex =
            Regex::new(&config.pattern).map_err(|e| Error::new(format!("invalid pattern: {e}")))?;
        let names: Vec<&str> = regex.capture_names().flatten().collect();
        if names.is_empty() {
            return Err(Error::new(
                "pattern has no named captures, so nothing to extract: name groups with (?P<name>...)",
            ));
        }
        let roles = roles(&config, &names).map_err(Error::new)?;
        let time = match &config.timestamp {
            Some(t) => TimeParser::new(&t.format, config.timezone),
            None => TimeParser::new("auto", config.timezone),
        }
        .map_err(Error::new)?;
        let slots = regex
            .capture_names()
            .enumerate()
            .filter_map(|(group, name)| {
                let name = name?;
                let role = roles.get(name).copied().unwrap_or(Role::Field(Kind::Text));
                let clean = sanitize_name(Cow::Borrowed(name), true);
                Some(Slot {
                    group,
                    name: Box::leak(clean.into_owned().into_boxed_str()),
                    role,
                })
            })
            .collect();
        Ok(RegexParser {
            locations: regex.capture_locations(),
            regex,
            slots,
            time,
        })
    }

    fn parse<'a>(&mut self, line: &'a str, _meta: &SourceMeta) -> Result<Record<'a>, String> {
        if self
            .regex
            .captures_read(&mut self.locations, line)
            .is_none()
        {
            return Err("line does not match the pattern".into());
        }
        let mut record = Record::new(line);
        for slot in &self.slots {
            let Some((start, end)) = self.locations.get(slot.group) else {
                continue; // the group did not take part in the match
            };
            let text = &line[start..end];
            let name = Cow::Borrowed(slot.name);
            match slot.role {
                Role::Message => record.message = Cow::Borrowed(text),
                Role::Label => record.labels.push((name, Cow::Borrowed(text))),
                Role::Level => match severity_from_name(text) {
                    Severity::Unknown => record.fields.push((name, Value::from(text))),
                    severity => record.severity = severity,
                },
                Role::Timestamp => match self.time.parse(text) {
                    Some(ts) => record.timestamp_ns = Some(ts),
                    None => record.fields.push((name, Value::from(text))),
                },
                Role::Field(kind) => {
                    if let Some(value) = typed(text, kind) {
                        record.fields.push((name, value));
                    }
                }
            }
        }
        Ok(record)
    }
}

watchpost_sdk::export_parser!(RegexParser);

/// The role of each capture the config names, checked against the pattern.
fn roles(config: &Config, names: &[&str]) -> Result<BTreeMap<String, Role>, String> {
    let mut roles = BTreeMap::new();
    let mut assign = |capture: &str, key: &str, role: Role| -> Result<(), String> {
        if !names.contains(&capture) {
            return Err(format!(
                "capture {capture:?} named in `{key}` is not in the pattern (its named captures: {})",
                names.join(", ")
            ));
        }
        if let Some(old) = roles.insert(capture.to_string(), role) {
            return Err(format!(
                "capture {capture:?} is given two roles ({} and `{key}`)",
                describe(old)
            ));
        }
        Ok(())
    };
    if let Some(t) = &config.timestamp {
        assign(&t.capture, "timestamp", Role::Timestamp)?;
    }
    if let Some(level) = &config.level {
        assign(level, "level", Role::Level)?;
    }
    if let Some(message) = &config.message {
        assign(message, "message", Role::Message)?;
    }
    for label in &config.labels {
        assign(label, "labels", Role::Label)?;
    }
    for (capture, kind) in &config.types {
        let kind = match kind.as_str() {
            "int" | "integer" => Kind::Int,
            "float" => Kind::Float,
            "bool" | "boolean" => Kind::Bool,
            "string" | "text" => Kind::Text,
            "auto" => Kind::Auto,
            other => {
                return Err(format!(
                    "types.{capture}: unknown type {other:?} (use int, float, bool, string or auto)"
                ));
            }
        };
        assign(capture, "types", Role::Field(kind))?;
    }
    Ok(roles)
}

fn describe(role: Role) -> &'static str {
    match role {
        Role::Field(_) => "`types`",
        Role::Label => "`labels`",
        Role::Timestamp => "`timestamp`",
        Role::Level => "`level`",
        Role::Message => "`message`",
    }
}

/// A field's value. Text that does not read as the configured type stays
/// text, so nothing is lost; an empty capture is only kept as text.
fn typed(text: &str, kind: Kind) -> Option<Value<'_>> {
    let value = match kind {
        Kind::Text => return Some(Value::from(text)),
        _ if text.is_empty() => return None,
        Kind::Int => text.parse::<i64>().ok().map(Value::Integer),
        Kind::Float => looks_decimal(text)
            .then(|| text.parse::<f64>().ok())
            .flatten()
            .map(Value::Float),
        Kind::Bool => match text {
            "true" | "True" | "TRUE" => Some(Value::Boolean(true)),
            "false" | "False" | "FALSE" => Some(Value::Boolean(false)),
            _ => None,
        },
        Kind::Auto => {
            return [Kind::Int, Kind::Float, Kind::Bool]
                .into_iter()
                .find_map(|k| typed(text, k).filter(|v| !matches!(v, Value::Text(_))))
                .or(Some(Value::from(text)));
        }
    };
    Some(value.unwrap_or(Value::from(text)))
}

/// Plain decimal spellings only: `inf` or `NaN` stay text.
fn looks_decimal(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
}

#[cfg(test)]
mod tests;
