//! Files that rotate, shrink, are rewritten or deleted while being tailed.

use super::*;

#[test]
fn rename_rotation_keeps_lines_written_to_the_old_file() {
    let env = Env::new();
    let log = env.path("mail.log");
    let mut daemon = writer(&log);
    daemon.write_all(b"a1\na2\n").unwrap();
    let mut tailer = Tailer::new(env.config(&["mail.log"]), None);
    assert_eq!(lines(&env.poll(&mut tailer)), ["a1", "a2"]);

    fs::rename(&log, env.path("mail.log.1")).unwrap();
    daemon.write_all(b"a3\n").unwrap();
    write(&log, "b1\n");
    let want = [
        from(&env, "mail.log", &["a3"]),
        from(&env, "mail.log", &["b1"]),
    ];
    assert_eq!(labelled(&env.poll(&mut tailer)), want.concat());
    assert_eq!(tailer.files.len(), 2);

    daemon.write_all(b"a4\ntail").unwrap();
    append(&log, "b2\n");
    assert_eq!(lines(&env.poll(&mut tailer)), ["a4", "b2"]);
    // The old file has not grown for a poll: its last line is handed out
    // and it is closed, leaving the checkpoint.
    assert_eq!(lines(&env.poll(&mut tailer)), ["tail"]);
    assert_eq!(tailer.files.len(), 1);
    let checkpoint = tailer.checkpoint();
    assert_eq!(checkpoint.files.len(), 1);
    assert_eq!(checkpoint.files[0].offset, 6);
    drop(daemon);
    assert!(env.poll(&mut tailer).is_empty());
}

#[test]
fn a_rotated_file_still_matched_keeps_its_first_name() {
    let env = Env::new();
    let log = env.path("mail.log");
    write(&log, "a1\n");
    let mut tailer = Tailer::new(env.config(&["mail.log*"]), None);
    assert_eq!(
        labelled(&env.poll(&mut tailer)),
        from(&env, "mail.log", &["a1"])
    );
    fs::rename(&log, env.path("mail.log.1")).unwrap();
    append(&env.path("mail.log.1"), "a2\n");
    write(&log, "b1\n");
    let records = env.poll(&mut tailer);
    assert!(records.iter().all(|r| *r.path == env.label("mail.log")));
    let got = lines(&records);
    assert!(got == ["a2", "b1"] || got == ["b1", "a2"], "{got:?}");
    fs::rename(env.path("mail.log.1"), env.path("mail.log.2")).unwrap();
    assert!(env.poll(&mut tailer).is_empty());
    fs::remove_file(env.path("mail.log.2")).unwrap();
    for _ in 0..3 {
        assert!(env.poll(&mut tailer).is_empty());
    }
    assert_eq!(tailer.checkpoint().files.len(), 1);
}

#[test]
fn copytruncate_reads_the_file_again_from_the_start() {
    let env = Env::new();
    let log = env.path("app.log");
    write(&log, "l1\nl2\nl3\n");
    let mut tailer = Tailer::new(env.config(&["app.log"]), None);
    assert_eq!(lines(&env.poll(&mut tailer)), ["l1", "l2", "l3"]);
    fs::copy(&log, env.path("app.log.1")).unwrap();
    OpenOptions::new()
        .write(true)
        .open(&log)
        .unwrap()
        .set_len(0)
        .unwrap();
    append(&log, "n1\nn2\n");
    assert_eq!(lines(&env.poll(&mut tailer)), ["n1", "n2"]);
    assert!(env.poll(&mut tailer).is_empty());
    append(&log, "n3\n");
    assert_eq!(lines(&env.poll(&mut tailer)), ["n3"]);
}

#[test]
fn truncated_with_an_incomplete_line_hands_it_out_first() {
    let env = Env::new();
    let log = env.path("app.log");
    write(&log, "a\npart");
    let mut tailer = Tailer::new(env.config(&["app.log"]), None);
    assert_eq!(lines(&env.poll(&mut tailer)), ["a"]);
    OpenOptions::new()
        .write(true)
        .open(&log)
        .unwrap()
        .set_len(0)
        .unwrap();
    append(&log, "b\n");
    assert_eq!(lines(&env.poll(&mut tailer)), ["part", "b"]);
}

#[test]
fn truncation_then_regrowth_past_the_offset() {
    let env = Env::new();
    let log = env.path("app.log");
    write(&log, "x1\nx2\n");
    let mut tailer = Tailer::new(env.config(&["app.log"]), None);
    assert_eq!(lines(&env.poll(&mut tailer)), ["x1", "x2"]);
    // Same inode, new content longer than the old offset: the head differs.
    write(&log, "y1-longer\ny2\n");
    assert_eq!(lines(&env.poll(&mut tailer)), ["y1-longer", "y2"]);

    // Same first 256 bytes: the bytes before the offset differ.
    let header = "H".repeat(300);
    write(&log, format!("{header}\nold1\n"));
    assert_eq!(lines(&env.poll(&mut tailer)), [header.as_str(), "old1"]);
    write(&log, format!("{header}\nnew-line-1\nnew2\n"));
    assert_eq!(
        lines(&env.poll(&mut tailer)),
        [header.as_str(), "new-line-1", "new2"]
    );

    // A non-O_APPEND writer after a truncation leaves a hole of NULs.
    OpenOptions::new()
        .write(true)
        .open(&log)
        .unwrap()
        .set_len(0)
        .unwrap();
    assert!(env.poll(&mut tailer).is_empty());
    let hole = OpenOptions::new().write(true).open(&log).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&hole, b"after\n", 400).unwrap();
    assert_eq!(lines(&env.poll(&mut tailer)), ["after"]);
}

#[test]
fn delete_and_create_reads_the_old_file_out_then_the_new_one() {
    let env = Env::new();
    let log = env.path("f.log");
    write(&log, "old1\n");
    let mut tailer = Tailer::new(env.config(&["f.log"]), None);
    assert_eq!(lines(&env.poll(&mut tailer)), ["old1"]);
    let old_ino = tailer.checkpoint().files[0].ino;
    append(&log, "old2\n");
    fs::remove_file(&log).unwrap();
    write(&log, "new1\n");
    assert_eq!(lines(&env.poll(&mut tailer)), ["old2", "new1"]);
    assert!(env.poll(&mut tailer).is_empty());
    let checkpoint = tailer.checkpoint();
    assert_eq!(
        checkpoint.files.len(),
        1,
        "the deleted file left the checkpoint"
    );
    assert_ne!(checkpoint.files[0].ino, old_ino);
    assert_eq!(checkpoint.files[0].offset, 5);
}

#[test]
fn rotated_files_beyond_the_limit_are_closed() {
    let env = Env::new();
    let log = env.path("mail.log");
    let mut daemon = writer(&log);
    daemon.write_all(b"a1\n").unwrap();
    let config = TailConfig {
        max_open_rotated: 0,
        ..env.config(&["mail.log"])
    };
    let mut tailer = Tailer::new(config, None);
    assert_eq!(lines(&env.poll(&mut tailer)), ["a1"]);
    fs::rename(&log, env.path("mail.log.1")).unwrap();
    daemon.write_all(b"lost\n").unwrap();
    write(&log, "b1\n");
    assert_eq!(lines(&env.poll(&mut tailer)), ["b1"]);
    assert_eq!(tailer.files.len(), 1);
}
