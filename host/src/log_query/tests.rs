//! Log queries over a real store: selectors, pushed-down and in-pipeline
//! filters, structured metadata as labels, parsers, limits and direction.

use super::*;
use crate::storage::logs::{FieldValue, LogEntry, LogStoreConfig};
use crate::storage::metrics::Labels as StreamLabels;

const S: i64 = 1_000_000_000;

fn store_with(entries: Vec<LogEntry>) -> (tempfile::TempDir, LogStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LogStore::open(LogStoreConfig::new(dir.path().to_path_buf())).unwrap();
    store.append(entries).unwrap();
    (dir, store)
}

fn entry(job: &str, ts_ns: i64, line: &str, fields: &[(&str, FieldValue)]) -> LogEntry {
    LogEntry {
        index: job.into(),
        ts_ns,
        stream: StreamLabels::stream([("job", job)]).unwrap(),
        line: line.into(),
        fields: fields
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect(),
    }
}

fn run(
    store: &LogStore,
    q: &str,
    t0: i64,
    limit: usize,
    dir: Direction,
) -> Vec<(String, Vec<String>)> {
    let selector = parse_log_query(q).unwrap();
    select(store, &selector, t0, t0 + 100 * S, limit, dir)
        .unwrap()
        .streams
        .into_iter()
        .map(|s| {
            (
                s.labels.to_string(),
                s.values.into_iter().map(|(_, l)| l).collect(),
            )
        })
        .collect()
}

#[test]
fn selectors_filters_metadata_and_parsers_combine() {
    let t0 = crate::util::now_ms() * 1_000_000 - 200 * S;
    let (_d, store) = store_with(vec![
        entry(
            "postfix",
            t0 + S,
            "4F2A: status=sent to=<a@x>",
            &[("status", FieldValue::Text("sent".into()))],
        ),
        entry(
            "postfix",
            t0 + 2 * S,
            "4F2B: status=bounced to=<b@x>",
            &[("status", FieldValue::Text("bounced".into()))],
        ),
        entry("dovecot", t0 + 3 * S, "auth failed user=bob", &[]),
    ]);
    assert_eq!(
        run(
            &store,
            r#"{job="postfix"} |= "status=" | status="bounced""#,
            t0,
            100,
            Direction::Forward
        ),
        vec![(
            r#"{job="postfix", status="bounced"}"#.to_string(),
            vec!["4F2B: status=bounced to=<b@x>".to_string()]
        )]
    );
    assert_eq!(
        run(
            &store,
            r#"{job=~"post.*|dove.*"} != "sent" |~ "(?i)AUTH|bounced""#,
            t0,
            100,
            Direction::Backward
        )
        .into_iter()
        .flat_map(|(_, l)| l)
        .collect::<Vec<_>>(),
        vec!["auth failed user=bob", "4F2B: status=bounced to=<b@x>"]
    );
    let parsed = run(
        &store,
        r#"{job="dovecot"} | logfmt | user="bob" | line_format "{{.user}} {{ __line__ | toUpper }}""#,
        t0,
        100,
        Direction::Forward,
    );
    assert_eq!(parsed[0].1, vec!["bob AUTH FAILED USER=BOB"]);
}

