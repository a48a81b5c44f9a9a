//! Unit tests: realistic lines from Python's JSON loggers, flattening and
//! typing, config, hostile input, and a batch through the SDK's encoder.

use super::*;
use std::borrow::Cow;
use watchpost_sdk::Value;
use watchpost_sdk::parser::{line_batch, parse_batch, record_fields, resolve};
use watchpost_sdk::testing::{TestHost, parser_from_json, source_meta};

fn meta() -> SourceMeta {
    source_meta("app", "/var/log/app.json")
}

fn parser(config: serde_json::Value) -> JsonParser {
    TestHost::new().install();
    parser_from_json(config).unwrap()
}

fn text(s: &str) -> Value<'_> {
    Value::Text(s.into())
}

/// 2026-11-25T10:00:01Z in nanoseconds.
const T: i64 = 1_795_600_801_000_000_000;

#[test]
fn python_json_logger() {
    let line = r#"{"asctime": "2026-11-25 10:00:01,123", "levelname": "ERROR", "name": "app.api", "message": "send failed", "request_id": "4bf92f35", "duration_ms": 12.5, "status": 500, "retry": false, "exc_info": null}"#;
    let r = parser(serde_json::json!({})).parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(T + 123_000_000));
    assert_eq!(r.severity, Severity::Error);
    assert_eq!(r.message, "send failed");
    assert_eq!(r.labels, [("name".into(), "app.api".into())]);
    assert_eq!(
        r.fields,
        [
            ("request_id".into(), text("4bf92f35")),
            ("duration_ms".into(), Value::Float(12.5)),
            ("status".into(), Value::Integer(500)),
            ("retry".into(), Value::Boolean(false)),
        ]
    );
    // Everything but nothing was copied.
    assert!(matches!(r.message, Cow::Borrowed(_)));
    assert!(r.fields.iter().all(|(k, v)| matches!(k, Cow::Borrowed(_))
        && !matches!(v, Value::Text(Cow::Owned(_)))));
}

#[test]
fn structlog() {
    let line = r#"{"event": "user created", "level": "info", "timestamp": "2026-11-25T10:00:01.123456Z", "logger": "app.users", "user_id": 42, "tags": ["a", "b"]}"#;
    let r = parser(serde_json::json!({})).parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(T + 123_456_000));
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(r.message, "user created");
    assert_eq!(r.labels, [("logger".into(), "app.users".into())]);
    assert_eq!(
        r.fields,
        [
            ("user_id".into(), Value::Integer(42)),
            ("tags".into(), text(r#"["a", "b"]"#)),
        ]
    );
}

#[test]
fn nested_objects_flatten_like_loki() {
    let line = r#"{"msg":"ok","http":{"method":"GET","status":200,"headers":{"x-id":"7"}},"a.b":1,"9lives":true,"big":18446744073709551615,"esc":"say \"hi\"\n","@timestamp":1795600801123}"#;
    let r = parser(serde_json::json!({})).parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(T + 123_000_000));
    assert_eq!(
        r.fields,
        [
            ("http_method".into(), text("GET")),
            ("http_status".into(), Value::Integer(200)),
            ("http_headers_x_id".into(), text("7")),
            ("a_b".into(), Value::Integer(1)),
            ("_9lives".into(), Value::Boolean(true)),
            ("big".into(), text("18446744073709551615")),
            ("esc".into(), text("say \"hi\"\n")),
        ]
    );
}

