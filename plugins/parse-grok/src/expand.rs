//! Grok patterns into one Rust regex. `%{SYNTAX}` becomes `(?:definition)`,
//! `%{SYNTAX:SEMANTIC}` and `%{SYNTAX:SEMANTIC:int|float}` a named group,
//! definitions expanding recursively (cycles and unknown names are errors).
//!
//! Every capture gets an internal group name (`g0`, `g1`, ...) because
//! grok reuses names freely (`HTTPD_ERRORLOG` names `timestamp` in both of
//! its alternatives; `%{URIHOST}` twice means two `port`s) and Rust's regex
//! does not allow a name twice; [`Capture`] maps each group to its field.
//!
//! Oniguruma syntax the stock patterns used is rewritten in
//! `patterns/grok-patterns`; in user patterns `(?>...)` (atomic) becomes
//! `(?:...)`, possessive `*+`, `++`, `?+` become greedy, `(?<name>...)`
//! becomes a capture like `%{...:name}`, plain `(...)` groups become
//! non-capturing, and look-around is refused with a clear error (Rust's
//! regex has none, by design: it matches in linear time).

use std::borrow::Cow;
use std::collections::BTreeMap;
use watchpost_sdk::parser::sanitize_name;

/// Logstash's patterns, translated (see the file's header).
const STOCK: &str = include_str!("../patterns/grok-patterns");

/// Past this the pattern is surely a mistake (IPV6 alone is ~1.5 KB).
const MAX_EXPANDED: usize = 1 << 20;
/// Nesting of `%{...}` references.
const MAX_DEPTH: usize = 64;

/// How a capture's text is typed (`%{NUMBER:n:int}`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Text,
    Int,
    Float,
}

/// Capture group `g<index>`: the field it fills and how.
#[derive(Debug, PartialEq)]
pub struct Capture {
    pub field: String,
    pub kind: Kind,
}

/// A pattern expanded into regex syntax.
#[derive(Debug)]
pub struct Expanded {
    pub regex: String,
    /// Indexed by the number in the group name.
    pub captures: Vec<Capture>,
}

/// The named patterns: the stock set, overlaid with the user's.
pub struct Library {
    definitions: BTreeMap<String, String>,
}

impl Library {
    /// The stock patterns plus `user` (which win on a name clash).
    pub fn new(user: &BTreeMap<String, String>) -> Result<Self, String> {
        let mut definitions = BTreeMap::new();
        for line in STOCK.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, definition) = line.split_once(' ').unwrap_or((line, ""));
            definitions.insert(name.to_string(), definition.trim_start().to_string());
        }
        for (name, definition) in user {
            if !valid_name(name) {
                return Err(format!(
                    "pattern_definitions: invalid name {name:?} (use letters, digits and _)"
                ));
            }
            definitions.insert(name.clone(), definition.clone());
        }
        Ok(Library { definitions })
    }

    /// Every pattern name, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.definitions.keys().map(String::as_str)
    }

    /// Expands `pattern` (one entry of `match`).
    pub fn expand(&self, pattern: &str) -> Result<Expanded, String> {
        let mut expander = Expander {
            library: self,
            out: String::with_capacity(pattern.len() * 4),
            captures: Vec::new(),
            stack: Vec::new(),
        };
        expander.expand(pattern, None)?;
        Ok(Expanded {
            regex: expander.out,
            captures: expander.captures,
        })
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

struct Expander<'l> {
    library: &'l Library,
    out: String,
    captures: Vec<Capture>,
    /// The definitions being expanded, outermost first (for cycles).
    stack: Vec<&'l str>,
}

impl<'l> Expander<'l> {
    /// Copies `text` to `out`, expanding references. `within` names the
    /// definition `text` is (none: the configured pattern), for errors.
    fn expand(&mut self, text: &str, within: Option<&str>) -> Result<(), String> {
        let b = text.as_bytes();
        let mut i = 0;
        let mut class_depth = 0usize;
        // Whether the last token was a `*`, `+` or `?` quantifier, so that a
        // following `+` is possessive and a following `?` lazy.
        let mut after_quantifier = false;
        while i < b.len() {
            let c = b[i];
            let rest = &text[i..];
            // Escapes and character classes are copied as they are.
            if c == b'\\' {
                let len = 1 + rest[1..].chars().next().map_or(0, char::len_utf8);
                self.out.push_str(&rest[..len]);
                (i, after_quantifier) = (i + len, false);
                continue;
            }
            if class_depth > 0 || c == b'[' {
                let mut len = 1;
                match c {
                    b'[' if class_depth == 0 => {
                        // `[^]...]` and `[]...]`: a leading `]` is literal.
                        len += usize::from(rest[1..].starts_with('^'));
                        len += usize::from(rest[len..].starts_with(']'));
                        class_depth = 1;
                    }
                    b'[' => class_depth += 1,
                    b']' => class_depth -= 1,
                    _ => len = rest.chars().next().map_or(1, char::len_utf8),
                }
                self.out.push_str(&rest[..len]);
                (i, after_quantifier) = (i + len, false);
                continue;
            }
            match c {
                b'%' if rest.starts_with("%{") => {
                    let close = rest
                        .find('}')
                        .ok_or_else(|| format!("unclosed %{{ in {}", describe(within)))?;
                    self.reference(&rest[2..close], within)?;
                    (i, after_quantifier) = (i + close + 1, false);
                    continue;
                }
                b'(' => {
                    i += self.group(rest, within)?;
                    after_quantifier = false;
                    continue;
                }
                b'+' if after_quantifier => {
                    // Possessive (`a++`): greedy is the closest Rust has.
                    (i, after_quantifier) = (i + 1, false);
                    continue;
                }
                b'?' if after_quantifier => {
                    self.out.push('?'); // lazy
                    (i, after_quantifier) = (i + 1, false);
                    continue;
                }
                b'*' | b'+' | b'?' => {
                    self.out.push(char::from(c));
                    (i, after_quantifier) = (i + 1, true);
                    continue;
                }
                _ => {}
            }
            let len = rest.chars().next().map_or(1, char::len_utf8);
            self.out.push_str(&rest[..len]);
            (i, after_quantifier) = (i + len, false);
        }
        if self.out.len() > MAX_EXPANDED {
            return Err(format!(
                "{} expands to more than {MAX_EXPANDED} bytes of regex",
                describe(within)
            ));
        }
        Ok(())
    }

