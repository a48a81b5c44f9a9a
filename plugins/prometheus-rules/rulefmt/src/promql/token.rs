//! PromQL tokens as Prometheus 2.42 has them (Go's `ItemType` and `Item`):
//! kinds, the keyword table, and how an error message names a token.

use super::quote;

/// A token kind (Go's `ItemType`, less the series-description ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Eof,
    Error,
    Comment,
    Identifier,
    MetricIdentifier,
    Number,
    Str,
    Duration,
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    LeftBracket,
    RightBracket,
    Comma,
    Eql,
    Colon,
    // Operators.
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eqlc,
    Neq,
    Lte,
    Lss,
    Gte,
    Gtr,
    EqlRegex,
    NeqRegex,
    Land,
    Lor,
    Lunless,
    Atan2,
    At,
    // Aggregators.
    Avg,
    Bottomk,
    Count,
    CountValues,
    Group,
    Max,
    Min,
    Quantile,
    Stddev,
    Stdvar,
    Sum,
    Topk,
    // Keywords.
    Bool,
    By,
    GroupLeft,
    GroupRight,
    Ignoring,
    Offset,
    On,
    Without,
    // Preprocessors.
    Start,
    End,
}

impl Kind {
    /// Go's `IsOperator`.
    pub fn is_operator(self) -> bool {
        use Kind::*;
        matches!(
            self,
            Add | Sub
                | Mul
                | Div
                | Mod
                | Pow
                | Eqlc
                | Neq
                | Lte
                | Lss
                | Gte
                | Gtr
                | EqlRegex
                | NeqRegex
                | Land
                | Lor
                | Lunless
                | Atan2
                | At
        )
    }

    /// Go's `IsAggregator`.
    pub fn is_aggregator(self) -> bool {
        use Kind::*;
        matches!(
            self,
            Avg | Bottomk
                | Count
                | CountValues
                | Group
                | Max
                | Min
                | Quantile
                | Stddev
                | Stdvar
                | Sum
                | Topk
        )
    }

    /// Go's `IsKeyword`.
    pub fn is_keyword(self) -> bool {
        use Kind::*;
        matches!(
            self,
            Bool | By | GroupLeft | GroupRight | Ignoring | Offset | On | Without
        )
    }

    /// Go's `IsComparisonOperator`.
    pub fn is_comparison(self) -> bool {
        use Kind::*;
        matches!(self, Eqlc | Neq | Lte | Lss | Gte | Gtr)
    }

    /// Go's `IsSetOperator`.
    pub fn is_set_operator(self) -> bool {
        matches!(self, Kind::Land | Kind::Lor | Kind::Lunless)
    }

    /// The keyword's spelling (Go's `ItemType.String()` for keywords).
    pub fn keyword(self) -> &'static str {
        KEYWORDS
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("", |(word, _)| word)
    }
}

/// Go's `key` map: words lexed as keywords (looked up lower-cased).
pub const KEYWORDS: [(&str, Kind); 28] = [
    ("and", Kind::Land),
    ("or", Kind::Lor),
    ("unless", Kind::Lunless),
    ("atan2", Kind::Atan2),
    ("sum", Kind::Sum),
    ("avg", Kind::Avg),
    ("count", Kind::Count),
    ("min", Kind::Min),
    ("max", Kind::Max),
    ("group", Kind::Group),
    ("stddev", Kind::Stddev),
    ("stdvar", Kind::Stdvar),
    ("topk", Kind::Topk),
    ("bottomk", Kind::Bottomk),
    ("count_values", Kind::CountValues),
    ("quantile", Kind::Quantile),
    ("offset", Kind::Offset),
    ("by", Kind::By),
    ("without", Kind::Without),
    ("on", Kind::On),
    ("ignoring", Kind::Ignoring),
    ("group_left", Kind::GroupLeft),
    ("group_right", Kind::GroupRight),
    ("bool", Kind::Bool),
    ("start", Kind::Start),
    ("end", Kind::End),
    ("inf", Kind::Number),
    ("nan", Kind::Number),
];

/// One token: its kind, byte position and text (the message for `Error`).
#[derive(Clone, Debug)]
pub struct Token {
    pub kind: Kind,
    pub pos: usize,
    pub val: String,
}

impl Token {
    /// Byte position just past the token.
    pub fn end(&self) -> usize {
        self.pos + self.val.len()
    }

    /// How Prometheus names the token in "unexpected ..." (Go's
    /// `Item.desc()`).
    pub fn desc(&self) -> String {
        let quoted = || {
            if self.val.len() > 10 {
                format!("{}...", quote::string_prefix(&self.val, 10))
            } else {
                quote::string(&self.val)
            }
        };
        match self.kind {
            Kind::Eof => "end of input".into(),
            Kind::Identifier => format!("identifier {}", quote::string(&self.val)),
            Kind::MetricIdentifier => format!("metric identifier {}", quote::string(&self.val)),
            Kind::Str => format!("string {}", quoted()),
            Kind::Number => format!("number {}", quoted()),
            Kind::Duration => format!("duration {}", quoted()),
            // `@` has no printable name in 2.42: Go prints its item number.
            Kind::At => format!("\"<Item 57385>\" <op:{}>", self.val),
            k if k.is_operator() => format!("<op:{}>", self.val),
            k if k.is_aggregator() => format!("<aggr:{}>", self.val),
            k if k.is_keyword() => format!("<{}>", self.val),
            _ => quoted(),
        }
    }
}
