//! Every stock notifier behind an Alertmanager configuration, in the real
//! binary: one alert posted to `/api/v2/alerts` is routed to a receiver with
//! Slack, PagerDuty, Opsgenie, Discord, Telegram, webhook and email (to a
//! real SMTP server, Python's aiosmtpd) integrations, plus two notifier
//! plugins the manifest adds to that receiver (a webhook and Microsoft
//! Teams, which Alertmanager 0.25's configuration has no key for), all
//! pointed at a local recorder. Each request must carry its service's
//! payload, with the global defaults applied (Slack's URL), secrets
//! resolved (inline, `*_file`) and Alertmanager's default templates
//! expanded by the host; each HTTP integration is retried after a 500 and
//! a 429, with the same payload.

mod support;

use serde_json::json;
use std::time::Duration;
use support::webhook::{Received, WebhookSink};
use support::{Server, free_port, post_json, wait_for};

const ROUTING_KEY: &str = "pd-routing-key-0123456789abcdef";

/// A real SMTP server (Python's `aiosmtpd`) on a free loopback port that
/// appends each message it receives (envelope and raw content) to a file;
/// it exits when stdin closes or after a minute.
const SMTP_SINK: &str = r#"
import json, os, sys, threading
from aiosmtpd.controller import Controller

class Handler:
    async def handle_DATA(self, server, session, envelope):
        with open(sys.argv[1], "a") as f:
            f.write(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                                "raw": envelope.content.decode("utf-8", "replace")}) + "\n")
        return "250 OK"

controller = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[2]))
controller.start()
print("READY", flush=True)
threading.Timer(60, lambda: os._exit(3)).start()
sys.stdin.read()
controller.stop()
os._exit(0)
"#;

/// Starts [`SMTP_SINK`] on `port`, writing to `out`; the child is killed
/// on drop of the returned guard.
fn start_smtp(dir: &std::path::Path, port: u16, out: &std::path::Path) -> support::Peer {
    let script = dir.join("smtp_sink.py");
    std::fs::write(&script, SMTP_SINK).unwrap();
    let mut child = std::process::Command::new("python3")
        .arg(&script)
        .arg(out)
        .arg(port.to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (aiosmtpd: scripts/install-peers.sh)");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert!(
        line.starts_with("READY"),
        "aiosmtpd did not start: {line:?}"
    );
    support::Peer(child)
}

fn config(hooks: &str, smtp_port: u16) -> String {
    format!(
        r#"global:
  slack_api_url: {hooks}/slack
  opsgenie_api_key: og-key-1
  opsgenie_api_url: {hooks}/opsgenie/
route:
  receiver: everyone
  group_by: [alertname]
  group_wait: 1s
receivers:
  - name: everyone
    slack_configs:
      - channel: '#ops'
    pagerduty_configs:
      - routing_key_file: pd.key
        url: {hooks}/pagerduty
    opsgenie_configs:
      - priority: P2
    discord_configs:
      - webhook_url: {hooks}/discord
    telegram_configs:
      - api_url: {hooks}/telegram
        bot_token: tg-token-42
        chat_id: 1234
    webhook_configs:
      - url: {hooks}/webhook
    email_configs:
      - to: ops@example.com, oncall@example.com
        from: watchpost@example.com
        smarthost: 127.0.0.1:{smtp_port}
        require_tls: false
"#
    )
}

fn find<'a>(received: &'a [Received], prefix: &str) -> Option<&'a Received> {
    received.iter().find(|r| r.path.starts_with(prefix))
}

