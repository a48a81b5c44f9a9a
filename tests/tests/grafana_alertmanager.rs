//! Grafana's Alertmanager data source (implementation "Prometheus") against
//! Watchpost and against the real Alertmanager 0.25, side by side: the
//! requests Grafana sends for its health check, the alert list and groups
//! with its filters, the silence editor (create, list, expire) and the
//! contact points page (which parses `config.original` as YAML). Every
//! answer must have the status and the JSON of Alertmanager's, once ids
//! and times are masked.

mod support;

use serde_json::{Value, json};
use support::{Server, post_json};

const CONFIG: &str = "\
route:
  receiver: ops
  group_by: [alertname]
  group_wait: 1h
  routes:
    - receiver: pager
      matchers: ['severity=\"critical\"']
receivers:
  - name: ops
  - name: pager
";

/// Replaces what differs between two servers by nature: ids and times.
fn mask(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                match k.as_str() {
                    "startsAt" | "endsAt" | "updatedAt" => *x = json!("<time>"),
                    "id" | "silenceID" => *x = json!("<id>"),
                    "fingerprint" => {
                        let ok = x.as_str().is_some_and(|f| {
                            f.len() == 16 && f.bytes().all(|b| b.is_ascii_hexdigit())
                        });
                        assert!(ok, "fingerprint {x} is 16 hex digits");
                        *x = json!("<fingerprint>");
                    }
                    "silencedBy" => {
                        for id in x.as_array_mut().into_iter().flatten() {
                            *id = json!("<id>");
                        }
                    }
                    _ => mask(x),
                }
            }
        }
        Value::Array(items) => {
            items.iter_mut().for_each(mask);
            // Order within a list is not part of the contract Grafana uses.
            items.sort_by_key(|i| i.to_string());
        }
        _ => {}
    }
}

/// One request of Grafana's, as (status, masked JSON or raw text).
fn request(base: &str, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let url = format!("{base}{path}");
    let (status, text) = match (method, body) {
        ("POST", Some(b)) => post_json(&url, b),
        ("DELETE", _) => {
            let mut resp = support::agent()
                .delete(&url)
                .call()
                .unwrap_or_else(|e| panic!("DELETE {url}: {e}"));
            let status = resp.status().as_u16();
            (status, resp.body_mut().read_to_string().unwrap_or_default())
        }
        _ => support::get(&url).unwrap_or_else(|e| panic!("GET {url}: {e}")),
    };
    let mut value = serde_json::from_str(&text).unwrap_or(Value::Null);
    mask(&mut value);
    (status, value)
}

/// The receiver names and root receiver in `/api/v2/status`'s
/// `config.original`, parsed as YAML the way Grafana's contact points page
/// does.
fn contact_points(base: &str) -> (String, Vec<String>) {
    let (status, text) = support::get(&format!("{base}/api/v2/status")).unwrap();
    assert_eq!(status, 200, "{text}");
    let status: Value = serde_json::from_str(&text).unwrap();
    let original = status["config"]["original"].as_str().unwrap();
    let config: serde_norway::Value = serde_norway::from_str(original).unwrap();
    let root = config["route"]["receiver"].as_str().unwrap().to_string();
    let mut names: Vec<String> = config["receivers"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    (root, names)
}

/// Grafana's session against `base`: (what, status, masked answer).
fn session(base: &str) -> Vec<(String, u16, Value)> {
    let mut log = Vec::new();
    let mut run = |method: &str, path: &str, body: Option<Value>| -> Value {
        let (status, value) = request(base, method, path, body.as_ref());
        log.push((format!("{method} {path}"), status, value.clone()));
        value
    };
    // Health check: Mimir's prefixed path must not answer, the plain one must.
    run("GET", "/alertmanager/api/v2/status", None);
    let (code, _) = request(base, "GET", "/api/v2/status", None);
    assert_eq!(code, 200);
    // Alerts as a Prometheus posts them.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let at = |s: u64| {
        humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(s))
            .to_string()
    };
    run(
        "POST",
        "/api/v2/alerts",
        Some(json!([
            {"labels": {"alertname": "DiskFull", "instance": "db1", "severity": "critical"},
             "annotations": {"summary": "disk full"}, "startsAt": at(now - 60),
             "generatorURL": "http://prometheus:9090/graph?g0.expr=up"},
            {"labels": {"alertname": "QueueSlow", "instance": "mx1", "severity": "warning"},
             "annotations": {"summary": "queue slow"}, "startsAt": at(now - 30)},
        ])),
    );
    // The alert list and groups, as Grafana's alerting UI filters them.
    run(
        "GET",
        "/api/v2/alerts?silenced=true&inhibited=true&active=true",
        None,
    );
    run(
        "GET",
        "/api/v2/alerts?filter=alertname%3D%22DiskFull%22&silenced=true&inhibited=true&active=true",
        None,
    );
    run(
        "GET",
        "/api/v2/alerts/groups?silenced=true&inhibited=true&active=true",
        None,
    );
    run("GET", "/api/v2/alerts/groups?receiver=pager", None);
    // The silence editor: create, list, the alert suppressed, expire.
    let created = run(
        "POST",
        "/api/v2/silences",
        Some(json!({
            "matchers": [
                {"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true},
                {"name": "instance", "value": "db.*", "isRegex": true, "isEqual": true}
            ],
            "startsAt": at(now), "endsAt": at(now + 7200),
            "createdBy": "admin", "comment": "replacing the disk"
        })),
    );
    assert_eq!(created["silenceID"], "<id>", "{created}");
    let silences = run("GET", "/api/v2/silences", None);
    let id = {
        let (_, text) = support::get(&format!("{base}/api/v2/silences")).unwrap();
        let raw: Value = serde_json::from_str(&text).unwrap();
        raw[0]["id"].as_str().unwrap().to_string()
    };
    assert_eq!(silences[0]["status"]["state"], "active", "{silences}");
    run(
        "GET",
        "/api/v2/alerts?silenced=true&inhibited=true&active=true",
        None,
    );
    run(
        "GET",
        "/api/v2/alerts?silenced=false&inhibited=false&active=true",
        None,
    );
    run("GET", &format!("/api/v2/silence/{id}"), None);
    run("DELETE", &format!("/api/v2/silence/{id}"), None);
    run("GET", &format!("/api/v2/silence/{id}"), None);
    run(
        "GET",
        "/api/v2/alerts?silenced=false&inhibited=false&active=true",
        None,
    );
    run("GET", "/api/v2/receivers", None);
    log
}

#[test]
fn grafana_alertmanager_data_source_sees_watchpost_as_alertmanager() {
    let dir = tempfile::tempdir().unwrap();
    let (_am, am) = support::start_alertmanager(dir.path(), CONFIG);
    let server = Server::start_alerting(dir.path(), CONFIG);

    let theirs = session(&am);
    let ours = session(&server.base);
    for ((what, status, answer), (_, their_status, their_answer)) in ours.iter().zip(&theirs) {
        assert_eq!(
            (status, answer),
            (their_status, their_answer),
            "{what}\n--- watchpost ---\n{answer:#}\n--- alertmanager ---\n{their_answer:#}\n{}",
            server.log_text()
        );
    }
    assert_ne!(
        ours[0].1, 200,
        "the Mimir probe must fail, or Grafana refuses the source"
    );
    // The session did something: the silenced alert was suppressed, then not.
    let suppressed = &ours[8].2;
    assert!(
        suppressed.to_string().contains("suppressed"),
        "{suppressed:#}"
    );
    assert_eq!(contact_points(&server.base), contact_points(&am));
    assert_eq!(contact_points(&server.base).1, vec!["ops", "pager"]);
}
