//! The quickstart manifest, run by the real binary: it becomes ready, both
//! stock exporters collect, and `/health` and `/metrics` report them.

mod support;

use std::time::Duration;
use support::{Server, free_port, root, wait_for};

#[test]
fn quickstart_serves_health_and_metrics() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("examples/quickstart/watchpost.toml"))
        .unwrap()
        .replace("127.0.0.1:9090", &format!("127.0.0.1:{port}"))
        // Collect every second so the test does not wait a whole interval.
        .replace("interval = \"15s\"", "interval = \"1s\"");
    let manifest = dir.path().join("watchpost.toml");
    std::fs::write(&manifest, text).unwrap();
    let server = Server::start(&manifest, port);

    assert_eq!(server.get("/-/healthy").0, 200);
    let collected = wait_for(Duration::from_secs(30), || {
        ["node", "watchpost", "health"].iter().all(|name| {
            server
                .plugin(name)
                .is_some_and(|p| p["last_success_ms"].as_i64().is_some())
        })
    });
    assert!(
        collected,
        "both exporters should succeed; health: {}\nlog:\n{}",
        server.health(),
        server.log_text()
    );

    let health = server.health();
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["components"]["plugins"]["status"], "ok");
    let node = server.plugin("node").unwrap();
    assert_eq!(node["kind"], "exporter");
    assert_eq!(node["state"], "running");
    assert_eq!(node["failures"], 0);

    let (status, metrics) = server.get("/metrics");
    assert_eq!(status, 200);
    assert!(metrics.contains("watchpost_build_info{"), "{metrics}");
    let node_samples = server
        .metric("watchpost_exporter_samples_total{plugin=\"node\"}")
        .unwrap_or(0.0);
    assert!(
        node_samples > 50.0,
        "node exporter delivered {node_samples} samples"
    );
    let self_samples = server
        .metric("watchpost_exporter_samples_total{plugin=\"watchpost\"}")
        .unwrap_or(0.0);
    assert!(
        self_samples > 0.0,
        "self-scrape delivered nothing:\n{metrics}"
    );
    assert!(metrics.contains(
        "watchpost_plugin_calls_total{plugin=\"node\",kind=\"exporter\",result=\"success\"}"
    ));
    assert_eq!(
        server.metric("watchpost_config_last_reload_successful"),
        Some(1.0)
    );

    // What the exporters returned is in the metrics store, with Prometheus'
    // target labels and synthetic series.
    let up = server.raw("up{job=\"node\"}");
    assert_eq!(up.len(), 1, "{up:?}");
    assert_eq!(up[0]["metric"]["instance"], "node");
    assert_eq!(up[0]["values"].as_array().unwrap().last().unwrap()[1], "1");
    let cpu = server.raw("node_cpu_seconds_total{mode=\"idle\"}");
    assert!(!cpu.is_empty(), "node_cpu_seconds_total is stored");
    let scraped = server.raw("scrape_samples_scraped{job=\"watchpost\"}");
    let n: f64 = scraped[0]["values"][0][1]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(n > 0.0);

    // The health probe of Watchpost itself succeeds.
    let probe = server.raw("probe_success{job=\"health\"}");
    assert_eq!(
        probe[0]["values"].as_array().unwrap().last().unwrap()[1],
        "1"
    );
    assert_eq!(
        probe[0]["metric"]["instance"],
        format!("http://127.0.0.1:{port}/-/healthy")
    );

    // The compiled plugins were cached in the data dir for the next start.
    let cached = std::fs::read_dir(dir.path().join("data/cache/compiled"))
        .unwrap()
        .count();
    assert_eq!(cached, 3, "one compiled artifact per stock plugin");
}
