//! Replays weeks of evaluations against canned query answers
//! (`TestHost::on_query`) with the clock frozen, so results never depend on
//! when the tests run.

use super::*;
use std::cell::Cell;
use std::rc::Rc;
use watchpost_sdk::labels;
use watchpost_sdk::query::Sample;
use watchpost_sdk::testing::{TestHost, with_host};

/// Monday 2024-01-01 09:15 UTC.
const T0: i64 = 1_704_100_500_000;
const WEEK: i64 = 7 * 24 * 3_600_000;

fn config() -> serde_json::Value {
    serde_json::json!({
        "query": "sum by (job) (rate(http_requests_total[5m]))",
        "tolerance": 0.5,
        "alert": "TrafficUnusual",
        "for": "10m",
        "labels": {"severity": "warning", "job": "overridden"},
        "annotations": {"summary": "traffic differs from last week ({{ $baseline }})"},
    })
}

fn rule(config: serde_json::Value) -> Seasonal {
    Seasonal::new(serde_json::from_value(config).unwrap()).unwrap()
}

/// Installs a host whose query answers `value` (shared, so tests can change
/// it between evaluations) for one series, and whose clock is frozen at T0.
fn host_answering(value: Rc<Cell<f64>>) {
    TestHost::new()
        .now_ms(T0)
        .on_query(move |promql, _at| {
            assert!(promql.starts_with("sum by (job)"));
            Ok(vec![Sample {
                labels: labels([("job", "api")]),
                timestamp_ms: T0,
                value: value.get(),
            }])
        })
        .install();
}

#[test]
fn first_week_learns_then_compares() {
    let value = Rc::new(Cell::new(100.0));
    host_answering(value.clone());
    let mut rule = rule(config());

    // Week 1: no history, nothing to compare with.
    assert!(rule.evaluate(T0).unwrap().alerts.is_empty());
    value.set(300.0);
    assert!(
        rule.evaluate(T0 + 60_000).unwrap().alerts.is_empty(),
        "same week, still learning"
    );

    // Week 2, same hour: last week's mean was 200, band is [100, 300].
    value.set(290.0);
    assert!(rule.evaluate(T0 + WEEK).unwrap().alerts.is_empty());
    value.set(301.0);
    let alerts = rule.evaluate(T0 + WEEK + 60_000).unwrap().alerts;
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(alert.rule, "TrafficUnusual");
    assert_eq!(alert.value, 301.0);
    assert_eq!(alert.for_ms, 600_000);
    assert_eq!(
        alert.labels,
        labels([("job", "overridden"), ("severity", "warning")])
    );
    assert_eq!(
        alert.annotations,
        labels([("summary", "traffic differs from last week (200)")])
    );
}

#[test]
fn other_hours_do_not_compare() {
    let value = Rc::new(Cell::new(100.0));
    host_answering(value.clone());
    let mut rule = rule(config());
    rule.evaluate(T0).unwrap();
    value.set(1000.0);
    // One week later but an hour on: that hour has no history yet.
    assert!(
        rule.evaluate(T0 + WEEK + 3_600_000)
            .unwrap()
            .alerts
            .is_empty()
    );
}

#[test]
fn drops_history_older_than_last_week() {
    let value = Rc::new(Cell::new(5.0));
    host_answering(value);
    let mut rule = rule(config());
    for week in 0..4 {
        rule.evaluate(T0 + week * WEEK).unwrap();
    }
    let keys = with_host(|h| h.state.keys().cloned().collect::<Vec<_>>());
    assert_eq!(keys.len(), 2, "this week and last week only: {keys:?}");
}

#[test]
fn series_are_tracked_separately() {
    TestHost::new()
        .now_ms(T0)
        .on_query(|_, at| {
            let api = if at >= T0 + WEEK { 10.0 } else { 100.0 };
            Ok(vec![
                Sample {
                    labels: labels([("job", "api")]),
                    timestamp_ms: at,
                    value: api,
                },
                Sample {
                    labels: labels([("job", "db")]),
                    timestamp_ms: at,
                    value: 7.0,
                },
            ])
        })
        .install();
    let mut rule = rule(serde_json::json!({"query": "q", "tolerance": 0.1, "alert": "A"}));
    rule.evaluate(T0).unwrap();
    let alerts = rule.evaluate(T0 + WEEK).unwrap().alerts;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].labels, labels([("job", "api")]));
    assert_eq!(alerts[0].for_ms, 0);
}

#[test]
fn unavailable_queries_explain_themselves() {
    TestHost::new().now_ms(T0).install(); // no answers: Unavailable
    let err = rule(config()).evaluate(T0).unwrap_err();
    assert!(err.message().contains("needs PromQL queries"), "{err}");
    assert!(!err.is_retryable());

    TestHost::new()
        .on_query(|_, _| Err(QueryError::BadQuery("unexpected ')'".into())))
        .install();
    let err = rule(config()).evaluate(T0).unwrap_err();
    assert!(
        err.message().contains("is invalid: unexpected ')'"),
        "{err}"
    );

    TestHost::new()
        .on_query(|_, _| Err(QueryError::Execution("timeout".into())))
        .install();
    assert!(rule(config()).evaluate(T0).unwrap_err().is_retryable());
}

#[test]
fn config_validation() {
    let bad = |json: serde_json::Value| {
        Seasonal::new(serde_json::from_value(json).unwrap())
            .err()
            .unwrap()
    };
    let err = bad(serde_json::json!({"query": "q", "tolerance": -1.0, "alert": "A"}));
    assert!(err.message().contains("tolerance"), "{err}");
    let err = bad(
        serde_json::json!({"query": "q", "tolerance": 0.1, "alert": "A", "for": "ten minutes"}),
    );
    assert!(err.message().starts_with("for: invalid duration"), "{err}");
    assert!(
        serde_json::from_value::<Config>(serde_json::json!({"query": "q", "alert": "A"})).is_err()
    );
}

#[test]
fn durations() {
    assert_eq!(parse_duration_ms("10m").unwrap(), 600_000);
    assert_eq!(parse_duration_ms("1h30m").unwrap(), 5_400_000);
    assert_eq!(parse_duration_ms("0s").unwrap(), 0);
    assert!(parse_duration_ms("10").is_err());
    assert!(parse_duration_ms("").is_err());
}