#[test]
fn every_stock_notifier_sends_its_services_payload() {
    let dir = tempfile::tempdir().unwrap();
    let sink = WebhookSink::start();
    let smtp_port = free_port();
    let mails = dir.path().join("mails.jsonl");
    let _smtp = start_smtp(dir.path(), smtp_port, &mails);
    std::fs::write(
        dir.path().join("alertmanager.yml"),
        config(&sink.base, smtp_port),
    )
    .unwrap();
    std::fs::write(dir.path().join("pd.key"), format!("{ROUTING_KEY}\n")).unwrap();
    let port = free_port();
    let manifest = dir.path().join("watchpost.toml");
    std::fs::write(
        &manifest,
        format!(
            r#"[server]
listen = "127.0.0.1:{port}"

[alerting]
config = "alertmanager.yml"
external_url = "http://watchpost.example"
[alerting.notifiers]
everyone = ["custom", "teams"]

[[plugin]]
name = "custom"
kind = "notifier"
path = "webhook"
[plugin.capabilities]
network = ["{authority}"]
[plugin.config]
url = "{base}/custom"

[[plugin]]
name = "teams"
kind = "notifier"
path = "msteams"
[plugin.capabilities]
network = ["{authority}"]
[plugin.config]
webhook_url = "{base}/msteams"
"#,
            authority = sink.base.trim_start_matches("http://"),
            base = sink.base
        ),
    )
    .unwrap();
    let server = Server::start(&manifest, port);
    // Every HTTP service fails twice (a 500, then a 429) before accepting:
    // the host retries each integration on its own.
    let paths = [
        "/slack",
        "/pagerduty",
        "/opsgenie/v2/alerts",
        "/discord",
        "/msteams",
        "/telegram/bottg-token-42/sendMessage",
        "/webhook",
        "/custom",
    ];
    for path in paths {
        sink.answer(path, &[500, 429]);
    }
    let (status, body) = post_json(
        &format!("{}/api/v2/alerts", server.base),
        &json!([{
            "labels": {"alertname": "DiskFull", "instance": "db-1", "severity": "page"},
            "annotations": {"summary": "disk is full"},
        }]),
    );
    assert_eq!(status, 200, "{body}");
    let attempts = |got: &[Received], path: &str| got.iter().filter(|r| r.path == path).count();
    assert!(
        wait_for(Duration::from_secs(30), || {
            let got = sink.received();
            paths.iter().all(|p| attempts(&got, p) >= 3)
        }),
        "missing deliveries: {:?}\n{}",
        sink.received()
            .iter()
            .map(|r| r.path.clone())
            .collect::<Vec<_>>(),
        server.log_text()
    );
    let got = sink.received();
    for path in paths {
        let tries: Vec<&Received> = got.iter().filter(|r| r.path == path).collect();
        assert_eq!(
            tries.len(),
            3,
            "{path}: one attempt after the 500 and the 429"
        );
        assert!(
            tries.iter().all(|t| t.body == tries[0].body),
            "{path}: a retry resends the same payload"
        );
    }
    let got: Vec<Received> = got.into_iter().rev().collect();
    let subject = "[FIRING:1] DiskFull (db-1 page)";

    let slack = &find(&got, "/slack").unwrap().body;
    assert_eq!(slack["channel"], "#ops");
    assert_eq!(slack["attachments"][0]["title"], subject, "{slack}");
    assert!(
        slack["attachments"][0]["title_link"]
            .as_str()
            .unwrap()
            .starts_with("http://watchpost.example/#/alerts?receiver=everyone"),
        "{slack}"
    );

    let pd = &find(&got, "/pagerduty").unwrap().body;
    assert_eq!(pd["routing_key"], ROUTING_KEY, "the key file, trimmed");
    assert_eq!(pd["event_action"], "trigger");
    assert_eq!(pd["payload"]["summary"], subject);
    assert_eq!(pd["dedup_key"].as_str().unwrap().len(), 64, "{pd}");

    let og = find(&got, "/opsgenie/").unwrap();
    assert_eq!(og.path, "/opsgenie/v2/alerts");
    assert_eq!(og.headers["authorization"], "GenieKey og-key-1");
    assert_eq!(og.body["priority"], "P2");
    assert_eq!(og.body["message"], subject);

    let discord = &find(&got, "/discord").unwrap().body;
    assert_eq!(discord["embeds"][0]["title"], subject, "{discord}");

    let teams = &find(&got, "/msteams").unwrap().body;
    assert_eq!(teams["@type"], "MessageCard", "{teams}");
    assert_eq!(teams["title"], subject, "{teams}");
    assert_eq!(teams["themeColor"], "8C1A1A", "{teams}");

    let tg = find(&got, "/telegram").unwrap();
    assert_eq!(tg.path, "/telegram/bottg-token-42/sendMessage");
    assert_eq!(tg.body["chat_id"], "1234");

    let hook = &find(&got, "/webhook").unwrap().body;
    assert_eq!(hook["version"], "4");
    assert_eq!(hook["alerts"][0]["labels"]["instance"], "db-1");

    // Email through a real SMTP server: envelope, headers, both bodies.
    assert!(
        wait_for(Duration::from_secs(20), || mails.exists()),
        "no mail; log:\n{}",
        server.log_text()
    );
    let mail: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&mails)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(mail["from"], "watchpost@example.com");
    assert_eq!(mail["to"], json!(["ops@example.com", "oncall@example.com"]));
    let raw = mail["raw"].as_str().unwrap();
    assert!(raw.contains(&format!("Subject: {subject}")), "{raw}");
    assert!(raw.contains("multipart/alternative"), "{raw}");
    assert!(raw.contains("text/html"), "{raw}");

    // The manifest's own notifier for the receiver, beside its integrations.
    let custom = &find(&got, "/custom").unwrap().body;
    assert_eq!(custom["receiver"], "everyone");

    let log = server.log_text();
    for secret in [ROUTING_KEY, "og-key-1", "tg-token-42"] {
        assert!(!log.contains(secret), "{secret} was logged");
    }
}
