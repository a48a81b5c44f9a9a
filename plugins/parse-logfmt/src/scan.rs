//! The logfmt grammar exactly as go-logfmt's decoder reads it
//! (`ScanKeyval` in github.com/go-logfmt/logfmt, v0.6):
//!
//! - bytes up to and including space (`<= ' '`, so control characters too)
//!   separate pairs;
//! - a key runs up to `=` or a separator; a `"` in a key, or a `=` with no
//!   key before it, is an error; a key containing U+FFFD (invalid UTF-8
//!   upstream) is an invalid key;
//! - a key alone (`debug`) or with nothing after `=` (`key=`) has an empty
//!   value;
//! - an unquoted value runs to the next separator; a `=` or `"` in it is an
//!   error;
//! - a quoted value ends at the first unescaped `"`; when it has escapes it
//!   is unquoted as a JSON string (`\"`, `\\`, `\/`, `\'`, `\b`, `\f`, `\n`,
//!   `\r`, `\t`, `\uXXXX` with surrogate pairs); any other escape, or a raw
//!   control character next to an escape, makes it invalid. Without escapes
//!   it is taken verbatim.
//!
//! Errors read as go-logfmt's: `logfmt syntax error at pos 7: unexpected
//! '='` (1-based byte position). Values are borrowed from the line unless
//! they had escapes.

use std::borrow::Cow;

/// One `key[=value]` pair.
#[derive(Debug, PartialEq)]
pub struct Pair<'a> {
    pub key: &'a str,
    pub value: Cow<'a, str>,
    /// Written `key="..."`.
    pub quoted: bool,
    /// Written with `=` (`key=` or `key=value`), not as a bare key.
    pub has_equals: bool,
}

fn error(pos: usize, msg: &str) -> String {
    format!("logfmt syntax error at pos {}: {msg}", pos + 1)
}

fn unexpected(pos: usize, byte: u8) -> String {
    error(pos, &format!("unexpected {:?}", char::from(byte)))
}

/// Every pair of `line`, or the first syntax error.
pub fn pairs(line: &str) -> Result<Vec<Pair<'_>>, String> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        // Separators ("garbage" in go-logfmt).
        while pos < b.len() && b[pos] <= b' ' {
            pos += 1;
        }
        if pos >= b.len() {
            return Ok(out);
        }
        // The key. Every byte that ends it is ASCII, so slicing is safe.
        let start = pos;
        while pos < b.len() && b[pos] > b' ' && b[pos] != b'=' {
            if b[pos] == b'"' {
                return Err(unexpected(pos, b'"'));
            }
            pos += 1;
        }
        let key = &line[start..pos];
        if key.is_empty() {
            return Err(unexpected(pos, b'='));
        }
        if key.contains('\u{FFFD}') {
            return Err(error(pos, "invalid key"));
        }
        let bare = |key| Pair {
            key,
            value: Cow::Borrowed(""),
            quoted: false,
            has_equals: false,
        };
        if pos >= b.len() || b[pos] != b'=' {
            out.push(bare(key));
            continue;
        }
        // `=`: the value, if any.
        pos += 1;
        if pos >= b.len() || b[pos] <= b' ' {
            out.push(Pair {
                has_equals: true,
                ..bare(key)
            });
            continue;
        }
        if b[pos] == b'"' {
            let (value, end) = quoted(line, pos)?;
            pos = end;
            out.push(Pair {
                key,
                value,
                quoted: true,
                has_equals: true,
            });
            continue;
        }
        let start = pos;
        while pos < b.len() && b[pos] > b' ' {
            if b[pos] == b'=' || b[pos] == b'"' {
                return Err(unexpected(pos, b[pos]));
            }
            pos += 1;
        }
        out.push(Pair {
            key,
            value: Cow::Borrowed(&line[start..pos]),
            quoted: false,
            has_equals: true,
        });
    }
}

/// The quoted value whose opening quote is at `open`, and the position after
/// its closing quote.
fn quoted(line: &str, open: usize) -> Result<(Cow<'_, str>, usize), String> {
    let b = line.as_bytes();
    let mut escaped = false;
    let mut has_escape = false;
    for (i, &c) in b.iter().enumerate().skip(open + 1) {
        if escaped {
            escaped = false;
        } else if c == b'\\' {
            (has_escape, escaped) = (true, true);
        } else if c == b'"' {
            let end = i + 1;
            if !has_escape {
                return Ok((Cow::Borrowed(&line[open + 1..i]), end));
            }
            return match unquote(&line[open + 1..i]) {
                Some(v) => Ok((Cow::Owned(v), end)),
                None => Err(error(end, "invalid quoted value")),
            };
        }
    }
    Err(error(b.len(), "unterminated quoted value"))
}

/// The body of a JSON string literal (between its quotes), unescaped as Go's
/// `encoding/json` does; `None` when it is not valid.
fn unquote(body: &str) -> Option<String> {
    let b = body.as_bytes();
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while i < b.len() {
        let run = b[i..]
            .iter()
            .position(|&c| c == b'\\' || c == b'"' || c < b' ')
            .unwrap_or(b.len() - i);
        out.push_str(&body[i..i + run]);
        i += run;
        if i >= b.len() {
            break;
        }
        if b[i] != b'\\' {
            return None; // a raw quote or control character
        }
        let escape = *b.get(i + 1)?;
        i += 2;
        match escape {
            b'"' | b'\\' | b'/' | b'\'' => out.push(char::from(escape)),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let first = hex4(body, i)?;
                i += 4;
                let c = if (0xD800..0xE000).contains(&first) {
                    // A surrogate: a valid pair is consumed whole; otherwise
                    // it becomes U+FFFD and what follows is read on its own.
                    match body
                        .get(i..i + 2)
                        .filter(|p| *p == "\\u")
                        .and_then(|_| hex4(body, i + 2))
                    {
                        Some(second)
                            if (0xD800..0xDC00).contains(&first)
                                && (0xDC00..0xE000).contains(&second) =>
                        {
                            i += 6;
                            char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
                        }
                        _ => None,
                    }
                } else {
                    char::from_u32(first)
                };
                out.push(c.unwrap_or('\u{FFFD}'));
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Four hex digits at `at`.
fn hex4(s: &str, at: usize) -> Option<u32> {
    let digits = s.get(at..at + 4)?;
    if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}
