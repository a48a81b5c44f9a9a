//! Reading one or a few files that neither rotate nor shrink: appends,
//! partial lines, line endings, encodings, long lines, globs, budgets,
//! and the manifest form of the config.

use super::*;

#[test]
fn appended_lines_and_a_partial_last_line() {
    let env = Env::new();
    let log = env.path("app.log");
    write(&log, "a\nb\npart");
    let mut tailer = Tailer::new(env.config(&["app.log"]), None);
    assert_eq!(lines(&env.poll(&mut tailer)), ["a", "b"]);
    assert_eq!(lines(&env.poll(&mut tailer)), Vec::<&str>::new());
    append(&log, "ial\nc\n");
    let records = env.poll(&mut tailer);
    assert_eq!(lines(&records), ["partial", "c"]);
    assert!(
        records
            .iter()
            .all(|r| r.lines == 1 && !r.truncated && r.stream.is_none())
    );
    assert_eq!(records[0].path.as_ref(), env.label("app.log"));
    assert_eq!(lines(&env.poll(&mut tailer)), Vec::<&str>::new());
}

#[test]
fn crlf_and_bare_cr() {
    let env = Env::new();
    write(&env.path("w.log"), "one\r\ntwo\r\n\r\nthree\rx\n\r");
    let mut tailer = Tailer::new(env.config(&["w.log"]), None);
    assert_eq!(
        lines(&env.poll(&mut tailer)),
        ["one", "two", "", "three\rx"]
    );
    append(&env.path("w.log"), "\n");
    assert_eq!(lines(&env.poll(&mut tailer)), [""]);
}

#[test]
fn invalid_utf8_is_replaced() {
    let env = Env::new();
    write(&env.path("bin.log"), b"ok\xff\xfeend\n\xc3\xa9\n\xe2\x82\n");
    let mut tailer = Tailer::new(env.config(&["bin.log"]), None);
    assert_eq!(
        lines(&env.poll(&mut tailer)),
        ["ok\u{fffd}\u{fffd}end", "é", "\u{fffd}"]
    );
}

#[test]
fn a_10_mb_line_is_cut_with_bounded_memory() {
    let env = Env::new();
    let log = env.path("big.log");
    let mut big = vec![b'a'; 10 << 20];
    big.extend_from_slice(b"\nnext\n");
    write(&log, &big);
    let limit = 64 << 10;
    let config = TailConfig {
        max_line_bytes: limit,
        ..env.config(&["big.log"])
    };
    let mut tailer = Tailer::new(config, None);
    let mut records = Vec::new();
    let mut polls = 0;
    while records.len() < 2 && polls < 100 {
        records.extend(tailer.poll_at(env.t0, 100, 1 << 20).unwrap().records);
        polls += 1;
        assert!(tailer.files[0].line_buffer_capacity() <= limit + 1);
        if records.is_empty() {
            // Nothing handed out yet: the checkpoint stays at the line start.
            assert_eq!(tailer.checkpoint().files[0].offset, 0);
        }
    }
    assert_eq!(polls, 11, "1 MiB per poll");
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].line, "a".repeat(limit));
    assert!(records[0].truncated);
    assert_eq!(
        (records[1].line.as_str(), records[1].truncated),
        ("next", false)
    );
    assert!(tailer.files[0].line_buffer_capacity() <= 4096, "given back");
}

#[test]
fn a_long_line_is_cut_on_a_char_boundary() {
    let env = Env::new();
    write(&env.path("u.log"), "ééé\nabcde\nabcdef\n");
    let config = TailConfig {
        max_line_bytes: 5,
        ..env.config(&["u.log"])
    };
    let mut tailer = Tailer::new(config, None);
    let records = env.poll(&mut tailer);
    let got: Vec<_> = records
        .iter()
        .map(|r| (r.line.as_str(), r.truncated))
        .collect();
    assert_eq!(got, [("éé", true), ("abcde", false), ("abcde", true)]);
}

#[test]
fn globs_and_excludes() {
    let env = Env::new();
    fs::create_dir(env.path("sub")).unwrap();
    for (name, text) in [
        ("a.log", "a1\n"),
        ("b.log", "b1\n"),
        ("skip.log", "s1\n"),
        ("c.txt", "c1\n"),
        ("sub/d.log", "d1\n"),
    ] {
        write(&env.path(name), text);
    }
    let mut config = env.config(&["*.log", "sub/*.log", "a.log"]);
    config.exclude = vec!["*skip*".into()];
    let mut tailer = Tailer::new(config, None);
    let want = [
        from(&env, "a.log", &["a1"]),
        from(&env, "b.log", &["b1"]),
        from(&env, "sub/d.log", &["d1"]),
    ];
    assert_eq!(by_file(&env.poll(&mut tailer)), want.concat());
    write(&env.path("e.log"), "e1\ne2\n");
    write(&env.path("f.txt"), "f1\n");
    assert_eq!(
        labelled(&env.poll(&mut tailer)),
        from(&env, "e.log", &["e1", "e2"])
    );
}

#[test]
fn start_at_end_skips_what_is_there_at_the_first_poll_only() {
    let env = Env::new();
    let log = env.path("old.log");
    write(&log, "old1\nold2\nhalf");
    let config = TailConfig {
        start_at_end: true,
        ..env.config(&["*.log"])
    };
    let mut tailer = Tailer::new(config, None);
    assert!(env.poll(&mut tailer).is_empty());
    append(&log, "way\nnew\n");
    write(&env.path("young.log"), "y1\n");
    let want = [
        from(&env, "old.log", &["halfway", "new"]),
        from(&env, "young.log", &["y1"]),
    ];
    assert_eq!(by_file(&env.poll(&mut tailer)), want.concat());
}

#[test]
fn a_busy_file_does_not_starve_the_others() {
    let env = Env::new();
    let busy: String = (0..1000).map(|i| format!("b{i}\n")).collect();
    write(&env.path("busy.log"), busy);
    write(&env.path("quiet.log"), "q0\nq1\nq2\n");
    let mut tailer = Tailer::new(env.config(&["*.log"]), None);
    let records = tailer.poll_at(env.t0, 10, usize::MAX).unwrap().records;
    let want = ["b0", "b1", "b2", "b3", "b4", "q0", "q1", "q2", "b5", "b6"];
    assert_eq!(lines(&records), want);
    // The byte budget holds too: 12 bytes are 3 lines of 3 bytes and the
    // start of the next.
    let records = tailer.poll_at(env.t0, 10, 12).unwrap().records;
    assert_eq!(lines(&records), ["b7", "b8", "b9"]);
    let mut rest = 0;
    for _ in 0..200 {
        rest += tailer
            .poll_at(env.t0, 10, usize::MAX)
            .unwrap()
            .records
            .len();
    }
    assert_eq!(rest, 990);
}

#[test]
fn a_tailer_can_move_to_a_blocking_thread() {
    fn send<T: Send>() {}
    send::<Tailer>();
}
