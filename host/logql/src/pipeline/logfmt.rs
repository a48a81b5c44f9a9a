//! `| logfmt`: Loki's logfmt decoder (adapted from go-logfmt) and the two
//! logfmt stages. Without `--strict` malformed pairs are skipped silently;
//! with it decoding stops and `__error__="LogfmtParserErr"` is set. Keys
//! without a value are dropped unless `--keep-empty`.

use super::builder::{Builder, ERR_LOGFMT};
use super::parsers::sanitize_label_key;
use crate::ast::LabelExtraction;

/// One `key=value` pair.
struct Pair<'a> {
    key: &'a str,
    value: String,
}

/// The decoder state over one line.
struct Decoder<'a> {
    line: &'a str,
    pos: usize,
    err: Option<String>,
}

impl<'a> Decoder<'a> {
    fn new(line: &'a str) -> Self {
        Self {
            line,
            pos: 0,
            err: None,
        }
    }

    fn eol(&self) -> bool {
        self.pos >= self.line.len()
    }

    fn syntax_error(&mut self, msg: &str) {
        self.err = Some(format!(
            "logfmt syntax error at pos {} : {msg}",
            self.pos + 1
        ));
    }

    fn unexpected(&mut self, c: u8) {
        let msg = format!("unexpected {}", go_quote_byte(c));
        self.syntax_error(&msg);
    }

    /// Skips to the next whitespace after a bad pair.
    fn skip_value(&mut self) -> Option<Pair<'a>> {
        let b = self.line.as_bytes();
        self.pos += b[self.pos..]
            .iter()
            .position(|c| *c <= b' ')
            .unwrap_or(b.len() - self.pos);
        None
    }

    /// The next pair; `None` at the end of the line or after a malformed pair.
    fn scan(&mut self) -> Option<Pair<'a>> {
        let b = self.line.as_bytes();
        match b[self.pos..].iter().position(|c| *c > b' ') {
            Some(p) => self.pos += p,
            None => {
                self.pos = b.len();
                return None;
            }
        }
        let start = self.pos;
        while self.pos < b.len() {
            let c = b[self.pos];
            if c == b'=' {
                if self.pos == start {
                    self.unexpected(c);
                    return self.skip_value();
                }
                let key = &self.line[start..self.pos];
                return self.scan_value(key);
            }
            if c == b'"' {
                self.unexpected(c);
                return self.skip_value();
            }
            if c <= b' ' {
                break;
            }
            self.pos += 1;
        }
        Some(Pair {
            key: &self.line[start..self.pos],
            value: String::new(),
        })
    }

    fn scan_value(&mut self, key: &'a str) -> Option<Pair<'a>> {
        let b = self.line.as_bytes();
        self.pos += 1; // '='
        if self.pos >= b.len() || b[self.pos] <= b' ' {
            return Some(Pair {
                key,
                value: String::new(),
            });
        }
        if b[self.pos] == b'"' {
            return self.scan_quoted(key);
        }
        let start = self.pos;
        while self.pos < b.len() {
            let c = b[self.pos];
            if c == b'=' || c == b'"' {
                self.unexpected(c);
                return self.skip_value();
            }
            if c <= b' ' {
                break;
            }
            self.pos += 1;
        }
        Some(Pair {
            key,
            value: self.line[start..self.pos].to_string(),
        })
    }

    fn scan_quoted(&mut self, key: &'a str) -> Option<Pair<'a>> {
        let b = self.line.as_bytes();
        let start = self.pos;
        let (mut esc, mut has_esc) = (false, false);
        let mut i = start + 1;
        while i < b.len() {
            let c = b[i];
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
                has_esc = true;
            } else if c == b'"' {
                self.pos = i + 1;
                let inner = &self.line[start + 1..i];
                if !has_esc {
                    return Some(Pair {
                        key,
                        value: inner.to_string(),
                    });
                }
                return match unquote(inner) {
                    Some(v) => Some(Pair { key, value: v }),
                    None => {
                        self.syntax_error("invalid quoted value");
                        None
                    }
                };
            }
            i += 1;
        }
        self.pos = b.len();
        self.syntax_error("unterminated quoted value");
        None
    }
}

