//! End-to-end tests of `collect` against a one-shot HTTP server on 127.0.0.1
//! (the SDK's native client stands in for `wasi:http`).

use super::*;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;
use std::time::Duration;
use watchpost_sdk::testing::{TestHost, with_host};
use watchpost_sdk::{Level, MetricValue, labels};

/// Serves one response, returns the server's address and a handle that
/// yields the request (head and body) it received.
fn serve_once(status: &str, body: &str) -> (String, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut byte = [0u8; 1];
        while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
            request.push(byte[0]);
        }
        let head = String::from_utf8(request.clone())
            .unwrap()
            .to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |n| n.trim().parse::<usize>().unwrap());
        let mut body = vec![0u8; length];
        stream.read_exact(&mut body).unwrap();
        request.extend_from_slice(&body);
        stream.write_all(response.as_bytes()).unwrap();
        String::from_utf8(request).unwrap()
    });
    (address, handle)
}

fn collect(config: serde_json::Value, address: &str) -> watchpost_sdk::Result<Vec<MetricFamily>> {
    TestHost::new().install();
    let mut exporter = HttpProbe::new(serde_json::from_value(config).unwrap())?;
    exporter.collect(&Target {
        address: address.to_string(),
        labels: labels([]),
    })
}

/// The single value of family `name`.
fn value(families: &[MetricFamily], name: &str) -> f64 {
    let family = families.iter().find(|f| f.name == name).unwrap();
    match family.metrics[0].value {
        MetricValue::Number(v) => v,
        ref other => panic!("{name}: {other:?}"),
    }
}

fn warnings() -> Vec<String> {
    with_host(|h| {
        h.logs
            .iter()
            .filter(|(level, _)| *level == Level::Warn)
            .map(|(_, m)| m.clone())
            .collect()
    })
}

#[test]
fn successful_probe_of_host_port() {
    let (address, server) = serve_once("200 OK", "{\"status\":\"ok\"}");
    let config = serde_json::json!({
        "method": "post",
        "path": "/health",
        "headers": {"x-probe": "watchpost"},
        "body": "ping",
        "fail_if_body_not_matches": ["\"ok\""],
    });
    let families = collect(config, &address).unwrap();
    let request = server.join().unwrap();
    let head = request.to_ascii_lowercase();
    assert!(head.starts_with("post /health http/1.1\r\n"), "{request}");
    assert!(head.contains("x-probe: watchpost\r\n"), "{request}");
    assert!(
        head.contains(&format!(
            "user-agent: {}\r\n",
            USER_AGENT.to_ascii_lowercase()
        )),
        "{request}"
    );
    assert!(request.ends_with("\r\n\r\nping"), "{request}");
    assert_eq!(value(&families, "probe_success"), 1.0);
    assert_eq!(value(&families, "probe_http_status_code"), 200.0);
    assert_eq!(value(&families, "probe_http_content_length"), 15.0);
    assert_eq!(
        value(&families, "probe_http_uncompressed_body_length"),
        15.0
    );
    assert_eq!(value(&families, "probe_failed_due_to_regex"), 0.0);
    assert_eq!(value(&families, "probe_http_ssl"), 0.0);
    assert!(value(&families, "probe_duration_seconds") >= 0.0);
    assert!(warnings().is_empty());
}

#[test]
fn url_target_and_own_user_agent() {
    let (address, server) = serve_once("204 No Content", "");
    let config = serde_json::json!({"path": "/ignored", "headers": {"User-Agent": "me"}});
    let families = collect(config, &format!("http://{address}/health?deep=1")).unwrap();
    let head = server.join().unwrap().to_ascii_lowercase();
    assert!(
        head.starts_with("get /health?deep=1 http/1.1\r\n"),
        "{head}"
    );
    assert!(head.contains("user-agent: me\r\n"), "{head}");
    assert!(!head.contains("watchpost http-probe"), "{head}");
    assert_eq!(value(&families, "probe_success"), 1.0);
    assert_eq!(value(&families, "probe_http_status_code"), 204.0);
}

#[test]
fn wrong_status_is_a_failed_probe_not_an_error() {
    let (address, server) = serve_once("503 Service Unavailable", "down");
    let families = collect(serde_json::json!({}), &address).unwrap();
    server.join().unwrap();
    assert_eq!(value(&families, "probe_success"), 0.0);
    assert_eq!(value(&families, "probe_http_status_code"), 503.0);
    assert_eq!(value(&families, "probe_http_content_length"), 4.0);
    assert_eq!(value(&families, "probe_failed_due_to_regex"), 0.0);
    let warnings = warnings();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains("status 503 is not 2xx"),
        "{warnings:?}"
    );
    assert!(warnings[0].contains(&address), "{warnings:?}");
}

#[test]
fn body_match_fails_the_probe() {
    let (address, server) = serve_once("200 OK", "down for maintenance");
    let config = serde_json::json!({"fail_if_body_matches": ["maintenance"]});
    let families = collect(config, &address).unwrap();
    server.join().unwrap();
    assert_eq!(value(&families, "probe_success"), 0.0);
    assert_eq!(value(&families, "probe_http_status_code"), 200.0);
    assert_eq!(value(&families, "probe_failed_due_to_regex"), 1.0);
    assert!(warnings()[0].contains("\"maintenance\""));
}

#[test]
fn refused_connection_is_a_failed_probe() {
    // Bind to learn a free port, then close it so nothing listens there.
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let families = collect(serde_json::json!({"timeout": "2s"}), &address).unwrap();
    assert_eq!(value(&families, "probe_success"), 0.0);
    assert_eq!(value(&families, "probe_http_status_code"), 0.0);
    assert_eq!(value(&families, "probe_http_content_length"), 0.0);
    assert_eq!(families.len(), 8);
    assert!(warnings()[0].starts_with(&format!("probe of http://{address}/ failed: ")));
}

#[test]
fn timeout_is_a_failed_probe() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    // Accepts and never answers.
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        drop(stream);
    });
    let families = collect(serde_json::json!({"timeout": "200ms"}), &address).unwrap();
    assert_eq!(value(&families, "probe_success"), 0.0);
    assert_eq!(value(&families, "probe_http_status_code"), 0.0);
    let duration = value(&families, "probe_duration_seconds");
    assert!((0.15..1.4).contains(&duration), "{duration}");
    assert_eq!(warnings().len(), 1);
    server.join().unwrap();
}

#[test]
fn impossible_config_and_targets_are_errors() {
    let bad_config = collect(serde_json::json!({"scheme": "ftp"}), "127.0.0.1:1");
    assert!(bad_config.unwrap_err().to_string().contains("scheme"));
    let bad_target = collect(serde_json::json!({}), "ftp://127.0.0.1:1/");
    assert!(bad_target.unwrap_err().to_string().contains("not an http"));
}
