//! Multi-line records through the tailer: joining, timeouts, and a
//! checkpoint that never covers a record still pending.

use std::time::Duration;

use regex::Regex;

use super::*;
use crate::sources::file::Multiline;

fn config(env: &Env, start: &str, negate: bool, max_lines: usize) -> TailConfig {
    TailConfig {
        multiline: Some(Multiline {
            start: Regex::new(start).unwrap(),
            negate,
            max_lines,
            timeout: Duration::from_secs(1),
        }),
        ..env.config(&["app.log"])
    }
}

/// `(line, lines joined)` of each record.
fn joined(records: &[TailRecord]) -> Vec<(&str, u32)> {
    records.iter().map(|r| (r.line.as_str(), r.lines)).collect()
}

const TRACE: &str = "2026-01-01 a\n  at x\n  at y\n2026-01-01 b\n  at z\n";

#[test]
fn stack_traces_are_joined_and_the_last_one_times_out() {
    let env = Env::new();
    write(&env.path("app.log"), TRACE);
    let mut tailer = Tailer::new(config(&env, r"^\d{4}-", false, 100), None);
    assert_eq!(
        joined(&env.poll_at(&mut tailer, 0.0)),
        [("2026-01-01 a\n  at x\n  at y", 3)]
    );
    assert!(env.poll_at(&mut tailer, 0.5).is_empty());
    append(&env.path("app.log"), "  at w\n");
    assert!(
        env.poll_at(&mut tailer, 1.2).is_empty(),
        "a new line restarts the timeout"
    );
    assert_eq!(
        joined(&env.poll_at(&mut tailer, 2.3)),
        [("2026-01-01 b\n  at z\n  at w", 3)]
    );
    assert!(env.poll_at(&mut tailer, 9.0).is_empty());
}

#[test]
fn the_checkpoint_does_not_cover_a_pending_record() {
    let env = Env::new();
    write(&env.path("app.log"), TRACE);
    let mut tailer = Tailer::new(config(&env, r"^\d{4}-", false, 100), None);
    assert_eq!(
        joined(&env.poll_at(&mut tailer, 0.0)),
        [("2026-01-01 a\n  at x\n  at y", 3)]
    );
    let pending = persisted(&tailer.checkpoint());
    assert_eq!(pending.files[0].offset, TRACE.len() as u64);
    let b = TRACE.find("2026-01-01 b").unwrap() as u64;
    assert_eq!(pending.files[0].pending[0].from, b);
    assert_eq!(
        joined(&env.poll_at(&mut tailer, 5.0)),
        [("2026-01-01 b\n  at z", 2)]
    );
    let done = persisted(&tailer.checkpoint());
    drop(tailer);

    // Restarted before the pending record was handed out: it comes again.
    let mut tailer = Tailer::new(config(&env, r"^\d{4}-", false, 100), Some(pending));
    assert!(env.poll_at(&mut tailer, 0.0).is_empty());
    append(&env.path("app.log"), "2026-01-01 c\n");
    assert_eq!(
        joined(&env.poll_at(&mut tailer, 0.1)),
        [("2026-01-01 b\n  at z", 2)]
    );
    assert_eq!(
        joined(&env.poll_at(&mut tailer, 5.0)),
        [("2026-01-01 c", 1)]
    );
    drop(tailer);

    // Restarted after: only what is new.
    let mut tailer = Tailer::new(config(&env, r"^\d{4}-", false, 100), Some(done));
    assert!(env.poll_at(&mut tailer, 0.0).is_empty());
    assert_eq!(
        joined(&env.poll_at(&mut tailer, 5.0)),
        [("2026-01-01 c", 1)]
    );
}

#[test]
fn max_lines_and_negate() {
    let env = Env::new();
    write(&env.path("app.log"), "S1\n c1\n c2\n c3\nS2\n");
    let mut tailer = Tailer::new(config(&env, r"^\s", true, 2), None);
    let want = [("S1\n c1", 2), (" c2\n c3", 2)];
    assert_eq!(joined(&env.poll_at(&mut tailer, 0.0)), want);
    assert_eq!(joined(&env.poll_at(&mut tailer, 1.0)), [("S2", 1)]);
}

#[test]
fn pending_records_are_flushed_by_truncation_and_rotation() {
    let env = Env::new();
    let log = env.path("app.log");
    write(&log, "S1\n c1\n");
    let mut tailer = Tailer::new(config(&env, r"^S", false, 100), None);
    assert!(env.poll_at(&mut tailer, 0.0).is_empty());
    OpenOptions::new()
        .write(true)
        .open(&log)
        .unwrap()
        .set_len(0)
        .unwrap();
    append(&log, "S2\n");
    assert_eq!(joined(&env.poll_at(&mut tailer, 0.1)), [("S1\n c1", 2)]);

    fs::rename(&log, env.path("app.log.1")).unwrap();
    assert!(env.poll_at(&mut tailer, 0.2).is_empty());
    assert_eq!(joined(&env.poll_at(&mut tailer, 0.3)), [("S2", 1)]);
    assert!(tailer.checkpoint().is_empty());
}
