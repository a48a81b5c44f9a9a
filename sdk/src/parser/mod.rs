//! The parser kind: parse one line into a [`Record`]; the encoder that turns
//! records into the compact `parsed-batch` the host reads (substrings of the
//! input cross the boundary as offsets, not copies; see [`packed`]); and the
//! names every parser maps ([`severity_from_name`], [`sanitize_name`]).
//!
//! Parsers also find their building blocks in [`logtime`](crate::logtime)
//! (timestamps), [`syslog_header`](crate::syslog_header) and
//! [`continuation`](crate::continuation) (lines that belong to the one
//! before).

mod batch;
mod intern;
mod names;
pub mod packed;

pub use batch::{
    BatchEncoder, line_batch, parse_batch, parse_batch_packed, record_fields, record_labels,
    resolve,
};
pub use names::{sanitize_name, severity_from_name};
pub use packed::{FieldValue, Parsed, ParsedField, ParsedLabel, ParsedRecord, Range, TextRef};

use crate::types::{Severity, SourceMeta};
use std::borrow::Cow;
use std::cell::RefCell;

/// A record's field list.
type Fields<'a> = Vec<(Cow<'a, str>, Value<'a>)>;
/// A record's label list.
type Labels<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// The (emptied) lists of the last record encoded, handed to the next
/// [`Record::new`]: a batch then allocates its records' lists once, not
/// once or twice per line. Inside a plugin every allocation is a chain of
/// guest calls (`__rust_alloc`, `malloc`, `dlmalloc`), so this is a large
/// share of a simple parser's time.
struct Spare {
    fields: Fields<'static>,
    labels: Labels<'static>,
}

thread_local! {
    static SPARE: RefCell<Spare> = const {
        RefCell::new(Spare {
            fields: Vec::new(),
            labels: Vec::new(),
        })
    };
}

/// Keeps `record`'s lists for the next [`Record::new`].
pub(crate) fn recycle(record: Record<'_>) {
    let Record { fields, labels, .. } = record;
    let (fields, labels) = (emptied(fields), emptied(labels));
    let _ = SPARE.try_with(|spare| {
        let mut spare = spare.borrow_mut();
        spare.fields = fields;
        spare.labels = labels;
    });
}

/// `list` emptied and detached from its lifetime, keeping its allocation:
/// collecting a `Vec`'s own iterator into a `Vec` of a type of the same
/// layout reuses the buffer (std's in-place collection; were it not to,
/// the result would merely be unallocated).
fn emptied<T, U>(mut list: Vec<T>) -> Vec<U> {
    list.clear();
    list.into_iter()
        .map(|_| unreachable!("the list was cleared"))
        .collect()
}

/// A typed field value; text borrows from the line where it can.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Text.
    Text(Cow<'a, str>),
    /// A signed integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Boolean(bool),
    /// Nanoseconds since the Unix epoch.
    Timestamp(i64),
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Self {
        Value::Text(Cow::Borrowed(s))
    }
}
impl From<String> for Value<'_> {
    fn from(s: String) -> Self {
        Value::Text(Cow::Owned(s))
    }
}
impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Integer(v)
    }
}
impl From<f64> for Value<'_> {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Boolean(v)
    }
}

/// One parsed log record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    /// Nanoseconds since the Unix epoch; `None` means "receive time".
    pub timestamp_ns: Option<i64>,
    /// Severity.
    pub severity: Severity,
    /// The human-readable message.
    pub message: Cow<'a, str>,
    /// Typed fields (searchable, not indexed as labels).
    pub fields: Vec<(Cow<'a, str>, Value<'a>)>,
    /// Low-cardinality labels to index.
    pub labels: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> Record<'a> {
    /// A record with `message`, unknown severity and no fields.
    pub fn new(message: impl Into<Cow<'a, str>>) -> Self {
        let (fields, labels) = SPARE
            .try_with(|spare| {
                let mut spare = spare.borrow_mut();
                (
                    std::mem::take(&mut spare.fields),
                    std::mem::take(&mut spare.labels),
                )
            })
            .unwrap_or_default();
        Record {
            timestamp_ns: None,
            severity: Severity::Unknown,
            message: message.into(),
            fields,
            labels,
        }
    }
    /// Sets the severity.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
    /// Sets the timestamp.
    pub fn timestamp_ns(mut self, ts: i64) -> Self {
        self.timestamp_ns = Some(ts);
        self
    }
    /// Adds a field.
    pub fn field(mut self, name: impl Into<Cow<'a, str>>, value: impl Into<Value<'a>>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }
    /// Adds a label.
    pub fn label(mut self, name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        self.labels.push((name.into(), value.into()));
        self
    }
    /// Returns the text of field `name`, if it is text.
    pub fn text_field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find_map(|(n, v)| match v {
            Value::Text(t) if n == name => Some(t.as_ref()),
            _ => None,
        })
    }
}

/// A log parser. Implement this and register it with
/// [`export_parser!`](crate::export_parser).
pub trait Parser: Sized + Send {
    /// The plugin's `[plugin.config]` table.
    type Config: serde::de::DeserializeOwned;
    /// Builds the parser from its config (called once per instance).
    fn new(config: Self::Config) -> crate::Result<Self>;
    /// Parses one line. An `Err` keeps the raw line with a parse error set.
    fn parse<'a>(&mut self, line: &'a str, meta: &SourceMeta) -> Result<Record<'a>, String>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_record_reuses_the_emptied_lists_of_the_last_one() {
        let line = String::from("a=1 b=2");
        let mut record = Record::new(line.as_str());
        for i in 0..10 {
            record = record.field(format!("f{i}"), i as i64);
        }
        record = record.label("l", &line[..1]);
        let (fields, labels) = (record.fields.capacity(), record.labels.capacity());
        recycle(record);
        drop(line);
        let next = Record::new("next");
        assert!(next.fields.is_empty() && next.labels.is_empty());
        assert_eq!(next.fields.capacity(), fields);
        assert_eq!(next.labels.capacity(), labels);
        // Taken, not shared: the one after starts without them.
        assert_eq!(Record::new("third").fields.capacity(), 0);
    }
}
