//! Logs end to end: a real Loki client (PyPI `python-logging-loki`, the
//! handler Python services use to ship logs to Loki) pushes to Watchpost's
//! Loki push API; Loki's query, labels and series API read the lines back;
//! acknowledged lines survive `kill -9`.

mod support;

use std::process::Command;
use support::{Server, encode};

const CLIENT: &str = r#"
import logging, sys
import logging_loki
handler = logging_loki.LokiHandler(
    url=sys.argv[1], tags={"job": "email-service", "host": "web1"}, version="1")
log = logging.getLogger("email.api")
log.setLevel(logging.INFO)
log.addHandler(handler)
log.info("GET /health 200")
log.error("send failed for bob@example.org: 554 rejected")
log.warning("slow query: 1.75 s", extra={"tags": {"table": "messages"}})
"#;

fn query_lines(server: &Server, query: &str) -> Vec<(serde_json::Value, Vec<String>)> {
    let v = server.json(&format!(
        "/loki/api/v1/query_range?direction=forward&limit=100&query={}",
        encode(query)
    ));
    assert_eq!(v["status"], "success", "{v}");
    assert_eq!(v["data"]["resultType"], "streams", "{v}");
    v["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let lines = s["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    assert!(e[0].as_str().unwrap().parse::<i64>().is_ok(), "{e}");
                    e[1].as_str().unwrap().to_string()
                })
                .collect();
            (s["stream"].clone(), lines)
        })
        .collect()
}

