//! One Elasticsearch document → one [`LogEntry`], and Elasticsearch index
//! names → log types.
//!
//! - `_index`: a `logs-` prefix and a `-YYYY.MM.dd` / `-YYYY-MM-DD` date
//!   suffix are stripped (`logs-postfix-2026.11.25` → `postfix`,
//!   `logstash-2026.11.25` → `logstash`, the data stream
//!   `logs-generic-default` → `generic-default`), anything else is made a
//!   valid index name (`Filebeat-8.11.0` → `filebeat-8_11_0`).
//! - `@timestamp` (RFC 3339, a zone-less ISO time taken as UTC, or epoch
//!   milliseconds) → the time; none → now.
//! - `message` (else `log`, else the whole document as JSON) → the line.
//! - Stream labels, from a fixed set of low-cardinality keys: `job`
//!   (`fields.job`, `job`, else the log type, so that every stream has one
//!   and `{job="postfix"}` finds what was sent to `logs-postfix-*`, as
//!   for Loki's push), `host` (`host.name`, `host`), `service_name`
//!   (`service.name`, `service`), `level` (`log.level`, `level`),
//!   `container` (`container.name`); a value over 2 KiB stays a field.
//! - Every other scalar, its path flattened with `_`
//!   (`log.file.path` → `log_file_path`), becomes a typed field; arrays
//!   are kept as JSON text.

use crate::storage::logs::{FieldValue, LogEntry, valid_index_name};
use crate::storage::metrics::Labels;
use serde_json::Value;
use std::sync::Arc;

/// Longest text field kept; longer values are cut (the line has its own
/// limit in the store).
pub const MAX_FIELD_BYTES: usize = 32 << 10;
/// Most fields kept per document (Elasticsearch's default mapping limit).
pub const MAX_FIELDS: usize = 1000;

/// Stream labels and the document paths they are read from, in order of
/// preference.
const LABELS: &[(&str, &[&str])] = &[
    ("job", &["fields.job", "job"]),
    ("host", &["host.name", "host"]),
    ("service_name", &["service.name", "service"]),
    ("level", &["log.level", "level"]),
    ("container", &["container.name"]),
];

/// Why a document was refused (one bulk item).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DocumentError {
    /// The source line is not a JSON object.
    #[error("failed to parse: {0}")]
    Parse(String),
    /// `@timestamp` is not a time.
    #[error("failed to parse field [@timestamp] of type [date]: {0:?}")]
    Timestamp(String),
    /// Stream labels the store cannot take.
    #[error("invalid stream labels: {0}")]
    Labels(String),
}

impl DocumentError {
    /// Elasticsearch's `error.type` for it.
    pub fn es_type(&self) -> &'static str {
        "document_parsing_exception"
    }
}

/// The log type for an Elasticsearch index (or data stream) name.
pub fn log_type(es_index: &str) -> Arc<str> {
    let lower = es_index.trim().to_ascii_lowercase();
    let mut name = lower.strip_prefix("logs-").unwrap_or(&lower);
    if let Some(rest) = strip_date(name) {
        name = rest;
    }
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean.trim_start_matches(['-', '_']);
    let clean = &clean[..clean.len().min(100)];
    if valid_index_name(clean) {
        clean.into()
    } else {
        "default".into()
    }
}

/// `name` without a trailing `-YYYY.MM.dd` or `-YYYY-MM-DD`.
fn strip_date(name: &str) -> Option<&str> {
    let (rest, date) = name.split_at_checked(name.len().checked_sub(11)?)?;
    let b = date.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let sep = b[5];
    (b[0] == b'-'
        && (sep == b'.' || sep == b'-')
        && b[8] == sep
        && digits(1..5)
        && digits(6..8)
        && digits(9..11)
        && !rest.is_empty())
    .then_some(rest)
}

/// Longest value taken as a stream label (Loki's default limit); a longer
/// one stays a field.
const MAX_LABEL_BYTES: usize = 2048;

