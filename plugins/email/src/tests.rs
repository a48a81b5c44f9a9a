//! The message's exact bytes, and real SMTP sessions against a scripted
//! server on 127.0.0.1 (plain, and TLS through rustls with the test
//! certificates of `testdata/`). The end-to-end run against a real SMTP
//! server (Python's aiosmtpd) is in `tests/aiosmtpd.rs`.

use super::*;
use message::{parse_address_list, q_encode, quoted_printable, render, rfc1123z};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use serde_json::json;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;
use watchpost_sdk::testing::TestHost;
use watchpost_sdk::{Alert, labels};

const CA: &str = include_str!("../testdata/ca.pem");
const SERVER_CERT: &str = include_str!("../testdata/server.pem");
const SERVER_KEY: &str = include_str!("../testdata/server.key");
const NOW: i64 = 1_704_100_500_000;

fn notification(integration: Value) -> Notification {
    let alert = |instance: &str, status: AlertStatus| Alert {
        status,
        labels: labels([
            ("alertname", "DiskFull"),
            ("instance", instance),
            ("severity", "page"),
        ]),
        annotations: labels([("summary", "disk is full")]),
        starts_at_ms: NOW,
        ends_at_ms: (status == AlertStatus::Resolved).then_some(NOW + 900_000),
        generator_url: "http://watchpost:9090/graph?g0.expr=disk".into(),
        fingerprint: format!("fp-{instance}"),
    };
    Notification {
        receiver: "team ops".into(),
        status: AlertStatus::Firing,
        group_key: "{}:{alertname=\"DiskFull\"}".into(),
        group_labels: labels([("alertname", "DiskFull")]),
        common_labels: labels([("alertname", "DiskFull"), ("severity", "page")]),
        common_annotations: labels([("summary", "disk is full")]),
        external_url: "http://watchpost:9090".into(),
        alerts: vec![
            alert("a:9100", AlertStatus::Firing),
            alert("b:9100", AlertStatus::Resolved),
        ],
        attempt: 0,
        integration: integration.to_string(),
        truncated_alerts: 0,
    }
}

fn deliver(integration: Value) -> watchpost_sdk::Result<()> {
    TestHost::new().now_ms(NOW).install();
    Email::new(Map::new())?.deliver(&notification(integration))
}

// ---------------------------------------------------------------------------
// Message format.

#[test]
fn headers_are_q_encoded_like_go() {
    assert_eq!(
        q_encode("[FIRING:1] DiskFull (page)"),
        "[FIRING:1] DiskFull (page)"
    );
    assert_eq!(q_encode("tab\there"), "tab\there");
    assert_eq!(
        q_encode("[FIRING:1] Disk ✓ full_ok?=x"),
        "=?utf-8?q?[FIRING:1]_Disk_=E2=9C=93_full=5Fok=3F=3Dx?="
    );
    // Long values are split into encoded-words of at most 75 characters,
    // between characters.
    let long = "é".repeat(40);
    let encoded = q_encode(&long);
    let words: Vec<&str> = encoded.split(' ').collect();
    assert_eq!(words.len(), 4, "{encoded}");
    for word in &words {
        assert!(word.len() <= 75, "{word}");
        assert!(word.starts_with("=?utf-8?q?") && word.ends_with("?="));
        // 63 characters of content: 10 é (6 bytes encoded each) fit.
    }
    assert_eq!(words[0], format!("=?utf-8?q?{}?=", "=C3=A9".repeat(10)));
    // A newline cannot slip into the header block.
    assert_eq!(q_encode("a\r\nBcc: x@y"), "=?utf-8?q?a=0D=0ABcc:_x@y?=");
}

#[test]
fn bodies_are_quoted_printable_like_go() {
    assert_eq!(quoted_printable(b"a=b"), "a=3Db");
    assert_eq!(quoted_printable("é".as_bytes()), "=C3=A9");
    assert_eq!(
        quoted_printable(b"trailing \nnext\r\nlast\t"),
        "trailing=20\r\nnext\r\nlast=09"
    );
    // 76 characters a line at most: a soft break after 75.
    let long = "x".repeat(100);
    assert_eq!(
        quoted_printable(long.as_bytes()),
        format!("{}=\r\n{}", "x".repeat(75), "x".repeat(25))
    );
    // An escape never straddles the soft break.
    let near = format!("{}é", "x".repeat(74));
    assert_eq!(
        quoted_printable(near.as_bytes()),
        format!("{}=\r\n=C3=A9", "x".repeat(74))
    );
    assert_eq!(
        quoted_printable(b"<p>\n  hi\n</p>\n"),
        "<p>\r\n  hi\r\n</p>\r\n"
    );
}

