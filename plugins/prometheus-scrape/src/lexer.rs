//! A hand-written tokenizer for one line of the Prometheus text exposition
//! format 0.0.4 and of OpenMetrics 1.0: it classifies the line (blank,
//! comment, `# HELP`, `# TYPE`, `# UNIT`, `# EOF`, sample) and splits a sample
//! into name, labels (unescaped), value and timestamp.
//!
//! It knows nothing about families; [`crate::exposition`] groups the lines.
//! Errors are plain messages; the caller adds the line number.

use std::borrow::Cow;

/// The two dialects differ in timestamp units, escapes and the `# EOF` rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/plain; version=0.0.4`: timestamps are integer milliseconds.
    Text,
    /// `application/openmetrics-text`: timestamps are float seconds.
    OpenMetrics,
}

/// One classified line.
#[derive(Debug, Clone, PartialEq)]
pub enum Line<'a> {
    /// Empty or whitespace only.
    Blank,
    /// A `#` comment that is not metadata.
    Comment,
    /// `# HELP name text`, with `text` unescaped.
    Help { name: &'a str, text: Cow<'a, str> },
    /// `# TYPE name kind`.
    Type { name: &'a str, kind: &'a str },
    /// `# UNIT name unit` (OpenMetrics).
    Unit { name: &'a str, unit: &'a str },
    /// `# EOF` (OpenMetrics).
    Eof,
    /// A sample.
    Sample(Sample<'a>),
}

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample<'a> {
    pub name: &'a str,
    /// Label pairs in the order written, values unescaped.
    pub labels: Vec<(&'a str, Cow<'a, str>)>,
    pub value: f64,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: Option<i64>,
}

/// Tokenizes one line (without its `\n`).
pub fn lex_line(line: &str, format: Format) -> Result<Line<'_>, String> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut cur = Cursor { s: line, pos: 0 };
    cur.skip_ws();
    if cur.at_end() {
        return Ok(Line::Blank);
    }
    if cur.peek() == Some('#') {
        return comment(cur);
    }
    sample(cur, format).map(Line::Sample)
}

/// `# HELP`, `# TYPE`, `# UNIT`, `# EOF` or any other comment.
fn comment(mut cur: Cursor<'_>) -> Result<Line<'_>, String> {
    cur.bump(); // '#'
    if !cur.skip_ws() {
        return Ok(Line::Comment);
    }
    let keyword = cur.take_while(|c| !is_ws(c));
    if keyword == "EOF" {
        cur.skip_ws();
        return if cur.at_end() {
            Ok(Line::Eof)
        } else {
            Err("unexpected text after # EOF".into())
        };
    }
    if !matches!(keyword, "HELP" | "TYPE" | "UNIT") {
        return Ok(Line::Comment);
    }
    cur.skip_ws();
    let name = cur.metric_name()?;
    // The rest of the line, after exactly the separating whitespace.
    let has_rest = cur.skip_ws();
    let rest = cur.rest();
    if !has_rest && !rest.is_empty() {
        return Err(format!("invalid metric name in # {keyword} line"));
    }
    match keyword {
        "HELP" => Ok(Line::Help {
            name,
            text: unescape_help(rest),
        }),
        "TYPE" => {
            let kind = rest.trim_end();
            if kind.is_empty() {
                return Err(format!("missing type in # TYPE line for {name}"));
            }
            Ok(Line::Type { name, kind })
        }
        _ => Ok(Line::Unit {
            name,
            unit: rest.trim_end(),
        }),
    }
}

/// `name{labels} value [timestamp] [# exemplar]`.
fn sample(mut cur: Cursor<'_>, format: Format) -> Result<Sample<'_>, String> {
    let name = cur.metric_name()?;
    cur.skip_ws();
    let mut labels = Vec::new();
    if cur.peek() == Some('{') {
        cur.bump();
        labels = label_set(&mut cur)?;
        cur.skip_ws();
    }
    let value_token = cur.take_while(|c| !is_ws(c));
    if value_token.is_empty() {
        return Err(format!("missing value for {name}"));
    }
    let value = parse_value(value_token)?;
    cur.skip_ws();
    let mut timestamp_ms = None;
    if !cur.at_end() && cur.peek() != Some('#') {
        let token = cur.take_while(|c| !is_ws(c));
        timestamp_ms = Some(parse_timestamp(token, format)?);
        cur.skip_ws();
    }
    // OpenMetrics exemplars (`# {trace_id="..."} 1.0`) are not stored.
    if !cur.at_end() && cur.peek() != Some('#') {
        return Err(format!("unexpected text {:?} after sample", cur.rest()));
    }
    Ok(Sample {
        name,
        labels,
        value,
        timestamp_ms,
    })
}

/// The labels after `{`, through the closing `}`.
fn label_set<'a>(cur: &mut Cursor<'a>) -> Result<Vec<(&'a str, Cow<'a, str>)>, String> {
    let mut labels: Vec<(&'a str, Cow<'a, str>)> = Vec::new();
    loop {
        cur.skip_ws();
        if cur.peek() == Some('}') {
            cur.bump();
            return Ok(labels);
        }
        let name = cur.label_name()?;
        cur.skip_ws();
        if cur.bump() != Some('=') {
            return Err(format!("expected '=' after label name {name}"));
        }
        cur.skip_ws();
        if cur.bump() != Some('"') {
            return Err(format!("expected '\"' to open the value of label {name}"));
        }
        let value = cur.label_value(name)?;
        if labels.iter().any(|(n, _)| *n == name) {
            return Err(format!("duplicate label {name}"));
        }
        labels.push((name, value));
        cur.skip_ws();
        match cur.bump() {
            Some(',') => continue,
            Some('}') => return Ok(labels),
            Some(c) => {
                return Err(format!(
                    "expected ',' or '}}' after label {name}, found {c:?}"
                ));
            }
            None => return Err("unterminated label set".into()),
        }
    }
}

/// Go's `ParseFloat` spellings: numbers, `NaN`, `+Inf`, `-Inf`, `Inf`.
pub fn parse_value(token: &str) -> Result<f64, String> {
    match token {
        "NaN" | "nan" => Ok(f64::NAN),
        "+Inf" | "Inf" | "+inf" | "inf" => Ok(f64::INFINITY),
        "-Inf" | "-inf" => Ok(f64::NEG_INFINITY),
        _ if token
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) =>
        {
            token
                .parse::<f64>()
                .map_err(|_| format!("invalid value {token:?}"))
        }
        _ => Err(format!("invalid value {token:?}")),
    }
}

