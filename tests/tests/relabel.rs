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
}
