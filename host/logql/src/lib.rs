//! LogQL for Watchpost, with Loki 2.9's semantics: parse and print queries,
//! run log pipelines on single entries, and the math of range aggregations,
//! vector aggregations and binary operators. The host owns storage and
//! steps metric queries over time; this crate owns the language.
//!
//! ```
//! use std::sync::Arc;
//! use watchpost_logql::{parse, Expr, Labels, NoTemplates, Pipeline};
//!
//! let Expr::Log(query) = parse(r#"{job="postfix"} |= "reject" | logfmt | status >= 500"#)? else {
//!     unreachable!()
//! };
//! // Loki's canonical form parses back to the same tree.
//! assert_eq!(query.to_string(), r#"{job="postfix"} |= "reject" | logfmt | status>=500"#);
//! // What a full-text index can require of every line.
//! assert_eq!(query.required_substrings(), vec![vec!["reject".to_string()]]);
//!
//! let pipeline = Pipeline::new(&query, Arc::new(NoTemplates))?;
//! let mut labels = Labels::from_pairs([("job", "postfix")]);
//! let line = pipeline.process(0, "msg=reject status=554 to=<a@b.c>", &mut labels);
//! assert_eq!(line.as_deref(), Some("msg=reject status=554 to=<a@b.c>"));
//! assert_eq!(labels.to_string(), r#"{job="postfix", msg="reject", status="554", to="<a@b.c>"}"#);
//!
//! let mut labels = Labels::from_pairs([("job", "postfix")]);
//! assert!(pipeline.process(0, "msg=reject status=450", &mut labels).is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What the host calls
//! - [`parse`] → [`Expr`]: a log query ([`LogSelector`]) or a metric query
//!   ([`SampleExpr`]); `Display` prints Loki's canonical form.
//! - [`StreamMatcher`] selects streams; [`LogSelector::required_substrings`]
//!   feeds the full-text index.
//! - [`Pipeline`] runs a log query's stages on one entry; [`SampleExtractor`]
//!   turns entries into samples for one [`RangeAggregation`].
//! - [`range`]: windows and range functions; [`aggregate`]: vector
//!   aggregations and `label_replace`; [`binary`]: binary operators;
//!   [`pipeline_error`]: Loki's failure for samples that kept an `__error__`.
//!
//! # Where this differs from Loki 2.9
//! - Regexes run on Rust's `regex` crate: RE2 syntax as in Go, but `\d`, `\w`,
//!   `\s` and `\b` are Unicode-aware, and compile errors are worded
//!   differently (`error parsing regexp: ...`).
//! - Stages run in the order written. Loki moves line filters ahead of other
//!   stages (not past `line_format`, label filters or `unpack`); the results
//!   only differ for a line filter written after `| decolorize`, which Loki
//!   applies to the coloured line.
//! - Printing: byte sizes print losslessly (`1KiB`, `1500B`) where Loki prints
//!   `humanize.Bytes` (`1.0kB`); `vector()` prints Loki's `%f` only when it
//!   loses no digits; binary modifiers print with single spaces, keep
//!   `group_left` after `ignoring ()`, and write `group_left ()` before a
//!   parenthesised right operand (Loki's text would read it as the label
//!   list). As in Loki, `| drop a` followed by `!= "x"` has no text of its
//!   own (it reads as the matcher `a!="x"`).
//! - Lexer errors inside `[...]` carry their real position (Loki reports
//!   line 0).
//! - Syntax errors list the expected tokens only where Loki's grammar makes
//!   them obvious; the unexpected token and its position are Loki's.
//! - `| json a="path"` unescapes string values (as Loki 3 does); `| unpack`
//!   sanitises label names. Loki's `|>` / `!>` pattern line filters came with
//!   Loki 3.0 and are not part of the language here.
//! - An unwrapped range aggregation with `without ()` keeps the series labels
//!   (minus the unwrapped one); Loki drops them all.
//! - `ip()` parses addresses with Rust's `std::net` (no IPv6 zones).
//!
//! Loki's arithmetic is kept where it is surprising: `x / 0` and `x % 0` are
//! NaN, and `rate_counter` keeps Loki's nanosecond/millisecond mix-up (see
//! [`range::rate_counter`]).

pub mod aggregate;
pub mod ast;
pub mod binary;
mod error;
mod labels;
mod lexer;
mod matcher;
mod parser;
pub mod pipeline;
mod print;
pub mod range;
mod units;
mod validate;

pub use aggregate::Sample;
pub use ast::*;
pub use error::{EvalError, ParseError, PipelineError};
pub use labels::{ERROR_DETAILS_LABEL, ERROR_LABEL, Labels};
pub use matcher::{CompiledMatcher, StreamMatcher};
pub use parser::{parse, parse_log_selector, parse_sample_expr};
pub use pipeline::{NoTemplates, Pipeline, SampleExtractor, TemplateEngine};
pub use validate::ERR_NO_SELECTIVE_MATCHER;

/// Loki's query failure for a series whose samples kept an `__error__`
/// label (no filter dropped them), or `None` when there is none.
pub fn pipeline_error(labels: &Labels) -> Option<String> {
    let err = labels.get(ERROR_LABEL)?;
    Some(format!(
        "pipeline error: '{err}' for series: '{labels}'.\nUse a label filter to intentionally skip this error. (e.g | __error__!=\"{err}\").\nTo skip all potential errors you can match empty errors.(e.g __error__=\"\")\nThe label filter can also be specified after unwrap. (e.g | unwrap latency | __error__=\"\" )\n"
    ))
}
