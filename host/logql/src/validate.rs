//! Loki's checks after parsing: every selector needs a matcher that does not
//! match the empty string, `sort`/`sort_desc` take no grouping, regexes of
//! matchers and the `regexp`/`pattern` parsers compile.

use crate::ast::{Expr, LogSelector, MatchOp, Matcher, SampleExpr, VectorOp};
use crate::error::ParseError;
use crate::matcher::CompiledMatcher;

/// Loki's message for a selector without a selective matcher.
pub const ERR_NO_SELECTIVE_MATCHER: &str = "queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will";

pub(crate) fn validate(expr: &Expr) -> Result<(), ParseError> {
    match expr {
        Expr::Log(l) => validate_selector(l),
        Expr::Sample(s) => validate_sample(s),
    }
}

fn validate_sample(expr: &SampleExpr) -> Result<(), ParseError> {
    match expr {
        SampleExpr::Binary(b) => {
            validate_sample(&b.lhs)?;
            validate_sample(&b.rhs)
        }
        SampleExpr::Literal(_) | SampleExpr::VectorLiteral(_) => Ok(()),
        SampleExpr::Vector(v) => {
            if matches!(v.op, VectorOp::Sort | VectorOp::SortDesc)
                && v.grouping.as_ref().is_some_and(|g| !g.labels.is_empty())
            {
                return Err(ParseError::semantic(
                    "sort and sort_desc doesn't allow grouping by ",
                ));
            }
            validate_sample(&v.expr)
        }
        SampleExpr::LabelReplace(l) => validate_sample(&l.expr),
        SampleExpr::Range(r) => validate_selector(&r.range.selector),
    }
}

/// At least one matcher must not match `""` (Loki's `validateMatchers`).
fn validate_selector(sel: &LogSelector) -> Result<(), ParseError> {
    let selective = sel.matchers.iter().any(|m| {
        CompiledMatcher::new(m)
            .map(|c| !c.matches(""))
            .unwrap_or(true)
    });
    if selective {
        Ok(())
    } else {
        Err(ParseError::semantic(ERR_NO_SELECTIVE_MATCHER))
    }
}

/// A regex matcher must compile (Loki fails the parse with Go's message).
pub(crate) fn check_matcher_regex(op: MatchOp, value: &str) -> Result<(), ParseError> {
    if matches!(op, MatchOp::Re | MatchOp::Nre) {
        CompiledMatcher::new(&Matcher::new("", op, value)).map_err(ParseError::semantic)?;
    }
    Ok(())
}

/// `| regexp` needs a valid regex with named captures; `| pattern` a valid pattern.
pub(crate) fn check_parser_param(kind: &str, param: &str) -> Result<(), ParseError> {
    let res = if kind == "regexp" {
        crate::pipeline::parsers::RegexpParser::new(param).map(|_| ())
    } else {
        crate::pipeline::pattern::Pattern::new(param).map(|_| ())
    };
    res.map_err(|e| ParseError::semantic(format!("invalid {kind} parser: {e}")))
}