#[test]
fn the_limit_counts_entries_in_the_direction_asked() {
    let t0 = crate::util::now_ms() * 1_000_000 - 200 * S;
    let (_d, store) = store_with(
        (0..10)
            .map(|i| entry("app", t0 + i * S, &format!("line {i}"), &[]))
            .collect(),
    );
    store.commit().unwrap();
    let newest = run(&store, r#"{job="app"}"#, t0, 3, Direction::Backward);
    assert_eq!(newest[0].1, vec!["line 9", "line 8", "line 7"]);
    let oldest = run(&store, r#"{job="app"}"#, t0, 2, Direction::Forward);
    assert_eq!(oldest[0].1, vec!["line 0", "line 1"]);
}

#[test]
fn bad_and_unsupported_queries_are_refused() {
    assert!(
        matches!(parse_log_query("{job="), Err(LogQueryError::BadQuery(m)) if m.contains("parse error"))
    );
    assert!(matches!(
        parse_log_query(r#"rate({job="x"}[5m])"#),
        Err(LogQueryError::BadQuery(m)) if m.contains("not a metric query")
    ));
}

fn matrix(
    store: &LogStore,
    q: &str,
    start: i64,
    end: i64,
    step: i64,
) -> Vec<(String, Vec<(i64, f64)>)> {
    let Expr::Sample(expr) = parse_query(q).unwrap() else {
        panic!("{q} is a metric query")
    };
    match eval(store, &expr, start, end, step).unwrap() {
        MetricResult::Matrix(m) => m.into_iter().map(|(l, p)| (l.to_string(), p)).collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn metric_queries_step_over_windows() {
    let t0 = (crate::util::now_ms() * 1_000_000 - 3_600 * S) / (60 * S) * (60 * S);
    let mut entries = Vec::new();
    for i in 0..6 {
        // Two failures and one success per 10 s, latencies 1..=6 s.
        entries.push(entry(
            "api",
            t0 + i * 10 * S + S,
            &format!("status=500 latency={}s", i + 1),
            &[],
        ));
        entries.push(entry(
            "api",
            t0 + i * 10 * S + 2 * S,
            "status=500 latency=1s",
            &[],
        ));
        entries.push(entry(
            "api",
            t0 + i * 10 * S + 3 * S,
            "status=200 latency=2s",
            &[],
        ));
    }
    let (_d, store) = store_with(entries);
    store.commit().unwrap();
    let (start, end, step) = (t0 + 30 * S, t0 + 60 * S, 30 * S);
    assert_eq!(
        matrix(
            &store,
            r#"sum by (status) (count_over_time({job="api"} | logfmt [30s]))"#,
            start,
            end,
            step
        ),
        vec![
            (
                r#"{status="200"}"#.to_string(),
                vec![(start, 3.0), (end, 3.0)]
            ),
            (
                r#"{status="500"}"#.to_string(),
                vec![(start, 6.0), (end, 6.0)]
            ),
        ]
    );
    // rate = count / range seconds; the text filter goes through the index.
    assert_eq!(
        matrix(
            &store,
            r#"rate({job="api"} |= "status=500" [30s])"#,
            start,
            start,
            step
        ),
        vec![(r#"{job="api"}"#.to_string(), vec![(start, 6.0 / 30.0)])]
    );
    // Unwrapped durations, grouped inside the range aggregation.
    assert_eq!(
        matrix(
            &store,
            r#"max_over_time({job="api"} | logfmt | unwrap duration(latency) [30s]) by (status)"#,
            end,
            end,
            step
        ),
        vec![
            (r#"{status="200"}"#.to_string(), vec![(end, 2.0)]),
            (r#"{status="500"}"#.to_string(), vec![(end, 6.0)]),
        ]
    );
    // Binary operators and vector literals.
    assert_eq!(
        matrix(
            &store,
            r#"sum(count_over_time({job="api"}[30s])) * 2 > bool 10"#,
            start,
            start,
            step
        ),
        vec![("{}".to_string(), vec![(start, 1.0)])]
    );
    // absent_over_time: nothing for a job that logs, 1 for one that does not.
    assert_eq!(
        matrix(
            &store,
            r#"absent_over_time({job="api"}[30s])"#,
            start,
            start,
            step
        ),
        vec![]
    );
    assert_eq!(
        matrix(
            &store,
            r#"absent_over_time({job="nope"}[30s])"#,
            start,
            start,
            step
        ),
        vec![(r#"{job="nope"}"#.to_string(), vec![(start, 1.0)])]
    );
    // A sample that fails to convert fails the query, as in Loki.
    let Expr::Sample(bad) =
        parse_query(r#"sum_over_time({job="api"} | logfmt | unwrap status_code [30s])"#).unwrap()
    else {
        unreachable!()
    };
    assert_eq!(
        eval(&store, &bad, start, start, step).unwrap(),
        MetricResult::Matrix(vec![])
    );
    let Expr::Sample(bad) =
        parse_query(r#"sum_over_time({job="api"} | logfmt | unwrap latency [30s])"#).unwrap()
    else {
        unreachable!()
    };
    assert!(
        matches!(eval(&store, &bad, start, start, step), Err(LogQueryError::BadQuery(m)) if m.contains("SampleExtractionErr"))
    );
}
