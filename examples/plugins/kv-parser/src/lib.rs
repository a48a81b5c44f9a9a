//! Example log parser for `key=value` lines (logfmt style):
//!
//! ```text
//! level=info msg="hello world" user=bob latency_ms=12
//! ```
//!
//! `level` sets the record's severity, `msg` its message, the keys listed in
//! `labels` become labels, and every other pair a typed field (integer, float,
//! boolean or text). Names and values are borrowed from the line; only a
//! quoted value with escapes is copied.

use serde::Deserialize;
use std::borrow::Cow;
use watchpost_sdk::parser::severity_from_name;
use watchpost_sdk::{Parser, Record, Severity, SourceMeta, Value};

/// The `[plugin.config]` table.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `labels = ["service"]`: keys to index as labels instead of fields.
    pub labels: Vec<String>,
    /// `level_key = "level"`: the key holding the severity.
    pub level_key: String,
    /// `message_key = "msg"`: the key holding the message; lines without it
    /// keep the whole line as their message.
    pub message_key: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            labels: Vec::new(),
            level_key: "level".into(),
            message_key: "msg".into(),
        }
    }
}

/// The parser: just its config.
pub struct KvParser {
    config: Config,
}

impl Parser for KvParser {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        Ok(KvParser { config })
    }

    fn parse<'a>(&mut self, line: &'a str, _meta: &SourceMeta) -> Result<Record<'a>, String> {
        let mut record = Record::new(line);
        let mut seen = false;
        for pair in Pairs::new(line) {
            let pair = pair?;
            seen = true;
            if pair.key == self.config.level_key {
                record.severity = severity_from_name(&pair.value);
                if record.severity != Severity::Unknown {
                    continue;
                }
            }
            if pair.key == self.config.message_key {
                record.message = pair.value;
            } else if self.config.labels.iter().any(|l| l == pair.key) {
                record.labels.push((Cow::Borrowed(pair.key), pair.value));
            } else {
                let value = if pair.quoted {
                    Value::Text(pair.value)
                } else {
                    typed(pair.value)
                };
                record.fields.push((Cow::Borrowed(pair.key), value));
            }
        }
        if !seen {
            return Err("no key=value pair in line".into());
        }
        Ok(record)
    }
}

watchpost_sdk::export_parser!(KvParser);

/// One `key=value` pair.
#[derive(Debug, PartialEq)]
pub struct Pair<'a> {
    pub key: &'a str,
    pub value: Cow<'a, str>,
    /// Written as `key="..."`: always text, never typed.
    pub quoted: bool,
}

/// Splits a line into its pairs; bare words (no `=`) are skipped.
pub fn pairs(line: &str) -> Result<Vec<Pair<'_>>, String> {
    Pairs::new(line).collect()
}

/// The pairs of a line, one at a time (no list to allocate per line).
///
/// Keys end at a space, tab or `=`, unquoted values at a space or tab, and
/// any whitespace separates pairs. It scans bytes, not chars: every
/// delimiter is ASCII, and UTF-8 never uses an ASCII byte inside a
/// multi-byte character, so slicing at a delimiter is always on a char
/// boundary. Delimiters are found with `memchr`, many bytes a step: in Wasm
/// every loop iteration also checks the call's deadline.
pub struct Pairs<'a> {
    line: &'a str,
    pos: usize,
}

impl<'a> Pairs<'a> {
    /// The pairs of `line`.
    pub fn new(line: &'a str) -> Self {
        Pairs { line, pos: 0 }
    }
}

/// The first position from `pos` holding `a` or `b`, or the end.
fn find2(bytes: &[u8], pos: usize, a: u8, b: u8) -> usize {
    memchr::memchr2(a, b, &bytes[pos..]).map_or(bytes.len(), |i| pos + i)
}

/// The first position from `pos` holding `a`, `b` or `c`, or the end.
fn find3(bytes: &[u8], pos: usize, a: u8, b: u8, c: u8) -> usize {
    memchr::memchr3(a, b, c, &bytes[pos..]).map_or(bytes.len(), |i| pos + i)
}

impl<'a> Iterator for Pairs<'a> {
    type Item = Result<Pair<'a>, String>;

