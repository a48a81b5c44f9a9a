//! Real peers from Debian's packages beside the real binary:
//! `prometheus-node-exporter` as a scrape target and as the reference for the
//! `node` plugin's names and labels, and Prometheus 2.42 remote-writing into
//! Watchpost.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use support::{
    Peer, Server, families_from_text, free_port, get, peer_binary, run_cli, wait_for, wasm,
};

/// The node_exporter collectors the `node` plugin implements (from /proc, and
/// `statvfs` through the host's `fs-stats` interface).
const COLLECTORS: [&str; 9] = [
    "cpu",
    "meminfo",
    "loadavg",
    "netdev",
    "diskstats",
    "filesystem",
    "stat",
    "time",
    "uname",
];

/// Families node_exporter derives from sources the plugin cannot read
/// (sysfs, udev, netlink, the time zone database) or about itself; see
/// plugins/node/README.md.
const NOT_FROM_PROC: [&str; 7] = [
    "node_disk_info",
    "node_network_receive_nohandler_total",
    "node_time_clocksource_available_info",
    "node_time_clocksource_current_info",
    "node_time_zone_offset_seconds",
    "node_scrape_collector_duration_seconds",
    "node_exporter_build_info",
];

fn start_node_exporter(dir: &std::path::Path) -> (Peer, u16) {
    let port = free_port();
    let mut args = vec![
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--collector.disable-defaults".into(),
    ];
    args.extend(COLLECTORS.iter().map(|c| format!("--collector.{c}")));
    let peer = Peer::start(
        &peer_binary("prometheus-node-exporter", "prometheus-node-exporter"),
        &args,
        &dir.join("node_exporter.log"),
    );
    assert!(wait_for(Duration::from_secs(20), || get(&format!(
        "http://127.0.0.1:{port}/metrics"
    ))
    .is_ok()));
    (peer, port)
}

fn node_exporter_families(port: u16) -> BTreeMap<String, BTreeSet<Vec<String>>> {
    let (_, text) = get(&format!("http://127.0.0.1:{port}/metrics")).unwrap();
    families_from_text(&text)
        .into_iter()
        .filter(|(name, _)| name.starts_with("node_"))
        .collect()
}

