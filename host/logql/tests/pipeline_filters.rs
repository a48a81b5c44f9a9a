//! Line filters, label filters of every type and their errors, and the
//! stages that rewrite lines and labels.

mod common;

use std::sync::Arc;

use common::{keeps, labels_of, pipeline, run};
use watchpost_logql::{Expr, Pipeline, parse};

#[test]
fn line_filters() {
    let line = "Oct 10 postfix/smtpd[42]: NOQUEUE: reject: RCPT from unknown[10.1.2.3]: 554 5.7.1 Relay access denied";
    assert!(keeps(r#"{job="app"} |= "NOQUEUE""#, line));
    assert!(!keeps(r#"{job="app"} |= "noqueue""#, line));
    assert!(keeps(r#"{job="app"} |~ "(?i)noqueue""#, line));
    assert!(keeps(r#"{job="app"} |~ "5\\d\\d 5\\.7\\.1""#, line));
    assert!(!keeps(r#"{job="app"} != "reject""#, line));
    assert!(keeps(r#"{job="app"} !~ "status=(sent|deferred)""#, line));
    assert!(keeps(r#"{job="app"} |= "deferred" or "reject""#, line));
    assert!(!keeps(r#"{job="app"} |= "deferred" or "bounced""#, line));
    // A negative `or` keeps lines that contain none of the values.
    assert!(!keeps(r#"{job="app"} != "deferred" or "reject""#, line));
    assert!(keeps(r#"{job="app"} != "deferred" or "bounced""#, line));
    assert!(keeps(r#"{job="app"} |= ip("10.1.0.0/16")"#, line));
    assert!(!keeps(r#"{job="app"} |= ip("192.168.0.0/16")"#, line));
    assert!(keeps(r#"{job="app"} != ip("10.1.2.4")"#, line));
    assert!(keeps(
        r#"{job="app"} |= "x" or ip("10.1.2.1-10.1.2.9")"#,
        line
    ));
    assert!(!keeps(r#"{job="app"} != """#, line));
}

#[test]
fn string_label_filters_compare_missing_labels_as_empty() {
    let q = |f: &str| format!(r#"{{job="app"}} | logfmt | {f}"#);
    let line = "level=error status=503";
    assert!(keeps(&q(r#"level="error""#), line));
    assert!(!keeps(&q(r#"level!="error""#), line));
    assert!(keeps(&q(r#"level=~"err.*""#), line));
    assert!(!keeps(&q(r#"level=~"err""#), line));
    assert!(keeps(&q(r#"level!~"warn|info""#), line));
    assert!(keeps(&q(r#"missing="""#), line));
    assert!(!keeps(&q(r#"missing!="""#), line));
}

#[test]
fn numeric_label_filters() {
    let q = |f: &str| format!(r#"{{job="app"}} | logfmt | {f}"#);
    let line = "status=503 took=1.5s size=2KiB addr=10.0.0.7 ratio=0.25";
    for (filter, kept) in [
        ("status >= 500", true),
        ("status > 503", false),
        ("status == 503", true),
        ("status = 503", true),
        ("status != 503", false),
        ("status < 600 and status > 499", true),
        ("ratio <= 0.25", true),
        ("ratio > -1", true),
        ("took > 1s", true),
        ("took >= 1500ms", true),
        ("took < 1s", false),
        ("took == 1.5s", true),
        ("size > 2KB", true),
        ("size == 2048B", true),
        ("size < 1KiB", false),
        ("addr=ip(\"10.0.0.0/24\")", true),
        ("addr!=ip(\"10.0.0.0/24\")", false),
        ("missing > 1", false),
        ("missing > 1s", false),
        ("missing = ip(\"10.0.0.1\")", false),
    ] {
        assert_eq!(keeps(&q(filter), line), kept, "{filter}");
    }
}

#[test]
fn conversion_failures_keep_the_line_with_label_filter_err() {
    let q = |f: &str| format!(r#"{{job="app"}} | logfmt | {f}"#);
    assert_eq!(
        labels_of(&q("status > 500"), "status=abc"),
        r#"{__error__="LabelFilterErr", __error_details__="strconv.ParseFloat: parsing \"abc\": invalid syntax", job="app", status="abc"}"#
    );
    assert_eq!(
        labels_of(&q("took > 1s"), "took=soon"),
        r#"{__error__="LabelFilterErr", __error_details__="time: invalid duration \"soon\"", job="app", took="soon"}"#
    );
    assert_eq!(
        labels_of(&q("size > 1KB"), "size=3apples"),
        r#"{__error__="LabelFilterErr", __error_details__="unhandled size name: apples", job="app", size="3apples"}"#
    );
    // The first error wins; `and` evaluates both sides.
    assert_eq!(
        labels_of(&q("a > 1 and b > 1s"), "a=x b=y"),
        r#"{__error__="LabelFilterErr", __error_details__="strconv.ParseFloat: parsing \"x\": invalid syntax", a="x", b="y", job="app"}"#
    );
    assert!(!keeps(&q(r#"status > 500 | __error__="""#), "status=abc"));
    // An IP filter passes errored lines untouched.
    assert!(keeps(
        &q(r#"status > 1 | addr=ip("10.0.0.1")"#),
        "status=x addr=1.2.3.4"
    ));
}

#[test]
fn and_or_and_comma_follow_lokis_precedence() {
    let q = |f: &str| format!(r#"{{job="app"}} | logfmt | {f}"#);
    // `a or b and c` is `a or (b and c)`.
    assert!(keeps(
        &q(r#"level="error" or level="warn" and status > 500"#),
        "level=error status=200"
    ));
    assert!(!keeps(
        &q(r#"level="info" or level="warn" and status > 500"#),
        "level=warn status=200"
    ));
    // `a, b or c` is `a and (b or c)`.
    assert!(keeps(
        &q(r#"level="warn", status > 500 or took > 1s"#),
        "level=warn status=200 took=2s"
    ));
    assert!(!keeps(
        &q(r#"level="info", status > 500 or took > 1s"#),
        "level=warn status=200 took=2s"
    ));
    assert!(keeps(
        &q(r#"(level="info" or level="warn") status < 300"#),
        "level=warn status=200"
    ));
}

#[test]
fn error_label_filters_and_drop() {
    let q = r#"{job="app"} | json | __error__="JSONParserErr""#;
    assert!(keeps(q, "nope"));
    assert!(!keeps(q, r#"{"a":1}"#));
    assert_eq!(
        labels_of(
            r#"{job="app"} | json | drop __error__, __error_details__"#,
            "nope"
        ),
        r#"{job="app"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | json | drop __error__="OtherErr""#, "nope"),
        r#"{__error__="JSONParserErr", __error_details__="Value looks like object, but can't find closing '}' symbol", job="app"}"#
    );
}

#[test]
fn drop_and_keep() {
    let line = "level=info method=GET path=/health status=200";
    assert_eq!(
        labels_of(
            r#"{job="app"} | logfmt | drop level, method="POST", path=~"/health.*", nothere"#,
            line
        ),
        r#"{job="app", method="GET", status="200"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | logfmt | keep level, status"#, line),
        r#"{level="info", status="200"}"#
    );
    assert_eq!(
        labels_of(r#"{job="app"} | logfmt | keep method="POST", status"#, line),
        r#"{status="200"}"#
    );
    assert_eq!(
        labels_of(
            r#"{job="app"} | logfmt --strict | keep level"#,
            r#"level=x a=""#
        ),
        r#"{__error__="LogfmtParserErr", __error_details__="logfmt syntax error at pos 12 : unterminated quoted value", level="x"}"#
    );
}

#[test]
fn line_and_label_format_go_through_the_template_engine() {
    let (line, labels) = run(
        r#"{job="app"} | logfmt | line_format "{{.level}}: {{.msg}}" | label_format lvl=level, line="[{{__line__}}]""#,
        &[("job", "app")],
        "level=warn msg=disk",
    )
    .unwrap();
    assert_eq!(line, "warn: disk");
    assert_eq!(
        labels,
        r#"{job="app", line="[warn: disk]", lvl="warn", msg="disk"}"#
    );
    // Templates of one stage see the labels as they were at its first template.
    assert_eq!(
        labels_of(r#"{job="app"} | label_format a="x", b="{{.a}}y""#, "l"),
        r#"{a="x", b="y", job="app"}"#
    );
    // A failing template keeps the line and marks the error.
    let (line, labels) = run(
        r#"{job="app"} | line_format "{{fail}}""#,
        &[("job", "app")],
        "orig",
    )
    .unwrap();
    assert_eq!(line, "orig");
    assert_eq!(
        labels,
        r#"{__error__="TemplateFormatErr", __error_details__="template: fail: error calling fail", job="app"}"#
    );
    // Line filters after line_format see the new line.
    assert!(keeps(
        r#"{job="app"} | logfmt | line_format "{{.msg}}" |= "disk""#,
        "msg=disk level=x"
    ));
    assert!(!keeps(
        r#"{job="app"} | logfmt | line_format "{{.msg}}" |= "level""#,
        "msg=disk level=x"
    ));
}

#[test]
fn invalid_stages_fail_to_compile() {
    let compile = |q: &str| match parse(q).unwrap() {
        Expr::Log(sel) => Pipeline::new(&sel, Arc::new(common::Fields))
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Expr::Sample(_) => unreachable!(),
    };
    assert_eq!(
        compile(r#"{job="app"} | label_format a=b, a="x""#),
        Err(r#"invalid stage `| label_format a=b,a="x"`: multiple label name 'a' not allowed in a single format operation"#.into())
    );
    assert_eq!(
        compile(r#"{job="app"} | label_format __error__="x""#),
        Err(
            r#"invalid stage `| label_format __error__="x"`: __error__ cannot be formatted"#.into()
        )
    );
    assert_eq!(
        compile(r#"{job="app"} | line_format "{{bad}}""#),
        Err(r#"invalid stage `| line_format "{{bad}}"`: invalid line template: unexpected "bad" in command"#.into())
    );
    assert_eq!(
        compile(r#"{job="app"} |= ip("300.1.1.1")"#),
        Err(r#"invalid stage `|= ip("300.1.1.1")`: ip: invalid pattern: "300.1.1.1""#.into())
    );
    assert_eq!(
        compile(r#"{job="app"} |~ ip("1.1.1.1")"#),
        Err(r#"invalid stage `|~ ip("1.1.1.1")`: ip: invalid operation"#.into())
    );
    assert!(
        compile(r#"{job="app"} |~ "(unclosed""#)
            .unwrap_err()
            .contains("error parsing regexp")
    );
    assert!(
        compile(r#"{job="app"} | json a="b[x]""#)
            .unwrap_err()
            .contains("cannot parse expression [b[x]]")
    );
}

#[test]
fn decolorize_and_noop_pipelines() {
    let (line, _) = run(
        r#"{job="app"} | decolorize"#,
        &[],
        "\u{1b}[31mERROR\u{1b}[0m disk \u{1b}[1;32mfull\u{1b}[0m",
    )
    .unwrap();
    assert_eq!(line, "ERROR disk full");
    assert!(pipeline(r#"{job="app"} |= "" |~ "" | x=~".*""#).is_noop());
    assert!(!pipeline(r#"{job="app"} |= "a""#).is_noop());
    assert!(pipeline(r#"{job="app"}"#).is_noop());
}

#[test]
fn filtered_lines_leave_the_stream_labels() {
    let p = pipeline(r#"{job="app"} | logfmt | level="error""#);
    let mut labels = watchpost_logql::Labels::from_pairs([("job", "app")]);
    assert!(p.process(0, "level=info", &mut labels).is_none());
    assert_eq!(labels.to_string(), r#"{job="app"}"#);
}
