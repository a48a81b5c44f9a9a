//! The call's exact JSON, and real POSTs to a one-shot HTTP server on
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

fn call(settings: Value, status: AlertStatus) -> Value {
    let s: Settings = common::settings(&Map::new(), &settings.to_string()).unwrap();
    let chat = s.chat().unwrap();
    serde_json::to_value(payload::send_message(&s, &notification(status), &chat)).unwrap()
}

#[test]
fn call_matches_alertmanager() {
    let settings = json!({
        "send_resolved": true,
        "api_url": "https://api.telegram.org",
        "bot_token": "123:ABC",
        "chat_id": -1001234567890_i64,
        "message": "<b>DiskFull</b> on a:9100",
        "disable_notifications": false,
        "parse_mode": "HTML",
    });
    let expected = json!({
        "chat_id": "-1001234567890",
        "disable_web_page_preview": "true",
        "parse_mode": "HTML",
        "text": "<b>DiskFull</b> on a:9100",
    });
    assert_eq!(call(settings, AlertStatus::Firing), expected);
}

#[test]
fn options_follow_the_settings() {
    let json = call(
        json!({"chat_id": 42, "message": "m", "parse_mode": "", "disable_notifications": true, "message_thread_id": 7}),
        AlertStatus::Resolved,
    );
    let expected = json!({
        "chat_id": "42",
        "disable_notification": "true",
        "disable_web_page_preview": "true",
        "message_thread_id": "7",
        "text": "m",
    });
    assert_eq!(json, expected);
    assert_eq!(
        call(
            json!({"chat_id": "@ops", "message": "m"}),
            AlertStatus::Firing
        )["chat_id"],
        "@ops"
    );
}

#[test]
fn absent_settings_take_alertmanager_defaults() {
    let json = call(json!({"chat_id": 42}), AlertStatus::Firing);
    let alert = |i: &str| {
        format!(
            "Labels:\n - alertname = DiskFull\n - instance = {i}\nAnnotations:\n - summary = disk is full\nSource: http://watchpost:9090/graph?i={i}\n"
        )
    };
    let text = format!(
        "\n\nAlerts Firing:\n{}\n\n\nAlerts Resolved:\n{}\n\n",
        alert("a:9100"),
        alert("b:9100")
    );
    assert_eq!(json["text"], text);
    assert_eq!(json["parse_mode"], "HTML");
}

