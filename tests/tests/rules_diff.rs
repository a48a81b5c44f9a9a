//! Differential test of rule evaluation against the real Prometheus 2.42
//! (Debian's `prometheus`): the same rule file is loaded by Prometheus
//! (`rule_files`, 1 s evaluation interval) and by Watchpost's stock
//! `prometheus-rules` plugin (1 s interval); the same data is remote-written
//! to both. After a few evaluation rounds the alerts (names, labels, state,
//! templated annotations) and the recorded series must agree.

#[path = "support/mod.rs"]
mod support;

#[allow(dead_code)]
#[path = "promql_diff/data.rs"]
mod data;
#[path = "promql_diff/remote_write.rs"]
mod remote_write;
#[allow(dead_code)]
#[path = "promql_diff/rng.rs"]
mod rng;

use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use support::{Server, free_port, get, wait_for};

const RULES: &str = r#"groups:
  - name: email
    rules:
      - record: queue:celery_queue_length:sum
        expr: sum by (queue) (celery_queue_length)
      - record: instance:errors:ratio
        expr: sum by (instance) (rate(http_requests_total{code="500"}[5m])) / sum by (instance) (rate(http_requests_total[5m]))
        labels: {team: mail}
      - alert: HighErrorRate
        expr: instance:errors:ratio > 0.2
        labels: {severity: critical}
        annotations:
          summary: "{{ $labels.instance }} fails {{ $value | humanizePercentage }} of requests"
          description: 'error ratio {{ printf "%.3f" $value }} on {{ $labels.instance }} (team {{ $labels.team }})'
      - alert: QueueBacklog
        expr: celery_queue_length > 100
        for: 1h
        labels: {severity: warning}
        annotations:
          summary: "{{ $labels.queue }} has {{ $value }} tasks waiting"
      - alert: WorkerDown
        expr: up{job="celery"} == 0
        labels: {severity: page}
        annotations:
          summary: "worker {{ $labels.instance }} is down"
          runbook: "https://runbooks.example.com/{{ $labels.job }}"
"#;

/// The scenario: two instances, one failing 40% of its requests; two
/// queues, one backed up; one of two workers down.
fn scenario(now: i64) -> Vec<data::Series> {
    let mut out = Vec::new();
    let points = 9;
    let start = now - (points - 1) * 15_000;
    let mut series = |name: &str, labels: &[(&str, &str)], value: &dyn Fn(i64) -> f64| {
        let mut s = data::Series::new(name, labels);
        for i in 0..points {
            s.samples.push((start + i * 15_000, value(i)));
        }
        out.push(s);
    };
    for (instance, ok, errors) in [("a:80", 10.0, 0.5), ("b:80", 6.0, 4.0)] {
        series(
            "http_requests_total",
            &[("job", "api"), ("instance", instance), ("code", "200")],
            &|i| ok * 15.0 * i as f64,
        );
        series(
            "http_requests_total",
            &[("job", "api"), ("instance", instance), ("code", "500")],
            &|i| errors * 15.0 * i as f64,
        );
    }
    series("celery_queue_length", &[("queue", "email")], &|_| 250.0);
    series("celery_queue_length", &[("queue", "digest")], &|_| 3.0);
    series("up", &[("job", "celery"), ("instance", "w1")], &|_| 1.0);
    series("up", &[("job", "celery"), ("instance", "w2")], &|_| 0.0);
    out
}

