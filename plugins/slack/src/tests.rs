//! The message's exact JSON, and real POSTs to a one-shot HTTP server on
//! 127.0.0.1 (the SDK's native client stands in for `wasi:http`).

use super::*;
use serde_json::json;
use std::net::TcpListener;
use watchpost_sdk::testing::{TestHost, serve_once};
use watchpost_sdk::{Alert, AlertStatus, labels};

fn notification(status: AlertStatus) -> Notification {
    let alert = |instance: &str, status: AlertStatus| Alert {
        status,
        labels: labels([
            ("alertname", "DiskFull"),
            ("instance", instance),
            ("severity", "page"),
        ]),
        annotations: labels([("summary", "disk is full")]),
        starts_at_ms: 1_704_100_500_000,
        ends_at_ms: (status == AlertStatus::Resolved).then_some(1_704_101_400_000),
        generator_url: "http://watchpost:9090/graph?g0.expr=disk".into(),
        fingerprint: format!("fp-{instance}"),
    };
    Notification {
        receiver: "team ops".into(),
        status,
        group_key: "{}:{alertname=\"DiskFull\"}".into(),
        group_labels: labels([("alertname", "DiskFull")]),
        common_labels: labels([("severity", "page"), ("alertname", "DiskFull")]),
        common_annotations: labels([("summary", "disk is full")]),
        external_url: "http://watchpost:9090".into(),
        alerts: vec![
            alert("a:9100", status),
            alert("b:9100", AlertStatus::Resolved),
        ],
        attempt: 0,
        integration: "{}".into(),
        truncated_alerts: 0,
    }
}

fn settings(json: Value) -> Settings {
    common::settings(&Map::new(), &json.to_string()).unwrap()
}

fn message(json: Value, status: AlertStatus) -> Value {
    serde_json::to_value(Message::new(&settings(json), &notification(status))).unwrap()
}

#[test]
fn message_matches_alertmanager() {
    let json = message(
        json!({
            "api_url": "https://hooks.slack.com/services/T/B/x",
            "send_resolved": true,
            "channel": "#ops",
            "username": "watchpost",
            "color": "danger",
            "title": "[FIRING:1] DiskFull",
            "title_link": "http://watchpost:9090/#/alerts",
            "pretext": "pre",
            "text": "disk is full",
            "fields": [
                {"title": "instance", "value": "a:9100"},
                {"title": "severity", "value": "page", "short": false},
            ],
            "short_fields": true,
            "footer": "foot",
            "fallback": "fall",
            "callback_id": "cb",
            "icon_emoji": ":fire:",
            "icon_url": "http://icons/fire.png",
            "image_url": "http://img/a.png",
            "thumb_url": "http://img/t.png",
            "link_names": true,
            "mrkdwn_in": ["text"],
            "actions": [
                {"type": "button", "text": "Runbook", "url": "http://runbook", "style": "primary"},
                {"type": "button", "text": "Silence", "name": "silence", "value": "1h",
                 "confirm": {"text": "Sure?", "title": "Silence", "ok_text": "Yes", "dismiss_text": "No"}},
            ],
        }),
        AlertStatus::Firing,
    );
    let expected = json!({
        "channel": "#ops",
        "username": "watchpost",
        "icon_emoji": ":fire:",
        "icon_url": "http://icons/fire.png",
        "link_names": true,
        "attachments": [{
            "title": "[FIRING:1] DiskFull",
            "title_link": "http://watchpost:9090/#/alerts",
            "pretext": "pre",
            "text": "disk is full",
            "fallback": "fall",
            "callback_id": "cb",
            "fields": [
                {"title": "instance", "value": "a:9100", "short": true},
                {"title": "severity", "value": "page", "short": false},
            ],
            "actions": [
                {"type": "button", "text": "Runbook", "url": "http://runbook", "style": "primary"},
                {"type": "button", "text": "Silence", "name": "silence", "value": "1h",
                 "confirm": {"text": "Sure?", "title": "Silence", "ok_text": "Yes", "dismiss_text": "No"}},
            ],
            "image_url": "http://img/a.png",
            "thumb_url": "http://img/t.png",
            "footer": "foot",
            "color": "danger",
            "mrkdwn_in": ["text"],
        }],
    });
    assert_eq!(json, expected);
}

#[test]
fn empty_settings_are_left_out_like_omitempty() {
    let empty = json!({
        "channel": "", "username": "", "color": "", "title": "", "title_link": "",
        "pretext": "", "text": "", "footer": "", "fallback": "", "callback_id": "",
        "icon_emoji": "", "icon_url": "", "image_url": "", "thumb_url": "",
    });
    let json = message(empty, AlertStatus::Firing);
    let expected = json!({
        "attachments": [{
            "text": "",
            "fallback": "",
            "callback_id": "",
            "footer": "",
            "mrkdwn_in": ["fallback", "pretext", "text"],
        }],
    });
    assert_eq!(json, expected);
}

#[test]
fn absent_settings_take_alertmanager_defaults() {
    let url = "http://watchpost:9090/#/alerts?receiver=team+ops";
    let firing = message(json!({}), AlertStatus::Firing);
    let expected = json!({
        "username": "Alertmanager",
        "attachments": [{
            "title": "[FIRING:1] DiskFull (page)",
            "title_link": url,
            "text": "",
            "fallback": format!("[FIRING:1] DiskFull (page) | {url}"),
            "callback_id": "",
            "footer": "",
            "color": "danger",
            "mrkdwn_in": ["fallback", "pretext", "text"],
        }],
    });
    assert_eq!(firing, expected);
    let resolved = message(json!({}), AlertStatus::Resolved);
    assert_eq!(
        resolved["attachments"][0]["title"],
        "[RESOLVED] DiskFull (page)"
    );
    assert_eq!(resolved["attachments"][0]["color"], "good");
}

