//! Prometheus 2.42's verdict on a PromQL expression: `None` when it parses
//! and type-checks, else the message Prometheus reports, `L:C: parse
//! error: ...` (line and byte column of the position, both 1-based, as
//! Go's `ParseErr.Error()` counts them). Inputs nested too deeply to judge
//! safely get `None` too, leaving the verdict to `promql-parser`.

use super::{check, lex, syntax};

/// The error Prometheus 2.42 reports for `input`, if any.
pub fn diagnose(input: &str) -> Option<String> {
    let mut parser = syntax::Parser::new(lex::tokens(input));
    let (pos, message) = match parser.start() {
        Ok(node) => check::check(input, &node).err()?,
        Err(syntax::Stop) if parser.undecided => return None,
        Err(syntax::Stop) => parser.error.take()?,
    };
    Some(format!("{}: parse error: {message}", position(input, pos)))
}

/// `line:column` of byte `pos`: lines counted by `\n`, the column in bytes
/// from the line's start.
fn position(input: &str, pos: usize) -> String {
    let before = input.get(..pos).unwrap_or(input);
    let line = 1 + before.matches('\n').count();
    let column = match before.rfind('\n') {
        Some(newline) => pos - newline,
        None => pos + 1,
    };
    format!("{line}:{column}")
}

#[cfg(test)]
mod tests {
    use super::diagnose;

    #[test]
    fn valid_expressions_pass() {
        for expr in [
            "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) > bool 0.5",
            "x @ start() offset -5m",
            "histogram_quantile(0.9, sum without (le) (rate(x_bucket[1m:30s])))",
            "label_join(up, \"a\", \",\", \"b\", \"c\")",
            "-1 ^ 2 + time() == bool 3",
            "sum",
        ] {
            assert_eq!(diagnose(expr), None, "{expr}");
        }
    }

    #[test]
    fn errors_carry_line_and_column() {
        assert_eq!(
            diagnose("sum(\n  rate(x[5m]\n)").as_deref(),
            Some("3:2: parse error: unclosed left parenthesis")
        );
        assert_eq!(
            diagnose("\"ä\" bar").as_deref(),
            Some("1:6: parse error: unexpected identifier \"bar\"")
        );
    }
}
