//! The LogQL lexer, a mirror of Loki's `lex.go` on Go's `text/scanner`:
//! case-insensitive keywords, function names that are keywords only when a
//! `(` (or `by (`/`without (`) follows, numbers that turn into durations
//! (`5m`, `1.5s`) or byte sizes (`20MB`) when a unit follows, ranges read
//! whole (`[5m]`), Go string literals (`"..."` with escapes, `` `raw` ``),
//! `#`, `//` and `/* */` comments. Positions are 1-based line and column
//! (in characters) of the token's first character.

mod scan;
mod token;

pub(crate) use token::{Tok, Token};

use crate::ast::{RangeOp, VectorOp};
use crate::error::ParseError;
use crate::units::{parse_bytes, parse_prom_duration};
use scan::{is_bytes_char, is_duration_char, parse_duration_token};
use token::KEYWORDS;

/// The lexer over one query.
pub(crate) struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    col: usize,
}

impl Lexer {
    pub(crate) fn new(src: &str) -> Self {
        Self {
            chars: src.chars().collect(),
            pos: 0,
            line: 1,
            col: 1,
        }
    }

    fn peek_at(&self, off: usize) -> Option<char> {
        self.chars.get(self.pos + off).copied()
    }

    fn advance(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn err(line: usize, col: usize, msg: impl Into<String>) -> ParseError {
        ParseError::at(line, col, msg)
    }

    /// Skips whitespace and comments; errors on an unterminated `/*`.
    fn skip_trivia(&mut self) -> Result<(), ParseError> {
        loop {
            match (self.peek_at(0), self.peek_at(1)) {
                (Some(' ' | '\t' | '\n' | '\r'), _) => {
                    self.advance();
                }
                (Some('#'), _) | (Some('/'), Some('/')) => {
                    while let Some(c) = self.peek_at(0) {
                        if c == '\n' {
                            break;
                        }
                        self.advance();
                    }
                }
                (Some('/'), Some('*')) => {
                    let (line, col) = (self.line, self.col);
                    self.advance();
                    self.advance();
                    loop {
                        match self.advance() {
                            None => return Err(Self::err(line, col, "comment not terminated")),
                            Some('*') if self.peek_at(0) == Some('/') => {
                                self.advance();
                                break;
                            }
                            _ => {}
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// The next token.
    pub(crate) fn next_token(&mut self) -> Result<Token, ParseError> {
        self.skip_trivia()?;
        let (line, col) = (self.line, self.col);
        let tok = |kind| Ok(Token { kind, line, col });
        let Some(c) = self.peek_at(0) else {
            // Loki reports an empty query without a position.
            let (line, col) = if self.chars.is_empty() {
                (0, 0)
            } else {
                (line, col)
            };
            return Ok(Token {
                kind: Tok::Eof,
                line,
                col,
            });
        };
        if c.is_ascii_digit() || (c == '.' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit())) {
            let text = self.scan_number();
            if let Some(ns) = self.try_unit(&text, parse_duration_token, is_duration_char) {
                return tok(Tok::Duration(ns));
            }
            if let Some(b) = self.try_unit(&text, |s| parse_bytes(s).ok(), is_bytes_char) {
                return tok(Tok::Bytes(b));
            }
            return tok(Tok::Number(text));
        }
        if c == '"' || c == '`' {
            let s = self.scan_string(line, col)?;
            return tok(Tok::Str(s));
        }
        if c == '\'' {
            // Go scans a char literal, which Loki's lexer passes on as an identifier.
            let mut text = String::new();
            text.push(self.advance().unwrap_or('\''));
            while let Some(ch) = self.advance() {
                text.push(ch);
                if ch == '\'' || ch == '\n' {
                    break;
                }
            }
            return tok(Tok::Ident(text));
        }
        if c == '[' {
            self.advance();
            let mut body = String::new();
            loop {
                match self.advance() {
                    None => return Err(Self::err(line, col, "missing closing ']' in duration")),
                    Some(']') => break,
                    Some(ch) => body.push(ch),
                }
            }
            return match parse_prom_duration(&body) {
                Ok(ns) => tok(Tok::Range(ns)),
                Err(e) => Err(Self::err(line, col, e)),
            };
        }
        if c == '_' || c.is_alphabetic() {
            let mut text = String::new();
            while let Some(ch) = self.peek_at(0) {
                if ch == '_' || ch.is_alphabetic() || ch.is_numeric() {
                    text.push(ch);
                    self.advance();
                } else {
                    break;
                }
            }
            return tok(self.classify_word(text));
        }
        if c == '-' {
            if self.peek_at(1) == Some('-')
                && let Some(flag) = self.try_flag()
            {
                return tok(Tok::ParserFlag(flag));
            }
            self.advance();
            if let Some(ns) = self.try_unit("-", parse_duration_token, is_duration_char) {
                return tok(Tok::Duration(ns));
            }
            return tok(Tok::Sub);
        }
        self.advance();
        let next = self.peek_at(0);
        let two = |s: &mut Self, kind| {
            s.advance();
            Ok(Token { kind, line, col })
        };
        match (c, next) {
            ('!', Some('=')) => two(self, Tok::Neq),
            ('!', Some('~')) => two(self, Tok::Nre),
            ('=', Some('~')) => two(self, Tok::Re),
            ('=', Some('=')) => two(self, Tok::CmpEq),
            ('|', Some('=')) => two(self, Tok::PipeExact),
            ('|', Some('~')) => two(self, Tok::PipeMatch),
            ('>', Some('=')) => two(self, Tok::Gte),
            ('<', Some('=')) => two(self, Tok::Lte),
            (',', _) => tok(Tok::Comma),
            ('.', _) => tok(Tok::Dot),
            ('{', _) => tok(Tok::LBrace),
            ('}', _) => tok(Tok::RBrace),
            ('(', _) => tok(Tok::LParen),
            (')', _) => tok(Tok::RParen),
            ('=', _) => tok(Tok::Eq),
            ('|', _) => tok(Tok::Pipe),
            ('+', _) => tok(Tok::Add),
            ('*', _) => tok(Tok::Mul),
            ('/', _) => tok(Tok::Div),
            ('%', _) => tok(Tok::Mod),
            ('^', _) => tok(Tok::Pow),
            ('>', _) => tok(Tok::Gt),
            ('<', _) => tok(Tok::Lt),
            // Loki hands any other character to the grammar as an identifier.
            (other, _) => tok(Tok::Ident(other.to_string())),
        }
    }

    fn classify_word(&self, text: String) -> Tok {
        let lower = text.to_lowercase();
        let function = match lower.as_str() {
            "vector" => Some(Tok::Vector),
            "label_replace" => Some(Tok::LabelReplace),
            "ip" => Some(Tok::Ip),
            "bytes" => Some(Tok::Conv("bytes")),
            "duration" => Some(Tok::Conv("duration")),
            "duration_seconds" => Some(Tok::Conv("duration_seconds")),
            other => RangeOp::from_name(other)
                .map(Tok::RangeFn)
                .or_else(|| VectorOp::from_name(other).map(Tok::VectorFn)),
        };
        if let Some(f) = function {
            return if self.is_function() {
                f
            } else {
                Tok::Ident(text)
            };
        }
        match KEYWORDS.iter().find(|k| **k == lower) {
            Some(k) => Tok::Keyword(k),
            None => Tok::Ident(text),
        }
    }

    /// Whether `(`, `by (` or `without (` follows (Loki's `isFunction`).
    fn is_function(&self) -> bool {
        let rest = &self.chars[self.pos..];
        let skip_ws = |s: &[char]| s.iter().position(|c| !c.is_whitespace()).unwrap_or(s.len());
        let rest = &rest[skip_ws(rest)..];
        if rest.first() == Some(&'(') {
            return true;
        }
        for kw in ["by", "without"] {
            let n = kw.len();
            if rest.len() >= n && rest[..n].iter().collect::<String>().to_lowercase() == kw {
                let after = &rest[n..];
                return after.get(skip_ws(after)) == Some(&'(');
            }
        }
        false
    }

    fn try_flag(&mut self) -> Option<String> {
        let mut end = self.pos + 2;
        while self
            .chars
            .get(end)
            .is_some_and(|c| c.is_alphabetic() || *c == '-')
        {
            end += 1;
        }
        let flag: String = self.chars[self.pos..end].iter().collect();
        if flag == "--strict" || flag == "--keep-empty" {
            for _ in self.pos..end {
                self.advance();
            }
            Some(flag)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        let mut lx = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let t = lx.next_token().unwrap();
            if t.kind == Tok::Eof {
                return out;
            }
            out.push(t.kind);
        }
    }

    #[test]
    fn numbers_durations_bytes() {
        assert_eq!(
            kinds("5 1m30s 1.5s 20MB 1KiB -5m 1e+06 - 3"),
            vec![
                Tok::Number("5".into()),
                Tok::Duration(90_000_000_000),
                Tok::Duration(1_500_000_000),
                Tok::Bytes(20_000_000),
                Tok::Bytes(1024),
                Tok::Duration(-300_000_000_000),
                Tok::Number("1e+06".into()),
                Tok::Sub,
                Tok::Number("3".into()),
            ]
        );
    }

    #[test]
    fn functions_only_before_parens() {
        assert_eq!(
            kinds("rate("),
            vec![Tok::RangeFn(RangeOp::Rate), Tok::LParen]
        );
        assert_eq!(kinds("rate"), vec![Tok::Ident("rate".into())]);
        assert_eq!(kinds("SUM by (a)")[0], Tok::VectorFn(VectorOp::Sum));
        assert_eq!(kinds("JSON"), vec![Tok::Keyword("json")]);
        assert_eq!(kinds("--strict"), vec![Tok::ParserFlag("--strict".into())]);
    }

    #[test]
    fn strings_and_comments() {
        assert_eq!(
            kinds(r#""a\"b\n" `c\d` # x"#),
            vec![Tok::Str("a\"b\n".into()), Tok::Str("c\\d".into())]
        );
        let mut lx = Lexer::new(r#"{foo="bar}"#);
        let err = (0..4).try_for_each(|_| lx.next_token().map(|_| ()));
        assert_eq!(
            err.unwrap_err().to_string(),
            "parse error at line 1, col 6: literal not terminated"
        );
    }
}
