//! Decodes a parser plugin's packed `parsed-batch` (the word layout is
//! documented in `wit/types.wit`) into owned log records, checking every
//! word it reads (a hostile parser gets an error, not a host panic) and
//! keeping every input line: lines the parser skipped become raw records
//! with a parse error.

use crate::runtime::bindings::types::{LineBatch, ParsedBatch};
use serde::{Serialize, Serializer};

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
    /// Typed fields, sorted by name, names unique (the last of duplicates
    /// wins); timestamps are given as integer nanoseconds.
    #[serde(serialize_with = "as_map")]
    pub fields: Vec<(String, Value)>,
    /// Labels to index, sorted by name, names unique.
    #[serde(serialize_with = "as_map")]
    pub labels: Vec<(String, String)>,
    /// Why the line could not be parsed, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
}

fn as_map<S: Serializer, V: Serialize>(pairs: &[(String, V)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// Sorts `pairs` by name and keeps the last of each run of equal names
/// (what inserting them one by one into a map would give).
pub fn sort_unique<T>(pairs: &mut Vec<(String, T)>) {
    if pairs.windows(2).all(|w| w[0].0 < w[1].0) {
        return;
    }
    pairs.reverse();
    // Stable: among equal names the originally last now comes first, and
    // `dedup_by` keeps the first of a run.
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs.dedup_by(|later, earlier| later.0 == earlier.0);
}

/// A malformed batch from a parser.
#[derive(Debug, thiserror::Error)]
#[error("parser returned a malformed batch: {0}")]
pub struct MalformedBatch(String);

/// Words per record, field and label (see `wit/types.wit`).
const RECORD_WORDS: usize = 12;
const FIELD_WORDS: usize = 5;
const LABEL_WORDS: usize = 4;
const FLAG_TIMESTAMP: u32 = 1;
const FLAG_PARSE_ERROR: u32 = 2;

/// The WIT `severity` enum's cases, in declaration order.
const SEVERITIES: [&str; 10] = [
    "unknown",
    "trace",
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
];

/// Reads text references against one input and its parser's arena.
struct Texts<'a> {
    input: &'a str,
    arena: &'a str,
}

impl<'a> Texts<'a> {
    fn get(&self, start: u32, len: u32) -> Result<&'a str, MalformedBatch> {
        let (start, len) = (start as usize, len as usize);
        let text = if start < self.input.len() {
            self.input.get(start..start.saturating_add(len))
        } else {
            let s = start - self.input.len();
            self.arena.get(s..s.saturating_add(len))
        };
        text.ok_or_else(|| {
            MalformedBatch(format!(
                "text reference {start}+{len} is out of range or splits a character"
            ))
        })
    }

    fn string(&self, words: &[u32]) -> Result<String, MalformedBatch> {
        self.get(words[0], words[1]).map(str::to_string)
    }
}

/// The `words`-word items `[start, start + count)` of `items`.
fn items<'a>(
    list: &'a [u32],
    words: usize,
    start: u32,
    count: u32,
    what: &str,
) -> Result<std::slice::ChunksExact<'a, u32>, MalformedBatch> {
    let from = (start as usize).saturating_mul(words);
    let to = from.saturating_add((count as usize).saturating_mul(words));
    list.get(from..to)
        .map(|w| w.chunks_exact(words))
        .ok_or_else(|| MalformedBatch(format!("{what} {start}+{count} is out of range")))
}

fn join(lo: u32, hi: u32) -> u64 {
    u64::from(lo) | (u64::from(hi) << 32)
}

