//! Docker json-file logs: decoding, partial lines joined per stream,
//! malformed lines, container metadata, and checkpoints mid-partial.

use std::time::Duration;

use regex::Regex;

use super::*;
use crate::sources::file::{FileFormat, Multiline};

const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A container directory with a `config.v2.json`; returns the log's name.
fn container(env: &Env, name: Option<&str>) -> String {
    fs::create_dir(env.path(ID)).unwrap();
    if let Some(name) = name {
        let config = serde_json::json!({"ID": ID, "Name": name, "State": {"Running": true}});
        write(
            &env.path(&format!("{ID}/config.v2.json")),
            config.to_string(),
        );
    }
    format!("{ID}/{ID}-json.log")
}

fn config(env: &Env) -> TailConfig {
    TailConfig {
        format: FileFormat::DockerJson,
        ..env.config(&["*/*-json.log"])
    }
}

/// One json-file line.
fn entry(log: &str, stream: &str, second: u32) -> String {
    let time = format!("2026-11-25T10:00:{second:02}.123456789Z");
    format!(
        "{}\n",
        serde_json::json!({"log": log, "stream": stream, "time": time})
    )
}

fn time(second: i64) -> Option<i64> {
    Some((1_795_600_800 + second) * 1_000_000_000 + 123_456_789)
}

/// `(line, stream, time)` of each record.
fn decoded(records: &[TailRecord]) -> Vec<(&str, Option<&str>, Option<i64>)> {
    records
        .iter()
        .map(|r| (r.line.as_str(), r.stream.as_deref(), r.time_ns))
        .collect()
}

fn first_lines() -> String {
    [
        entry("hello\n", "stdout", 1),
        entry("part1-", "stdout", 2),
        entry("err line\r\n", "stderr", 3),
        entry("part2-", "stdout", 4),
    ]
    .concat()
}

fn last_lines() -> String {
    [
        "this is {not json\n".to_string(),
        entry("end\n", "stdout", 5),
    ]
    .concat()
}

#[test]
fn entries_partials_and_malformed_lines() {
    let env = Env::new();
    let log = env.path(&container(&env, Some("/web")));
    write(&log, first_lines() + &last_lines());
    let mut tailer = Tailer::new(config(&env), None);
    let records = env.poll(&mut tailer);
    let want = [
        ("hello", Some("stdout"), time(1)),
        ("err line", Some("stderr"), time(3)),
        ("this is {not json", None, None),
        ("part1-part2-end", Some("stdout"), time(2)),
    ];
    assert_eq!(decoded(&records), want);
    for r in &records {
        assert_eq!(
            (r.container_id.as_deref(), r.container_name.as_deref()),
            (Some(ID), Some("web"))
        );
        assert_eq!((r.lines, r.truncated), (1, false));
    }
}

#[test]
fn a_restart_mid_partial_reads_only_the_held_back_stream_again() {
    let env = Env::new();
    let log = env.path(&container(&env, None));
    write(&log, first_lines());
    let mut tailer = Tailer::new(config(&env), None);
    let records = env.poll(&mut tailer);
    assert_eq!(
        decoded(&records),
        [
            ("hello", Some("stdout"), time(1)),
            ("err line", Some("stderr"), time(3))
        ]
    );
    assert_eq!(
        (
            records[0].container_id.as_deref(),
            records[0].container_name.as_deref()
        ),
        (Some(ID), None)
    );
    let checkpoint = persisted(&tailer.checkpoint());
    drop(tailer);

    append(&log, last_lines());
    let mut tailer = Tailer::new(config(&env), Some(checkpoint.clone()));
    // A poll that stops mid-replay leaves the checkpoint as it was.
    assert!(tailer.poll_at(env.t0, 100, 10).unwrap().records.is_empty());
    assert_eq!(tailer.checkpoint(), checkpoint);
    let want = [
        ("this is {not json", None, None),
        ("part1-part2-end", Some("stdout"), time(2)),
    ];
    assert_eq!(decoded(&env.poll(&mut tailer)), want);
    assert!(env.poll(&mut tailer).is_empty());
}

#[test]
fn a_partial_without_a_continuation_times_out() {
    let env = Env::new();
    let log = env.path(&container(&env, None));
    write(&log, entry("no newline at exit", "stdout", 1));
    let mut tailer = Tailer::new(config(&env), None);
    assert!(env.poll_at(&mut tailer, 0.0).is_empty());
    assert!(env.poll_at(&mut tailer, 4.0).is_empty());
    assert_eq!(
        decoded(&env.poll_at(&mut tailer, 5.0)),
        [("no newline at exit", Some("stdout"), time(1))]
    );
}

#[test]
fn joined_lines_are_cut_at_max_line_bytes() {
    let env = Env::new();
    let log = env.path(&container(&env, None));
    write(
        &log,
        [
            entry("12345", "stdout", 1),
            entry("67890\n", "stdout", 2),
            entry("ok\n", "stdout", 3),
        ]
        .concat(),
    );
    let mut tailer = Tailer::new(
        TailConfig {
            max_line_bytes: 8,
            ..config(&env)
        },
        None,
    );
    let records = env.poll(&mut tailer);
    let got: Vec<_> = records
        .iter()
        .map(|r| (r.line.as_str(), r.truncated))
        .collect();
    assert_eq!(got, [("12345678", true), ("ok", false)]);
}

#[test]
fn multiline_joins_within_each_stream() {
    let env = Env::new();
    let log = env.path(&container(&env, None));
    let lines = [
        entry("Exception: boom\n", "stderr", 1),
        entry("request 1\n", "stdout", 2),
        entry("  at handler\n", "stderr", 3),
        entry("request 2\n", "stdout", 4),
        entry("next\n", "stderr", 5),
    ];
    write(&log, lines.concat());
    let multiline = Multiline {
        start: Regex::new(r"^\S").unwrap(),
        negate: false,
        max_lines: 100,
        timeout: Duration::from_secs(1),
    };
    let mut tailer = Tailer::new(
        TailConfig {
            multiline: Some(multiline),
            ..config(&env)
        },
        None,
    );
    let want = [
        ("request 1", Some("stdout"), time(2)),
        ("Exception: boom\n  at handler", Some("stderr"), time(1)),
    ];
    assert_eq!(decoded(&env.poll_at(&mut tailer, 0.0)), want);
    let want = [
        ("request 2", Some("stdout"), time(4)),
        ("next", Some("stderr"), time(5)),
    ];
    assert_eq!(decoded(&env.poll_at(&mut tailer, 2.0)), want);
}
