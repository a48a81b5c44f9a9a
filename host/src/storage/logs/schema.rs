//! The tantivy schema of a log partition and the conversions between
//! [`LogEntry`] and tantivy documents.
//!
//! | field | type | for |
//! |---|---|---|
//! | `ts` | i64, indexed + fast + stored | time ranges, ordering |
//! | `stream` | u64, indexed + fast + stored | stream selection (fingerprint) |
//! | `line` | text (`line` analyzer), docs only, stored | line filters pushed down to the index |
//! | `bytes` | u64, fast | `bytes_over_time`, stats |
//! | `fields` | JSON, indexed (raw) + fast + stored | structured metadata, typed |
//!
//! The stream's labels are not in each document: a partition keeps its
//! streams (fingerprint → labels) beside the index (see `partition.rs`).

use super::analyzer::{LINE_ANALYZER, line_analyzer};
use super::entry::{FieldValue, LogEntry};
use crate::storage::metrics::Labels;
use std::collections::BTreeMap;
use std::sync::Arc;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, JsonObjectOptions, OwnedValue, STORED, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, TantivyDocument};

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `ts`.
    pub ts: Field,
    /// `stream`.
    pub stream: Field,
    /// `line`.
    pub line: Field,
    /// `bytes`.
    pub bytes: Field,
    /// `fields`.
    pub fields: Field,
}

/// Builds the schema.
pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let ts = b.add_i64_field("ts", INDEXED | FAST | STORED);
    let stream = b.add_u64_field("stream", INDEXED | FAST | STORED);
    let line = b.add_text_field(
        "line",
        TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(LINE_ANALYZER)
                    .set_index_option(IndexRecordOption::Basic),
            )
            .set_stored(),
    );
    let bytes = b.add_u64_field("bytes", FAST);
    let fields = b.add_json_field(
        "fields",
        JsonObjectOptions::default()
            .set_stored()
            .set_indexing_options(TextFieldIndexing::default().set_tokenizer("raw"))
            .set_fast(Some("raw")),
    );
    (
        b.build(),
        Fields {
            ts,
            stream,
            line,
            bytes,
            fields,
        },
    )
}

/// Registers the analyzers an index of this schema needs.
pub fn register_analyzers(index: &Index) {
    index.tokenizers().register(LINE_ANALYZER, line_analyzer());
}

/// The document for `entry` in stream `fingerprint`.
pub fn to_document(f: &Fields, entry: &LogEntry, fingerprint: u64) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_i64(f.ts, entry.ts_ns);
    doc.add_u64(f.stream, fingerprint);
    doc.add_text(f.line, &entry.line);
    doc.add_u64(f.bytes, entry.line.len() as u64);
    if !entry.fields.is_empty() {
        let object: BTreeMap<String, OwnedValue> = entry
            .fields
            .iter()
            .map(|(n, v)| {
                let v = match v {
                    FieldValue::Text(s) => OwnedValue::Str(s.clone()),
                    FieldValue::Integer(i) => OwnedValue::I64(*i),
                    FieldValue::Float(x) => OwnedValue::F64(*x),
                    FieldValue::Boolean(b) => OwnedValue::Bool(*b),
                    // Kept as i64 nanoseconds: tantivy's dates are microseconds.
                    FieldValue::Timestamp(t) => {
                        OwnedValue::Object(vec![("__ts_ns".to_string(), OwnedValue::I64(*t))])
                    }
                };
                (n.clone(), v)
            })
            .collect();
        doc.add_object(f.fields, object);
    }
    doc
}

/// The entry a stored document holds; `stream` is its stream's labels.
pub fn from_document(
    f: &Fields,
    doc: &TantivyDocument,
    index: &Arc<str>,
    stream: Labels,
) -> LogEntry {
    let ts_ns = doc.get_first(f.ts).and_then(|v| v.as_i64()).unwrap_or(0);
    let line = doc
        .get_first(f.line)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    let mut fields = Vec::new();
    if let Some(object) = doc.get_first(f.fields).and_then(|v| v.as_object()) {
        for (name, value) in object {
            let value = if let Some(s) = value.as_str() {
                FieldValue::Text(s.to_string())
            } else if let Some(i) = value.as_i64() {
                FieldValue::Integer(i)
            } else if let Some(u) = value.as_u64() {
                FieldValue::Integer(u as i64)
            } else if let Some(x) = value.as_f64() {
                FieldValue::Float(x)
            } else if let Some(b) = value.as_bool() {
                FieldValue::Boolean(b)
            } else if let Some(mut inner) = value.as_object() {
                match inner.next().and_then(|(_, v)| v.as_i64()) {
                    Some(t) => FieldValue::Timestamp(t),
                    None => continue,
                }
            } else {
                continue;
            };
            fields.push((name.to_string(), value));
        }
    }
    LogEntry {
        index: index.clone(),
        ts_ns,
        stream,
        line,
        fields,
    }
}
