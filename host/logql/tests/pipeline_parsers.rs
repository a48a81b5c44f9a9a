//! The parser stages (`json`, `logfmt`, `regexp`, `pattern`, `unpack`) add
//! exactly the labels Loki adds, with Loki's errors.

mod common;

use common::{labels_of, run};

#[test]
fn json_flattens_nested_objects_and_skips_arrays_and_nulls() {
    let line = r#"{"level":"error","msg":"boom \"x\"","status":500,"ok":true,"took":1.50,"nested":{"a":{"b":"c"},"n":1},"arr":[1,2],"nil":null,"job":"dup","1st":"x","we ird":"y","é":"z"}"#;
    assert_eq!(
        labels_of(r#"{job="app"} | json"#, line),
        r#"{_="z", _1st="x", job="app", job_extracted="dup", level="error", msg="boom \"x\"", nested_a_b="c", nested_n="1", ok="true", status="500", took="1.50", we_ird="y"}"#
    );
}

#[test]
fn json_errors_keep_the_members_read_before_them() {
    assert_eq!(
        labels_of(r#"{job="app"} | json"#, "not json"),
        r#"{__error__="JSONParserErr", __error_details__="Value looks like object, but can't find closing '}' symbol", job="app"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | json"#, r#"{"a":"b", "c"#),
        r#"{__error__="JSONParserErr", __error_details__="Malformed JSON error", a="b", job="app"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | json"#, r#"{"a":nope}"#),
        r#"{__error__="JSONParserErr", __error_details__="Unknown value type", job="app"}"#
    );
    // Loki drops errored lines only when asked to.
    assert_eq!(
        labels_of(r#"{job="app"} | json | __error__="""#, "oops"),
        "<filtered>"
    );
    assert!(common::keeps(
        r#"{job="app"} | json | __error__!="""#,
        "oops"
    ));
}

#[test]
fn json_expressions_extract_paths_and_always_set_their_labels() {
    let line = r#"{"level":"warn","arr":[{"name":"first"},"two"],"nested":{"a":{"b":"c"}},"headers":{"User-Agent":"curl"},"n":null}"#;
    assert_eq!(
        labels_of(
            r#"{job="app"} | json lvl="level", first="arr[0].name", second="arr[1]", deep="nested.a.b", obj="nested.a", ua=`headers["User-Agent"]`, missing="nope", n"#,
            line
        ),
        r#"{deep="c", first="first", job="app", lvl="warn", missing="", n="", obj="{\"b\":\"c\"}", second="two", ua="curl"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | json job"#, r#"{"job":"inner"}"#),
        r#"{job="app", job_extracted="inner"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | json a"#, "plain"),
        r#"{__error__="JSONParserErr", job="app"}"#
    );
}

#[test]
fn logfmt_drops_empty_values_unless_asked() {
    let line =
        r#"level=info msg="hello world" took=10ms empty= standalone path=/x job=dup 9lives=yes"#;
    assert_eq!(
        labels_of(r#"{job="app"} | logfmt"#, line),
        r#"{_9lives="yes", job="app", job_extracted="dup", level="info", msg="hello world", path="/x", took="10ms"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | logfmt --keep-empty"#, line),
        r#"{_9lives="yes", empty="", job="app", job_extracted="dup", level="info", msg="hello world", path="/x", standalone="", took="10ms"}"#
    );
}

#[test]
fn logfmt_reports_malformed_lines_only_when_strict() {
    let line = r#"a=1 b="unterminated"#;
    assert_eq!(
        labels_of(r#"{job="app"} | logfmt"#, line),
        r#"{a="1", job="app"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | logfmt --strict"#, line),
        r#"{__error__="LogfmtParserErr", __error_details__="logfmt syntax error at pos 20 : unterminated quoted value", a="1", job="app"}"#
    );
    // Without --strict, decoding goes on after a bad pair.
    assert_eq!(
        labels_of(r#"{job="app"} | logfmt"#, "a=1 =x c=3"),
        r#"{a="1", c="3", job="app"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | logfmt --strict"#, "a=1 =x c=3"),
        r#"{__error__="LogfmtParserErr", __error_details__="logfmt syntax error at pos 5 : unexpected '='", a="1", job="app"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | logfmt"#, r#"msg="tab\tand \u00e9""#),
        "{job=\"app\", msg=\"tab\\tand é\"}"
    );
}

#[test]
fn logfmt_expressions_rename_keys() {
    assert_eq!(
        labels_of(
            r#"{job="app"} | logfmt lvl="level", dur="took", nothere"#,
            "level=debug took=3s other=1"
        ),
        r#"{dur="3s", job="app", lvl="debug", nothere=""}"#
    );
}

#[test]
fn regexp_named_captures_become_labels() {
    let line = "postfix/smtp[1234]: 4F3A2B1C0D: to=<alice@example.com>, relay=mx.example.com[10.0.0.5]:25, status=sent";
    assert_eq!(
        labels_of(
            r#"{job="app"} | regexp `(?P<queue_id>[0-9A-F]{10}): to=<(?P<to>[^>]+)>.*status=(?P<status>\w+)(?P<extra> \(.*\))?`"#,
            line
        ),
        r#"{extra="", job="app", queue_id="4F3A2B1C0D", status="sent", to="alice@example.com"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | regexp "status=(?P<job>\\w+)""#, "status=x"),
        r#"{job="app", job_extracted="x"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | regexp "(?P<a>z)""#, "no match"),
        r#"{job="app"}"#
    );
}

#[test]
fn pattern_captures_up_to_the_next_literal() {
    let line =
        r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#;
    assert_eq!(
        labels_of(
            r#"{job="app"} | pattern "<ip> - <user> [<_>] \"<method> <path> <_>\" <status> <size>""#,
            line
        ),
        r#"{ip="127.0.0.1", job="app", method="GET", path="/apache_pb.gif", size="2326", status="200", user="frank"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | pattern "<job> <msg>""#, "worker started"),
        r#"{job="app", job_extracted="worker", msg="started"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | pattern "[<level>] <msg>""#, "no brackets"),
        r#"{job="app"}"#
    );
}

#[test]
fn unpack_restores_the_packed_line() {
    let (line, labels) = run(
        r#"{job="app"} | unpack"#,
        &[("job", "app")],
        r#"{"_entry":"original \"line\"","pod":"p1","job":"x","n":5}"#,
    )
    .unwrap();
    assert_eq!(line, r#"original "line""#);
    assert_eq!(labels, r#"{job="app", job_extracted="x", pod="p1"}"#);
    // Without a packed entry nothing is extracted.
    assert_eq!(
        labels_of(r#"{job="app"} | unpack"#, r#"{"pod":"p1"}"#),
        r#"{job="app"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | unpack"#, "[1]"),
        r#"{__error__="JSONParserErr", __error_details__="expecting json object(6), but it is not", job="app"}"#
    );
}
