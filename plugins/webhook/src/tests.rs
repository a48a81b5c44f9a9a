//! The payload's JSON shape, and real POSTs to a one-shot HTTP server on
//! 127.0.0.1 (the SDK's native client stands in for `wasi:http`).

use super::*;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;
use watchpost_sdk::testing::TestHost;
use watchpost_sdk::{Alert, AlertStatus, labels};

fn notification() -> Notification {
    let alert = |instance: &str, ends_at_ms: Option<i64>| Alert {
        status: if ends_at_ms.is_some() {
            AlertStatus::Resolved
        } else {
            AlertStatus::Firing
        },
        labels: labels([
            ("alertname", "DiskFull"),
            ("instance", instance),
            ("severity", "page"),
        ]),
        annotations: labels([("summary", "disk is full")]),
        starts_at_ms: 1_704_100_500_000,
        ends_at_ms,
        generator_url: "http://watchpost:9090/graph?g0.expr=disk".into(),
        fingerprint: format!("fp-{instance}"),
    };
    Notification {
        receiver: "team-ops".into(),
        status: AlertStatus::Firing,
        group_key: "{}:{alertname=\"DiskFull\"}".into(),
        group_labels: labels([("alertname", "DiskFull")]),
        common_labels: labels([("severity", "page"), ("alertname", "DiskFull")]),
        common_annotations: labels([("summary", "disk is full")]),
        external_url: "http://watchpost:9090".into(),
        alerts: vec![
            alert("a:9100", None),
            alert("b:9100", Some(1_704_101_400_500)),
        ],
        attempt: 0,
        integration: "{}".into(),
        truncated_alerts: 0,
    }
}

#[test]
fn payload_matches_alertmanager_v4() {
    let n = notification();
    let json = serde_json::to_value(Payload::new(&n, 0)).unwrap();
    let expected = serde_json::json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"DiskFull\"}",
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "team-ops",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": {"alertname": "DiskFull", "severity": "page"},
        "commonAnnotations": {"summary": "disk is full"},
        "externalURL": "http://watchpost:9090",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "DiskFull", "instance": "a:9100", "severity": "page"},
                "annotations": {"summary": "disk is full"},
                "startsAt": "2024-01-01T09:15:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://watchpost:9090/graph?g0.expr=disk",
                "fingerprint": "fp-a:9100",
            },
            {
                "status": "resolved",
                "labels": {"alertname": "DiskFull", "instance": "b:9100", "severity": "page"},
                "annotations": {"summary": "disk is full"},
                "startsAt": "2024-01-01T09:15:00Z",
                "endsAt": "2024-01-01T09:30:00.5Z",
                "generatorURL": "http://watchpost:9090/graph?g0.expr=disk",
                "fingerprint": "fp-b:9100",
            },
        ],
    });
    assert_eq!(json, expected);
}

#[test]
fn max_alerts_truncates() {
    let n = notification();
    let json = serde_json::to_value(Payload::new(&n, 1)).unwrap();
    assert_eq!(json["truncatedAlerts"], 1);
    assert_eq!(json["alerts"].as_array().unwrap().len(), 1);
}

/// Answers one request with `status`; yields the raw request it received.
fn serve_once(status: &'static str) -> (String, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        // Read the head, then as many body bytes as content-length says.
        loop {
            let n = stream.read(&mut buf).unwrap();
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request).to_string();
            if let Some(head_end) = text.find("\r\n\r\n") {
                let length = text[..head_end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if request.len() >= head_end + 4 + length {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        let response =
            format!("HTTP/1.1 {status}\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        stream.write_all(response.as_bytes()).unwrap();
        String::from_utf8(request).unwrap()
    });
    (url, handle)
}

fn webhook(url: &str) -> Webhook {
    TestHost::new().install();
    Webhook::new(Config {
        url: Some(url.to_string()),
        max_alerts: 0,
        timeout_seconds: 5,
    })
    .unwrap()
}

#[test]
fn posts_the_payload() {
    let (url, server) = serve_once("200 OK");
    webhook(&url).deliver(&notification()).unwrap();
    let request = server.join().unwrap();
    let (head, body) = request.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("POST /hook HTTP/1.1\r\n"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["version"], "4");
    assert_eq!(json["receiver"], "team-ops");
    assert_eq!(json["alerts"][1]["status"], "resolved");
}

#[test]
fn server_errors_are_retryable() {
    let (url, server) = serve_once("503 Service Unavailable");
    let err = webhook(&url).deliver(&notification()).unwrap_err();
    server.join().unwrap();
    assert!(err.is_retryable());
    assert!(err.message().contains("HTTP status 503"), "{err}");
}

#[test]
fn client_errors_are_permanent() {
    let (url, server) = serve_once("400 Bad Request");
    let err = webhook(&url).deliver(&notification()).unwrap_err();
    server.join().unwrap();
    assert!(!err.is_retryable());
    assert!(err.message().contains("HTTP status 400: ok"), "{err}");
}

#[test]
fn transport_errors_are_retryable() {
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = webhook(&format!("http://{address}/hook"))
        .deliver(&notification())
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
}

#[test]
fn config_checks_the_url() {
    let config: Config = serde_json::from_value(serde_json::json!({"url": "ftp://x"})).unwrap();
    assert!(Webhook::new(config).is_err());
    let config: Config = serde_json::from_value(serde_json::json!({"url": "http://x/"})).unwrap();
    assert_eq!((config.max_alerts, config.timeout_seconds), (0, 10));
}

#[test]
fn receiver_settings_bring_the_url_and_credentials() {
    let (url, server) = serve_once("200 OK");
    TestHost::new().install();
    let mut plugin = Webhook::new(Config::default()).unwrap();
    let mut n = notification();
    n.integration = serde_json::json!({
        "url": url,
        "send_resolved": true,
        "http_config": {"basic_auth": {"username": "am", "password": "s3cret"}},
    })
    .to_string();
    n.truncated_alerts = 3;
    plugin.deliver(&n).unwrap();
    let request = server.join().unwrap();
    let (head, body) = request.split_once("\r\n\r\n").unwrap();
    // base64("am:s3cret")
    let auth = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .starts_with("authorization:")
            .then(|| l[14..].trim())
    });
    assert_eq!(auth, Some("Basic YW06czNjcmV0"), "{head}");
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["truncatedAlerts"], 3);
    // Without a URL anywhere, delivery fails for good.
    let err = plugin.deliver(&notification()).unwrap_err();
    assert!(
        !err.is_retryable() && err.message().contains("no url"),
        "{err}"
    );
}
