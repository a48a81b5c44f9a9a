//! The events' exact JSON, and real POSTs to a one-shot HTTP server on
//! 127.0.0.1 (the SDK's native client stands in for `wasi:http`).

use super::*;
use serde_json::json;
use std::net::TcpListener;
use watchpost_sdk::testing::{TestHost, serve_once};
use watchpost_sdk::{Alert, AlertStatus, labels};

/// SHA-256 of the sample's group key `{}:{alertname="DiskFull"}`.
const DEDUP: &str = "17c4e445d234645c9e547ff6d32a864af0ebdadcd1902771c24c8d366637ff41";

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
        generator_url: format!("http://watchpost:9090/graph?g0.expr=disk&i={instance}"),
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

/// The settings of a `pagerduty_configs` entry as the host sends them:
/// Alertmanager's defaults applied and expanded.
fn am_settings() -> Value {
    json!({
        "send_resolved": true,
        "routing_key": "R0UT1NGKEY",
        "url": "https://events.pagerduty.com/v2/enqueue",
        "client": "Watchpost",
        "client_url": "http://watchpost:9090/#/alerts?receiver=team-ops",
        "description": "[FIRING:1] DiskFull (page)",
        "details": {"firing": "a:9100", "num_firing": "1", "num_resolved": 1, "resolved": "b:9100"},
        "images": [{"src": "http://img/a.png", "alt": "graph", "href": "http://graph"}, {"alt": "no src"}],
        "links": [{"href": "http://runbook", "text": "runbook"}, {"text": "no href"}],
        "severity": "critical",
        "class": "disk",
        "component": "storage",
        "group": "hosts",
    })
}

fn event(settings: Value, status: AlertStatus) -> (Value, String, bool) {
    let s: Settings = common::settings(&Map::new(), &settings.to_string()).unwrap();
    let (body, url, v1) = s.event(&notification(status)).unwrap();
    (serde_json::from_slice(&body).unwrap(), url, v1)
}

#[test]
fn v2_event_matches_alertmanager() {
    let (json, url, v1) = event(am_settings(), AlertStatus::Firing);
    assert_eq!((url.as_str(), v1), (V2_URL, false));
    let expected = json!({
        "routing_key": "R0UT1NGKEY",
        "dedup_key": DEDUP,
        "event_action": "trigger",
        "payload": {
            "summary": "[FIRING:1] DiskFull (page)",
            "source": "Watchpost",
            "severity": "critical",
            "class": "disk",
            "component": "storage",
            "group": "hosts",
            "custom_details": {"firing": "a:9100", "num_firing": "1", "num_resolved": "1", "resolved": "b:9100"},
        },
        "client": "Watchpost",
        "client_url": "http://watchpost:9090/#/alerts?receiver=team-ops",
        "images": [{"src": "http://img/a.png", "alt": "graph", "href": "http://graph"}],
        "links": [{"href": "http://runbook", "text": "runbook"}],
    });
    assert_eq!(json, expected);
}

