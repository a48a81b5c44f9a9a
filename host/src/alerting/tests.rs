//! The alert manager end to end in-process: grouping and `group_wait`,
//! deduplication, resolution with and without `send_resolved`, silences,
//! mute and active time intervals on a route,
//! inhibition, retries with backoff, and a restart that does not notify
//! again what the notification log says was sent.

use super::alert::{Alert, LabelSet};
use super::manager::AlertManager;
use super::policy::{InhibitRule, Policy};
use super::receiver::{Delivery, Integration, Receiver};
use super::silences::{Silence, SilenceMatcher};
use crate::runtime::bindings::types::{AlertStatus, Notification};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use watchpost_amconfig::{MatchType, Matcher};

type Sent = Arc<Mutex<Vec<Notification>>>;

fn labels(pairs: &[(&str, &str)]) -> LabelSet {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

fn matcher(name: &str, value: &str) -> Matcher {
    Matcher::new(MatchType::Equal, name, value).unwrap()
}

/// A receiver recording what it is sent; it answers with `outcomes` in
/// order, then `Delivered`.
fn receiver(name: &str, send_resolved: bool, outcomes: Vec<Delivery>) -> (Receiver, Sent) {
    let sent: Sent = Arc::default();
    let log = Arc::clone(&sent);
    let outcomes = Arc::new(Mutex::new(outcomes));
    let integration = Integration {
        name: "test".into(),
        index: 0,
        send_resolved,
        settings: serde_json::json!({"title": "{{ .Status }}: {{ .GroupLabels.alertname }}"}),
        deliver: Arc::new(move |n| {
            log.lock().unwrap().push(n);
            let next = {
                let mut o = outcomes.lock().unwrap();
                if o.is_empty() {
                    Delivery::Delivered
                } else {
                    o.remove(0)
                }
            };
            Box::pin(async move { next })
        }),
    };
    (
        Receiver {
            name: name.into(),
            integrations: vec![integration],
        },
        sent,
    )
}

/// A policy routing everything to `receiver`, grouped by alert name,
/// waiting 100 ms and flushing every 300 ms.
fn policy(receiver: Receiver, inhibit: Vec<InhibitRule>) -> Policy {
    let config = watchpost_amconfig::Config::load(&format!(
        "route:\n  receiver: {0}\n  group_by: [alertname]\n  group_wait: 100ms\n  group_interval: 300ms\n  repeat_interval: 1h\nreceivers:\n  - name: {0}\n",
        receiver.name
    ))
    .unwrap();
    let mut p = Policy::empty("http://watchpost:9090");
    p.root = watchpost_amconfig::Route::new(&config.route);
    p.receivers.insert(receiver.name.clone(), receiver);
    p.inhibit_rules = inhibit;
    p
}

fn alert(pairs: &[(&str, &str)], now: i64, ends_in: i64) -> Alert {
    Alert {
        labels: labels(pairs),
        annotations: LabelSet::new(),
        starts_at: now,
        ends_at: now + ends_in,
        updated_at: now,
        timeout: true,
        generator_url: String::new(),
    }
}

fn now() -> i64 {
    crate::util::now_ms()
}

/// (status, alertnames/instances with their status) of each notification.
fn summary(sent: &Sent) -> Vec<(String, Vec<String>)> {
    sent.lock()
        .unwrap()
        .iter()
        .map(|n| {
            let status = match n.status {
                AlertStatus::Firing => "firing",
                AlertStatus::Resolved => "resolved",
            };
            let alerts = n
                .alerts
                .iter()
                .map(|a| {
                    let get = |k: &str| {
                        a.labels
                            .iter()
                            .find(|l| l.name == k)
                            .map_or(String::new(), |l| l.value.clone())
                    };
                    let s = if a.ends_at_ms.is_some() {
                        "resolved"
                    } else {
                        "firing"
                    };
                    format!("{}/{}:{s}", get("alertname"), get("instance"))
                })
                .collect();
            (status.to_string(), alerts)
        })
        .collect()
}

async fn settle(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_wait_then_notify_once_and_resolve() {
    let (r, sent) = receiver("team", true, vec![]);
    let m = AlertManager::open(policy(r, vec![]), None).unwrap();
    let t = now();
    m.put_alerts(
        vec![
            alert(&[("alertname", "Disk"), ("instance", "a")], t, 60_000),
            alert(&[("alertname", "Disk"), ("instance", "b")], t, 60_000),
        ],
        t,
    );
    settle(50).await;
    assert!(sent.lock().unwrap().is_empty(), "group_wait not over");
    settle(200).await;
    assert_eq!(
        summary(&sent),
        [(
            "firing".to_string(),
            vec!["Disk/a:firing".to_string(), "Disk/b:firing".into()]
        )]
    );
    let n = sent.lock().unwrap()[0].clone();
    assert_eq!(n.group_key, "{}:{alertname=\"Disk\"}");
    let settings: serde_json::Value = serde_json::from_str(&n.integration).unwrap();
    assert_eq!(settings["title"], "firing: Disk", "templates expanded");
    // Unchanged: the next flushes send nothing (repeat interval is 1h).
    settle(700).await;
    assert_eq!(sent.lock().unwrap().len(), 1);
    // One resolves: notified at the next flush with its end.
    let t = now();
    m.put_alerts(
        vec![alert(
            &[("alertname", "Disk"), ("instance", "a")],
            t - 1_000,
            0,
        )],
        t,
    );
    settle(400).await;
    assert_eq!(
        summary(&sent)[1],
        (
            "firing".to_string(),
            vec!["Disk/a:resolved".to_string(), "Disk/b:firing".into()]
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silences_and_inhibitions_mute() {
    let (r, sent) = receiver("team", false, vec![]);
    let rule = InhibitRule {
        source: vec![matcher("severity", "critical")],
        target: vec![matcher("severity", "warning")],
        equal: vec!["instance".into()],
    };
    let m = AlertManager::open(policy(r, vec![rule]), None).unwrap();
    let t = now();
    m.lock()
        .silences_mut()
        .set(
            Silence {
                id: String::new(),
                matchers: vec![SilenceMatcher {
                    name: "alertname".into(),
                    value: "Quiet".into(),
                    is_regex: false,
                    is_equal: true,
                }],
                starts_at: t,
                ends_at: t + 60_000,
                updated_at: 0,
                created_by: "t".into(),
                comment: "c".into(),
            },
            t,
        )
        .unwrap();
    m.put_alerts(
        vec![
            alert(&[("alertname", "Quiet"), ("instance", "a")], t, 60_000),
            alert(
                &[
                    ("alertname", "Down"),
                    ("instance", "a"),
                    ("severity", "critical"),
                ],
                t,
                60_000,
            ),
            alert(
                &[
                    ("alertname", "Slow"),
                    ("instance", "a"),
                    ("severity", "warning"),
                ],
                t,
                60_000,
            ),
            alert(
                &[
                    ("alertname", "Slow"),
                    ("instance", "b"),
                    ("severity", "warning"),
                ],
                t,
                60_000,
            ),
        ],
        t,
    );
    settle(300).await;
    let mut got = summary(&sent);
    got.sort();
    assert_eq!(
        got,
        [
            ("firing".to_string(), vec!["Down/a:firing".to_string()]),
            ("firing".to_string(), vec!["Slow/b:firing".to_string()]),
        ]
    );
    let slow_a = labels(&[
        ("alertname", "Slow"),
        ("instance", "a"),
        ("severity", "warning"),
    ]);
    let (silenced, inhibited) = m.muted_by(&slow_a, now());
    assert!(silenced.is_empty());
    assert_eq!(inhibited.len(), 1);
    let (silenced, _) = m.muted_by(&labels(&[("alertname", "Quiet")]), now());
    assert_eq!(silenced.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_deliveries_are_retried_with_backoff_and_counted() {
    let (r, sent) = receiver(
        "team",
        false,
        vec![
            Delivery::Retryable("503".into()),
            Delivery::Retryable("connection reset".into()),
        ],
    );
    let m = AlertManager::open(policy(r, vec![]), None).unwrap();
    let t = now();
    m.put_alerts(vec![alert(&[("alertname", "Disk")], t, 60_000)], t);
    // group_wait, then 0.5 s and 1 s of backoff.
    settle(2_000).await;
    let attempts: Vec<u32> = sent.lock().unwrap().iter().map(|n| n.attempt).collect();
    assert_eq!(attempts, [0, 1, 2]);
    let metrics = m.metrics().encode();
    assert!(
        metrics.contains("alertmanager_notifications_failed_total{integration=\"test\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("alertmanager_notifications_total{integration=\"test\"} 3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_does_not_notify_again() {
    let dir = tempfile::tempdir().unwrap();
    let t = now();
    let firing = || alert(&[("alertname", "Disk")], t, 60_000);
    {
        let (r, sent) = receiver("team", false, vec![]);
        let m = AlertManager::open(policy(r, vec![]), Some(dir.path())).unwrap();
        m.put_alerts(vec![firing()], t);
        settle(300).await;
        assert_eq!(sent.lock().unwrap().len(), 1);
    }
    // The sender re-sends the same alert to a new process.
    let (r, sent) = receiver("team", false, vec![]);
    let m = AlertManager::open(policy(r, vec![]), Some(dir.path())).unwrap();
    m.put_alerts(vec![firing()], now());
    settle(600).await;
    assert!(sent.lock().unwrap().is_empty(), "{:?}", summary(&sent));
}

/// A policy whose only route is muted by `mute` (or only active in
/// `active`): time intervals by name, as an Alertmanager file declares them.
fn timed_policy(receiver: Receiver, route_extra: &str) -> Policy {
    let config = watchpost_amconfig::Config::load(&format!(
        "route:\n  receiver: {0}\n  group_by: [alertname]\n  group_wait: 100ms\n  group_interval: 300ms\n  routes:\n    - matchers: [team=\"mail\"]\n{route_extra}\nreceivers:\n  - name: {0}\ntime_intervals:\n  - name: always\n    time_intervals:\n      - weekdays: ['sunday:saturday']\n  - name: long-ago\n    time_intervals:\n      - years: ['2000']\n",
        receiver.name
    ))
    .unwrap();
    let mut p = Policy::empty("http://watchpost:9090");
    p.root = watchpost_amconfig::Route::new(&config.route);
    p.time_intervals = config
        .time_intervals
        .iter()
        .map(|t| (t.name.clone(), t.time_intervals.clone()))
        .collect();
    p.receivers.insert(receiver.name.clone(), receiver);
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_intervals_mute_their_routes_only() {
    for (extra, muted) in [
        ("      mute_time_intervals: [always]", true),
        ("      active_time_intervals: [long-ago]", true),
        ("      active_time_intervals: [always]", false),
        ("      mute_time_intervals: [long-ago]", false),
    ] {
        let (r, sent) = receiver("team", false, vec![]);
        let m = AlertManager::open(timed_policy(r, extra), None).unwrap();
        let t = now();
        m.put_alerts(
            vec![
                alert(&[("alertname", "Mail"), ("team", "mail")], t, 60_000),
                alert(&[("alertname", "Other")], t, 60_000),
            ],
            t,
        );
        settle(400).await;
        let mut got: Vec<String> = summary(&sent).into_iter().flat_map(|(_, a)| a).collect();
        got.sort();
        let want: Vec<String> = if muted {
            vec!["Other/:firing".into()]
        } else {
            vec!["Mail/:firing".into(), "Other/:firing".into()]
        };
        assert_eq!(got, want, "{extra}");
    }
}

/// Alertmanager renders an email's `html`, a Telegram `message` in HTML
/// parse mode and a Pushover `message` with `html: true` through
/// `html/template`; every other field stays `text/template`.
#[test]
fn html_notification_fields_are_escaped() {
    let p = Policy::empty("http://am.example");
    let now = now();
    let team = r#"<b>&"'"#;
    let firing = (
        alert(&[("alertname", "A"), ("team", team)], now, 60_000),
        None,
    );
    let alerts = [&firing];
    let group = labels(&[("team", team)]);
    let expand = |kind: &str, settings: serde_json::Value| {
        p.expand_settings(kind, &settings, "team x", &group, &alerts, now)
    };
    let escaped = "&lt;b&gt;&amp;&#34;&#39;";

    let email = expand(
        "email",
        serde_json::json!({
            "to": "ops@example.org",
            "html": "<p title=\"{{ .CommonLabels.team }}\">{{ .CommonLabels.team }}</p>",
            "text": "{{ .CommonLabels.team }}",
            "headers": {"Subject": "{{ .CommonLabels.team }}"},
        }),
    );
    assert_eq!(
        email["html"],
        format!("<p title=\"{escaped}\">{escaped}</p>")
    );
    assert_eq!(email["text"], team);
    assert_eq!(email["headers"]["Subject"], team);

    let default_email = expand(
        "email",
        serde_json::json!({
            "to": "ops@example.org",
            "html": r#"{{ template "email.default.html" . }}"#,
        }),
    );
    let html = default_email["html"].as_str().unwrap();
    assert!(html.contains(&format!("team = {escaped}<br")), "{html}");
    assert!(html.contains(
        r#"<a href="http://am.example/#/alerts?receiver=team&#43;x" class="btn-primary""#
    ));
    assert!(!html.contains(team));

    let telegram = |mode: &str| {
        expand(
            "telegram",
            serde_json::json!({
                "chat_id": 1,
                "parse_mode": mode,
                "message": "<b>{{ .CommonLabels.team }}</b>",
            }),
        )["message"]
            .clone()
    };
    assert_eq!(telegram("HTML"), format!("<b>{escaped}</b>"));
    assert_eq!(telegram("MarkdownV2"), format!("<b>{team}</b>"));
    assert_eq!(telegram(""), format!("<b>{team}</b>"));

    let pushover = |html: bool| {
        expand(
            "pushover",
            serde_json::json!({
                "html": html,
                "title": "{{ .CommonLabels.team }}",
                "message": "{{ .CommonLabels.team }}",
            }),
        )
    };
    assert_eq!(pushover(true)["message"], escaped);
    assert_eq!(pushover(true)["title"], team);
    assert_eq!(pushover(false)["message"], team);
    // Only those types: a webhook or Slack field named `html` is plain text.
    let slack = expand(
        "slack",
        serde_json::json!({"html": "{{ .CommonLabels.team }}"}),
    );
    assert_eq!(slack["html"], team);
}
