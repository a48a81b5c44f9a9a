//! Range functions, windows and `absent_over_time` labels against
//! hand-computed values.

use watchpost_logql::range::{RangeFunction, absent_labels, quantile, rate_counter, window};
use watchpost_logql::{Expr, MatchOp, Matcher, SampleExpr, parse};

const S: i64 = 1_000_000_000;

fn func(query: &str) -> RangeFunction {
    let Expr::Sample(SampleExpr::Range(r)) = parse(query).unwrap() else {
        panic!("{query}")
    };
    RangeFunction::new(&r)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

#[test]
fn range_functions() {
    let pts = [(S, 1.0), (2 * S, 4.0), (3 * S, 2.0), (4 * S, 8.0)];
    let unwrapped = |f: &str| {
        func(&format!(r#"{f}({{a="b"}} | unwrap x [5m])"#))
            .apply(&pts)
            .unwrap()
    };
    let lines = |f: &str| func(&format!(r#"{f}({{a="b"}}[5m])"#)).apply(&pts).unwrap();
    assert_eq!(lines("count_over_time"), 4.0);
    assert!(close(lines("rate"), 4.0 / 300.0));
    assert_eq!(lines("bytes_over_time"), 15.0);
    assert!(close(lines("bytes_rate"), 15.0 / 300.0));
    assert_eq!(lines("absent_over_time"), 1.0);
    assert!(close(unwrapped("rate"), 15.0 / 300.0));
    assert_eq!(unwrapped("sum_over_time"), 15.0);
    assert_eq!(unwrapped("avg_over_time"), 3.75);
    assert_eq!(unwrapped("min_over_time"), 1.0);
    assert_eq!(unwrapped("max_over_time"), 8.0);
    assert_eq!(unwrapped("stdvar_over_time"), 7.1875);
    assert!(close(unwrapped("stddev_over_time"), 7.1875f64.sqrt()));
    assert_eq!(unwrapped("first_over_time"), 1.0);
    assert_eq!(unwrapped("last_over_time"), 8.0);
    let q = |p: f64| {
        func(&format!(
            r#"quantile_over_time({p}, {{a="b"}} | unwrap x [5m])"#
        ))
        .apply(&pts)
        .unwrap()
    };
    assert_eq!(q(0.5), 3.0);
    assert!(close(q(0.99), 4.0 * 0.03 + 8.0 * 0.97));
    assert_eq!(q(0.0), 1.0);
    assert_eq!(q(1.0), 8.0);
    assert_eq!(q(1.5), f64::INFINITY);
    // The grammar has no negative parameter; the function handles it.
    assert_eq!(quantile(-1.0, vec![1.0]), f64::NEG_INFINITY);
    assert!(quantile(0.5, vec![]).is_nan());
    assert_eq!(func(r#"count_over_time({a="b"}[5m])"#).apply(&[]), None);
}

#[test]
fn rate_counter_handles_resets_like_loki() {
    // 10 → 20 → reset → 5 → 15: an increase of 25 over the window.
    let pts = [
        (10 * S, 10.0),
        (20 * S, 20.0),
        (30 * S, 5.0),
        (40 * S, 15.0),
    ];
    // Loki's nanosecond/millisecond mix leaves a factor (3e7 + 60) / 3e7.
    let want = 25.0 * (30_000_060.0 / 30_000_000.0) / 60.0;
    assert!(close(rate_counter(&pts, 60 * S), want));
    assert_eq!(rate_counter(&pts[..1], 60 * S), 0.0);
    assert!(close(
        func(r#"rate_counter({a="b"} | unwrap x [1m])"#)
            .apply(&pts)
            .unwrap(),
        want
    ));
}

#[test]
fn windows_exclude_their_start() {
    let pts = [(S, 1.0), (2 * S, 2.0), (3 * S, 3.0), (4 * S, 4.0)];
    assert_eq!(window(&pts, 3 * S, 2 * S), &pts[1..3]);
    assert_eq!(window(&pts, 10 * S, S), &[] as &[(i64, f64)]);
    assert_eq!(window(&pts, 4 * S, 10 * S), &pts[..]);
}

#[test]
fn absent_labels_keep_equality_matchers() {
    let m = |n: &str, op, v: &str| Matcher::new(n, op, v);
    let l = absent_labels(&[
        m("job", MatchOp::Eq, "a"),
        m("env", MatchOp::Eq, "prod"),
        m("host", MatchOp::Re, "x.*"),
    ]);
    assert_eq!(l.to_string(), r#"{env="prod", job="a"}"#);
    let l = absent_labels(&[m("job", MatchOp::Eq, "a"), m("job", MatchOp::Eq, "b")]);
    assert!(l.is_empty());
}
