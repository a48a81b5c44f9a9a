//! The parse tree: what the parser builds and the evaluator walks. Every
//! node prints back as template source (Go's `Node.String`), which is what
//! execution errors show between `<` and `>`.

use std::fmt;

use super::value::Value;

/// Where a node starts: 1-based line, 0-based byte column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub col: usize,
}

/// One named template's body and the name of the text it came from
/// (which error messages show).
#[derive(Debug)]
pub(crate) struct Tree {
    pub parse_name: String,
    pub nodes: Vec<Node>,
}

/// A node of a template body.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text(String),
    Action(Pipe),
    If(Branch),
    With(Branch),
    Range(Branch),
    Template {
        pos: Pos,
        name: String,
        pipe: Option<Pipe>,
    },
    Break,
    Continue,
}

/// The shared shape of `if`, `with` and `range`.
#[derive(Debug, Clone)]
pub(crate) struct Branch {
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

/// A pipeline with its optional variable declaration or assignment.
#[derive(Debug, Clone)]
pub(crate) struct Pipe {
    pub pos: Pos,
    pub is_assign: bool,
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

/// One stage of a pipeline: a function or a value and its arguments.
#[derive(Debug, Clone)]
pub(crate) struct Command {
    pub pos: Pos,
    pub args: Vec<Operand>,
}

/// An operand and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Operand {
    pub pos: Pos,
    pub arg: Arg,
}

/// What an operand is.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Dot,
    Nil,
    Bool(bool),
    /// A number constant: source text and value.
    Number(String, Value),
    /// A string constant: source text (quoted) and value.
    Str(String, String),
    /// `.A.B`.
    Field(Vec<String>),
    /// `$x.A.B` (the name includes the `$`).
    Variable(String, Vec<String>),
    /// A function name.
    Identifier(String),
    /// `(pipeline).A.B` or `ident.A`.
    Chain(Box<Operand>, Vec<String>),
    /// `(pipeline)`.
    Pipe(Box<Pipe>),
}

impl Arg {
    /// Whether a later pipeline stage may start with this (Go rejects
    /// literals there: "non executable command in pipeline stage N").
    pub fn is_executable(&self) -> bool {
        !matches!(
            self,
            Arg::Dot | Arg::Nil | Arg::Bool(_) | Arg::Number(..) | Arg::Str(..)
        )
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Dot => f.write_str("."),
            Arg::Nil => f.write_str("nil"),
            Arg::Bool(b) => write!(f, "{b}"),
            Arg::Number(text, _) | Arg::Str(text, _) => f.write_str(text),
            Arg::Field(idents) => idents.iter().try_for_each(|i| write!(f, ".{i}")),
            Arg::Variable(name, idents) => {
                f.write_str(name)?;
                idents.iter().try_for_each(|i| write!(f, ".{i}"))
            }
            Arg::Identifier(name) => f.write_str(name),
            Arg::Chain(node, idents) => {
                match &node.arg {
                    Arg::Pipe(p) => write!(f, "({p})")?,
                    other => write!(f, "{other}")?,
                }
                idents.iter().try_for_each(|i| write!(f, ".{i}"))
            }
            Arg::Pipe(p) => write!(f, "({p})"),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, op) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}", op.arg)?;
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            write!(
                f,
                "{} {} ",
                self.decl.join(", "),
                if self.is_assign { "=" } else { ":=" }
            )?;
        }
        for (i, cmd) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{cmd}")?;
        }
        Ok(())
    }
}

/// Go's `parse.IsEmptyTree`: only whitespace text, so a later empty
/// definition does not replace an earlier one.
pub(crate) fn is_empty_tree(nodes: &[Node]) -> bool {
    nodes
        .iter()
        .all(|n| matches!(n, Node::Text(t) if t.trim().is_empty()))
}
