//! Unit tests of the runner and of whole test files (written to a temp
//! folder beside their rule file).

use super::compare::pairs;
use super::group::go_duration;
use super::runner::Runner;
use super::*;
use crate::query::notation::load_series;

const RULES: &str = r#"
groups:
  - name: g
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: Down
        expr: job:up:sum == 0
        for: 2m
        labels:
          severity: page
        annotations:
          summary: '{{ $labels.job }} down ({{ $value }}) in {{ $externalLabels.cluster }}'
          count: '{{ with query "count(up)" }}{{ . | first | value }}{{ end }}'
"#;

fn groups() -> Vec<RuleGroup> {
    rulefmt::parse(RULES, &HostChecks).unwrap().groups
}

fn runner(values: &str) -> Runner {
    let input = vec![load_series(&format!("up{{job=\"node\"}} {values}"), 60_000).unwrap()];
    let external = BTreeMap::from([("cluster".to_string(), "eu".to_string())]);
    Runner::new(groups(), input, 60_000, external, String::new())
}

#[test]
fn recording_rules_write_to_the_store_for_later_rules() {
    let mut r = runner("1 1 0 0 0 0");
    for ts in [0, 60_000, 120_000] {
        assert!(r.eval(ts).is_empty());
    }
    let got = r.query("job:up:sum", 120_000).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].value, 0.0);
    // The alert rule saw the recorded sample of the same evaluation.
    let pending = r.query("ALERTS", 120_000).unwrap();
    assert_eq!(
        pending[0].labels,
        pairs([
            ("__name__", "ALERTS"),
            ("alertname", "Down"),
            ("alertstate", "pending"),
            ("job", "node"),
            ("severity", "page")
        ])
    );
    assert!(r.firing("Down").is_empty());
}

#[test]
fn alerts_fire_after_for_with_templates_expanded() {
    let mut r = runner("1 1 0 0 0 0");
    for ts in (0..=240_000).step_by(60_000) {
        assert!(r.eval(ts).is_empty());
    }
    let firing = r.firing("Down");
    assert_eq!(firing.len(), 1);
    assert_eq!(
        firing[0].annotations,
        pairs([("count", "1"), ("summary", "node down (0) in eu")])
    );
    let for_state = r.query("ALERTS_FOR_STATE", 240_000).unwrap();
    assert_eq!(for_state[0].value, 120.0);
}

#[test]
fn series_a_rule_stops_producing_go_stale() {
    let mut r = runner("0 0 0 1 1 1");
    for ts in (0..=180_000).step_by(60_000) {
        assert!(r.eval(ts).is_empty());
    }
    assert!(r.query("ALERTS", 180_000).unwrap().is_empty());
    assert!(r.firing("Down").is_empty());
}

#[test]
fn rule_errors_are_reported_by_rule_name() {
    let rules = "groups:\n  - name: g\n    rules:\n      - record: dup\n        expr: label_replace(up, \"job\", \"x\", \"\", \"\")\n";
    let g = rulefmt::parse(rules, &HostChecks).unwrap().groups;
    let input = vec![
        load_series("up{job=\"a\"} 1", 60_000).unwrap(),
        load_series("up{job=\"b\"} 1", 60_000).unwrap(),
    ];
    let mut r = Runner::new(g, input, 60_000, BTreeMap::new(), String::new());
    let errors = r.eval(0);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, "dup");
}

fn write_suite(dir: &Path, test: &str) -> PathBuf {
    std::fs::write(dir.join("rules.yml"), RULES).unwrap();
    let path = dir.join("test.yml");
    std::fs::write(&path, test).unwrap();
    path
}

const TEST: &str = r#"
rule_files: [rules.yml]
tests:
  - interval: 1m
    external_labels: {cluster: eu}
    input_series:
      - series: 'up{job="node"}'
        values: '1 1 0x5'
    alert_rule_test:
      - eval_time: 3m
        alertname: Down
      - eval_time: 4m30s
        alertname: Down
        exp_alerts:
          - exp_labels: {job: node, severity: page}
            exp_annotations: {summary: node down (0) in eu, count: "1"}
    promql_expr_test:
      - expr: job:up:sum
        eval_time: 4m
        exp_samples:
          - labels: 'job:up:sum{job="node"}'
            value: 0
"#;

#[test]
fn a_whole_file_passes_and_a_wrong_expectation_fails_with_the_diff() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_suite(dir.path(), TEST);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert!(
        run_file(&path, &mut out, &mut err),
        "{}",
        String::from_utf8_lossy(&err)
    );
    assert!(String::from_utf8_lossy(&out).ends_with("  SUCCESS\n\n"));

    let path = write_suite(
        dir.path(),
        &TEST
            .replace("eval_time: 3m", "eval_time: 4m")
            .replace("value: 0", "value: 2"),
    );
    let errors = test_file(&path, &mut Vec::new()).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].starts_with("    alertname: Down, time: 4m, \n        exp:[], \n        got:[\n            0:\n              Labels:{alertname=\"Down\", job=\"node\", severity=\"page\"}"), "{}", errors[0]);
    assert_eq!(
        errors[1],
        "    expr: \"job:up:sum\", time: 4m,\n        exp: {__name__=\"job:up:sum\", job=\"node\"} 2E+00\n        got: {__name__=\"job:up:sum\", job=\"node\"} 0E+00"
    );
}

#[test]
fn file_level_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_suite(dir.path(), "group_eval_order: [a, a]\n");
    assert_eq!(
        test_file(&path, &mut Vec::new()).unwrap_err(),
        ["group name repeated in evaluation order: a"]
    );
    let path = write_suite(dir.path(), "rule_files: [missing*.yml]\n");
    let mut warn = Vec::new();
    assert!(test_file(&path, &mut warn).is_ok());
    assert!(String::from_utf8_lossy(&warn).contains("WARNING: no file match pattern"));
    let path = write_suite(
        dir.path(),
        "tests:\n  - alert_rule_test:\n      - eval_time: 1m\n",
    );
    assert_eq!(
        test_file(&path, &mut Vec::new()).unwrap_err(),
        ["an item under alert_rule_test misses required attribute alertname at eval_time 1m"]
    );
}

#[test]
fn go_durations() {
    assert_eq!(go_duration(0), "0s");
    assert_eq!(go_duration(300_000), "5m0s");
    assert_eq!(go_duration(3_690_500), "1h1m30.5s");
    assert_eq!(go_duration(250), "250ms");
}
