//! Scanning the multi-character literals: numbers (which become durations or
//! byte sizes when a unit follows) and Go string literals with their escapes.

use super::Lexer;
use crate::error::ParseError;
use crate::units::{parse_go_duration, parse_prom_duration};

impl Lexer {
    /// Go's `text/scanner` number: digits, `_`, a fraction, an exponent, `0x`.
    pub(super) fn scan_number(&mut self) -> String {
        let mut text = String::new();
        let mut push = |s: &mut Self| {
            if let Some(c) = s.advance() {
                text.push(c);
            }
        };
        if self.peek_at(0) == Some('0') && matches!(self.peek_at(1), Some('x' | 'X')) {
            push(self);
            push(self);
            while self
                .peek_at(0)
                .is_some_and(|c| c.is_ascii_hexdigit() || c == '_')
            {
                push(self);
            }
            return text;
        }
        while self
            .peek_at(0)
            .is_some_and(|c| c.is_ascii_digit() || c == '_')
        {
            push(self);
        }
        if self.peek_at(0) == Some('.') {
            push(self);
            while self
                .peek_at(0)
                .is_some_and(|c| c.is_ascii_digit() || c == '_')
            {
                push(self);
            }
        }
        if matches!(self.peek_at(0), Some('e' | 'E')) {
            let sign = usize::from(matches!(self.peek_at(1), Some('+' | '-')));
            if self.peek_at(1 + sign).is_some_and(|c| c.is_ascii_digit()) {
                for _ in 0..=sign {
                    push(self);
                }
                while self.peek_at(0).is_some_and(|c| c.is_ascii_digit()) {
                    push(self);
                }
            }
        }
        text
    }

    /// Loki's `tryScanDuration` / `tryScanBytes`: extend `prefix` with the
    /// following unit characters (up to whitespace) and keep them if the
    /// whole parses.
    pub(super) fn try_unit<T>(
        &mut self,
        prefix: &str,
        parse: impl Fn(&str) -> Option<T>,
        unit: fn(char) -> bool,
    ) -> Option<T> {
        let mut end = self.pos;
        while let Some(&c) = self.chars.get(end) {
            if c.is_whitespace() || !(c.is_numeric() || unit(c) || c == '.') {
                break;
            }
            end += 1;
        }
        if end == self.pos {
            return None;
        }
        let text: String = prefix
            .chars()
            .chain(self.chars[self.pos..end].iter().copied())
            .collect();
        let v = parse(&text)?;
        for _ in self.pos..end {
            self.advance();
        }
        Some(v)
    }

    pub(super) fn scan_string(&mut self, line: usize, col: usize) -> Result<String, ParseError> {
        let quote = self.advance().unwrap_or('"');
        let unterminated = || Self::err(line, col, "literal not terminated");
        if quote == '`' {
            let mut out = String::new();
            loop {
                match self.advance() {
                    None => return Err(unterminated()),
                    Some('`') => return Ok(out),
                    Some('\r') => {}
                    Some(c) => out.push(c),
                }
            }
        }
        let mut bytes = Vec::new();
        loop {
            let c = match self.advance() {
                None | Some('\n') => return Err(unterminated()),
                Some('"') => break,
                Some(c) => c,
            };
            if c != '\\' {
                let mut buf = [0u8; 4];
                bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                continue;
            }
            let bad = || Self::err(line, col, "invalid char escape");
            let e = self.advance().ok_or_else(unterminated)?;
            let simple = match e {
                'a' => Some(7u8),
                'b' => Some(8),
                'f' => Some(12),
                'n' => Some(b'\n'),
                'r' => Some(b'\r'),
                't' => Some(b'\t'),
                'v' => Some(11),
                '\\' => Some(b'\\'),
                '"' => Some(b'"'),
                _ => None,
            };
            if let Some(b) = simple {
                bytes.push(b);
                continue;
            }
            let (digits, radix) = match e {
                '0'..='7' => (2, 8),
                'x' => (2, 16),
                'u' => (4, 16),
                'U' => (8, 16),
                _ => return Err(bad()),
            };
            let mut text = if radix == 8 {
                e.to_string()
            } else {
                String::new()
            };
            for _ in 0..digits {
                match self.advance() {
                    Some(d) if d.is_digit(radix) => text.push(d),
                    _ => return Err(bad()),
                }
            }
            let v = u32::from_str_radix(&text, radix).map_err(|_| bad())?;
            if matches!(e, 'u' | 'U') {
                let ch = char::from_u32(v).ok_or_else(|| Self::err(line, col, "invalid syntax"))?;
                let mut buf = [0u8; 4];
                bytes.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            } else {
                bytes.push(u8::try_from(v).map_err(|_| bad())?);
            }
        }
        String::from_utf8(bytes).map_err(|_| Self::err(line, col, "invalid UTF-8 rune"))
    }
}

pub(super) fn is_duration_char(c: char) -> bool {
    matches!(c, 'n' | 'u' | '\u{b5}' | 'm' | 's' | 'h' | 'd' | 'w' | 'y')
}

pub(super) fn is_bytes_char(c: char) -> bool {
    matches!(c, 'B' | 'i' | 'k' | 'K' | 'M' | 'G' | 'T' | 'P')
}

/// Prometheus durations first, then Go's (Loki's `parseDuration`).
pub(super) fn parse_duration_token(s: &str) -> Option<i64> {
    parse_prom_duration(s)
        .ok()
        .or_else(|| parse_go_duration(s).ok())
}
