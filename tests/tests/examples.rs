//! The email stack's example manifest (`examples/email-stack/`): `watchpost
//! check` accepts it with its Alertmanager file and the notifier plugins
//! that file needs, never prints a secret, refuses it when a secret is
//! missing; real `amtool` accepts the same Alertmanager file; and every job
//! the alert rules select is a job the manifest scrapes.

mod support;

use std::process::{Command, Output};
use support::{binary, peer_binary, root};

const SECRETS: [(&str, &str); 4] = [
    (
        "SLACK_WEBHOOK_URL",
        "https://hooks.slack.com/services/T000/B000/slack-secret-1",
    ),
    ("PAGERDUTY_SERVICE_KEY", "pagerduty-secret-2"),
    ("OPSGENIE_API_KEY", "opsgenie-secret-3"),
    ("EMAIL_PASSWORD", "email-secret-4"),
];

fn example(file: &str) -> std::path::PathBuf {
    root().join("examples/email-stack").join(file)
}

fn check(skip: Option<&str>) -> (Output, String) {
    let mut cmd = Command::new(binary());
    cmd.args(["check", example("watchpost.toml").to_str().unwrap()])
        .env("WATCHPOST_LOG", "info");
    for (name, value) in SECRETS {
        cmd.env_remove(name);
        if Some(name) != skip {
            cmd.env(name, value);
        }
    }
    let out = cmd.output().expect("watchpost runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, all)
}

fn manifest() -> toml::Table {
    std::fs::read_to_string(example("watchpost.toml"))
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn check_accepts_the_example_with_its_alerting_and_prints_no_secret() {
    let (out, all) = check(None);
    assert_eq!(out.status.code(), Some(0), "{all}");
    let plugins = manifest()["plugin"].as_array().unwrap().len();
    assert!(
        all.contains(&format!("SUCCESS: {plugins} plugins found")),
        "{all}"
    );
    let receivers = all
        .lines()
        .find(|l| l.contains("alerting") && l.contains(": ok ("))
        .unwrap_or_else(|| panic!("no alerting line: {all}"));
    assert!(!receivers.contains(" 0 integrations"), "{receivers}");
    for (name, value) in SECRETS {
        assert!(!all.contains(value), "{name}'s value was printed: {all}");
    }
}

#[test]
fn check_refuses_the_example_without_a_secret_it_needs() {
    let (out, all) = check(Some("PAGERDUTY_SERVICE_KEY"));
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("FAILED: alerting") && all.contains("PAGERDUTY_SERVICE_KEY"),
        "{all}"
    );
}

#[test]
fn amtool_accepts_the_examples_alertmanager_file() {
    let mut text = std::fs::read_to_string(example("alertmanager.yml")).unwrap();
    for (name, value) in SECRETS {
        text = text.replace(&format!("${{{name}}}"), value);
    }
    let mut code = text.lines().filter(|l| !l.trim_start().starts_with('#'));
    assert!(!code.any(|l| l.contains("${")), "a variable left: {text}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alertmanager.yml");
    std::fs::write(&file, text).unwrap();
    let amtool = |args: &[&str]| {
        let out = Command::new(peer_binary("amtool", "prometheus-alertmanager"))
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            out.status.success(),
            "amtool {args:?}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    let path = file.to_str().unwrap();
    amtool(&["check-config", path]);
    let file = format!("--config.file={path}");
    // Where the comments say alerts go: critical pages, database mails the
    // DBAs, queue and mail-server alerts open Opsgenie alerts, and every
    // alert reaches Slack.
    for (labels, receivers) in [
        (
            ["severity=critical", "category=database"],
            "critical-ops,dba-email,team-slack",
        ),
        (
            ["severity=warning", "category=mail-server"],
            "ops-genie,team-slack",
        ),
        (["severity=warning", "category=cache"], "team-slack"),
    ] {
        let mut args = vec!["config", "routes", "test", &file];
        args.extend(labels);
        assert_eq!(amtool(&args), receivers, "{labels:?}");
    }
}

#[test]
fn every_job_the_alert_rules_select_is_scraped() {
    let rules = std::fs::read_to_string(example("rules/alerts.yml")).unwrap();
    let jobs: Vec<&str> = rules
        .split("job=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert!(!jobs.is_empty());
    let manifest = manifest();
    let exporters: Vec<&str> = manifest["plugin"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"].as_str() == Some("exporter"))
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for job in jobs {
        assert!(
            exporters.contains(&job),
            "rules select job {job:?}; exporters: {exporters:?}"
        );
    }
}
