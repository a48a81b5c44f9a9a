//! The plugin against canned query answers (`TestHost::on_query`) and rule
//! files in a scratch directory: evaluation of recording and alerting
//! rules, `limit`, failing queries, mtime-based reload and keeping the last
//! good rules of a file that turns invalid.

use super::*;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};
use watchpost_sdk::query::{QueryError, Sample};
use watchpost_sdk::testing::{TestHost, with_host};
use watchpost_sdk::{Label, Level, Rule, labels};

const AT: i64 = 1_704_100_500_000;

/// A fresh scratch directory per test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "watchpost-prometheus-rules-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `text` to `path` with modification time `epoch + secs`.
fn write(path: &std::path::Path, text: &str, secs: u64) {
    std::fs::write(path, text).unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

fn plugin(dir: &std::path::Path, files: &[&str]) -> watchpost_sdk::Result<PrometheusRules> {
    PrometheusRules::new(
        serde_json::from_value(serde_json::json!({
            "files": files,
            "dir": dir.to_str().unwrap(),
        }))
        .unwrap(),
    )
}

fn sample(pairs: &[(&str, &str)], value: f64) -> Sample {
    Sample {
        labels: pairs
            .iter()
            .map(|(n, v)| Label {
                name: n.to_string(),
                value: v.to_string(),
            })
            .collect(),
        timestamp_ms: AT,
        value,
    }
}

/// Answers every query from `answers` by its exact text.
fn host(answers: Vec<(&'static str, Vec<Sample>)>) {
    TestHost::new()
        .now_ms(AT)
        .on_query(move |promql, at| {
            assert_eq!(at, AT);
            answers
                .iter()
                .find(|(q, _)| *q == promql)
                .map(|(_, s)| s.clone())
                .ok_or_else(|| QueryError::Execution(format!("no answer for {promql}")))
        })
        .install();
}

fn logged(level: Level) -> Vec<String> {
    with_host(|h| {
        h.logs
            .iter()
            .filter(|(l, _)| *l == level)
            .map(|(_, m)| m.clone())
            .collect()
    })
}

const RULES: &str = r#"groups:
  - name: mail
    rules:
      - record: job:http_requests:rate5m
        expr: sum by (job) (rate(http_requests_total[5m]))
        labels: {team: mail}
      - record: scalar:answer
        expr: "42"
      - alert: InstanceDown
        expr: up == 0
        for: 2m
        keep_firing_for: 1m
        labels:
          severity: critical
          instance: "{{ $labels.instance }}:overridden"
        annotations:
          summary: "{{ $labels.instance }} is down"
"#;

fn answers() -> Vec<(&'static str, Vec<Sample>)> {
    vec![
        (
            "sum by (job) (rate(http_requests_total[5m]))",
            vec![
                sample(&[("job", "api")], 3.5),
                sample(&[("job", "smtp"), ("__name__", "x")], 1.0),
            ],
        ),
        ("42", vec![sample(&[], 42.0)]),
        (
            "up == 0",
            vec![sample(
                &[("__name__", "up"), ("instance", "db:9187"), ("job", "pg")],
                0.0,
            )],
        ),
    ]
}

#[test]
fn recording_rules_become_samples() {
    let dir = scratch("record");
    write(&dir.join("rules.yml"), RULES, 100);
    host(answers());
    let eval = plugin(&dir, &["*.yml"]).unwrap().evaluate(AT).unwrap();
    let recorded: Vec<(String, Vec<Label>, f64)> = eval
        .samples
        .into_iter()
        .map(|s| (s.name, s.labels, s.value))
        .collect();
    assert_eq!(
        recorded,
        [
            (
                "job:http_requests:rate5m".into(),
                labels([("job", "api"), ("team", "mail")]),
                3.5
            ),
            (
                "job:http_requests:rate5m".into(),
                labels([("job", "smtp"), ("team", "mail")]),
                1.0
            ),
            ("scalar:answer".into(), labels([]), 42.0),
        ],
        "`__name__` dropped, rule labels added; a scalar is one sample without labels"
    );
}

#[test]
fn repeated_label_sets_fail_the_recording_rule() {
    let dir = scratch("dupset");
    let rules = RULES.replace("labels: {team: mail}", "labels: {team: mail, job: \"\"}");
    write(&dir.join("rules.yml"), &rules, 100);
    host(answers());
    let eval = plugin(&dir, &["*.yml"]).unwrap().evaluate(AT).unwrap();
    // `job: ""` removes the label: both series become {team="mail"}.
    let names: Vec<String> = eval.samples.into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["scalar:answer"]);
    assert!(
        logged(Level::Warn)
            .iter()
            .any(|m| m.contains("same labelset after applying rule labels")),
        "{:?}",
        logged(Level::Warn)
    );
}

#[test]
fn rule_labels_override_and_name_is_dropped() {
    let dir = scratch("labels");
    let rules = "groups:\n  - name: g\n    rules:\n      - record: job:x:sum\n        expr: x\n        labels: {team: mail, job: overridden}\n";
    write(&dir.join("r.yml"), rules, 100);
    host(vec![(
        "x",
        vec![sample(
            &[("__name__", "x"), ("job", "api"), ("zone", "a")],
            2.0,
        )],
    )]);
    let eval = plugin(&dir, &["r.yml"]).unwrap().evaluate(AT).unwrap();
    assert_eq!(eval.samples.len(), 1);
    assert_eq!(eval.samples[0].name, "job:x:sum");
    assert_eq!(
        eval.samples[0].labels,
        labels([("job", "overridden"), ("team", "mail"), ("zone", "a")])
    );
    assert_eq!(eval.samples[0].value, 2.0);
}

#[test]
fn alerting_rules_become_candidates_with_templates_unexpanded() {
    let dir = scratch("alert");
    write(&dir.join("rules.yml"), RULES, 100);
    host(answers());
    let eval = plugin(&dir, &["rules.yml"]).unwrap().evaluate(AT).unwrap();
    assert_eq!(eval.alerts.len(), 1);
    let a = &eval.alerts[0];
    assert_eq!(a.rule, "InstanceDown");
    assert_eq!(
        a.labels,
        labels([
            ("instance", "{{ $labels.instance }}:overridden"),
            ("job", "pg"),
            ("severity", "critical"),
        ])
    );
    assert_eq!(
        a.annotations,
        labels([("summary", "{{ $labels.instance }} is down")])
    );
    assert_eq!(
        (a.value, a.for_ms, a.keep_firing_for_ms),
        (0.0, 120_000, 60_000)
    );
}

#[test]
fn limit_discards_the_rules_output() {
    let dir = scratch("limit");
    let rules = "groups:\n  - name: g\n    limit: 1\n    rules:\n      - record: two:sum\n        expr: two\n      - alert: TwoAlerts\n        expr: two\n      - record: one:sum\n        expr: one\n";
    write(&dir.join("r.yml"), rules, 100);
    host(vec![
        (
            "two",
            vec![sample(&[("a", "1")], 1.0), sample(&[("a", "2")], 2.0)],
        ),
        ("one", vec![sample(&[("a", "1")], 1.0)]),
    ]);
    let eval = plugin(&dir, &["r.yml"]).unwrap().evaluate(AT).unwrap();
    assert!(eval.alerts.is_empty());
    assert_eq!(eval.samples.len(), 1);
    assert_eq!(eval.samples[0].name, "one:sum");
    let warnings = logged(Level::Warn);
    assert!(
        warnings
            .iter()
            .any(|m| m.contains("rule 1 (\"two:sum\"): exceeded limit of 1 with 2 series")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|m| m.contains("exceeded limit of 1 with 2 alerts")),
        "{warnings:?}"
    );
}

#[test]
fn failing_queries_skip_the_rule_only() {
    let dir = scratch("qerr");
    let rules = "groups:\n  - name: g\n    rules:\n      - record: a:sum\n        expr: broken\n      - record: b:sum\n        expr: one\n";
    write(&dir.join("r.yml"), rules, 100);
    host(vec![("one", vec![sample(&[], 1.0)])]);
    let eval = plugin(&dir, &["r.yml"]).unwrap().evaluate(AT).unwrap();
    assert_eq!(eval.samples.len(), 1);
    assert_eq!(eval.samples[0].name, "b:sum");
    assert!(
        logged(Level::Warn)
            .iter()
            .any(|m| m.contains("rule 1 (\"a:sum\"): query failed: no answer for broken"))
    );
}

#[test]
fn files_are_reread_only_when_their_mtime_changes() {
    let dir = scratch("reload");
    let path = dir.join("r.yml");
    let v1 = "groups:\n  - name: g\n    rules:\n      - record: one:sum\n        expr: one\n";
    let v2 = "groups:\n  - name: g\n    rules:\n      - record: two:sum\n        expr: one\n";
    write(&path, v1, 100);
    host(vec![("one", vec![sample(&[], 1.0)])]);
    let mut p = plugin(&dir, &["*.yml"]).unwrap();
    assert_eq!(p.evaluate(AT).unwrap().samples[0].name, "one:sum");

    // Same size and mtime: not re-read (the new text is not seen).
    write(&path, v2, 100);
    assert_eq!(p.evaluate(AT).unwrap().samples[0].name, "one:sum");

    // A new mtime: re-read.
    write(&path, v2, 200);
    assert_eq!(p.evaluate(AT).unwrap().samples[0].name, "two:sum");

    // A new file matching the pattern is picked up, a removed one dropped.
    write(
        &dir.join("more.yml"),
        &v1.replace("name: g", "name: h"),
        100,
    );
    assert_eq!(p.evaluate(AT).unwrap().samples.len(), 2);
    std::fs::remove_file(&path).unwrap();
    let names: Vec<String> = p
        .evaluate(AT)
        .unwrap()
        .samples
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["one:sum"]);
}

