//! Prometheus 2.42's PromQL lexer (`promql/parser/lex.go`), state for state,
//! so that tokens, their byte positions and the lexer's own errors (with the
//! position Go reports them at) are exactly Prometheus'. Comments are
//! dropped; the token list ends with `Eof` or with the first `Error`.

use super::quote;
use super::token::{KEYWORDS, Kind, Token};

/// The lexer's states (Go's `stateFn`s).
#[derive(Clone, Copy)]
enum State {
    Statements,
    InsideBraces,
    Str,
    RawStr,
    Escape,
    Space,
    LineComment,
    Duration,
    NumberOrDuration,
    Identifier,
    KeywordOrIdentifier,
}

/// Every token of `input` up to and including `Eof` or the first `Error`,
/// comments left out.
pub fn tokens(input: &str) -> Vec<Token> {
    let mut lexer = Lexer {
        input,
        pos: 0,
        start: 0,
        width: 0,
        paren_depth: 0,
        brace_open: false,
        bracket_open: false,
        got_colon: false,
        string_open: '"',
        item: None,
    };
    let mut out = Vec::new();
    let mut state = Some(State::Statements);
    while let Some(s) = state {
        state = lexer.step(s);
        if let Some((kind, pos, val)) = lexer.item.take() {
            let last = matches!(kind, Kind::Eof | Kind::Error);
            if kind == Kind::Comment {
                continue;
            }
            out.push(Token { kind, pos, val });
            if last {
                return out;
            }
        }
    }
    // A state machine that stopped without `Eof` (it never does) still
    // ends the list properly.
    out.push(Token {
        kind: Kind::Eof,
        pos: input.len(),
        val: String::new(),
    });
    out
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    width: usize,
    paren_depth: i64,
    brace_open: bool,
    bracket_open: bool,
    got_colon: bool,
    string_open: char,
    item: Option<(Kind, usize, String)>,
}

fn is_space(c: Option<char>) -> bool {
    matches!(c, Some(' ' | '\t' | '\n' | '\r'))
}

fn is_alpha(c: Option<char>) -> bool {
    matches!(c, Some('_' | 'a'..='z' | 'A'..='Z'))
}

fn is_digit(c: Option<char>) -> bool {
    matches!(c, Some('0'..='9'))
}

fn is_alnum(c: Option<char>) -> bool {
    is_alpha(c) || is_digit(c)
}