    /// The `(` at the start of `rest`: translated or copied; its length.
    fn group(&mut self, rest: &str, within: Option<&str>) -> Result<usize, String> {
        if rest.starts_with("(?>") {
            self.out.push_str("(?:");
            return Ok(3);
        }
        for look in ["(?=", "(?!", "(?<=", "(?<!"] {
            if rest.starts_with(look) {
                return Err(format!(
                    "{}: look-around `{look}...)` is not supported (Rust's regex matches in linear \
                     time and has none); rewrite the pattern without it",
                    describe(within)
                ));
            }
        }
        let named = ["(?P<", "(?<"]
            .iter()
            .find_map(|open| Some((open.len(), rest.strip_prefix(open)?)));
        let Some((open_len, after)) = named else {
            // Grok keeps named captures only (Logstash's
            // `named_captures_only`), so plain groups need not capture:
            // fewer capture slots make extraction much faster.
            self.out.push_str(if rest[1..].starts_with('?') {
                "("
            } else {
                "(?:"
            });
            return Ok(1);
        };
        let name = after.split('>').next().unwrap_or_default();
        if name.len() == after.len() || name.is_empty() {
            return Err(format!("{}: unterminated group name", describe(within)));
        }
        let index = self.capture(name, Kind::Text);
        self.out.push_str(&format!("(?P<g{index}>"));
        Ok(open_len + name.len() + 1)
    }

    /// `%{SYNTAX[:SEMANTIC[:TYPE]]}`.
    fn reference(&mut self, spec: &str, within: Option<&str>) -> Result<(), String> {
        if spec.contains('=') {
            return Err(format!(
                "%{{{spec}}}: inline definitions are not supported; put the pattern in \
                 pattern_definitions"
            ));
        }
        let mut parts = spec.splitn(3, ':');
        let name = parts.next().unwrap_or_default();
        let semantic = parts.next().filter(|s| !s.is_empty());
        let kind = match parts.next() {
            None => Kind::Text,
            Some("int") => Kind::Int,
            Some("float") => Kind::Float,
            Some(other) => {
                return Err(format!(
                    "%{{{spec}}}: unknown type {other:?} (grok converts to int or float)"
                ));
            }
        };
        let library = self.library;
        let Some((name, definition)) = library.definitions.get_key_value(name) else {
            return Err(unknown(name, within, library));
        };
        let name = name.as_str();
        if let Some(start) = self.stack.iter().position(|s| *s == name) {
            let mut chain = self.stack[start..].to_vec();
            chain.push(name);
            return Err(format!("pattern cycle: {}", chain.join(" -> ")));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!(
                "patterns nest deeper than {MAX_DEPTH} levels at %{{{name}}}"
            ));
        }
        match semantic {
            Some(semantic) => {
                let index = self.capture(semantic, kind);
                self.out.push_str(&format!("(?P<g{index}>"));
            }
            None => self.out.push_str("(?:"),
        }
        self.stack.push(name);
        self.expand(definition, Some(name))?;
        self.stack.pop();
        self.out.push(')');
        Ok(())
    }

    /// Records a capture into field `semantic`; its group number.
    fn capture(&mut self, semantic: &str, kind: Kind) -> usize {
        self.captures.push(Capture {
            field: field_name(semantic),
            kind,
        });
        self.captures.len() - 1
    }
}

/// A field name from a grok semantic: Logstash's nested references
/// (`[client][ip]`) are joined with `_`; other characters that are not
/// letters, digits or `_` become `_` (`client.ip` → `client_ip`).
pub fn field_name(semantic: &str) -> String {
    let joined = if semantic.starts_with('[') {
        let inner = semantic.trim_start_matches('[').trim_end_matches(']');
        Cow::Owned(inner.replace("][", "_"))
    } else {
        Cow::Borrowed(semantic)
    };
    sanitize_name(joined, true).into_owned()
}

fn describe(within: Option<&str>) -> String {
    match within {
        Some(name) => format!("pattern {name}"),
        None => "the pattern".into(),
    }
}

fn unknown(name: &str, within: Option<&str>, library: &Library) -> String {
    let mut message = if valid_name(name) {
        format!("unknown grok pattern %{{{name}}}")
    } else {
        format!("invalid grok pattern name %{{{name}}}")
    };
    if let Some(within) = within {
        message.push_str(&format!(" (used by {within})"));
    }
    if let Some(close) = library.names().find(|n| n.eq_ignore_ascii_case(name)) {
        message.push_str(&format!("; did you mean %{{{close}}}?"));
    }
    message
}
