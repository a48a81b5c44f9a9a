//! The stock `prometheus-rules` plugin, bundled in the real binary: a Prometheus rule
//! file read through a `read_dirs` grant, its recording rule stored, its
//! alert pending with the host-expanded annotation, and an edit of the file
//! picked up on the next evaluation without a restart.

mod support;

use std::time::Duration;
use support::{Server, free_port, wait_for};

fn alert_names(server: &Server) -> Vec<String> {
    server
        .alerts()
        .iter()
        .map(|a| {
            a["labels"]["alertname"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

const RULES: &str = r#"groups:
  - name: rooms
    rules:
      - record: job:temperature:max
        expr: max by (job) (temperature)
        labels: {source: rules}
      - alert: TooHot
        expr: temperature > 25
        for: 1h
        labels: {severity: page}
        annotations:
          summary: "{{ $labels.room }} is {{ $value }} degrees"
  - name: slow
    interval: 3s
    limit: 5
    rules:
      - record: rooms:temperature:count
        expr: count(temperature)
"#;

#[test]
fn rule_files_are_evaluated_and_reloaded_on_change() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let rules_dir = dir.path().join("rules");
    std::fs::create_dir(&rules_dir).unwrap();
    std::fs::write(rules_dir.join("rooms.yml"), RULES).unwrap();
    let manifest = dir.path().join("watchpost.toml");
    std::fs::write(
        &manifest,
        format!(
            r#"[server]
listen = "127.0.0.1:{port}"

[[plugin]]
name = "rules"
kind = "rule"
path = "prometheus-rules"
interval = "1s"
[plugin.capabilities]
read_dirs = ["rules"]
[plugin.config]
files = ["*.yml"]
"#
        ),
    )
    .unwrap();
    let server = Server::start(&manifest, port);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    server.import(&format!(
            "temperature{{job=\"hvac\",room=\"a\"}} 30 {t}\ntemperature{{job=\"hvac\",room=\"b\"}} 20 {t}\n"
        ));

    assert!(
        wait_for(Duration::from_secs(20), || alert_names(&server)
            == ["TooHot"]),
        "no alert; log:\n{}",
        server.log_text()
    );
    let alert = &server.json("/api/v1/alerts")["data"]["alerts"][0];
    assert_eq!(alert["state"], "pending");
    assert_eq!(alert["labels"]["room"], "a");
    assert_eq!(alert["labels"]["severity"], "page");
    assert_eq!(alert["annotations"]["summary"], "a is 30 degrees");
    assert!(wait_for(Duration::from_secs(10), || !server
        .query("job:temperature:max")
        .is_empty()));
    let recorded = &server.query("job:temperature:max")[0];
    assert_eq!(recorded["metric"]["source"], "rules");
    assert_eq!(recorded["metric"]["job"], "hvac");
    assert_eq!(recorded["value"][1], "30");

    // `/api/v1/rules` in Prometheus' shape: the group from the file, its
    // rules as written, health, and the alerting rule's active alert.
    let rules = server.json("/api/v1/rules");
    let group = &rules["data"]["groups"][0];
    assert_eq!(group["name"], "rooms");
    assert!(
        group["file"].as_str().unwrap().ends_with("rooms.yml"),
        "{group}"
    );
    assert_eq!(group["interval"], 1.0);
    let (record, alert) = (&group["rules"][0], &group["rules"][1]);
    assert_eq!(record["type"], "recording");
    assert_eq!(record["name"], "job:temperature:max");
    assert_eq!(record["query"], "max by (job) (temperature)");
    assert_eq!(record["labels"]["source"], "rules");
    assert_eq!(record["health"], "ok");
    assert_eq!(alert["type"], "alerting");
    assert_eq!(alert["name"], "TooHot");
    assert_eq!(alert["query"], "temperature > 25");
    assert_eq!(alert["duration"], 3600.0);
    assert_eq!(alert["state"], "pending");
    assert_eq!(alert["alerts"][0]["labels"]["room"], "a");
    assert_eq!(
        alert["annotations"]["summary"],
        "{{ $labels.room }} is {{ $value }} degrees"
    );
    let only_alerts = server.json("/api/v1/rules?type=alert");
    assert_eq!(
        only_alerts["data"]["groups"][0]["rules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The `slow` group runs on its own interval: once per 3 s slot while
    // `rooms` runs every second.
    let count = |q: &str| -> usize {
        server
            .query(q)
            .first()
            .and_then(|s| s["value"][1].as_str().and_then(|v| v.parse().ok()))
            .unwrap_or(0)
    };
    assert!(
        wait_for(Duration::from_secs(20), || count(
            "count_over_time(job:temperature:max[6s])"
        ) >= 5),
        "rooms is not evaluated every second"
    );
    let slow = count("count_over_time(rooms:temperature:count[6s])");
    assert!((1..=3).contains(&slow), "slow group ran {slow} times in 6s");
    let group = &server.json("/api/v1/rules")["data"]["groups"][1];
    assert_eq!(
        (&group["name"], &group["interval"], &group["limit"]),
        (&"slow".into(), &3.0.into(), &5.into())
    );

    // Edit the file: the new rule replaces the old one without a restart.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(
        rules_dir.join("rooms.yml"),
        RULES.replace("TooHot", "WayTooHot"),
    )
    .unwrap();
    assert!(
        wait_for(Duration::from_secs(20), || alert_names(&server)
            == ["WayTooHot"]),
        "edit not picked up: {:?}\n{}",
        alert_names(&server),
        server.log_text()
    );

    // An invalid edit keeps the last good rules and is logged.
    std::fs::write(rules_dir.join("rooms.yml"), "groups:\n  - name: \"\"\n").unwrap();
    assert!(wait_for(Duration::from_secs(20), || server
        .log_text()
        .contains("Groupname must not be empty")));
    assert_eq!(alert_names(&server), ["WayTooHot"]);
}
