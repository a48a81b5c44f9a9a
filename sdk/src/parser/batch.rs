//! [`BatchEncoder`]: records to the packed `parsed-batch` the host reads,
//! written as they come (no second pass), and [`parse_batch`], a parser run
//! over a whole batch of lines.

use super::intern::NameTable;
use super::packed::{
    FIELD_WORDS, FieldValue as WitFieldValue, LABEL_WORDS, Parsed, ParsedField, ParsedLabel,
    ParsedRecord, RECORD_WORDS, Range, TextRef, field_words, label_words, record_words,
};
use super::{Parser, Record, Value};
use crate::types::{LineBatch, ParsedBatch, SourceMeta};
use std::borrow::Cow;

/// Encodes records into a `parsed-batch` for one input buffer.
pub struct BatchEncoder<'i> {
    input: &'i str,
    arena: String,
    names: NameTable,
    /// The packed words of `parsed-batch`.
    records: Vec<u32>,
    fields: Vec<u32>,
    labels: Vec<u32>,
    /// Borrowed names are `'static` (or in the input): their addresses
    /// identify them.
    static_borrows: bool,
}

impl<'i> BatchEncoder<'i> {
    /// An encoder for records that borrow from `input`.
    pub fn new(input: &'i str) -> Self {
        BatchEncoder {
            input,
            arena: String::new(),
            names: NameTable::default(),
            records: Vec::new(),
            fields: Vec::new(),
            labels: Vec::new(),
            static_borrows: false,
        }
    }

    /// An encoder for what `Parser::parse` returns for the `lines` lines of
    /// `input`: a record it returns for a line borrows only from that line
    /// or from `'static` data (its signature allows nothing else), so a
    /// borrowed name's address stays its own for the whole batch. Every
    /// line gets a record: their words are allocated once.
    fn for_parser(input: &'i str, lines: usize) -> Self {
        BatchEncoder {
            static_borrows: true,
            records: Vec::with_capacity(lines * RECORD_WORDS),
            ..BatchEncoder::new(input)
        }
    }

    /// `s` as a reference into the input, if it is a substring of it.
    fn input_ref(&self, s: &str) -> Option<TextRef> {
        let base = self.input.as_ptr() as usize;
        let ptr = s.as_ptr() as usize;
        (ptr >= base && ptr + s.len() <= base + self.input.len()).then(|| TextRef {
            start: (ptr - base) as u32,
            len: s.len() as u32,
        })
    }

    // `text` and `name` are called for every field: their common case (a
    // substring of the input) is inlined into `push`, the rest is not. (In
    // Wasm a call costs a stack check and a deadline check.)
    #[inline(always)]
    fn text(&mut self, s: &str) -> TextRef {
        match self.input_ref(s) {
            Some(r) => r,
            None => self.arena_text(s),
        }
    }

    #[inline(never)]
    fn arena_text(&mut self, s: &str) -> TextRef {
        let start = (self.input.len() + self.arena.len()) as u32;
        self.arena.push_str(s);
        TextRef {
            start,
            len: s.len() as u32,
        }
    }

    /// Names repeat in every record: store each once per batch (up to
    /// [`MAX_INTERNED`](super::intern::MAX_INTERNED) of them; past
    /// that, names are simply appended). `borrowed` says the record borrowed
    /// `s` rather than owning it: see [`BatchEncoder::for_parser`].
    #[inline(always)]
    fn name(&mut self, s: &str, borrowed: bool) -> TextRef {
        if let Some(r) = self.input_ref(s) {
            return r;
        }
        let by_address = self.static_borrows && borrowed;
        if by_address && let Some(known) = self.names.by_address(s) {
            return known;
        }
        self.stored_name(s, by_address)
    }

    #[inline(never)]
    fn stored_name(&mut self, s: &str, by_address: bool) -> TextRef {
        if let Some(known) = self.names.by_text(s, by_address) {
            return known;
        }
        let text = self.arena_text(s);
        self.names.insert(s, text);
        text
    }

