//! The card's exact JSON, and real POSTs to a one-shot HTTP server on
//! 127.0.0.1 (the SDK's native client stands in for `wasi:http`).

use super::*;
use serde_json::json;
use std::net::TcpListener;
use watchpost_sdk::testing::{TestHost, serve_once};
use watchpost_sdk::{Alert, AlertStatus, labels};

fn notification(status: AlertStatus) -> Notification {
    let alert = |instance: &str, status: AlertStatus| Alert {
        status,
        labels: labels([("alertname", "DiskFull"), ("instance", instance)]),
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
        common_labels: labels([("alertname", "DiskFull")]),
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

fn card(settings: Value, status: AlertStatus) -> Value {
    let s: Settings = common::settings(&Map::new(), &settings.to_string()).unwrap();
    serde_json::to_value(MessageCard::new(&s, &notification(status))).unwrap()
}

#[test]
fn card_matches_alertmanager() {
    let settings = json!({
        "webhook_url": "https://example.webhook.office.com/webhookb2/x",
        "send_resolved": true,
        "title": "[FIRING:1] DiskFull ",
        "summary": "disk full",
        "text": "Alerts Firing: a:9100",
    });
    let expected = json!({
        "@type": "MessageCard",
        "@context": "http://schema.org/extensions",
        "title": "[FIRING:1] DiskFull ",
        "summary": "disk full",
        "text": "Alerts Firing: a:9100",
        "themeColor": "8C1A1A",
    });
    assert_eq!(card(settings.clone(), AlertStatus::Firing), expected);
    let resolved = card(settings, AlertStatus::Resolved);
    assert_eq!(resolved["themeColor"], "2DC72D");
}

#[test]
fn empty_texts_are_sent_empty() {
    let json = card(
        json!({"title": "", "summary": "", "text": ""}),
        AlertStatus::Firing,
    );
    assert_eq!(
        (&json["title"], &json["summary"], &json["text"]),
        (&json!(""), &json!(""), &json!(""))
    );
}

#[test]
fn absent_settings_take_alertmanager_defaults() {
    let json = card(json!({}), AlertStatus::Firing);
    assert_eq!(json["title"], "[FIRING:1] DiskFull ");
    assert_eq!(json["summary"], "[FIRING:1] DiskFull ");
    let alert = |i: &str| {
        format!(
            "\nLabels:\n  - alertname = DiskFull\n  - instance = {i}\n\nAnnotations:\n  - summary = disk is full\n\nSource: http://watchpost:9090/graph?i={i}\n"
        )
    };
    let text = format!(
        "\n\n# Alerts Firing:\n{}\n\n\n\n# Alerts Resolved:\n{}\n\n\n",
        alert("a:9100"),
        alert("b:9100")
    );
    assert_eq!(json["text"], text);
    let resolved = card(json!({}), AlertStatus::Resolved);
    assert_eq!(resolved["title"], "[RESOLVED] DiskFull ");
}

fn deliver(integration: Value) -> watchpost_sdk::Result<()> {
    TestHost::new().install();
    let mut n = notification(AlertStatus::Firing);
    n.integration = integration.to_string();
    Teams::new(Map::new())?.deliver(&n)
}

#[test]
fn posts_the_card() {
    let (base, server) = serve_once("200 OK", "text/plain", "1");
    let auth = json!({"basic_auth": {"username": "am", "password": "s3cret"}});
    let url = format!("{base}/webhookb2/abc/IncomingWebhook/def");
    deliver(json!({"webhook_url": url, "title": "t", "http_config": auth})).unwrap();
    let got = server.join().unwrap();
    assert_eq!(got.header("authorization"), Some("Basic YW06czNjcmV0"));
    assert_eq!(
        got.request_line(),
        "POST /webhookb2/abc/IncomingWebhook/def HTTP/1.1"
    );
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert!(got.header("user-agent").unwrap().starts_with("Watchpost/"));
    assert_eq!(got.json()["@type"], "MessageCard");
    assert_eq!(got.json()["title"], "t");
}

#[test]
fn failures_are_sorted_for_retries() {
    let error = |status: &'static str| {
        let (base, server) = serve_once(
            status,
            "text/plain",
            "Bad payload received by generic incoming webhook.",
        );
        let err = deliver(json!({"webhook_url": format!("{base}/hook")})).unwrap_err();
        server.join().unwrap();
        err
    };
    for status in [
        "500 Internal Server Error",
        "504 Gateway Timeout",
        "429 Too Many Requests",
    ] {
        assert!(error(status).is_retryable(), "{status}");
    }
    let err = error("400 Bad Request");
    assert!(!err.is_retryable());
    assert!(
        err.message()
            .contains("HTTP status 400: Bad payload received"),
        "{err}"
    );
    assert!(
        !err.message().contains("/hook"),
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
    let (base, server) = serve_once("200 OK", "text/plain", "1");
    TestHost::new().install();
    let Value::Object(config) =
        json!({"webhook_url": format!("{base}/hook"), "title": "cfg", "summary": "cfg"})
    else {
        unreachable!()
    };
    let mut plugin = Teams::new(config).unwrap();
    let mut n = notification(AlertStatus::Firing);
    n.integration = json!({"summary": "override"}).to_string();
    plugin.deliver(&n).unwrap();
    let body = server.join().unwrap().json();
    assert_eq!(
        (&body["title"], &body["summary"]),
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
        Teams::new(config).is_err()
    };
    assert!(bad(json!({"webhook_url": "outlook.office.com/webhook"})));
    assert!(bad(json!({"title": 3})));
    assert!(!bad(
        json!({"webhook_url": "https://x.webhook.office.com/a", "send_resolved": true})
    ));
}
