//! Forwarding to a real VictoriaMetrics (Debian's `victoria-metrics`): the
//! receiver is stopped mid-stream and Watchpost is killed with `-9` while the
//! receiver is down; once both are back, every sample Watchpost stored has
//! arrived exactly once.

mod support;

use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use support::{Peer, Server, free_port, get, peer_binary, wait_for, wasm};

fn start_vm(dir: &Path, port: u16) -> Peer {
    let args = vec![
        format!("-storageDataPath={}", dir.join("vm-data").display()),
        format!("-httpListenAddr=127.0.0.1:{port}"),
        "-search.latencyOffset=0s".into(),
        "-search.disableCache".into(),
    ];
    let vm = Peer::start(
        &peer_binary("victoria-metrics", "victoria-metrics"),
        &args,
        &dir.join("vm.log"),
    );
    assert!(wait_for(Duration::from_secs(30), || get(&format!(
        "http://127.0.0.1:{port}/health"
    ))
    .is_ok_and(|(s, _)| s == 200)));
    vm
}

/// (timestamp ms, value) pairs VictoriaMetrics has for `selector`, without
/// staleness markers: it exports a forwarded marker as NaN once it has
/// merged it (and not before), so only real samples are compared.
fn vm_samples(port: u16, selector: &str) -> Vec<(i64, f64)> {
    let _ = get(&format!("http://127.0.0.1:{port}/internal/force_flush"));
    let (status, body) = get(&format!(
        "http://127.0.0.1:{port}/api/v1/export?match[]={}",
        support::encode(selector)
    ))
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let mut out = Vec::new();
    for line in body.lines().filter(|l| !l.is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap();
        let ts = v["timestamps"].as_array().unwrap();
        let vals = v["values"].as_array().unwrap();
        for (t, x) in ts.iter().zip(vals) {
            if let Some(x) = x.as_f64().filter(|x| !x.is_nan()) {
                out.push((t.as_i64().unwrap(), x));
            }
        }
    }
    out.sort_by_key(|(t, _)| *t);
    out
}

/// Watchpost's stored samples, without staleness markers (VictoriaMetrics
/// does not export those).
fn watchpost_samples(server: &Server, selector: &str) -> Vec<(i64, f64)> {
    server
        .raw(selector)
        .iter()
        .flat_map(|s| s["values"].as_array().unwrap().clone())
        .filter(|v| v[1] != "stale")
        .map(|v| {
            (
                (v[0].as_f64().unwrap() * 1000.0).round() as i64,
                v[1].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_sample_arrives_exactly_once_across_outages() {
    let dir = tempfile::tempdir().unwrap();
    let vm_port = free_port();
    let port = free_port();
    let manifest = dir.path().join("watchpost.toml");
    std::fs::write(
        &manifest,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n[storage]\ndata_dir = \"data\"\n\n[[plugin]]\nname = \"counter\"\nkind = \"exporter\"\npath = {:?}\ninterval = \"100ms\"\ntimeout = \"100ms\"\n[plugin.config]\nmode = \"ok\"\n\n[[forward]]\nname = \"vm\"\nurl = \"http://127.0.0.1:{vm_port}/api/v1/write\"\nmatch = ['misbehave_calls']\nbatch_size = 50\nflush_interval = \"200ms\"\ntimeout = \"2s\"\n",
            wasm("watchpost_test_misbehave").display().to_string()
        ),
    )
    .unwrap();
    let selector = "misbehave_calls{job=\"counter\"}";

    let vm = start_vm(dir.path(), vm_port);
    let server = Server::start(&manifest, port);
    assert!(
        wait_for(Duration::from_secs(20), || vm_samples(vm_port, selector)
            .len()
            >= 5),
        "nothing arrived; log:\n{}",
        server.log_text()
    );

    // The receiver goes away (gracefully: VictoriaMetrics acknowledges
    // writes before it persists them, so a SIGKILL would lose its data, not
    // ours); Watchpost keeps collecting and queueing.
    vm.terminate();
    let during = watchpost_samples(&server, selector).len();
    assert!(wait_for(Duration::from_secs(20), || watchpost_samples(
        &server, selector
    )
    .len()
        >= during + 10));
    assert!(wait_for(Duration::from_secs(10), || server
        .metric("watchpost_forward_send_failures_total{forwarder=\"vm\"}")
        .unwrap_or(0.0)
        >= 1.0));
    // The lag grows while the receiver is away: the oldest undelivered
    // sample falls seconds behind the newest queued one.
    assert!(
        wait_for(Duration::from_secs(10), || server
            .metric("watchpost_forward_lag_seconds{forwarder=\"vm\"}")
            .unwrap_or(0.0)
            >= 2.0),
        "lag {:?}",
        server.metric("watchpost_forward_lag_seconds{forwarder=\"vm\"}")
    );
    let enqueued = server
        .metric("watchpost_forward_highest_enqueued_timestamp_seconds{forwarder=\"vm\"}")
        .unwrap();
    let sent = server
        .metric("watchpost_forward_highest_sent_timestamp_seconds{forwarder=\"vm\"}")
        .unwrap();
    assert!(enqueued - sent >= 2.0, "enqueued {enqueued}, sent {sent}");
    // Watchpost dies too, with queued samples on disk.
    let stored = watchpost_samples(&server, selector);
    server.kill9();
    let server = Server::start(&manifest, port);
    assert_eq!(
        &watchpost_samples(&server, selector)[..stored.len()],
        &stored[..],
        "kill -9 lost stored samples"
    );
    std::thread::sleep(Duration::from_millis(500));

    // Both back: the queue drains.
    let _vm = start_vm(dir.path(), vm_port);
    let stale_markers = || {
        server
            .raw(selector)
            .iter()
            .flat_map(|s| s["values"].as_array().unwrap().clone())
            .filter(|v| v[1] == "stale")
            .count()
    };
    let markers_before = stale_markers();
    std::fs::write(
        &manifest,
        std::fs::read_to_string(&manifest)
            .unwrap()
            .replace("[[plugin]]", "[[plugin]]\n# stopped")
            .replace("mode = \"ok\"", "mode = \"empty\""),
    )
    .unwrap();
    // The exporter has stopped once its series went stale; only then is
    // the set of samples final.
    assert!(
        wait_for(Duration::from_secs(20), || stale_markers() > markers_before),
        "the reload never stopped the exporter; log:\n{}",
        server.log_text()
    );
    assert!(
        wait_for(Duration::from_secs(20), || server
            .metric("watchpost_forward_queue_bytes{forwarder=\"vm\"}")
            == Some(0.0)),
        "queue never drained; log:\n{}",
        server.log_text()
    );
    assert!(
        wait_for(Duration::from_secs(10), || server
            .metric("watchpost_forward_lag_seconds{forwarder=\"vm\"}")
            == Some(0.0)),
        "lag after draining: {:?}",
        server.metric("watchpost_forward_lag_seconds{forwarder=\"vm\"}")
    );
    let ours = watchpost_samples(&server, selector);
    wait_for(Duration::from_secs(20), || {
        vm_samples(vm_port, selector).len() >= ours.len()
    });
    let theirs = vm_samples(vm_port, selector);
    assert!(ours.len() >= 15, "only {} samples stored", ours.len());
    assert_eq!(
        theirs,
        ours,
        "VictoriaMetrics must hold exactly the samples Watchpost stored; log:\n{}",
        server.log_text()
    );
}