#[test]
fn default_html_messages_escape_values_like_html_template() {
    let mut s: Settings = common::settings(&Map::new(), r#"{"chat_id": 42}"#).unwrap();
    let mut n = notification(AlertStatus::Firing);
    n.alerts.truncate(1);
    n.alerts[0].annotations = labels([("summary", "<b>a & b</b> 'x' \"y\" 1+1")]);
    let html = &payload::send_message(&s, &n, "42")["text"];
    assert!(
        html.contains(
            " - summary = &lt;b&gt;a &amp; b&lt;/b&gt; &#39;x&#39; &#34;y&#34; 1&#43;1\n"
        ),
        "{html}"
    );
    s.parse_mode = Some("MarkdownV2".into());
    let plain = &payload::send_message(&s, &n, "42")["text"];
    assert!(
        plain.contains(" - summary = <b>a & b</b> 'x' \"y\" 1+1\n"),
        "{plain}"
    );
}

#[test]
fn long_messages_are_truncated() {
    let json = call(
        json!({"chat_id": 42, "message": "é".repeat(5000)}),
        AlertStatus::Firing,
    );
    let text = json["text"].as_str().unwrap();
    assert_eq!(text.chars().count(), 4096);
    assert!(text.ends_with("é…"));
}

const OK: &str = r#"{"ok":true,"result":{"message_id":1,"chat":{"id":42}}}"#;

fn deliver(integration: Value) -> watchpost_sdk::Result<()> {
    TestHost::new().install();
    let mut n = notification(AlertStatus::Firing);
    n.integration = integration.to_string();
    Telegram::new(Map::new())?.deliver(&n)
}

#[test]
fn calls_send_message() {
    let (base, server) = serve_once("200 OK", "application/json", OK);
    deliver(json!({"api_url": format!("{base}/"), "bot_token": "123:ABC", "chat_id": 42, "message": "m"})).unwrap();
    let got = server.join().unwrap();
    assert_eq!(got.request_line(), "POST /bot123:ABC/sendMessage HTTP/1.1");
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert!(got.header("user-agent").unwrap().starts_with("Watchpost/"));
    assert_eq!(got.json()["chat_id"], "42");
    assert_eq!(got.json()["text"], "m");
}

#[test]
fn refusals_are_sorted_for_retries() {
    let error = |status: &'static str, body: &'static str| {
        let (base, server) = serve_once(status, "application/json", body);
        let err = deliver(json!({"api_url": base, "bot_token": "123:SECRET", "chat_id": 42}))
            .unwrap_err();
        server.join().unwrap();
        assert!(
            !err.message().contains("SECRET"),
            "the URL holds the token: {err}"
        );
        err
    };
    let flood = r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}"#;
    assert!(error("429 Too Many Requests", flood).is_retryable());
    assert!(error("502 Bad Gateway", "<html>bad gateway</html>").is_retryable());
    let err = error(
        "400 Bad Request",
        r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#,
    );
    assert!(!err.is_retryable());
    assert!(err.message().contains("chat not found"), "{err}");
    // A 200 that says ok: false is a refusal too.
    let err = error(
        "200 OK",
        r#"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#,
    );
    assert!(!err.is_retryable());
    assert!(
        err.message().contains("bot was blocked by the user (403)"),
        "{err}"
    );
    assert!(error("200 OK", flood).is_retryable());
}

#[test]
fn transport_errors_are_retryable() {
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err =
        deliver(json!({"api_url": format!("http://{address}"), "bot_token": "t", "chat_id": 1}))
            .unwrap_err();
    assert!(err.is_retryable(), "{err}");
}

#[test]
fn plugin_config_is_the_base_of_the_settings() {
    let (base, server) = serve_once("200 OK", "application/json", OK);
    TestHost::new().install();
    let Value::Object(config) =
        json!({"api_url": base, "bot_token": "1:cfg", "chat_id": 1, "parse_mode": "Markdown"})
    else {
        unreachable!()
    };
    let mut plugin = Telegram::new(config).unwrap();
    let mut n = notification(AlertStatus::Firing);
    n.integration =
        json!({"chat_id": 2, "message": "m", "http_config": {"bearer_token": "proxy"}}).to_string();
    plugin.deliver(&n).unwrap();
    let got = server.join().unwrap();
    assert_eq!(got.request_line(), "POST /bot1:cfg/sendMessage HTTP/1.1");
    assert_eq!(got.header("authorization"), Some("Bearer proxy"));
    assert_eq!(
        (&got.json()["chat_id"], &got.json()["parse_mode"]),
        (&json!("2"), &json!("Markdown"))
    );
}

#[test]
fn settings_are_checked() {
    let err = deliver(json!({"chat_id": 1})).unwrap_err();
    assert!(
        !err.is_retryable() && err.message().contains("no bot_token"),
        "{err}"
    );
    let err = deliver(json!({"bot_token": "t", "chat_id": 0})).unwrap_err();
    assert!(
        !err.is_retryable() && err.message().contains("no chat_id"),
        "{err}"
    );
    let bad = |config: Value| {
        let Value::Object(config) = config else {
            unreachable!()
        };
        Telegram::new(config).is_err()
    };
    assert!(bad(json!({"api_url": "api.telegram.org"})));
    assert!(bad(json!({"disable_notifications": "yes"})));
    assert!(!bad(
        json!({"bot_token": "t", "chat_id": 1, "send_resolved": true})
    ));
}
