//! Unit tests: RFC 5424's own examples, RFC 3164 and rsyslog file lines,
//! config, hostile input, and a batch through the SDK's encoder.

use super::*;
use watchpost_sdk::parser::{line_batch, parse_batch, resolve};
use watchpost_sdk::testing::{TestHost, parser_from_json, source_meta};

const NS: i64 = 1_000_000_000;
/// 2026-11-25T10:00:01Z in seconds; the test clock is an hour later.
const T: i64 = 1_795_600_801;

fn meta() -> SourceMeta {
    source_meta("syslog", "udp://0.0.0.0:514")
}

fn parser_at(config: serde_json::Value, now_ms: i64) -> SyslogParser {
    TestHost::new().now_ms(now_ms).install();
    parser_from_json(config).unwrap()
}

fn parser() -> SyslogParser {
    parser_at(serde_json::json!({}), (T + 3600) * 1000)
}

fn labels<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
    pairs
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), Cow::Borrowed(*v)))
        .collect()
}

fn text<'a>(k: &'a str, v: &'a str) -> (Cow<'a, str>, Value<'a>) {
    (Cow::Borrowed(k), Value::Text(Cow::Borrowed(v)))
}

#[test]
fn rfc5424_example_with_bom() {
    let line = "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{feff}'su root' failed for lonvick on /dev/pts/8";
    let r = parser().parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(1_065_910_455 * NS + 3_000_000));
    assert_eq!(r.severity, Severity::Critical);
    assert_eq!(r.message, "'su root' failed for lonvick on /dev/pts/8");
    assert_eq!(
        r.labels,
        labels(&[
            ("app_name", "su"),
            ("facility", "auth"),
            ("hostname", "mymachine.example.com")
        ])
    );
    assert_eq!(r.fields, [text("msgid", "ID47")]);
}

#[test]
fn rfc5424_structured_data() {
    let line = r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] An application event log entry..."#;
    let r = parser().parse(line, &meta()).unwrap();
    assert_eq!(r.severity, Severity::Notice);
    assert_eq!(r.message, "An application event log entry...");
    assert_eq!(
        r.labels,
        labels(&[
            ("app_name", "evntslog"),
            ("facility", "local4"),
            ("hostname", "mymachine.example.com")
        ])
    );
    assert_eq!(
        r.fields,
        [
            text("msgid", "ID47"),
            text("sd_exampleSDID_32473_iut", "3"),
            text("sd_exampleSDID_32473_eventSource", "Application"),
            text("sd_exampleSDID_32473_eventID", "1011"),
            text("sd_examplePriority_32473_class", "high"),
        ]
    );
    // The same without a message.
    let bare = &line[..line.find("] An").unwrap() + 1];
    assert_eq!(parser().parse(bare, &meta()).unwrap().message, "");
}

#[test]
fn rfc5424_procid_offset_and_escapes() {
    let line = "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.";
    let r = parser().parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(1_061_727_255 * NS + 3_000));
    assert_eq!(r.message, "%% It's time to make the do-nuts.");
    assert_eq!(r.fields, [text("procid", "8710")]);

    let line = r#"<14>1 - - - - - [x@1 q="say \"hi\"" b="a\\b" c="[1\]" d="keep\n"] msg"#;
    let r = parser().parse(line, &meta()).unwrap();
    assert_eq!((r.timestamp_ns, r.message.as_ref()), (None, "msg"));
    assert_eq!(r.labels, labels(&[("facility", "user")]));
    let values: Vec<_> = r.fields.iter().map(|(_, v)| v.clone()).collect();
    assert_eq!(
        values,
        [
            Value::from("say \"hi\"".to_string()),
            Value::from("a\\b".to_string()),
            Value::from("[1]".to_string()),
            Value::from("keep\\n"),
        ]
    );
}