    /// Adds the record parsed from input line `line`.
    pub fn push(&mut self, line: u32, record: &Record<'_>, parse_error: Option<&str>) {
        let message = self.text(&record.message);
        let fields_start = (self.fields.len() / FIELD_WORDS) as u32;
        for (n, v) in &record.fields {
            let name = self.name(n, matches!(n, Cow::Borrowed(_)));
            let value = match v {
                Value::Text(t) => WitFieldValue::Text(self.text(t)),
                Value::Integer(i) => WitFieldValue::Integer(*i),
                Value::Float(f) => WitFieldValue::Float(*f),
                Value::Boolean(b) => WitFieldValue::Boolean(*b),
                Value::Timestamp(t) => WitFieldValue::Timestamp(*t),
            };
            self.fields
                .extend_from_slice(&field_words(&ParsedField { name, value }));
        }
        let fields_end = (self.fields.len() / FIELD_WORDS) as u32;
        let labels_start = (self.labels.len() / LABEL_WORDS) as u32;
        for (n, v) in &record.labels {
            let name = self.name(n, matches!(n, Cow::Borrowed(_)));
            let value = self.text(v);
            self.labels
                .extend_from_slice(&label_words(&ParsedLabel { name, value }));
        }
        let labels_end = (self.labels.len() / LABEL_WORDS) as u32;
        let parse_error = parse_error.map(|e| self.text(e));
        self.records.extend_from_slice(&record_words(&ParsedRecord {
            line,
            timestamp_ns: record.timestamp_ns,
            severity: record.severity,
            message,
            fields: Range {
                start: fields_start,
                len: fields_end - fields_start,
            },
            labels: Range {
                start: labels_start,
                len: labels_end - labels_start,
            },
            parse_error,
        }));
    }

    /// The finished batch, packed.
    pub fn finish(self) -> ParsedBatch {
        debug_assert_eq!(self.records.len() % RECORD_WORDS, 0);
        ParsedBatch {
            arena: self.arena,
            records: self.records,
            fields: self.fields,
            labels: self.labels,
        }
    }
}

/// The fields of `record` in `batch`.
pub fn record_fields<'b>(batch: &'b Parsed, record: &ParsedRecord) -> &'b [ParsedField] {
    let (start, len) = (record.fields.start as usize, record.fields.len as usize);
    batch.fields.get(start..start + len).unwrap_or(&[])
}

/// The labels of `record` in `batch`.
pub fn record_labels<'b>(batch: &'b Parsed, record: &ParsedRecord) -> &'b [ParsedLabel] {
    let (start, len) = (record.labels.start as usize, record.labels.len as usize);
    batch.labels.get(start..start + len).unwrap_or(&[])
}

/// Runs `parser` over every line of `batch`: what a plugin's export
/// returns to the host.
pub fn parse_batch_packed<P: Parser>(parser: &mut P, batch: &LineBatch) -> ParsedBatch {
    crate::logtime::new_batch();
    let mut encoder = BatchEncoder::for_parser(&batch.text, batch.ends.len());
    let mut start = 0usize;
    for (i, &end) in batch.ends.iter().enumerate() {
        let end = (end as usize).min(batch.text.len());
        let line = batch.text.get(start..end).unwrap_or("");
        let (record, error) = match parser.parse(line, &batch.meta) {
            Ok(record) => (record, None),
            Err(e) => (Record::new(line), Some(e)),
        };
        encoder.push(i as u32, &record, error.as_deref());
        super::recycle(record);
        start = end;
    }
    encoder.finish()
}

/// [`parse_batch_packed`], unpacked for inspection (native tests, tools).
pub fn parse_batch<P: Parser>(parser: &mut P, batch: &LineBatch) -> Parsed {
    Parsed::unpack(parse_batch_packed(parser, batch)).expect("the encoder writes whole records")
}

/// Resolves a [`TextRef`] of `batch` produced for `input` (for tests and hosts).
pub fn resolve<'a>(input: &'a str, batch: &'a Parsed, r: TextRef) -> &'a str {
    let (start, len) = (r.start as usize, r.len as usize);
    if start < input.len() {
        input.get(start..start + len).unwrap_or("")
    } else {
        let s = start - input.len();
        batch.arena.get(s..s + len).unwrap_or("")
    }
}