/// Go's `%q` of a byte.
fn go_quote_byte(c: u8) -> String {
    format!("'{}'", c as char)
}

/// The inside of a quoted logfmt value with escapes (encoding/json rules).
fn unquote(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                c @ ('"' | '\\' | '/' | '\'') => out.push(c),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let v = u32::from_str_radix(&hex, 16)
                        .ok()
                        .filter(|_| hex.len() == 4)?;
                    if (0xD800..0xDC00).contains(&v) {
                        let rest = chars.as_str();
                        let lo = rest
                            .strip_prefix("\\u")
                            .and_then(|r| r.get(..4))
                            .and_then(|h| u32::from_str_radix(h, 16).ok())
                            .filter(|lo| (0xDC00..0xE000).contains(lo));
                        match lo {
                            Some(lo) => {
                                out.push(char::from_u32(
                                    0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00),
                                )?);
                                chars = rest[6..].chars();
                            }
                            None => out.push('\u{fffd}'),
                        }
                    } else {
                        out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                    }
                }
                _ => return None,
            },
            '"' => return None,
            c if (c as u32) < 0x20 => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// `| logfmt [--strict] [--keep-empty]`: every pair becomes a label.
pub(crate) fn logfmt_all(line: &str, strict: bool, keep_empty: bool, b: &mut Builder<'_>) {
    let mut dec = Decoder::new(line);
    while !dec.eol() {
        let Some(pair) = dec.scan() else {
            if strict && dec.err.is_some() {
                break;
            }
            continue;
        };
        let key = sanitize_label_key(pair.key);
        if key.is_empty() {
            continue;
        }
        let key = if b.base_has(&key) {
            key + "_extracted"
        } else {
            key
        };
        let value = if pair.value.contains('\u{fffd}') {
            String::new()
        } else {
            pair.value
        };
        if !keep_empty && value.is_empty() {
            continue;
        }
        b.set(&key, value);
    }
    if strict && let Some(err) = dec.err {
        b.fail(ERR_LOGFMT, Some(err));
    }
}

/// `| logfmt a="key", b`: only the listed keys, renamed; each label exists
/// (empty when the key is absent).
pub(crate) fn logfmt_expressions(
    line: &str,
    strict: bool,
    exprs: &[LabelExtraction],
    b: &mut Builder<'_>,
) {
    for ex in exprs {
        if !b.base_has(&ex.label) {
            b.set(&ex.label, "");
        }
    }
    let mut dec = Decoder::new(line);
    while !dec.eol() {
        let Some(pair) = dec.scan() else {
            if strict && dec.err.is_some() {
                break;
            }
            continue;
        };
        let key = sanitize_label_key(pair.key);
        // As Loki: a key matches an expression, or else a label name.
        let Some(ex) = exprs
            .iter()
            .find(|e| e.expression == key)
            .or_else(|| exprs.iter().find(|e| e.label == key))
        else {
            continue;
        };
        let name = if b.base_has(&ex.label) {
            format!("{}_extracted", ex.label)
        } else {
            ex.label.clone()
        };
        let value = if pair.value.contains('\u{fffd}') {
            String::new()
        } else {
            pair.value
        };
        b.set(&name, value);
    }
    if strict && let Some(err) = dec.err {
        b.fail(ERR_LOGFMT, Some(err));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(line: &str) -> (Vec<(String, String)>, Option<String>) {
        let mut dec = Decoder::new(line);
        let mut out = Vec::new();
        while !dec.eol() {
            if let Some(p) = dec.scan() {
                out.push((p.key.to_string(), p.value));
            }
        }
        (out, dec.err)
    }

    #[test]
    fn decodes() {
        let (p, err) = pairs(r#"a=1 b="x y" c= d e="q\"z""#);
        assert_eq!(
            p,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "".into()),
                ("d".into(), "".into()),
                ("e".into(), "q\"z".into()),
            ]
        );
        assert_eq!(err, None);
        let (p, err) = pairs(r#"a=1 =2 b="x"#);
        assert_eq!(p, vec![("a".into(), "1".into())]);
        assert_eq!(
            err.as_deref(),
            Some("logfmt syntax error at pos 12 : unterminated quoted value")
        );
    }
}
