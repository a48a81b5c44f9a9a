//! Stopping and resuming from a checkpoint: exactly the lines not handed
//! out before, whatever happened to the files meanwhile.

use super::*;

#[test]
fn resumes_mid_file_with_exactly_the_remaining_lines() {
    let env = Env::new();
    let log = env.path("app.log");
    write(&log, (0..10).map(|i| format!("l{i}\n")).collect::<String>());
    let mut tailer = Tailer::new(env.config(&["app.log"]), None);
    let records = tailer.poll_at(env.t0, 3, usize::MAX).unwrap().records;
    assert_eq!(lines(&records), ["l0", "l1", "l2"]);
    let checkpoint = persisted(&tailer.checkpoint());
    drop(tailer);

    let mut tailer = Tailer::new(env.config(&["app.log"]), Some(checkpoint.clone()));
    assert_eq!(
        tailer.checkpoint(),
        checkpoint,
        "unchanged until the first poll"
    );
    let want = ["l3", "l4", "l5", "l6", "l7", "l8", "l9"];
    assert_eq!(lines(&env.poll(&mut tailer)), want);
    assert!(env.poll(&mut tailer).is_empty());
}

#[test]
fn an_incomplete_line_is_read_again_after_a_restart() {
    let env = Env::new();
    let log = env.path("app.log");
    write(&log, "a\nbc");
    let mut tailer = Tailer::new(env.config(&["app.log"]), None);
    assert_eq!(lines(&env.poll(&mut tailer)), ["a"]);
    let checkpoint = persisted(&tailer.checkpoint());
    drop(tailer);
    append(&log, "d\n");
    let mut tailer = Tailer::new(env.config(&["app.log"]), Some(checkpoint));
    assert_eq!(lines(&env.poll(&mut tailer)), ["bcd"]);
}

#[test]
fn start_at_end_does_not_apply_to_checkpointed_files() {
    let env = Env::new();
    let log = env.path("app.log");
    write(&log, "a\n");
    let config = TailConfig {
        start_at_end: true,
        ..env.config(&["*.log"])
    };
    let mut tailer = Tailer::new(config.clone(), Some(Checkpoint::default()));
    assert!(env.poll(&mut tailer).is_empty());
    append(&log, "b\n");
    let checkpoint = persisted(&tailer.checkpoint());
    drop(tailer);
    append(&log, "c\n");
    write(&env.path("other.log"), "o1\n");
    let mut tailer = Tailer::new(config, Some(checkpoint));
    assert_eq!(lines(&env.poll(&mut tailer)), ["b", "c"]);
}

#[test]
fn restart_after_a_rotation_drains_the_old_file_then_the_new() {
    for (patterns, start_at_end) in [
        (&["mail.log"][..], false),
        (&["mail.log"][..], true),
        (&["mail.log*"][..], false),
    ] {
        let env = Env::new();
        let log = env.path("mail.log");
        write(&log, "a1\na2\na3\na4\na5\n");
        let config = TailConfig {
            start_at_end,
            ..env.config(patterns)
        };
        let mut tailer = Tailer::new(
            TailConfig {
                start_at_end: false,
                ..config.clone()
            },
            None,
        );
        let records = tailer.poll_at(env.t0, 2, usize::MAX).unwrap().records;
        assert_eq!(lines(&records), ["a1", "a2"]);
        let checkpoint = persisted(&tailer.checkpoint());
        drop(tailer);

        fs::rename(&log, env.path("mail.log.1")).unwrap();
        write(&log, "b1\nb2\n");
        let mut tailer = Tailer::new(config, Some(checkpoint));
        // Both files carry the name `mail.log`; each one's lines in order.
        let records = env.poll(&mut tailer);
        assert!(records.iter().all(|r| *r.path == env.label("mail.log")));
        let got = lines(&records);
        let (old, new) = (["a3", "a4", "a5"], ["b1", "b2"]);
        assert!(
            got == [&old[..], &new[..]].concat() || got == [&new[..], &old[..]].concat(),
            "{patterns:?}: {got:?}"
        );
        for _ in 0..3 {
            assert!(env.poll(&mut tailer).is_empty());
        }
        // `mail.log.1` stays tailed (and checkpointed) while a glob matches it.
        let want = if patterns[0].ends_with('*') { 2 } else { 1 };
        assert_eq!(tailer.checkpoint().files.len(), want, "{patterns:?}");
    }
}

#[test]
fn a_file_rewritten_while_stopped_is_read_from_the_start() {
    let env = Env::new();
    let log = env.path("app.log");
    write(&log, "aaa\nbbb\n");
    let mut tailer = Tailer::new(env.config(&["app.log"]), None);
    assert_eq!(lines(&env.poll(&mut tailer)), ["aaa", "bbb"]);
    let checkpoint = persisted(&tailer.checkpoint());
    drop(tailer);
    write(&log, "ccc\nddd\neee\n");
    let mut tailer = Tailer::new(env.config(&["app.log"]), Some(checkpoint));
    assert_eq!(lines(&env.poll(&mut tailer)), ["ccc", "ddd", "eee"]);
}

#[test]
fn a_reused_inode_is_read_from_the_start() {
    let env = Env::new();
    let log = env.path("app.log");
    write(&log, "first file\n");
    let mut tailer = Tailer::new(env.config(&["app.log"]), None);
    assert_eq!(lines(&env.poll(&mut tailer)), ["first file"]);
    let mut checkpoint = persisted(&tailer.checkpoint());
    drop(tailer);
    fs::remove_file(&log).unwrap();
    write(&log, "second file, longer\nline 2\n");
    // Whether the filesystem reuses the inode is up to it: make it so.
    let meta = fs::metadata(&log).unwrap();
    use std::os::unix::fs::MetadataExt;
    checkpoint.files[0].dev = meta.dev();
    checkpoint.files[0].ino = meta.ino();
    let mut tailer = Tailer::new(env.config(&["app.log"]), Some(checkpoint));
    assert_eq!(
        lines(&env.poll(&mut tailer)),
        ["second file, longer", "line 2"]
    );
}

#[test]
fn a_checkpointed_file_that_is_gone_is_forgotten() {
    let env = Env::new();
    let log = env.path("app.log");
    write(&log, "a\n");
    let mut tailer = Tailer::new(env.config(&["app.log"]), None);
    assert_eq!(lines(&env.poll(&mut tailer)), ["a"]);
    let checkpoint = persisted(&tailer.checkpoint());
    drop(tailer);
    fs::remove_file(&log).unwrap();
    let mut tailer = Tailer::new(env.config(&["app.log"]), Some(checkpoint));
    assert!(env.poll(&mut tailer).is_empty());
    assert!(tailer.checkpoint().is_empty());
}
