//! The diagnosing parser's syntax tree: only what Prometheus 2.42's checks
//! look at (node kinds, value types, byte positions, modifiers set), not
//! what evaluation needs; `promql-parser` builds the real tree.

use super::functions::Function;
use super::token::Kind;

/// A PromQL value type (Go's `ValueType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    Scalar,
    Vector,
    Matrix,
    String,
}

impl ValueType {
    /// Go's `DocumentedType`: how type errors name the type.
    pub fn documented(self) -> &'static str {
        match self {
            ValueType::Scalar => "scalar",
            ValueType::Vector => "instant vector",
            ValueType::Matrix => "range vector",
            ValueType::String => "string",
        }
    }

    /// Go's `ValueType` string (`matrix`, `vector`, ...).
    pub fn raw(self) -> &'static str {
        match self {
            ValueType::Scalar => "scalar",
            ValueType::Vector => "vector",
            ValueType::Matrix => "matrix",
            ValueType::String => "string",
        }
    }
}

/// An expression with its byte range (`end` as Prometheus computes it:
/// what the binary-operator position of type errors starts from) and the
/// height of its tree.
#[derive(Debug)]
pub struct Node {
    pub start: usize,
    pub end: usize,
    pub height: usize,
    pub expr: Expr,
}

impl Node {
    /// A node over `expr`, one higher than its highest child.
    pub fn new(start: usize, end: usize, expr: Expr) -> Node {
        let children: Vec<&Node> = match &expr {
            Expr::Number | Expr::Str | Expr::Vector(_) => Vec::new(),
            Expr::Paren(e) | Expr::Unary(e) | Expr::Matrix(e) => vec![e],
            Expr::Subquery { expr, .. } => vec![expr],
            Expr::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            Expr::Call { args, .. } => args.iter().collect(),
            Expr::Aggregate { param, expr, .. } => {
                param.iter().map(|p| &**p).chain([&**expr]).collect()
            }
        };
        let height = 1 + children.iter().map(|c| c.height).max().unwrap_or(0);
        Node {
            start,
            end,
            height,
            expr,
        }
    }
}

/// The `@` modifier set on a selector or subquery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    None,
    /// `@ <number>`.
    Timestamp,
    /// `@ start()` / `@ end()`.
    Preprocessor,
}

/// One label matcher, reduced to what the checks need.
#[derive(Debug)]
pub struct Matcher {
    pub name: String,
    pub value: String,
    /// Whether it matches the empty label value.
    pub matches_empty: bool,
}

/// An instant vector selector.
#[derive(Debug)]
pub struct Selector {
    pub name: Option<String>,
    pub matchers: Vec<Matcher>,
    pub offset: bool,
    pub at: At,
}

/// Vector matching of a binary expression.
#[derive(Debug, Default)]
pub struct Matching {
    pub return_bool: bool,
    pub on: bool,
    pub labels: Vec<String>,
    /// `group_left` or `group_right` (many-to-one or one-to-many).
    pub grouped: bool,
    pub include: Vec<String>,
}

/// The expression kinds of Go's AST.
#[derive(Debug)]
pub enum Expr {
    Number,
    Str,
    Paren(Box<Node>),
    Unary(Box<Node>),
    Binary {
        op: Kind,
        lhs: Box<Node>,
        rhs: Box<Node>,
        matching: Matching,
    },
    Call {
        func: &'static Function,
        args: Vec<Node>,
    },
    Aggregate {
        op: Kind,
        param: Option<Box<Node>>,
        expr: Box<Node>,
    },
    Vector(Selector),
    /// A range selector over its vector selector.
    Matrix(Box<Node>),
    Subquery {
        expr: Box<Node>,
        offset: bool,
        at: At,
    },
}
