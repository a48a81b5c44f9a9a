//! Watchpost's stock `grok` log parser: Logstash-compatible grok patterns
//! (`%{SYNTAX:SEMANTIC}`, `%{SYNTAX:SEMANTIC:int|float}`) over Logstash's
//! standard pattern library, compiled once into Rust regexes:
//!
//! ```toml
//! match = ["%{HTTPD_ERRORLOG}", "%{COMBINEDAPACHELOG}"]   # tried in order
//! ```
//!
//! Each named capture becomes a field (text unless typed); `timestamp`,
//! the level and `message` captures set the record's own; `labels` lists the
//! captures to index. `expand` turns patterns into regex syntax; the
//! translated library is `patterns/grok-patterns`.

mod expand;

use expand::{Kind, Library};
use regex::{CaptureLocations, Regex, RegexBuilder};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::collections::BTreeMap;
use watchpost_sdk::logtime::{TimeParser, Timezone};
use watchpost_sdk::parser::severity_from_name;
use watchpost_sdk::{Error, Parser, Record, Severity, SourceMeta, Value};

/// The `[plugin.config]` table.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `match = "%{COMBINEDAPACHELOG}"` or a list tried in order (the first
    /// that matches wins, as Logstash's `break_on_match`). Required.
    #[serde(rename = "match", deserialize_with = "one_or_many")]
    pub patterns: Vec<String>,
    /// `pattern_definitions = { APPID = "[a-z]+-[0-9]+" }`: patterns of your
    /// own, usable as `%{APPID:app}`; they override stock ones of the same name.
    pub pattern_definitions: BTreeMap<String, String>,
    /// `timestamp_field = "ts"`. Default: the first captured of `timestamp`,
    /// `timestamp8601`, `syslog5424_ts`.
    pub timestamp_field: Option<String>,
    /// `timestamp_format = "auto"`: `auto` reads every timestamp the stock
    /// patterns match (ISO 8601, HTTPDATE, SYSLOGTIMESTAMP, Apache error
    /// logs' ctime, epoch numbers); or `rfc3339`, `unix_ms`, a strftime
    /// layout, ...
    pub timestamp_format: String,
    /// `timezone = "+01:00"`: the offset of times written without one.
    pub timezone: Timezone,
    /// `level_field = "lvl"`. Default: `level`, `loglevel`, `severity`.
    pub level_field: Option<String>,
    /// `message_field = "msg"`. Default: `message`, `syslog5424_msg`; with
    /// none captured the record keeps the whole line.
    pub message_field: Option<String>,
    /// `labels = ["program"]`: captures to index as labels. Default
    /// `["program", "logsource"]` (the syslog patterns' program and host).
    pub labels: Vec<String>,
    /// `keep_empty_captures = true`: keep captures that matched nothing (as
    /// Logstash's option of that name; default off).
    pub keep_empty_captures: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            patterns: Vec::new(),
            pattern_definitions: BTreeMap::new(),
            timestamp_field: None,
            timestamp_format: "auto".into(),
            timezone: Timezone::UTC,
            level_field: None,
            message_field: None,
            labels: vec!["program".into(), "logsource".into()],
            keep_empty_captures: false,
        }
    }
}

/// `match = "..."` or `match = ["...", "..."]`.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged, expecting = "a grok pattern or a list of grok patterns")]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(p) => vec![p],
        OneOrMany::Many(ps) => ps,
    })
}

/// What a field is for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Field,
    Label,
    Timestamp,
    Level,
    Message,
}

/// A distinct field name across all patterns.
struct Field {
    /// Leaked once in `new`, so that records borrow names rather than copy
    /// them per line; the instance lives until the plugin is reloaded.
    name: &'static str,
    role: Role,
}

/// One `match` entry, compiled.
struct Compiled {
    regex: Regex,
    locations: CaptureLocations,
    /// (capture group, index into `fields`, type), in pattern order.
    slots: Vec<(usize, usize, Kind)>,
}

/// The parser.
pub struct GrokParser {
    patterns: Vec<Compiled>,
    fields: Vec<Field>,
    /// Per line: which fields are set (the first capture of a name wins).
    seen: Vec<bool>,
    keep_empty: bool,
    time: TimeParser,
}