    // Inlined into `KvParser::parse`, its only caller: a call per pair
    // costs more than the pair's scanning (natively and in Wasm).
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let (line, bytes) = (self.line, self.line.as_bytes());
        let mut pos = self.pos;
        let item = loop {
            pos = skip_whitespace(line, pos);
            if pos >= bytes.len() {
                break None;
            }
            let start = pos;
            pos = find3(bytes, pos, b' ', b'\t', b'=');
            let key = &line[start..pos];
            if bytes.get(pos) != Some(&b'=') {
                // A bare word such as `done` in `done user=bob`.
                continue;
            }
            pos += 1;
            if key.is_empty() {
                pos = bytes.len();
                break Some(Err(missing_key()));
            }
            if bytes.get(pos) == Some(&b'"') {
                let Some((value, len)) = quoted_value(&line[pos + 1..]) else {
                    pos = bytes.len();
                    break Some(Err(unterminated(key)));
                };
                pos += 1 + len;
                break Some(Ok(Pair {
                    key,
                    value,
                    quoted: true,
                }));
            }
            let start = pos;
            pos = find2(bytes, pos, b' ', b'\t');
            break Some(Ok(Pair {
                key,
                value: Cow::Borrowed(&line[start..pos]),
                quoted: false,
            }));
        };
        self.pos = pos;
        item
    }
}

// Errors are built out of line: kept out of `next`, they leave its loop
// fewer values to hold in registers (Cranelift, which compiles plugins,
// spills readily in a large function).
#[cold]
#[inline(never)]
fn missing_key() -> String {
    "'=' without a key".into()
}

#[cold]
#[inline(never)]
fn unterminated(key: &str) -> String {
    format!("unterminated quoted value for {key}")
}

/// Any whitespace from `pos` on, as `str::trim_start` sees it: ASCII
/// whitespace byte by byte, other Unicode whitespace through `trim_start`.
fn skip_whitespace(line: &str, mut pos: usize) -> usize {
    let bytes = line.as_bytes();
    loop {
        while bytes
            .get(pos)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        {
            pos += 1;
        }
        if bytes.get(pos).is_none_or(|b| b.is_ascii()) {
            return pos;
        }
        let next = bytes.len() - line[pos..].trim_start().len();
        if next == pos {
            return pos;
        }
        pos = next;
    }
}

/// The value after an opening quote and how many bytes it took, closing
/// quote included. `\"` and `\\` are unescaped (copying only then), `\n`
/// becomes a newline and `\t` a tab.
#[inline(never)]
fn quoted_value(body: &str) -> Option<(Cow<'_, str>, usize)> {
    let bytes = body.as_bytes();
    let mut owned: Option<String> = None;
    // Start of the text not yet copied into `owned`.
    let mut pending = 0;
    let mut i = 0;
    while let Some(found) = memchr::memchr2(b'"', b'\\', &bytes[i..]) {
        i += found;
        match bytes[i] {
            b'"' => {
                let value = match owned {
                    None => Cow::Borrowed(&body[..i]),
                    Some(mut buf) => {
                        buf.push_str(&body[pending..i]);
                        Cow::Owned(buf)
                    }
                };
                return Some((value, i + 1));
            }
            b'\\' => {
                let buf = owned.get_or_insert_with(String::new);
                buf.push_str(&body[pending..i]);
                let escaped = body[i + 1..].chars().next()?;
                match escaped {
                    'n' => buf.push('\n'),
                    't' => buf.push('\t'),
                    other => buf.push(other),
                }
                i += 1 + escaped.len_utf8();
                pending = i;
            }
            _ => unreachable!("memchr2 finds a quote or a backslash"),
        }
    }
    None
}

/// Integers, then floats, then booleans; anything else stays text.
fn typed(value: Cow<'_, str>) -> Value<'_> {
    if let Ok(i) = value.parse::<i64>() {
        return Value::Integer(i);
    }
    // Only plain decimal spellings: "inf", "nan" or "1e" stay text. (The
    // check that stops at the first letter of a word comes first.)
    let numeric = value
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        && value.bytes().any(|b| b.is_ascii_digit());
    if numeric && let Ok(f) = value.parse::<f64>() {
        return Value::Float(f);
    }
    match value.as_ref() {
        "true" => Value::Boolean(true),
        "false" => Value::Boolean(false),
        _ => Value::Text(value),
    }
}

#[cfg(test)]
mod tests;
