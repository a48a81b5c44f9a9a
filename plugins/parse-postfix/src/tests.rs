//! Lines from a real Postfix 3.7.11 (Debian 12, `maillog_file`) in
//! `testdata/maillog`, plus lines of the shapes a busy relay writes.

use super::*;
use std::borrow::Cow;
use watchpost_sdk::Value;
use watchpost_sdk::parser::{line_batch, parse_batch, resolve};
use watchpost_sdk::testing::{TestHost, labels, parser_from_json, source_meta};

/// 2026-11-26T02:00:00Z.
const NOW_MS: i64 = 1_795_658_400_000;
/// `Nov 26 01:03:23` in UTC.
const T_010323: i64 = 1_795_655_003_000_000_000;

fn meta() -> SourceMeta {
    source_meta("mail", "/var/log/mail.log")
}

fn parser(config: serde_json::Value) -> PostfixParser {
    TestHost::new().now_ms(NOW_MS).install();
    parser_from_json(config).unwrap()
}

fn parse(line: &str) -> Record<'_> {
    parser(serde_json::json!({})).parse(line, &meta()).unwrap()
}

fn v<'a>(value: impl Into<Value<'a>>) -> Value<'a> {
    value.into()
}

/// The fields after the header's `hostname`, `process` and `pid`.
fn body<'r, 'a>(record: &'r Record<'a>) -> Vec<(&'r str, Value<'a>)> {
    record.fields[3..]
        .iter()
        .map(|(k, v)| (k.as_ref(), v.clone()))
        .collect()
}

#[test]
fn header_fields_and_program_label() {
    let line = "Nov 26 01:03:23 vm postfix/pickup[7030]: ED4E6C80B5: uid=0 from=<root>";
    let r = parse(line);
    assert_eq!(r.timestamp_ns, Some(T_010323));
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(r.message, "ED4E6C80B5: uid=0 from=<root>");
    assert_eq!(
        r.fields[..3],
        [
            ("hostname".into(), v("vm")),
            ("process".into(), v("postfix/pickup")),
            ("pid".into(), v(7030)),
        ]
    );
    assert_eq!(labels(&r), [("program", "pickup")]);
    assert_eq!(
        body(&r),
        [
            ("queue_id", v("ED4E6C80B5")),
            ("uid", v(0)),
            ("from", v("root"))
        ]
    );
}

#[test]
fn rfc3339_rsyslog_lines() {
    let r = parse(
        "2026-11-25T10:00:01.123456+00:00 mx1 postfix/qmgr[812]: 4F2A1C3B: from=<alice@example.org>, size=1532, nrcpt=2 (queue active)",
    );
    assert_eq!(r.timestamp_ns, Some(1_795_600_801_123_456_000));
    assert_eq!(labels(&r), [("program", "qmgr")]);
    assert_eq!(
        body(&r),
        [
            ("queue_id", v("4F2A1C3B")),
            ("from", v("alice@example.org")),
            ("size", v(1532)),
            ("nrcpt", v(2)),
        ]
    );
    // A zone other than UTC, and multi-part service names (master.cf
    // `-o syslog_name=postfix/submission`).
    let r = parse(
        "2026-11-25T12:00:01+02:00 mx1 postfix/submission/smtpd[901]: connect from laptop.example.org[198.51.100.7]",
    );
    assert_eq!(r.timestamp_ns, Some(1_795_600_801_000_000_000));
    assert_eq!(labels(&r), [("program", "smtpd")]);
    assert_eq!(r.fields[1].1, v("postfix/submission/smtpd"));
}