#[test]
fn an_invalid_file_keeps_its_last_good_rules() {
    let dir = scratch("lastgood");
    let path = dir.join("r.yml");
    write(
        &path,
        "groups:\n  - name: g\n    rules:\n      - record: one:sum\n        expr: one\n",
        100,
    );
    host(vec![("one", vec![sample(&[], 1.0)])]);
    let mut p = plugin(&dir, &["r.yml"]).unwrap();
    write(
        &path,
        "groups:\n  - name: g\n    rules:\n      - record: one:sum\n        expr: \"one +\"\n",
        200,
    );
    assert_eq!(p.evaluate(AT).unwrap().samples[0].name, "one:sum");
    let errors = logged(Level::Error);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]
            .contains("r.yml: 5:15: group \"g\", rule 1, \"one:sum\": could not parse expression"),
        "{errors:?}"
    );
    assert!(errors[0].ends_with("(keeping the file's last valid rules)"));
    // Logged once per change, not on every evaluation.
    p.evaluate(AT).unwrap();
    assert_eq!(logged(Level::Error).len(), 1);
}

#[test]
fn an_invalid_file_at_start_is_an_error() {
    let dir = scratch("badstart");
    write(&dir.join("r.yml"), "groups:\n  - name: \"\"\n", 100);
    host(vec![]);
    let err = plugin(&dir, &["r.yml"]).err().unwrap();
    assert!(
        err.message()
            .contains("r.yml: 2:5: Groupname must not be empty"),
        "{err}"
    );
}

