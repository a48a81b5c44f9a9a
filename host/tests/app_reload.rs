//! Reload at the application level: a changed plugin gets a new instance but
//! keeps its persistent state; an unchanged one keeps its instance; a broken
//! manifest changes nothing.

mod common;

use common::wasm;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use watchpost::app::App;
use watchpost::manifest::Manifest;
use watchpost::storage::metrics::Matcher;

fn manifest_text(uptime_interval: &str) -> String {
    format!(
        r#"[storage]
data_dir = "data"

[[plugin]]
name = "uptime"
kind = "exporter"
path = {uptime:?}
interval = "{uptime_interval}"
timeout = "200ms"
[plugin.capabilities]
read_dirs = ["/proc"]

[[plugin]]
name = "steady"
kind = "exporter"
path = {misbehave:?}
interval = "250ms"
timeout = "200ms"
[plugin.config]
mode = "ok"
"#,
        uptime = wasm("example_uptime_exporter").display().to_string(),
        misbehave = wasm("watchpost_test_misbehave").display().to_string(),
    )
}

/// The newest stored value of the uptime plugin's collection counter.
fn collections(app: &App) -> Option<f64> {
    let matchers = [
        Matcher::equal("__name__", "example_collections_total"),
        Matcher::equal("job", "uptime"),
    ];
    let series = app.metrics.select(&matchers, 0, i64::MAX);
    series.first()?.1.last().map(|(_, v)| *v)
}

async fn wait_until(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_swaps_changed_plugins_and_keeps_their_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("watchpost.toml");
    write(&path, &manifest_text("250ms"));
    let app = App::start(Manifest::load(&path).unwrap()).await.unwrap();

    assert!(
        wait_until(Duration::from_secs(10), async || collections(&app)
            >= Some(3.0))
        .await
    );
    let uptime_before = app.plugin("uptime").await.unwrap();
    let steady_before = app.plugin("steady").await.unwrap();

    // Change only the uptime plugin's entry.
    write(&path, &manifest_text("300ms"));
    app.reload().await.unwrap();
    let uptime_after = app.plugin("uptime").await.unwrap();
    assert!(
        !Arc::ptr_eq(&uptime_before, &uptime_after),
        "changed plugin gets a new handle"
    );
    assert!(
        Arc::ptr_eq(&steady_before, &app.plugin("steady").await.unwrap()),
        "unchanged plugin is untouched"
    );

    // The new instance continues the counter kept in the plugin's state.
    let seen = collections(&app).unwrap();
    assert!(
        wait_until(Duration::from_secs(10), async || uptime_after
            .health()
            .calls
            >= 1)
        .await,
        "new version should run"
    );
    assert!(
        collections(&app).unwrap() > seen,
        "the counter continues rather than restarting at 1"
    );
    assert!(dir.path().join("data/plugins/uptime/state.json").is_file());

    // A broken manifest changes nothing.
    write(&path, "[[plugin]]\nname = 1\n");
    assert!(app.reload().await.is_err());
    assert!(Arc::ptr_eq(
        &uptime_after,
        &app.plugin("uptime").await.unwrap()
    ));
    assert!(
        app.telemetry
            .encode()
            .contains("watchpost_config_last_reload_successful 0")
    );
    assert!(!app.last_reload().unwrap().ok);
}
