//! Lines from a real Dovecot 2.3.19.1 (Debian 12): `testdata/dovecot.log`
//! (its own `log_path`) and `testdata/syslog.log` (`log_path = syslog`, as
//! received on /dev/log with the hostname rsyslog adds), plus lines of
//! older 2.3 and 2.2 releases.

use super::*;
use std::borrow::Cow;
use watchpost_sdk::Value;
use watchpost_sdk::parser::{line_batch, parse_batch};
use watchpost_sdk::testing::{TestHost, fields, labels, parser_from_json, source_meta};

/// 2026-11-26T02:00:00Z.
const NOW_MS: i64 = 1_795_658_400_000;
/// `Nov 26 01:04:17` in UTC.
const T_010417: i64 = 1_795_655_057_000_000_000;

fn meta() -> SourceMeta {
    source_meta("dovecot", "/var/log/dovecot.log")
}

fn parser(config: serde_json::Value) -> DovecotParser {
    TestHost::new().now_ms(NOW_MS).install();
    parser_from_json(config).unwrap()
}

fn parse(line: &str) -> Record<'_> {
    parser(serde_json::json!({})).parse(line, &meta()).unwrap()
}

fn v<'a>(value: impl Into<Value<'a>>) -> Value<'a> {
    value.into()
}

#[test]
fn logins() {
    let r = parse(
        "Nov 26 01:04:17 imap-login: Info: Login: user=<bob>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, mpid=7527, secured, session=<sTvUhSNh5rl/AAAB>",
    );
    assert_eq!(r.timestamp_ns, Some(T_010417));
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(
        r.message,
        "Login: user=<bob>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, mpid=7527, secured, session=<sTvUhSNh5rl/AAAB>"
    );
    assert_eq!(labels(&r), [("service", "imap-login"), ("event", "login")]);
    assert_eq!(
        fields(&r),
        [
            ("user", v("bob")),
            ("method", v("PLAIN")),
            ("rip", v("127.0.0.1")),
            ("lip", v("127.0.0.1")),
            ("mpid", v(7527)),
            ("secured", v(true)),
            ("session", v("sTvUhSNh5rl/AAAB")),
        ]
    );
    // Dovecot 2.3 with TLS and ports (`login_log_format_elements`).
    let r = parse(
        "Nov 25 10:00:01 pop3-login: Info: Login: user=<alice@example.org>, method=PLAIN, rip=2001:db8::7, lip=2001:db8::1, mpid=3120, TLS, session=<AbCdEf12>",
    );
    assert_eq!(labels(&r), [("service", "pop3-login"), ("event", "login")]);
    assert_eq!(
        fields(&r),
        [
            ("user", v("alice@example.org")),
            ("method", v("PLAIN")),
            ("rip", v("2001:db8::7")),
            ("lip", v("2001:db8::1")),
            ("mpid", v(3120)),
            ("tls", v(true)),
            ("session", v("AbCdEf12")),
        ]
    );
}

#[test]
fn mail_process_disconnects() {
    let r = parse(
        "Nov 26 01:04:17 imap(bob)<7527><sTvUhSNh5rl/AAAB>: Info: Disconnected: Logged out in=32 out=788 deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0",
    );
    assert_eq!(labels(&r), [("service", "imap"), ("event", "disconnect")]);
    assert_eq!(
        fields(&r),
        [
            ("user", v("bob")),
            ("session", v("sTvUhSNh5rl/AAAB")),
            ("pid", v(7527)),
            ("reason", v("Logged out")),
            ("in", v(32)),
            ("out", v(788)),
            ("deleted", v(0)),
            ("expunged", v(0)),
            ("trashed", v(0)),
            ("hdr_count", v(0)),
            ("hdr_bytes", v(0)),
            ("body_count", v(0)),
            ("body_bytes", v(0)),
        ]
    );
    let r = parse(
        "Nov 26 01:04:56 imap(bob)<7684><o7nrhyNh9rh/AAAB>: Info: Disconnected: Connection closed (FETCH finished 0.000 secs ago) in=44 out=1059 deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=1 body_bytes=218",
    );
    assert_eq!(
        fields(&r)[3..6],
        [
            (
                "reason",
                v("Connection closed (FETCH finished 0.000 secs ago)")
            ),
            ("in", v(44)),
            ("out", v(1059)),
        ]
    );
    let r = parse(
        "Nov 26 01:04:50 pop3(alice)<7665><eabnhiNhPsV/AAAB>: Info: Disconnected: Logged out top=0/0, retr=0/0, del=0/0, size=0",
    );
    assert_eq!(labels(&r), [("service", "pop3"), ("event", "disconnect")]);
    assert_eq!(
        fields(&r)[3..],
        [
            ("reason", v("Logged out")),
            ("top", v("0/0")),
            ("retr", v("0/0")),
            ("del", v("0/0")),
            ("size", v(0)),
        ]
    );
    // Dovecot 2.2's prefix has no pid or session.
    let r = parse("Nov 25 10:00:02 imap(carol): Info: Disconnected for inactivity in=120 out=5051");
    assert_eq!(
        fields(&r),
        [
            ("user", v("carol")),
            ("reason", v("for inactivity")),
            ("in", v(120)),
            ("out", v(5051)),
        ]
    );
}

