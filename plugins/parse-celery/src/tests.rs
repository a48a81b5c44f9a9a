//! `testdata/worker.log` is the log file (`-f`) of a real Celery 5.7 worker
//! with an embedded beat (`celery worker -B`) running send/add/fail/retry
//! tasks; the other lines are Celery 5's formats for the remaining events.

use super::*;
use std::borrow::Cow;
use watchpost_sdk::Value;
use watchpost_sdk::parser::{line_batch, parse_batch};
use watchpost_sdk::testing::{TestHost, fields, labels, parser_from_json, source_meta};

/// `2026-11-26 01:06:53,800`.
const T_010653_800: i64 = 1_795_655_213_800_000_000;

fn meta() -> SourceMeta {
    source_meta("celery", "/var/log/celery/worker.log")
}

fn parser(config: serde_json::Value) -> CeleryParser {
    TestHost::new().install();
    parser_from_json(config).unwrap()
}

fn parse(line: &str) -> Record<'_> {
    parser(serde_json::json!({})).parse(line, &meta()).unwrap()
}

fn v<'a>(value: impl Into<Value<'a>>) -> Value<'a> {
    value.into()
}

#[test]
fn received_and_succeeded() {
    let r = parse(
        "[2026-11-26 01:06:53,800: INFO/MainProcess] Task tasks.cleanup[428ba7c3-99c2-4c7a-91d8-031b8b9622fb] received",
    );
    assert_eq!(r.timestamp_ns, Some(T_010653_800));
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(
        r.message,
        "Task tasks.cleanup[428ba7c3-99c2-4c7a-91d8-031b8b9622fb] received"
    );
    assert_eq!(
        labels(&r),
        [("process", "MainProcess"), ("event", "received")]
    );
    assert_eq!(
        fields(&r),
        [
            ("process_name", v("MainProcess")),
            ("task_name", v("tasks.cleanup")),
            ("task_id", v("428ba7c3-99c2-4c7a-91d8-031b8b9622fb")),
        ]
    );
    let r = parse(
        "[2026-11-26 01:06:53,801: INFO/ForkPoolWorker-3] Task tasks.cleanup[428ba7c3-99c2-4c7a-91d8-031b8b9622fb] succeeded in 0.0006268190045375377s: {'rows': 3}",
    );
    assert_eq!(
        labels(&r),
        [("process", "ForkPoolWorker"), ("event", "succeeded")]
    );
    assert_eq!(
        fields(&r),
        [
            ("process_name", v("ForkPoolWorker-3")),
            ("task_name", v("tasks.cleanup")),
            ("task_id", v("428ba7c3-99c2-4c7a-91d8-031b8b9622fb")),
            ("runtime_seconds", v(0.0006268190045375377)),
            ("result", v("{'rows': 3}")),
        ]
    );
    let r = parse(
        "[2026-11-26 01:06:57,808: INFO/ForkPoolWorker-3] Task tasks.add[f7dba220-cfc1-4398-bec6-9fbb6a10339e] succeeded in 6.915300036780536e-05s: 5",
    );
    assert_eq!(
        fields(&r)[3..],
        [
            ("runtime_seconds", v(6.915300036780536e-05)),
            ("result", v("5"))
        ]
    );
    let r = parse(
        "[2026-11-25 10:00:01,512: INFO/ForkPoolWorker-1] Task tasks.send_email[9a1b2c3d-0000-4000-8000-000000000001] succeeded in 0.512s: None",
    );
    assert_eq!(
        fields(&r)[3..],
        [("runtime_seconds", v(0.512)), ("result", v("None"))]
    );
}

#[test]
fn failures() {
    let r = parse(
        "[2026-11-26 01:06:57,805: ERROR/ForkPoolWorker-2] Task tasks.fail[ec951748-a7e9-4736-9304-aa669653567b] raised unexpected: ValueError(\"bad value: 'x'\")",
    );
    assert_eq!(r.severity, Severity::Error);
    assert_eq!(
        labels(&r),
        [("process", "ForkPoolWorker"), ("event", "failed")]
    );
    assert_eq!(
        fields(&r),
        [
            ("process_name", v("ForkPoolWorker-2")),
            ("task_name", v("tasks.fail")),
            ("task_id", v("ec951748-a7e9-4736-9304-aa669653567b")),
            ("exception", v("ValueError(\"bad value: 'x'\")")),
            ("exception_type", v("ValueError")),
        ]
    );
    let r = parse(
        "[2026-11-25 10:00:02,000: ERROR/MainProcess] Task handler raised error: WorkerLostError('Worker exited prematurely: signal 9 (SIGKILL) Job: 0.')",
    );
    assert_eq!(
        labels(&r),
        [("process", "MainProcess"), ("event", "failed")]
    );
    assert_eq!(r.text_field("exception_type"), Some("WorkerLostError"));
    let r = parse(
        "[2026-11-25 10:00:03,000: ERROR/MainProcess] Hard time limit (300s) exceeded for tasks.report[5e6f7a8b-0000-4000-8000-000000000002]",
    );
    assert_eq!(
        labels(&r),
        [("process", "MainProcess"), ("event", "time_limit")]
    );
    assert_eq!(
        fields(&r)[1..],
        [
            ("task_name", v("tasks.report")),
            ("task_id", v("5e6f7a8b-0000-4000-8000-000000000002")),
            ("time_limit_seconds", v(300.0)),
        ]
    );
    let r = parse(
        "[2026-11-25 10:00:04,000: WARNING/ForkPoolWorker-1] Soft time limit (60s) exceeded for tasks.report[5e6f7a8b-0000-4000-8000-000000000003]",
    );
    assert_eq!(r.labels[1].1, "soft_time_limit");
    for failure in ["raised expected", "INTERNAL ERROR", "failed"] {
        let line = format!(
            "[2026-11-25 10:00:05,000: ERROR/ForkPoolWorker-1] Task tasks.x[abc] {failure}: billiard.exceptions.WorkerLostError('lost')"
        );
        let r = parse(&line);
        assert_eq!(r.labels[1].1, "failed", "{failure}");
        assert_eq!(
            r.text_field("exception_type"),
            Some("billiard.exceptions.WorkerLostError")
        );
    }
}