#[test]
fn a_python_loki_client_ships_logs_that_loki_queries_read_back_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_bare(dir.path());
    let out = Command::new("python3")
        .args(["-c", CLIENT, &format!("{}/loki/api/v1/push", server.base)])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the logging_loki client failed (scripts/install-peers.sh installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let check = |server: &Server| {
        let failed = query_lines(server, r#"{job="email-service"} |= "send failed""#);
        assert_eq!(failed.len(), 1, "{failed:?}");
        assert_eq!(
            failed[0].1,
            vec!["send failed for bob@example.org: 554 rejected"]
        );
        assert_eq!(failed[0].0["severity"], "error");
        assert_eq!(failed[0].0["logger"], "email.api");
        assert_eq!(failed[0].0["host"], "web1");
        let all: Vec<String> =
            query_lines(server, r#"{job="email-service", severity=~"info|warning"}"#)
                .into_iter()
                .flat_map(|(_, l)| l)
                .collect();
        assert_eq!(all, vec!["GET /health 200", "slow query: 1.75 s"]);
        let labels = server.json("/loki/api/v1/labels");
        for name in ["job", "host", "severity", "logger", "table"] {
            assert!(
                labels["data"].as_array().unwrap().iter().any(|n| n == name),
                "{name} in {labels}"
            );
        }
        let values = server.json("/loki/api/v1/label/severity/values");
        assert_eq!(
            values["data"],
            serde_json::json!(["error", "info", "warning"])
        );
        let series = server.json(&format!(
            "/loki/api/v1/series?match[]={}",
            encode(r#"{table="messages"}"#)
        ));
        assert_eq!(series["data"].as_array().unwrap().len(), 1, "{series}");
        let stats = server.json(&format!(
            "/loki/api/v1/index/stats?query={}",
            encode(r#"{job="email-service"}"#)
        ));
        assert_eq!(stats["entries"], 3, "{stats}");
        assert_eq!(stats["streams"], 3, "{stats}");
    };
    check(&server);
    // Metric queries: an instant vector and a range matrix, Loki-shaped.
    let by_severity = encode(r#"sum by (severity) (count_over_time({job="email-service"}[1h]))"#);
    let v = server.json(&format!("/loki/api/v1/query?query={by_severity}"));
    assert_eq!(v["data"]["resultType"], "vector", "{v}");
    let result = v["data"]["result"].as_array().unwrap();
    assert_eq!(result.len(), 3, "{v}");
    assert!(result.iter().all(|s| s["value"][1] == "1"), "{v}");
    assert_eq!(
        result[0]["metric"],
        serde_json::json!({"severity": "error"})
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Whole seconds: end one second ahead so the lines just sent are in.
    let v = server.json(&format!(
        "/loki/api/v1/query_range?query={}&start={}&end={}&step=60",
        encode(r#"count_over_time({job="email-service"} |= "failed" [10m])"#),
        now - 299,
        now + 1
    ));
    assert_eq!(v["data"]["resultType"], "matrix", "{v}");
    let series = v["data"]["result"].as_array().unwrap();
    assert_eq!(series.len(), 1, "{v}");
    let values = series[0]["values"].as_array().unwrap();
    // Only the last of the six steps has the line in its window: the others
    // have no point, as in Loki.
    assert_eq!(values.len(), 1, "{v}");
    assert_eq!(values[0], serde_json::json!([now + 1, "1"]), "{v}");
    // Acknowledged means durable: no commit needs to have happened.
    server.kill9();
    let server = Server::start(&dir.path().join("watchpost.toml"), port_of(&dir));
    check(&server);
    // The replayed lines reach their index at the next commit.
    let indexed = support::wait_for(std::time::Duration::from_secs(20), || {
        server.metric("watchpost_logs_pending_entries") == Some(0.0)
    });
    assert!(indexed, "the replayed lines were committed");
    assert!(
        std::fs::read_dir(dir.path().join("data/logs"))
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| e
                .file_name()
                .to_string_lossy()
                .starts_with("logs-email-service-")),
        "an index named as the seed names them"
    );
    check(&server);
}

#[test]
fn bad_pushes_and_queries_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_bare(dir.path());
    let agent = support::agent();
    let push = |content_type: &str, body: &[u8]| {
        let mut r = agent
            .post(&format!("{}/loki/api/v1/push", server.base))
            .header("Content-Type", content_type)
            .send(body)
            .unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    };
    let (status, body) = push("application/json", b"{\"streams\": [");
    assert_eq!(status, 400);
    assert!(body.contains("invalid JSON"), "{body}");
    let (status, body) = push("application/x-protobuf", b"not snappy");
    assert_eq!(status, 400);
    assert!(body.contains("snappy"), "{body}");
    let (status, body) = server.get(&format!(
        "/loki/api/v1/query_range?query={}",
        encode("{job=")
    ));
    assert_eq!(status, 400);
    assert!(body.contains("parse error"), "{body}");
    let (status, _) = server.get("/loki/api/v1/query_range");
    assert_eq!(status, 400);
    assert_eq!(server.get("/-/healthy").0, 200, "still serving");
}

fn port_of(dir: &tempfile::TempDir) -> u16 {
    let manifest = std::fs::read_to_string(dir.path().join("watchpost.toml")).unwrap();
    manifest
        .rsplit(':')
        .next()
        .unwrap()
        .trim()
        .trim_end_matches('"')
        .parse()
        .unwrap()
}

/// The seed's "IMAP connection errors elevated", written as a Loki ruler
/// rule in LogQL over Dovecot's log lines: the stock rules plugin with
/// `language = "logql"` evaluates it against the log store and the alert
/// fires (and shows in `/api/v1/alerts` and `/api/v1/rules`).
#[test]
fn a_logql_alerting_rule_fires_on_dovecot_auth_failures() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("dovecot.yml"),
        r#"groups:
  - name: dovecot
    rules:
      - alert: IMAPConnectionErrorsElevated
        expr: 'sum by (host) (count_over_time({job="dovecot"} |= "auth failed" [5m])) > 3'
        labels:
          severity: warning
        annotations:
          summary: '{{ $value }} failed IMAP logins on {{ $labels.host }}'
"#,
    )
    .unwrap();
    let port = support::free_port();
    let manifest = dir.path().join("watchpost.toml");
    std::fs::write(
        &manifest,
        format!(
            r#"[server]
listen = "127.0.0.1:{port}"

[[plugin]]
name = "log-rules"
kind = "rule"
path = "prometheus-rules"
interval = "1s"
[plugin.capabilities]
read_dirs = ["rules"]
[plugin.config]
files = ["*.yml"]
language = "logql"
"#
        ),
    )
    .unwrap();
    let server = Server::start(&manifest, port);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let values: Vec<serde_json::Value> = (0..5)
        .map(|i| {
            serde_json::json!([
                (now + i).to_string(),
                format!("imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<bob{i}>, method=PLAIN, rip=127.0.0.1")
            ])
        })
        .chain([serde_json::json!([
            (now + 10).to_string(),
            "imap-login: Login: user=<alice>, method=PLAIN, rip=127.0.0.1"
        ])])
        .collect();
    let (status, body) = support::post_json(
        &format!("{}/loki/api/v1/push", server.base),
        &serde_json::json!({"streams": [{"stream": {"job": "dovecot", "host": "mx1"}, "values": values}]}),
    );
    assert_eq!(status, 204, "{body}");
    let firing = support::wait_for(std::time::Duration::from_secs(20), || {
        server.alerts().iter().any(|a| {
            a["labels"]["alertname"] == "IMAPConnectionErrorsElevated" && a["state"] == "firing"
        })
    });
    assert!(
        firing,
        "alerts: {:?}\nlog: {}",
        server.alerts(),
        server.log_text()
    );
    let alert = server
        .alerts()
        .into_iter()
        .find(|a| a["labels"]["alertname"] == "IMAPConnectionErrorsElevated")
        .unwrap();
    assert_eq!(alert["labels"]["host"], "mx1");
    assert_eq!(
        alert["annotations"]["summary"],
        "5 failed IMAP logins on mx1"
    );
    let rules = server.json("/api/v1/rules");
    let rule = &rules["data"]["groups"][0]["rules"][0];
    assert_eq!(rule["health"], "ok", "{rules}");
}

/// Live tail (Grafana's Explore "Live"): a WebSocket on
/// `/loki/api/v1/tail` first gets the recent matching entries, then each new
/// one as it is pushed, once, in Loki's message shape.
#[test]
fn live_tail_streams_new_entries_over_a_websocket() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_bare(dir.path());
    let push = |lines: &[&str]| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let values: Vec<serde_json::Value> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| serde_json::json!([(now + i as u128).to_string(), l]))
            .collect();
        let (status, body) = support::post_json(
            &format!("{}/loki/api/v1/push", server.base),
            &serde_json::json!({"streams": [{"stream": {"job": "api"}, "values": values}]}),
        );
        assert_eq!(status, 204, "{body}");
    };
    push(&["before 1", "ignored", "before 2"]);
    let url = format!(
        "{}/loki/api/v1/tail?query={}&limit=10",
        server.base.replace("http://", "ws://"),
        encode(r#"{job="api"} |= "o" != "ignored""#)
    );
    let (mut socket, _) = tungstenite::connect(url).expect("websocket handshake");
    if let tungstenite::stream::MaybeTlsStream::Plain(s) = socket.get_ref() {
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
    }
    let read_lines = |socket: &mut tungstenite::WebSocket<_>| -> Vec<String> {
        let message = socket.read().expect("a tail message");
        let v: serde_json::Value = serde_json::from_str(message.to_text().unwrap()).unwrap();
        assert!(v["dropped_entries"].is_array(), "{v}");
        v["streams"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| {
                assert_eq!(s["stream"]["job"], "api");
                s["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e[1].as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    assert_eq!(read_lines(&mut socket), vec!["before 1", "before 2"]);
    push(&["live one", "ignored", "live two"]);
    let mut live = Vec::new();
    while live.len() < 2 {
        live.extend(read_lines(&mut socket));
    }
    assert_eq!(live, vec!["live one", "live two"], "new entries once each");
    socket.close(None).unwrap();
}

/// The requests Grafana's Loki data source sends — its health check
/// (`vector(1)+vector(1)`), the label browser, the logs-volume histogram
/// (`sum by (level) (count_over_time(... | drop __error__ [1m]))`), Explore's
/// backward log query with a step — answered in Loki's shapes.
#[test]
fn grafana_loki_data_source_requests_are_answered() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_bare(dir.path());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let values: Vec<serde_json::Value> = (0..6)
        .map(|i| {
            let level = if i % 3 == 0 { "error" } else { "info" };
            serde_json::json!([(now - 1_000_000_000 + i).to_string(), format!("level={level} msg=\"m{i}\""), {"level": level}])
        })
        .collect();
    let (status, body) = support::post_json(
        &format!("{}/loki/api/v1/push", server.base),
        &serde_json::json!({"streams": [{"stream": {"job": "app", "host": "h1"}, "values": values}]}),
    );
    assert_eq!(status, 204, "{body}");
    let secs = now / 1_000_000_000;
    let (start, end) = (
        (now - 3_600_000_000_000).to_string(),
        (now + 1_000_000_000).to_string(),
    );

    let health = server.json(&format!(
        "/loki/api/v1/query?query={}&time={}",
        encode("vector(1)+vector(1)"),
        secs
    ));
    assert_eq!(health["data"]["resultType"], "vector", "{health}");
    assert_eq!(health["data"]["result"][0]["value"][1], "2", "{health}");

    let labels = server.json(&format!("/loki/api/v1/labels?start={start}&end={end}"));
    assert_eq!(
        labels["data"],
        serde_json::json!(["host", "job"]),
        "{labels}"
    );
    let values = server.json(&format!(
        "/loki/api/v1/label/job/values?start={start}&end={end}"
    ));
    assert_eq!(values["data"], serde_json::json!(["app"]));

    let volume = server.json(&format!(
        "/loki/api/v1/query_range?query={}&start={start}&end={end}&step=60000ms",
        encode(r#"sum by (level) (count_over_time({job="app"} | drop __error__ [1m]))"#)
    ));
    assert_eq!(volume["data"]["resultType"], "matrix", "{volume}");
    let totals: std::collections::BTreeMap<String, f64> = volume["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let sum: f64 = s["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p[1].as_str().unwrap().parse::<f64>().unwrap())
                .max_by(f64::total_cmp)
                .unwrap();
            (s["metric"]["level"].as_str().unwrap().to_string(), sum)
        })
        .collect();
    assert_eq!(
        totals,
        [("error".to_string(), 2.0), ("info".to_string(), 4.0)].into()
    );

    let explore = server.json(&format!(
        "/loki/api/v1/query_range?direction=backward&limit=1000&query={}&start={start}&end={end}&step=2000ms",
        encode(r#"{job="app"} | logfmt | level="error""#)
    ));
    assert_eq!(explore["data"]["resultType"], "streams", "{explore}");
    let lines: Vec<&str> = explore["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e[1].as_str().unwrap())
        })
        .collect();
    assert_eq!(lines.len(), 2, "{explore}");
    assert!(explore["data"]["stats"]["summary"]["totalLinesProcessed"].is_number());
}
