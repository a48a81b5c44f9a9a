//! Unit tests: go-logfmt's own decoder cases (scan and errors), realistic
//! lines, typing, config, hostile input, and a batch through the encoder.

use super::scan::{Pair, pairs};
use super::*;
use watchpost_sdk::parser::{line_batch, parse_batch, resolve};
use watchpost_sdk::testing::{TestHost, parser_from_json, source_meta};

fn meta() -> SourceMeta {
    source_meta("app", "/var/log/app.log")
}

fn parser(config: serde_json::Value) -> LogfmtParser {
    TestHost::new().install();
    parser_from_json(config).unwrap()
}

/// `(key, value)` of each pair.
fn kv(line: &str) -> Vec<(&str, String)> {
    pairs(line)
        .unwrap()
        .into_iter()
        .map(|p| (p.key, p.value.into_owned()))
        .collect()
}

fn owned(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

/// 2026-11-25T10:00:01Z in nanoseconds.
const T: i64 = 1_795_600_801_000_000_000;

#[test]
fn go_logfmt_scan_cases() {
    assert_eq!(kv(""), owned(&[]));
    assert_eq!(kv("x= "), owned(&[("x", "")]));
    assert_eq!(kv("y="), owned(&[("y", "")]));
    assert_eq!(kv("y"), owned(&[("y", "")]));
    assert_eq!(kv("y=f"), owned(&[("y", "f")]));
    assert_eq!(kv("y=\"\\tf\""), owned(&[("y", "\tf")]));
    assert_eq!(
        kv(r#"a=1 b="bar" ƒ=2h3s r="esc\t" d x=sf   "#),
        owned(&[
            ("a", "1"),
            ("b", "bar"),
            ("ƒ", "2h3s"),
            ("r", "esc\t"),
            ("d", ""),
            ("x", "sf")
        ])
    );
    assert_eq!(kv("y=f  \u{1e} y=g"), owned(&[("y", "f"), ("y", "g")]));
    assert_eq!(kv("y= d y=g"), owned(&[("y", ""), ("d", ""), ("y", "g")]));
    assert_eq!(kv("y=\"f\\n\"y=g"), owned(&[("y", "f\n"), ("y", "g")]));
    // Single quotes are ordinary bytes.
    assert_eq!(kv("y='t\tf'"), owned(&[("y", "'t"), ("f'", "")]));
    // JSON escapes, surrogate pairs, and a lone surrogate.
    assert_eq!(
        kv(r#"a="\/\'\b\f\r\u00e9\ud83d\ude00\ud800x""#),
        owned(&[("a", "/'\u{8}\u{c}\ré😀\u{FFFD}x")])
    );
    // Without escapes a quoted value is taken verbatim, tabs and all.
    let p = &pairs("a=\"x\ty\"").unwrap()[0];
    assert_eq!((p.value.as_ref(), p.quoted), ("x\ty", true));
    assert!(matches!(p.value, Cow::Borrowed(_)));
}

#[test]
fn go_logfmt_error_cases() {
    let cases = [
        ("=bar", "logfmt syntax error at pos 1: unexpected '='"),
        ("\"k\"=bar", "logfmt syntax error at pos 1: unexpected '\"'"),
        ("k\"ey=bar", "logfmt syntax error at pos 2: unexpected '\"'"),
        ("k=b\"ar", "logfmt syntax error at pos 4: unexpected '\"'"),
        ("k=b =ar", "logfmt syntax error at pos 5: unexpected '='"),
        ("a==", "logfmt syntax error at pos 3: unexpected '='"),
        ("k=b=ar", "logfmt syntax error at pos 4: unexpected '='"),
        (
            "a=\"1",
            "logfmt syntax error at pos 5: unterminated quoted value",
        ),
        (
            "a=\"1\\",
            "logfmt syntax error at pos 6: unterminated quoted value",
        ),
        (
            "a=\"\\t1",
            "logfmt syntax error at pos 7: unterminated quoted value",
        ),
        (
            "a=\"\\u1\"",
            "logfmt syntax error at pos 8: invalid quoted value",
        ),
        (
            "a=\"\\q\"",
            "logfmt syntax error at pos 7: invalid quoted value",
        ),
        (
            "a=\"\\n\t\"",
            "logfmt syntax error at pos 8: invalid quoted value",
        ),
        ("a\u{fffd}=bar", "logfmt syntax error at pos 5: invalid key"),
        ("\u{fffd}", "logfmt syntax error at pos 4: invalid key"),
    ];
    for (line, error) in cases {
        assert_eq!(pairs(line).unwrap_err(), error, "{line:?}");
    }
}

#[test]
fn a_go_kit_line() {
    let line = r#"ts=2026-11-25T10:00:01.123Z level=info caller=server.go:42 component=http msg="request served" method=GET path=/api status=200 took=0.0125 size=-1 ok=true duration=1.5s cached"#;
    let r = parser(serde_json::json!({})).parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(T + 123_000_000));
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(r.message, "request served");
    assert_eq!(r.labels, [("component".into(), "http".into())]);
    assert_eq!(
        r.fields,
        [
            ("caller".into(), Value::from("server.go:42")),
            ("method".into(), Value::from("GET")),
            ("path".into(), Value::from("/api")),
            ("status".into(), Value::Integer(200)),
            ("took".into(), Value::Float(0.0125)),
            ("size".into(), Value::Integer(-1)),
            ("ok".into(), Value::Boolean(true)),
            ("duration".into(), Value::from("1.5s")),
            ("cached".into(), Value::from("")),
        ]
    );
    // Nothing was copied.
    assert!(r.fields.iter().all(|(k, v)| matches!(k, Cow::Borrowed(_))
        && !matches!(v, Value::Text(Cow::Owned(_)))));
}

#[test]
fn typing_and_durations() {
    for (text, value) in [
        ("-42", Value::Integer(-42)),
        ("1.5e3", Value::Float(1500.0)),
        ("FALSE", Value::Boolean(false)),
        ("inf", Value::from("inf")),
        ("0x1F", Value::from("0x1F")),
        ("v1.2.3", Value::from("v1.2.3")),
        ("1.5s", Value::from("1.5s")),
    ] {
        assert_eq!(typed(text.into(), false), value, "{text}");
    }
    for (text, seconds) in [
        ("1.5s", 1.5),
        ("250ms", 0.25),
        ("1h2m3s", 3723.0),
        ("-1.5h", -5400.0),
        ("3µs", 3e-6),
        ("10ns", 1e-8),
    ] {
        assert_eq!(typed(text.into(), true), Value::Float(seconds), "{text}");
    }
    for text in ["1.5", "s", "1x", "1..5s", ".s", "1s2", "", "-"] {
        assert_eq!(go_duration_seconds(text), None, "{text}");
    }
    let mut p = parser(serde_json::json!({"durations": true}));
    let r = p.parse("took=1.5s code=\"200\"", &meta()).unwrap();
    assert_eq!(
        r.fields,
        [
            ("took".into(), Value::Float(1.5)),
            ("code".into(), Value::from("200")),
        ]
    );
}

#[test]
fn config_keys_and_fallbacks() {
    let mut p = parser(serde_json::json!({
        "level_key": "sev", "message_key": "text", "time_key": "at",
        "time_format": "unix_ms", "labels": ["svc"], "timezone": "+01:00",
    }));
    let r = p
        .parse(
            "at=1795600801123 sev=WARN text=slow svc=api level=info",
            &meta(),
        )
        .unwrap();
    assert_eq!(r.timestamp_ns, Some(T + 123_000_000));
    assert_eq!(
        (r.severity, r.message.as_ref()),
        (Severity::Warning, "slow")
    );
    assert_eq!(r.labels, [("svc".into(), "api".into())]);
    assert_eq!(r.fields, [("level".into(), Value::from("info"))]);

    // Unknown level and unreadable time stay fields; no msg keeps the line.
    let mut p = parser(serde_json::json!({}));
    let line = "level=chatty time=yesterday http.status=500";
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!(
        (r.severity, r.timestamp_ns, r.message.as_ref()),
        (Severity::Unknown, None, line)
    );
    assert_eq!(
        r.fields,
        [
            ("level".into(), Value::from("chatty")),
            ("time".into(), Value::from("yesterday")),
            ("http_status".into(), Value::Integer(500)),
        ]
    );
    let bad = |v: serde_json::Value| parser_from_json::<LogfmtParser>(v).map(|_| ()).unwrap_err();
    assert!(bad(serde_json::json!({"msg_key": "m"})).contains("unknown field"));
    assert!(bad(serde_json::json!({"time_format": "%Q"})).contains("%Q"));
}

#[test]
fn junk_is_an_error_never_a_panic() {
    let mut p = parser(serde_json::json!({}));
    assert_eq!(
        p.parse("", &meta()).unwrap_err(),
        "no key=value pair in line"
    );
    assert_eq!(
        p.parse("just some words", &meta()).unwrap_err(),
        "no key=value pair in line"
    );
    assert!(
        p.parse("a=\"trunc", &meta())
            .unwrap_err()
            .contains("unterminated")
    );
    assert!(
        p.parse("\u{FFFD}\u{FFFD}=x", &meta())
            .unwrap_err()
            .contains("invalid key")
    );
    // Replacement characters in values are fine.
    let r = p.parse("msg=\u{FFFD}x\u{FFFD}", &meta()).unwrap();
    assert_eq!(r.message, "\u{FFFD}x\u{FFFD}");
    let long = format!("msg=\"{}\" n=1", "x ".repeat(5_000));
    let r = p.parse(&long, &meta()).unwrap();
    assert_eq!((r.message.len(), r.fields.len()), (10_000, 1));
    let many = "k=v ".repeat(2_500);
    assert_eq!(p.parse(&many, &meta()).unwrap().fields.len(), 2_500);
    let p = Pair {
        key: "k",
        value: Cow::Borrowed(""),
        quoted: false,
        has_equals: false,
    };
    assert_eq!(pairs("k").unwrap(), [p]);
}

#[test]
fn a_batch_through_the_encoder() {
    let mut p = parser(serde_json::json!({}));
    let lines = [r#"level=info msg="hi \"you\"" n=1"#, "not logfmt"];
    let batch = line_batch(meta(), &lines);
    let out = parse_batch(&mut p, &batch);
    assert_eq!(
        resolve(&batch.text, &out, out.records[0].message),
        "hi \"you\""
    );
    // Only the unescaped message and the error are copied.
    assert_eq!(out.arena, "hi \"you\"no key=value pair in line");
}

#[test]
fn never_panics_on_random_input() {
    let mut p = parser(serde_json::json!({"durations": true}));
    let lines = watchpost_sdk::testing::random_lines(
        &[
            "a",
            "=",
            "\"",
            "\\",
            "\\u",
            "d83d",
            "\\ude00",
            " ",
            "\t",
            "é",
            "\u{FFFD}",
            "level=info ",
            "msg=",
            "1.5s",
            "ts=",
            "2026-11-25T10:00:01Z",
            "\u{1}",
            "-",
            ".",
            "1e",
        ],
        20_000,
    );
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let batch = line_batch(meta(), &lines);
    let out = parse_batch(&mut p, &batch);
    assert_eq!(out.records.len(), lines.len());
}