#[test]
fn deliveries() {
    let r = parse(
        "Nov 26 01:03:23 vm postfix/local[7065]: ED4E6C80B5: to=<root@vm>, orig_to=<root>, relay=local, delay=0.02, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
    );
    assert_eq!(labels(&r), [("program", "local"), ("status", "sent")]);
    assert_eq!(
        body(&r),
        [
            ("queue_id", v("ED4E6C80B5")),
            ("to", v("root@vm")),
            ("orig_to", v("root")),
            ("relay", v("local")),
            ("delay", v(0.02)),
            ("delays", v("0.01/0.01/0/0")),
            ("dsn", v("2.0.0")),
            ("status", v("sent")),
            ("status_detail", v("delivered to mailbox")),
        ]
    );
    let r = parse(
        "Nov 25 10:00:03 mx1 postfix/smtp[2231]: 4bXyzQ1Rk2z4wDn: to=<bob@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.102.27]:25, delay=1.5, delays=0.11/0.02/0.48/0.89, dsn=2.0.0, status=sent (250 2.0.0 OK  1764064803 ffacd0b85a97d-42b3a1c2e5dsi123456f8f.123 - gsmtp)",
    );
    assert_eq!(labels(&r), [("program", "smtp"), ("status", "sent")]);
    assert_eq!(
        body(&r),
        [
            ("queue_id", v("4bXyzQ1Rk2z4wDn")),
            ("to", v("bob@gmail.com")),
            ("relay", v("gmail-smtp-in.l.google.com[142.250.102.27]:25")),
            ("relay_host", v("gmail-smtp-in.l.google.com")),
            ("relay_ip", v("142.250.102.27")),
            ("relay_port", v(25)),
            ("delay", v(1.5)),
            ("delays", v("0.11/0.02/0.48/0.89")),
            ("dsn", v("2.0.0")),
            ("status", v("sent")),
            (
                "status_detail",
                v("250 2.0.0 OK  1764064803 ffacd0b85a97d-42b3a1c2e5dsi123456f8f.123 - gsmtp")
            ),
        ]
    );
    // Connection reuse, and a detail holding `, ` and parentheses.
    let r = parse(
        "Nov 25 10:00:04 mx1 postfix/smtp[2231]: 5C1D2E3F4A: to=<x@example.net>, relay=mx.example.net[2001:db8::25]:25, conn_use=2, delay=0.31, delays=0/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9B8A7C6D5E (id 42, ok))",
    );
    assert_eq!(
        body(&r)[3..],
        [
            ("relay_host", v("mx.example.net")),
            ("relay_ip", v("2001:db8::25")),
            ("relay_port", v(25)),
            ("conn_use", v(2)),
            ("delay", v(0.31)),
            ("delays", v("0/0/0.1/0.2")),
            ("dsn", v("2.0.0")),
            ("status", v("sent")),
            (
                "status_detail",
                v("250 2.0.0 Ok: queued as 9B8A7C6D5E (id 42, ok)")
            ),
        ]
    );
}

#[test]
fn bounces_deferrals_and_expiry() {
    let r = parse(
        "Nov 26 01:03:23 vm postfix/local[7065]: EEFA0C80B3: to=<nosuchuser@localhost>, relay=local, delay=0.02, delays=0.01/0/0/0.01, dsn=5.1.1, status=bounced (unknown user: \"nosuchuser\")",
    );
    assert_eq!(labels(&r), [("program", "local"), ("status", "bounced")]);
    assert_eq!(
        r.text_field("status_detail"),
        Some("unknown user: \"nosuchuser\"")
    );
    assert_eq!(r.text_field("dsn"), Some("5.1.1"));
    let r = parse(
        "Nov 26 01:03:24 vm postfix/smtp[7069]: F190EC80B7: to=<someone@example.com>, relay=none, delay=0.02, delays=0/0.02/0/0, dsn=4.4.3, status=deferred (Host or domain name not found. Name service error for name=example.com type=MX: Host not found, try again)",
    );
    assert_eq!(labels(&r), [("program", "smtp"), ("status", "deferred")]);
    assert_eq!(
        r.text_field("status_detail"),
        Some(
            "Host or domain name not found. Name service error for name=example.com type=MX: Host not found, try again"
        )
    );
    assert_eq!(r.text_field("relay"), Some("none"));
    let r = parse(
        "Nov 25 10:00:05 mx1 postfix/qmgr[812]: 1A2B3C4D5E: from=<newsletter@example.org>, status=expired, returned to sender",
    );
    assert_eq!(labels(&r), [("program", "qmgr"), ("status", "expired")]);
    assert_eq!(
        body(&r),
        [
            ("queue_id", v("1A2B3C4D5E")),
            ("from", v("newsletter@example.org")),
            ("status", v("expired")),
            ("status_detail", v("returned to sender")),
        ]
    );
    let r = parse(
        "Nov 26 01:03:23 vm postfix/bounce[7068]: EEFA0C80B3: sender non-delivery notification: F32FBC80B9",
    );
    assert_eq!(
        body(&r),
        [
            ("queue_id", v("EEFA0C80B3")),
            ("event", v("bounce_notification")),
            ("bounce_queue_id", v("F32FBC80B9")),
        ]
    );
    let r = parse(
        "Nov 26 01:03:23 vm postfix/qmgr[7032]: F32FBC80B9: from=<>, size=1916, nrcpt=1 (queue active)",
    );
    assert_eq!(body(&r)[1], ("from", v("")));
}

