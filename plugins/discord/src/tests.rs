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
        generator_url: format!("http://watchpost:9090/graph?i={instance}"),
        fingerprint: format!("fp-{instance}"),
    };
    Notification {
        receiver: "team-ops".into(),
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

fn message(settings: Value, status: AlertStatus) -> Value {
    let s: Settings = common::settings(&Map::new(), &settings.to_string()).unwrap();
    serde_json::to_value(Message::new(&s, &notification(status))).unwrap()
}

#[test]
fn message_matches_alertmanager() {
    let settings = json!({
        "webhook_url": "https://discord.com/api/webhooks/1/secret",
        "send_resolved": true,
        "title": "[FIRING:1] DiskFull (page)",
        "message": "disk is full",
    });
    let expected = json!({
        "content": "",
        "embeds": [{"title": "[FIRING:1] DiskFull (page)", "description": "disk is full", "color": 0x992D22}],
    });
    assert_eq!(message(settings.clone(), AlertStatus::Firing), expected);
    let resolved = message(settings, AlertStatus::Resolved);
    assert_eq!(resolved["embeds"][0]["color"], 0x2ECC71);
}

#[test]
fn content_username_and_avatar_are_sent_when_set() {
    let json = message(
        json!({"title": "t", "message": "m", "content": "@here", "username": "wp", "avatar_url": "http://a/x.png"}),
        AlertStatus::Firing,
    );
    let expected = json!({
        "content": "@here",
        "embeds": [{"title": "t", "description": "m", "color": 0x992D22}],
        "username": "wp",
        "avatar_url": "http://a/x.png",
    });
    assert_eq!(json, expected);
}

#[test]
fn absent_settings_take_alertmanager_defaults() {
    let json = message(json!({}), AlertStatus::Firing);
    let alert = |i: &str| {
        format!(
            "Labels:\n - alertname = DiskFull\n - instance = {i}\n - severity = page\nAnnotations:\n - summary = disk is full\nSource: http://watchpost:9090/graph?i={i}\n"
        )
    };
    let description = format!(
        "\n\nAlerts Firing:\n{}\n\n\nAlerts Resolved:\n{}\n\n",
        alert("a:9100"),
        alert("b:9100")
    );
    let expected = json!({
        "content": "",
        "embeds": [{"title": "[FIRING:1] DiskFull (page)", "description": description, "color": 0x992D22}],
    });
    assert_eq!(json, expected);
}

#[test]
fn long_texts_are_cut_to_discords_limits() {
    let json = message(
        json!({"title": "t".repeat(300), "message": "m".repeat(5000)}),
        AlertStatus::Firing,
    );
    let embed = &json["embeds"][0];
    assert_eq!(embed["title"].as_str().unwrap().chars().count(), 256);
    assert!(embed["title"].as_str().unwrap().ends_with("t…"));
    assert_eq!(embed["description"].as_str().unwrap().chars().count(), 4096);
}

fn deliver(integration: Value) -> watchpost_sdk::Result<()> {
    TestHost::new().install();
    let mut n = notification(AlertStatus::Firing);
    n.integration = integration.to_string();
    Discord::new(Map::new())?.deliver(&n)
}

#[test]
fn posts_to_the_webhook() {
    let (base, server) = serve_once("204 No Content", "text/plain", "");
    deliver(json!({"webhook_url": format!("{base}/api/webhooks/1/secret"), "title": "t", "message": "m"})).unwrap();
    let got = server.join().unwrap();
    assert_eq!(got.request_line(), "POST /api/webhooks/1/secret HTTP/1.1");
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert!(got.header("user-agent").unwrap().starts_with("Watchpost/"));
    assert_eq!(got.header("authorization"), None);
    assert_eq!(
        got.json(),
        json!({"content": "", "embeds": [{"title": "t", "description": "m", "color": 0x992D22}]})
    );
}

#[test]
fn failures_are_sorted_for_retries() {
    let error = |status: &'static str| {
        let (base, server) = serve_once(
            status,
            "application/json",
            r#"{"message": "Invalid Webhook Token", "code": 50027}"#,
        );
        let err =
            deliver(json!({"webhook_url": format!("{base}/api/webhooks/1/secret")})).unwrap_err();
        server.join().unwrap();
        err
    };
    for status in [
        "500 Internal Server Error",
        "502 Bad Gateway",
        "429 Too Many Requests",
    ] {
        assert!(error(status).is_retryable(), "{status}");
    }
    let err = error("401 Unauthorized");
    assert!(!err.is_retryable());
    assert!(
        err.message().contains("HTTP status 401")
            && err.message().contains("Invalid Webhook Token"),
        "{err}"
    );
    assert!(
        !err.message().contains("secret"),
        "the webhook URL is a secret: {err}"
    );
}

#[test]
fn transport_errors_are_retryable() {
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = deliver(json!({"webhook_url": format!("http://{address}/hook")})).unwrap_err();
    assert!(err.is_retryable(), "{err}");
}

#[test]
fn plugin_config_is_the_base_of_the_settings() {
    let (base, server) = serve_once("204 No Content", "text/plain", "");
    TestHost::new().install();
    let Value::Object(config) =
        json!({"webhook_url": format!("{base}/hook"), "title": "cfg", "message": "cfg"})
    else {
        unreachable!()
    };
    let mut plugin = Discord::new(config).unwrap();
    let mut n = notification(AlertStatus::Firing);
    n.integration =
        json!({"message": "override", "http_config": {"authorization": {"credentials": "tok"}}})
            .to_string();
    plugin.deliver(&n).unwrap();
    let got = server.join().unwrap();
    assert_eq!(got.header("authorization"), Some("Bearer tok"));
    let embed = &got.json()["embeds"][0];
    assert_eq!(
        (&embed["title"], &embed["description"]),
        (&json!("cfg"), &json!("override"))
    );
}

#[test]
fn settings_are_checked() {
    let err = deliver(json!({"title": "x"})).unwrap_err();
    assert!(
        !err.is_retryable() && err.message().contains("no webhook_url"),
        "{err}"
    );
    let bad = |config: Value| {
        let Value::Object(config) = config else {
            unreachable!()
        };
        Discord::new(config).is_err()
    };
    assert!(bad(json!({"webhook_url": "discord.com/api/webhooks/1/x"})));
    assert!(bad(json!({"message": ["m"]})));
    assert!(!bad(
        json!({"webhook_url": "https://discord.com/api/webhooks/1/x", "send_resolved": true})
    ));
}