#[test]
fn login_process_disconnects_and_auth_failures() {
    let r = parse(
        "Nov 26 01:04:19 imap-login: Info: Disconnected: Aborted login by logging out (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, secured, session=<FWvUhSNh7Ll/AAAB>",
    );
    assert_eq!(
        labels(&r),
        [("service", "imap-login"), ("event", "auth_failure")]
    );
    assert_eq!(
        fields(&r),
        [
            (
                "reason",
                v("Aborted login by logging out (auth failed, 1 attempts in 2 secs)")
            ),
            ("attempts", v(1)),
            ("user", v("bob")),
            ("method", v("PLAIN")),
            ("rip", v("127.0.0.1")),
            ("lip", v("127.0.0.1")),
            ("secured", v(true)),
            ("session", v("FWvUhSNh7Ll/AAAB")),
        ]
    );
    let r = parse(
        "Nov 26 01:04:35 imap-login: Info: Disconnected: Connection closed (auth failed, 2 attempts in 16 secs): user=<bob>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, secured, session=<ExXzhSNh9rl/AAAB>",
    );
    assert_eq!(r.labels[1].1, "auth_failure");
    assert_eq!(fields(&r)[1], ("attempts", v(2)));
    let r = parse(
        "Nov 26 01:04:35 imap-login: Info: Disconnected: Connection closed (no auth attempts in 0 secs): user=<>, rip=127.0.0.1, lip=127.0.0.1, secured, session=<H5PnhiNh2JJ/AAAB>",
    );
    assert_eq!(
        labels(&r),
        [("service", "imap-login"), ("event", "disconnect")]
    );
    assert_eq!(
        fields(&r),
        [
            (
                "reason",
                v("Connection closed (no auth attempts in 0 secs)")
            ),
            ("attempts", v(0)),
            ("user", v("")),
            ("rip", v("127.0.0.1")),
            ("lip", v("127.0.0.1")),
            ("secured", v(true)),
            ("session", v("H5PnhiNh2JJ/AAAB")),
        ]
    );
    // Older releases: no reason before the parenthesis, or `Aborted login`.
    let r = parse(
        "Nov 25 10:00:03 imap-login: Info: Disconnected (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip=203.0.113.9, lip=192.0.2.1, session=<Q2x3>",
    );
    assert_eq!(r.labels[1].1, "auth_failure");
    assert_eq!(
        fields(&r)[..4],
        [
            ("reason", v("(auth failed, 1 attempts in 2 secs)")),
            ("attempts", v(1)),
            ("user", v("bob")),
            ("method", v("PLAIN")),
        ]
    );
    let r = parse(
        "Nov 25 10:00:04 pop3-login: Info: Aborted login (auth failed, 3 attempts in 12 secs): user=<admin>, method=PLAIN, rip=203.0.113.9, lip=192.0.2.1, session=<Q2x4>",
    );
    assert_eq!(
        labels(&r),
        [("service", "pop3-login"), ("event", "auth_failure")]
    );
    assert_eq!(
        fields(&r)[..2],
        [
            (
                "reason",
                v("Aborted login (auth failed, 3 attempts in 12 secs)")
            ),
            ("attempts", v(3))
        ]
    );
    // Dovecot 1.2/2.0 spellings, from fail2ban's examples.
    let r = parse(
        "Jul 31 13:53:08 email dovecot: imap-login: Aborted login (auth failed, 1 attempts): user=<someone>, method=PLAIN, rip=192.0.2.5, lip=192.0.2.1, TLS",
    );
    assert_eq!(r.labels[1].1, "auth_failure");
    assert_eq!(fields(&r)[2], ("attempts", v(1)));
    assert_eq!(fields(&r).last().unwrap(), &("tls", v(true)));
    let r = parse(
        "Jul 31 13:54:35 email dovecot: imap-login: Disconnected (tried to use unsupported auth mechanism): user=<someone>, method=LOGIN, rip=192.0.2.5, lip=192.0.2.1, TLS: Disconnected",
    );
    assert_eq!(r.labels[1].1, "disconnect");
    assert_eq!(
        fields(&r)[1..3],
        [
            ("reason", v("(tried to use unsupported auth mechanism)")),
            ("user", v("someone")),
        ]
    );
    let r = parse(
        "Nov 25 10:00:05 imap-login: Info: Disconnected (no auth attempts in 5 secs): user=<>, rip=203.0.113.10, lip=192.0.2.1, session=<Q2x5>",
    );
    assert_eq!(r.labels[1].1, "disconnect");
    assert_eq!(fields(&r)[1], ("attempts", v(0)));
}