#[test]
fn rfc3164_with_pri_takes_this_year() {
    let line = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8";
    let r = parser().parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(1_791_756_855 * NS));
    assert_eq!(r.severity, Severity::Critical);
    assert_eq!(r.message, "'su root' failed for lonvick on /dev/pts/8");
    assert_eq!(
        r.labels,
        labels(&[
            ("app_name", "su"),
            ("facility", "auth"),
            ("hostname", "mymachine")
        ])
    );
    assert!(r.fields.is_empty());
}

#[test]
fn rsyslog_file_formats() {
    let mut p = parser();
    let r = p
        .parse(
            "Nov 25 10:00:01 web1 postfix/smtpd[4242]: connect from unknown[10.0.0.1]",
            &meta(),
        )
        .unwrap();
    assert_eq!(
        (r.timestamp_ns, r.severity),
        (Some(T * NS), Severity::Unknown)
    );
    assert_eq!(r.message, "connect from unknown[10.0.0.1]");
    assert_eq!(
        r.labels,
        labels(&[("app_name", "postfix/smtpd"), ("hostname", "web1")])
    );
    assert_eq!(r.fields, [text("procid", "4242")]);

    let r = p
        .parse("2026-11-25T10:00:01.123456+00:00 web1 CRON[99]: (root) CMD (run-parts /etc/cron.hourly)", &meta())
        .unwrap();
    assert_eq!(r.timestamp_ns, Some(T * NS + 123_456_000));
    assert_eq!(r.message, "(root) CMD (run-parts /etc/cron.hourly)");
    assert_eq!(
        r.labels,
        labels(&[("app_name", "CRON"), ("hostname", "web1")])
    );

    // Day padded with a space, no hostname (local socket), no PID.
    let r = p
        .parse("<13>Nov  5 10:00:01 myprog: hello", &meta())
        .unwrap();
    assert_eq!(
        r.labels,
        labels(&[("app_name", "myprog"), ("facility", "user")])
    );
    assert_eq!(
        (r.severity, r.message.as_ref()),
        (Severity::Notice, "hello")
    );

    // No tag: everything after the hostname is the message.
    let r = p
        .parse("Nov 25 10:00:01 web1 link up: eth0", &meta())
        .unwrap();
    assert_eq!(r.labels, labels(&[("hostname", "web1")]));
    assert_eq!(r.message, "link up: eth0");

    // An IPv6 hostname is not a tag.
    let r = p
        .parse("Nov 25 10:00:01 2001:db8::1 sshd[7]: Accepted", &meta())
        .unwrap();
    assert_eq!(
        r.labels,
        labels(&[("app_name", "sshd"), ("hostname", "2001:db8::1")])
    );
}

#[test]
fn timezone_and_new_year() {
    let mut p = parser_at(serde_json::json!({"timezone": "+02:00"}), (T + 3600) * 1000);
    let r = p.parse("Nov 25 12:00:01 h p: m", &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(T * NS));
    // Read at 2027-01-01T00:30Z, December's lines are last year's.
    let mut p = parser_at(serde_json::json!({}), 1_798_763_400_000);
    let r = p.parse("Dec 31 23:59:59 h p: m", &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(1_798_761_599 * NS));
}

#[test]
fn labels_config() {
    let mut p = parser_at(serde_json::json!({"labels": ["hostname", "msgid"]}), 0);
    let line = "<34>1 2003-10-11T22:14:15.003Z host app 12 ID47 - m";
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!(r.labels, labels(&[("hostname", "host"), ("msgid", "ID47")]));
    assert_eq!(
        r.fields,
        [
            text("app_name", "app"),
            text("facility", "auth"),
            text("procid", "12")
        ]
    );
    let err = SyslogParser::new(
        serde_json::from_value(serde_json::json!({"labels": ["program"]})).unwrap(),
    )
    .err()
    .unwrap();
    assert!(
        err.to_string().contains("unknown name \"program\""),
        "{err}"
    );
    let err = parser_from_json::<SyslogParser>(serde_json::json!({"timezone": "CET"}))
        .map(|_| ())
        .unwrap_err();
    assert!(err.contains("CET"), "{err}");
    assert!(serde_json::from_value::<Config>(serde_json::json!({"tz": "UTC"})).is_err());
}