#[test]
fn cleanup_and_smtpd_queue_lines() {
    let r = parse(
        "Nov 26 01:03:24 vm postfix/cleanup[7058]: 22B66C80BF: message-id=<abc.123@example.org>",
    );
    assert_eq!(
        body(&r),
        [
            ("queue_id", v("22B66C80BF")),
            ("message_id", v("abc.123@example.org"))
        ]
    );
    let r = parse("Nov 26 01:03:24 vm postfix/smtpd[7113]: 22B66C80BF: client=unknown[127.0.0.1]");
    assert_eq!(
        body(&r),
        [
            ("queue_id", v("22B66C80BF")),
            ("client", v("unknown[127.0.0.1]")),
            ("client_host", v("unknown")),
            ("client_ip", v("127.0.0.1")),
        ]
    );
    let r = parse(
        "Nov 25 10:00:06 mx1 postfix/submission/smtpd[901]: 6D7E8F9A0B: client=laptop.example.org[198.51.100.7]:51234, sasl_method=PLAIN, sasl_username=alice@example.org",
    );
    assert_eq!(
        body(&r),
        [
            ("queue_id", v("6D7E8F9A0B")),
            ("client", v("laptop.example.org[198.51.100.7]:51234")),
            ("client_host", v("laptop.example.org")),
            ("client_ip", v("198.51.100.7")),
            ("client_port", v(51234)),
            ("sasl_method", v("PLAIN")),
            ("sasl_username", v("alice@example.org")),
        ]
    );
    let r = parse("Nov 26 01:03:23 vm postfix/qmgr[7032]: ED4E6C80B5: removed");
    assert_eq!(
        body(&r),
        [("queue_id", v("ED4E6C80B5")), ("event", v("removed"))]
    );
}

#[test]
fn smtpd_sessions() {
    let r = parse("Nov 26 01:03:24 vm postfix/smtpd[7113]: connect from unknown[127.0.0.1]");
    assert_eq!(
        body(&r),
        [
            ("event", v("connect")),
            ("client", v("unknown[127.0.0.1]")),
            ("client_host", v("unknown")),
            ("client_ip", v("127.0.0.1")),
        ]
    );
    let r = parse(
        "Nov 26 01:03:24 vm postfix/smtpd[7113]: disconnect from unknown[127.0.0.1] ehlo=1 mail=2 rcpt=2/3 data=1 rset=1 quit=1 commands=8/9",
    );
    assert_eq!(
        body(&r),
        [
            ("event", v("disconnect")),
            ("client", v("unknown[127.0.0.1]")),
            ("client_host", v("unknown")),
            ("client_ip", v("127.0.0.1")),
            ("commands", v("8/9")),
        ]
    );
    let r = parse(
        "Nov 26 01:03:24 vm postfix/smtpd[7113]: lost connection after RCPT from unknown[127.0.0.1]",
    );
    assert_eq!(
        body(&r)[..2],
        [("event", v("lost_connection")), ("smtp_stage", v("RCPT"))]
    );
    let r = parse(
        "Nov 25 10:00:07 mx1 postfix/smtpd[3321]: timeout after END-OF-MESSAGE from mail.example.com[203.0.113.5]",
    );
    assert_eq!(
        body(&r),
        [
            ("event", v("timeout")),
            ("smtp_stage", v("END-OF-MESSAGE")),
            ("client", v("mail.example.com[203.0.113.5]")),
            ("client_host", v("mail.example.com")),
            ("client_ip", v("203.0.113.5")),
        ]
    );
}

