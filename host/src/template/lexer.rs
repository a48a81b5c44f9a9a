//! The lexer: template source into [`Token`]s, as Go's `text/template/parse`
//! lexes it — text between actions (with `{{-`/`-}}` trimming applied),
//! comments dropped, and inside actions: literals, fields, variables,
//! identifiers, keywords, `|`, `(`, `)`, `:=`, `=` and `,`.

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Text(String),
    LeftDelim,
    RightDelim,
    Space,
    Bool(bool),
    /// A number or character constant, with its source text.
    Number(String),
    /// A quoted or raw string: source text and decoded value.
    Str(String, String),
    Identifier(String),
    Keyword(&'static str),
    /// `.Name` (without the dot).
    Field(String),
    /// `$` or `$name` (with the dollar).
    Variable(String),
    Dot,
    Nil,
    Pipe,
    LeftParen,
    RightParen,
    Declare,
    Assign,
    Comma,
    Eof,
}

/// A token and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    /// 1-based line.
    pub line: usize,
    /// 0-based byte column (Go's error column).
    pub col: usize,
}

/// A lexing error: the message and its line.
pub(crate) type LexError = (String, usize);

const KEYWORDS: [&str; 11] = [
    "block", "break", "continue", "define", "else", "end", "if", "range", "template", "with", "nil",
];

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    tokens: Vec<Token>,
    paren_depth: usize,
}

/// Lexes a whole template.
pub(crate) fn lex(src: &str) -> Result<Vec<Token>, LexError> {
    let mut lx = Lexer {
        src,
        pos: 0,
        tokens: Vec::new(),
        paren_depth: 0,
    };
    lx.run()?;
    Ok(lx.tokens)
}

impl<'a> Lexer<'a> {
    fn line_col(&self, pos: usize) -> (usize, usize) {
        let before = &self.src[..pos];
        let line = 1 + before.matches('\n').count();
        let col = match before.rfind('\n') {
            Some(nl) => pos - nl - 1,
            None => pos,
        };
        (line, col)
    }

    fn emit(&mut self, tok: Tok, start: usize) {
        let (line, col) = self.line_col(start);
        self.tokens.push(Token { tok, line, col });
    }

