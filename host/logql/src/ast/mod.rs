//! The LogQL syntax tree: what [`crate::parse`] returns and what `Display`
//! prints back in Loki's canonical form. This module holds the log-query side
//! (selectors, pipeline stages, label filters); `metric` holds the metric side.
//! The tree is plain data: regexes and templates are kept as strings and
//! compiled by [`crate::pipeline`].

mod metric;

pub use metric::*;

/// A parsed query: a log query or a metric query.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// `{app="postfix"} |= "reject"`.
    Log(LogSelector),
    /// `rate({app="postfix"}[5m])`, `sum(...) > 10`, `vector(1)`...
    Sample(SampleExpr),
}

/// A stream selector and its pipeline: `{app="dovecot"} |= "auth failed" | logfmt`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct LogSelector {
    /// The stream matchers between the braces.
    pub matchers: Vec<Matcher>,
    /// The pipeline stages, in the order written.
    pub stages: Vec<Stage>,
}

/// How a [`Matcher`] compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchOp {
    /// `=`
    Eq,
    /// `!=`
    Neq,
    /// `=~` (anchored regex)
    Re,
    /// `!~`
    Nre,
}

impl MatchOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Eq => "=",
            MatchOp::Neq => "!=",
            MatchOp::Re => "=~",
            MatchOp::Nre => "!~",
        }
    }
}

/// A label matcher: `app="postfix"`, `level=~"warn|error"`. An absent label
/// compares as the empty string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Matcher {
    /// The label name.
    pub name: String,
    /// The comparison.
    pub op: MatchOp,
    /// The value or regex (unanchored as written; matching anchors it).
    pub value: String,
}

impl Matcher {
    /// A matcher from its parts.
    pub fn new(name: impl Into<String>, op: MatchOp, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            op,
            value: value.into(),
        }
    }
}

/// One pipeline stage.
#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    /// `|= "a"`, `!~ "b"`, `|= "a" or "b"`, `|= ip("10.0.0.0/8")`.
    LineFilter(LineFilter),
    /// `| json` (no extractions) or `| json a="b.c", d`.
    Json(Vec<LabelExtraction>),
    /// `| logfmt [--strict] [--keep-empty] [a="b", c]`.
    Logfmt {
        /// `--strict`: stop at the first malformed pair and report it.
        strict: bool,
        /// `--keep-empty`: keep keys without a value.
        keep_empty: bool,
        /// Only these keys, renamed, when not empty.
        extractions: Vec<LabelExtraction>,
    },
    /// `| regexp "(?P<name>...)"`.
    Regexp(String),
    /// `| pattern "<ip> - <_> <status>"`.
    Pattern(String),
    /// `| unpack`.
    Unpack,
    /// `| status >= 500`, `| level="error" or duration > 1s`.
    LabelFilter(LabelFilter),
    /// `| line_format "{{.msg}}"` (a Go template, kept as written).
    LineFormat(String),
    /// `| label_format a=b, c="{{.d}}"`.
    LabelFormat(Vec<LabelFormat>),
    /// `| drop a, b="v"`.
    Drop(Vec<NameOrMatcher>),
    /// `| keep a, b="v"`.
    Keep(Vec<NameOrMatcher>),
    /// `| decolorize`.
    Decolorize,
}

/// A line filter: the line must (or must not) contain / match one of the values.
#[derive(Clone, Debug, PartialEq)]
pub struct LineFilter {
    /// The operator.
    pub op: LineFilterOp,
    /// One value, or several joined by `or`. For a negative operator the
    /// parser splits `!= "a" or "b"` into two filters, as Loki does.
    pub values: Vec<LineFilterValue>,
}

/// A line filter operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LineFilterOp {
    /// `|=`
    Contains,
    /// `!=`
    NotContains,
    /// `|~`
    Match,
    /// `!~`
    NotMatch,
}

impl LineFilterOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            LineFilterOp::Contains => "|=",
            LineFilterOp::NotContains => "!=",
            LineFilterOp::Match => "|~",
            LineFilterOp::NotMatch => "!~",
        }
    }

    /// Whether the operator keeps lines that do not match.
    pub fn is_negative(self) -> bool {
        matches!(self, LineFilterOp::NotContains | LineFilterOp::NotMatch)
    }
}

/// The operand of a line filter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LineFilterValue {
    /// A substring (`|=`, `!=`) or an unanchored regex (`|~`, `!~`).
    Literal(String),
    /// `ip("192.168.0.0/16")`: an address, a CIDR or a range `a-b`.
    Ip(String),
}

/// `label="expression"` in `| json` and `| logfmt`; a bare `label` means `label="label"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LabelExtraction {
    /// The label to set.
    pub label: String,
    /// The JSON path (`a.b[0]`, `["a.b"]`) or logfmt key.
    pub expression: String,
}