fn field_value(texts: &Texts<'_>, w: &[u32]) -> Result<Value, MalformedBatch> {
    let bits = join(w[3], w[4]);
    Ok(match w[2] {
        0 => Value::Text(texts.string(&w[3..5])?),
        1 | 4 => Value::Integer(bits as i64),
        2 => Value::Float(f64::from_bits(bits)),
        3 => Value::Boolean(w[3] != 0),
        kind => return Err(MalformedBatch(format!("unknown field kind {kind}"))),
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
    if !out.records.len().is_multiple_of(RECORD_WORDS)
        || !out.fields.len().is_multiple_of(FIELD_WORDS)
        || !out.labels.len().is_multiple_of(LABEL_WORDS)
    {
        return Err(MalformedBatch(
            "a list's length is not a whole number of items".into(),
        ));
    }
    let texts = Texts {
        input: &input.text,
        arena: &out.arena,
    };
    let mut covered = vec![false; lines];
    let mut records = Vec::with_capacity((out.records.len() / RECORD_WORDS).max(lines));
    let mut sorted = true;
    for r in out.records.chunks_exact(RECORD_WORDS) {
        let index = r[0] as usize;
        if index >= lines {
            return Err(MalformedBatch(format!(
                "record names line {index} of a {lines}-line batch"
            )));
        }
        sorted &= records
            .last()
            .is_none_or(|last: &LogRecord| last.line <= r[0]);
        covered[index] = true;
        let flags = r[1];
        let severity = *SEVERITIES
            .get((flags >> 8 & 0xff) as usize)
            .ok_or_else(|| MalformedBatch(format!("unknown severity {}", flags >> 8 & 0xff)))?;
        let field_words = items(&out.fields, FIELD_WORDS, r[6], r[7], "fields")?;
        let mut fields = Vec::with_capacity(field_words.len());
        for f in field_words {
            fields.push((texts.string(&f[0..2])?, field_value(&texts, f)?));
        }
        sort_unique(&mut fields);
        let label_words = items(&out.labels, LABEL_WORDS, r[8], r[9], "labels")?;
        let mut labels = Vec::with_capacity(label_words.len());
        for l in label_words {
            labels.push((texts.string(&l[0..2])?, texts.string(&l[2..4])?));
        }
        sort_unique(&mut labels);
        records.push(LogRecord {
            line: r[0],
            timestamp_ns: (flags & FLAG_TIMESTAMP != 0).then(|| join(r[2], r[3]) as i64),
            severity,
            message: texts.string(&r[4..6])?,
            fields,
            labels,
            parse_error: if flags & FLAG_PARSE_ERROR != 0 {
                Some(texts.string(&r[10..12])?)
            } else {
                None
            },
        });
    }
    for (i, done) in covered.iter().enumerate() {
        if !done {
            sorted = false;
            records.push(LogRecord {
                line: i as u32,
                timestamp_ns: None,
                severity: "unknown",
                message: line(input, i).to_string(),
                fields: Vec::new(),
                labels: Vec::new(),
                parse_error: Some("parser returned no record for this line".into()),
            });
        }
    }
    if !sorted {
        records.sort_by_key(|r| r.line);
    }
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
    use crate::runtime::bindings::types::SourceMeta;

    fn meta() -> SourceMeta {
        SourceMeta {
            source: "t".into(),
            origin: "test".into(),
            labels: vec![],
        }
    }

    /// One record of line `line` whose message is `start+len`.
    fn record(line: u32, start: u32, len: u32) -> Vec<u32> {
        vec![line, 3 << 8, 0, 0, start, len, 0, 0, 0, 0, 0, 0]
    }

    fn batch(arena: &str, records: Vec<u32>, fields: Vec<u32>, labels: Vec<u32>) -> ParsedBatch {
        ParsedBatch {
            arena: arena.into(),
            records,
            fields,
            labels,
        }
    }

    #[test]
    fn resolves_input_and_arena_and_fills_skipped_lines() {
        let input = batch_from_lines(meta(), [&b"hello world"[..], b"second", b"\xff bad"]);
        let mut words = record(0, 6, 5);
        words.extend(record(2, input.text.len() as u32, 5));
        let out = batch("owned", words, vec![], vec![]);
        let records = decode(&input, &out).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].message, "world");
        assert_eq!(records[0].severity, "info");
        assert_eq!(records[1].message, "second");
        assert!(records[1].parse_error.is_some());
        assert_eq!(records[2].message, "owned");
        assert!(line(&input, 2).starts_with('\u{fffd}'));
    }

    #[test]
    fn decodes_what_the_sdk_packs() {
        use watchpost_sdk::parser::{line_batch, parse_batch_packed};
        struct Words;
        impl watchpost_sdk::Parser for Words {
            type Config = ();
            fn new(_: ()) -> watchpost_sdk::Result<Self> {
                Ok(Words)
            }
            fn parse<'a>(
                &mut self,
                line: &'a str,
                _meta: &watchpost_sdk::SourceMeta,
            ) -> Result<watchpost_sdk::Record<'a>, String> {
                let (first, rest) = line.split_once(' ').ok_or("no space")?;
                Ok(watchpost_sdk::Record::new(rest)
                    .severity(watchpost_sdk::Severity::Warning)
                    .timestamp_ns(-5)
                    .field("zeta", first)
                    .field("length", line.len() as i64)
                    .field("ratio", 0.25)
                    .field("ok", true)
                    .field("at", watchpost_sdk::Value::Timestamp(9))
                    .field("length", 1i64)
                    .field("upper", first.to_uppercase())
                    .label("source", "words"))
            }
        }
        let sdk_meta = watchpost_sdk::SourceMeta {
            source: "t".into(),
            origin: "t".into(),
            labels: vec![],
        };
        let lines = ["hello big world", "nospace"];
        let packed = parse_batch_packed(&mut Words, &line_batch(sdk_meta, &lines));
        let out = batch(&packed.arena, packed.records, packed.fields, packed.labels);
        let input = batch_from_lines(meta(), lines.iter().map(|l| l.as_bytes()));
        let records = decode(&input, &out).unwrap();
        let r = &records[0];
        assert_eq!(r.message, "big world");
        assert_eq!(r.severity, "warning");
        assert_eq!(r.timestamp_ns, Some(-5));
        assert_eq!(
            r.fields,
            vec![
                ("at".to_string(), Value::Integer(9)),
                ("length".to_string(), Value::Integer(1)),
                ("ok".to_string(), Value::Boolean(true)),
                ("ratio".to_string(), Value::Float(0.25)),
                ("upper".to_string(), Value::Text("HELLO".into())),
                ("zeta".to_string(), Value::Text("hello".into())),
            ],
            "sorted by name; the last of a duplicate name wins"
        );
        assert_eq!(r.labels, vec![("source".to_string(), "words".to_string())]);
        assert_eq!(records[1].message, "nospace");
        assert_eq!(records[1].parse_error.as_deref(), Some("no space"));
        assert_eq!(
            serde_json::to_value(r).unwrap()["fields"]["ratio"],
            serde_json::json!(0.25)
        );
    }

    #[test]
    fn rejects_malformed_words() {
        let input = batch_from_lines(meta(), [&b"abc"[..]]);
        for bad in [(1, 99), (50, 1)] {
            assert!(decode(&input, &batch("", record(0, bad.0, bad.1), vec![], vec![])).is_err());
        }
        assert!(decode(&input, &batch("", record(7, 0, 1), vec![], vec![])).is_err());
        let mut fields_past_the_end = record(0, 0, 1);
        fields_past_the_end[7] = 3;
        assert!(decode(&input, &batch("", fields_past_the_end, vec![], vec![])).is_err());
        let mut huge = record(0, 0, 1);
        huge[6] = u32::MAX;
        huge[7] = u32::MAX;
        assert!(decode(&input, &batch("", huge, vec![0; 5], vec![])).is_err());
        let mut bad_severity = record(0, 0, 1);
        bad_severity[1] = 10 << 8;
        assert!(decode(&input, &batch("", bad_severity, vec![], vec![])).is_err());
        let mut one_field = record(0, 0, 1);
        one_field[7] = 1;
        assert!(
            decode(
                &input,
                &batch("", one_field.clone(), vec![0, 1, 9, 0, 0], vec![])
            )
            .is_err(),
            "unknown field kind"
        );
        assert!(decode(&input, &batch("", one_field, vec![0, 1, 1, 0], vec![])).is_err());
        let mut truncated = record(0, 0, 1);
        truncated.pop();
        assert!(decode(&input, &batch("", truncated, vec![], vec![])).is_err());
    }

    #[test]
    fn sort_unique_keeps_the_last_duplicate() {
        let mut pairs = vec![("b".to_string(), 1), ("a".into(), 2), ("b".into(), 3)];
        sort_unique(&mut pairs);
        assert_eq!(pairs, vec![("a".to_string(), 2), ("b".into(), 3)]);
    }
}
