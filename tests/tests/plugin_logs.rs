//! What a plugin puts in the host's log when it keeps failing: an exporter
//! whose every collection fails is logged when it starts failing, not on
//! every collection (its calls and errors are still counted in `/health`).

mod support;

use std::time::Duration;
use support::{Server, wait_for, wasm};

#[test]
fn an_exporter_failing_every_call_is_logged_once_not_every_interval() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        dir.path(),
        &format!(
            "[[plugin]]\nname = \"failing\"\nkind = \"exporter\"\npath = {:?}\n\
             interval = \"100ms\"\n[plugin.config]\nmode = \"error\"\n",
            wasm("watchpost_test_misbehave").display().to_string()
        ),
    );
    let calls = || {
        server
            .plugin("failing")
            .and_then(|p| p["calls"].as_u64())
            .unwrap_or(0)
    };
    assert!(
        wait_for(Duration::from_secs(30), || calls() >= 10),
        "{}",
        server.log_text()
    );
    let plugin = server.plugin("failing").unwrap();
    assert_eq!(plugin["state"], "erroring", "{plugin}");
    assert_eq!(
        plugin["last_error"], "misbehave was told to fail",
        "{plugin}"
    );
    let log = server.log_text();
    let logged = log
        .lines()
        .filter(|l| l.contains("plugin reported an error") && l.contains("\"failing\""))
        .count();
    assert_eq!(logged, 1, "{} calls failed; log:\n{log}", calls());
}
