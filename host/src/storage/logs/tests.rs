//! Log store tests: durability, exactly-once replay, search order, literal
//! filters through the index, labels and retention.

use super::*;
use crate::storage::metrics::Labels;
use crate::storage::metrics::matcher::Matcher;
use std::ops::ControlFlow;
use std::time::Duration;

const S: i64 = 1_000_000_000;

fn now_ns() -> i64 {
    crate::util::now_ms() * 1_000_000
}

fn entry(index: &str, job: &str, ts_ns: i64, line: &str) -> LogEntry {
    LogEntry {
        index: index.into(),
        ts_ns,
        stream: Labels::stream([("job", job)]).unwrap(),
        line: line.into(),
        fields: vec![],
    }
}

fn config(dir: &std::path::Path) -> LogStoreConfig {
    LogStoreConfig {
        // Commits only when a test asks.
        commit_interval: Duration::from_secs(3600),
        ..LogStoreConfig::new(dir.to_path_buf())
    }
}

fn search(store: &LogStore, q: &LogSearch) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    store
        .search(q, &mut |e| {
            out.push((e.ts_ns, e.line));
            ControlFlow::Continue(())
        })
        .unwrap();
    out
}

fn all(job: &str, t0: i64, t1: i64) -> LogSearch {
    LogSearch {
        matchers: vec![Matcher::equal("job", job)],
        start_ns: t0,
        end_ns: t1,
        contains: vec![],
        direction: Direction::Forward,
    }
}

#[test]
fn entries_are_searchable_before_and_after_commit_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = LogStore::open(config(dir.path())).unwrap();
    let t = now_ns() - 3_600 * S;
    let out = store
        .append(vec![
            entry("postfix", "postfix", t + 2 * S, "second"),
            entry("postfix", "postfix", t + S, "first"),
            entry("dovecot", "dovecot", t + S, "other stream"),
        ])
        .unwrap();
    assert_eq!(out.accepted, 3);
    let q = all("postfix", t, t + 10 * S);
    let expect = vec![
        (t + S, "first".to_string()),
        (t + 2 * S, "second".to_string()),
    ];
    assert_eq!(search(&store, &q), expect, "pending entries, in time order");
    store.commit().unwrap();
    assert_eq!(search(&store, &q), expect, "from the index, not twice");
    let backward = LogSearch {
        direction: Direction::Backward,
        ..q.clone()
    };
    let mut reversed = expect.clone();
    reversed.reverse();
    assert_eq!(search(&store, &backward), reversed);
    store
        .append(vec![entry("postfix", "postfix", t + 3 * S, "third")])
        .unwrap();
    assert_eq!(search(&store, &q).len(), 3, "index and pending together");
    let day = t.div_euclid(DAY_NS);
    assert!(
        store
            .partition_names()
            .contains(&partition_name("postfix", day))
    );
}

#[test]
fn acknowledged_entries_survive_a_crash_and_are_indexed_once() {
    let dir = tempfile::tempdir().unwrap();
    let t = now_ns() - 60 * S;
    {
        let store = LogStore::open(config(dir.path())).unwrap();
        store
            .append(vec![entry("app", "app", t, "committed")])
            .unwrap();
        store.commit().unwrap();
        store
            .append(vec![entry("app", "app", t + S, "only in the wal")])
            .unwrap();
        // Dropped without a commit: as if killed.
    }
    let store = LogStore::open(config(dir.path())).unwrap();
    let q = all("app", t - S, t + 10 * S);
    let lines: Vec<String> = search(&store, &q).into_iter().map(|(_, l)| l).collect();
    assert_eq!(lines, vec!["committed", "only in the wal"]);
    store.commit().unwrap();
    drop(store);
    let store = LogStore::open(config(dir.path())).unwrap();
    let lines: Vec<String> = search(&store, &q).into_iter().map(|(_, l)| l).collect();
    assert_eq!(
        lines,
        vec!["committed", "only in the wal"],
        "no duplicates after replay"
    );
}

