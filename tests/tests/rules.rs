//! Rule plugins in the real binary: a rule queries PromQL through the host,
//! its alert candidates go through the host's state machine (pending, then
//! firing after `for`, resolved when the condition clears), label and
//! annotation templates are expanded by the host, `ALERTS` and
//! `ALERTS_FOR_STATE` are written (and go stale on resolution), recorded
//! samples are stored, and `/api/v1/alerts` answers in Prometheus' shape.

mod support;

use std::time::Duration;
use support::{Server, free_port, wait_for, wasm};

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

#[test]
fn alerts_go_pending_firing_and_resolved_with_templates_expanded() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("watchpost.toml");
    // The rule's config is the last table: its templated labels and
    // annotations are appended to it.
    let text = rule_manifest(port, "1s", 3000)
        + r#"labels = { severity = "page", where = "room {{ $labels.room }}" }
annotations = { summary = "{{ $labels.room }} is {{ $value }} degrees", count = "{{ query \"count(temperature)\" | first | value }}" }
"#;
    std::fs::write(&manifest, text).unwrap();
    let server = Server::start(&manifest, port);
    let t = now_ms();
    server.import(&format!(
        "temperature{{room=\"a\"}} 30 {t}\ntemperature{{room=\"b\"}} 20 {t}\n"
    ));

    // Pending first, with labels and annotations expanded by the host.
    assert!(
        wait_for(Duration::from_secs(20), || !server.alerts().is_empty()),
        "no alert; log:\n{}",
        server.log_text()
    );
    let a = &server.alerts()[0];
    assert_eq!(a["labels"]["alertname"], "TooHot");
    assert_eq!(a["labels"]["room"], "a");
    assert_eq!(a["labels"]["severity"], "page");
    assert_eq!(a["labels"]["where"], "room a");
    assert_eq!(a["annotations"]["summary"], "a is 30 degrees");
    assert_eq!(a["annotations"]["count"], "2");
    assert_eq!(a["value"], "3e+01");
    let active_at = a["activeAt"].as_str().unwrap().to_string();
    assert_eq!(server.alerts().len(), 1, "room b is below the threshold");

    // Firing once `for` has passed, same activeAt; ALERTS says so.
    assert!(wait_for(Duration::from_secs(20), || server
        .alerts()
        .first()
        .is_some_and(|a| a["state"] == "firing")));
    assert_eq!(server.alerts()[0]["activeAt"], active_at.as_str());
    assert!(wait_for(Duration::from_secs(10), || {
        let firing = server.query("ALERTS{alertstate=\"firing\"}");
        firing.len() == 1 && firing[0]["metric"]["room"] == "a"
    }));
    let for_state = server.query("ALERTS_FOR_STATE");
    assert_eq!(for_state.len(), 1);
    assert_eq!(for_state[0]["metric"]["alertname"], "TooHot");
    let recorded = server.query("test:temperature_series");
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["value"][1], "2");

    // The condition clears: resolved, gone from the API, ALERTS stale.
    server.import(&format!("temperature{{room=\"a\"}} 10 {}\n", now_ms()));
    assert!(
        wait_for(Duration::from_secs(20), || server.alerts().is_empty()),
        "alert not resolved: {:?}",
        server.alerts()
    );
    assert!(wait_for(Duration::from_secs(10), || server
        .query("ALERTS")
        .is_empty()));
}

/// The manifest of one threshold rule evaluated every `interval`, with
/// `for` of `for_ms`.
fn rule_manifest(port: u16, interval: &str, for_ms: u64) -> String {
    format!(
        r#"[server]
listen = "127.0.0.1:{port}"

[[plugin]]
name = "hot"
kind = "rule"
path = {path:?}
interval = "{interval}"

[plugin.config]
query = "temperature"
threshold = 25
alert = "TooHot"
for_ms = {for_ms}
record = "test:temperature_series"
"#,
        path = wasm("watchpost_test_threshold_rule").display().to_string()
    )
}

#[test]
fn a_reload_keeps_pending_alerts_and_their_active_at() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("watchpost.toml");
    std::fs::write(&manifest, rule_manifest(port, "1s", 600_000)).unwrap();
    let server = Server::start(&manifest, port);
    server.import(&format!("temperature{{room=\"a\"}} 30 {}\n", now_ms()));
    assert!(
        wait_for(Duration::from_secs(20), || !server.alerts().is_empty()),
        "no alert; log:\n{}",
        server.log_text()
    );
    let before = server.alerts()[0].clone();
    assert_eq!(before["state"], "pending");

    // The plugin is reloaded (its schedule changed); its rule did not.
    let reloads = server
        .metric("watchpost_config_last_reload_success_timestamp_seconds")
        .unwrap_or(0.0);
    std::fs::write(&manifest, rule_manifest(port, "2s", 600_000)).unwrap();
    assert!(
        wait_for(Duration::from_secs(20), || server
            .metric("watchpost_config_last_reload_success_timestamp_seconds")
            .unwrap_or(0.0)
            > reloads),
        "no reload; log:\n{}",
        server.log_text()
    );
    let calls = |s: &Server| {
        s.plugin("hot")
            .and_then(|p| p["calls"].as_u64())
            .unwrap_or(0)
    };
    let after_reload = calls(&server);
    assert!(wait_for(Duration::from_secs(20), || calls(&server)
        >= after_reload + 2));
    let after = server.alerts();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0]["state"], "pending");
    assert_eq!(
        after[0]["activeAt"], before["activeAt"],
        "activeAt was reset"
    );
}

#[test]
fn a_rule_plugin_that_panics_or_hangs_stops_only_itself() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("watchpost.toml");
    let path = wasm("watchpost_test_threshold_rule").display().to_string();
    let bad = |name: &str, how: &str| {
        format!(
            "[[plugin]]\nname = \"{name}\"\nkind = \"rule\"\npath = {path:?}\ninterval = \"1s\"\ntimeout = \"500ms\"\n[plugin.config]\nquery = \"temperature\"\nthreshold = 0\nalert = \"Never\"\nrecord = \"test:{name}\"\nmisbehave = \"{how}\"\n\n"
        )
    };
    let text = rule_manifest(port, "1s", 0) + &bad("panics", "panic") + &bad("hangs", "loop");
    std::fs::write(&manifest, text).unwrap();
    let server = Server::start(&manifest, port);
    server.import(&format!("temperature{{room=\"a\"}} 30 {}\n", now_ms()));
    // The good rule keeps firing while the others fail and restart.
    assert!(
        wait_for(Duration::from_secs(30), || {
            let failures = |reason: &str, plugin: &str| {
                server
                    .metric(&format!(
                        "watchpost_plugin_failures_total{{plugin=\"{plugin}\",reason=\"{reason}\"}}"
                    ))
                    .unwrap_or(0.0)
            };
            failures("panic", "panics") >= 1.0 && failures("timeout", "hangs") >= 1.0
        }),
        "failures not counted; log:\n{}",
        server.log_text()
    );
    assert!(wait_for(Duration::from_secs(20), || server
        .alerts()
        .iter()
        .any(
            |a| a["labels"]["alertname"] == "TooHot" && a["state"] == "firing"
        )));
    assert!(
        server
            .alerts()
            .iter()
            .all(|a| a["labels"]["alertname"] == "TooHot")
    );
    let recorded = server.query("test:temperature_series");
    assert_eq!(recorded.len(), 1, "the good rule's series");
    assert!(server.query("test:panics").is_empty() && server.query("test:hangs").is_empty());
}
