//! The requests' exact JSON, and real requests to a loopback HTTP server on
//! 127.0.0.1 (the SDK's native client stands in for `wasi:http`).

use super::*;
use payload::Call;
use serde_json::json;
use std::net::TcpListener;
use watchpost_sdk::testing::{Received, TestHost, serve, serve_once};
use watchpost_sdk::{Alert, AlertStatus, labels};

/// SHA-256 of the sample's group key `{}:{alertname="DiskFull"}`.
const ALIAS: &str = "17c4e445d234645c9e547ff6d32a864af0ebdadcd1902771c24c8d366637ff41";

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
        common_annotations: labels([("summary", "disk is full"), ("runbook", "http://rb")]),
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

/// An `opsgenie_configs` entry as the host sends it: defaults applied,
/// templates expanded.
fn am_settings() -> Value {
    json!({
        "send_resolved": true,
        "api_key": "K3Y",
        "api_url": "https://api.opsgenie.com/",
        "message": "[FIRING:1] DiskFull (page)",
        "description": "disk is full",
        "source": "http://watchpost:9090/#/alerts?receiver=team-ops",
        "details": {"severity": "critical", "team": "storage", "count": 2},
        "entity": "host-a",
        "responders": [
            {"name": "ops", "type": "team"},
            {"name": "db, storage,", "type": "teams"},
            {"username": "ann@example.com", "type": "user"},
            {},
        ],
        "visible_to": [{"id": "4513b7ea", "type": "team"}],
        "actions": "restart,page ",
        "tags": " disk, prod,",
        "note": "see runbook",
        "priority": "P1",
    })
}

fn calls(settings: Value, status: AlertStatus) -> Vec<Call> {
    let s: Settings = common::settings(&Map::new(), &settings.to_string()).unwrap();
    payload::calls(&s, &notification(status))
}

#[test]
fn create_matches_alertmanager() {
    let calls = calls(am_settings(), AlertStatus::Firing);
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].method, calls[0].path.as_str()),
        ("POST", "v2/alerts")
    );
    let expected = json!({
        "alias": ALIAS,
        "message": "[FIRING:1] DiskFull (page)",
        "description": "disk is full",
        "details": {"alertname": "DiskFull", "count": "2", "severity": "critical", "team": "storage"},
        "source": "http://watchpost:9090/#/alerts?receiver=team-ops",
        "responders": [
            {"name": "ops", "type": "team"},
            {"name": "db", "type": "team"},
            {"name": " storage", "type": "team"},
            {"username": "ann@example.com", "type": "user"},
        ],
        "visibleTo": [{"id": "4513b7ea", "type": "team"}],
        "tags": ["disk", " prod"],
        "note": "see runbook",
        "priority": "P1",
        "entity": "host-a",
        "actions": ["restart", "page"],
    });
    assert_eq!(calls[0].body, expected);
}

#[test]
fn resolved_groups_close_the_alert() {
    let calls = calls(am_settings(), AlertStatus::Resolved);
    let expected = Call {
        method: "POST",
        path: format!("v2/alerts/{ALIAS}/close?identifierType=alias"),
        body: json!({"source": "http://watchpost:9090/#/alerts?receiver=team-ops"}),
    };
    assert_eq!(calls, vec![expected]);
}

#[test]
fn update_alerts_also_updates_message_and_description() {
    let mut settings = am_settings();
    settings["update_alerts"] = json!(true);
    settings["description"] = json!("");
    let calls = calls(settings, AlertStatus::Firing);
    let summary: Vec<_> = calls
        .iter()
        .map(|c| (c.method, c.path.as_str(), &c.body))
        .collect();
    assert_eq!(summary[0].1, "v2/alerts");
    assert_eq!(
        summary[1..],
        [
            (
                "PUT",
                &*format!("v2/alerts/{ALIAS}/message?identifierType=alias"),
                &json!({"message": "[FIRING:1] DiskFull (page)"})
            ),
            (
                "PUT",
                &*format!("v2/alerts/{ALIAS}/description?identifierType=alias"),
                &json!({})
            ),
        ]
    );
}

#[test]
fn absent_settings_take_alertmanager_defaults() {
    let calls = calls(json!({"api_key": "k"}), AlertStatus::Firing);
    let description = "http://rb disk is full\n\
        Alerts Firing:\nLabels:\n - alertname = DiskFull\n - instance = a:9100\n - severity = page\n\
        Annotations:\n - summary = disk is full\nSource: http://watchpost:9090/graph?i=a:9100\n\n\
        Alerts Resolved:\nLabels:\n - alertname = DiskFull\n - instance = b:9100\n - severity = page\n\
        Annotations:\n - summary = disk is full\nSource: http://watchpost:9090/graph?i=b:9100\n";
    let expected = json!({
        "alias": ALIAS,
        "message": "[FIRING:1] DiskFull (page)",
        "description": description,
        "details": {"alertname": "DiskFull", "severity": "page"},
        "source": "http://watchpost:9090/#/alerts?receiver=team-ops",
    });
    assert_eq!(calls[0].body, expected);
}

#[test]
fn long_messages_are_truncated() {
    let calls = calls(json!({"message": "m".repeat(200)}), AlertStatus::Firing);
    let message = calls[0].body["message"].as_str().unwrap();
    assert_eq!(message.chars().count(), 130);
    assert!(message.ends_with("m…"));
}