#[test]
fn passdb_failures() {
    let r = parse(
        "Nov 26 01:04:17 auth: Info: passwd-file(bob,127.0.0.1,<FWvUhSNh7Ll/AAAB>): Password mismatch",
    );
    assert_eq!(labels(&r), [("service", "auth"), ("event", "auth_failure")]);
    assert_eq!(
        fields(&r),
        [
            ("passdb", v("passwd-file")),
            ("user", v("bob")),
            ("rip", v("127.0.0.1")),
            ("session", v("FWvUhSNh7Ll/AAAB")),
            ("reason", v("Password mismatch")),
        ]
    );
    let r = parse("Nov 26 01:04:52 auth: Info: passwd-file(ghost,127.0.0.1): unknown user");
    assert_eq!(
        fields(&r),
        [
            ("passdb", v("passwd-file")),
            ("user", v("ghost")),
            ("rip", v("127.0.0.1")),
            ("reason", v("unknown user")),
        ]
    );
    let r = parse(
        "Nov 25 10:00:06 auth-worker(3011): Info: pam(bob,203.0.113.9,<Zx9>): pam_authenticate() failed: Authentication failure (password mismatch?)",
    );
    assert_eq!(
        labels(&r),
        [("service", "auth-worker"), ("event", "auth_failure")]
    );
    assert_eq!(fields(&r)[0], ("pid", v(3011)));
    assert_eq!(
        r.text_field("reason"),
        Some("pam_authenticate() failed: Authentication failure (password mismatch?)")
    );
    // Not a failure: no event, still the passdb fields.
    let r = parse("Nov 25 10:00:07 auth: Debug: sql(bob,203.0.113.9,<Zx9>): query: SELECT 1");
    assert_eq!(r.severity, Severity::Debug);
    assert_eq!(labels(&r), [("service", "auth")]);
    assert_eq!(r.text_field("passdb"), Some("sql"));
}

