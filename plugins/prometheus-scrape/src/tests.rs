//! End-to-end tests of the exporter against a one-shot HTTP server on
//! 127.0.0.1 (the SDK's native client stands in for `wasi:http`).

use super::*;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;
use watchpost_sdk::testing::TestHost;
use watchpost_sdk::{MetricKind, MetricValue, labels};

/// Serves one response, returns the server's address and a handle that
/// yields the request head it received.
fn serve_once(status: &str, content_type: &str, body: &str) -> (String, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
            head.push(byte[0]);
        }
        stream.write_all(response.as_bytes()).unwrap();
        String::from_utf8(head).unwrap()
    });
    (address, handle)
}

fn scrape(config: serde_json::Value, address: &str) -> watchpost_sdk::Result<Vec<MetricFamily>> {
    TestHost::new().install();
    let mut exporter = Scrape::new(serde_json::from_value(config).unwrap())?;
    exporter.collect(&Target {
        address: address.to_string(),
        labels: labels([]),
    })
}

const TEXT_BODY: &str =
    "# HELP up Whether the target is up.\n# TYPE up gauge\nup{job=\"x\"} 1 1700000000000\n";

#[test]
fn scrapes_text_format_with_params_and_auth() {
    let (address, server) = serve_once(
        "200 OK",
        "text/plain; version=0.0.4; charset=utf-8",
        TEXT_BODY,
    );
    let config = serde_json::json!({
        "path": "/probe",
        "params": {"module": "http_2xx"},
        "basic_auth": {"username": "user", "password": "pass"},
        "timeout": "2s",
    });
    let families = scrape(config, &address).unwrap();
    let head = server.join().unwrap().to_ascii_lowercase();
    assert!(
        head.starts_with("get /probe?module=http_2xx http/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains(&format!("accept: {}", ACCEPT.to_ascii_lowercase())),
        "{head}"
    );
    assert!(head.contains("authorization: basic dxnlcjpwyxnz"), "{head}");
    assert!(
        head.contains("x-prometheus-scrape-timeout-seconds: 2"),
        "{head}"
    );
    assert_eq!(families.len(), 1);
    assert_eq!(
        (families[0].name.as_str(), families[0].kind),
        ("up", MetricKind::Gauge)
    );
    assert_eq!(families[0].metrics[0].value, MetricValue::Number(1.0));
    assert_eq!(families[0].metrics[0].timestamp_ms, Some(1_700_000_000_000));
}

#[test]
fn honor_timestamps_false_drops_them() {
    let (address, server) = serve_once("200 OK", "text/plain", TEXT_BODY);
    let families = scrape(serde_json::json!({"honor_timestamps": false}), &address).unwrap();
    server.join().unwrap();
    assert_eq!(families[0].metrics[0].timestamp_ms, None);
}

#[test]
fn openmetrics_by_content_type() {
    let body = "# TYPE requests counter\nrequests_total 5 1700000000.25\n# EOF\n";
    let (address, server) = serve_once(
        "200 OK",
        "application/openmetrics-text; version=1.0.0; charset=utf-8",
        body,
    );
    let families = scrape(serde_json::json!({"bearer_token": "s3cret"}), &address).unwrap();
    let head = server.join().unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("authorization: bearer s3cret"),
        "{head}"
    );
    assert_eq!(families[0].name, "requests_total");
    assert_eq!(families[0].metrics[0].timestamp_ms, Some(1_700_000_000_250));
}

#[test]
fn non_2xx_names_the_status() {
    let (address, server) = serve_once("503 Service Unavailable", "text/plain", "down\n");
    let err = scrape(serde_json::json!({}), &address).unwrap_err();
    server.join().unwrap();
    assert!(err.message().contains("returned HTTP status 503"), "{err}");
    assert!(
        err.message().contains(&format!("http://{address}/metrics")),
        "{err}"
    );
}

#[test]
fn malformed_body_names_the_line() {
    let (address, server) = serve_once("200 OK", "text/plain", "a 1\nb{x=\"1\" 2\n");
    let err = scrape(serde_json::json!({}), &address).unwrap_err();
    server.join().unwrap();
    assert!(
        err.message().contains("line 2: expected ',' or '}'"),
        "{err}"
    );
}

#[test]
fn body_size_limit_is_enforced() {
    let (address, server) = serve_once("200 OK", "text/plain", TEXT_BODY);
    let err = scrape(serde_json::json!({"body_size_limit": 10}), &address).unwrap_err();
    let _ = server.join();
    assert!(err.message().contains("exceeds 10 bytes"), "{err}");
}

#[test]
fn unreachable_target_is_an_error() {
    // Bind then drop a listener so the port is very likely closed.
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let err = scrape(serde_json::json!({"timeout": "1s"}), &address).unwrap_err();
    assert!(
        err.message()
            .starts_with(&format!("scrape of http://{address}/metrics failed")),
        "{err}"
    );
}

#[test]
fn content_type_detection() {
    assert_eq!(format_of(None), Format::Text);
    assert_eq!(format_of(Some("text/plain; version=0.0.4")), Format::Text);
    assert_eq!(
        format_of(Some("Application/OpenMetrics-Text; version=1.0.0")),
        Format::OpenMetrics
    );
}

#[test]
fn bad_config_is_rejected() {
    let err = Scrape::new(serde_json::from_value(serde_json::json!({"timeout": "ten"})).unwrap())
        .err()
        .unwrap();
    assert!(err.message().contains("invalid duration \"ten\""), "{err}");
}
