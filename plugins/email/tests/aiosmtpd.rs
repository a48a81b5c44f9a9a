//! End to end against a real SMTP server: Python's `aiosmtpd` on
//! 127.0.0.1 (installed by `scripts/install-peers.sh`), with AUTH and, in
//! one run, STARTTLS required (OpenSSL on the server side, the test
//! certificates of `testdata/`). Each notification goes through the
//! plugin natively (the SDK's `net::connect` is std TCP there); the server
//! parses every message with Python's `email` package and writes what it
//! saw to a file, which the test reads back. Skipped, with a message, when
//! `aiosmtpd` is not installed.

use serde_json::{Map, Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use watchpost_plugin_email::Email;
use watchpost_sdk::testing::TestHost;
use watchpost_sdk::{Alert, AlertStatus, Notification, Notifier, labels};

const USER: &str = "watchpost";
const PASSWORD: &str = "s3cret-pw";
const CA: &str = include_str!("../testdata/ca.pem");

const SERVER: &str = r#"
import json, os, socket, ssl, sys, threading
from email import policy
from email.parser import BytesParser
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

out_path, mode, exclude, cert, key = sys.argv[1:6]
auth_log = []

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login == b"watchpost" and auth_data.password == b"s3cret-pw")
    auth_log.append({"mechanism": mechanism, "ok": ok})
    # handled=False: aiosmtpd answers 535 itself.
    return AuthResult(success=ok, handled=False)

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("full@"):
            return "452 4.2.2 mailbox full"
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        parts = [{"type": p.get_content_type(), "cte": p["Content-Transfer-Encoding"],
                  "body": p.get_content()}
                 for p in msg.walk() if p.get_content_maintype() == "text"]
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "authenticated": bool(session.authenticated),
            "auth": auth_log[-1] if auth_log else None,
            "tls": session.ssl is not None,
            "host_name": session.host_name,
            "content_type": msg.get_content_type(),
            "headers": {k: str(v) for k, v in msg.items()},
            "parts": parts,
            "raw": raw.decode("utf-8", "replace"),
        }
        with open(out_path, "a") as f:
            f.write(json.dumps(record) + "\n")
        return "250 2.0.0 Ok: queued"

s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
kwargs = dict(authenticator=authenticator, auth_require_tls=(mode == "starttls"),
              ready_timeout=20.0)
if exclude:
    kwargs["auth_exclude_mechanism"] = exclude.split(",")
if mode == "starttls":
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    kwargs.update(tls_context=ctx, require_starttls=True)
controller = Controller(Handler(), hostname="127.0.0.1", port=port, **kwargs)
controller.start()
print("READY", port, flush=True)
# Bounded: gone after a minute whatever happens, or when stdin closes.
threading.Timer(60, lambda: os._exit(3)).start()
sys.stdin.read()
controller.stop()
os._exit(0)
"#;

fn have_aiosmtpd() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "SKIPPED: python3 -c \"import aiosmtpd\" failed; run scripts/install-peers.sh \
             (pip install aiosmtpd) for the end-to-end SMTP tests"
        );
    }
    ok
}

