//! Differential test of alert routing against the real Alertmanager 0.25
//! (Debian's `prometheus-alertmanager`): the same `alertmanager.yml` (a
//! route tree with `continue`, `group_by` by name, by several labels and
//! `...`, short group_wait and group_interval, an inhibit rule, mute and
//! active time intervals, webhook receivers with and without
//! `send_resolved`), the same silence and the
//! same timed sequence of alerts posted to both. Each server notifies its
//! own webhook recorder; per receiver and group, the sequences of
//! notifications (status, firing and resolved alerts) must agree.

mod support;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use support::webhook::{Received, WebhookSink};
use support::{Server, free_port, post_json, wait_for};

fn config(hooks: &str) -> String {
    format!(
        r#"global:
  resolve_timeout: 5m
route:
  receiver: default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      group_by: [alertname, instance]
      continue: true
    - match_re:
        team: mail|smtp
      receiver: mail
      group_by: ['...']
    - matchers: [team="db"]
      receiver: db
      mute_time_intervals: [always]
    - matchers: [team="web"]
      receiver: web
      active_time_intervals: [in_1999]
    - matchers: [team="api"]
      receiver: api
      mute_time_intervals: [in_1999]
    - matchers: [team="cache"]
      receiver: cache
      active_time_intervals: [always, in_1999]
time_intervals:
  - name: always
    time_intervals:
      - weekdays: ['sunday:saturday']
  - name: in_1999
    time_intervals:
      - years: ['1999']
        times: [{{start_time: '00:00', end_time: '24:00'}}]
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [instance]
receivers:
  - name: default
    webhook_configs:
      - url: {hooks}/default
  - name: pager
    webhook_configs:
      - url: {hooks}/pager
        send_resolved: true
  - name: mail
    webhook_configs:
      - url: {hooks}/mail
        send_resolved: false
  - name: db
    webhook_configs:
      - url: {hooks}/db
  - name: web
    webhook_configs:
      - url: {hooks}/web
  - name: api
    webhook_configs:
      - url: {hooks}/api
  - name: cache
    webhook_configs:
      - url: {hooks}/cache
"#
    )
}

fn alert(labels: Value) -> Value {
    json!({ "labels": labels, "annotations": {"summary": "s"} })
}

/// (receiver path, group labels) → the notifications' (status, alerts as
/// (labels, status)), in arrival order.
type Summary = BTreeMap<(String, String), Vec<(String, Vec<(String, String)>)>>;