#[test]
fn rejects() {
    let r = parse(
        "Nov 26 01:03:24 vm postfix/smtpd[7113]: NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 550 5.1.1 <nobody-here@localhost>: Recipient address rejected: User unknown in local recipient table; from=<alice@example.org> to=<nobody-here@localhost> proto=ESMTP helo=<client.example>",
    );
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(labels(&r), [("program", "smtpd"), ("action", "reject")]);
    assert_eq!(
        body(&r),
        [
            ("queue_id", v("NOQUEUE")),
            ("event", v("reject")),
            ("from", v("alice@example.org")),
            ("to", v("nobody-here@localhost")),
            ("proto", v("ESMTP")),
            ("helo", v("client.example")),
            ("smtp_stage", v("RCPT")),
            ("client", v("unknown[127.0.0.1]")),
            ("client_host", v("unknown")),
            ("client_ip", v("127.0.0.1")),
            ("smtp_code", v(550)),
            ("dsn", v("5.1.1")),
            (
                "reason",
                v(
                    "<nobody-here@localhost>: Recipient address rejected: User unknown in local recipient table"
                )
            ),
        ]
    );
    let r = parse(
        "Nov 26 01:03:40 vm postfix/smtpd[7327]: NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 454 4.7.1 <foo@notlocal.example>: Relay access denied; from=<alice@example.org> to=<foo@notlocal.example> proto=ESMTP helo=<client.example>",
    );
    assert_eq!(
        r.fields.iter().find(|(k, _)| k == "smtp_code").unwrap().1,
        v(454)
    );
    assert_eq!(
        r.text_field("reason"),
        Some("<foo@notlocal.example>: Relay access denied")
    );
    // An RBL reject: the reason holds `;` itself.
    let r = parse(
        "Nov 25 10:00:08 mx1 postfix/smtpd[3321]: NOQUEUE: reject: RCPT from unknown[192.0.2.44]: 554 5.7.1 Service unavailable; Client host [192.0.2.44] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.44; from=<spam@example.biz> to=<bob@example.org> proto=ESMTP helo=<example.biz>",
    );
    assert_eq!(
        r.text_field("reason"),
        Some(
            "Service unavailable; Client host [192.0.2.44] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.44"
        )
    );
    assert_eq!(r.text_field("from"), Some("spam@example.biz"));
    // A header check on a queued message, reason after the pairs.
    let r = parse(
        "Nov 25 10:00:09 mx1 postfix/cleanup[3400]: 7E8F9A0B1C: reject: header Subject: cheap pills from unknown[192.0.2.45]; from=<spam@example.biz> to=<bob@example.org> proto=ESMTP helo=<example.biz>: 5.7.1 message content rejected",
    );
    assert_eq!(
        body(&r),
        [
            ("queue_id", v("7E8F9A0B1C")),
            ("event", v("reject")),
            ("from", v("spam@example.biz")),
            ("to", v("bob@example.org")),
            ("proto", v("ESMTP")),
            ("helo", v("example.biz")),
            ("smtp_stage", v("header")),
            ("content", v("Subject: cheap pills")),
            ("client", v("unknown[192.0.2.45]")),
            ("client_host", v("unknown")),
            ("client_ip", v("192.0.2.45")),
            ("dsn", v("5.7.1")),
            ("reason", v("message content rejected")),
        ]
    );
    let r = parse(
        "Nov 25 10:00:10 mx1 postfix/cleanup[3400]: 8F9A0B1C2D: milter-reject: END-OF-MESSAGE from unknown[192.0.2.46]: 5.7.1 Spam message rejected; from=<a@example.biz> to=<bob@example.org> proto=ESMTP helo=<h>",
    );
    assert_eq!(
        labels(&r),
        [("program", "cleanup"), ("action", "milter-reject")]
    );
    assert_eq!(r.text_field("smtp_stage"), Some("END-OF-MESSAGE"));
    assert_eq!(r.text_field("dsn"), Some("5.7.1"));
    assert_eq!(r.text_field("reason"), Some("Spam message rejected"));
    assert!(!r.fields.iter().any(|(k, _)| k == "smtp_code"));
}