#[test]
fn retries_and_other_events() {
    let r = parse(
        "[2026-11-26 01:06:57,813: INFO/ForkPoolWorker-3] Task tasks.flaky[00073a5b-a9a3-47eb-8bbf-098c68895b51] retry: Retry in 2s: ConnectionError('smtp down')",
    );
    assert_eq!(
        labels(&r),
        [("process", "ForkPoolWorker"), ("event", "retry")]
    );
    assert_eq!(
        fields(&r),
        [
            ("process_name", v("ForkPoolWorker-3")),
            ("task_name", v("tasks.flaky")),
            ("task_id", v("00073a5b-a9a3-47eb-8bbf-098c68895b51")),
            ("retry_in_seconds", v(2.0)),
            ("exception", v("ConnectionError('smtp down')")),
            ("exception_type", v("ConnectionError")),
        ]
    );
    let r = parse(
        "[2026-11-25 10:00:06,000: INFO/ForkPoolWorker-1] Task tasks.sync[aa] retry: Retry at 2026-11-25 10:05:00+00:00: Timeout()",
    );
    assert_eq!(fields(&r)[3], ("retry_at", v("2026-11-25 10:05:00+00:00")));
    let r =
        parse("[2026-11-25 10:00:07,000: INFO/MainProcess] Discarding revoked task: tasks.x[bb]");
    assert_eq!(
        labels(&r),
        [("process", "MainProcess"), ("event", "revoked")]
    );
    let r = parse("[2026-11-25 10:00:08,000: INFO/ForkPoolWorker-1] Task tasks.x[cc] ignored");
    assert_eq!(r.labels[1].1, "ignored");
    // Celery 4.
    let r = parse("[2026-11-25 10:00:09,000: INFO/MainProcess] Received task: tasks.x[dd]");
    assert_eq!(
        labels(&r),
        [("process", "MainProcess"), ("event", "received")]
    );
    assert_eq!(fields(&r)[2], ("task_id", v("dd")));
}

#[test]
fn beat() {
    // Embedded (`worker -B`): the `Beat` process.
    let r = parse(
        "[2026-11-26 01:06:53,775: INFO/Beat] Scheduler: Sending due task cleanup (tasks.cleanup)",
    );
    assert_eq!(
        labels(&r),
        [("process", "Beat"), ("event", "sending_due_task")]
    );
    assert_eq!(
        fields(&r),
        [
            ("process_name", v("Beat")),
            ("schedule_entry", v("cleanup")),
            ("task_name", v("tasks.cleanup")),
        ]
    );
    // `celery beat`: MainProcess; an entry name with spaces and parentheses.
    let r = parse(
        "[2026-11-25 10:00:00,004: INFO/MainProcess] Scheduler: Sending due task nightly report (eu) (reports.tasks.nightly)",
    );
    assert_eq!(
        fields(&r)[1..],
        [
            ("schedule_entry", v("nightly report (eu)")),
            ("task_name", v("reports.tasks.nightly")),
        ]
    );
    let r = parse("[2026-11-26 01:06:51,768: INFO/Beat] beat: Starting...");
    assert_eq!(labels(&r), [("process", "Beat")]);
}

#[test]
fn task_logger_lines() {
    let r = parse(
        "[2026-11-26 01:06:53,801: WARNING/ForkPoolWorker-3] tasks.cleanup[428ba7c3-99c2-4c7a-91d8-031b8b9622fb]: cleaned 3 rows",
    );
    assert_eq!(r.severity, Severity::Warning);
    assert_eq!(labels(&r), [("process", "ForkPoolWorker")]);
    assert_eq!(
        fields(&r),
        [
            ("process_name", v("ForkPoolWorker-3")),
            ("task_name", v("tasks.cleanup")),
            ("task_id", v("428ba7c3-99c2-4c7a-91d8-031b8b9622fb")),
        ]
    );
    // Not a task logger line: a bracket in prose.
    let r = parse(
        "[2026-11-25 10:00:10,000: INFO/MainProcess] Connected to amqp://guest:**@127.0.0.1:5672//",
    );
    assert_eq!(fields(&r).len(), 1);
    let r =
        parse("[2026-11-25 10:00:10,000: INFO/MainProcess] pidbox: Connected to redis [x]: y z");
    assert_eq!(fields(&r).len(), 1);
}