fn json(url: &str) -> Value {
    let (status, body) = get(url).unwrap();
    assert_eq!(status, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// `alertname/labels → (state, annotations)` of `/api/v1/alerts`.
fn alerts(base: &str) -> BTreeMap<String, (String, Value)> {
    json(&format!("{base}/api/v1/alerts"))["data"]["alerts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|a| {
            (
                a["labels"].to_string(),
                (
                    a["state"].as_str().unwrap_or("").to_string(),
                    a["annotations"].clone(),
                ),
            )
        })
        .collect()
}

/// `labels → value` of an instant query.
fn series(base: &str, query: &str) -> BTreeMap<String, String> {
    json(&format!(
        "{base}/api/v1/query?query={}",
        support::encode(query)
    ))["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|s| {
            (
                s["metric"].to_string(),
                s["value"][1].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Whether `HighErrorRate` became active in the very evaluation that first
/// recorded the `instance:errors:ratio` it reads (same group, earlier
/// rule): `ALERTS_FOR_STATE` holds `activeAt` in whole seconds.
fn alert_saw_fresh_recording(base: &str) -> Result<(), String> {
    let first = json(&format!(
        "{base}/api/v1/query?query={}",
        support::encode(r#"instance:errors:ratio{instance="b:80"}[10m]"#)
    ));
    let first = first["data"]["result"][0]["values"][0][0]
        .as_f64()
        .ok_or(format!("no recorded samples: {first}"))?;
    let active = series(base, r#"ALERTS_FOR_STATE{alertname="HighErrorRate"}"#);
    let active: f64 = active
        .values()
        .next()
        .ok_or("no ALERTS_FOR_STATE")?
        .parse()
        .unwrap();
    if active == first.floor() {
        Ok(())
    } else {
        Err(format!(
            "active at {active}, first recording at {first}: the alert read a stale recording"
        ))
    }
}

#[test]
fn rule_evaluation_agrees_with_prometheus() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules").join("email.yml");
    std::fs::create_dir_all(rules.parent().unwrap()).unwrap();
    std::fs::write(&rules, RULES).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let data = scenario(now - 1_000);
    let batches = remote_write::batches(&data, data[0].samples[0].0);

    let config = format!(
        "global:\n  scrape_interval: 1m\n  evaluation_interval: 1s\nrule_files:\n  - {}\n",
        rules.display()
    );
    let (_prometheus, prom) = support::start_prometheus(dir.path(), &config);
    remote_write::send(&format!("{prom}/api/v1/write"), &batches);
    let port = free_port();
    let manifest = dir.path().join("watchpost.toml");
    std::fs::write(
        &manifest,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n\n[[plugin]]\nname = \"email\"\nkind = \"rule\"\npath = \"prometheus-rules\"\ninterval = \"1s\"\n[plugin.capabilities]\nread_dirs = [\"rules\"]\n[plugin.config]\nfiles = [\"email.yml\"]\n"
        ),
    )
    .unwrap();
    let server = Server::start(&manifest, port);
    remote_write::send(&format!("{}/api/v1/write", server.base), &batches);

    // Three alerts fire or wait in both (HighErrorRate for b, QueueBacklog
    // pending for email, WorkerDown for w2); compare once both settled.
    let settled = |base: &str| alerts(base).len() == 3;
    assert!(
        wait_for(Duration::from_secs(30), || settled(&prom)
            && settled(&server.base)),
        "alerts did not settle: prometheus {:?}, watchpost {:?}; log:\n{}",
        alerts(&prom),
        alerts(&server.base),
        server.log_text()
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(alerts(&server.base), alerts(&prom), "alerts differ");
    // A later rule sees what an earlier rule of its group recorded in the
    // same evaluation.
    assert_eq!(alert_saw_fresh_recording(&prom), Ok(()), "prometheus");
    assert_eq!(alert_saw_fresh_recording(&server.base), Ok(()), "watchpost");
    // Both recordings are independent of the exact evaluation time (a gauge
    // sum; a ratio of rates over the same samples), which differs between
    // the two servers.
    for record in ["queue:celery_queue_length:sum", "instance:errors:ratio"] {
        let (ours, theirs) = (series(&server.base, record), series(&prom, record));
        assert!(
            !theirs.is_empty(),
            "Prometheus recorded nothing for {record}"
        );
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            theirs.keys().collect::<Vec<_>>(),
            "{record}"
        );
        for (labels, v) in &theirs {
            let (a, b): (f64, f64) = (v.parse().unwrap(), ours[labels].parse().unwrap());
            assert!(
                (a - b).abs() <= 1e-9 * a.abs().max(1.0),
                "{record} {labels}: {b} vs {a}"
            );
        }
    }
}
