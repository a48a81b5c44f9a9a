//! Unit tests: realistic patterns (Python's logging, nginx), typing, config
//! errors, hostile input, and a batch through the SDK's encoder.

use super::*;
use watchpost_sdk::parser::{line_batch, parse_batch, resolve};
use watchpost_sdk::testing::{TestHost, parser_from_json, source_meta};

fn meta() -> SourceMeta {
    source_meta("app", "/var/log/app.log")
}

fn parser(config: serde_json::Value) -> RegexParser {
    TestHost::new().install();
    parser_from_json(config).unwrap()
}

fn config_error(config: serde_json::Value) -> String {
    parser_from_json::<RegexParser>(config)
        .err()
        .expect("config accepted")
}

/// 2026-11-25T10:00:01Z in nanoseconds.
const T: i64 = 1_795_600_801_000_000_000;

#[test]
fn python_logging_default_format() {
    let mut p = parser(serde_json::json!({
        "pattern": r"^(?P<ts>\S+ \S+) (?P<level>[A-Z]+) \[(?P<logger>[\w.]+)\] (?P<msg>.*)$",
        "timestamp": {"capture": "ts", "format": "%Y-%m-%d %H:%M:%S,%f"},
        "level": "level",
        "message": "msg",
        "labels": ["logger"],
    }));
    let r = p
        .parse(
            "2026-11-25 10:00:01,123 ERROR [app.api] send failed",
            &meta(),
        )
        .unwrap();
    assert_eq!(r.timestamp_ns, Some(T + 123_000_000));
    assert_eq!(r.severity, Severity::Error);
    assert_eq!(r.message, "send failed");
    assert_eq!(r.labels, [("logger".into(), "app.api".into())]);
    assert!(r.fields.is_empty());
    assert!(matches!(r.message, Cow::Borrowed(_)));
}

#[test]
fn nginx_access_with_types() {
    let mut p = parser(serde_json::json!({
        "pattern": r#"^(?P<client>\S+) - (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<method>\w+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) (?P<bytes>\d+) (?P<took>\S+)(?: (?P<upstream>\S+))?"#,
        "timestamp": {"capture": "time"},
        "types": {"status": "int", "bytes": "int", "took": "float"},
    }));
    let line =
        r#"10.0.0.1 - - [25/Nov/2026:11:00:01 +0100] "GET /api/v1/orders HTTP/1.1" 200 512 0.012"#;
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(T));
    assert_eq!((r.severity, r.message.as_ref()), (Severity::Unknown, line));
    assert_eq!(
        r.fields,
        [
            ("client".into(), Value::from("10.0.0.1")),
            ("user".into(), Value::from("-")),
            ("method".into(), Value::from("GET")),
            ("path".into(), Value::from("/api/v1/orders")),
            ("status".into(), Value::Integer(200)),
            ("bytes".into(), Value::Integer(512)),
            ("took".into(), Value::Float(0.012)),
        ]
    );
    // A value that is not of its type stays text.
    let dash = line.replace("0.012", "-");
    let r = p.parse(&dash, &meta()).unwrap();
    assert_eq!(r.fields[6], ("took".into(), Value::from("-")));
}

#[test]
fn go_and_rust_group_syntax_and_auto_types() {
    let mut p = parser(serde_json::json!({
        "pattern": r"(?P<a>\w+)=(?<b>\S*)(?: (?P<c.d>\S+))?",
        "types": {"b": "auto", "c.d": "auto"},
    }));
    let r = p.parse("x=12 true", &meta()).unwrap();
    assert_eq!(
        r.fields,
        [
            ("a".into(), Value::from("x")),
            ("b".into(), Value::Integer(12)),
            ("c_d".into(), Value::Boolean(true)),
        ]
    );
    // An empty typed capture is dropped; an unmatched optional group too.
    let r = p.parse("x=", &meta()).unwrap();
    assert_eq!(r.fields, [("a".into(), Value::from("x"))]);
    let r = p.parse("x=1.5 NaN", &meta()).unwrap();
    assert_eq!(
        r.fields[1..],
        [
            ("b".into(), Value::Float(1.5)),
            ("c_d".into(), Value::from("NaN"))
        ]
    );
}

