//! The CLI: `check` exit codes and messages, and `plugin run` for authors.

mod support;

use support::{root, run_cli, wasm};

#[test]
fn check_accepts_the_quickstart() {
    let out = run_cli(&[
        "check",
        root()
            .join("examples/quickstart/watchpost.toml")
            .to_str()
            .unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("SUCCESS: 3 plugins found"), "{stdout}");
}

#[test]
fn check_rejects_bad_manifests_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[[plugin]]\nname = \"x\"\nkind = \"exporter\"\npath = \"node\"\ninterval = \"soon\"\n",
    )
    .unwrap();
    let out = run_cli(&["check", path.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("bad.toml:5:12: interval: invalid duration"),
        "{stdout}"
    );
}

#[test]
fn check_loads_each_plugin_and_its_kind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kind.toml");
    let parser = wasm("example_kv_parser");
    std::fs::write(
        &path,
        format!(
            "[[plugin]]\nname = \"kv\"\nkind = \"exporter\"\npath = {:?}\n",
            parser.display().to_string()
        ),
    )
    .unwrap();
    let out = run_cli(&["check", path.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("it is a parser plugin") && stdout.contains("kind = \"exporter\""),
        "{stdout}"
    );
}

#[test]
fn check_has_parsers_read_their_config() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("watchpost.toml");
    let parser = |name: &str, path: &str, config: &str| {
        format!(
            "[[plugin]]\nname = \"{name}\"\nkind = \"parser\"\npath = \"{path}\"\n[plugin.config]\n{config}\n"
        )
    };
    std::fs::write(
        &manifest,
        [
            parser("apache", "grok", "match = \"%{COMBINEDAPACHELOG}\""),
            parser("typo", "grok", "match = \"%{COMBINEDAPACHELG}\""),
            parser("app", "json", "labels = [\"service\"]\nbogus = 1"),
        ]
        .concat(),
    )
    .unwrap();
    let out = run_cli(&["check", manifest.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("plugin \"apache\" (parser): ok"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAILED: plugin \"typo\"") && stdout.contains("COMBINEDAPACHELG"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAILED: plugin \"app\"") && stdout.contains("bogus"),
        "{stdout}"
    );
}

#[test]
fn check_warns_of_a_receiver_it_has_no_notifier_for() {
    // Valid for Alertmanager; `watchpost run` starts with it and warns.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("am.yml"),
        "route:\n  receiver: phones\nreceivers:\n  - name: phones\n    pushover_configs:\n      - user_key: u\n        token: t\n",
    )
    .unwrap();
    let manifest = dir.path().join("watchpost.toml");
    std::fs::write(&manifest, "[alerting]\nconfig = \"am.yml\"\n").unwrap();
    let out = run_cli(&["check", manifest.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("WARNING: receiver \"phones\": no notifier plugin for pushover_configs"),
        "{stdout}"
    );
}

#[test]
fn plugin_run_prints_parsed_records() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("lines.log");
    std::fs::write(
        &input,
        "level=info msg=\"user logged in\" user=bob latency_ms=12\nthis line has no pairs\nlevel=error msg=boom code=500\n",
    )
    .unwrap();
    let out = plugin_run(
        "example_kv_parser",
        &["--kind", "parser", "--input", input.to_str().unwrap()],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 3, "every line yields a record: {records:?}");
    assert_eq!(records[0]["message"], "user logged in");
    assert_eq!(records[0]["severity"], "info");
    assert_eq!(records[0]["fields"]["user"], "bob");
    assert_eq!(records[0]["fields"]["latency_ms"], 12);
    assert_eq!(records[1]["message"], "this line has no pairs");
    assert!(records[1]["parse_error"].is_string(), "{:?}", records[1]);
    assert_eq!(records[2]["severity"], "error");
}

#[test]
fn plugin_run_gives_a_plugin_without_config_nothing_to_read() {
    // The echo parser's config type is `()`: without `--config` (as without
    // a `[plugin.config]` table) it gets no config, not an error.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("lines.log");
    std::fs::write(&input, "first line\nsecond line\n").unwrap();
    let out = plugin_run(
        "watchpost_test_echo_parser",
        &["--kind", "parser", "--input", input.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let records: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let messages: Vec<&str> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(r.get("parse_error").is_none(), "{r}");
            r["message"].as_str().unwrap()
        })
        .collect();
    assert_eq!(messages, ["first line", "second line"]);
}

#[test]
fn a_plugin_flooding_the_log_gets_its_budget_and_a_count_of_the_rest() {
    let out = run_misbehave("log_flood");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let logged = stderr.matches("misbehave flood line").count();
    assert_eq!(logged, 100, "lines of the 10000 that reached the log");
    assert!(
        stderr.contains("misbehave flood line 0"),
        "the first lines are kept"
    );
    let dropped = format!("dropped={}", 10_000 - logged);
    assert!(
        stderr.contains("the rest were dropped") && stderr.contains(&dropped),
        "{dropped}: {stderr}"
    );
}

#[test]
fn plugin_run_reports_a_crash_with_exit_code_1() {
    let out = run_misbehave("panic");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("panic") && stderr.contains("misbehave was told to panic"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\x1b'),
        "logs not written to a terminal carry no colour codes: {stderr:?}"
    );
}

/// `watchpost plugin run` of the misbehaving test exporter in `mode`.
fn run_misbehave(mode: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("misbehave.toml");
    std::fs::write(&config, format!("mode = {mode:?}\n")).unwrap();
    plugin_run(
        "watchpost_test_misbehave",
        &["--kind", "exporter", "--config", config.to_str().unwrap()],
    )
}

/// `watchpost plugin run` of the built plugin `stem` with `args`.
fn plugin_run(stem: &str, args: &[&str]) -> std::process::Output {
    let plugin = wasm(stem);
    let mut all = vec!["plugin", "run", plugin.to_str().unwrap()];
    all.extend_from_slice(args);
    run_cli(&all)
}