#[test]
fn resolved_groups_resolve_the_same_incident() {
    let (json, _, _) = event(am_settings(), AlertStatus::Resolved);
    assert_eq!(json["event_action"], "resolve");
    assert_eq!(json["dedup_key"], DEDUP);
    assert_eq!(
        payload::dedup_key(""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn absent_settings_take_alertmanager_defaults() {
    let (json, url, _) = event(
        json!({"routing_key": "k", "source": ""}),
        AlertStatus::Firing,
    );
    assert_eq!(url, V2_URL);
    let firing = "Labels:\n - alertname = DiskFull\n - instance = a:9100\n - severity = page\n\
                  Annotations:\n - summary = disk is full\n\
                  Source: http://watchpost:9090/graph?g0.expr=disk&i=a:9100\n";
    let resolved = firing.replace("a:9100", "b:9100");
    let expected = json!({
        "routing_key": "k",
        "dedup_key": DEDUP,
        "event_action": "trigger",
        "payload": {
            "summary": "[FIRING:1] DiskFull (page)",
            "source": "Alertmanager",
            "severity": "error",
            "custom_details": {
                "firing": firing,
                "resolved": resolved,
                "num_firing": "1",
                "num_resolved": "1",
            },
        },
        "client": "Alertmanager",
        "client_url": "http://watchpost:9090/#/alerts?receiver=team-ops",
    });
    assert_eq!(json, expected);
}

#[test]
fn v1_event_matches_alertmanager() {
    let mut settings = am_settings();
    settings["service_key"] = json!("S3RV1CE");
    let (json, url, v1) = event(settings.clone(), AlertStatus::Firing);
    assert_eq!(
        (url.as_str(), v1),
        (V1_URL, true),
        "the v2 default URL is not used for v1"
    );
    let expected = json!({
        "service_key": "S3RV1CE",
        "incident_key": DEDUP,
        "event_type": "trigger",
        "description": "[FIRING:1] DiskFull (page)",
        "client": "Watchpost",
        "client_url": "http://watchpost:9090/#/alerts?receiver=team-ops",
        "details": {"firing": "a:9100", "num_firing": "1", "num_resolved": "1", "resolved": "b:9100"},
    });
    assert_eq!(json, expected);
    // Resolves carry no client.
    let (json, _, _) = event(settings, AlertStatus::Resolved);
    assert_eq!(json["event_type"], "resolve");
    assert!(
        json.get("client").is_none() && json.get("client_url").is_none(),
        "{json}"
    );
}

#[test]
fn long_summaries_are_truncated() {
    let (json, _, _) = event(
        json!({"routing_key": "k", "description": "x".repeat(5000)}),
        AlertStatus::Firing,
    );
    let summary = json["payload"]["summary"].as_str().unwrap();
    assert_eq!(summary.chars().count(), 1024);
    assert!(summary.ends_with("x…"));
}

#[test]
fn oversized_events_lose_their_details() {
    let big = "x".repeat(payload::MAX_EVENT_BYTES);
    let (json, _, _) = event(
        json!({"routing_key": "k", "details": {"big": big}}),
        AlertStatus::Firing,
    );
    assert_eq!(
        json["payload"]["custom_details"],
        json!({"error": "Custom details have been removed because the original event exceeds the maximum size of 512KB"})
    );
}

fn deliver(integration: Value) -> watchpost_sdk::Result<()> {
    TestHost::new().install();
    let mut n = notification(AlertStatus::Firing);
    n.integration = integration.to_string();
    PagerDuty::new(Map::new())?.deliver(&n)
}

#[test]
fn posts_v2_events() {
    let (base, server) = serve_once(
        "202 Accepted",
        "application/json",
        r#"{"status":"success","dedup_key":"x"}"#,
    );
    let mut settings = am_settings();
    settings["url"] = json!(format!("{base}/v2/enqueue"));
    deliver(settings).unwrap();
    let got = server.join().unwrap();
    assert_eq!(got.request_line(), "POST /v2/enqueue HTTP/1.1");
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert!(got.header("user-agent").unwrap().starts_with("Watchpost/"));
    let body = got.json();
    assert_eq!(body["routing_key"], "R0UT1NGKEY");
    assert_eq!(body["dedup_key"], DEDUP);
    assert_eq!(body["payload"]["summary"], "[FIRING:1] DiskFull (page)");
}

#[test]
fn posts_v1_events_to_a_configured_url() {
    let (base, server) = serve_once("200 OK", "application/json", r#"{"status":"success"}"#);
    let url = format!("{base}/generic/2010-04-15/create_event.json");
    deliver(json!({"service_key": "S", "url": url})).unwrap();
    let got = server.join().unwrap();
    assert_eq!(
        got.request_line(),
        "POST /generic/2010-04-15/create_event.json HTTP/1.1"
    );
    assert_eq!(got.json()["incident_key"], DEDUP);
}

#[test]
fn failures_are_sorted_for_retries() {
    let error = |status: &'static str, v1: bool| {
        let (base, server) = serve_once(
            status,
            "application/json",
            r#"{"status":"invalid event","message":"Event object is invalid","errors":["bad"]}"#,
        );
        let key = if v1 { "service_key" } else { "routing_key" };
        let err = deliver(json!({key: "k", "url": format!("{base}/e")})).unwrap_err();
        server.join().unwrap();
        err
    };
    for status in [
        "500 Internal Server Error",
        "502 Bad Gateway",
        "429 Too Many Requests",
    ] {
        assert!(error(status, false).is_retryable(), "{status}");
    }
    let err = error("400 Bad Request", false);
    assert!(!err.is_retryable());
    assert!(
        err.message().contains("HTTP status 400")
            && err.message().contains("Event object is invalid"),
        "{err}"
    );
    // v1 rate-limits with 403; v2 means it.
    assert!(error("403 Forbidden", true).is_retryable());
    assert!(!error("403 Forbidden", false).is_retryable());
}

#[test]
fn transport_errors_are_retryable() {
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err =
        deliver(json!({"routing_key": "k", "url": format!("http://{address}/e")})).unwrap_err();
    assert!(err.is_retryable(), "{err}");
}

#[test]
fn plugin_config_is_the_base_of_the_settings() {
    let (base, server) = serve_once("202 Accepted", "application/json", "{}");
    TestHost::new().install();
    let Value::Object(config) =
        json!({"routing_key": "from-config", "url": format!("{base}/e"), "severity": "warning"})
    else {
        unreachable!()
    };
    let mut plugin = PagerDuty::new(config).unwrap();
    let mut n = notification(AlertStatus::Firing);
    n.integration = json!({"severity": "critical"}).to_string();
    plugin.deliver(&n).unwrap();
    let body = server.join().unwrap().json();
    assert_eq!(body["routing_key"], "from-config");
    assert_eq!(body["payload"]["severity"], "critical");
}

#[test]
fn settings_are_checked() {
    let err = deliver(json!({"description": "x"})).unwrap_err();
    assert!(
        !err.is_retryable() && err.message().contains("missing service or routing key"),
        "{err}"
    );
    let bad = |config: Value| {
        let Value::Object(config) = config else {
            unreachable!()
        };
        PagerDuty::new(config).is_err()
    };
    assert!(bad(json!({"url": "events.pagerduty.com"})));
    assert!(bad(json!({"images": {"src": "x"}})));
    assert!(!bad(json!({"routing_key": "k", "send_resolved": true})));
}
