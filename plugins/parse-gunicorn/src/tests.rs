//! `testdata/` holds what a real gunicorn (27.0, same formats as Debian 12's
//! 20.1) wrote for curl requests: `access.log` in the default format,
//! `access-custom.log` with every atom, `error.log` with a request error, a
//! worker timeout and a shutdown.

use super::*;
use std::borrow::Cow;
use watchpost_sdk::Value;
use watchpost_sdk::parser::{line_batch, parse_batch};
use watchpost_sdk::testing::{TestHost, fields, labels, parser_from_json, source_meta};

/// `26/Nov/2026:01:06:03 +0000`.
const T_010603: i64 = 1_795_655_163_000_000_000;

const CUSTOM: &str = r#"%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s %(T)s %(L)s %(M)s <%(p)s> "%({x-request-id}i)s" %(m)s %(U)s ?%(q)s %(H)s %(B)s %({content-type}o)s %({wsgi.version}e)s"#;

fn meta() -> SourceMeta {
    source_meta("gunicorn", "/var/log/gunicorn/access.log")
}

fn parser(config: serde_json::Value) -> GunicornParser {
    TestHost::new().install();
    parser_from_json(config).unwrap()
}

fn parse(line: &str) -> Record<'_> {
    parser(serde_json::json!({})).parse(line, &meta()).unwrap()
}

fn v<'a>(value: impl Into<Value<'a>>) -> Value<'a> {
    value.into()
}