#[test]
fn a_group_with_its_own_interval_runs_once_per_slot() {
    let dir = scratch("intervals");
    let rules = "groups:\n  - name: fast\n    rules:\n      - record: fast\n        expr: vector(1)\n  - name: slow\n    interval: 1m\n    limit: 3\n    rules:\n      - record: slow\n        expr: vector(2)\n";
    write(&dir.join("r.yml"), rules, 100);
    let asked = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let log = std::rc::Rc::clone(&asked);
    TestHost::new()
        .on_query(move |promql, at| {
            log.borrow_mut().push((promql.to_string(), at));
            Ok(vec![sample(&[], 1.0)])
        })
        .install();
    let mut p = plugin(&dir, &["r.yml"]).unwrap();
    // AT starts a minute: both groups run.
    let first = p.evaluate(AT).unwrap();
    assert_eq!(first.samples.len(), 2);
    // 15s later the slow group is not due: described as it last ran.
    let second = p.evaluate(AT + 15_000).unwrap();
    let names: Vec<&str> = second.samples.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["fast"]);
    let slow = second.rules.iter().find(|r| r.name == "slow").unwrap();
    assert_eq!(
        (
            slow.evaluated_at_ms,
            slow.group_interval_ms,
            slow.group_limit
        ),
        (AT, 60_000, 3)
    );
    let fast = second.rules.iter().find(|r| r.name == "fast").unwrap();
    assert_eq!(
        (fast.evaluated_at_ms, fast.group_interval_ms),
        (AT + 15_000, 0)
    );
    // The next minute: due again.
    let third = p.evaluate(AT + 60_000).unwrap();
    assert_eq!(third.samples.len(), 2);
    let slow_queries: Vec<i64> = asked
        .borrow()
        .iter()
        .filter(|(q, _)| q == "vector(2)")
        .map(|(_, at)| *at)
        .collect();
    assert_eq!(slow_queries, [AT, AT + 60_000]);
    // A changed group is due at once, whatever its slot.
    write(
        &dir.join("r.yml"),
        &rules.replace("vector(2)", "vector(3)"),
        200,
    );
    let fourth = p.evaluate(AT + 75_000).unwrap();
    assert!(fourth.samples.iter().any(|s| s.name == "slow"));
}