#[test]
fn severities() {
    for (line, severity, rest) in [
        (
            "Nov 26 01:03:40 vm postfix/smtpd[7331]: warning: hostname foo.example does not resolve to address 192.0.2.1: Name or service not known",
            Severity::Warning,
            0,
        ),
        (
            "Nov 26 01:03:40 vm postfix/smtp[7332]: error: some error",
            Severity::Error,
            0,
        ),
        (
            "Nov 26 01:03:40 vm postfix/cleanup[7333]: fatal: bad command startup -- throttling",
            Severity::Critical,
            0,
        ),
        (
            "Nov 26 01:03:41 vm postfix/qmgr[7334]: panic: something panicky",
            Severity::Emergency,
            0,
        ),
        (
            "Nov 25 10:00:11 mx1 postfix/cleanup[3400]: 9A0B1C2D3E: warning: header Subject: hello from local; from=<a@x> to=<b@y>",
            Severity::Warning,
            1,
        ),
    ] {
        let r = parse(line);
        assert_eq!(r.severity, severity, "{line}");
        assert_eq!(body(&r).len(), rest, "{line}");
    }
    let r = parse(
        "Nov 25 10:00:12 mx1 postfix/smtpd[3321]: warning: unknown[203.0.113.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
    );
    assert_eq!(r.severity, Severity::Warning);
    assert_eq!(r.text_field("client_ip"), Some("203.0.113.9"));
    let r = parse(
        "Nov 25 10:00:13 mx1 postfix/smtp[2231]: connect to mx.example.net[203.0.113.1]:25: Connection timed out",
    );
    assert_eq!(body(&r), []);
}

#[test]
fn the_real_maillog_parses_whole() {
    let mut p = parser(serde_json::json!({}));
    let text = include_str!("../testdata/maillog");
    for line in text.lines() {
        let r = p
            .parse(line, &meta())
            .unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(r.timestamp_ns.is_some());
        assert_eq!(r.labels[0].0, "program");
        // Everything borrows from the line.
        assert!(matches!(r.message, Cow::Borrowed(_)));
        for (_, value) in &r.fields {
            assert!(!matches!(value, Value::Text(Cow::Owned(_))), "{line}");
        }
    }
    let batch = line_batch(meta(), &text.lines().collect::<Vec<_>>());
    let out = parse_batch(&mut p, &batch);
    assert_eq!(out.records.len(), text.lines().count());
    assert!(out.records.iter().all(|r| r.parse_error.is_none()));
    // Field and label names are static strings: interned once per batch.
    assert!(out.arena.len() < 400, "arena: {}", out.arena);
    assert_eq!(
        resolve(&batch.text, &out, out.records[0].message),
        "starting the Postfix mail system"
    );
}

