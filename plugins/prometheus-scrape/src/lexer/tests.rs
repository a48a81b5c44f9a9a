//! Tokenizer tests: every line kind, escapes, special values and malformed
//! input.

use super::*;
use Format::{OpenMetrics, Text};

fn sample(line: &str) -> Sample<'_> {
    match lex_line(line, Text).unwrap() {
        Line::Sample(s) => s,
        other => panic!("not a sample: {other:?}"),
    }
}

fn err(line: &str) -> String {
    lex_line(line, Text).unwrap_err()
}

#[test]
fn blank_and_comments() {
    assert_eq!(lex_line("", Text).unwrap(), Line::Blank);
    assert_eq!(lex_line("   \t", Text).unwrap(), Line::Blank);
    assert_eq!(lex_line("# just a comment", Text).unwrap(), Line::Comment);
    assert_eq!(lex_line("#HELP x y", Text).unwrap(), Line::Comment);
    assert_eq!(lex_line("# HELPER x y", Text).unwrap(), Line::Comment);
    assert_eq!(lex_line("#", Text).unwrap(), Line::Comment);
}

#[test]
fn metadata_lines() {
    assert_eq!(
        lex_line(
            "# HELP http_requests_total The total number of requests.",
            Text
        )
        .unwrap(),
        Line::Help {
            name: "http_requests_total",
            text: "The total number of requests.".into()
        }
    );
    assert_eq!(
        lex_line("# HELP x", Text).unwrap(),
        Line::Help {
            name: "x",
            text: "".into()
        }
    );
    assert_eq!(
        lex_line("# TYPE rpc_duration_seconds summary", Text).unwrap(),
        Line::Type {
            name: "rpc_duration_seconds",
            kind: "summary"
        }
    );
    assert_eq!(
        lex_line("# UNIT latency seconds", OpenMetrics).unwrap(),
        Line::Unit {
            name: "latency",
            unit: "seconds"
        }
    );
    assert_eq!(lex_line("# EOF", OpenMetrics).unwrap(), Line::Eof);
    assert!(lex_line("# EOF trailing", OpenMetrics).is_err());
    assert!(
        lex_line("# TYPE x", Text)
            .unwrap_err()
            .contains("missing type")
    );
    assert!(
        lex_line("# TYPE 1x counter", Text)
            .unwrap_err()
            .contains("metric name")
    );
}

#[test]
fn help_escapes() {
    let Line::Help { text, .. } = lex_line(r#"# HELP m a\\b\nc \"q\" \t"#, Text).unwrap() else {
        panic!()
    };
    assert_eq!(text, "a\\b\nc \"q\" \\t");
}

#[test]
fn plain_sample() {
    let s = sample("up 1");
    assert_eq!(s.name, "up");
    assert!(s.labels.is_empty());
    assert_eq!(s.value, 1.0);
    assert_eq!(s.timestamp_ms, None);
    assert_eq!(sample("ns:rule:rate5m 2.5e-3").value, 0.0025);
}

#[test]
fn labels_and_timestamp() {
    let s = sample(r#"http_requests_total{method="post",code="200"} 1027 1395066363000"#);
    assert_eq!(
        s.labels,
        [("method", "post".into()), ("code", "200".into())]
    );
    assert_eq!(s.value, 1027.0);
    assert_eq!(s.timestamp_ms, Some(1395066363000));
    let s = sample(r#"x { a = "1" , b="2", } 3"#);
    assert_eq!(s.labels, [("a", "1".into()), ("b", "2".into())]);
    assert_eq!(sample("x{} 3").labels, []);
    assert_eq!(sample("x\t\t3\t-5").timestamp_ms, Some(-5));
}

#[test]
fn label_escapes_borrow_when_they_can() {
    let s = sample(
        r#"msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9"#,
    );
    assert_eq!(s.labels[0].1, "C:\\DIR\\FILE.TXT");
    assert_eq!(s.labels[1].1, "Cannot find file:\n\"FILE.TXT\"");
    assert!(matches!(
        sample(r#"x{a="plain"} 1"#).labels[0].1,
        Cow::Borrowed(_)
    ));
    assert_eq!(
        sample(r#"x{a="ünï{code}, \"ok\""} 1"#).labels[0].1,
        "ünï{code}, \"ok\""
    );
}

#[test]
fn special_values() {
    assert!(sample("x NaN").value.is_nan());
    assert_eq!(sample("x +Inf").value, f64::INFINITY);
    assert_eq!(sample("x -Inf").value, f64::NEG_INFINITY);
    assert_eq!(sample("x -0.5").value, -0.5);
    assert_eq!(sample(r#"x{le="+Inf"} 7"#).labels[0].1, "+Inf");
}

#[test]
fn openmetrics_timestamps_and_exemplars() {
    let Line::Sample(s) = lex_line("x_total 5 1520879607.789", OpenMetrics).unwrap() else {
        panic!()
    };
    assert_eq!(s.timestamp_ms, Some(1520879607789));
    let line = r#"h_bucket{le="0.5"} 3 # {trace_id="KOO5S4vxi0o"} 0.67"#;
    let Line::Sample(s) = lex_line(line, OpenMetrics).unwrap() else {
        panic!()
    };
    assert_eq!((s.value, s.timestamp_ms), (3.0, None));
    assert!(lex_line("x 1 1.5", Text).unwrap_err().contains("timestamp"));
}

#[test]
fn malformed_samples() {
    assert!(err("x").contains("missing value"));
    assert!(err("x{a=\"1\"}").contains("missing value"));
    assert!(err("x abc").contains("invalid value \"abc\""));
    assert!(err("x 1 2 3").contains("unexpected text"));
    assert!(err("x{a=\"1\" 2").contains("expected ',' or '}'"));
    assert!(err("x{a=1} 2").contains("expected '\"'"));
    assert!(err("x{a} 2").contains("expected '='"));
    assert!(err("x{a=\"1\",a=\"2\"} 2").contains("duplicate label a"));
    assert!(err("x{a=\"1} 2").contains("unterminated"));
    assert!(err(r#"x{a="\q"} 2"#).contains("invalid escape \\q"));
    assert!(err("x{1a=\"1\"} 2").contains("label name"));
    assert!(err("x{a:b=\"1\"} 2").contains("expected '='"));
    assert!(err("0x 1").contains("metric name"));
    assert!(err("{a=\"1\"} 1").contains("metric name"));
    assert!(err("x 0x10").contains("invalid value"));
}