#[test]
fn unknown_level_and_bad_time_stay_fields() {
    let mut p = parser(serde_json::json!({
        "pattern": r"(?P<lvl>\w+) (?P<at>\S+)",
        "level": "lvl",
        "timestamp": {"capture": "at", "format": "rfc3339"},
    }));
    let r = p.parse("chatty soon", &meta()).unwrap();
    assert_eq!((r.severity, r.timestamp_ns), (Severity::Unknown, None));
    assert_eq!(
        r.fields,
        [
            ("lvl".into(), Value::from("chatty")),
            ("at".into(), Value::from("soon"))
        ]
    );
}

#[test]
fn config_errors_name_the_problem() {
    let cases = [
        (serde_json::json!({}), "pattern is required"),
        (
            serde_json::json!({"pattern": "(?P<a>x"}),
            "invalid pattern: regex parse error",
        ),
        (
            serde_json::json!({"pattern": "(?<=a)b"}),
            "invalid pattern: regex parse error",
        ),
        (
            serde_json::json!({"pattern": "(a)b"}),
            "pattern has no named captures",
        ),
        (
            serde_json::json!({"pattern": "(?P<a>x)(?P<b>y)", "level": "lvl"}),
            "capture \"lvl\" named in `level` is not in the pattern (its named captures: a, b)",
        ),
        (
            serde_json::json!({"pattern": "(?P<a>x)", "types": {"a": "number"}}),
            "types.a: unknown type \"number\" (use int, float, bool, string or auto)",
        ),
        (
            serde_json::json!({"pattern": "(?P<a>x)", "level": "a", "labels": ["a"]}),
            "capture \"a\" is given two roles (`level` and `labels`)",
        ),
        (
            serde_json::json!({"pattern": "(?P<a>x)", "timestamp": {"capture": "a", "format": "%Q"}}),
            "%Q is not supported",
        ),
        (
            serde_json::json!({"pattern": "(?P<a>x)", "timestamp": "a"}),
            "invalid type: string",
        ),
        (
            serde_json::json!({"pattern": "(?P<a>x)", "regex": "x"}),
            "unknown field `regex`",
        ),
    ];
    for (config, expected) in cases {
        let error = config_error(config.clone());
        assert!(error.contains(expected), "{config}: {error}");
    }
}

#[test]
fn junk_is_an_error_never_a_panic() {
    let mut p =
        parser(serde_json::json!({"pattern": r"^(?P<level>\w+): (?P<msg>.*)$", "level": "level"}));
    for line in ["", "no colon here", "\u{FFFD}\u{FFFD}: x"] {
        assert_eq!(
            p.parse(line, &meta()).unwrap_err(),
            "line does not match the pattern",
            "{line:?}"
        );
    }
    let long = format!("info: {}\u{FFFD}", "x".repeat(10_000));
    let r = p.parse(&long, &meta()).unwrap();
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(r.fields, [("msg".into(), Value::from(&long[6..]))]);
}

#[test]
fn a_batch_through_the_encoder() {
    let mut p = parser(
        serde_json::json!({"pattern": r"(?P<level>\w+): (?P<msg>.*)", "message": "msg", "labels": ["level"]}),
    );
    let batch = line_batch(meta(), &["info: one", "warn: two", "nope"]);
    let out = parse_batch(&mut p, &batch);
    assert_eq!(resolve(&batch.text, &out, out.records[1].message), "two");
    // Label names are stored once per batch; values are offsets.
    assert_eq!(out.arena, "levelline does not match the pattern");
}

#[test]
fn never_panics_on_random_input() {
    let mut p = parser(
        serde_json::json!({"pattern": r"(?P<level>\w+): (?P<n>\d*)(?P<msg>.*)", "level": "level", "types": {"n": "int"}}),
    );
    let lines = watchpost_sdk::testing::random_lines(
        &[
            "info",
            ":",
            " ",
            "é",
            "\u{FFFD}",
            "x",
            "1",
            "99999999999999999999",
            "ERROR",
        ],
        20_000,
    );
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let batch = line_batch(meta(), &lines);
    let out = parse_batch(&mut p, &batch);
    assert_eq!(out.records.len(), lines.len());
}
