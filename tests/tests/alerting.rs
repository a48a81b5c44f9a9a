//! The alert manager in the real binary: an alert from a rule file reaches
//! a webhook receiver through the stock `webhook` notifier (with the
//! credentials of `http_config`, read from a file and never logged); a
//! receiver that keeps failing is retried with backoff and counted while
//! another receiver is served; a restart in the middle of the repeat
//! interval does not notify again.

mod support;

use std::time::Duration;
use support::webhook::WebhookSink;
use support::{Server, free_port, wait_for};

const TOKEN: &str = "s3cret-token-7f1e";

const RULES: &str = r#"groups:
  - name: always
    rules:
      - alert: AlwaysFiring
        expr: vector(1) > 0
        labels: {severity: page, team: mail}
        annotations:
          summary: "it fires ({{ $value }})"
"#;

fn config(hooks: &str) -> String {
    format!(
        r#"route:
  receiver: ok
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: [team="mail"]
      receiver: ok
      continue: true
    - matchers: [team="mail"]
      receiver: broken
receivers:
  - name: ok
    webhook_configs:
      - url: {hooks}/ok
        http_config:
          authorization:
            credentials_file: token.txt
  - name: broken
    webhook_configs:
      - url: {hooks}/broken
"#
    )
}

fn write_setup(dir: &std::path::Path, hooks: &str, port: u16) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(dir.join("rules/always.yml"), RULES).unwrap();
    std::fs::write(dir.join("token.txt"), TOKEN).unwrap();
    std::fs::write(dir.join("alertmanager.yml"), config(hooks)).unwrap();
    let manifest = dir.join("watchpost.toml");
    std::fs::write(
        &manifest,
        format!(
            r#"[server]
listen = "127.0.0.1:{port}"

[alerting]
config = "alertmanager.yml"
external_url = "http://watchpost.example:9090"

[[plugin]]
name = "rules"
kind = "rule"
path = "prometheus-rules"
interval = "1s"
[plugin.capabilities]
read_dirs = ["rules"]
[plugin.config]
files = ["*.yml"]
"#
        ),
    )
    .unwrap();
    manifest
}

#[test]
fn rule_alerts_are_notified_retried_and_not_resent_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let sink = WebhookSink::start();
    // The broken receiver answers 500 forever.
    sink.answer("/broken", &[500; 1000]);
    let port = free_port();
    let manifest = write_setup(dir.path(), &sink.base, port);
    let server = Server::start(&manifest, port);

    let ok = |sink: &WebhookSink| {
        sink.received()
            .into_iter()
            .filter(|r| r.path == "/ok")
            .collect::<Vec<_>>()
    };
    assert!(
        wait_for(Duration::from_secs(30), || !ok(&sink).is_empty()),
        "no notification; log:\n{}",
        server.log_text()
    );
    let first = &ok(&sink)[0];
    let body = &first.body;
    assert_eq!(body["receiver"], "ok");
    assert_eq!(body["status"], "firing");
    assert_eq!(body["groupLabels"]["alertname"], "AlwaysFiring");
    assert_eq!(body["externalURL"], "http://watchpost.example:9090");
    let alert = &body["alerts"][0];
    assert_eq!(alert["labels"]["severity"], "page");
    assert_eq!(alert["annotations"]["summary"], "it fires (1)");
    assert!(
        alert["generatorURL"]
            .as_str()
            .unwrap()
            .starts_with("http://watchpost.example:9090/graph?g0.expr="),
        "{alert}"
    );
    assert_eq!(first.headers["authorization"], format!("Bearer {TOKEN}"));

    // The broken receiver is retried (backoff) and counted, and does not
    // hold the other one back.
    assert!(
        wait_for(Duration::from_secs(20), || {
            sink.received()
                .iter()
                .filter(|r| r.path == "/broken")
                .count()
                >= 3
        }),
        "broken receiver not retried; log:\n{}",
        server.log_text()
    );
    let failed = server
        .metric("alertmanager_notifications_failed_total{integration=\"webhook\"}")
        .unwrap_or(0.0);
    assert!(failed >= 2.0, "failures not counted: {failed}");
    assert!(!server.log_text().contains(TOKEN), "the token was logged");

    // Restart in the middle of the repeat interval: nothing is re-sent.
    let sent_before = ok(&sink).len();
    drop(server);
    let server = Server::start(&manifest, port);
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(
        ok(&sink).len(),
        sent_before,
        "re-sent after a restart; log:\n{}",
        server.log_text()
    );
    // Still firing there.
    let (_, alerts) = support::get(&format!("{}/api/v2/alerts", server.base)).unwrap();
    assert!(alerts.contains("AlwaysFiring"), "{alerts}");
}
