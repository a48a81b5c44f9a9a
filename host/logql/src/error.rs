//! The crate's errors, one per area: [`ParseError`] (the query text),
//! [`PipelineError`] (compiling a pipeline: regexes, IP patterns, templates),
//! [`EvalError`] (vector matching at evaluation time). Messages follow Loki's
//! wording and are lowercase.

/// A query that does not parse or validate. Displays as Loki does:
/// `parse error at line 1, col 12: syntax error: unexpected ...`, or
/// `parse error : <message>` for semantic errors Loki reports without a
/// position (then `line` and `col` are 0).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ParseError {
    /// 1-based line, 0 when the error has no position.
    pub line: usize,
    /// 1-based column in characters, 0 when the error has no position.
    pub col: usize,
    /// The message after the position.
    pub msg: String,
}

impl ParseError {
    /// An error at a position.
    pub(crate) fn at(line: usize, col: usize, msg: impl Into<String>) -> Self {
        Self {
            line,
            col,
            msg: msg.into(),
        }
    }

    /// An error without a position.
    pub(crate) fn semantic(msg: impl Into<String>) -> Self {
        Self::at(0, 0, msg)
    }

    fn render(&self) -> String {
        if self.line == 0 && self.col == 0 {
            format!("parse error : {}", self.msg)
        } else {
            format!(
                "parse error at line {}, col {}: {}",
                self.line, self.col, self.msg
            )
        }
    }
}

/// A stage that cannot be compiled: an invalid regex, IP pattern, template,
/// JSON path or `label_format`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid stage `{stage}`: {msg}")]
pub struct PipelineError {
    /// The stage as printed.
    pub stage: String,
    /// What is wrong with it.
    pub msg: String,
}

/// An evaluation failure of the vector operations.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// Two series on the "one" side share a match group.
    #[error(
        "found duplicate series on the {side} hand-side;many-to-many matching not allowed: matching labels must be unique on one side"
    )]
    DuplicateSeries {
        /// `left` or `right`.
        side: &'static str,
    },
    /// A one-to-one match found several series on the left.
    #[error(
        "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"
    )]
    ManyToOneImplicit,
    /// `group_left`/`group_right` produced the same output series twice.
    #[error("multiple matches for labels: grouping labels must ensure unique matches")]
    NonUniqueGrouping,
    /// An operation between two scalars or a set operation with a scalar.
    #[error("unsupported operands for {0}: set operators need two vectors")]
    SetOperandScalar(String),
    /// `label_replace` with an invalid destination or regex.
    #[error("{0}")]
    LabelReplace(String),
}