fn parse_timestamp(token: &str, format: Format) -> Result<i64, String> {
    let invalid = || format!("invalid timestamp {token:?}");
    match format {
        Format::Text => token.parse::<i64>().map_err(|_| invalid()),
        Format::OpenMetrics => {
            let seconds = parse_value(token).map_err(|_| invalid())?;
            if !seconds.is_finite() {
                return Err(invalid());
            }
            Ok((seconds * 1000.0).round() as i64)
        }
    }
}

/// HELP text: `\\` and `\n` (and OpenMetrics' `\"`) are escapes; any other
/// backslash is kept as written, as Prometheus does.
fn unescape_help(text: &str) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

fn is_ws(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// A position in one line.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }
    /// Skips spaces and tabs; reports whether there were any.
    fn skip_ws(&mut self) -> bool {
        !self.take_while(is_ws).is_empty()
    }
    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if !f(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        &self.s[start..self.pos]
    }
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    fn metric_name(&mut self) -> Result<&'a str, String> {
        self.identifier(true, "metric name")
    }
    /// `[a-zA-Z_][a-zA-Z0-9_]*`.
    fn label_name(&mut self) -> Result<&'a str, String> {
        self.identifier(false, "label name")
    }
    fn identifier(&mut self, colons: bool, what: &str) -> Result<&'a str, String> {
        let start = self.pos;
        let name =
            self.take_while(|c| c.is_ascii_alphanumeric() || c == '_' || (colons && c == ':'));
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            self.pos = start;
            let found = self
                .rest()
                .chars()
                .next()
                .map_or("end of line".into(), |c| format!("{c:?}"));
            return Err(format!("expected a {what}, found {found}"));
        }
        Ok(name)
    }
    /// A label value after its opening quote, through the closing quote.
    /// Only `\\`, `\"` and `\n` are valid escapes.
    fn label_value(&mut self, label: &str) -> Result<Cow<'a, str>, String> {
        let start = self.pos;
        let mut owned: Option<String> = None;
        loop {
            let here = self.pos;
            match self.bump() {
                None => return Err(format!("unterminated value of label {label}")),
                Some('"') => {
                    return Ok(match owned {
                        Some(s) => Cow::Owned(s),
                        None => Cow::Borrowed(&self.s[start..here]),
                    });
                }
                Some('\\') => {
                    let buf = owned.get_or_insert_with(|| self.s[start..here].to_string());
                    match self.bump() {
                        Some('\\') => buf.push('\\'),
                        Some('"') => buf.push('"'),
                        Some('n') => buf.push('\n'),
                        Some(c) => {
                            return Err(format!("invalid escape \\{c} in value of label {label}"));
                        }
                        None => return Err(format!("unterminated value of label {label}")),
                    }
                }
                Some(c) => {
                    if let Some(buf) = owned.as_mut() {
                        buf.push(c);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