#[test]
fn long_titles_are_truncated() {
    let json = message(json!({"title": "é".repeat(2000)}), AlertStatus::Firing);
    let title = json["attachments"][0]["title"].as_str().unwrap();
    assert_eq!(title.chars().count(), 1024);
    assert!(title.ends_with("é…"));
}

fn deliver(integration: Value) -> watchpost_sdk::Result<()> {
    TestHost::new().install();
    let mut n = notification(AlertStatus::Firing);
    n.integration = integration.to_string();
    Slack::new(Map::new())?.deliver(&n)
}

#[test]
fn posts_to_an_incoming_webhook() {
    let (base, server) = serve_once("200 OK", "text/plain", "ok");
    let url = format!("{base}/services/T0/B0/secret");
    deliver(json!({"api_url": url, "channel": "#ops", "title": "t", "text": "x"})).unwrap();
    let got = server.join().unwrap();
    assert!(
        got.head
            .starts_with("POST /services/T0/B0/secret HTTP/1.1\r\n"),
        "{}",
        got.head
    );
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert!(got.header("user-agent").unwrap().starts_with("Watchpost/"));
    assert_eq!(got.header("authorization"), None);
    let body = got.json();
    assert_eq!(body["channel"], "#ops");
    assert_eq!(body["attachments"][0]["title"], "t");
    assert_eq!(body["attachments"][0]["text"], "x");
}

#[test]
fn chat_post_message_sends_the_bot_token_and_reads_ok_false() {
    let token = json!({"authorization": {"type": "Bearer", "credentials": "xoxb-1"}});
    let (base, server) = serve_once(
        "200 OK",
        "application/json; charset=utf-8",
        r#"{"ok":true,"ts":"1.2"}"#,
    );
    let url = format!("{base}/api/chat.postMessage");
    deliver(json!({"api_url": url, "channel": "C1", "http_config": token})).unwrap();
    let got = server.join().unwrap();
    assert!(
        got.head
            .starts_with("POST /api/chat.postMessage HTTP/1.1\r\n")
    );
    assert_eq!(got.header("authorization"), Some("Bearer xoxb-1"));
    assert_eq!(got.json()["channel"], "C1");

    let (base, server) = serve_once(
        "200 OK",
        "application/json",
        r#"{"ok":false,"error":"channel_not_found"}"#,
    );
    let url = format!("{base}/api/chat.postMessage");
    let err = deliver(json!({"api_url": url, "http_config": token})).unwrap_err();
    server.join().unwrap();
    assert!(!err.is_retryable());
    assert!(err.message().contains("channel_not_found"), "{err}");
}

#[test]
fn server_errors_and_rate_limits_are_retryable() {
    for status in [
        "500 Internal Server Error",
        "503 Service Unavailable",
        "429 Too Many Requests",
    ] {
        let (base, server) = serve_once(status, "text/plain", "later");
        let err = deliver(json!({"api_url": format!("{base}/hook")})).unwrap_err();
        server.join().unwrap();
        assert!(err.is_retryable(), "{status}: {err}");
    }
}

#[test]
fn client_errors_are_permanent_with_the_answer() {
    let (base, server) = serve_once("400 Bad Request", "text/plain", "invalid_payload");
    let err = deliver(json!({"api_url": format!("{base}/hook")})).unwrap_err();
    server.join().unwrap();
    assert!(!err.is_retryable());
    assert!(
        err.message().contains("HTTP status 400: invalid_payload"),
        "{err}"
    );
    // The URL (a secret for Slack webhooks) is not in the message.
    assert!(!err.message().contains("/hook"), "{err}");
}

#[test]
fn transport_errors_are_retryable() {
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = deliver(json!({"api_url": format!("http://{address}/hook")})).unwrap_err();
    assert!(err.is_retryable(), "{err}");
}

#[test]
fn plugin_config_is_the_base_of_the_settings() {
    let (base, server) = serve_once("200 OK", "text/plain", "ok");
    TestHost::new().install();
    let config = json!({"api_url": format!("{base}/hook"), "channel": "#default", "title": "cfg"});
    let Value::Object(config) = config else {
        unreachable!()
    };
    let mut plugin = Slack::new(config).unwrap();
    let mut n = notification(AlertStatus::Firing);
    n.integration = json!({"channel": "#override", "title": null}).to_string();
    plugin.deliver(&n).unwrap();
    let body = server.join().unwrap().json();
    assert_eq!(body["channel"], "#override");
    assert_eq!(
        body["attachments"][0]["title"], "cfg",
        "null keeps the config's value"
    );
}

#[test]
fn settings_are_checked() {
    let err = deliver(json!({"channel": "#ops"})).unwrap_err();
    assert!(
        !err.is_retryable() && err.message().contains("no api_url"),
        "{err}"
    );
    let bad = |config: Value| {
        let Value::Object(config) = config else {
            unreachable!()
        };
        Slack::new(config).is_err()
    };
    assert!(bad(json!({"api_url": "ftp://hooks.slack.com/x"})));
    assert!(bad(json!({"fields": "nope"})));
    assert!(bad(json!({"http_config": {"oauth2": {"client_id": "x"}}})));
    assert!(!bad(
        json!({"api_url": "https://hooks.slack.com/x", "send_resolved": false})
    ));
}