#[test]
fn year_and_timezone() {
    // Read on New Year's Day: December's lines are last year's.
    TestHost::new()
        .now_ms(1_767_225_600_000 + 3_600_000) // 2026-01-01T01:00:00Z
        .install();
    let mut p = PostfixParser::new(Config::default()).unwrap();
    let r = p
        .parse(
            "Dec 31 23:59:59 mx1 postfix/qmgr[1]: ABCDEF1234: removed",
            &meta(),
        )
        .unwrap();
    assert_eq!(r.timestamp_ns, Some(1_767_225_599_000_000_000));
    let mut p = parser(serde_json::json!({"timezone": "+02:00"}));
    let r = p
        .parse(
            "Nov 26 03:03:23 vm postfix/qmgr[1]: ABCDEF1234: removed",
            &meta(),
        )
        .unwrap();
    assert_eq!(r.timestamp_ns, Some(T_010323));
    TestHost::new().install();
    for bad in ["CET", "+2", "02:00"] {
        let built = parser_from_json::<PostfixParser>(serde_json::json!({ "timezone": bad }));
        assert!(built.is_err(), "{bad}");
    }
    assert!(
        serde_json::from_value::<Config>(serde_json::json!({"tz": "UTC"})).is_err(),
        "unknown keys are refused"
    );
}

#[test]
fn other_programs_in_mail_log_keep_their_header() {
    let r = parse(
        "Nov 25 10:00:13 mx1 opendkim[640]: 4F2A1C3B: DKIM-Signature field added (s=mail, d=example.org)",
    );
    assert_eq!(labels(&r), [("program", "opendkim")]);
    assert_eq!(body(&r), [("queue_id", v("4F2A1C3B"))]);
    let r = parse("Nov 25 10:00:14 mx1 dovecot: imap-login: Login: user=<bob>");
    assert_eq!(labels(&r), [("program", "dovecot")]);
    assert_eq!(r.fields.len(), 2, "no pid");
}

#[test]
fn junk_is_an_error_and_never_panics() {
    let mut p = parser(serde_json::json!({}));
    let long = "x".repeat(10_000);
    let binary = "\u{0}\u{1}\u{fffd}\u{7f}ELF\u{2}\u{1}";
    for bad in [
        "",
        " ",
        "\n",
        binary,
        long.as_str(),
        "Nov 26 01:03:23",
        "Nov 26 01:03:23 vm",
        "Nov 26 01:03:23 vm postfix/smtpd",
        "Nov 26 01:03:23 vm postfix/smtpd[12",
        "Nov 26 01:03:23 vm postfix/smtpd[abc]: x",
        "Nov 26 25:03:23 vm postfix/smtpd[1]: x",
        "26 Nov 01:03:23 vm postfix/smtpd[1]: x",
        "{\"msg\": \"json\"}",
    ] {
        assert!(p.parse(bad, &meta()).is_err(), "{bad:?}");
    }
    // A long but well-formed line parses.
    let long_line = format!("Nov 26 01:03:23 vm postfix/smtpd[1]: warning: {long}");
    assert_eq!(
        p.parse(&long_line, &meta()).unwrap().severity,
        Severity::Warning
    );
    // Every prefix of every real line, cut at any character, and every line
    // with one byte replaced: an error or a record, never a panic.
    let text = include_str!("../testdata/maillog");
    for line in text.lines().chain([
        "Nov 25 10:00:09 mx1 postfix/cleanup[3400]: 7E8F9A0B1C: reject: header Subject: x from unknown[192.0.2.45]; from=<s@x> to=<b@y> proto=ESMTP helo=<e>: 5.7.1 no",
        "Nov 25 10:00:04 mx1 postfix/smtp[2231]: 5C1D2E3F4A: to=<x@e>, relay=mx[2001:db8::25]:25, conn_use=2, delay=0.31, status=sent (250 ok)",
    ]) {
        for (i, _) in line.char_indices() {
            let _ = p.parse(&line[..i], &meta());
            for c in ['<', '>', '[', ']', ':', ' ', '=', ',', '(', ')', '\u{e9}'] {
                let mut mutated = line.to_string();
                mutated.replace_range(i..i + line[i..].chars().next().map_or(0, char::len_utf8), c.encode_utf8(&mut [0; 4]));
                let _ = p.parse(&mutated, &meta());
            }
        }
    }
}
