//! One stored log entry and its write-ahead-log encoding.
//!
//! An entry belongs to a *stream* (its indexed, low-cardinality labels, as in
//! Loki), carries the raw line, and the typed fields a parser extracted
//! (Loki's "structured metadata": filterable in queries, not part of the
//! stream's identity). `index` names the log type the entry is filed under
//! (`postfix` → `logs-postfix-YYYY.MM.dd`).

use crate::storage::metrics::Labels;
use crate::storage::metrics::codec::{ByteReader, put_str};
use std::sync::Arc;

/// A typed field value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// Text.
    Text(String),
    /// A signed integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Boolean(bool),
    /// Nanoseconds since the Unix epoch.
    Timestamp(i64),
}

impl FieldValue {
    /// The value as a label value (how queries see it).
    pub fn to_label_value(&self) -> String {
        match self {
            FieldValue::Text(s) => s.clone(),
            FieldValue::Integer(i) => i.to_string(),
            FieldValue::Float(f) => f.to_string(),
            FieldValue::Boolean(b) => b.to_string(),
            FieldValue::Timestamp(t) => crate::util::rfc3339_nanos(*t),
        }
    }
}

/// One log entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// The log type it is filed under (index name without `logs-` and date).
    pub index: Arc<str>,
    /// Nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    /// The stream's labels.
    pub stream: Labels,
    /// The line as received (or as a parser rewrote it).
    pub line: String,
    /// Structured metadata: severity, parsed fields, parse errors.
    pub fields: Vec<(String, FieldValue)>,
}

impl LogEntry {
    /// The value of field `name`.
    pub fn field(&self, name: &str) -> Option<&FieldValue> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Appends the entry's WAL encoding to `buf`.
    pub fn encode(&self, buf: &mut Vec<u8>) {
        put_str(buf, &self.index);
        buf.extend_from_slice(&self.ts_ns.to_le_bytes());
        buf.extend_from_slice(&(self.stream.len() as u32).to_le_bytes());
        for (n, v) in self.stream.iter() {
            put_str(buf, n);
            put_str(buf, v);
        }
        put_str(buf, &self.line);
        buf.extend_from_slice(&(self.fields.len() as u32).to_le_bytes());
        for (name, value) in &self.fields {
            put_str(buf, name);
            match value {
                FieldValue::Text(s) => {
                    buf.push(0);
                    put_str(buf, s);
                }
                FieldValue::Integer(i) => {
                    buf.push(1);
                    buf.extend_from_slice(&i.to_le_bytes());
                }
                FieldValue::Float(f) => {
                    buf.push(2);
                    buf.extend_from_slice(&f.to_bits().to_le_bytes());
                }
                FieldValue::Boolean(b) => {
                    buf.push(3);
                    buf.push(u8::from(*b));
                }
                FieldValue::Timestamp(t) => {
                    buf.push(4);
                    buf.extend_from_slice(&t.to_le_bytes());
                }
            }
        }
    }

    /// Decodes one entry from `r`.
    pub fn decode(r: &mut ByteReader<'_>) -> Option<LogEntry> {
        let index: Arc<str> = r.str()?.into();
        let ts_ns = r.u64()? as i64;
        let n = r.u32()? as usize;
        let mut pairs = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            pairs.push((r.str()?, r.str()?));
        }
        let stream = Labels::stream(pairs).ok()?;
        let line = r.str()?;
        let n = r.u32()? as usize;
        let mut fields = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let name = r.str()?;
            let tag = r.take(1)?[0];
            let value = match tag {
                0 => FieldValue::Text(r.str()?),
                1 => FieldValue::Integer(r.u64()? as i64),
                2 => FieldValue::Float(f64::from_bits(r.u64()?)),
                3 => FieldValue::Boolean(r.take(1)?[0] != 0),
                4 => FieldValue::Timestamp(r.u64()? as i64),
                _ => return None,
            };
            fields.push((name, value));
        }
        Some(LogEntry {
            index,
            ts_ns,
            stream,
            line,
            fields,
        })
    }
}