impl Parser for GrokParser {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        if config.patterns.is_empty() {
            return Err(Error::new(
                "match is required: a grok pattern such as \"%{COMBINEDAPACHELOG}\", or a list",
            ));
        }
        let library = Library::new(&config.pattern_definitions).map_err(Error::new)?;
        let time =
            TimeParser::new(&config.timestamp_format, config.timezone).map_err(Error::new)?;
        let roles = Roles::new(&config);
        let mut names: Vec<String> = Vec::new();
        let mut patterns = Vec::new();
        for source in &config.patterns {
            let err = |e: String| Error::new(format!("match {source:?}: {e}"));
            let expanded = library.expand(source).map_err(err)?;
            let regex = RegexBuilder::new(&expanded.regex)
                .build()
                .map_err(|e| err(regex_error(&e)))?;
            let mut slots = Vec::new();
            for (group, name) in regex.capture_names().enumerate() {
                let Some(index) = name.and_then(|n| n.strip_prefix('g')?.parse::<usize>().ok())
                else {
                    continue;
                };
                let capture = &expanded.captures[index];
                let field = match names.iter().position(|n| *n == capture.field) {
                    Some(i) => i,
                    None => {
                        names.push(capture.field.clone());
                        names.len() - 1
                    }
                };
                slots.push((group, field, capture.kind));
            }
            patterns.push(Compiled {
                locations: regex.capture_locations(),
                regex,
                slots,
            });
        }
        // Leaked only now that nothing can fail (a bad config is rebuilt on
        // every call until it is fixed).
        let fields = names
            .into_iter()
            .map(|name| Field {
                role: roles.of(&name),
                name: Box::leak(name.into_boxed_str()),
            })
            .collect::<Vec<_>>();
        Ok(GrokParser {
            patterns,
            seen: vec![false; fields.len()],
            fields,
            keep_empty: config.keep_empty_captures,
            time,
        })
    }

    fn parse<'a>(&mut self, line: &'a str, _meta: &SourceMeta) -> Result<Record<'a>, String> {
        let matched = self.patterns.iter_mut().find_map(|p| {
            p.regex.captures_read(&mut p.locations, line)?;
            Some(&*p)
        });
        let Some(pattern) = matched else {
            return Err(match self.patterns.len() {
                1 => "line does not match the grok pattern".into(),
                n => format!("line matches none of the {n} grok patterns"),
            });
        };
        self.seen.fill(false);
        let mut record = Record::new(line);
        for &(group, field, kind) in &pattern.slots {
            let Some((start, end)) = pattern.locations.get(group) else {
                continue; // the group did not take part in the match
            };
            if self.seen[field] || (start == end && !self.keep_empty) {
                continue;
            }
            self.seen[field] = true;
            let text = &line[start..end];
            let Field { name, role } = self.fields[field];
            let name = Cow::Borrowed(name);
            match role {
                Role::Message => record.message = Cow::Borrowed(text),
                Role::Label => record.labels.push((name, Cow::Borrowed(text))),
                Role::Level if record.severity == Severity::Unknown => {
                    match severity_from_name(text) {
                        Severity::Unknown => record.fields.push((name, Value::from(text))),
                        severity => record.severity = severity,
                    }
                }
                Role::Timestamp if record.timestamp_ns.is_none() => match self.time.parse(text) {
                    Some(ts) => record.timestamp_ns = Some(ts),
                    None => record.fields.push((name, Value::from(text))),
                },
                _ => record.fields.push((name, typed(text, kind))),
            }
        }
        Ok(record)
    }
}

watchpost_sdk::export_parser!(GrokParser);

/// Which capture names play which role; `labels` wins over the others.
struct Roles {
    labels: Vec<String>,
    timestamp: Vec<String>,
    level: Vec<String>,
    message: Vec<String>,
}

impl Roles {
    fn new(config: &Config) -> Self {
        let names = |configured: &Option<String>, defaults: &[&str]| match configured {
            Some(name) => vec![expand::field_name(name)],
            None => defaults.iter().map(|s| s.to_string()).collect(),
        };
        Roles {
            labels: config
                .labels
                .iter()
                .map(|l| expand::field_name(l))
                .collect(),
            timestamp: names(
                &config.timestamp_field,
                &["timestamp", "timestamp8601", "syslog5424_ts"],
            ),
            level: names(&config.level_field, &["level", "loglevel", "severity"]),
            message: names(&config.message_field, &["message", "syslog5424_msg"]),
        }
    }

    fn of(&self, field: &str) -> Role {
        let has = |names: &[String]| names.iter().any(|n| n == field);
        if has(&self.labels) {
            Role::Label
        } else if has(&self.timestamp) {
            Role::Timestamp
        } else if has(&self.level) {
            Role::Level
        } else if has(&self.message) {
            Role::Message
        } else {
            Role::Field
        }
    }
}

/// `:int` and `:float` captures typed; text that is not a number stays text
/// (Logstash would store 0). `:int` of `12.7` is 12, as Logstash has it.
fn typed(text: &str, kind: Kind) -> Value<'_> {
    let decimal = || {
        text.bytes().any(|b| b.is_ascii_digit())
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    };
    match kind {
        Kind::Text => Value::from(text),
        Kind::Int => match text.parse::<i64>() {
            Ok(i) => Value::Integer(i),
            Err(_) => match text.parse::<f64>() {
                Ok(f) if decimal() && f.abs() < 9.2e18 => Value::Integer(f.trunc() as i64),
                _ => Value::from(text),
            },
        },
        Kind::Float => match text.parse::<f64>() {
            Ok(f) if decimal() => Value::Float(f),
            _ => Value::from(text),
        },
    }
}

/// A regex compile error without the echo of the (expanded, possibly huge)
/// pattern: just its `error: ...` line.
fn regex_error(e: &regex::Error) -> String {
    let text = e.to_string();
    match text.lines().find_map(|l| l.strip_prefix("error: ")) {
        Some(reason) => format!("does not compile: {reason}"),
        None => format!("does not compile: {text}"),
    }
}

#[cfg(test)]
mod tests;