#[test]
fn a_commit_that_reached_the_index_but_not_the_wal_cursor_is_not_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let t = now_ns() - 60 * S;
    {
        let store = LogStore::open(config(dir.path())).unwrap();
        store.append(vec![entry("app", "app", t, "once")]).unwrap();
        store.commit().unwrap();
    }
    // Put the WAL cursor back, as if the crash came between the index
    // commit and the acknowledgement.
    std::fs::remove_file(dir.path().join("wal/cursor")).unwrap();
    let store = LogStore::open(config(dir.path())).unwrap();
    let q = all("app", t - S, t + S);
    assert_eq!(search(&store, &q), vec![(t, "once".to_string())]);
    store.commit().unwrap();
    assert_eq!(search(&store, &q), vec![(t, "once".to_string())]);
}

#[test]
fn literal_filters_use_the_index_and_keep_exact_substring_semantics() {
    let dir = tempfile::tempdir().unwrap();
    let store = LogStore::open(config(dir.path())).unwrap();
    let t = now_ns() - 60 * S;
    let long = format!("token{}auth", "x".repeat(100));
    let lines = [
        "imap-login: Disconnected (auth failed, 1 attempts)",
        "imap-login: Login: user=<bob>",
        "Auth Failed in caps",
        "preauth failedness",
        long.as_str(),
        "[ERROR] broken",
    ];
    store
        .append(
            lines
                .iter()
                .enumerate()
                .map(|(i, l)| entry("dovecot", "dovecot", t + i as i64 * S, l))
                .collect(),
        )
        .unwrap();
    store.commit().unwrap();
    let find = |lits: &[&str]| -> Vec<String> {
        let q = LogSearch {
            contains: lits.iter().map(|s| s.to_string()).collect(),
            ..all("dovecot", t, t + 100 * S)
        };
        search(&store, &q).into_iter().map(|(_, l)| l).collect()
    };
    assert_eq!(
        find(&["auth failed"]),
        vec![lines[0].to_string(), lines[3].to_string()],
        "case-sensitive; edges of the literal may be inside longer words"
    );
    assert_eq!(find(&["xauth"]), vec![long.clone()], "inside a long token");
    assert_eq!(
        find(&["th failed, 1 att"]),
        vec![lines[0].to_string()],
        "a leading edge inside a word, looked up by the literal's other tokens"
    );
    assert_eq!(find(&["[ERROR]"]), vec![lines[5].to_string()]);
    assert_eq!(find(&["user=<bob>", "Login"]), vec![lines[1].to_string()]);
    assert_eq!(find(&["nothing here"]), Vec::<String>::new());
    assert_eq!(find(&["--"]), Vec::<String>::new(), "no token: scanned");
}

#[test]
fn labels_series_and_stats_cover_the_selected_streams() {
    let dir = tempfile::tempdir().unwrap();
    let store = LogStore::open(config(dir.path())).unwrap();
    let t = now_ns() - 60 * S;
    let mut e = entry("celery", "celery", t, "task received");
    e.stream = Labels::stream([("job", "celery"), ("queue", "mail")]).unwrap();
    store
        .append(vec![e, entry("postfix", "postfix", t, "12345")])
        .unwrap();
    store.commit().unwrap();
    let everything = vec![Matcher::new("job", "=~", ".+").unwrap()];
    assert_eq!(
        store.label_names(&everything, t - S, t + S),
        vec!["job", "queue"]
    );
    assert_eq!(
        store.label_values("job", &everything, t - S, t + S),
        vec!["celery", "postfix"]
    );
    assert_eq!(
        store
            .series(&[Matcher::equal("queue", "mail")], t - S, t + S)
            .len(),
        1
    );
    let stats = store.stats(&all("postfix", t - S, t + S)).unwrap();
    assert_eq!(
        stats,
        SearchStats {
            streams: 1,
            chunks: 1,
            entries: 1,
            bytes: 5
        }
    );
}

