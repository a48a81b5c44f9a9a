//! Parsed records → log entries. The entry keeps the line as read (what
//! users see in Grafana); the parser's labels join the source's labels in
//! the stream (invalid names are made valid, values that would explode the
//! stream count are the parser's responsibility); its typed fields, the
//! severity (`level`), its message when it differs from the line, and a
//! parse error (`parse_error`) become the entry's fields.

use crate::runtime::parsed::{LogRecord, Value};
use crate::storage::logs::{FieldValue, LogEntry};
use crate::storage::metrics::Labels;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where one line came from.
pub(super) struct LineOrigin<'a> {
    /// The raw line.
    pub line: &'a str,
    /// When it was read (ns).
    pub received_ns: i64,
    /// Labels of its origin (`filename`, Docker's container labels).
    pub labels: Vec<(&'static str, String)>,
    /// The time the container runtime recorded, if any.
    pub time_ns: Option<i64>,
}

/// A valid label name for `name`: invalid characters become `_`.
fn label_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// The entry of `record`, parsed from `origin`.
pub(super) fn entry(
    index: &Arc<str>,
    source_labels: &[(String, String)],
    origin: &LineOrigin<'_>,
    record: LogRecord,
) -> LogEntry {
    let mut labels: BTreeMap<String, String> = BTreeMap::new();
    for (n, v) in record.labels {
        if !v.is_empty() {
            labels.insert(label_name(&n), v);
        }
    }
    for (n, v) in &origin.labels {
        labels.insert((*n).to_string(), v.clone());
    }
    // The source's own labels win: they name the stream.
    for (n, v) in source_labels {
        labels.insert(n.clone(), v.clone());
    }
    let stream = Labels::stream(labels.iter()).unwrap_or_else(|_| {
        Labels::stream(source_labels.iter().map(|(n, v)| (n, v))).unwrap_or_default()
    });
    let mut fields: Vec<(String, FieldValue)> = record
        .fields
        .into_iter()
        .map(|(n, v)| {
            let v = match v {
                Value::Text(s) => FieldValue::Text(s),
                Value::Integer(i) => FieldValue::Integer(i),
                Value::Float(x) => FieldValue::Float(x),
                Value::Boolean(b) => FieldValue::Boolean(b),
            };
            (n, v)
        })
        .collect();
    if record.severity != "unknown" {
        fields.push(("level".into(), FieldValue::Text(record.severity.into())));
    }
    if record.message != origin.line && !record.message.is_empty() {
        fields.push(("message".into(), FieldValue::Text(record.message)));
    }
    if let Some(e) = record.parse_error {
        fields.push(("parse_error".into(), FieldValue::Text(e)));
    }
    LogEntry {
        index: index.clone(),
        ts_ns: record
            .timestamp_ns
            .or(origin.time_ns)
            .unwrap_or(origin.received_ns),
        stream,
        line: origin.line.to_string(),
        fields,
    }
}

/// The record of a line no parser looked at (no parser configured, or the
/// parser failed: `error` says why).
pub(super) fn raw_record(line: u32, text: &str, error: Option<String>) -> LogRecord {
    LogRecord {
        line,
        timestamp_ns: None,
        severity: "unknown",
        message: text.to_string(),
        fields: Vec::new(),
        labels: Vec::new(),
        parse_error: error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_become_entries_with_the_sources_labels_winning() {
        let mut record = raw_record(0, "4F2A: status=sent", None);
        record.timestamp_ns = Some(7);
        record.severity = "info";
        record.message = "status=sent".into();
        record.labels = vec![
            ("9bad-name".into(), "x".into()),
            ("job".into(), "parser says".into()),
            ("program".into(), "postfix/smtp".into()),
        ];
        record.fields = vec![("delay".into(), Value::Float(0.5))];
        let origin = LineOrigin {
            line: "4F2A: status=sent",
            received_ns: 99,
            labels: vec![("filename", "/var/log/mail.log".into())],
            time_ns: None,
        };
        let e = entry(
            &Arc::from("postfix"),
            &[("job".to_string(), "postfix".to_string())],
            &origin,
            record,
        );
        assert_eq!(
            e.stream.to_string(),
            r#"{_9bad_name="x", filename="/var/log/mail.log", job="postfix", program="postfix/smtp"}"#
        );
        assert_eq!(e.ts_ns, 7);
        assert_eq!(e.line, "4F2A: status=sent");
        assert_eq!(
            e.fields,
            vec![
                ("delay".to_string(), FieldValue::Float(0.5)),
                ("level".to_string(), FieldValue::Text("info".into())),
                (
                    "message".to_string(),
                    FieldValue::Text("status=sent".into())
                ),
            ]
        );
        let raw = raw_record(3, "junk", Some("parser failed".into()));
        let origin = LineOrigin {
            line: "junk",
            ..origin
        };
        let e = entry(
            &Arc::from("app"),
            &[("job".into(), "app".into())],
            &origin,
            raw,
        );
        assert_eq!(e.ts_ns, 99, "receive time without a parsed one");
        assert_eq!(
            e.fields,
            vec![(
                "parse_error".to_string(),
                FieldValue::Text("parser failed".into())
            )]
        );
    }
}