/// One `label_format` assignment.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LabelFormat {
    /// `dst=src`: renames `src` to `dst`.
    Rename {
        /// New name.
        dst: String,
        /// Old name.
        src: String,
    },
    /// `dst="{{...}}"`: sets `dst` to the rendered template.
    Template {
        /// The label to set.
        dst: String,
        /// The Go template, as written.
        template: String,
    },
}

/// An item of `drop` / `keep`: a bare name, or a matcher on the value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NameOrMatcher {
    /// `name`
    Name(String),
    /// `name="value"` and the other operators.
    Matcher(Matcher),
}

/// A comparison operator of the numeric label filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==` (also written `=`)
    Eq,
    /// `!=`
    Neq,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
}

impl CmpOp {
    /// The operator as Loki prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Neq => "!=",
            CmpOp::Gt => ">",
            CmpOp::Gte => ">=",
            CmpOp::Lt => "<",
            CmpOp::Lte => "<=",
        }
    }

    /// Applies the comparison.
    pub fn test<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Neq => a != b,
            CmpOp::Gt => a > b,
            CmpOp::Gte => a >= b,
            CmpOp::Lt => a < b,
            CmpOp::Lte => a <= b,
        }
    }
}

/// A label filter expression.
#[derive(Clone, Debug, PartialEq)]
pub enum LabelFilter {
    /// `level="error"`, `path=~"/api/.*"`: string comparison (an absent label is `""`).
    Matcher(Matcher),
    /// `addr=ip("10.0.0.0/8")`, `addr!=ip(...)`.
    Ip {
        /// The label.
        label: String,
        /// `!=`
        negate: bool,
        /// The address, CIDR or range.
        pattern: String,
    },
    /// `status >= 500`: the value parsed as a float.
    Number {
        /// The label.
        label: String,
        /// The comparison.
        op: CmpOp,
        /// The right-hand side.
        value: f64,
    },
    /// `duration > 1m30s`: the value parsed as a Go duration.
    Duration {
        /// The label.
        label: String,
        /// The comparison.
        op: CmpOp,
        /// The right-hand side in nanoseconds.
        nanos: i64,
    },
    /// `size > 20MB`: the value parsed as a byte size.
    Bytes {
        /// The label.
        label: String,
        /// The comparison.
        op: CmpOp,
        /// The right-hand side in bytes.
        bytes: u64,
    },
    /// `a and b`, `a, b`, `a b`.
    And(Box<LabelFilter>, Box<LabelFilter>),
    /// `a or b`.
    Or(Box<LabelFilter>, Box<LabelFilter>),
}

impl Expr {
    /// Every stream selector of the query (one for a log query, one per range
    /// aggregation for a metric query).
    pub fn selectors(&self) -> Vec<&LogSelector> {
        match self {
            Expr::Log(s) => vec![s],
            Expr::Sample(s) => s
                .range_aggregations()
                .into_iter()
                .map(|r| &r.range.selector)
                .collect(),
        }
    }
}

impl LogSelector {
    /// Whether the pipeline can drop lines (Loki's `HasFilter`): a label filter
    /// or a line filter other than `|= ""` / `|~ ""`.
    pub fn has_filter(&self) -> bool {
        self.stages.iter().any(|s| match s {
            Stage::LabelFilter(_) => true,
            Stage::LineFilter(f) => {
                !(matches!(f.op, LineFilterOp::Contains | LineFilterOp::Match)
                    && f.values == [LineFilterValue::Literal(String::new())])
            }
            _ => false,
        })
    }

    /// Substrings every selected raw line must contain, for a full-text index:
    /// a conjunction of alternatives (`|= "a" |= "b" or "c"` gives
    /// `[["a"], ["b", "c"]]`). Only positive literal filters (and `|~` with a
    /// regex free of meta-characters) before the first stage that rewrites the
    /// line (`line_format`, `decolorize`, `unpack`) count; matching is
    /// case-sensitive.
    pub fn required_substrings(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for stage in &self.stages {
            match stage {
                Stage::LineFilter(f) if !f.op.is_negative() => {
                    let alts: Option<Vec<String>> = f
                        .values
                        .iter()
                        .map(|v| match (f.op, v) {
                            (_, LineFilterValue::Ip(_)) => None,
                            (LineFilterOp::Contains, LineFilterValue::Literal(s)) => {
                                Some(s.clone())
                            }
                            (_, LineFilterValue::Literal(s)) => {
                                (regex::escape(s) == *s).then(|| s.clone())
                            }
                        })
                        .collect();
                    if let Some(alts) = alts
                        && !alts.iter().any(String::is_empty)
                    {
                        out.push(alts);
                    }
                }
                Stage::LineFormat(_) | Stage::Decolorize | Stage::Unpack => break,
                _ => {}
            }
        }
        out
    }
}