#[test]
fn recorded_samples_are_staged_for_the_groups_later_rules() {
    let dir = scratch("staging");
    let rules = "groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n      - alert: NoneUp\n        expr: job:up:sum == 0\n";
    write(&dir.join("r.yml"), rules, 100);
    let answer = std::rc::Rc::new(std::cell::RefCell::new(vec![
        sample(&[("job", "a")], 2.0),
        sample(&[("job", "b")], 0.0),
    ]));
    let current = std::rc::Rc::clone(&answer);
    TestHost::new()
        .on_query(move |promql, _| {
            Ok(if promql.starts_with("sum") {
                current.borrow().clone()
            } else {
                vec![]
            })
        })
        .install();
    let mut p = plugin(&dir, &["r.yml"]).unwrap();
    p.evaluate(AT).unwrap();
    let staged = with_host(|h| std::mem::take(&mut h.staged));
    let got: Vec<(String, f64, i64)> = staged
        .iter()
        .map(|(s, at)| (s.labels[0].value.clone(), s.value, *at))
        .collect();
    assert_eq!(got, [("a".into(), 2.0, AT), ("b".into(), 0.0, AT)]);
    // Job b is gone: its series is staged stale for the alert to see.
    *answer.borrow_mut() = vec![sample(&[("job", "a")], 3.0)];
    p.evaluate(AT + 15_000).unwrap();
    let staged = with_host(|h| std::mem::take(&mut h.staged));
    assert_eq!(staged.len(), 2);
    assert_eq!(staged[0].0.value, 3.0);
    assert_eq!(staged[1].0.labels[0].value, "b");
    assert_eq!(
        staged[1].0.value.to_bits(),
        watchpost_sdk::query::STALE_NAN_BITS
    );
}

#[test]
fn config_is_validated() {
    let bad = |json: serde_json::Value| {
        let config: Config = serde_json::from_value(json).unwrap();
        config.validate().unwrap_err()
    };
    assert!(bad(serde_json::json!({"files": []})).contains("at least one"));
    assert!(bad(serde_json::json!({"files": ["[a"]})).contains("not a valid pattern"));
    assert!(bad(serde_json::json!({"files": ["a"], "dir": "rel"})).contains("absolute"));
    assert!(
        bad(serde_json::json!({"files": ["a"], "external_labels": {"a-b": "x"}}))
            .contains("invalid label name")
    );
    assert!(
        serde_json::from_value::<Config>(serde_json::json!({"files": ["a"], "nope": 1})).is_err()
    );
}

#[test]
fn patterns_that_match_nothing_are_warned_about() {
    let dir = scratch("unmatched");
    host(vec![]);
    let mut p = plugin(&dir, &["none/*.yml"]).unwrap();
    assert!(p.evaluate(AT).unwrap().samples.is_empty());
    assert!(
        logged(Level::Warn)
            .iter()
            .any(|m| m.contains("matches no file"))
    );
}

#[test]
fn loki_ruler_files_are_checked_as_logql_and_evaluated_over_the_logs() {
    let dir = scratch("logql");
    const EXPR: &str =
        r#"sum by (host) (count_over_time({job="dovecot"} |= "auth failed" [5m])) > 10"#;
    write(
        &dir.join("dovecot.yml"),
        &format!(
            "groups:\n  - name: dovecot\n    rules:\n      - alert: IMAPConnectionErrorsElevated\n        expr: '{EXPR}'\n        labels:\n          severity: warning\n"
        ),
        1,
    );
    host(vec![(EXPR, vec![sample(&[("host", "mx1")], 42.0)])]);
    let config = |files: &str| {
        serde_json::from_value::<crate::config::Config>(serde_json::json!({
            "files": [files],
            "dir": dir.to_str().unwrap(),
            "language": "logql",
        }))
        .unwrap()
    };
    let mut rules = PrometheusRules::new(config("dovecot.yml")).unwrap();
    let eval = rules.evaluate(AT).unwrap();
    assert_eq!(eval.alerts.len(), 1);
    assert_eq!(eval.alerts[0].rule, "IMAPConnectionErrorsElevated");
    assert_eq!(eval.alerts[0].value, 42.0);
    assert_eq!(eval.rules[0].error, None);

    // A log query is not a rule; PromQL-only syntax is not LogQL.
    write(
        &dir.join("bad.yml"),
        "groups:\n  - name: bad\n    rules:\n      - alert: A\n        expr: '{job=\"dovecot\"} |= \"x\"'\n      - alert: B\n        expr: 'rate(x[5m]) offset 1h'\n",
        1,
    );
    let err = PrometheusRules::new(config("bad.yml"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("is a log query; a rule needs a metric query"),
        "{err}"
    );
    assert!(err.contains("parse error"), "{err}");
    // The same file is fine as PromQL where it parses as PromQL.
    let promql = plugin(&dir, &["dovecot.yml"]).err().unwrap().to_string();
    assert!(promql.contains("dovecot.yml"), "{promql}");
}
