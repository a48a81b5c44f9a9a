//! Compiled line filters and label filters with Loki's semantics: a numeric,
//! duration or byte filter on a missing label drops the line, on a value that
//! does not convert keeps it and sets `__error__="LabelFilterErr"`; string
//! filters compare a missing label as `""` and read `__error__` from the
//! error state; `and` always evaluates both sides.

use regex::Regex;

use super::builder::{Builder, ERR_LABEL_FILTER};
use super::ip::IpPattern;
use crate::ast::{CmpOp, LabelFilter, LineFilter, LineFilterOp, LineFilterValue};
use crate::labels::ERROR_LABEL;
use crate::matcher::CompiledMatcher;
use crate::units::{parse_bytes, parse_go_duration, parse_go_float};

/// One alternative of a line filter.
#[derive(Clone, Debug)]
enum LineMatch {
    Contains(String),
    Regex(Regex),
    Ip(IpPattern),
}

/// A compiled line filter stage.
#[derive(Clone, Debug)]
pub(crate) struct LineFilterStep {
    negate: bool,
    alternatives: Vec<LineMatch>,
}

impl LineFilterStep {
    pub(crate) fn new(f: &LineFilter) -> Result<Self, String> {
        let regex = matches!(f.op, LineFilterOp::Match | LineFilterOp::NotMatch);
        let alternatives = f
            .values
            .iter()
            .map(|v| match v {
                LineFilterValue::Literal(s) if regex => {
                    watchpost_goregex::compile(s).map(LineMatch::Regex)
                }
                LineFilterValue::Literal(s) => Ok(LineMatch::Contains(s.clone())),
                LineFilterValue::Ip(_) if regex => Err("ip: invalid operation".to_string()),
                LineFilterValue::Ip(p) => IpPattern::new(p).map(LineMatch::Ip),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            negate: f.op.is_negative(),
            alternatives,
        })
    }

    /// `|= ""` and `|~ ""` keep every line.
    pub(crate) fn is_noop(&self) -> bool {
        !self.negate
            && self.alternatives.iter().any(|a| match a {
                LineMatch::Contains(s) => s.is_empty(),
                LineMatch::Regex(r) => r.as_str().is_empty(),
                LineMatch::Ip(_) => false,
            })
    }

    pub(crate) fn keep(&self, line: &str) -> bool {
        let any = self.alternatives.iter().any(|a| match a {
            LineMatch::Contains(s) => line.contains(s.as_str()),
            LineMatch::Regex(r) => r.is_match(line),
            LineMatch::Ip(p) => p.matches_in(line),
        });
        any != self.negate
    }
}

/// A compiled label filter.
#[derive(Clone, Debug)]
pub(crate) enum LabelFilterStep {
    String(CompiledMatcher),
    Ip {
        label: String,
        negate: bool,
        pattern: IpPattern,
    },
    Number {
        label: String,
        op: CmpOp,
        value: f64,
    },
    Duration {
        label: String,
        op: CmpOp,
        nanos: i64,
    },
    Bytes {
        label: String,
        op: CmpOp,
        bytes: u64,
    },
    And(Box<LabelFilterStep>, Box<LabelFilterStep>),
    Or(Box<LabelFilterStep>, Box<LabelFilterStep>),
}

impl LabelFilterStep {
    pub(crate) fn new(f: &LabelFilter) -> Result<Self, String> {
        Ok(match f {
            LabelFilter::Matcher(m) => LabelFilterStep::String(CompiledMatcher::new(m)?),
            LabelFilter::Ip {
                label,
                negate,
                pattern,
            } => LabelFilterStep::Ip {
                label: label.clone(),
                negate: *negate,
                pattern: IpPattern::new(pattern)?,
            },
            LabelFilter::Number { label, op, value } => LabelFilterStep::Number {
                label: label.clone(),
                op: *op,
                value: *value,
            },
            LabelFilter::Duration { label, op, nanos } => LabelFilterStep::Duration {
                label: label.clone(),
                op: *op,
                nanos: *nanos,
            },
            LabelFilter::Bytes { label, op, bytes } => LabelFilterStep::Bytes {
                label: label.clone(),
                op: *op,
                bytes: *bytes,
            },
            LabelFilter::And(a, b) => {
                LabelFilterStep::And(Box::new(Self::new(a)?), Box::new(Self::new(b)?))
            }
            LabelFilter::Or(a, b) => {
                LabelFilterStep::Or(Box::new(Self::new(a)?), Box::new(Self::new(b)?))
            }
        })
    }

    /// Whether the filter keeps every line (`x=~".*"`), so Loki drops the stage.
    pub(crate) fn is_noop(&self) -> bool {
        matches!(self, LabelFilterStep::String(m) if m.matches_everything())
    }

    /// Whether the entry passes; may set `__error__`.
    pub(crate) fn keep(&self, b: &mut Builder<'_>) -> bool {
        match self {
            LabelFilterStep::String(m) => {
                let value = if m.name == ERROR_LABEL {
                    b.err()
                } else {
                    b.get(&m.name).unwrap_or("")
                };
                m.matches(value)
            }
            LabelFilterStep::Ip {
                label,
                negate,
                pattern,
            } => {
                if b.has_err() {
                    // Only string matchers filter errored lines.
                    return true;
                }
                match b.get(label) {
                    Some(v) => pattern.matches_value(v) != *negate,
                    None => false,
                }
            }
            LabelFilterStep::Number { label, op, value } => {
                convert_and_compare(b, label, parse_go_float, |v| op.test(v, *value))
            }
            LabelFilterStep::Duration { label, op, nanos } => {
                convert_and_compare(b, label, parse_go_duration, |v| op.test(v, *nanos))
            }
            LabelFilterStep::Bytes { label, op, bytes } => {
                convert_and_compare(b, label, parse_bytes, |v| op.test(v, *bytes))
            }
            LabelFilterStep::And(l, r) => {
                let left = l.keep(b);
                let right = r.keep(b);
                left && right
            }
            LabelFilterStep::Or(l, r) => l.keep(b) || r.keep(b),
        }
    }
}

fn convert_and_compare<T>(
    b: &mut Builder<'_>,
    label: &str,
    convert: fn(&str) -> Result<T, String>,
    test: impl Fn(T) -> bool,
) -> bool {
    let Some(raw) = b.get(label) else {
        return false;
    };
    match convert(raw) {
        Ok(v) => test(v),
        Err(e) => {
            // Keep a more useful earlier error.
            if !b.has_err() {
                b.fail(ERR_LABEL_FILTER, Some(e));
            }
            true
        }
    }
}