fn label_like(v: &Value) -> bool {
    v.is_number() || v.as_str().is_some_and(|s| s.len() <= MAX_LABEL_BYTES)
}

/// Nanoseconds for an `@timestamp` value.
pub fn timestamp_ns(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))?
            .checked_mul(1_000_000),
        Value::String(s) => {
            let s = s.trim();
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                return s.parse::<i64>().ok()?.checked_mul(1_000_000);
            }
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
                return t.timestamp_nanos_opt();
            }
            // ISO times without a zone are UTC to Elasticsearch.
            ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
                .and_then(|t| t.and_utc().timestamp_nanos_opt())
        }
        _ => None,
    }
}

/// Flattens `v` into (dotted path, scalar or array) pairs.
fn flatten<'a>(prefix: &str, v: &'a Value, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, v, out);
            }
        }
        Value::Null => {}
        other => out.push((prefix.to_string(), other)),
    }
}

/// A field name for a dotted path: `log.file.path` → `log_file_path`.
pub fn field_name(path: &str) -> String {
    let mut n: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if n.is_empty() || n.starts_with(|c: char| c.is_ascii_digit()) {
        n.insert(0, '_');
    }
    n
}

fn cut(mut s: String) -> String {
    if s.len() > MAX_FIELD_BYTES {
        let mut end = MAX_FIELD_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

fn field_value(v: &Value) -> FieldValue {
    match v {
        Value::Bool(b) => FieldValue::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => FieldValue::Integer(i),
            None => FieldValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => FieldValue::Text(cut(s.clone())),
        other => FieldValue::Text(cut(other.to_string())),
    }
}

/// Maps one source line to an entry of log type `index`.
pub fn to_entry(index: Arc<str>, source: &[u8], now_ns: i64) -> Result<LogEntry, DocumentError> {
    let doc: Value =
        serde_json::from_slice(source).map_err(|e| DocumentError::Parse(e.to_string()))?;
    let Value::Object(map) = &doc else {
        return Err(DocumentError::Parse(
            "the document is not a JSON object".into(),
        ));
    };
    let ts_ns = match map.get("@timestamp") {
        None | Some(Value::Null) => now_ns,
        Some(v) => timestamp_ns(v).ok_or_else(|| DocumentError::Timestamp(v.to_string()))?,
    };
    // Filebeat's `log` is an object (`log.file.path`); Fluent Bit's Docker
    // records carry the line in a `log` string.
    let (line, line_key) = match (map.get("message"), map.get("log")) {
        (Some(Value::String(s)), _) => (s.clone(), Some("message")),
        (Some(v), _) if !v.is_null() => (v.to_string(), Some("message")),
        (_, Some(Value::String(s))) => (s.clone(), Some("log")),
        _ => (doc.to_string(), None),
    };
    let mut flat = Vec::new();
    flatten("", &doc, &mut flat);
    let mut used: Vec<&str> = vec!["@timestamp"];
    used.extend(line_key);
    let mut labels: Vec<(&str, String)> = Vec::new();
    for (label, paths) in LABELS {
        let found = paths.iter().find_map(|p| {
            flat.iter()
                .find(|(path, v)| path == p && label_like(v))
                .map(|(path, v)| (path.as_str(), v))
        });
        match found {
            Some((path, v)) => {
                used.push(path);
                let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                labels.push((label, text));
            }
            None if *label == "job" => labels.push(("job", index.to_string())),
            None => {}
        }
    }
    let stream = Labels::stream(labels).map_err(|e| DocumentError::Labels(e.to_string()))?;
    let fields = flat
        .iter()
        .filter(|(path, _)| !used.contains(&path.as_str()))
        .take(MAX_FIELDS)
        .map(|(path, v)| (field_name(path), field_value(v)))
        .collect();
    Ok(LogEntry {
        index,
        ts_ns,
        stream,
        line,
        fields,
    })
}