    fn err<T>(&self, msg: impl Into<String>, pos: usize) -> Result<T, LexError> {
        Err((msg.into(), self.line_col(pos).0))
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn run(&mut self) -> Result<(), LexError> {
        let mut trim_next_text = false;
        loop {
            let text_start = self.pos;
            let delim = self.rest().find("{{").map(|i| self.pos + i);
            let text_end = delim.unwrap_or(self.src.len());
            let mut text = &self.src[text_start..text_end];
            if trim_next_text {
                text = text.trim_start_matches(is_space);
            }
            let left_trim = delim.is_some_and(|d| {
                let after = &self.src[d + 2..];
                after.starts_with('-') && after[1..].starts_with(is_space)
            });
            if left_trim {
                text = text.trim_end_matches(is_space);
            }
            if !text.is_empty() {
                let offset = text.as_ptr() as usize - self.src.as_ptr() as usize;
                self.emit(Tok::Text(text.to_string()), offset);
            }
            let Some(d) = delim else {
                self.emit(Tok::Eof, self.src.len());
                return Ok(());
            };
            self.pos = d + 2;
            if left_trim {
                self.pos += 2;
            }
            // A comment must open the action: {{/* … */}}.
            if self.rest().starts_with("/*") {
                trim_next_text = self.comment(d)?;
                continue;
            }
            self.emit(Tok::LeftDelim, d);
            trim_next_text = self.inside_action(d)?;
        }
    }

    /// Skips a comment; returns whether it ends with a right trim marker.
    fn comment(&mut self, start: usize) -> Result<bool, LexError> {
        let Some(end) = self.rest().find("*/") else {
            return self.err("unclosed comment", start);
        };
        self.pos += end + 2;
        if self.rest().starts_with("}}") {
            self.pos += 2;
            return Ok(false);
        }
        let r = self.rest();
        let trimmed = r.trim_start_matches(is_space);
        if trimmed.len() < r.len() && trimmed.starts_with("-}}") {
            self.pos = self.src.len() - trimmed.len() + 3;
            return Ok(true);
        }
        self.err("comment ends before closing delimiter", start)
    }

    /// Lexes one action after `{{`; returns whether it ended with `-}}`.
    fn inside_action(&mut self, start: usize) -> Result<bool, LexError> {
        loop {
            let r = self.rest();
            // A right trim marker is " -}}": space, dash, delimiter.
            if r.starts_with(is_space) {
                let trimmed = r.trim_start_matches(is_space);
                if trimmed.starts_with("-}}") {
                    if self.paren_depth > 0 {
                        return self.err("unclosed left paren", self.pos);
                    }
                    let at = self.src.len() - trimmed.len();
                    self.emit(Tok::RightDelim, at);
                    self.pos = at + 3;
                    return Ok(true);
                }
                let at = self.pos;
                self.pos = self.src.len() - trimmed.len();
                self.emit(Tok::Space, at);
                continue;
            }
            if r.starts_with("}}") {
                if self.paren_depth > 0 {
                    return self.err("unclosed left paren", self.pos);
                }
                self.emit(Tok::RightDelim, self.pos);
                self.pos += 2;
                return Ok(false);
            }
            let at = self.pos;
            let Some(c) = self.peek() else {
                return self.err("unclosed action", start);
            };
            match c {
                '|' => self.single(Tok::Pipe),
                '(' => {
                    self.paren_depth += 1;
                    self.single(Tok::LeftParen)
                }
                ')' => {
                    if self.paren_depth == 0 {
                        return self.err("unexpected right paren", at);
                    }
                    self.paren_depth -= 1;
                    self.single(Tok::RightParen)
                }
                ',' => self.single(Tok::Comma),
                '=' => self.single(Tok::Assign),
                ':' => {
                    if !r.starts_with(":=") {
                        return self.err("expected :=", at);
                    }
                    self.pos += 2;
                    self.emit(Tok::Declare, at);
                }
                '"' => self.quoted(at)?,
                '`' => self.raw(at)?,
                '\'' => self.char_const(at)?,
                '$' => {
                    self.pos += 1;
                    let name = self.word();
                    self.emit(Tok::Variable(format!("${name}")), at);
                    self.check_terminator()?;
                }
                '.' => {
                    let next = r[1..].chars().next();
                    if next.is_some_and(|n| n.is_ascii_digit()) {
                        self.number(at)?;
                    } else if next.is_some_and(is_alnum) {
                        self.pos += 1;
                        let name = self.word();
                        self.emit(Tok::Field(name), at);
                        self.check_terminator()?;
                    } else {
                        self.single(Tok::Dot);
                    }
                }
                c if c == '+' || c == '-' || c.is_ascii_digit() => self.number(at)?,
                c if is_alnum(c) => {
                    let word = self.word();
                    let tok = match word.as_str() {
                        "true" => Tok::Bool(true),
                        "false" => Tok::Bool(false),
                        "nil" => Tok::Nil,
                        w => match KEYWORDS.iter().find(|k| **k == w) {
                            Some(k) => Tok::Keyword(k),
                            None => Tok::Identifier(word),
                        },
                    };
                    self.emit(tok, at);
                    self.check_terminator()?;
                }
                other => return self.err(format!("bad character {}", go_rune(other)), at),
            }
        }
    }

    fn single(&mut self, tok: Tok) {
        let at = self.pos;
        self.pos += 1;
        self.emit(tok, at);
    }

    fn word(&mut self) -> String {
        let len: usize = self
            .rest()
            .chars()
            .take_while(|c| is_alnum(*c))
            .map(char::len_utf8)
            .sum();
        let w = self.rest()[..len].to_string();
        self.pos += len;
        w
    }

    /// After a field, variable or word: a space, a delimiter or punctuation.
    fn check_terminator(&self) -> Result<(), LexError> {
        match self.peek() {
            None => Ok(()),
            Some(c) if is_space(c) || matches!(c, '.' | ',' | '|' | ':' | ')' | '(' | '=') => {
                Ok(())
            }
            Some(_) if self.rest().starts_with("}}") => Ok(()),
            Some(c) => self.err(format!("bad character {}", go_rune(c)), self.pos),
        }
    }

    fn number(&mut self, at: usize) -> Result<(), LexError> {
        let r = self.rest();
        let mut len = 0;
        let b = r.as_bytes();
        if len < b.len() && (b[len] == b'+' || b[len] == b'-') {
            len += 1;
        }
        let hex = r[len..].starts_with("0x") || r[len..].starts_with("0X");
        let mut prev = 0u8;
        while len < b.len() {
            let c = b[len];
            let ok = c.is_ascii_alphanumeric()
                || c == b'_'
                || c == b'.'
                || ((c == b'+' || c == b'-')
                    && matches!(prev, b'e' | b'E' | b'p' | b'P')
                    && !(hex && matches!(prev, b'e' | b'E')));
            if !ok {
                break;
            }
            prev = c;
            len += 1;
        }
        let text = &r[..len];
        if parse_number(text).is_none() {
            return self.err(format!("bad number syntax: {text:?}"), at);
        }
        self.pos += len;
        self.emit(Tok::Number(text.to_string()), at);
        Ok(())
    }

    /// The length of a `quote`-delimited literal with backslash escapes
    /// at the start of the input, if it closes on this line.
    fn scan_quoted(&self, quote: char) -> Option<usize> {
        let mut escaped = false;
        for (i, c) in self.rest().char_indices().skip(1) {
            match c {
                '\n' => return None,
                '\\' if !escaped => escaped = true,
                c if c == quote && !escaped => return Some(i + 1),
                _ => escaped = false,
            }
        }
        None
    }

    fn quoted(&mut self, at: usize) -> Result<(), LexError> {
        let Some(len) = self.scan_quoted('"') else {
            return self.err("unterminated quoted string", at);
        };
        let text = &self.rest()[..len];
        let Some(value) = unquote(text) else {
            return self.err(format!("bad string syntax: {text:?}"), at);
        };
        self.pos += len;
        self.emit(Tok::Str(text.to_string(), value), at);
        Ok(())
    }

    fn raw(&mut self, at: usize) -> Result<(), LexError> {
        let r = self.rest();
        match r[1..].find('`') {
            Some(end) => {
                let text = &r[..end + 2];
                self.pos += end + 2;
                self.emit(
                    Tok::Str(text.to_string(), text[1..text.len() - 1].to_string()),
                    at,
                );
                Ok(())
            }
            None => self.err("unterminated raw quoted string", at),
        }
    }

    fn char_const(&mut self, at: usize) -> Result<(), LexError> {
        let Some(len) = self.scan_quoted('\'') else {
            return self.err("unterminated character constant", at);
        };
        let text = &self.rest()[..len];
        if parse_number(text).is_none() {
            return self.err(format!("malformed character constant: {text}"), at);
        }
        self.pos += len;
        self.emit(Tok::Number(text.to_string()), at);
        Ok(())
    }
}

/// Go's `%#U` of a rune, used in "bad character" errors.
fn go_rune(c: char) -> String {
    format!("U+{:04X} '{c}'", c as u32)
}

/// Decodes a Go double-quoted string literal.
pub(crate) fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next()?;
        match e {
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = chars.by_ref().take(n).collect();
                let code = u32::from_str_radix(&hex, 16).ok()?;
                // `\x` is a byte in Go; here only ASCII bytes keep the
                // string valid UTF-8, which is what templates use in practice.
                out.push(char::from_u32(code)?);
            }
            '0'..='7' => {
                let rest: String = chars.by_ref().take(2).collect();
                let code = u32::from_str_radix(&format!("{e}{rest}"), 8).ok()?;
                out.push(char::from_u32(code)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// A number constant as Go's template evaluates it into an empty interface:
/// `float64` when the text has a fraction or exponent, else `int`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    Int(i64),
    Float(f64),
}

pub(crate) fn parse_number(text: &str) -> Option<Number> {
    if let Some(c) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        let decoded = unquote(&format!("\"{}\"", c.replace('"', "\\\"")))?;
        let mut chars = decoded.chars();
        let ch = chars.next()?;
        return chars.next().is_none().then_some(Number::Int(ch as i64));
    }
    let (neg, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let body = body.replace('_', "");
    let lower = body.to_ascii_lowercase();
    let radix = if lower.starts_with("0x") {
        Some((16, &body[2..]))
    } else if lower.starts_with("0o") {
        Some((8, &body[2..]))
    } else if lower.starts_with("0b") {
        Some((2, &body[2..]))
    } else if body.len() > 1 && body.starts_with('0') && body.bytes().all(|b| b.is_ascii_digit()) {
        Some((8, &body[1..]))
    } else {
        None
    };
    let sign = if neg { -1 } else { 1 };
    if let Some((radix, digits)) = radix {
        if radix == 16 && (digits.contains('.') || digits.contains(['p', 'P'])) {
            return None; // hex floats: not supported
        }
        return i64::from_str_radix(digits, radix)
            .ok()
            .map(|n| Number::Int(sign * n));
    }
    if body.is_empty() || !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    if body.contains(['.', 'e', 'E']) {
        let x: f64 = body.parse().ok()?;
        return Some(Number::Float(if neg { -x } else { x }));
    }
    body.parse::<i64>().ok().map(|n| Number::Int(sign * n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        lex(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn trims_and_comments() {
        assert_eq!(
            toks("a  {{- .X -}}  b{{/* c */}}d {{- /* e */ -}} f"),
            vec![
                Tok::Text("a".into()),
                Tok::LeftDelim,
                Tok::Field("X".into()),
                Tok::RightDelim,
                Tok::Text("b".into()),
                Tok::Text("d".into()),
                Tok::Text("f".into()),
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn action_tokens() {
        let t = toks(r#"{{$x := .A.B | printf "%d" 1.5 `r` 'a' nil true}}"#);
        assert!(t.contains(&Tok::Variable("$x".into())));
        assert!(t.contains(&Tok::Declare));
        assert!(t.contains(&Tok::Field("B".into())));
        assert!(t.contains(&Tok::Str("\"%d\"".into(), "%d".into())));
        assert!(t.contains(&Tok::Str("`r`".into(), "r".into())));
        assert!(t.contains(&Tok::Number("'a'".into())));
        assert!(t.contains(&Tok::Nil));
        assert!(t.contains(&Tok::Bool(true)));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("1"), Some(Number::Int(1)));
        assert_eq!(parse_number("-1.5"), Some(Number::Float(-1.5)));
        assert_eq!(parse_number("1e6"), Some(Number::Float(1e6)));
        assert_eq!(parse_number("0x1F"), Some(Number::Int(31)));
        assert_eq!(parse_number("'a'"), Some(Number::Int(97)));
        assert_eq!(parse_number("1_000"), Some(Number::Int(1000)));
        assert_eq!(parse_number("1x"), None);
    }

    #[test]
    fn errors_carry_lines() {
        assert_eq!(
            lex("a\n{{ .X ").unwrap_err(),
            ("unclosed action".to_string(), 2)
        );
        assert_eq!(
            lex("{{ \"abc }}").unwrap_err().0,
            "unterminated quoted string"
        );
        assert_eq!(lex("{{/* x }}").unwrap_err().0, "unclosed comment");
        assert_eq!(lex("{{ # }}").unwrap_err().0, "bad character U+0023 '#'");
    }
}