#[test]
fn node_plugin_names_and_labels_match_node_exporter() {
    let dir = tempfile::tempdir().unwrap();
    let (_peer, port) = start_node_exporter(dir.path());
    let reference = node_exporter_families(port);

    let out = run_cli(&[
        "plugin",
        "run",
        wasm("watchpost_plugin_node").to_str().unwrap(),
        "--kind",
        "exporter",
        "--allow-dir",
        "/proc",
        "--allow-fs-stats",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let families: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ours: BTreeMap<String, BTreeSet<Vec<String>>> = BTreeMap::new();
    for f in families.as_array().unwrap() {
        let entry = ours
            .entry(f["name"].as_str().unwrap().to_string())
            .or_default();
        for m in f["metrics"].as_array().unwrap() {
            let mut names: Vec<String> = m["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["name"].as_str().unwrap().to_string())
                .collect();
            names.sort();
            entry.insert(names);
        }
    }

    let mut problems = Vec::new();
    for (name, label_sets) in &ours {
        match reference.get(name) {
            None => problems.push(format!("{name}: node_exporter has no such family")),
            Some(theirs) if theirs != label_sets => problems.push(format!(
                "{name}: labels {label_sets:?}, node_exporter {theirs:?}"
            )),
            Some(_) => {}
        }
    }
    for name in reference.keys() {
        if !ours.contains_key(name)
            && !NOT_FROM_PROC.contains(&name.as_str())
            && name != "node_scrape_collector_success"
        {
            problems.push(format!(
                "{name}: exported by node_exporter, missing from the plugin"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "differences from node_exporter:\n{}",
        problems.join("\n")
    );
    assert!(ours.len() > 60, "only {} families", ours.len());
}

#[test]
fn prometheus_scrape_stores_what_node_exporter_exposes() {
    let dir = tempfile::tempdir().unwrap();
    let (_peer, ne_port) = start_node_exporter(dir.path());
    let port = free_port();
    let manifest = dir.path().join("watchpost.toml");
    std::fs::write(
        &manifest,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n\n[[plugin]]\nname = \"node-exporter\"\nkind = \"exporter\"\npath = \"prometheus-scrape\"\ninterval = \"1s\"\ntargets = [\"127.0.0.1:{ne_port}\"]\n[plugin.capabilities]\nnetwork = [\"127.0.0.1:{ne_port}\"]\n"
        ),
    )
    .unwrap();
    let server = Server::start(&manifest, port);
    assert!(
        wait_for(Duration::from_secs(20), || !server
            .raw("up{job=\"node-exporter\"}")
            .is_empty()),
        "log:\n{}",
        server.log_text()
    );
    let up = server.raw("up{job=\"node-exporter\"}");
    assert_eq!(up[0]["metric"]["instance"], format!("127.0.0.1:{ne_port}"));
    assert_eq!(
        up[0]["values"].as_array().unwrap().last().unwrap()[1],
        "1",
        "log:\n{}",
        server.log_text()
    );

    // Every family node_exporter exposes is stored under the same name and
    // label names, plus the target labels job and instance.
    let reference = node_exporter_families(ne_port);
    let stored = server.raw("{job=\"node-exporter\",__name__=~\"node_.+\"}");
    let mut ours: BTreeMap<String, BTreeSet<Vec<String>>> = BTreeMap::new();
    for s in &stored {
        let metric = s["metric"].as_object().unwrap();
        let mut names: Vec<String> = metric
            .keys()
            .filter(|k| !["__name__", "job", "instance"].contains(&k.as_str()))
            .cloned()
            .collect();
        names.sort();
        ours.entry(metric["__name__"].as_str().unwrap().to_string())
            .or_default()
            .insert(names);
    }
    let missing: Vec<&String> = reference
        .keys()
        .filter(|n| !ours.contains_key(*n))
        .collect();
    assert!(missing.is_empty(), "not stored: {missing:?}");
    for (name, sets) in &reference {
        assert_eq!(&ours[name], sets, "{name}");
    }
}

#[test]
fn prometheus_remote_write_stores_exactly_what_prometheus_scraped() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_bare(dir.path());

    let base = &server.base;
    let prom_port = free_port();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:{prom_port}']\nremote_write:\n  - url: {base}/api/v1/write\n    queue_config:\n      batch_send_deadline: 1s\n      min_backoff: 100ms\n"
        ),
    )
    .unwrap();
    let args = vec![
        format!("--config.file={}", config.display()),
        format!(
            "--storage.tsdb.path={}",
            dir.path().join("prom-data").display()
        ),
        format!("--web.listen-address=127.0.0.1:{prom_port}"),
    ];
    let _prometheus = Peer::start(
        &peer_binary("prometheus", "prometheus"),
        &args,
        &dir.path().join("prometheus.log"),
    );

    let selector = "prometheus_http_requests_total{handler=\"/metrics\",job=\"prometheus\"}";
    assert!(
        wait_for(Duration::from_secs(60), || server
            .raw(selector)
            .first()
            .is_some_and(|s| s["values"].as_array().unwrap().len() >= 6)),
        "Watchpost never received enough samples; log:\n{}",
        server.log_text()
    );
    // Let in-flight batches land, then compare everything older than a cutoff.
    let cutoff = server.raw("up{job=\"prometheus\"}")[0]["values"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()[0]
        .as_f64()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    for selector in [
        selector,
        "up{job=\"prometheus\"}",
        "scrape_samples_scraped{job=\"prometheus\"}",
        "prometheus_tsdb_head_series{job=\"prometheus\"}",
    ] {
        let query = format!("{selector}[10m]");
        let (status, body) = get(&format!(
            "http://127.0.0.1:{prom_port}/api/v1/query?query={}&time={cutoff}",
            support::encode(&query)
        ))
        .unwrap();
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let theirs = v["data"]["result"][0]["values"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let ours: Vec<serde_json::Value> = server.raw(selector)[0]["values"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s[0].as_f64().unwrap() <= cutoff)
            .cloned()
            .collect();
        assert!(
            theirs.len() >= 5,
            "{selector}: Prometheus has only {} samples",
            theirs.len()
        );
        assert_eq!(ours, theirs, "{selector}: Watchpost and Prometheus differ");
    }
    assert!(
        server
            .metric("watchpost_tsdb_samples_appended_total")
            .unwrap_or(0.0)
            > 100.0
    );
}