#[test]
fn stats_count_committed_and_pending_entries_once_from_fast_columns() {
    let dir = tempfile::tempdir().unwrap();
    let store = LogStore::open(config(dir.path())).unwrap();
    let t = now_ns();
    let mut other_stream = entry("postfix", "postfix", t, "queued as 4F2A");
    other_stream.stream = Labels::stream([("job", "postfix"), ("host", "mx2")]).unwrap();
    store
        .append(vec![
            entry("postfix", "postfix", t - 2 * S, "status=sent"),
            entry("postfix", "postfix", t - S, "status=bounced"),
            other_stream,
            entry("celery", "celery", t, "task received"),
        ])
        .unwrap();
    store.commit().unwrap();
    store
        .append(vec![
            entry("postfix", "postfix", t + S, "status=deferred"),
            entry("postfix", "postfix", t + 10 * S, "outside the range"),
        ])
        .unwrap();
    let q = LogSearch {
        matchers: vec![Matcher::equal("job", "postfix"), Matcher::equal("host", "")],
        ..all("postfix", t - 2 * S, t + 2 * S)
    };
    let expected = SearchStats {
        streams: 1,
        chunks: 1,
        entries: 3,
        bytes: ("status=sent".len() + "status=bounced".len() + "status=deferred".len()) as u64,
    };
    assert_eq!(store.stats(&q).unwrap(), expected);
    let every_postfix = all("postfix", t - 2 * S, t + 2 * S);
    let mut by_reading = LogSearch {
        contains: vec!["".into()],
        ..every_postfix.clone()
    };
    let from_columns = store.stats(&every_postfix).unwrap();
    assert_eq!(from_columns.streams, 2);
    assert_eq!(from_columns.entries, 4);
    assert_eq!(
        store.stats(&by_reading).unwrap(),
        from_columns,
        "both ways agree"
    );
    by_reading.contains = vec!["status=".into()];
    assert_eq!(
        store.stats(&by_reading).unwrap(),
        expected,
        "line filters apply (and drop the other stream's line)"
    );
    store.commit().unwrap();
    assert_eq!(
        store.stats(&q).unwrap(),
        expected,
        "the same after the commit"
    );
}

#[test]
fn bad_entries_are_refused_with_reasons_and_long_lines_cut() {
    let dir = tempfile::tempdir().unwrap();
    let store = LogStore::open(LogStoreConfig {
        max_line_bytes: 10,
        ..config(dir.path())
    })
    .unwrap();
    let t = now_ns();
    let mut no_labels = entry("app", "app", t, "x");
    no_labels.stream = Labels::default();
    let out = store
        .append(vec![
            entry("Bad Name", "app", t, "x"),
            no_labels,
            entry("app", "app", t - 40 * DAY_NS, "too old"),
            entry("app", "app", t, &"y".repeat(100)),
        ])
        .unwrap();
    assert_eq!(out.accepted, 1);
    assert_eq!(out.truncated, 1);
    let reasons: Vec<&str> = out.rejected.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(
        out.rejected.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert!(reasons[0].contains("invalid index name"), "{reasons:?}");
    assert!(reasons[1].contains("no stream labels"), "{reasons:?}");
    assert!(reasons[2].contains("too old"), "{reasons:?}");
    let got = search(&store, &all("app", t - S, t + S));
    assert_eq!(got[0].1, format!("{} [truncated 90 bytes]", "y".repeat(10)));
}

#[test]
fn retention_drops_whole_old_days() {
    let dir = tempfile::tempdir().unwrap();
    let t = now_ns();
    {
        let store = LogStore::open(config(dir.path())).unwrap();
        store
            .append(vec![
                entry("app", "app", t - 3 * DAY_NS, "old"),
                entry("app", "app", t, "new"),
            ])
            .unwrap();
        store.commit().unwrap();
        assert_eq!(store.partition_names().len(), 2);
    }
    let store = LogStore::open(LogStoreConfig {
        retention: Duration::from_secs(86_400),
        ..config(dir.path())
    })
    .unwrap();
    store.maintain().unwrap();
    assert_eq!(store.partition_names().len(), 1);
    let lines: Vec<String> = search(&store, &all("app", t - 5 * DAY_NS, t + S))
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    assert_eq!(lines, vec!["new"]);
    let old = partition_name("app", (t - 3 * DAY_NS).div_euclid(DAY_NS));
    assert!(!dir.path().join(old).exists());
}

#[test]
fn typed_fields_round_trip_through_the_index_sorted_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let store = LogStore::open(config(dir.path())).unwrap();
    let t = now_ns() - S;
    let mut e = entry("postfix", "postfix", t, "sent");
    e.fields = vec![
        ("status".into(), FieldValue::Text("sent".into())),
        ("delay".into(), FieldValue::Float(0.5)),
        ("size".into(), FieldValue::Integer(1024)),
        ("tls".into(), FieldValue::Boolean(false)),
        ("queued_at".into(), FieldValue::Timestamp(t - S)),
        (
            "status".into(),
            FieldValue::Text("duplicate name dropped".into()),
        ),
    ];
    store.append(vec![e]).unwrap();
    let read = |store: &LogStore| {
        let mut got = None;
        store
            .search(&all("postfix", t, t + S), &mut |e| {
                got = Some(e);
                ControlFlow::Break(())
            })
            .unwrap();
        got.unwrap().fields
    };
    let before = read(&store);
    store.commit().unwrap();
    assert_eq!(read(&store), before);
    assert_eq!(
        before,
        vec![
            ("delay".to_string(), FieldValue::Float(0.5)),
            ("queued_at".to_string(), FieldValue::Timestamp(t - S)),
            ("size".to_string(), FieldValue::Integer(1024)),
            ("status".to_string(), FieldValue::Text("sent".into())),
            ("tls".to_string(), FieldValue::Boolean(false)),
        ]
    );
}