/// Builds a [`LineBatch`] from lines (for tests and tools).
pub fn line_batch(meta: SourceMeta, lines: &[&str]) -> LineBatch {
    let mut text = String::new();
    let mut ends = Vec::with_capacity(lines.len());
    for line in lines {
        text.push_str(line);
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
    use crate::types::Severity;

    struct Words;

    impl Parser for Words {
        type Config = ();
        fn new(_: ()) -> crate::Result<Self> {
            Ok(Words)
        }
        fn parse<'a>(&mut self, line: &'a str, _meta: &SourceMeta) -> Result<Record<'a>, String> {
            let (first, rest) = line.split_once(' ').ok_or("no space")?;
            Ok(Record::new(rest)
                .severity(Severity::Info)
                .field("first", first)
                .field("length", line.len() as i64)
                .field("upper", first.to_uppercase())
                .label("source", "words"))
        }
    }

    fn meta() -> SourceMeta {
        SourceMeta {
            source: "t".into(),
            origin: "t".into(),
            labels: vec![],
        }
    }

    #[test]
    fn substrings_cross_as_offsets_and_owned_text_goes_to_the_arena() {
        let batch = line_batch(meta(), &["hello big world", "nospace", "a b"]);
        let out = parse_batch(&mut Words, &batch);
        assert_eq!(out.records.len(), 3);
        let r = &out.records[0];
        assert_eq!(resolve(&batch.text, &out, r.message), "big world");
        assert!(
            (r.message.start as usize) < batch.text.len(),
            "message borrowed from the input"
        );
        let fields = record_fields(&out, r);
        let upper = match fields[2].value {
            WitFieldValue::Text(t) => t,
            _ => panic!("upper is text"),
        };
        assert_eq!(resolve(&batch.text, &out, upper), "HELLO");
        assert!(
            upper.start as usize >= batch.text.len(),
            "owned text lives in the arena"
        );
        assert_eq!(fields[1].value, WitFieldValue::Integer(15));
        // Field and label names are stored once per batch.
        assert_eq!(fields[0].name, record_fields(&out, &out.records[2])[0].name);
        assert_eq!(record_labels(&out, r).len(), 1);
        assert_eq!(record_fields(&out, &out.records[1]).len(), 0);
        assert_eq!(out.arena.matches("first").count(), 1);
        // An unparseable line keeps its raw text and the error.
        let bad = &out.records[1];
        assert_eq!(resolve(&batch.text, &out, bad.message), "nospace");
        assert_eq!(
            resolve(&batch.text, &out, bad.parse_error.unwrap()),
            "no space"
        );
    }

    /// Names in freed and reused memory are told apart by their bytes,
    /// through the public encoder and through `parse_batch`.
    #[test]
    fn names_at_a_reused_address_keep_their_own_text() {
        let input = "x";
        let mut encoder = BatchEncoder::new(input);
        for i in 0..20 {
            let name = format!("n{}", i % 10);
            let record = Record::new("m").field(name.as_str(), i as i64);
            encoder.push(i, &record, None);
        }
        let out = Parsed::unpack(encoder.finish()).unwrap();
        for (i, field) in out.fields.iter().enumerate() {
            assert_eq!(resolve(input, &out, field.name), format!("n{}", i % 10));
        }

        struct Owned;
        impl Parser for Owned {
            type Config = ();
            fn new(_: ()) -> crate::Result<Self> {
                Ok(Owned)
            }
            fn parse<'a>(&mut self, line: &'a str, _: &SourceMeta) -> Result<Record<'a>, String> {
                Ok(Record::new(line)
                    .field(format!("k{}", line.len() % 10), 1i64)
                    .field("fixed", 2i64))
            }
        }
        let lines: Vec<String> = (0..30).map(|i| "l".repeat(i + 1)).collect();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let batch = line_batch(meta(), &refs);
        let out = parse_batch(&mut Owned, &batch);
        for (record, line) in out.records.iter().zip(&lines) {
            let names: Vec<&str> = record_fields(&out, record)
                .iter()
                .map(|f| resolve(&batch.text, &out, f.name))
                .collect();
            assert_eq!(names, [format!("k{}", line.len() % 10).as_str(), "fixed"]);
        }
    }
}
