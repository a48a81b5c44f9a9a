//! Target and metric relabeling in the real binary, with Prometheus'
//! semantics: targets dropped by `keep`, labels added from `__address__`,
//! series renamed and dropped after collection.

mod support;

use std::time::Duration;
use support::{Server, free_port, wait_for, wasm};

#[test]
fn relabeling_shapes_targets_and_series() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let manifest = dir.path().join("watchpost.toml");
    std::fs::write(
        &manifest,
        format!(
            r#"[server]
listen = "127.0.0.1:{port}"

[[plugin]]
name = "fleet"
kind = "exporter"
path = {wasm:?}
interval = "200ms"
timeout = "200ms"
targets = ["api-1:8000", "api-2:8000", "worker-1:9000"]

[[plugin.relabel]]
source_labels = ["__address__"]
regex = "api-.*"
action = "keep"

[[plugin.relabel]]
source_labels = ["__address__"]
regex = "(.*):\\d+"
target_label = "host"

[[plugin.metric_relabel]]
source_labels = ["__name__"]
regex = "misbehave_(.*)"
target_label = "__name__"
replacement = "fleet_$1"

[plugin.config]
mode = "ok"
"#,
            wasm = wasm("watchpost_test_misbehave").display().to_string()
        ),
    )
    .unwrap();
    let server = Server::start(&manifest, port);
    assert!(
        wait_for(Duration::from_secs(20), || server.raw("fleet_calls").len()
            == 2),
        "log:\n{}",
        server.log_text()
    );
    let calls = server.raw("fleet_calls");
    let mut hosts: Vec<String> = calls
        .iter()
        .map(|s| s["metric"]["host"].as_str().unwrap().to_string())
        .collect();
    hosts.sort();
    assert_eq!(
        hosts,
        vec!["api-1", "api-2"],
        "worker-1 was dropped by keep"
    );
    assert_eq!(calls[0]["metric"]["job"], "fleet");
    assert!(
        server.raw("misbehave_calls").is_empty(),
        "renamed by metric relabeling"
    );
    let up = server.raw("up{job=\"fleet\"}");
    assert_eq!(up.len(), 2);
    assert!(
        up.iter()
            .all(|s| s["metric"]["host"].as_str().unwrap().starts_with("api-"))
    );

    // `/api/v1/targets` shows the same: two active targets with their last
    // collection, the one `keep` dropped under droppedTargets.
    let (status, body) = server.get("/api/v1/targets");
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let active = v["data"]["activeTargets"].as_array().unwrap();
    assert_eq!(active.len(), 2, "{body}");
    for t in active {
        assert_eq!(t["scrapePool"], "fleet");
        assert_eq!(t["health"], "up", "{body}");
        assert_eq!(t["lastError"], "");
        assert!(t["lastScrape"].as_str().unwrap().ends_with('Z'));
        assert!(t["lastScrapeDuration"].as_f64().unwrap() > 0.0);
        assert_eq!(t["labels"]["job"], "fleet");
        assert_eq!(t["scrapeInterval"], "200ms");
    }
    assert_eq!(
        v["data"]["droppedTargets"],
        serde_json::json!([{"discoveredLabels": {"__address__": "worker-1:9000", "job": "fleet"}}])
    );
}