#[test]
fn junk_is_an_error_never_a_panic() {
    let mut p = parser();
    let cases = [
        ("", "empty line"),
        ("hello world", "no syslog timestamp"),
        (
            "<999>Oct 11 22:14:15 h p: m",
            "invalid PRI <999>: must be 0 to 191",
        ),
        ("<34", "invalid PRI: no '>' within 3 digits"),
        (
            "<x4>Oct 11 22:14:15 h p: m",
            "invalid PRI <x4>: must be 0 to 191",
        ),
        ("<34>Foo 11 22:14:15 h p: m", "no syslog timestamp"),
        ("<34>Oct 99 22:14:15 h p: m", "no syslog timestamp"),
        (
            "<34>1 2003-10-11T22:14:15.003Z host",
            "invalid RFC 5424 header: fewer than six fields",
        ),
        (
            "<34>1 yesterday h a p m - x",
            "invalid RFC 5424 timestamp \"yesterday\"",
        ),
        (
            "<34>1 - h a p m [id a=\"1\"",
            "invalid RFC 5424 structured data: unterminated element [id",
        ),
        (
            "<34>1 - h a p m [id a=\"1]",
            "invalid RFC 5424 structured data: unterminated value of a",
        ),
        (
            "<34>1 - h a p m [id a=1]",
            "invalid RFC 5424 structured data: value of a is not quoted",
        ),
        (
            "<34>1 - h a p m [] x",
            "invalid RFC 5424 structured data: empty SD-ID",
        ),
        (
            "<34>1 - h a p m x",
            "invalid RFC 5424 structured data: expected '-' or '['",
        ),
        ("\u{FFFD}\u{FFFD} 11 22:14:15 h p: m", "no syslog timestamp"),
    ];
    for (line, error) in cases {
        assert_eq!(p.parse(line, &meta()).unwrap_err(), error, "{line:?}");
    }
    // All NILVALUEs is a valid, empty record; so are odd bytes in a message.
    let r = p.parse("<0>1 - - - - - -", &meta()).unwrap();
    assert_eq!((r.severity, r.message.as_ref()), (Severity::Emergency, ""));
    let line = format!("Nov 25 10:00:01 h p: \u{FFFD}{}", "x".repeat(10_000));
    assert_eq!(p.parse(&line, &meta()).unwrap().message.len(), 10_003);
}

#[test]
fn a_batch_through_the_encoder() {
    let mut p = parser();
    let lines = [
        r#"<165>1 2003-10-11T22:14:15.003Z h app - - [a@1 k="v"] hi"#,
        "Nov 25 10:00:01 web1 sshd[1]: ok",
    ];
    let batch = line_batch(meta(), &lines);
    let out = parse_batch(&mut p, &batch);
    assert_eq!(out.records.len(), 2);
    assert_eq!(resolve(&batch.text, &out, out.records[1].message), "ok");
    // Only the structured-data name and the static names (once per batch)
    // and facility are copied.
    assert_eq!(out.arena, "sd_a_1_kapp_namefacilitylocal4hostnameprocid");
}

#[test]
fn never_panics_on_random_input() {
    let mut p = parser();
    let lines = watchpost_sdk::testing::random_lines(
        &[
            "<",
            ">",
            "34",
            "1",
            " ",
            "  ",
            "-",
            "[",
            "]",
            "\"",
            "=",
            "\\",
            "Nov",
            "25",
            "10:00:01",
            "2026-11-25T10:00:01Z",
            "host",
            "app[1]:",
            "app:",
            ":",
            "\u{feff}",
            "é",
            "\u{FFFD}",
            "x@1",
            "a=\"v\"",
            "<165>1 ",
            "Nov 25 10:00:01 ",
        ],
        20_000,
    );
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let batch = line_batch(meta(), &lines);
    let out = parse_batch(&mut p, &batch);
    assert_eq!(out.records.len(), lines.len());
}