impl Lexer<'_> {
    fn next(&mut self) -> Option<char> {
        match self.input[self.pos..].chars().next() {
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                Some(c)
            }
            None => {
                self.width = 0;
                None
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        let c = self.next();
        self.backup();
        c
    }

    fn backup(&mut self) {
        self.pos -= self.width;
    }

    fn emit(&mut self, kind: Kind) {
        let val = self.input[self.start..self.pos].to_string();
        self.item = Some((kind, self.start, val));
        self.start = self.pos;
    }

    fn ignore(&mut self) {
        self.start = self.pos;
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.next() {
            Some(c) if valid.contains(c) => true,
            _ => {
                self.backup();
                false
            }
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    /// Go's `errorf`: an error item at the current start; lexing stops.
    fn error(&mut self, message: String) -> Option<State> {
        self.item = Some((Kind::Error, self.start, message));
        None
    }

    fn step(&mut self, state: State) -> Option<State> {
        match state {
            State::Statements => self.statements(),
            State::InsideBraces => self.inside_braces(),
            State::Str => self.string(),
            State::RawStr => self.raw_string(),
            State::Escape => self.escape(),
            State::Space => {
                while is_space(self.peek()) {
                    self.next();
                }
                self.ignore();
                Some(State::Statements)
            }
            State::LineComment => {
                self.pos += 1;
                let mut c = self.next();
                while !matches!(c, Some('\r' | '\n') | None) {
                    c = self.next();
                }
                self.backup();
                self.emit(Kind::Comment);
                Some(State::Statements)
            }
            State::Duration => self.duration(),
            State::NumberOrDuration => self.number_or_duration(),
            State::Identifier => {
                while is_alnum(self.next()) {}
                self.backup();
                self.emit(Kind::Identifier);
                Some(State::Statements)
            }
            State::KeywordOrIdentifier => self.keyword_or_identifier(),
        }
    }

    fn statements(&mut self) -> Option<State> {
        if self.brace_open {
            return Some(State::InsideBraces);
        }
        if self.input[self.pos..].starts_with('#') {
            return Some(State::LineComment);
        }
        let r = self.next();
        match r {
            None => {
                if self.paren_depth != 0 {
                    return self.error("unclosed left parenthesis".into());
                } else if self.bracket_open {
                    return self.error("unclosed left bracket".into());
                }
                self.emit(Kind::Eof);
                return None;
            }
            Some(',') => self.emit(Kind::Comma),
            _ if is_space(r) => return Some(State::Space),
            Some('*') => self.emit(Kind::Mul),
            Some('/') => self.emit(Kind::Div),
            Some('%') => self.emit(Kind::Mod),
            Some('+') => self.emit(Kind::Add),
            Some('-') => self.emit(Kind::Sub),
            Some('^') => self.emit(Kind::Pow),
            Some('=') => match self.peek() {
                Some('=') => {
                    self.next();
                    self.emit(Kind::Eqlc);
                }
                Some('~') => {
                    return self.error("unexpected character after '=': '~'".into());
                }
                _ => self.emit(Kind::Eql),
            },
            Some('!') => {
                let t = self.next();
                if t != Some('=') {
                    let message = format!("unexpected character after '!': {}", quote::rune(t));
                    return self.error(message);
                }
                self.emit(Kind::Neq);
            }
            Some('<') => {
                if self.peek() == Some('=') {
                    self.next();
                    self.emit(Kind::Lte);
                } else {
                    self.emit(Kind::Lss);
                }
            }
            Some('>') => {
                if self.peek() == Some('=') {
                    self.next();
                    self.emit(Kind::Gte);
                } else {
                    self.emit(Kind::Gtr);
                }
            }
            _ if is_digit(r) || (r == Some('.') && is_digit(self.peek())) => {
                self.backup();
                return Some(State::NumberOrDuration);
            }
            Some(q @ ('"' | '\'')) => {
                self.string_open = q;
                return Some(State::Str);
            }
            Some('`') => {
                self.string_open = '`';
                return Some(State::RawStr);
            }
            _ if is_alpha(r) || r == Some(':') => {
                if !self.bracket_open {
                    self.backup();
                    return Some(State::KeywordOrIdentifier);
                }
                if self.got_colon {
                    return self.error(format!("unexpected colon {}", quote::rune(r)));
                }
                self.emit(Kind::Colon);
                self.got_colon = true;
            }
            Some('(') => {
                self.emit(Kind::LeftParen);
                self.paren_depth += 1;
            }
            Some(')') => {
                self.emit(Kind::RightParen);
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.error("unexpected right parenthesis ')'".into());
                }
            }
            Some('{') => {
                self.emit(Kind::LeftBrace);
                self.brace_open = true;
                return Some(State::InsideBraces);
            }
            Some('[') => {
                if self.bracket_open {
                    return self.error("unexpected left bracket '['".into());
                }
                self.got_colon = false;
                self.emit(Kind::LeftBracket);
                while is_space(self.peek()) {
                    self.next();
                }
                self.ignore();
                self.bracket_open = true;
                return Some(State::Duration);
            }
            Some(']') => {
                if !self.bracket_open {
                    return self.error("unexpected right bracket ']'".into());
                }
                self.emit(Kind::RightBracket);
                self.bracket_open = false;
            }
            Some('@') => self.emit(Kind::At),
            _ => return self.error(format!("unexpected character: {}", quote::rune(r))),
        }
        Some(State::Statements)
    }

    fn inside_braces(&mut self) -> Option<State> {
        if self.input[self.pos..].starts_with('#') {
            return Some(State::LineComment);
        }
        let r = self.next();
        match r {
            None => return self.error("unexpected end of input inside braces".into()),
            _ if is_space(r) => return Some(State::Space),
            _ if is_alpha(r) => {
                self.backup();
                return Some(State::Identifier);
            }
            Some(',') => self.emit(Kind::Comma),
            Some(q @ ('"' | '\'')) => {
                self.string_open = q;
                return Some(State::Str);
            }
            Some('`') => {
                self.string_open = '`';
                return Some(State::RawStr);
            }
            Some('=') => {
                if self.next() == Some('~') {
                    self.emit(Kind::EqlRegex);
                } else {
                    self.backup();
                    self.emit(Kind::Eql);
                }
            }
            Some('!') => match self.next() {
                Some('~') => self.emit(Kind::NeqRegex),
                Some('=') => self.emit(Kind::Neq),
                nr => {
                    let message = format!(
                        "unexpected character after '!' inside braces: {}",
                        quote::rune(nr)
                    );
                    return self.error(message);
                }
            },
            Some('{') => return self.error("unexpected left brace '{'".into()),
            Some('}') => {
                self.emit(Kind::RightBrace);
                self.brace_open = false;
                return Some(State::Statements);
            }
            _ => {
                let message = format!("unexpected character inside braces: {}", quote::rune(r));
                return self.error(message);
            }
        }
        Some(State::InsideBraces)
    }

    fn string(&mut self) -> Option<State> {
        loop {
            match self.next() {
                Some('\\') => return Some(State::Escape),
                Some('\u{FFFD}') => return self.error("invalid UTF-8 rune".into()),
                None | Some('\n') => return self.error("unterminated quoted string".into()),
                Some(c) if c == self.string_open => break,
                Some(_) => {}
            }
        }
        self.emit(Kind::Str);
        Some(State::Statements)
    }

    fn raw_string(&mut self) -> Option<State> {
        loop {
            match self.next() {
                Some('\u{FFFD}') => return self.error("invalid UTF-8 rune".into()),
                None => return self.error("unterminated raw string".into()),
                Some(c) if c == self.string_open => break,
                Some(_) => {}
            }
        }
        self.emit(Kind::Str);
        Some(State::Statements)
    }

    /// Go's `lexEscape`: the backslash is already read.
    fn escape(&mut self) -> Option<State> {
        let mut ch = self.next();
        let (mut n, base, max): (u32, u32, u32) = match ch {
            Some('a' | 'b' | 'f' | 'n' | 'r' | 't' | 'v' | '\\') => return Some(State::Str),
            Some(c) if c == self.string_open => return Some(State::Str),
            Some('0'..='7') => (3, 8, 255),
            Some('x') => {
                ch = self.next();
                (2, 16, 255)
            }
            Some('u') => {
                ch = self.next();
                (4, 16, 0x10FFFF)
            }
            Some('U') => {
                ch = self.next();
                (8, 16, 0x10FFFF)
            }
            None => return self.error("escape sequence not terminated".into()),
            Some(c) => {
                let message = format!("unknown escape sequence {}", quote::unicode(c));
                return self.error(message);
            }
        };
        let mut x: u32 = 0;
        while n > 0 {
            let d = ch.and_then(|c| c.to_digit(16)).unwrap_or(16);
            if d >= base {
                return match ch {
                    None => self.error("escape sequence not terminated".into()),
                    Some(c) => {
                        let message =
                            format!("illegal character {} in escape sequence", quote::unicode(c));
                        self.error(message)
                    }
                };
            }
            x = x.wrapping_mul(base).wrapping_add(d);
            n -= 1;
            if n > 0 {
                ch = self.next();
            }
        }
        if x > max || (0xD800..0xE000).contains(&x) {
            return self.error("escape sequence is an invalid Unicode code point".into());
        }
        Some(State::Str)
    }

    fn duration(&mut self) -> Option<State> {
        if self.scan_number() {
            return self.error("missing unit character in duration".into());
        }
        if !self.accept_remaining_duration() {
            let text = &self.input[self.start..self.pos];
            return self.error(format!("bad duration syntax: {}", quote::string(text)));
        }
        self.backup();
        self.emit(Kind::Duration);
        Some(State::Statements)
    }

    fn number_or_duration(&mut self) -> Option<State> {
        if self.scan_number() {
            self.emit(Kind::Number);
            return Some(State::Statements);
        }
        if self.accept_remaining_duration() {
            self.backup();
            self.emit(Kind::Duration);
            return Some(State::Statements);
        }
        let text = &self.input[self.start..self.pos];
        self.error(format!(
            "bad number or duration syntax: {}",
            quote::string(text)
        ))
    }

    fn accept_remaining_duration(&mut self) -> bool {
        if !self.accept("smhdwy") {
            return false;
        }
        self.accept("s");
        while self.accept("0123456789") {
            self.accept_run("0123456789");
            if !self.accept("smhdw") {
                return false;
            }
            self.accept("s");
        }
        let c = self.next();
        !is_alnum(c)
    }

    fn scan_number(&mut self) -> bool {
        let mut digits = "0123456789";
        if self.accept("0") && self.accept("xX") {
            digits = "0123456789abcdefABCDEF";
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789");
        }
        let c = self.peek();
        !is_alnum(c)
    }

    fn keyword_or_identifier(&mut self) -> Option<State> {
        loop {
            let c = self.next();
            if !(is_alnum(c) || c == Some(':')) {
                break;
            }
        }
        self.backup();
        let word = self.input[self.start..self.pos].to_ascii_lowercase();
        let kind = match KEYWORDS.iter().find(|(w, _)| *w == word) {
            Some((_, kind)) => *kind,
            None if word.contains(':') => Kind::MetricIdentifier,
            None => Kind::Identifier,
        };
        self.emit(kind);
        Some(State::Statements)
    }
}

#[cfg(test)]
mod tests {
    use super::{Kind, tokens};

    fn kinds(input: &str) -> Vec<Kind> {
        tokens(input).iter().map(|t| t.kind).collect()
    }

    #[test]
    fn lexes_a_query() {
        use Kind::*;
        assert_eq!(
            kinds("sum by (job) (rate(x{a=~\"b\"}[5m])) # c\n > 0.5"),
            vec![
                Sum,
                By,
                LeftParen,
                Identifier,
                RightParen,
                LeftParen,
                Identifier,
                LeftParen,
                Identifier,
                LeftBrace,
                Identifier,
                EqlRegex,
                Str,
                RightBrace,
                LeftBracket,
                Duration,
                RightBracket,
                RightParen,
                RightParen,
                Gtr,
                Number,
                Eof
            ]
        );
    }

    #[test]
    fn errors_where_go_reports_them() {
        let last = |input: &str| {
            let t = tokens(input);
            let t = &t[t.len() - 1];
            (t.kind, t.pos, t.val.clone())
        };
        assert_eq!(
            last("x)"),
            (Kind::Error, 2, "unexpected right parenthesis ')'".into())
        );
        assert_eq!(
            last("0deadbeef"),
            (
                Kind::Error,
                0,
                "bad number or duration syntax: \"0de\"".into()
            )
        );
        assert_eq!(
            last("\"\\q\""),
            (Kind::Error, 0, "unknown escape sequence U+0071 'q'".into())
        );
    }
}
