//! PromQL parsing with `promql-parser`, worded as Prometheus 2.42 words it.
//!
//! `promql-parser` builds the expression; [`diagnose`] decides, mirroring
//! Prometheus 2.42's lexer, grammar and type checks, whether Prometheus
//! would take it and, if not, what it says (`L:C: parse error: ...`). It
//! knows the functions Prometheus 2.42 knows: it still calls double
//! exponential smoothing `holt_winters` (registered once in
//! `promql-parser`; the host's query engine parses through here).

mod ast;
mod check;
mod diagnose;
mod functions;
mod goregex;
mod lex;
mod literal;
mod quote;
mod syntax;
mod token;

pub use diagnose::diagnose;

use promql_parser::parser::Function;
use promql_parser::parser::value::ValueType;
use std::sync::Once;

/// `Ok` when `expr` parses; else Prometheus' message on one line.
pub fn parse(expr: &str) -> Result<(), String> {
    parse_expr(expr)
        .map(|_| ())
        .map_err(|e| e.lines().map(str::trim).collect::<Vec<_>>().join(" "))
}

/// The parsed expression; else Prometheus 2.42's message for it,
/// `L:C: parse error: ...`. The host's query engine parses through this.
///
/// Where `promql-parser` and Prometheus disagree, Prometheus wins: what it
/// rejects is an error even if `promql-parser` takes it (`{a="b" or c="d"}`,
/// functions newer than 2.42); what only `promql-parser` rejects keeps its
/// message, at `1:1`.
pub fn parse_expr(expr: &str) -> Result<promql_parser::parser::Expr, String> {
    static EXTRA: Once = Once::new();
    EXTRA.call_once(|| {
        let _ = promql_parser::parser::register_extra_functions(vec![Function::new(
            "holt_winters",
            vec![ValueType::Matrix, ValueType::Scalar, ValueType::Scalar],
            0,
            ValueType::Vector,
            false,
        )]);
    });
    if let Some(message) = diagnose(expr) {
        return Err(message);
    }
    promql_parser::parser::parse(expr).map_err(|e| {
        let words = e.split_whitespace().collect::<Vec<_>>().join(" ");
        format!("1:1: parse error: {words}")
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn knows_prometheus_2_42_functions() {
        assert!(super::parse("holt_winters(up[5m], 0.5, 0.5)").is_ok());
        assert!(super::parse("sum by (job) (rate(http_requests_total[5m]))").is_ok());
        assert_eq!(
            super::parse("up +").unwrap_err(),
            "1:5: parse error: unexpected end of input"
        );
        assert_eq!(
            super::parse("sort_by_label(up, \"job\")").unwrap_err(),
            "1:1: parse error: unknown function with name \"sort_by_label\""
        );
    }
}
