//! The packed `parsed-batch` a parser's batch crosses the Wasm boundary as
//! (its layout is documented in `wit/types.wit`): the words of one record,
//! field or label ([`record_words`], [`field_words`], [`label_words`]),
//! which the [`BatchEncoder`](super::BatchEncoder) writes as it goes, and
//! [`Parsed`], the same batch unpacked into structs for native tests and
//! tools ([`Parsed::unpack`]).

use crate::types::{ParsedBatch, Severity};

/// Words per record in `parsed-batch.records`.
pub const RECORD_WORDS: usize = 12;
/// Words per field in `parsed-batch.fields`.
pub const FIELD_WORDS: usize = 5;
/// Words per label in `parsed-batch.labels`.
pub const LABEL_WORDS: usize = 4;

/// Record flag: the timestamp words are set.
pub const FLAG_TIMESTAMP: u32 = 1;
/// Record flag: the parse error words are set.
pub const FLAG_PARSE_ERROR: u32 = 2;

/// Field kinds (word 2 of a field).
pub mod kind {
    /// Text (words 3-4 are a text reference).
    pub const TEXT: u32 = 0;
    /// `s64` integer.
    pub const INTEGER: u32 = 1;
    /// `f64` float (its bits).
    pub const FLOAT: u32 = 2;
    /// Boolean (word 3 is 0 or 1).
    pub const BOOLEAN: u32 = 3;
    /// `s64` nanoseconds since the Unix epoch.
    pub const TIMESTAMP: u32 = 4;
}

/// Text in the combined address space of the input and the arena: offsets
/// below the input's length point into the input, the rest into the arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRef {
    /// First byte.
    pub start: u32,
    /// Length in bytes.
    pub len: u32,
}

/// A slice `[start, start + len)` of [`Parsed::fields`] or [`Parsed::labels`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// First index.
    pub start: u32,
    /// Number of items.
    pub len: u32,
}

/// A typed field value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue {
    /// Text.
    Text(TextRef),
    /// Integer.
    Integer(i64),
    /// Float.
    Float(f64),
    /// Boolean.
    Boolean(bool),
    /// Nanoseconds since the Unix epoch.
    Timestamp(i64),
}

/// One typed field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParsedField {
    /// Its name.
    pub name: TextRef,
    /// Its value.
    pub value: FieldValue,
}

/// One label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedLabel {
    /// Its name.
    pub name: TextRef,
    /// Its value.
    pub value: TextRef,
}

/// The record parsed from input line `line`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParsedRecord {
    /// Index of the input line.
    pub line: u32,
    /// Nanoseconds since the Unix epoch; `None` means "receive time".
    pub timestamp_ns: Option<i64>,
    /// Severity.
    pub severity: Severity,
    /// Message.
    pub message: TextRef,
    /// This record's slice of [`Parsed::fields`].
    pub fields: Range,
    /// This record's slice of [`Parsed::labels`].
    pub labels: Range,
    /// Why the line could not be parsed.
    pub parse_error: Option<TextRef>,
}

/// A parsed batch, unpacked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// Text that is not a substring of the input.
    pub arena: String,
    /// One record per parsed line.
    pub records: Vec<ParsedRecord>,
    /// Every record's fields, back to back.
    pub fields: Vec<ParsedField>,
    /// Every record's labels, back to back.
    pub labels: Vec<ParsedLabel>,
}

/// The case index of `s` in the WIT `severity` enum (the generated enum's
/// discriminant: its cases in declaration order).
fn severity_index(s: Severity) -> u32 {
    s as u32
}

fn split(x: u64) -> [u32; 2] {
    [x as u32, (x >> 32) as u32]
}

fn join(lo: u32, hi: u32) -> u64 {
    u64::from(lo) | (u64::from(hi) << 32)
}

/// The `parsed-batch.records` words of `r`.
pub fn record_words(r: &ParsedRecord) -> [u32; RECORD_WORDS] {
    let mut flags = severity_index(r.severity) << 8;
    if r.timestamp_ns.is_some() {
        flags |= FLAG_TIMESTAMP;
    }
    if r.parse_error.is_some() {
        flags |= FLAG_PARSE_ERROR;
    }
    let [ts_lo, ts_hi] = split(r.timestamp_ns.unwrap_or(0) as u64);
    let error = r.parse_error.unwrap_or(TextRef { start: 0, len: 0 });
    [
        r.line,
        flags,
        ts_lo,
        ts_hi,
        r.message.start,
        r.message.len,
        r.fields.start,
        r.fields.len,
        r.labels.start,
        r.labels.len,
        error.start,
        error.len,
    ]
}

/// The `parsed-batch.fields` words of `f`.
pub fn field_words(f: &ParsedField) -> [u32; FIELD_WORDS] {
    let (kind, [a, b]) = match f.value {
        FieldValue::Text(t) => (kind::TEXT, [t.start, t.len]),
        FieldValue::Integer(i) => (kind::INTEGER, split(i as u64)),
        FieldValue::Float(x) => (kind::FLOAT, split(x.to_bits())),
        FieldValue::Boolean(b) => (kind::BOOLEAN, [u32::from(b), 0]),
        FieldValue::Timestamp(t) => (kind::TIMESTAMP, split(t as u64)),
    };
    [f.name.start, f.name.len, kind, a, b]
}

