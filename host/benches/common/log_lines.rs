//! Synthetic log lines of the email stack's formats, shared by the benches
//! that run the stock parsers.

/// A Postfix syslog line (smtpd, qmgr or smtp, in turn).
pub fn postfix_line(i: usize) -> String {
    let q = format!("{:010X}", i * 7919);
    match i % 3 {
        0 => format!(
            "Nov 25 10:{:02}:{:02} mx1 postfix/smtpd[{}]: {q}: client=mail{}.example.net[192.0.2.{}]",
            (i / 60) % 60,
            i % 60,
            1000 + i % 50,
            i % 97,
            i % 250
        ),
        1 => format!(
            "Nov 25 10:{:02}:{:02} mx1 postfix/qmgr[{}]: {q}: from=<user{}@example.org>, size={}, nrcpt=1 (queue active)",
            (i / 60) % 60,
            i % 60,
            900 + i % 7,
            i % 1000,
            1000 + i % 50_000
        ),
        _ => format!(
            "Nov 25 10:{:02}:{:02} mx1 postfix/smtp[{}]: {q}: to=<rcpt{}@example.com>, relay=mx.example.com[198.51.100.{}]:25, delay=0.{}, delays=0.01/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as {})",
            (i / 60) % 60,
            i % 60,
            2000 + i % 50,
            i % 1000,
            i % 250,
            i % 10,
            i
        ),
    }
}

/// A structured JSON application log line.
pub fn json_line(i: usize) -> String {
    format!(
        r#"{{"timestamp":"2026-11-25T10:{:02}:{:02}.{:03}Z","level":"{}","logger":"app.api","message":"request served","method":"{}","path":"/api/messages/{}","status":{},"duration_ms":{}.{},"request_id":"{:016x}","user":{{"id":{},"plan":"pro"}}}}"#,
        (i / 60) % 60,
        i % 60,
        i % 1000,
        if i.is_multiple_of(50) {
            "error"
        } else {
            "info"
        },
        if i.is_multiple_of(2) { "GET" } else { "POST" },
        i % 5000,
        if i.is_multiple_of(50) { 500 } else { 200 },
        i % 300,
        i % 10,
        i * 2_654_435_761,
        i % 1000
    )
}

/// An Apache combined access log line (for the grok parser).
pub fn apache_line(i: usize) -> String {
    format!(
        r#"192.0.2.{} - user{} [25/Nov/2026:10:{:02}:{:02} +0000] "GET /api/messages/{} HTTP/1.1" {} {} "https://mail.example.org/inbox" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0""#,
        i % 250,
        i % 100,
        (i / 60) % 60,
        i % 60,
        i % 5000,
        if i.is_multiple_of(50) { 500 } else { 200 },
        500 + i % 20_000
    )
}
