//! Decodes a parser plugin's compact `parsed-batch` into owned log records,
//! checking every text reference (a hostile parser gets an error, not a host
//! panic) and keeping every input line: lines the parser skipped become raw
//! records with a parse error.

use crate::runtime::bindings::types::{
    FieldValue, LineBatch, ParsedBatch, Range, Severity, TextRef,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// A typed field value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// Text.
    Text(String),
    /// Integer.
    Integer(i64),
    /// Float.
    Float(f64),
    /// Boolean.
    Boolean(bool),
}

/// One structured log record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRecord {
    /// Index of the input line.
    pub line: u32,
    /// Nanoseconds since the Unix epoch, if the line carried one.
    pub timestamp_ns: Option<i64>,
    /// Severity name.
    pub severity: &'static str,
    /// Message.
    pub message: String,
    /// Typed fields; timestamps are given as integer nanoseconds.
    pub fields: BTreeMap<String, Value>,
    /// Labels to index.
    pub labels: BTreeMap<String, String>,
    /// Why the line could not be parsed, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
}

/// A malformed batch from a parser.
#[derive(Debug, thiserror::Error)]
#[error("parser returned a malformed batch: {0}")]
pub struct MalformedBatch(String);

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Unknown => "unknown",
        Severity::Trace => "trace",
        Severity::Debug => "debug",
        Severity::Info => "info",
        Severity::Notice => "notice",
        Severity::Warning => "warning",
        Severity::Error => "error",
        Severity::Critical => "critical",
        Severity::Alert => "alert",
        Severity::Emergency => "emergency",
    }
}

fn resolve(input: &LineBatch, out: &ParsedBatch, r: TextRef) -> Result<String, MalformedBatch> {
    let (start, len) = (r.start as usize, r.len as usize);
    let text = if start < input.text.len() {
        input.text.get(start..start.saturating_add(len))
    } else {
        let s = start - input.text.len();
        out.arena.get(s..s.saturating_add(len))
    };
    text.map(str::to_string).ok_or_else(|| {
        MalformedBatch(format!(
            "text reference {start}+{len} is out of range or splits a character"
        ))
    })
}

fn slice<'a, T>(items: &'a [T], range: Range, what: &str) -> Result<&'a [T], MalformedBatch> {
    let start = range.start as usize;
    items
        .get(start..start.saturating_add(range.len as usize))
        .ok_or_else(|| {
            MalformedBatch(format!(
                "{what} range {start}+{} is out of range",
                range.len
            ))
        })
}

/// Line `i` of `batch`.
pub fn line(batch: &LineBatch, i: usize) -> &str {
    let start = if i == 0 {
        0
    } else {
        batch.ends[i - 1] as usize
    };
    let end = batch.ends[i] as usize;
    batch.text.get(start..end).unwrap_or("")
}

/// Decodes `out`, produced by parsing `input`.
pub fn decode(input: &LineBatch, out: &ParsedBatch) -> Result<Vec<LogRecord>, MalformedBatch> {
    let lines = input.ends.len();
    let mut covered = vec![false; lines];
    let mut records = Vec::with_capacity(out.records.len().max(lines));
    for r in &out.records {
        let index = r.line as usize;
        if index >= lines {
            return Err(MalformedBatch(format!(
                "record names line {index} of a {lines}-line batch"
            )));
        }
        covered[index] = true;
        let mut fields = BTreeMap::new();
        for f in slice(&out.fields, r.fields, "fields")? {
            let value = match f.value {
                FieldValue::Text(t) => Value::Text(resolve(input, out, t)?),
                FieldValue::Integer(i) => Value::Integer(i),
                FieldValue::Float(x) => Value::Float(x),
                FieldValue::Boolean(b) => Value::Boolean(b),
                FieldValue::Timestamp(t) => Value::Integer(t),
            };
            fields.insert(resolve(input, out, f.name)?, value);
        }
        let mut labels = BTreeMap::new();
        for l in slice(&out.labels, r.labels, "labels")? {
            labels.insert(resolve(input, out, l.name)?, resolve(input, out, l.value)?);
        }
        records.push(LogRecord {
            line: r.line,
            timestamp_ns: r.timestamp_ns,
            severity: severity_name(r.severity),
            message: resolve(input, out, r.message)?,
            fields,
            labels,
            parse_error: r.parse_error.map(|e| resolve(input, out, e)).transpose()?,
        });
    }
    for (i, done) in covered.iter().enumerate() {
        if !done {
            records.push(LogRecord {
                line: i as u32,
                timestamp_ns: None,
                severity: "unknown",
                message: line(input, i).to_string(),
                fields: BTreeMap::new(),
                labels: BTreeMap::new(),
                parse_error: Some("parser returned no record for this line".into()),
            });
        }
    }
    records.sort_by_key(|r| r.line);
    Ok(records)
}

/// Builds a batch from lines, replacing invalid UTF-8 and splitting nothing.
pub fn batch_from_lines<'a>(
    meta: crate::runtime::bindings::types::SourceMeta,
    lines: impl IntoIterator<Item = &'a [u8]>,
) -> LineBatch {
    let mut text = String::new();
    let mut ends = Vec::new();
    for raw in lines {
        text.push_str(&String::from_utf8_lossy(raw));
        ends.push(text.len() as u32);
    }
    LineBatch {
        meta,
        text,
        ends,
        received_ns: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::bindings::types::{ParsedRecord, SourceMeta};

    fn meta() -> SourceMeta {
        SourceMeta {
            source: "t".into(),
            origin: "test".into(),
            labels: vec![],
        }
    }

    fn record(line: u32, message: TextRef) -> ParsedRecord {
        ParsedRecord {
            line,
            timestamp_ns: None,
            severity: Severity::Info,
            message,
            fields: Range { start: 0, len: 0 },
            labels: Range { start: 0, len: 0 },
            parse_error: None,
        }
    }

    #[test]
    fn resolves_input_and_arena_and_fills_skipped_lines() {
        let input = batch_from_lines(meta(), [&b"hello world"[..], b"second", b"\xff bad"]);
        let out = ParsedBatch {
            arena: "owned".into(),
            fields: vec![],
            labels: vec![],
            records: vec![
                record(0, TextRef { start: 6, len: 5 }),
                record(
                    2,
                    TextRef {
                        start: input.text.len() as u32,
                        len: 5,
                    },
                ),
            ],
        };
        let records = decode(&input, &out).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].message, "world");
        assert_eq!(records[1].message, "second");
        assert!(records[1].parse_error.is_some());
        assert_eq!(records[2].message, "owned");
        assert!(line(&input, 2).starts_with('\u{fffd}'));
    }

    #[test]
    fn rejects_out_of_range_references() {
        let input = batch_from_lines(meta(), [&b"abc"[..]]);
        for bad in [TextRef { start: 1, len: 99 }, TextRef { start: 50, len: 1 }] {
            let out = ParsedBatch {
                arena: String::new(),
                records: vec![record(0, bad)],
                fields: vec![],
                labels: vec![],
            };
            assert!(decode(&input, &out).is_err());
        }
        let out = ParsedBatch {
            arena: String::new(),
            records: vec![record(7, TextRef { start: 0, len: 1 })],
            fields: vec![],
            labels: vec![],
        };
        assert!(decode(&input, &out).is_err());
        let mut bad_range = record(0, TextRef { start: 0, len: 1 });
        bad_range.fields = Range { start: 0, len: 3 };
        let out = ParsedBatch {
            arena: String::new(),
            records: vec![bad_range],
            fields: vec![],
            labels: vec![],
        };
        assert!(decode(&input, &out).is_err());
    }
}