/// A source's position (e.g. a file tailer's checkpoint), stored in the same
/// WAL record as the entries it read, so that both survive a crash or
/// neither does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceState {
    /// The source's key.
    pub key: String,
    /// Its opaque state.
    pub state: Vec<u8>,
}

/// Encodes a batch of entries (and a source's state) as one WAL record.
pub fn encode_batch(entries: &[LogEntry], state: Option<&SourceState>) -> Vec<u8> {
    let mut buf = Vec::with_capacity(entries.iter().map(|e| e.line.len() + 128).sum());
    buf.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for e in entries {
        e.encode(&mut buf);
    }
    if let Some(s) = state {
        put_str(&mut buf, &s.key);
        buf.extend_from_slice(&(s.state.len() as u32).to_le_bytes());
        buf.extend_from_slice(&s.state);
    }
    buf
}

/// Decodes a WAL record; `None` if it is corrupt.
pub fn decode_batch(payload: &[u8]) -> Option<(Vec<LogEntry>, Option<SourceState>)> {
    let mut r = ByteReader(payload);
    let n = r.u32()? as usize;
    let mut out = Vec::with_capacity(n.min(1 << 16));
    for _ in 0..n {
        out.push(LogEntry::decode(&mut r)?);
    }
    if r.rest().is_empty() {
        return Some((out, None));
    }
    let key = r.str()?;
    let len = r.u32()? as usize;
    let state = r.take(len)?.to_vec();
    r.rest()
        .is_empty()
        .then_some((out, Some(SourceState { key, state })))
}

/// The stream's fingerprint: FNV-1a over names and values with separators.
pub fn fingerprint(labels: &Labels) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (n, v) in labels.iter() {
        for b in n.bytes().chain([0xff]).chain(v.bytes()).chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> LogEntry {
        LogEntry {
            index: "postfix".into(),
            ts_ns: 1_764_000_000_123_456_789,
            stream: Labels::stream([("job", "postfix"), ("program", "smtp")]).unwrap(),
            line: "4F2A1C: to=<bob@example.org>, status=sent (250 ok) ✓".into(),
            fields: vec![
                ("queue_id".into(), FieldValue::Text("4F2A1C".into())),
                ("size".into(), FieldValue::Integer(-12)),
                ("delay".into(), FieldValue::Float(0.25)),
                ("tls".into(), FieldValue::Boolean(true)),
                ("at".into(), FieldValue::Timestamp(7)),
            ],
        }
    }

    #[test]
    fn batches_round_trip_and_corruption_is_detected() {
        let batch = vec![
            entry(),
            LogEntry {
                line: String::new(),
                fields: vec![],
                ..entry()
            },
        ];
        let bytes = encode_batch(&batch, None);
        assert_eq!(decode_batch(&bytes).unwrap(), (batch.clone(), None));
        let state = SourceState {
            key: "file:postfix".into(),
            state: vec![1, 2, 3],
        };
        let with_state = encode_batch(&batch, Some(&state));
        assert_eq!(
            decode_batch(&with_state).unwrap(),
            (batch.clone(), Some(state))
        );
        assert!(decode_batch(&with_state[..with_state.len() - 1]).is_none());
        assert!(decode_batch(&bytes[..bytes.len() - 1]).is_none());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(
            decode_batch(&longer).is_none(),
            "trailing bytes are corruption"
        );
    }

    #[test]
    fn fingerprints_separate_names_from_values() {
        let a = Labels::stream([("ab", "c")]).unwrap();
        let b = Labels::stream([("a", "bc")]).unwrap();
        assert_ne!(fingerprint(&a), fingerprint(&b));
        assert_eq!(
            fingerprint(&a),
            fingerprint(&Labels::stream([("ab", "c")]).unwrap())
        );
    }
}