#[test]
fn lmtp() {
    let r = parse("Nov 26 01:04:52 lmtp(7682): Info: Connect from 127.0.0.1");
    assert_eq!(labels(&r), [("service", "lmtp"), ("event", "connect")]);
    assert_eq!(fields(&r), [("pid", v(7682)), ("rip", v("127.0.0.1"))]);
    let r = parse(
        "Nov 26 01:04:52 lmtp(bob)<7682><ag6CFrSFB2sCHgAAg+zDdQ>: Info: msgid=unspecified: saved mail to INBOX",
    );
    assert_eq!(labels(&r), [("service", "lmtp"), ("event", "delivery")]);
    assert_eq!(
        fields(&r),
        [
            ("user", v("bob")),
            ("session", v("ag6CFrSFB2sCHgAAg+zDdQ")),
            ("pid", v(7682)),
            ("msgid", v("unspecified")),
            ("mailbox", v("INBOX")),
        ]
    );
    let r = parse(
        "Nov 25 10:00:08 lmtp(alice)<3320><kLmN>: Info: sieve: msgid=<20261125.abc@example.org>: stored mail into mailbox 'Junk'",
    );
    assert_eq!(
        fields(&r)[3..],
        [
            ("msgid", v("20261125.abc@example.org")),
            ("mailbox", v("Junk"))
        ]
    );
    let r = parse(
        "Nov 25 10:00:09 lmtp(alice)<3320><kLmN>: Error: msgid=<x@y>: save failed to INBOX: Quota exceeded (mailbox for user is full)",
    );
    assert_eq!(r.severity, Severity::Error);
    assert_eq!(
        labels(&r),
        [("service", "lmtp"), ("event", "delivery_failure")]
    );
    assert_eq!(
        fields(&r)[3..],
        [
            ("reason", v("Quota exceeded (mailbox for user is full)")),
            ("msgid", v("x@y")),
            ("mailbox", v("INBOX")),
        ]
    );
    let r = parse(
        "Nov 26 01:04:52 lmtp(7682): Info: Disconnect from 127.0.0.1: Logged out (state=READY)",
    );
    assert_eq!(labels(&r), [("service", "lmtp"), ("event", "disconnect")]);
    assert_eq!(
        fields(&r),
        [
            ("pid", v(7682)),
            ("rip", v("127.0.0.1")),
            ("reason", v("Logged out (state=READY)"))
        ]
    );
}

#[test]
fn levels() {
    for (line, severity) in [
        (
            "Nov 26 01:05:01 doveadm: Debug: This is Dovecot's debug log (1795655101)",
            Severity::Debug,
        ),
        (
            "Nov 26 01:05:01 doveadm: Info: This is Dovecot's info log (1795655101)",
            Severity::Info,
        ),
        (
            "Nov 26 01:05:01 doveadm: Warning: This is Dovecot's warning log (1795655101)",
            Severity::Warning,
        ),
        (
            "Nov 26 01:05:01 doveadm: Error: This is Dovecot's error log (1795655101)",
            Severity::Error,
        ),
        (
            "Nov 26 01:05:01 doveadm: Fatal: This is Dovecot's fatal log (1795655101)",
            Severity::Critical,
        ),
        (
            "Nov 25 10:00:10 imap(bob)<1><s>: Panic: file mail-index.c: line 42: assertion failed",
            Severity::Emergency,
        ),
    ] {
        let r = parse(line);
        assert_eq!(r.severity, severity, "{line}");
        assert!(
            r.message.starts_with("This is") || r.message.starts_with("file "),
            "{line}"
        );
    }
}

#[test]
fn syslog_lines() {
    let r = parse(
        "Nov 26 01:05:12 vm dovecot: imap-login: Login: user=<bob>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, mpid=7862, secured, session=<J4UiiSNhAsB/AAAB>",
    );
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(labels(&r), [("service", "imap-login"), ("event", "login")]);
    assert_eq!(fields(&r)[..2], [("hostname", v("vm")), ("user", v("bob"))]);
    let r = parse(
        "Nov 26 01:05:12 vm dovecot: doveadm: Warning: This is Dovecot's warning log (1795655112)",
    );
    assert_eq!(r.severity, Severity::Warning);
    let r = parse(
        "2026-11-25T10:00:01.123456+00:00 mx dovecot[812]: imap(bob)<7527><sTvU>: Disconnected: Logged out in=32 out=788",
    );
    assert_eq!(r.timestamp_ns, Some(1_795_600_801_123_456_000));
    assert_eq!(
        fields(&r),
        [
            ("hostname", v("mx")),
            ("dovecot_pid", v(812)),
            ("user", v("bob")),
            ("session", v("sTvU")),
            ("pid", v(7527)),
            ("reason", v("Logged out")),
            ("in", v(32)),
            ("out", v(788)),
        ]
    );
}

