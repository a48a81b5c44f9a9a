//! One test group of a unit-test file, as promtool runs it: input series
//! loaded at `interval` steps from 0, every rule group evaluated at each
//! evaluation interval from 0 up to the latest `eval_time` (stopping at
//! the first evaluation with a failing rule), the firing alerts checked at
//! each `alert_rule_test` time against the latest evaluation at or before
//! it, then each `promql_expr_test` query run over the final store.

use super::compare::{AlertView, SampleView, compare_alerts, compare_samples, pairs};
use super::model::{AlertTest, PromqlTest, TestGroup};
use super::runner::Runner;
use crate::query::SelectedSeries;
use crate::query::notation::{expand_values, parse_metric};
use crate::template::quote;
use std::collections::{BTreeMap, BTreeSet};
use watchpost_rulefmt::rulefmt::RuleGroup;

/// Go's `time.Duration.String()` for whole milliseconds (`5m0s`, `1.5s`).
pub(super) fn go_duration(ms: i64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    if ms.abs() < 1000 {
        return format!("{ms}ms");
    }
    let (h, m) = (ms / 3_600_000, ms / 60_000 % 60);
    let (s, frac) = (ms / 1000 % 60, ms % 1000);
    let secs = if frac == 0 {
        format!("{s}s")
    } else {
        format!("{s}.{}s", format!("{frac:03}").trim_end_matches('0'))
    };
    match (h, m) {
        (0, 0) => secs,
        (0, m) => format!("{m}m{secs}"),
        (h, m) => format!("{h}h{m}m{secs}"),
    }
}

/// The input series, samples every `step` ms from 0.
fn load_input(tg: &TestGroup, step: i64) -> Result<Vec<SelectedSeries>, String> {
    tg.input_series
        .iter()
        .map(|s| {
            let labels =
                parse_metric(&s.series).map_err(|e| format!("series {:?}: {e}", s.series))?;
            let values =
                expand_values(&s.values).map_err(|e| format!("series {:?}: {e}", s.series))?;
            let samples = values
                .into_iter()
                .enumerate()
                .filter_map(|(k, v)| v.map(|v| (k as i64 * step, v)))
                .collect();
            Ok((labels, samples))
        })
        .collect()
}

/// Sorted pairs of a string map.
fn map_pairs(map: &BTreeMap<String, String>) -> Vec<(String, String)> {
    pairs(map.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

/// One `alert_rule_test` against the runner's latest evaluation.
fn check_alerts(group_name: &str, test: &AlertTest, runner: &Runner) -> Option<String> {
    let exp = test
        .exp_alerts
        .iter()
        .map(|a| {
            let mut labels = a.exp_labels.clone();
            labels.insert("alertname".into(), test.alertname.clone());
            AlertView {
                labels: map_pairs(&labels),
                annotations: map_pairs(&a.exp_annotations),
            }
        })
        .collect();
    let got = runner.firing(&test.alertname);
    let time = test.eval_time.to_string();
    compare_alerts(group_name, &test.alertname, &time, exp, got)
}

/// One `promql_expr_test` over the runner's store.
fn check_query(test: &PromqlTest, runner: &Runner) -> Option<String> {
    let time = test.eval_time.to_string();
    let failed = |e: String| {
        Some(format!(
            "    expr: {}, time: {time}, err: {e}",
            quote(&test.expr)
        ))
    };
    let got = match runner.query(&test.expr, test.eval_time.0) {
        Ok(got) => got,
        Err(e) => return failed(e),
    };
    let mut exp = Vec::new();
    for s in &test.exp_samples {
        match parse_metric(&s.labels) {
            Ok(labels) => exp.push(SampleView {
                labels: pairs(labels.iter()),
                value: s.value,
            }),
            Err(e) => return failed(format!("labels {}: {e}", quote(&s.labels))),
        }
    }
    compare_samples(&test.expr, &time, exp, got)
}

/// Runs one test group over `groups` (in evaluation order); its failures.
pub(super) fn test_group(tg: &TestGroup, groups: &[RuleGroup], eval_interval: i64) -> Vec<String> {
    let input = match load_input(tg, tg.interval.map_or(eval_interval, |d| d.0)) {
        Ok(input) => input,
        Err(e) => return vec![e],
    };
    if let Some(a) = tg.alert_rule_test.iter().find(|a| a.alertname.is_empty()) {
        let named = if tg.name.is_empty() {
            String::new()
        } else {
            format!(" (in TestGroup {})", tg.name)
        };
        return vec![format!(
            "an item under alert_rule_test misses required attribute alertname at eval_time {}{named}",
            a.eval_time
        )];
    }
    let mut runner = Runner::new(
        groups.to_vec(),
        input,
        eval_interval,
        tg.external_labels.clone(),
        tg.external_url.clone(),
    );
    let alert_times: BTreeSet<i64> = tg.alert_rule_test.iter().map(|a| a.eval_time.0).collect();
    let max_t = tg
        .alert_rule_test
        .iter()
        .map(|a| a.eval_time.0)
        .chain(tg.promql_expr_test.iter().map(|p| p.eval_time.0))
        .max()
        .unwrap_or(0);
    let mut errors = Vec::new();
    let mut ts = 0;
    while ts <= max_t {
        let failed = runner.eval(ts);
        if !failed.is_empty() {
            let at = go_duration(ts);
            errors.extend(
                failed
                    .into_iter()
                    .map(|(rule, e)| format!("    rule: {rule}, time: {at}, err: {e}")),
            );
            return errors;
        }
        // An `eval_time` between two evaluations sees the earlier one.
        for t in alert_times.range(ts..ts + eval_interval) {
            for test in tg.alert_rule_test.iter().filter(|a| a.eval_time.0 == *t) {
                errors.extend(check_alerts(&tg.name, test, &runner));
            }
        }
        ts += eval_interval;
    }
    for test in &tg.promql_expr_test {
        errors.extend(check_query(test, &runner));
    }
    errors
}