#[test]
fn tracebacks_take_the_error_s_severity() {
    let mut p = parser(serde_json::json!({}));
    let text = include_str!("../testdata/worker.log");
    let lines: Vec<_> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("raised unexpected: ValueError"))
        .unwrap();
    let error = p.parse(lines[start], &meta()).unwrap();
    for line in &lines[start + 1..start + 10] {
        let r = p.parse(line, &meta()).unwrap();
        assert_eq!(r.severity, Severity::Error, "{line}");
        assert_eq!(r.timestamp_ns, error.timestamp_ns);
        assert_eq!(r.fields[0], ("continuation".into(), v(true)));
    }
    assert_eq!(lines[start + 10], "ValueError: bad value: 'x'");
    let last = p.parse(lines[start + 10], &meta()).unwrap();
    assert_eq!(last.text_field("exception_type"), Some("ValueError"));
    assert_eq!(last.text_field("exception"), Some("bad value: 'x'"));
}

#[test]
fn the_real_log_parses_whole() {
    let mut p = parser(serde_json::json!({}));
    let text = include_str!("../testdata/worker.log");
    let mut events = std::collections::BTreeMap::<String, usize>::new();
    for line in text.lines() {
        let r = p
            .parse(line, &meta())
            .unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(r.timestamp_ns.is_some(), "{line}");
        assert!(matches!(r.message, Cow::Borrowed(_)));
        for (_, value) in &r.fields {
            assert!(!matches!(value, Value::Text(Cow::Owned(_))), "{line}");
        }
        if let Some((_, e)) = r.labels.iter().find(|(k, _)| k == "event") {
            *events.entry(e.to_string()).or_default() += 1;
        }
    }
    assert_eq!(
        events.into_iter().collect::<Vec<_>>(),
        [
            ("failed".to_string(), 2),
            ("received".to_string(), 15),
            ("retry".to_string(), 1),
            ("sending_due_task".to_string(), 9),
            ("succeeded".to_string(), 12),
        ]
    );
    let out = parse_batch(
        &mut p,
        &line_batch(meta(), &text.lines().collect::<Vec<_>>()),
    );
    assert!(out.records.iter().all(|r| r.parse_error.is_none()));
}

#[test]
fn timezone() {
    let mut p = parser(serde_json::json!({"timezone": "-05:00"}));
    let r = p
        .parse("[2026-11-25 20:06:53,800: INFO/MainProcess] x", &meta())
        .unwrap();
    assert_eq!(r.timestamp_ns, Some(T_010653_800));
    TestHost::new().install();
    let built = parser_from_json::<CeleryParser>(serde_json::json!({"timezone": "EST"}));
    assert!(built.is_err());
    assert!(serde_json::from_value::<Config>(serde_json::json!({"format": "x"})).is_err());
}

#[test]
fn junk_is_an_error_and_never_panics() {
    let mut p = parser(serde_json::json!({}));
    let long = "q".repeat(10_000);
    for bad in [
        "",
        " ",
        "\u{0}\u{fffd}\u{1}",
        long.as_str(),
        "[2026-11-26 01:06:53,800",
        "[2026-11-26 01:06:53,800: INFO",
        "[2026-11-26 01:06:53,800: INFO/MainProcess",
        "[2026-11-26 01:06:53,800: LOUD/MainProcess] x",
        "[2026-11-26 01:06:53,800: INFO/Main Process] x",
        "[2026-11-26 25:06:53,800: INFO/MainProcess] x",
        "2026-11-26 01:06:53,800: INFO/MainProcess] x",
        "  File \"/app/tasks.py\", line 20, in fail",
        "ValueError: no traceback before",
    ] {
        assert!(p.parse(bad, &meta()).is_err(), "{bad:?}");
    }
    let long_line = format!("[2026-11-26 01:06:53,800: INFO/MainProcess] {long}");
    assert!(p.parse(&long_line, &meta()).is_ok());
    // A message-less line is fine.
    assert_eq!(
        p.parse("[2026-11-26 01:06:53,800: INFO/MainProcess]", &meta())
            .unwrap()
            .message,
        ""
    );
    for line in include_str!("../testdata/worker.log").lines().take(30) {
        for (i, c) in line.char_indices() {
            let _ = p.parse(&line[..i], &meta());
            for r in ['[', ']', ':', '/', ' ', '(', ')', '-', '\u{e9}'] {
                let mut mutated = line.to_string();
                mutated.replace_range(i..i + c.len_utf8(), r.encode_utf8(&mut [0; 4]));
                let _ = p.parse(&mutated, &meta());
            }
        }
    }
}
