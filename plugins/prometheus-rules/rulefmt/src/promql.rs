//! PromQL parsing with `promql-parser`, knowing the functions Prometheus
//! 2.42 knows: it still calls double exponential smoothing `holt_winters`
//! (registered once; the host's query engine parses through here).

use promql_parser::parser::Function;
use promql_parser::parser::value::ValueType;
use std::sync::Once;

/// `Ok` when `expr` parses; else the parser's message.
pub fn parse(expr: &str) -> Result<(), String> {
    parse_expr(expr)
        .map(|_| ())
        .map_err(|e| e.lines().map(str::trim).collect::<Vec<_>>().join(" "))
}

/// The parsed expression, with Prometheus 2.42's functions known; else the
/// parser's message. The host's query engine parses through this too.
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
    promql_parser::parser::parse(expr)
}

#[cfg(test)]
mod tests {
    #[test]
    fn knows_prometheus_2_42_functions() {
        assert!(super::parse("holt_winters(up[5m], 0.5, 0.5)").is_ok());
        assert!(super::parse("sum by (job) (rate(http_requests_total[5m]))").is_ok());
        assert!(super::parse("up +").is_err());
    }
}
