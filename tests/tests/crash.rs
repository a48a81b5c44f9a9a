//! Durability of the metrics store in the real binary: every recorded
//! collection survives `kill -9` and a restart, and a plugin removed by a
//! reload has its series marked stale.

mod support;

use serde_json::Value;
use std::time::Duration;
use support::{Server, free_port, wait_for, wasm};

fn manifest(port: u16, with_plugin: bool) -> String {
    manifest_with(port, with_plugin, "")
}

/// `storage` is extra `[storage]` keys.
fn manifest_with(port: u16, with_plugin: bool, storage: &str) -> String {
    let plugin = format!(
        "[[plugin]]\nname = \"counter\"\nkind = \"exporter\"\npath = {:?}\ninterval = \"200ms\"\ntimeout = \"200ms\"\n[plugin.config]\nmode = \"ok\"\n",
        wasm("watchpost_test_misbehave").display().to_string()
    );
    format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\n[storage]\ndata_dir = \"data\"\n{storage}\n\n{}",
        if with_plugin { plugin } else { String::new() }
    )
}

/// Starts the server and waits until the plugin has been collected 5 times.
fn start_and_collect(path: &std::path::Path, port: u16) -> Server {
    let server = Server::start(path, port);
    assert!(wait_for(Duration::from_secs(20), || values(
        &server.raw("misbehave_calls")
    )
    .len()
        >= 5));
    server
}

fn values(series: &[Value]) -> Vec<Value> {
    series
        .first()
        .map(|s| s["values"].as_array().unwrap().clone())
        .unwrap_or_default()
}

#[test]
fn recorded_samples_survive_kill_9_and_removed_plugins_go_stale() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("watchpost.toml");
    std::fs::write(&path, manifest(port, true)).unwrap();

    let server = start_and_collect(&path, port);
    let before = values(&server.raw("misbehave_calls{job=\"counter\"}"));
    let up_before = values(&server.raw("up{job=\"counter\"}"));
    server.kill9();

    let server = Server::start(&path, port);
    let after = values(&server.raw("misbehave_calls{job=\"counter\"}"));
    assert!(after.len() >= before.len());
    assert_eq!(
        &after[..before.len()],
        &before[..],
        "every recorded sample is still there, unchanged"
    );
    let up_after = values(&server.raw("up{job=\"counter\"}"));
    assert_eq!(&up_after[..up_before.len()], &up_before[..]);
    // The restarted plugin starts counting again from 1: new samples follow.
    assert!(wait_for(Duration::from_secs(10), || values(
        &server.raw("misbehave_calls")
    )
    .len()
        > after.len()));

    // Removing the plugin marks its series stale.
    std::fs::write(&path, manifest(port, false)).unwrap();
    assert!(
        wait_for(Duration::from_secs(20), || {
            let v = values(&server.raw("misbehave_calls{job=\"counter\"}"));
            v.last().is_some_and(|s| s[1] == "stale")
        }),
        "log:\n{}",
        server.log_text()
    );
    let up = values(&server.raw("up{job=\"counter\"}"));
    assert_eq!(up.last().unwrap()[1], "stale");
}

#[test]
fn with_background_wal_sync_acknowledged_samples_still_survive_kill_9() {
    // The first background fsync is a minute away: what survives the kill
    // was written to the OS before it was acknowledged, not synced.
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("watchpost.toml");
    std::fs::write(&path, manifest_with(port, true, "wal_sync = \"60s\"")).unwrap();
    let server = start_and_collect(&path, port);
    let before = values(&server.raw("misbehave_calls{job=\"counter\"}"));
    server.kill9();
    let server = Server::start(&path, port);
    let after = values(&server.raw("misbehave_calls{job=\"counter\"}"));
    assert!(after.len() >= before.len());
    assert_eq!(&after[..before.len()], &before[..]);
}
