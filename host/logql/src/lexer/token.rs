//! The tokens of LogQL and their names in error messages (goyacc's names
//! for Loki's grammar: symbols and keywords as written, `IDENTIFIER`,
//! `STRING`, `RANGE`..., function names upper-cased, `$end`).

use crate::ast::{RangeOp, VectorOp};

/// A token kind.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    Str(String),
    Number(String),
    Duration(i64),
    Bytes(u64),
    Range(i64),
    ParserFlag(String),
    Comma,
    Dot,
    LBrace,
    RBrace,
    LParen,
    RParen,
    Eq,
    Neq,
    Re,
    Nre,
    PipeExact,
    PipeMatch,
    Pipe,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    CmpEq,
    Gt,
    Gte,
    Lt,
    Lte,
    /// A keyword from Loki's `tokens` table, lower case (`by`, `json`, `or`...).
    Keyword(&'static str),
    RangeFn(RangeOp),
    VectorFn(VectorOp),
    Vector,
    LabelReplace,
    Ip,
    /// `bytes(`, `duration(`, `duration_seconds(` after `unwrap`.
    Conv(&'static str),
    Eof,
}

impl Tok {
    /// The token's name in error messages, as goyacc prints it for Loki.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(_) => "IDENTIFIER".into(),
            Tok::Str(_) => "STRING".into(),
            Tok::Number(_) => "NUMBER".into(),
            Tok::Duration(_) => "DURATION".into(),
            Tok::Bytes(_) => "BYTES".into(),
            Tok::Range(_) => "RANGE".into(),
            Tok::ParserFlag(_) => "PARSER_FLAG".into(),
            Tok::Keyword(k) => (*k).into(),
            Tok::RangeFn(op) => op.name().to_uppercase(),
            Tok::VectorFn(op) => op.name().to_uppercase(),
            Tok::Vector => "VECTOR".into(),
            Tok::LabelReplace => "label_replace".into(),
            Tok::Ip => "ip".into(),
            Tok::Conv(c) => format!("{}_CONV", c.to_uppercase()),
            Tok::Eof => "$end".into(),
            other => other.symbol().into(),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Tok::Comma => ",",
            Tok::Dot => ".",
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::Eq => "=",
            Tok::Neq => "!=",
            Tok::Re => "=~",
            Tok::Nre => "!~",
            Tok::PipeExact => "|=",
            Tok::PipeMatch => "|~",
            Tok::Pipe => "|",
            Tok::Add => "+",
            Tok::Sub => "-",
            Tok::Mul => "*",
            Tok::Div => "/",
            Tok::Mod => "%",
            Tok::Pow => "^",
            Tok::CmpEq => "==",
            Tok::Gt => ">",
            Tok::Gte => ">=",
            Tok::Lt => "<",
            Tok::Lte => "<=",
            _ => "?",
        }
    }
}

/// A token and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub kind: Tok,
    pub line: usize,
    pub col: usize,
}

pub(crate) const KEYWORDS: &[&str] = &[
    "by",
    "without",
    "bool",
    "offset",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "or",
    "and",
    "unless",
    "json",
    "regexp",
    "logfmt",
    "unpack",
    "pattern",
    "label_format",
    "line_format",
    "decolorize",
    "drop",
    "keep",
    "unwrap",
];