#[test]
fn endpoints_join_like_go_urls() {
    assert_eq!(
        endpoint("https://api.opsgenie.com/", "v2/alerts"),
        "https://api.opsgenie.com/v2/alerts"
    );
    assert_eq!(
        endpoint("https://api.eu.opsgenie.com", "v2/alerts"),
        "https://api.eu.opsgenie.com/v2/alerts"
    );
    assert_eq!(
        endpoint("http://proxy/og/", "v2/alerts/x/close?identifierType=alias"),
        "http://proxy/og/v2/alerts/x/close?identifierType=alias"
    );
    assert_eq!(
        endpoint("http://proxy/?k=1", "v2/alerts"),
        "http://proxy/v2/alerts?k=1"
    );
}

fn deliver(status: AlertStatus, integration: Value) -> watchpost_sdk::Result<()> {
    TestHost::new().install();
    let mut n = notification(status);
    n.integration = integration.to_string();
    OpsGenie::new(Map::new())?.deliver(&n)
}

#[test]
fn creates_alerts_with_the_genie_key() {
    let (base, server) = serve_once(
        "202 Accepted",
        "application/json",
        r#"{"result":"Request will be processed"}"#,
    );
    let mut settings = am_settings();
    settings["api_url"] = json!(format!("{base}/"));
    deliver(AlertStatus::Firing, settings).unwrap();
    let got = server.join().unwrap();
    assert_eq!(got.request_line(), "POST /v2/alerts HTTP/1.1");
    assert_eq!(got.header("authorization"), Some("GenieKey K3Y"));
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert!(got.header("user-agent").unwrap().starts_with("Watchpost/"));
    assert_eq!(got.json()["alias"], ALIAS);
}

#[test]
fn closes_resolved_alerts() {
    let (base, server) = serve_once("202 Accepted", "application/json", "{}");
    deliver(
        AlertStatus::Resolved,
        json!({"api_key": "K", "api_url": base, "source": "wp"}),
    )
    .unwrap();
    let got = server.join().unwrap();
    assert_eq!(
        got.request_line(),
        format!("POST /v2/alerts/{ALIAS}/close?identifierType=alias HTTP/1.1")
    );
    assert_eq!(got.json(), json!({"source": "wp"}));
}

#[test]
fn updates_follow_the_create() {
    let ok = ("202 Accepted", "application/json", "{}");
    let (base, server) = serve(vec![ok, ok, ok]);
    deliver(
        AlertStatus::Firing,
        json!({"api_key": "K", "api_url": base, "update_alerts": true}),
    )
    .unwrap();
    let got = server.join().unwrap();
    let lines: Vec<_> = got.iter().map(Received::request_line).collect();
    assert_eq!(
        lines,
        [
            "POST /v2/alerts HTTP/1.1".to_string(),
            format!("PUT /v2/alerts/{ALIAS}/message?identifierType=alias HTTP/1.1"),
            format!("PUT /v2/alerts/{ALIAS}/description?identifierType=alias HTTP/1.1"),
        ]
    );
    assert!(
        got.iter()
            .all(|r| r.header("authorization") == Some("GenieKey K"))
    );
}

#[test]
fn failures_are_sorted_for_retries() {
    let error = |status: &'static str| {
        let (base, server) = serve_once(
            status,
            "application/json",
            r#"{"message":"Key format is not valid!"}"#,
        );
        let err = deliver(
            AlertStatus::Firing,
            json!({"api_key": "K", "api_url": base}),
        )
        .unwrap_err();
        server.join().unwrap();
        err
    };
    for status in [
        "500 Internal Server Error",
        "503 Service Unavailable",
        "429 Too Many Requests",
    ] {
        assert!(error(status).is_retryable(), "{status}");
    }
    for status in [
        "400 Bad Request",
        "401 Unauthorized",
        "422 Unprocessable Entity",
    ] {
        let err = error(status);
        assert!(!err.is_retryable(), "{status}");
        assert!(err.message().contains("Key format is not valid!"), "{err}");
    }
}

#[test]
fn a_failed_create_skips_the_updates() {
    let (base, server) = serve_once("400 Bad Request", "application/json", "{}");
    let err = deliver(
        AlertStatus::Firing,
        json!({"api_key": "K", "api_url": base, "update_alerts": true}),
    );
    assert!(err.is_err());
    assert_eq!(
        server.join().unwrap().request_line(),
        "POST /v2/alerts HTTP/1.1"
    );
}

#[test]
fn transport_errors_are_retryable() {
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = deliver(
        AlertStatus::Firing,
        json!({"api_key": "K", "api_url": format!("http://{address}/")}),
    )
    .unwrap_err();
    assert!(err.is_retryable(), "{err}");
}

#[test]
fn plugin_config_is_the_base_of_the_settings() {
    let (base, server) = serve_once("202 Accepted", "application/json", "{}");
    TestHost::new().install();
    let Value::Object(config) =
        json!({"api_key": "from-config", "api_url": base, "priority": "P3"})
    else {
        unreachable!()
    };
    let mut plugin = OpsGenie::new(config).unwrap();
    let mut n = notification(AlertStatus::Firing);
    n.integration = json!({"priority": "P1"}).to_string();
    plugin.deliver(&n).unwrap();
    let got = server.join().unwrap();
    assert_eq!(got.header("authorization"), Some("GenieKey from-config"));
    assert_eq!(got.json()["priority"], "P1");
}

#[test]
fn settings_are_checked() {
    let err = deliver(AlertStatus::Firing, json!({"message": "x"})).unwrap_err();
    assert!(
        !err.is_retryable() && err.message().contains("no api_key"),
        "{err}"
    );
    let bad = |config: Value| {
        let Value::Object(config) = config else {
            unreachable!()
        };
        OpsGenie::new(config).is_err()
    };
    assert!(bad(json!({"api_url": "api.opsgenie.com"})));
    assert!(bad(json!({"responders": "ops"})));
    assert!(!bad(json!({"api_key": "k", "send_resolved": true})));
}