#[test]
fn default_access_format() {
    let line =
        r#"127.0.0.1 - - [26/Nov/2026:01:06:03 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/7.88.1""#;
    let r = parse(line);
    assert_eq!(r.timestamp_ns, Some(T_010603));
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(r.message, line);
    assert_eq!(labels(&r), [("method", "GET"), ("status", "200")]);
    assert_eq!(
        fields(&r),
        [
            ("client", v("127.0.0.1")),
            ("method", v("GET")),
            ("path", v("/")),
            ("protocol", v("HTTP/1.1")),
            ("status", v(200)),
            ("bytes", v(12)),
            ("user_agent", v("curl/7.88.1")),
        ]
    );
    // A query, a referer, and a user agent with gunicorn's escaped quotes.
    let r = parse(
        r#"127.0.0.1 - - [26/Nov/2026:01:06:03 +0000] "GET /search?q=a%20b&x=1 HTTP/1.1" 200 12 "http://ref.example/a?b=c" "Mozilla/5.0 (X11; Linux x86_64) \"quoted\"""#,
    );
    assert_eq!(
        fields(&r),
        [
            ("client", v("127.0.0.1")),
            ("method", v("GET")),
            ("path", v("/search")),
            ("query", v("q=a%20b&x=1")),
            ("protocol", v("HTTP/1.1")),
            ("status", v(200)),
            ("bytes", v(12)),
            ("referer", v("http://ref.example/a?b=c")),
            (
                "user_agent",
                v("Mozilla/5.0 (X11; Linux x86_64) \"quoted\"")
            ),
        ]
    );
    let r = parse(
        r#"127.0.0.1 - bob [26/Nov/2026:01:06:03 +0000] "POST /missing HTTP/1.1" 404 4 "-" "curl/7.88.1""#,
    );
    assert_eq!(labels(&r), [("method", "POST"), ("status", "404")]);
    assert_eq!(fields(&r)[1], ("user", v("bob")));
    // An application error: no user agent.
    let r =
        parse(r#"127.0.0.1 - - [26/Nov/2026:01:06:03 +0000] "GET /boom HTTP/1.1" 500 0 "-" "-""#);
    assert_eq!(fields(&r)[4..], [("status", v(500)), ("bytes", v(0))]);
    // A response that sent nothing: `-` bytes.
    let r = parse(
        r#"10.0.0.7 - - [25/Nov/2026:10:00:01 +0100] "HEAD /health HTTP/1.0" 304 - "-" "kube-probe/1.29""#,
    );
    assert_eq!(r.timestamp_ns, Some(1_795_597_201_000_000_000));
    assert!(!r.fields.iter().any(|(k, _)| k == "bytes"));
}

#[test]
fn common_format_with_the_default_config() {
    let r = parse(r#"192.0.2.4 - - [26/Nov/2026:01:06:03 +0000] "GET /a HTTP/1.1" 200 512"#);
    assert_eq!(
        fields(&r),
        [
            ("client", v("192.0.2.4")),
            ("method", v("GET")),
            ("path", v("/a")),
            ("protocol", v("HTTP/1.1")),
            ("status", v(200)),
            ("bytes", v(512)),
        ]
    );
}

#[test]
fn every_atom_of_a_custom_format() {
    let mut p = parser(serde_json::json!({ "access_log_format": CUSTOM }));
    let line = r#"127.0.0.1 - - [26/Nov/2026:01:06:22 +0000] "GET /search?q=1 HTTP/1.1" 200 12 "-" "curl/7.88.1" 311 0 0.000311 0 <<8269>> "abc-123" GET /search ?q=1 HTTP/1.1 12 text/plain (1, 0)"#;
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(T_010603 + 19 * 1_000_000_000));
    assert_eq!(labels(&r), [("method", "GET"), ("status", "200")]);
    assert_eq!(
        fields(&r),
        [
            ("client", v("127.0.0.1")),
            ("method", v("GET")),
            ("path", v("/search")),
            ("query", v("q=1")),
            ("protocol", v("HTTP/1.1")),
            ("status", v(200)),
            ("bytes", v(12)),
            ("user_agent", v("curl/7.88.1")),
            ("pid", v(8269)),
            ("request_header.x-request-id", v("abc-123")),
            ("response_header.content-type", v("text/plain")),
            ("environ.wsgi.version", v("(1, 0)")),
            ("duration_seconds", v(0.000311)),
        ]
    );
}

#[test]
fn durations() {
    let mut p = parser(serde_json::json!({
        "access_log_format": r#"%(h)s %(t)s "%(r)s" %(s)s %(T)s %(M)s"#
    }));
    let r = p
        .parse(
            r#"::1 [26/Nov/2026:01:06:03 +0000] "GET / HTTP/2" 200 2 2503"#,
            &meta(),
        )
        .unwrap();
    assert_eq!(
        r.fields.last().unwrap().1,
        v(2.503),
        "milliseconds beat seconds"
    );
    let mut p = parser(serde_json::json!({
        "access_log_format": r#"%(h)s "%(r)s" %(s)s %(T)s"#
    }));
    let r = p.parse(r#"::1 "GET / HTTP/2" 200 3"#, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, None, "no %(t)s: receive time");
    assert_eq!(r.fields.last().unwrap().1, v(3.0));
}

#[test]
fn error_log() {
    let r = parse("[2026-11-26 01:06:01 +0000] [8174] [INFO] Starting gunicorn 27.0.1");
    assert_eq!(r.timestamp_ns, Some(T_010603 - 2_000_000_000));
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(r.message, "Starting gunicorn 27.0.1");
    assert_eq!(labels(&r), [("event", "start")]);
    assert_eq!(fields(&r), [("pid", v(8174)), ("version", v("27.0.1"))]);
    let r = parse(
        "[2026-11-26 01:06:01 +0000] [8174] [INFO] Listening at: http://127.0.0.1:18080 (8174)",
    );
    assert_eq!(fields(&r)[1], ("address", v("http://127.0.0.1:18080")));
    let r = parse("[2026-11-26 01:06:01 +0000] [8176] [INFO] Booting worker with pid: 8176");
    assert_eq!(labels(&r), [("event", "worker_boot")]);
    assert_eq!(fields(&r), [("pid", v(8176)), ("worker_pid", v(8176))]);
    let r = parse("[2026-11-26 01:06:05 +0000] [8174] [CRITICAL] WORKER TIMEOUT (pid:8176)");
    assert_eq!(r.severity, Severity::Critical);
    assert_eq!(labels(&r), [("event", "worker_timeout")]);
    assert_eq!(fields(&r), [("pid", v(8174)), ("worker_pid", v(8176))]);
    let r = parse("[2026-11-26 01:06:05 +0000] [8176] [INFO] Worker exiting (pid: 8176)");
    assert_eq!(labels(&r), [("event", "worker_exit")]);
    assert_eq!(fields(&r)[1], ("worker_pid", v(8176)));
    let r = parse(
        "[2025-03-02 10:00:01 +0100] [901] [ERROR] Worker (pid:1240) was sent SIGKILL! Perhaps out of memory?",
    );
    assert_eq!(r.severity, Severity::Error);
    assert_eq!(labels(&r), [("event", "worker_killed")]);
    assert_eq!(fields(&r)[1], ("worker_pid", v(1240)));
    let r = parse(
        "[2025-03-02 10:00:01 +0100] [901] [WARNING] Worker with pid 1241 was terminated due to signal 9",
    );
    assert_eq!(r.severity, Severity::Warning);
    assert_eq!(fields(&r)[1], ("worker_pid", v(1241)));
    let r = parse("[2026-11-26 01:06:08 +0000] [8174] [INFO] Handling signal: term");
    assert_eq!(fields(&r)[1], ("signal", v("term")));
    let r = parse("[2026-11-26 01:06:03 +0000] [8176] [ERROR] Error handling request GET /boom");
    assert_eq!(labels(&r), [("event", "request_error")]);
    assert_eq!(fields(&r)[1], ("request", v("GET /boom")));
    let r = parse("[2026-11-26 01:06:01 +0000] [8174] [INFO] Using worker: sync");
    assert!(r.labels.is_empty());
    let r = parse("[2026-11-26 01:06:01 +0000] [8174] [DEBUG] GET /");
    assert_eq!(r.severity, Severity::Debug);
}

#[test]
fn the_real_logs_parse_whole() {
    for (config, text) in [
        (
            serde_json::json!({}),
            include_str!("../testdata/access.log"),
        ),
        (
            serde_json::json!({ "access_log_format": CUSTOM }),
            include_str!("../testdata/access-custom.log"),
        ),
        (serde_json::json!({}), include_str!("../testdata/error.log")),
    ] {
        let parser = &mut parser(config);
        for line in text.lines() {
            let r = parser
                .parse(line, &meta())
                .unwrap_or_else(|e| panic!("{line}: {e}"));
            assert!(r.timestamp_ns.is_some(), "{line}");
            assert!(matches!(r.message, Cow::Borrowed(_)));
        }
        let out = parse_batch(
            parser,
            &line_batch(meta(), &text.lines().collect::<Vec<_>>()),
        );
        assert!(out.records.iter().all(|r| r.parse_error.is_none()));
    }
    // The request error's traceback carries the error's severity.
    let text = include_str!("../testdata/error.log");
    let mut p = parser(serde_json::json!({}));
    let records: Vec<_> = text.lines().map(|l| p.parse(l, &meta()).unwrap()).collect();
    let i = records
        .iter()
        .position(|r| r.message == "Error handling request GET /boom")
        .unwrap();
    assert!(
        records[i + 1..i + 10]
            .iter()
            .all(|r| r.severity == Severity::Error)
    );
    assert_eq!(
        records[i + 9].text_field("exception_type"),
        Some("ValueError")
    );
    assert_eq!(records[i + 9].text_field("exception"), Some("boom"));
    assert_eq!(
        records[i + 10].labels,
        [(Cow::from("event"), Cow::from("worker_timeout"))]
    );
}

#[test]
fn bad_configs() {
    TestHost::new().install();
    for bad in [
        serde_json::json!({"access_log_format": "%(zz)s"}),
        serde_json::json!({"access_log_format": "plain"}),
        serde_json::json!({"access_log_format": "%(h)s%(u)s"}),
        serde_json::json!({"format": "combined"}),
    ] {
        let built = parser_from_json::<GunicornParser>(bad.clone());
        assert!(built.is_err(), "{bad}");
    }
}

#[test]
fn junk_is_an_error_and_never_panics() {
    let mut p = parser(serde_json::json!({}));
    let long = "w".repeat(10_000);
    for bad in [
        "",
        " ",
        "\u{0}\u{fffd}\u{1}",
        long.as_str(),
        "127.0.0.1 - - [26/Nov/2026:01:06:03 +0000] \"GET / HTTP/1.1\" 200",
        "127.0.0.1 - - [26/Nov/2026:01:06:03 +0000] \"GET / HTTP/1.1\" abc 12 \"-\" \"-\"",
        "127.0.0.1 - - [26/Nov/2026:01:06:03 +0000] \"GET / HTTP/1.1\" 200 12 \"-\" \"-\" trailing",
        "127.0.0.1 - - [26/Foo/2026:01:06:03 +0000] \"GET / HTTP/1.1\" 200 12 \"-\" \"-\"",
        "[2026-11-26 01:06:01 +0000] [8174] [LOUD] x",
        "[2026-11-26 01:06:01 +0000] [pid] [INFO] x",
        "[2026-11-26 01:06:01] [8174] [INFO] x",
        "  File \"/app/x.py\", line 1, in f",
    ] {
        assert!(p.parse(bad, &meta()).is_err(), "{bad:?}");
    }
    let long_line = format!(
        "127.0.0.1 - - [26/Nov/2026:01:06:03 +0000] \"GET /{long} HTTP/1.1\" 414 0 \"-\" \"-\""
    );
    assert_eq!(p.parse(&long_line, &meta()).unwrap().fields.len(), 6);
    for (config, text) in [
        (
            serde_json::json!({}),
            include_str!("../testdata/access.log"),
        ),
        (
            serde_json::json!({ "access_log_format": CUSTOM }),
            include_str!("../testdata/access-custom.log"),
        ),
        (serde_json::json!({}), include_str!("../testdata/error.log")),
    ] {
        let parser = &mut parser(config);
        for line in text.lines().take(12) {
            for (i, c) in line.char_indices() {
                let _ = parser.parse(&line[..i], &meta());
                for r in ['"', '[', ']', ' ', '\\', '-', '<', '%', '\u{e9}'] {
                    let mut mutated = line.to_string();
                    mutated.replace_range(i..i + c.len_utf8(), r.encode_utf8(&mut [0; 4]));
                    let _ = parser.parse(&mutated, &meta());
                }
            }
        }
    }
}