fn summary(received: &[Received]) -> Summary {
    let mut out = Summary::new();
    for r in received {
        let mut alerts: Vec<(String, String)> = r.body["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["labels"].to_string(),
                    a["status"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        alerts.sort();
        out.entry((r.path.clone(), r.body["groupLabels"].to_string()))
            .or_default()
            .push((r.body["status"].as_str().unwrap().to_string(), alerts));
    }
    out
}

fn silence(base: &str) {
    let now = chrono_now();
    let (status, body) = post_json(
        &format!("{base}/api/v2/silences"),
        &json!({
            "matchers": [{"name": "alertname", "value": "Silenced", "isRegex": false}],
            "startsAt": now,
            "endsAt": "2099-01-01T00:00:00Z",
            "createdBy": "test",
            "comment": "quiet",
        }),
    );
    assert_eq!(status, 200, "{base}: {body}");
}

fn chrono_now() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    humantime::format_rfc3339_millis(std::time::UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

fn post_alerts(base: &str, alerts: &[Value]) {
    let (status, body) = post_json(&format!("{base}/api/v2/alerts"), &json!(alerts));
    assert_eq!(status, 200, "{base}: {body}");
}

#[test]
fn routing_grouping_inhibition_and_silences_agree_with_alertmanager() {
    let dir = tempfile::tempdir().unwrap();
    let (theirs_sink, ours_sink) = (WebhookSink::start(), WebhookSink::start());
    let am_dir = dir.path().join("am");
    std::fs::create_dir_all(&am_dir).unwrap();
    let (_am, am) = support::start_alertmanager(&am_dir, &config(&theirs_sink.base));

    let port = free_port();
    std::fs::write(dir.path().join("alertmanager.yml"), config(&ours_sink.base)).unwrap();
    let manifest = dir.path().join("watchpost.toml");
    std::fs::write(
        &manifest,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n\n[alerting]\nconfig = \"alertmanager.yml\"\n"
        ),
    )
    .unwrap();
    let server = Server::start(&manifest, port);
    let ours = server.base.clone();

    for base in [&am, &ours] {
        silence(base);
    }
    let first = [
        alert(json!({"alertname": "NodeDown", "severity": "critical", "instance": "a"})),
        alert(json!({"alertname": "Disk", "severity": "warning", "instance": "a"})),
        alert(json!({"alertname": "Disk", "severity": "warning", "instance": "b"})),
        alert(json!({"alertname": "Queue", "team": "mail", "instance": "c"})),
        alert(json!({"alertname": "Queue", "team": "smtp", "instance": "c"})),
        alert(json!({"alertname": "Silenced", "severity": "warning", "instance": "d"})),
        alert(json!({"alertname": "Slow", "team": "db", "instance": "e"})),
        alert(json!({"alertname": "Slow", "team": "web", "instance": "e"})),
        alert(json!({"alertname": "Slow", "team": "api", "instance": "e"})),
        alert(json!({"alertname": "Slow", "team": "cache", "instance": "e"})),
    ];
    for base in [&am, &ours] {
        post_alerts(base, &first);
    }
    std::thread::sleep(Duration::from_millis(3_500));
    // NodeDown resolves: Disk on a is no longer inhibited; the mail
    // queue alert on smtp resolves (not sent: send_resolved is off).
    let now = chrono_now();
    let mut resolved =
        alert(json!({"alertname": "NodeDown", "severity": "critical", "instance": "a"}));
    resolved["endsAt"] = json!(now);
    let mut queue = alert(json!({"alertname": "Queue", "team": "smtp", "instance": "c"}));
    queue["endsAt"] = json!(now);
    for base in [&am, &ours] {
        post_alerts(base, &[resolved.clone(), queue.clone()]);
    }
    // Both have sent the pager's resolution and Disk's second notification.
    let settled = |sink: &WebhookSink| {
        let s = summary(&sink.received());
        s.values().map(Vec::len).sum::<usize>() >= 7
    };
    assert!(
        wait_for(Duration::from_secs(20), || settled(&theirs_sink)
            && settled(&ours_sink)),
        "not settled: alertmanager {:#?}\nwatchpost {:#?}\n{}",
        summary(&theirs_sink.received()),
        summary(&ours_sink.received()),
        server.log_text()
    );
    std::thread::sleep(Duration::from_secs(3));
    let (their_notes, our_notes) = (
        summary(&theirs_sink.received()),
        summary(&ours_sink.received()),
    );
    assert_eq!(
        our_notes,
        their_notes,
        "notifications differ; log:\n{}",
        server.log_text()
    );
    // Time intervals: muted outside active intervals and inside mute ones.
    let receivers: Vec<&str> = their_notes.keys().map(|(r, _)| r.as_str()).collect();
    for muted in ["/db", "/web"] {
        assert!(
            !receivers.contains(&muted),
            "{muted} notified: {receivers:?}"
        );
    }
    for open in ["/api", "/cache"] {
        assert!(
            receivers.contains(&open),
            "{open} not notified: {receivers:?}"
        );
    }

    // The same alerts are listed with the same status (silenced,
    // inhibited, receivers).
    let listed = |base: &str| -> Vec<(String, String, Value, Value)> {
        let (_, body) = support::get(&format!("{base}/api/v2/alerts")).unwrap();
        let v: Value = serde_json::from_str(&body).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["fingerprint"].as_str().unwrap().to_string(),
                    a["status"]["state"].as_str().unwrap().to_string(),
                    a["receivers"].clone(),
                    a["labels"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(listed(&ours), listed(&am));
}