#[test]
fn dates_are_rfc1123z() {
    assert_eq!(rfc1123z(NOW), "Mon, 01 Jan 2024 09:15:00 +0000");
    assert_eq!(rfc1123z(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    assert_eq!(rfc1123z(951_868_799_000), "Tue, 29 Feb 2000 23:59:59 +0000");
}

#[test]
fn message_layout_matches_alertmanager() {
    let headers: BTreeMap<String, String> = [
        ("From", "Watchpost <alerts@example.org>"),
        ("Subject", "[FIRING:1] DiskFull ✓"),
        ("To", "ops@example.org"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let parts = message::Parts {
        headers: &headers,
        text: "disk is full\n",
        html: "<p>disk=full</p>",
        now_ms: NOW,
        id_domain: "example.org",
        boundary: "b0",
        id_random: 42,
    };
    assert_eq!(
        render(&parts),
        "From: Watchpost <alerts@example.org>\r\n\
         Subject: =?utf-8?q?[FIRING:1]_DiskFull_=E2=9C=93?=\r\n\
         To: ops@example.org\r\n\
         Message-Id: <1704100500000000000.42@example.org>\r\n\
         Date: Mon, 01 Jan 2024 09:15:00 +0000\r\n\
         Content-Type: multipart/alternative;  boundary=b0\r\n\
         MIME-Version: 1.0\r\n\
         \r\n\
         --b0\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\
         Content-Type: text/plain; charset=UTF-8\r\n\
         \r\n\
         disk is full\r\n\
         \r\n\
         --b0\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\
         Content-Type: text/html; charset=UTF-8\r\n\
         \r\n\
         <p>disk=3Dfull</p>\r\n\
         --b0--\r\n"
    );
    // Text empty: the HTML part alone; a configured Message-Id and Date
    // are not doubled.
    let mut headers = headers.clone();
    headers.insert("Message-Id".into(), "<fixed@x>".into());
    headers.insert("Date".into(), "yesterday".into());
    let html_only = render(&message::Parts {
        headers: &headers,
        text: "",
        ..parts
    });
    assert_eq!(html_only.matches("Message-Id:").count(), 1);
    assert_eq!(html_only.matches("Date:").count(), 1);
    assert!(!html_only.contains("text/plain"));
    assert!(html_only.ends_with(
        "\r\n\r\n--b0\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>disk=3Dfull</p>\r\n--b0--\r\n"
    ));
}

#[test]
fn settings_fill_in_alertmanager_defaults() {
    let s: Settings = notify::settings(
        &Map::new(),
        &json!({
            "to": "ops@example.org", "from": "alerts@example.org",
            "smarthost": "smtp.example.org:587",
            "headers": {"x-team": "ops"}, "html": "<p>hi</p>",
        })
        .to_string(),
    )
    .unwrap();
    let n = notification(json!({}));
    let mail = Mail::new(&s, &n, NOW).unwrap();
    assert_eq!(
        (mail.host.as_str(), mail.port.as_str()),
        ("smtp.example.org", "587")
    );
    assert_eq!(mail.hello, "localhost");
    assert!(mail.require_tls, "Alertmanager's default");
    assert_eq!(mail.timeout, Duration::from_secs(8));
    let m = &mail.message;
    assert!(m.starts_with("From: alerts@example.org\r\nSubject: [FIRING:1] DiskFull (page)\r\nTo: ops@example.org\r\nX-Team: ops\r\nMessage-Id: <1704100500000000000."), "{m}");
    assert!(m.contains("@example.org>\r\nDate: Mon, 01 Jan 2024 09:15:00 +0000\r\n"));
    let boundary = m
        .split("boundary=")
        .nth(1)
        .unwrap()
        .split("\r\n")
        .next()
        .unwrap();
    assert_eq!(boundary.len(), 60, "30 random bytes in hex, as Go's");
    assert!(m.ends_with(&format!("<p>hi</p>\r\n--{boundary}--\r\n")));
    assert!(!m.contains("text/plain"));

    // A notifier of the manifest alone: neither html nor text, a text
    // body from the default texts.
    let s: Settings = notify::settings(
        &json!({"to": "ops@example.org", "from": "alerts@example.org", "smarthost": "[::1]:25"})
            .as_object()
            .unwrap()
            .clone(),
        "{}",
    )
    .unwrap();
    let mail = Mail::new(&s, &n, NOW).unwrap();
    assert_eq!(mail.host, "::1");
    assert!(!mail.message.contains("text/html"));
    let text = default_text(&n);
    assert!(text.starts_with("[FIRING:1] DiskFull (page)\n\nView in Alertmanager: http://watchpost:9090/#/alerts?receiver=team+ops\n\n[1] Firing\nLabels:\n - alertname = DiskFull\n - instance = a:9100"), "{text}");
    assert!(text.contains("[1] Resolved\n"));

    for (bad, why) in [
        (json!({"from": "a@x", "smarthost": "h:25"}), "no to address"),
        (json!({"to": "a@x", "smarthost": "h:25"}), "no from address"),
        (json!({"to": "a@x", "from": "b@x"}), "no smarthost"),
        (
            json!({"to": "a@x", "from": "b@x", "smarthost": "h"}),
            "invalid smarthost",
        ),
        (
            json!({"to": "a@x", "from": "b@x, c@x", "smarthost": "h:25"}),
            "exactly one 'from' address (got: 2)",
        ),
        (
            json!({"to": "nobody", "from": "b@x", "smarthost": "h:25"}),
            "parse 'to' addresses: mail: missing @",
        ),
    ] {
        let s: Settings = notify::settings(&Map::new(), &bad.to_string()).unwrap();
        let e = Mail::new(&s, &n, NOW).err().unwrap();
        assert!(e.message().contains(why), "{bad}: {}", e.message());
        assert!(!e.is_retryable());
    }
}

#[test]
fn address_lists_parse_like_go() {
    assert_eq!(
        parse_address_list(r#"a@x.org, Ops <b@y.org>, "Doe, J" <c@z.org>, d@w.org (night shift)"#)
            .unwrap(),
        ["a@x.org", "b@y.org", "c@z.org", "d@w.org"]
    );
    assert_eq!(
        parse_address_list("<root@[127.0.0.1]>").unwrap(),
        ["root@[127.0.0.1]"]
    );
    for bad in [
        "",
        "nobody",
        "a@x.org,",
        "<a@x.org",
        "a b@x.org",
        "Ops <a@x.org> junk",
        "a@",
    ] {
        assert!(parse_address_list(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn dot_stuffing_follows_rfc5321() {
    assert_eq!(smtp::dot_stuff(".a\r\nb\n.\r\n"), "..a\r\nb\r\n..\r\n.\r\n");
    assert_eq!(smtp::dot_stuff("no end"), "no end\r\n.\r\n");
    assert_eq!(smtp::base64_decode("VXNlcm5hbWU6").unwrap(), b"Username:");
    assert_eq!(smtp::base64_decode("YWI=").unwrap(), b"ab");
    assert!(smtp::base64_decode("*").is_none());
}

#[test]
fn mechanisms_are_chosen_like_alertmanager() {
    let creds = |password: &str, secret: &str| Credentials {
        username: "am".into(),
        password: password.into(),
        secret: secret.into(),
        identity: String::new(),
    };
    let name = |r: Result<Option<Auth>, SmtpError>| r.map(|a| a.map(|a| a.name()));
    // The server's order decides.
    assert_eq!(
        name(creds("pw", "").choose("LOGIN PLAIN", "127.0.0.1", false)),
        Ok(Some("LOGIN"))
    );
    assert_eq!(
        name(creds("pw", "s").choose("CRAM-MD5 PLAIN", "mx", true)),
        Ok(Some("CRAM-MD5"))
    );
    assert_eq!(
        name(creds("pw", "").choose("CRAM-MD5 PLAIN", "mx", true)),
        Ok(Some("PLAIN"))
    );
    // No user: no authentication.
    assert_eq!(
        name(Credentials::default().choose("PLAIN", "mx", true)),
        Ok(None)
    );
    let err = |r: Result<Option<Auth>, SmtpError>| r.err().unwrap().to_string();
    assert_eq!(
        err(creds("", "").choose("CRAM-MD5 PLAIN", "mx", true)),
        "find auth mechanism: missing secret for CRAM-MD5 auth mechanism; missing password for PLAIN auth mechanism"
    );
    assert_eq!(
        err(creds("pw", "").choose("XOAUTH2 GSSAPI", "mx", true)),
        "find auth mechanism: unknown auth mechanism: XOAUTH2 GSSAPI"
    );
    // Go's PlainAuth: no password in the clear but to localhost.
    assert!(
        err(creds("pw", "").choose("PLAIN", "mx.example.org", false))
            .contains("unencrypted connection")
    );
    assert!(creds("pw", "").choose("PLAIN", "::1", false).is_ok());
}

#[test]
fn cram_md5_answers_rfc2195_example() {
    let mut server = FakeSmtp::start(
        vec![
            "220 postoffice.reston.mci.net",
            // The challenge of RFC 2195, base64.
            "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
            "235 ok",
        ],
        None,
    );
    let mut c = Client::connect(&server.addr, None, Duration::from_secs(5)).unwrap();
    c.auth(&Auth::CramMd5 {
        username: "tim".into(),
        secret: "tanstaaftanstaaf".into(),
    })
    .unwrap();
    drop(c);
    let got = server.finish();
    assert_eq!(got[0], "AUTH CRAM-MD5");
    assert_eq!(
        smtp::base64_decode(&got[1]).unwrap(),
        b"tim b913a602c7eda7a495b4e6e7334d3890"
    );
}

// ---------------------------------------------------------------------------
// A scripted SMTP server.

/// Server side of the fake: plain, or TLS after `STARTTLS`.
enum Side {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

impl Side {
    fn read_byte(&mut self) -> Option<u8> {
        let mut b = [0u8];
        let n = match self {
            Side::Plain(s) => s.read(&mut b),
            Side::Tls(s) => s.read(&mut b),
        };
        matches!(n, Ok(1)).then_some(b[0])
    }
    fn send(&mut self, text: &str) {
        let bytes = format!("{text}\r\n");
        let _ = match self {
            Side::Plain(s) => s.write_all(bytes.as_bytes()),
            Side::Tls(s) => s.write_all(bytes.as_bytes()).and_then(|()| s.flush()),
        };
    }
}

/// A server on a free loopback port answering one connection with
/// `replies` in turn: the first is the greeting, each other one answers the
/// next line the client sends (the message, after a `354`). After a
/// `220` to `STARTTLS` it goes on over TLS (with `tls`). It records what
/// the client sent; every wait is bounded.
struct FakeSmtp {
    addr: String,
    handle: Option<JoinHandle<Vec<String>>>,
}

fn server_tls() -> Arc<ServerConfig> {
    let certs = CertificateDer::pem_slice_iter(SERVER_CERT.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY.as_bytes()).unwrap();
    Arc::new(
        ServerConfig::builder_with_provider(Arc::new(rustls_rustcrypto::provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
    )
}

impl FakeSmtp {
    fn start(replies: Vec<&'static str>, tls: Option<Arc<ServerConfig>>) -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        listener.set_nonblocking(true).unwrap();
        let handle = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(10);
            let socket = loop {
                match listener.accept() {
                    Ok((s, _)) => break s,
                    Err(_) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err(_) => return Vec::new(),
                }
            };
            socket.set_nonblocking(false).unwrap();
            socket
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut side = Side::Plain(socket);
            let mut got = Vec::new();
            let mut replies = replies.into_iter();
            if let Some(greeting) = replies.next() {
                side.send(greeting);
            }
            let mut in_data = false;
            for reply in replies {
                let mut line = Vec::new();
                loop {
                    let Some(b) = side.read_byte() else {
                        return got;
                    };
                    line.push(b);
                    let done = if in_data {
                        line.ends_with(b"\r\n.\r\n") || line == b".\r\n"
                    } else {
                        line.ends_with(b"\n")
                    };
                    if done {
                        break;
                    }
                }
                let mut text = String::from_utf8_lossy(&line).into_owned();
                if !in_data {
                    text.truncate(text.trim_end_matches(['\r', '\n']).len());
                }
                let starttls = text == "STARTTLS";
                got.push(text);
                if reply.is_empty() {
                    return got;
                }
                side.send(reply);
                in_data = reply.starts_with("354");
                if starttls
                    && reply.starts_with("220")
                    && let (Some(config), Side::Plain(socket)) = (&tls, &side)
                {
                    let socket = socket.try_clone().unwrap();
                    let conn = ServerConnection::new(Arc::clone(config)).unwrap();
                    side = Side::Tls(Box::new(StreamOwned::new(conn, socket)));
                }
            }
            // Wait for the client to hang up.
            while side.read_byte().is_some() {}
            got
        });
        FakeSmtp {
            addr,
            handle: Some(handle),
        }
    }

    fn port(&self) -> &str {
        self.addr.rsplit_once(':').unwrap().1
    }

    fn finish(&mut self) -> Vec<String> {
        self.handle.take().unwrap().join().unwrap()
    }
}

fn settings_for(server: &FakeSmtp, extra: Value) -> Value {
    let mut s = json!({
        "to": "Ops <ops@example.org>, oncall@example.org",
        "from": "Watchpost <alerts@example.org>",
        "smarthost": format!("127.0.0.1:{}", server.port()),
        "hello": "watchpost.example.org",
        "require_tls": false,
        "headers": {"Subject": "[FIRING:1] DiskFull", "X-Team": "ops"},
        "html": "<b>disk</b>",
        "text": "disk is full",
        "send_resolved": true,
    });
    s.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    s
}

const PASSWORD: &str = "s3cret-pw";

#[test]
fn plain_auth_dialogue() {
    let mut server = FakeSmtp::start(
        vec![
            "220 fake.test ESMTP",
            "250-fake.test greets watchpost\r\n250-8BITMIME\r\n250-SIZE 1000000\r\n250 AUTH PLAIN LOGIN",
            "235 2.7.0 Authentication successful",
            "250 2.1.0 ok",
            "250 2.1.5 ok",
            "251 2.1.5 forwarded",
            "354 go ahead",
            "250 2.0.0 queued as 1",
            "221 2.0.0 bye",
        ],
        None,
    );
    deliver(settings_for(
        &server,
        json!({"auth_username": "am", "auth_password": PASSWORD, "auth_identity": "id"}),
    ))
    .unwrap();
    let got = server.finish();
    assert_eq!(got.len(), 8, "{got:#?}");
    assert_eq!(got[0], "EHLO watchpost.example.org");
    assert_eq!(
        got[1],
        format!("AUTH PLAIN {}", notify::base64(b"id\0am\0s3cret-pw"))
    );
    assert_eq!(got[2], "MAIL FROM:<alerts@example.org> BODY=8BITMIME");
    assert_eq!(got[3], "RCPT TO:<ops@example.org>");
    assert_eq!(got[4], "RCPT TO:<oncall@example.org>");
    assert_eq!(got[5], "DATA");
    assert_eq!(got[7], "QUIT");
    let data = &got[6];
    assert!(data.starts_with(
        "From: Watchpost <alerts@example.org>\r\nSubject: [FIRING:1] DiskFull\r\nTo: Ops <ops@example.org>, oncall@example.org\r\nX-Team: ops\r\nMessage-Id: <"
    ), "{data}");
    assert!(data.contains("\r\nDate: Mon, 01 Jan 2024 09:15:00 +0000\r\nContent-Type: multipart/alternative;  boundary="));
    let text_at = data
        .find("Content-Type: text/plain; charset=UTF-8\r\n\r\ndisk is full\r\n")
        .unwrap();
    let html_at = data
        .find("Content-Type: text/html; charset=UTF-8\r\n\r\n<b>disk</b>\r\n")
        .unwrap();
    assert!(text_at < html_at, "text first, HTML last");
    assert!(data.ends_with("--\r\n.\r\n"));
}

#[test]
fn login_auth_dialogue() {
    let mut server = FakeSmtp::start(
        vec![
            "220 fake.test ESMTP",
            "250-fake.test\r\n250 AUTH LOGIN PLAIN",
            "334 VXNlcm5hbWU6",
            "334 UGFzc3dvcmQ6",
            "235 ok",
            "250 ok",
            "250 ok",
            "250 ok",
            "354 go ahead",
            "250 queued",
            "221 bye",
        ],
        None,
    );
    deliver(settings_for(
        &server,
        json!({"auth_username": "am", "auth_password": PASSWORD}),
    ))
    .unwrap();
    let got = server.finish();
    assert_eq!(got[0], "EHLO watchpost.example.org");
    assert_eq!(got[1], "AUTH LOGIN");
    assert_eq!(got[2], notify::base64(b"am"));
    assert_eq!(got[3], notify::base64(PASSWORD.as_bytes()));
    assert_eq!(got[4], "MAIL FROM:<alerts@example.org>");
    assert_eq!(got.last().unwrap(), "QUIT");
}

#[test]
fn cram_md5_dialogue_and_helo_fallback() {
    let mut server = FakeSmtp::start(
        vec![
            "220 fake.test ESMTP",
            "502 5.5.1 EHLO not implemented",
            "250 fake.test",
            "250 ok",
            "250 ok",
            "250 ok",
            "354 go ahead",
            "250 queued",
            "221 bye",
        ],
        None,
    );
    // HELO: no extensions, so no AUTH even with credentials (as
    // Alertmanager: it authenticates only when the server offers AUTH).
    deliver(settings_for(
        &server,
        json!({"auth_username": "am", "auth_secret": "tanstaaf", "hello": ""}),
    ))
    .unwrap();
    let got = server.finish();
    assert_eq!(
        got[..3],
        [
            "EHLO localhost",
            "HELO localhost",
            "MAIL FROM:<alerts@example.org>"
        ]
    );

    let mut server = FakeSmtp::start(
        vec![
            "220 fake.test ESMTP",
            "250-fake.test\r\n250 AUTH CRAM-MD5 PLAIN",
            "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
            "235 ok",
            "250 ok",
            "250 ok",
            "250 ok",
            "354 go ahead",
            "250 queued",
            "221 bye",
        ],
        None,
    );
    deliver(settings_for(
        &server,
        json!({"auth_username": "tim", "auth_secret": "tanstaaftanstaaf", "auth_password": PASSWORD}),
    ))
    .unwrap();
    let got = server.finish();
    assert_eq!(got[1], "AUTH CRAM-MD5");
    assert_eq!(
        smtp::base64_decode(&got[2]).unwrap(),
        b"tim b913a602c7eda7a495b4e6e7334d3890"
    );
}

/// Delivers against a server answering `replies` and returns the error.
fn failure(replies: Vec<&'static str>, extra: Value) -> (Error, Vec<String>) {
    let mut server = FakeSmtp::start(replies, None);
    let e = deliver(settings_for(&server, extra)).unwrap_err();
    (e, server.finish())
}

#[test]
fn replies_4xx_are_retryable_5xx_permanent() {
    let (e, got) = failure(
        vec![
            "220 fake",
            "250 fake",
            "250 ok",
            "450 4.2.1 mailbox busy",
            "221 bye",
        ],
        json!({}),
    );
    assert!(e.is_retryable(), "{e}");
    assert_eq!(
        e.message(),
        format!(
            "127.0.0.1:{}: RCPT TO: server answered 450 4.2.1 mailbox busy",
            got_port(&e)
        )
    );
    assert_eq!(got.last().unwrap(), "QUIT", "QUIT after a refusal");

    let (e, _) = failure(
        vec![
            "220 fake",
            "250 fake",
            "250 ok",
            "550 5.1.1 no such user",
            "221 bye",
        ],
        json!({}),
    );
    assert!(!e.is_retryable(), "{e}");
    assert!(
        e.message()
            .ends_with("RCPT TO: server answered 550 5.1.1 no such user")
    );

    let (e, _) = failure(
        vec!["220 fake", "250 fake", "421 4.3.2 shutting down"],
        json!({}),
    );
    assert!(
        e.is_retryable() && e.message().contains("MAIL FROM: server answered 421"),
        "{e}"
    );

    // A refusal of the message itself, after the data.
    let (e, _) = failure(
        vec![
            "220 fake",
            "250 fake",
            "250 ok",
            "250 ok",
            "250 ok",
            "354 go",
            "554 5.7.1 spam",
            "221 bye",
        ],
        json!({}),
    );
    assert!(
        !e.is_retryable()
            && e.message()
                .ends_with("end of DATA: server answered 554 5.7.1 spam"),
        "{e}"
    );

    // A greeting of 554 (RFC 5321: no service here).
    let (e, _) = failure(vec!["554 no service", ""], json!({}));
    assert!(
        !e.is_retryable() && e.message().contains("connect: server answered 554"),
        "{e}"
    );

    // Garbage is retryable (a transient confusion).
    let (e, _) = failure(vec!["HTTP/1.1 400 Bad Request", ""], json!({}));
    assert!(
        e.is_retryable() && e.message().contains("not an SMTP reply"),
        "{e}"
    );
}

fn got_port(e: &Error) -> String {
    e.message().split(':').nth(1).unwrap().to_string()
}

#[test]
fn auth_failures_never_show_the_password() {
    let (e, got) = failure(
        vec![
            "220 fake",
            "250-fake\r\n250 AUTH LOGIN",
            "334 VXNlcm5hbWU6",
            "334 UGFzc3dvcmQ6",
            // A server that echoes what it got.
            "535 5.7.8 bad credentials: s3cret-pw",
            "221 bye",
        ],
        json!({"auth_username": "am", "auth_password": PASSWORD}),
    );
    assert!(!e.is_retryable());
    assert!(
        e.message()
            .ends_with("AUTH LOGIN: server answered 535 5.7.8 bad credentials: <secret>"),
        "{e}"
    );
    assert!(!e.message().contains(PASSWORD));
    assert_eq!(got.last().unwrap(), "QUIT");

    let (e, _) = failure(
        vec![
            "220 fake",
            "250-fake\r\n250 AUTH LOGIN",
            "454 4.7.0 try later",
            "221 bye",
        ],
        json!({"auth_username": "am", "auth_password": PASSWORD}),
    );
    assert!(e.is_retryable(), "{e}");

    // A server offering nothing the settings can do.
    let (e, _) = failure(
        vec!["220 fake", "250-fake\r\n250 AUTH CRAM-MD5", "221 bye"],
        json!({"auth_username": "am", "auth_password": PASSWORD}),
    );
    assert!(!e.is_retryable());
    assert!(
        e.message()
            .ends_with("find auth mechanism: missing secret for CRAM-MD5 auth mechanism")
    );
}

#[test]
fn transport_failures_are_retryable() {
    // Nothing listens.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let e = deliver(json!({
        "to": "a@x.org", "from": "b@x.org", "smarthost": addr.to_string(), "require_tls": false,
    }))
    .unwrap_err();
    assert!(
        e.is_retryable() && e.message().contains("cannot connect"),
        "{e}"
    );

    // The server hangs up mid-way.
    let (e, _) = failure(vec!["220 fake", "250 fake", ""], json!({}));
    assert!(
        e.is_retryable() && e.message().contains("connection closed"),
        "{e}"
    );

    // A server that never greets: the deadline ends the wait.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let started = Instant::now();
    let e = deliver(json!({
        "to": "a@x.org", "from": "b@x.org", "smarthost": silent.local_addr().unwrap().to_string(),
        "timeout_seconds": 1,
    }))
    .unwrap_err();
    assert!(e.is_retryable() && e.message().contains("timed out"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn require_tls_needs_starttls() {
    let (e, got) = failure(
        vec!["220 fake", "250-fake\r\n250 AUTH PLAIN", "221 bye"],
        json!({"require_tls": true}),
    );
    assert!(!e.is_retryable());
    assert!(
        e.message()
            .contains("'require_tls' is true (default) but \"127.0.0.1:"),
        "{e}"
    );
    assert!(
        e.message()
            .ends_with("does not advertise the STARTTLS extension")
    );
    assert_eq!(got, ["EHLO watchpost.example.org", "QUIT"]);
}

/// STARTTLS, then AUTH PLAIN when `auth`.
fn tls_script(auth: bool) -> Vec<&'static str> {
    let mut script = vec![
        "220 fake.test ESMTP",
        "250-fake.test\r\n250-STARTTLS\r\n250 SIZE 100",
        "220 2.0.0 ready to start TLS",
        "250-fake.test\r\n250 AUTH PLAIN",
    ];
    if auth {
        script.push("235 ok");
    }
    script.extend([
        "250 ok",
        "250 ok",
        "250 ok",
        "354 go ahead",
        "250 queued",
        "221 bye",
    ]);
    script
}

#[test]
fn starttls_then_auth_over_tls() {
    let mut server = FakeSmtp::start(tls_script(true), Some(server_tls()));
    deliver(settings_for(
        &server,
        json!({
            "require_tls": true,
            "tls_config": {"ca": CA},
            "auth_username": "am", "auth_password": PASSWORD,
        }),
    ))
    .unwrap();
    let got = server.finish();
    assert_eq!(
        got[..4],
        [
            "EHLO watchpost.example.org".to_string(),
            "STARTTLS".into(),
            "EHLO watchpost.example.org".into(),
            format!("AUTH PLAIN {}", notify::base64(b"\0am\0s3cret-pw")),
        ]
    );
    assert!(got[8].contains("Subject: [FIRING:1] DiskFull\r\n"));
    assert_eq!(got.last().unwrap(), "QUIT");
}

#[test]
fn tls_verification_and_its_settings() {
    // Mozilla's roots do not know the test CA.
    let mut server = FakeSmtp::start(tls_script(false), Some(server_tls()));
    let e = deliver(settings_for(&server, json!({"require_tls": true}))).unwrap_err();
    assert!(e.is_retryable(), "{e}");
    assert!(
        e.message()
            .contains("TLS handshake: invalid peer certificate: UnknownIssuer"),
        "{e}"
    );
    server.finish();

    // The certificate is for localhost and 127.0.0.1, not another name.
    let mut server = FakeSmtp::start(tls_script(false), Some(server_tls()));
    let e = deliver(settings_for(
        &server,
        json!({"require_tls": true, "tls_config": {"ca": CA, "server_name": "mail.example.org"}}),
    ))
    .unwrap_err();
    assert!(e.message().contains("invalid peer certificate"), "{e}");
    server.finish();

    // server_name localhost is one of its names.
    let mut server = FakeSmtp::start(tls_script(false), Some(server_tls()));
    deliver(settings_for(
        &server,
        json!({"require_tls": true, "tls_config": {"ca": CA, "server_name": "localhost"}}),
    ))
    .unwrap();
    server.finish();

    // insecure_skip_verify takes any certificate.
    let mut server = FakeSmtp::start(tls_script(false), Some(server_tls()));
    deliver(settings_for(
        &server,
        json!({"require_tls": true, "tls_config": {"insecure_skip_verify": true}}),
    ))
    .unwrap();
    server.finish();

    // Only TLS 1.2 and 1.3 exist here.
    let e = Email::new(
        json!({"tls_config": {"max_version": "TLS11"}})
            .as_object()
            .unwrap()
            .clone(),
    )
    .err()
    .unwrap();
    assert!(e.message().contains("TLS 1.2 and 1.3 only"), "{e}");
    let e = Email::new(
        json!({"tls_config": {"ca": "not PEM"}})
            .as_object()
            .unwrap()
            .clone(),
    )
    .err()
    .unwrap();
    assert!(
        e.message()
            .contains("tls_config.ca holds no PEM certificate"),
        "{e}"
    );
}

#[test]
fn implicit_tls_client() {
    // Port 465's path: TLS from the first byte, then the greeting.
    let config = server_tls();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || {
        let (socket, _) = listener.accept().unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let conn = ServerConnection::new(config).unwrap();
        let mut tls = StreamOwned::new(conn, socket);
        tls.write_all(b"220 implicit TLS ESMTP\r\n").unwrap();
        tls.flush().unwrap();
        let mut line = Vec::new();
        let mut b = [0u8];
        while tls.read(&mut b).unwrap_or(0) == 1 {
            line.push(b[0]);
            if b[0] == b'\n' {
                break;
            }
        }
        tls.write_all(b"250 hi\r\n").unwrap();
        tls.flush().unwrap();
        String::from_utf8(line).unwrap()
    });
    let settings = TlsSettings {
        ca: Some(CA.into()),
        ..Default::default()
    };
    let pair = (
        settings.client_config().unwrap(),
        settings.server_name("127.0.0.1").unwrap(),
    );
    let mut c = Client::connect(&addr, Some(pair), Duration::from_secs(5)).unwrap();
    assert!(c.tls);
    c.hello("watchpost").unwrap();
    assert_eq!(server.join().unwrap(), "EHLO watchpost\r\n");
}