/// A running aiosmtpd, stopped (and its files removed) on drop.
struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Server {
    /// `mode` is `plain` or `starttls`; `exclude` lists AUTH mechanisms the
    /// server does not offer (comma-separated).
    fn start(mode: &str, exclude: &str) -> Server {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "watchpost-email-e2e-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("server.py");
        std::fs::write(&script, SERVER).unwrap();
        let testdata = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(dir.join("messages.jsonl"))
            .arg(mode)
            .arg(exclude)
            .arg(testdata.join("server.pem"))
            .arg(testdata.join("server.key"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(
                std::fs::File::create(dir.join("server.log"))
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::null()),
            )
            .spawn()
            .expect("python3 runs");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let Some(port) = line
            .strip_prefix("READY ")
            .and_then(|p| p.trim().parse().ok())
        else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("aiosmtpd did not start: {line:?}");
        };
        Server { child, port, dir }
    }

    /// The messages received so far (waits, bounded, for `count`).
    fn messages(&self, count: usize) -> Vec<Value> {
        let path = self.dir.join("messages.jsonl");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let got: Vec<Value> = text
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            if got.len() >= count || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
            eprintln!("aiosmtpd's log:\n{log}");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn notification(integration: Value) -> Notification {
    Notification {
        receiver: "team-ops".into(),
        status: AlertStatus::Firing,
        group_key: "{}:{alertname=\"DiskFull\"}".into(),
        group_labels: labels([("alertname", "DiskFull")]),
        common_labels: labels([("alertname", "DiskFull"), ("severity", "page")]),
        common_annotations: vec![],
        external_url: "http://watchpost:9090".into(),
        alerts: vec![Alert {
            status: AlertStatus::Firing,
            labels: labels([("alertname", "DiskFull"), ("instance", "a:9100")]),
            annotations: labels([("summary", "disk is full")]),
            starts_at_ms: 1_704_100_500_000,
            ends_at_ms: None,
            generator_url: "http://watchpost:9090/graph".into(),
            fingerprint: "fp".into(),
        }],
        attempt: 0,
        integration: integration.to_string(),
        truncated_alerts: 0,
    }
}

/// Texts that exercise the encodings: non-ASCII, `=`, a line starting
/// with `.` (dot-stuffing), trailing spaces, a line longer than 76.
const TEXT: &str = "Disk full on a:9100 ✓\n.hidden dot line\nratio=97% \nend";
fn html() -> String {
    format!(
        "<html><body><h1>DiskFull — a:9100</h1><p>{}</p>\n.<p>x=1</p></body></html>",
        "long line ".repeat(20)
    )
}

/// The settings of an `email_configs` entry as the host hands them over.
fn settings(server: &Server, extra: Value) -> Value {
    let mut s = json!({
        "to": "Ops Team <ops@example.org>, oncall@example.org",
        "from": "Watchpost <alerts@example.org>",
        "smarthost": format!("127.0.0.1:{}", server.port),
        "hello": "watchpost.test",
        "auth_username": USER,
        "auth_password": PASSWORD,
        "require_tls": false,
        "headers": {"Subject": "[FIRING:1] DiskFull ✓ on a:9100", "X-Team": "ops"},
        "html": html(),
        "text": TEXT,
        "send_resolved": true,
    });
    s.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    s
}

fn deliver(integration: Value) -> watchpost_sdk::Result<()> {
    TestHost::new().install();
    Email::new(Map::new())?.deliver(&notification(integration))
}

fn lf(text: &Value) -> String {
    text.as_str().unwrap().replace("\r\n", "\n")
}

fn check_message(m: &Value) {
    assert_eq!(m["mail_from"], "alerts@example.org");
    assert_eq!(
        m["rcpt_tos"],
        json!(["ops@example.org", "oncall@example.org"])
    );
    assert_eq!(m["host_name"], "watchpost.test");
    assert_eq!(m["authenticated"], true);
    assert_eq!(m["content_type"], "multipart/alternative");
    let h = &m["headers"];
    assert_eq!(
        h["Subject"], "[FIRING:1] DiskFull ✓ on a:9100",
        "Q-encoding decoded"
    );
    assert_eq!(h["From"], "Watchpost <alerts@example.org>");
    assert_eq!(h["To"], "Ops Team <ops@example.org>, oncall@example.org");
    assert_eq!(h["X-Team"], "ops");
    assert_eq!(h["MIME-Version"], "1.0");
    assert!(h["Message-Id"].as_str().unwrap().ends_with("@example.org>"));
    assert!(h["Date"].as_str().unwrap().ends_with(" +0000"));
    let parts = m["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert_eq!(parts[0]["type"], "text/plain");
    assert_eq!(parts[0]["cte"], "quoted-printable");
    assert_eq!(lf(&parts[0]["body"]), TEXT);
    assert_eq!(parts[1]["type"], "text/html");
    assert_eq!(lf(&parts[1]["body"]), html());
    // Encoded on the wire: no line over 76 characters in the bodies.
    let raw = m["raw"].as_str().unwrap();
    assert!(raw.contains("Subject: =?utf-8?q?"), "{raw}");
    let body = raw
        .split("\r\n\r\n")
        .skip(1)
        .collect::<Vec<_>>()
        .join("\r\n\r\n");
    assert!(body.lines().all(|l| l.len() <= 76), "{raw}");
}

#[test]
fn delivers_to_aiosmtpd_with_auth_login_and_plain() {
    if !have_aiosmtpd() {
        return;
    }
    // aiosmtpd offers `AUTH LOGIN PLAIN`: Alertmanager's choice is the
    // first it can do, LOGIN.
    let server = Server::start("plain", "");
    deliver(settings(&server, json!({}))).unwrap();
    let got = server.messages(1);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["auth"], json!({"mechanism": "LOGIN", "ok": true}));
    assert_eq!(got[0]["tls"], false);
    check_message(&got[0]);

    // Without LOGIN on offer: PLAIN (clear text is allowed to 127.0.0.1
    // only, as Go's net/smtp allows it).
    let server = Server::start("plain", "LOGIN");
    deliver(settings(&server, json!({}))).unwrap();
    let got = server.messages(1);
    assert_eq!(got[0]["auth"], json!({"mechanism": "PLAIN", "ok": true}));
    check_message(&got[0]);
}

#[test]
fn aiosmtpd_refusals_are_sorted_for_retries() {
    if !have_aiosmtpd() {
        return;
    }
    let server = Server::start("plain", "");
    // A wrong password: 535, permanent, the password not repeated.
    let e = deliver(settings(&server, json!({"auth_password": "wrong-pw-123"}))).unwrap_err();
    assert!(!e.is_retryable(), "{e}");
    assert!(
        e.message().contains("AUTH LOGIN: server answered 535"),
        "{e}"
    );
    assert!(!e.message().contains("wrong-pw-123"));
    // A full mailbox: 452, retryable.
    let e = deliver(settings(&server, json!({"to": "full@example.org"}))).unwrap_err();
    assert!(e.is_retryable(), "{e}");
    assert!(
        e.message()
            .ends_with("RCPT TO: server answered 452 4.2.2 mailbox full"),
        "{e}"
    );
    // An unknown user: 550, permanent.
    let e = deliver(settings(
        &server,
        json!({"to": "a@example.org, nobody@example.org"}),
    ))
    .unwrap_err();
    assert!(!e.is_retryable(), "{e}");
    assert!(
        e.message()
            .ends_with("RCPT TO: server answered 550 5.1.1 no such user"),
        "{e}"
    );
    // require_tls against a server without STARTTLS: permanent.
    let e = deliver(settings(&server, json!({"require_tls": true}))).unwrap_err();
    assert!(!e.is_retryable());
    assert!(
        e.message()
            .contains("does not advertise the STARTTLS extension"),
        "{e}"
    );
    let got = server.messages(0);
    assert!(got.is_empty(), "nothing was accepted: {got:#?}");
}

#[test]
fn starttls_with_aiosmtpd() {
    if !have_aiosmtpd() {
        return;
    }
    // The server insists on STARTTLS before anything and on TLS for AUTH.
    let server = Server::start("starttls", "");
    deliver(settings(
        &server,
        json!({"require_tls": true, "tls_config": {"ca": CA}}),
    ))
    .unwrap();
    let got = server.messages(1);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["tls"], true, "the message went over TLS");
    assert_eq!(got[0]["auth"], json!({"mechanism": "LOGIN", "ok": true}));
    check_message(&got[0]);

    // Not trusting the server's CA: the handshake fails, retryable, and
    // nothing is sent.
    let e = deliver(settings(&server, json!({"require_tls": true}))).unwrap_err();
    assert!(e.is_retryable(), "{e}");
    assert!(
        e.message()
            .contains("TLS handshake: invalid peer certificate"),
        "{e}"
    );
    // Without require_tls, Alertmanager does not ask for STARTTLS; this
    // server then refuses everything but EHLO (530, permanent).
    let e = deliver(settings(&server, json!({}))).unwrap_err();
    assert!(!e.is_retryable(), "{e}");
    assert!(e.message().contains("530"), "{e}");
    assert_eq!(server.messages(1).len(), 1);
}
