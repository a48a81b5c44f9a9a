//! A YAML document as a tree of nodes that remember where they were written
//! (`line:column`, 1-based, as Go's `yaml.v3` reports them), built from
//! `yaml-rust2`'s event parser. Only the first document of a stream is read,
//! as Prometheus reads rule files. Scalars keep their text and whether they
//! were plain, so the decoder can resolve `null`, numbers and booleans the
//! way YAML 1.2's core schema (and `yaml.v3`) does.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Where a node starts; `0:0` for a node that is absent, as in Prometheus.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

impl Pos {
    fn of(mark: Marker) -> Pos {
        Pos {
            line: mark.line(),
            col: mark.col() + 1,
        }
    }
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One node of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What the node holds.
    pub kind: Kind,
    /// Where it starts.
    pub pos: Pos,
}

/// The three YAML node kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A scalar: its text, and `true` when it was written plain (unquoted,
    /// not a block scalar), so it may resolve to null, a number or a bool.
    Scalar(String, bool),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order (duplicate keys are kept for the decoder
    /// to report).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The node's YAML tag in `yaml.v3`'s short form (`!!str`, `!!int`,
    /// `!!null`, `!!seq`, ...), for error messages.
    pub fn tag(&self) -> &'static str {
        match &self.kind {
            Kind::Seq(_) => "!!seq",
            Kind::Map(_) => "!!map",
            Kind::Scalar(_, false) => "!!str",
            Kind::Scalar(text, true) => resolve_plain(text),
        }
    }

    /// True for a plain `null`, `~` or empty scalar.
    pub fn is_null(&self) -> bool {
        self.tag() == "!!null"
    }

    /// The scalar text (`""` for collections).
    pub fn text(&self) -> &str {
        match &self.kind {
            Kind::Scalar(text, _) => text,
            _ => "",
        }
    }
}

/// The core-schema tag of a plain scalar.
fn resolve_plain(text: &str) -> &'static str {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => "!!null",
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => "!!bool",
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => "!!float",
        _ if parse_int(text).is_some() => "!!int",
        _ if text.parse::<f64>().is_ok() && text.bytes().any(|b| b.is_ascii_digit()) => "!!float",
        _ => "!!str",
    }
}

/// A YAML 1.2 core-schema integer (decimal, `0x`, `0o`, with `_` allowed as
/// `yaml.v3` allows it).
pub fn parse_int(text: &str) -> Option<i64> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let (neg, digits) = match clean.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, clean.strip_prefix('+').unwrap_or(&clean)),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -value } else { value })
}

/// A YAML syntax error, worded as `yaml.v3` words them (`yaml: line N: ...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("yaml: line {line}: {message}")]
pub struct SyntaxError {
    /// 1-based line.
    pub line: usize,
    /// What the parser found.
    pub message: String,
}

/// Parses the first document of `text`; `None` for an empty stream.
pub fn parse(text: &str) -> Result<Option<Node>, SyntaxError> {
    let mut builder = Builder {
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
    };
    loop {
        let (event, mark) = builder.next()?;
        match event {
            Event::StreamEnd => return Ok(None),
            Event::StreamStart | Event::DocumentStart | Event::Nothing => continue,
            event => return builder.node(event, mark).map(Some),
        }
    }
}

struct Builder<'a> {
    parser: Parser<std::str::Chars<'a>>,
    anchors: HashMap<usize, Node>,
}

impl Builder<'_> {
    fn next(&mut self) -> Result<(Event, Marker), SyntaxError> {
        self.parser.next_token().map_err(|e| SyntaxError {
            line: e.marker().line(),
            message: e.info().to_string(),
        })
    }

    fn node(&mut self, event: Event, mark: Marker) -> Result<Node, SyntaxError> {
        let pos = Pos::of(mark);
        let (node, anchor) = match event {
            Event::Scalar(text, style, anchor, _tag) => {
                let plain = style == TScalarStyle::Plain;
                (
                    Node {
                        kind: Kind::Scalar(text, plain),
                        pos,
                    },
                    anchor,
                )
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let (event, mark) = self.next()?;
                    if event == Event::SequenceEnd {
                        break;
                    }
                    items.push(self.node(event, mark)?);
                }
                (
                    Node {
                        kind: Kind::Seq(items),
                        pos,
                    },
                    anchor,
                )
            }
            Event::MappingStart(anchor, _) => {
                let mut entries = Vec::new();
                loop {
                    let (event, mark) = self.next()?;
                    if event == Event::MappingEnd {
                        break;
                    }
                    let key = self.node(event, mark)?;
                    let (event, mark) = self.next()?;
                    let value = self.node(event, mark)?;
                    entries.push((key, value));
                }
                // A block mapping starts where its first key does (yaml.v3).
                let pos = entries.first().map_or(pos, |(key, _)| key.pos);
                (
                    Node {
                        kind: Kind::Map(entries),
                        pos,
                    },
                    anchor,
                )
            }
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().ok_or_else(|| SyntaxError {
                    line: pos.line,
                    message: "unknown anchor referenced".into(),
                })?;
                return Ok(node);
            }
            other => {
                return Err(SyntaxError {
                    line: pos.line,
                    message: format!("unexpected event {other:?}"),
                });
            }
        };
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_like_yaml_v3() {
        let doc = parse("groups:\n  - name: g\n    rules:\n      - record: a:b\n")
            .unwrap()
            .unwrap();
        let Kind::Map(top) = &doc.kind else { panic!() };
        let Kind::Seq(groups) = &top[0].1.kind else {
            panic!()
        };
        assert_eq!(groups[0].pos, Pos { line: 2, col: 5 });
        let Kind::Map(group) = &groups[0].kind else {
            panic!()
        };
        let Kind::Seq(rules) = &group[1].1.kind else {
            panic!()
        };
        let Kind::Map(rule) = &rules[0].kind else {
            panic!()
        };
        assert_eq!(rule[0].1.pos, Pos { line: 4, col: 17 });
        assert_eq!(rule[0].1.text(), "a:b");
    }

    #[test]
    fn plain_scalars_resolve() {
        let tag = |s: &str| {
            Node {
                kind: Kind::Scalar(s.into(), true),
                pos: Pos::default(),
            }
            .tag()
        };
        assert_eq!(tag("~"), "!!null");
        assert_eq!(tag("12"), "!!int");
        assert_eq!(tag("0x1f"), "!!int");
        assert_eq!(tag("1.5"), "!!float");
        assert_eq!(tag("true"), "!!bool");
        assert_eq!(tag("abc"), "!!str");
        assert_eq!(tag("5m"), "!!str");
    }

    #[test]
    fn anchors_and_first_document_only() {
        let doc = parse("a: &x [1, 2]\nb: *x\n---\nc: 1\n").unwrap().unwrap();
        let Kind::Map(entries) = &doc.kind else {
            panic!()
        };
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].1.kind, entries[1].1.kind);
        assert_eq!(parse("").unwrap(), None);
        assert!(parse("groups: [\n").is_err());
    }
}