#[test]
fn the_real_logs_parse_whole() {
    let mut p = parser(serde_json::json!({}));
    for text in [
        include_str!("../testdata/dovecot.log"),
        include_str!("../testdata/syslog.log"),
    ] {
        for line in text.lines() {
            let r = p
                .parse(line, &meta())
                .unwrap_or_else(|e| panic!("{line}: {e}"));
            assert!(r.timestamp_ns.is_some());
            assert_eq!(r.labels[0].0, "service");
            assert!(matches!(r.message, Cow::Borrowed(_)));
            for (_, value) in &r.fields {
                assert!(!matches!(value, Value::Text(Cow::Owned(_))), "{line}");
            }
        }
        let batch = line_batch(meta(), &text.lines().collect::<Vec<_>>());
        let out = parse_batch(&mut p, &batch);
        assert!(out.records.iter().all(|r| r.parse_error.is_none()));
    }
    let events: Vec<_> = include_str!("../testdata/dovecot.log")
        .lines()
        .filter_map(|l| {
            let r = p.parse(l, &meta()).unwrap();
            r.labels.get(1).map(|(_, e)| e.to_string())
        })
        .collect();
    assert_eq!(
        events.iter().filter(|e| *e == "auth_failure").count(),
        8,
        "{events:?}"
    );
}

#[test]
fn custom_log_timestamp_and_timezone() {
    let mut p = parser(serde_json::json!({"timezone": "+02:00"}));
    let r = p
        .parse(
            "2026-11-26 03:04:17 imap-login: Info: Login: user=<bob>",
            &meta(),
        )
        .unwrap();
    assert_eq!(r.timestamp_ns, Some(T_010417));
    let r = p.parse("Nov 26 03:04:17 master: Info: x", &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(T_010417));
    TestHost::new().install();
    let built = parser_from_json::<DovecotParser>(serde_json::json!({"timezone": "Europe/Paris"}));
    assert!(built.is_err());
}

#[test]
fn service_prefixes() {
    for (s, name, user, pid, session) in [
        ("imap-login: x", "imap-login", None, None, None),
        (
            "imap(bob)<7527><sTvU/AAAB>: x",
            "imap",
            Some("bob"),
            Some(7527),
            Some("sTvU/AAAB"),
        ),
        (
            "auth-worker(4711): x",
            "auth-worker",
            None,
            Some(4711),
            None,
        ),
        ("imap(bob): x", "imap", Some("bob"), None, None),
        (
            "indexer-worker(bob)<99>: x",
            "indexer-worker",
            Some("bob"),
            Some(99),
            None,
        ),
    ] {
        let (service, text) = service(s).unwrap();
        assert_eq!(
            (
                service.name,
                service.user,
                service.pid,
                service.session,
                text
            ),
            (name, user, pid, session, "x"),
            "{s}"
        );
    }
    for bad in [
        "",
        ": x",
        "imap(bob: x",
        "imap(bob)x: y",
        "imap<1: x",
        "two words: x",
    ] {
        assert_eq!(service(bad), None, "{bad:?}");
    }
}

#[test]
fn junk_is_an_error_and_never_panics() {
    let mut p = parser(serde_json::json!({}));
    let long = "y".repeat(10_000);
    for bad in [
        "",
        "   ",
        "\u{0}\u{1}\u{2}\u{fffd}\u{fffd}",
        long.as_str(),
        "Nov 26 01:04:17",
        "Nov 26 01:04:17 ",
        "Nov 26 01:04:17 imap-login",
        "Nov 26 01:04:17 vm dovecot",
        "Nov 26 01:04:17 imap(bob: Info: x",
        "Nov 99 01:04:17 imap-login: Info: Login: user=<bob>",
        "imap-login: Info: Login: user=<bob>",
    ] {
        assert!(p.parse(bad, &meta()).is_err(), "{bad:?}");
    }
    let long_line = format!("Nov 26 01:04:17 imap(bob)<1><s>: Error: {long}");
    assert_eq!(
        p.parse(&long_line, &meta()).unwrap().severity,
        Severity::Error
    );
    let text = concat!(
        include_str!("../testdata/dovecot.log"),
        include_str!("../testdata/syslog.log"),
        "Nov 25 10:00:09 lmtp(a)<3><k>: Error: sieve: msgid=<x@y>: save failed to INBOX: Quota\n",
        "Nov 25 10:00:04 pop3-login: Info: Aborted login (auth failed, 3 attempts in 12 secs): user=<a>, rip=1\n",
    );
    for line in text.lines() {
        for (i, c) in line.char_indices() {
            let _ = p.parse(&line[..i], &meta());
            for r in ['<', '>', '(', ')', ':', ' ', '=', ',', '\u{e9}'] {
                let mut mutated = line.to_string();
                mutated.replace_range(i..i + c.len_utf8(), r.encode_utf8(&mut [0; 4]));
                let _ = p.parse(&mutated, &meta());
            }
        }
    }
}