#[test]
fn a_source_state_is_durable_with_its_entries() {
    let dir = tempfile::tempdir().unwrap();
    let t = now_ns() - 60 * S;
    let state = |n: u8| SourceState {
        key: "file:postfix".into(),
        state: vec![n],
    };
    {
        let store = LogStore::open(config(dir.path())).unwrap();
        store
            .append_with_state(vec![entry("app", "app", t, "one")], Some(state(1)))
            .unwrap();
        store.commit().unwrap();
        // Every entry refused: the state still moves on.
        let out = store
            .append_with_state(
                vec![entry("app", "app", t - 90 * DAY_NS, "too old")],
                Some(state(2)),
            )
            .unwrap();
        assert_eq!(out.accepted, 0);
        assert_eq!(store.source_state("file:postfix"), Some(vec![2]));
        // Killed before the next commit.
    }
    let store = LogStore::open(config(dir.path())).unwrap();
    assert_eq!(
        store.source_state("file:postfix"),
        Some(vec![2]),
        "replayed"
    );
    assert_eq!(store.source_state("other"), None);
    store.commit().unwrap();
    drop(store);
    let store = LogStore::open(config(dir.path())).unwrap();
    assert_eq!(
        store.source_state("file:postfix"),
        Some(vec![2]),
        "persisted"
    );
    let lines: Vec<String> = search(&store, &all("app", t - S, t + S))
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    assert_eq!(lines, vec!["one"]);
}

#[test]
fn retention_by_size_drops_the_oldest_days_but_never_today() {
    let dir = tempfile::tempdir().unwrap();
    let t = now_ns();
    let store = LogStore::open(LogStoreConfig {
        max_bytes: Some(1),
        ..config(dir.path())
    })
    .unwrap();
    store
        .append(vec![
            entry("app", "app", t - 3 * DAY_NS, "oldest"),
            entry("app", "app", t - 2 * DAY_NS, "older"),
            entry("app", "app", t, "today"),
        ])
        .unwrap();
    store.commit().unwrap();
    assert_eq!(store.partition_names().len(), 3);
    store.maintain().unwrap();
    assert_eq!(
        store.partition_names(),
        vec![partition_name("app", t.div_euclid(DAY_NS))],
        "over the size limit: the oldest days go, today stays"
    );
    let lines: Vec<String> = search(&store, &all("app", t - 5 * DAY_NS, t + S))
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    assert_eq!(lines, vec!["today"]);
}
