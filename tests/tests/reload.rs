//! Hot reload of the real binary: on a manifest edit, on a plugin file
//! replaced on disk, on SIGHUP and on `POST /-/reload`; an invalid edit keeps
//! the old configuration running and sets the reload metric to 0.

mod support;

use std::path::Path;
use std::time::Duration;
use support::{Server, free_port, wait_for, wasm};

fn plugin(name: &str, file: &Path, mode: &str) -> String {
    format!(
        "[[plugin]]\nname = \"{name}\"\nkind = \"exporter\"\npath = {:?}\ninterval = \"1s\"\ntimeout = \"1s\"\n[plugin.config]\nmode = \"{mode}\"\n\n",
        file.display().to_string()
    )
}

fn manifest(port: u16, plugins: &str) -> String {
    format!("[server]\nlisten = \"127.0.0.1:{port}\"\n\n{plugins}")
}

fn write_atomically(path: &Path, text: &[u8]) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn edits_reload_and_invalid_edits_keep_the_old_config() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let misbehave = wasm("watchpost_test_misbehave");
    let path = dir.path().join("watchpost.toml");
    std::fs::write(&path, manifest(port, &plugin("first", &misbehave, "ok"))).unwrap();
    let server = Server::start(&path, port);
    assert!(wait_for(Duration::from_secs(20), || server
        .plugin("first")
        .is_some_and(|p| p["calls"].as_u64() >= Some(2))));

    // A valid edit adds a plugin; the unchanged one keeps its instance (its
    // call count keeps growing instead of restarting from zero).
    let calls_before = server.plugin("first").unwrap()["calls"].as_u64().unwrap();
    let two = plugin("first", &misbehave, "ok") + &plugin("second", &misbehave, "ok");
    write_atomically(&path, manifest(port, &two).as_bytes());
    assert!(
        wait_for(Duration::from_secs(20), || server
            .plugin("second")
            .is_some()),
        "file change should reload; log:\n{}",
        server.log_text()
    );
    assert!(server.plugin("first").unwrap()["calls"].as_u64().unwrap() >= calls_before);
    assert_eq!(
        server.metric("watchpost_config_last_reload_successful"),
        Some(1.0)
    );
    // One edit, one reload: reading the manifest is not a change to it.
    let reloads = || server.metric("watchpost_config_reloads_total{result=\"success\"}");
    std::thread::sleep(Duration::from_millis(1500));
    let settled = reloads();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        reloads(),
        settled,
        "reloads keep coming; log:\n{}",
        server.log_text()
    );

    // An invalid edit is refused: metric 0, both plugins keep running.
    write_atomically(
        &path,
        manifest(port, &(two.clone() + "[[plugin]]\nname = \"broken\"\n")).as_bytes(),
    );
    assert!(
        wait_for(Duration::from_secs(20), || server
            .metric("watchpost_config_last_reload_successful")
            == Some(0.0)),
        "invalid edit should set the metric to 0; log:\n{}",
        server.log_text()
    );
    let health = server.health();
    assert_eq!(health["components"]["config"]["status"], "degraded");
    assert!(
        health["components"]["config"]["detail"]
            .as_str()
            .unwrap()
            .contains("missing field `kind`")
    );
    let calls = server.plugin("second").unwrap()["calls"].as_u64().unwrap();
    assert!(wait_for(Duration::from_secs(10), || server
        .plugin("second")
        .unwrap()["calls"]
        .as_u64()
        .unwrap()
        > calls));
    let (status, body) = server.post("/-/reload");
    assert_eq!(status, 500);
    assert!(body.contains("missing field `kind`"), "{body}");

    // Fixing the file and sending SIGHUP reloads again.
    std::fs::write(&path, manifest(port, &plugin("first", &misbehave, "ok"))).unwrap();
    let _ = std::process::Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status();
    assert!(wait_for(Duration::from_secs(20), || server
        .plugin("second")
        .is_none()
        && server.metric("watchpost_config_last_reload_successful")
            == Some(1.0)));
    assert_eq!(server.post("/-/reload").0, 200);
}

#[test]
fn a_plugin_replaced_on_disk_is_picked_up() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let plugin_file = dir.path().join("swap.wasm");
    std::fs::copy(wasm("watchpost_test_misbehave"), &plugin_file).unwrap();
    let path = dir.path().join("watchpost.toml");
    std::fs::write(&path, manifest(port, &plugin("swap", &plugin_file, "ok"))).unwrap();
    let server = Server::start(&path, port);
    let before = server.plugin("swap").unwrap()["content_hash"]
        .as_str()
        .unwrap()
        .to_string();

    // Another exporter component takes its place.
    write_atomically(
        &plugin_file,
        &std::fs::read(wasm("example_uptime_exporter")).unwrap(),
    );
    assert!(
        wait_for(Duration::from_secs(20), || server
            .plugin("swap")
            .is_some_and(|p| p["content_hash"] != before.as_str())),
        "replaced plugin should be reloaded; log:\n{}",
        server.log_text()
    );
}

#[test]
fn a_hostile_plugin_does_not_disturb_the_host_or_its_neighbours() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let misbehave = wasm("watchpost_test_misbehave");
    let plugins = plugin("looper", &misbehave, "loop")
        + &plugin("panicker", &misbehave, "panic")
        + &plugin("steady", &misbehave, "ok");
    let path = dir.path().join("watchpost.toml");
    std::fs::write(&path, manifest(port, &plugins)).unwrap();
    let server = Server::start(&path, port);

    assert!(
        wait_for(Duration::from_secs(30), || {
            server
                .plugin("looper")
                .is_some_and(|p| p["failures"].as_u64() >= Some(1))
                && server
                    .plugin("panicker")
                    .is_some_and(|p| p["restarts"].as_u64() >= Some(1))
                && server
                    .plugin("steady")
                    .is_some_and(|p| p["calls"].as_u64() >= Some(4))
        }),
        "health: {}",
        server.health()
    );
    assert_eq!(server.get("/-/healthy").0, 200);
    assert_eq!(server.plugin("steady").unwrap()["failures"], 0);
    assert_eq!(server.health()["status"], "degraded");
    assert!(
        server.metric("watchpost_plugin_failures_total{plugin=\"looper\",reason=\"timeout\"}")
            >= Some(1.0)
    );
    assert!(
        server.metric("watchpost_plugin_failures_total{plugin=\"panicker\",reason=\"panic\"}")
            >= Some(1.0)
    );
    assert!(server.metric("watchpost_plugin_restarts_total{plugin=\"panicker\"}") >= Some(1.0));
    let log = server.log_text();
    assert!(
        log.contains("plugin failed")
            && log.contains("panicker")
            && log.contains("misbehave was told to panic"),
        "{log}"
    );
}