#[test]
fn config_overrides() {
    let mut p = parser(serde_json::json!({
        "timestamp_field": "when",
        "timestamp_format": "%d/%m/%Y %H:%M:%S",
        "timezone": "+01:00",
        "level_field": "sev",
        "message_field": "text",
        "labels": ["service"],
        "flatten_separator": ".",
        "max_depth": 2,
    }));
    let line = r#"{"when":"25/11/2026 11:00:01","sev":"warn","text":"slow","service":"api","name":"x","a":{"b":{"c":1}}}"#;
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(T));
    assert_eq!(r.severity, Severity::Warning);
    assert_eq!(r.message, "slow");
    assert_eq!(r.labels, [("service".into(), "api".into())]);
    assert_eq!(
        r.fields,
        [
            ("name".into(), text("x")),
            ("a.b".into(), text(r#"{"c":1}"#)),
        ]
    );
}

#[test]
fn what_cannot_be_read_stays_a_field() {
    let mut p = parser(serde_json::json!({}));
    let line = r#"{"level":"chatty","time":"yesterday","message":42,"logger":{"x":1}}"#;
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!((r.severity, r.timestamp_ns), (Severity::Unknown, None));
    assert_eq!(r.message, line, "a non-string message keeps the line");
    assert!(r.labels.is_empty(), "only strings become labels");
    assert_eq!(
        r.fields,
        [
            ("level".into(), text("chatty")),
            ("time".into(), text("yesterday")),
            ("message".into(), Value::Integer(42)),
            ("logger_x".into(), Value::Integer(1)),
        ]
    );
}

#[test]
fn junk_is_an_error_never_a_panic() {
    let mut p = parser(serde_json::json!({}));
    assert_eq!(p.parse("", &meta()).unwrap_err(), "empty line");
    assert_eq!(p.parse("  \t", &meta()).unwrap_err(), "empty line");
    assert_eq!(p.parse("[1,2]", &meta()).unwrap_err(), "not a JSON object");
    assert_eq!(
        p.parse("plain text", &meta()).unwrap_err(),
        "not a JSON object"
    );
    for bad in [
        "{",
        r#"{"a": "trunc"#,
        r#"{"a": 1} trailing"#,
        r#"{"a": tru}"#,
        r#"{"a": "\x"}"#,
        "{\"a\":\"\u{1}\"}",
    ] {
        let e = p.parse(bad, &meta()).unwrap_err();
        assert!(e.starts_with("invalid JSON: "), "{bad}: {e}");
    }
    // Replacement characters (invalid UTF-8 upstream) are ordinary text.
    let r = p.parse("{\"\u{FFFD}k\": \"v\u{FFFD}\"}", &meta()).unwrap();
    assert_eq!(r.fields, [("_k".into(), text("v\u{FFFD}"))]);
    // A byte-order mark (first line of a file) is skipped.
    let r = p.parse("\u{feff}{\"msg\": \"hi\"}", &meta()).unwrap();
    assert_eq!(r.message, "hi");
    // A 10k-character value.
    let long = format!(r#"{{"msg": "{}", "n": 1}}"#, "x".repeat(10_000));
    let r = p.parse(&long, &meta()).unwrap();
    assert_eq!((r.message.len(), r.fields.len()), (10_000, 1));
}

#[test]
fn deep_nesting_is_bounded() {
    let mut p = parser(serde_json::json!({}));
    // Within serde_json's recursion limit: flattened to max_depth, the rest
    // kept as text.
    let depth = 100;
    let line = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    let r = p.parse(&line, &meta()).unwrap();
    let (name, value) = &r.fields[0];
    assert_eq!(name, "a_a_a_a_a_a_a_a");
    assert!(matches!(value, Value::Text(t) if t.starts_with(r#"{"a":{"a":"#)));
    // Far past serde_json's recursion limit (objects and arrays): skipping a
    // raw value does not recurse, and flattening stops at max_depth.
    for (open, close, name) in [(r#"{"a":"#, "}", "x_a_a_a_a_a_a_a"), ("[", "]", "x")] {
        let line = format!(
            "{{\"x\":{}1{}}}",
            open.repeat(100_000),
            close.repeat(100_000)
        );
        let r = p.parse(&line, &meta()).unwrap();
        assert_eq!(r.fields.len(), 1);
        assert_eq!(r.fields[0].0, name);
    }
}

#[test]
fn bad_config_is_refused() {
    let bad = |v: serde_json::Value| parser_from_json::<JsonParser>(v).err();
    assert!(
        bad(serde_json::json!({"lables": []}))
            .unwrap()
            .contains("unknown field")
    );
    assert!(
        bad(serde_json::json!({"timestamp_format": "yyyy"}))
            .unwrap()
            .contains("yyyy")
    );
    assert!(
        bad(serde_json::json!({"timezone": "Europe/Paris"}))
            .unwrap()
            .contains("Europe/Paris")
    );
    assert!(
        bad(serde_json::json!({"max_depth": 0}))
            .unwrap()
            .contains("max_depth")
    );
    assert!(bad(serde_json::json!({})).is_none());
}

#[test]
fn a_batch_through_the_encoder() {
    let mut p = parser(serde_json::json!({}));
    let lines = [r#"{"level":"info","msg":"hi","user":{"id":7}}"#, "not json"];
    let batch = line_batch(meta(), &lines);
    let out = parse_batch(&mut p, &batch);
    assert_eq!(out.records.len(), 2);
    assert_eq!(resolve(&batch.text, &out, out.records[0].message), "hi");
    let fields = record_fields(&out, &out.records[0]);
    assert_eq!(resolve(&batch.text, &out, fields[0].name), "user_id");
    // Only the flattened name and the error message are copied.
    assert_eq!(out.arena, "user_idnot a JSON object");
    assert_eq!(
        resolve(&batch.text, &out, out.records[1].parse_error.unwrap()),
        "not a JSON object"
    );
}

#[test]
fn never_panics_on_random_input() {
    let mut p = parser(serde_json::json!({}));
    let lines = watchpost_sdk::testing::random_lines(
        &[
            "{",
            "}",
            "[",
            "]",
            "\"",
            ":",
            ",",
            " ",
            "\"a\"",
            "\"msg\"",
            "\"level\"",
            "\"info\"",
            "\"ts\"",
            "1795600801",
            "1",
            "-2.5e3",
            "true",
            "null",
            "\\",
            "\\u00e9",
            "\\ud800",
            "é",
            "\u{FFFD}",
            "{\"a\":",
            "\"x\"}",
            "{\"b\":{\"c\":[1,{}]}}",
        ],
        20_000,
    );
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let batch = line_batch(meta(), &lines);
    let out = parse_batch(&mut p, &batch);
    assert_eq!(out.records.len(), lines.len());
}