/// The `parsed-batch.labels` words of `l`.
pub fn label_words(l: &ParsedLabel) -> [u32; LABEL_WORDS] {
    [l.name.start, l.name.len, l.value.start, l.value.len]
}

/// The WIT `severity` cases by index.
const SEVERITIES: [Severity; 10] = [
    Severity::Unknown,
    Severity::Trace,
    Severity::Debug,
    Severity::Info,
    Severity::Notice,
    Severity::Warning,
    Severity::Error,
    Severity::Critical,
    Severity::Alert,
    Severity::Emergency,
];

impl Parsed {
    /// `batch` unpacked; `None` when its words are not whole records,
    /// fields and labels of known kinds (the host's own decoder checks every
    /// word and reference; this one serves tests of what the SDK wrote).
    pub fn unpack(batch: ParsedBatch) -> Option<Parsed> {
        let text = |start, len| TextRef { start, len };
        let records = exact_chunks::<RECORD_WORDS>(&batch.records)?
            .map(|w| {
                let flags = w[1];
                Some(ParsedRecord {
                    line: w[0],
                    timestamp_ns: (flags & FLAG_TIMESTAMP != 0).then(|| join(w[2], w[3]) as i64),
                    severity: *SEVERITIES.get((flags >> 8) as usize & 0xff)?,
                    message: text(w[4], w[5]),
                    fields: Range {
                        start: w[6],
                        len: w[7],
                    },
                    labels: Range {
                        start: w[8],
                        len: w[9],
                    },
                    parse_error: (flags & FLAG_PARSE_ERROR != 0).then(|| text(w[10], w[11])),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let fields = exact_chunks::<FIELD_WORDS>(&batch.fields)?
            .map(|w| {
                let value = match w[2] {
                    kind::TEXT => FieldValue::Text(text(w[3], w[4])),
                    kind::INTEGER => FieldValue::Integer(join(w[3], w[4]) as i64),
                    kind::FLOAT => FieldValue::Float(f64::from_bits(join(w[3], w[4]))),
                    kind::BOOLEAN => FieldValue::Boolean(w[3] != 0),
                    kind::TIMESTAMP => FieldValue::Timestamp(join(w[3], w[4]) as i64),
                    _ => return None,
                };
                Some(ParsedField {
                    name: text(w[0], w[1]),
                    value,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let labels = exact_chunks::<LABEL_WORDS>(&batch.labels)?
            .map(|w| ParsedLabel {
                name: text(w[0], w[1]),
                value: text(w[2], w[3]),
            })
            .collect();
        Some(Parsed {
            arena: batch.arena,
            records,
            fields,
            labels,
        })
    }
}

/// `words` as arrays of `N`, if it holds a whole number of them.
fn exact_chunks<const N: usize>(words: &[u32]) -> Option<impl Iterator<Item = &[u32; N]>> {
    let (chunks, rest) = words.as_chunks::<N>();
    rest.is_empty().then(|| chunks.iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_are_numbered_by_their_wit_case_index() {
        for (index, severity) in SEVERITIES.into_iter().enumerate() {
            assert_eq!(severity_index(severity), index as u32, "{severity:?}");
        }
    }

    #[test]
    fn words_are_the_documented_layout_and_unpack_back() {
        let parsed = Parsed {
            arena: "upper".into(),
            records: vec![ParsedRecord {
                line: 3,
                timestamp_ns: Some(-2),
                severity: Severity::Warning,
                message: TextRef { start: 1, len: 2 },
                fields: Range { start: 0, len: 2 },
                labels: Range { start: 0, len: 1 },
                parse_error: Some(TextRef { start: 7, len: 1 }),
            }],
            fields: vec![
                ParsedField {
                    name: TextRef { start: 0, len: 1 },
                    value: FieldValue::Float(1.5),
                },
                ParsedField {
                    name: TextRef { start: 2, len: 1 },
                    value: FieldValue::Text(TextRef { start: 4, len: 5 }),
                },
            ],
            labels: vec![ParsedLabel {
                name: TextRef { start: 5, len: 1 },
                value: TextRef { start: 6, len: 1 },
            }],
        };
        let packed = ParsedBatch {
            arena: parsed.arena.clone(),
            records: parsed.records.iter().flat_map(record_words).collect(),
            fields: parsed.fields.iter().flat_map(field_words).collect(),
            labels: parsed.labels.iter().flat_map(label_words).collect(),
        };
        assert_eq!(
            packed.records,
            [
                3,
                (5 << 8) | 3,
                u32::MAX - 1,
                u32::MAX,
                1,
                2,
                0,
                2,
                0,
                1,
                7,
                1
            ]
        );
        let bits = 1.5f64.to_bits();
        assert_eq!(
            packed.fields,
            [
                0,
                1,
                kind::FLOAT,
                bits as u32,
                (bits >> 32) as u32,
                2,
                1,
                kind::TEXT,
                4,
                5
            ]
        );
        assert_eq!(packed.labels, [5, 1, 6, 1]);
        assert_eq!(packed.arena, "upper");
        assert_eq!(Parsed::unpack(packed.clone()), Some(parsed));

        let mut torn = packed.clone();
        torn.records.pop();
        assert_eq!(Parsed::unpack(torn), None, "a record cut short");
        let mut unknown = packed;
        unknown.fields[2] = 9;
        assert_eq!(Parsed::unpack(unknown), None, "a field of no known kind");
    }
}
