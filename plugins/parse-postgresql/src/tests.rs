//! Lines from a real PostgreSQL 15.18 (Debian 12) with Debian's
//! `log_line_prefix`, `log_destination = 'stderr,csvlog'`,
//! `log_min_duration_statement`, `log_connections` and
//! `log_disconnections`: `testdata/postgresql.log` and
//! `testdata/postgresql.csv` were written by the same session.

use super::*;
use watchpost_sdk::parser::{line_batch, parse_batch};
use watchpost_sdk::testing::{TestHost, fields, parser_from_json, source_meta};

/// `2026-11-26 01:05:44.799 UTC`.
const T_010544_799: i64 = 1_795_655_144_799_000_000;

fn meta() -> SourceMeta {
    source_meta("postgresql", "/var/log/postgresql/postgresql-15-main.log")
}

fn parser(config: serde_json::Value) -> PostgresParser {
    TestHost::new().install();
    parser_from_json(config).unwrap()
}

fn stderr() -> PostgresParser {
    parser(serde_json::json!({}))
}

fn csv() -> PostgresParser {
    parser(serde_json::json!({"format": "csvlog"}))
}

fn v<'a>(value: impl Into<Value<'a>>) -> Value<'a> {
    value.into()
}

/// The rows of a csvlog file: physical lines joined while a quote is open,
/// as a source in multi-line mode hands them over.
fn csv_rows(text: &str) -> Vec<String> {
    let mut rows = Vec::new();
    let mut row = String::new();
    for line in text.lines() {
        if !row.is_empty() {
            row.push('\n');
        }
        row.push_str(line);
        if row.matches('"').count().is_multiple_of(2) {
            rows.push(std::mem::take(&mut row));
        }
    }
    rows
}

#[test]
fn slow_statements() {
    let mut p = stderr();
    let line = "2026-11-26 01:05:44.799 UTC [8001] app@maildb LOG:  duration: 150.661 ms  statement: select pg_sleep(0.15), 'a,b \"q\"' as x;";
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(T_010544_799));
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(
        r.message,
        "duration: 150.661 ms  statement: select pg_sleep(0.15), 'a,b \"q\"' as x;"
    );
    assert_eq!(
        fields(&r),
        [
            ("pid", v(8001)),
            ("user", v("app")),
            ("database", v("maildb")),
            ("error_severity", v("LOG")),
            ("duration_ms", v(150.661)),
            ("statement", v("select pg_sleep(0.15), 'a,b \"q\"' as x;")),
        ]
    );
    assert!(r.labels.is_empty());
    let r = p
        .parse(
            "2026-11-25 10:00:01.123 UTC [4321] app@maildb LOG:  duration: 1503.200 ms  execute <unnamed>: SELECT * FROM messages WHERE folder_id = $1",
            &meta(),
        )
        .unwrap();
    assert_eq!(
        fields(&r)[3..],
        [
            ("error_severity", v("LOG")),
            ("duration_ms", v(1503.2)),
            ("statement_name", v("<unnamed>")),
            (
                "statement",
                v("SELECT * FROM messages WHERE folder_id = $1")
            ),
        ]
    );
}

#[test]
fn errors_and_their_detail_lines() {
    let mut p = stderr();
    let lines = [
        "2026-11-26 01:05:44.802 UTC [8001] app@maildb ERROR:  duplicate key value violates unique constraint \"t_pkey\"",
        "2026-11-26 01:05:44.802 UTC [8001] app@maildb DETAIL:  Key (id)=(1) already exists.",
        "2026-11-26 01:05:44.802 UTC [8001] app@maildb STATEMENT:  create table t(id int primary key); insert into t values (1); insert into t values (1);",
    ];
    let r = p.parse(lines[0], &meta()).unwrap();
    assert_eq!(r.severity, Severity::Error);
    assert_eq!(
        r.message,
        "duplicate key value violates unique constraint \"t_pkey\""
    );
    let r = p.parse(lines[1], &meta()).unwrap();
    assert_eq!(
        r.severity,
        Severity::Error,
        "DETAIL takes the ERROR's severity"
    );
    assert_eq!(
        fields(&r),
        [
            ("pid", v(8001)),
            ("user", v("app")),
            ("database", v("maildb")),
            ("detail", v("Key (id)=(1) already exists.")),
        ]
    );
    let r = p.parse(lines[2], &meta()).unwrap();
    assert_eq!(r.severity, Severity::Error);
    assert_eq!(
        r.text_field("statement"),
        Some(
            "create table t(id int primary key); insert into t values (1); insert into t values (1);"
        )
    );
    let r = p
        .parse(
            "2026-11-26 01:05:44.800 UTC [8001] app@maildb ERROR:  relation \"nosuch\" does not exist at character 15",
            &meta(),
        )
        .unwrap();
    assert_eq!(
        fields(&r)[3..],
        [("error_severity", v("ERROR")), ("position", v(15))]
    );
    // A HINT of another process does not take this one's severity.
    let r = p
        .parse(
            "2026-11-26 01:05:44.900 UTC [9999] app@maildb HINT:  No function matches the given name and argument types.",
            &meta(),
        )
        .unwrap();
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(
        r.text_field("hint"),
        Some("No function matches the given name and argument types.")
    );
}

#[test]
fn authentication_failures_and_multi_line_detail() {
    let mut p = stderr();
    let r = p
        .parse(
            "2026-11-26 01:05:35.102 UTC [7953] app@maildb FATAL:  password authentication failed for user \"app\"",
            &meta(),
        )
        .unwrap();
    assert_eq!(r.severity, Severity::Critical);
    assert_eq!(r.text_field("error_severity"), Some("FATAL"));
    assert_eq!(r.message, "password authentication failed for user \"app\"");
    let r = p
        .parse(
            "2026-11-26 01:05:35.102 UTC [7953] app@maildb DETAIL:  Role \"app\" does not exist.",
            &meta(),
        )
        .unwrap();
    assert_eq!(r.severity, Severity::Critical);
    // The DETAIL's second line, tab-indented, without a prefix.
    let r = p
        .parse(
            "\tConnection matched pg_hba.conf line 87: \"host    all             all             127.0.0.1/32            scram-sha-256\"",
            &meta(),
        )
        .unwrap();
    assert_eq!(r.severity, Severity::Critical);
    assert_eq!(r.timestamp_ns, Some(1_795_655_135_102_000_000));
    assert_eq!(fields(&r), [("continuation", v(true)), ("pid", v(7953))]);
    assert!(r.message.starts_with("Connection matched"));
}

#[test]
fn connections_and_server_processes() {
    let mut p = stderr();
    let r = p
        .parse(
            "2026-11-26 01:05:35.058 UTC [7951] [unknown]@[unknown] LOG:  connection received: host=127.0.0.1 port=55972",
            &meta(),
        )
        .unwrap();
    assert_eq!(
        fields(&r),
        [
            ("pid", v(7951)),
            ("error_severity", v("LOG")),
            ("client_host", v("127.0.0.1")),
            ("client_port", v(55972)),
        ]
    );
    let r = p
        .parse(
            "2026-11-26 01:05:44.982 UTC [8005] app@maildb LOG:  connection authorized: user=app database=maildb application_name=mailer",
            &meta(),
        )
        .unwrap();
    assert_eq!(
        fields(&r),
        [
            ("pid", v(8005)),
            ("user", v("app")),
            ("database", v("maildb")),
            ("error_severity", v("LOG")),
            ("application_name", v("mailer")),
        ]
    );
    let r = p
        .parse(
            "2026-11-26 01:05:45.184 UTC [8005] app@maildb LOG:  disconnection: session time: 0:00:00.208 user=app database=maildb host=127.0.0.1 port=47602",
            &meta(),
        )
        .unwrap();
    assert_eq!(
        fields(&r)[3..],
        [
            ("error_severity", v("LOG")),
            ("session_seconds", v(0.208)),
            ("client_host", v("127.0.0.1")),
            ("client_port", v(47602)),
        ]
    );
    // The postmaster and checkpointer have no session: the prefix stops at %q.
    let r = p
        .parse(
            "2026-11-26 01:05:35.291 UTC [7928] LOG:  checkpoint complete: wrote 7 buffers (0.0%); 0 WAL file(s) added, 0 removed, 0 recycled; write=0.001 s, sync=0.001 s, total=0.003 s; sync files=6, longest=0.001 s, average=0.001 s; distance=3 kB, estimate=3 kB",
            &meta(),
        )
        .unwrap();
    assert_eq!(fields(&r), [("pid", v(7928)), ("error_severity", v("LOG"))]);
    assert!(r.message.starts_with("checkpoint complete"));
}

#[test]
fn severities() {
    let mut p = stderr();
    for (word, severity) in [
        ("DEBUG", Severity::Debug),
        ("LOG", Severity::Info),
        ("INFO", Severity::Info),
        ("NOTICE", Severity::Notice),
        ("WARNING", Severity::Warning),
        ("ERROR", Severity::Error),
        ("FATAL", Severity::Critical),
        ("PANIC", Severity::Emergency),
    ] {
        let line = format!("2026-11-25 10:00:01.000 UTC [1] {word}:  x");
        assert_eq!(
            p.parse(&line, &meta()).unwrap().severity,
            severity,
            "{word}"
        );
    }
}

#[test]
fn custom_prefixes() {
    // `%e` puts the SQLSTATE in stderr lines too.
    let mut p = parser(serde_json::json!({
        "log_line_prefix": "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h %e ",
        "timezone": "+01:00",
    }));
    let r = p
        .parse(
            "2026-11-25 11:00:01 CET [4321]: [7-1] user=app,db=maildb,app=psql,client=10.0.0.9 42P01 ERROR:  relation \"x\" does not exist at character 15",
            &meta(),
        )
        .unwrap();
    assert_eq!(r.timestamp_ns, Some(1_795_600_801_000_000_000));
    assert_eq!(
        fields(&r),
        [
            ("pid", v(4321)),
            ("session_line", v(7)),
            ("user", v("app")),
            ("database", v("maildb")),
            ("application_name", v("psql")),
            ("client_host", v("10.0.0.9")),
            ("sql_state", v("42P01")),
            ("error_severity", v("ERROR")),
            ("position", v(15)),
        ]
    );
    // An unknown abbreviation is read in the configured offset.
    let r = p
        .parse(
            "2026-11-25 11:00:01 XYZT [1]: [1-1] user=,db=,app=,client= 00000 LOG:  x",
            &meta(),
        )
        .unwrap();
    assert_eq!(r.timestamp_ns, Some(1_795_600_801_000_000_000));
    assert_eq!(
        r.fields.len(),
        4,
        "empty escapes add nothing: {:?}",
        r.fields
    );
    TestHost::new().install();
    for bad in [
        serde_json::json!({"log_line_prefix": "%m %z "}),
        serde_json::json!({"format": "jsonlog"}),
        serde_json::json!({"timezone": "CET"}),
        serde_json::json!({"prefix": "%m "}),
    ] {
        let built = parser_from_json::<PostgresParser>(bad.clone());
        assert!(built.is_err(), "{bad}");
    }
}

#[test]
fn csvlog_rows() {
    let mut p = csv();
    let row = r#"2026-11-26 01:05:44.799 UTC,"app","maildb",8001,"127.0.0.1:47586",6b0785e8.1f41,4,"SELECT",2026-11-26 01:05:44 UTC,3/0,0,LOG,00000,"duration: 150.661 ms  statement: select pg_sleep(0.15), 'a,b ""q""' as x;",,,,,,,,,"psql","client backend",,0"#;
    let r = p.parse(row, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(T_010544_799));
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(
        r.message,
        "duration: 150.661 ms  statement: select pg_sleep(0.15), 'a,b \"q\"' as x;"
    );
    assert_eq!(
        r.labels,
        [(
            Cow::Borrowed("backend_type"),
            Cow::Borrowed("client backend")
        )]
    );
    assert_eq!(
        fields(&r),
        [
            ("user", v("app")),
            ("database", v("maildb")),
            ("pid", v(8001)),
            ("client_host", v("127.0.0.1")),
            ("client_port", v(47586)),
            ("session_id", v("6b0785e8.1f41")),
            ("session_line", v(4)),
            ("command_tag", v("SELECT")),
            ("session_start", Value::Timestamp(1_795_655_144_000_000_000)),
            ("vxid", v("3/0")),
            ("error_severity", v("LOG")),
            ("sql_state", v("00000")),
            ("application_name", v("psql")),
            ("backend_type", v("client backend")),
            ("duration_ms", v(150.661)),
            ("statement", v("select pg_sleep(0.15), 'a,b \"q\"' as x;")),
        ]
    );
    let row = r#"2026-11-26 01:05:44.800 UTC,"app","maildb",8001,"127.0.0.1:47586",6b0785e8.1f41,5,"SELECT",2026-11-26 01:05:44 UTC,3/18,0,ERROR,42P01,"relation ""nosuch"" does not exist",,,,,,"select * from nosuch;",15,,"psql","client backend",,0"#;
    let r = p.parse(row, &meta()).unwrap();
    assert_eq!(r.severity, Severity::Error);
    assert_eq!(r.message, "relation \"nosuch\" does not exist");
    assert_eq!(
        fields(&r)[10..13],
        [
            ("error_severity", v("ERROR")),
            ("sql_state", v("42P01")),
            ("statement", v("select * from nosuch;")),
        ]
    );
    assert_eq!(fields(&r)[13], ("position", v(15)));
    let row = r#"2026-11-26 01:05:45.374 UTC,"app","maildb",8027,"127.0.0.1:47614",6b0785e9.1f5b,2,"authentication",2026-11-26 01:05:45 UTC,3/28,0,FATAL,28P01,"password authentication failed for user ""app""","Connection matched pg_hba.conf line 87: ""host    all             all             127.0.0.1/32            scram-sha-256""",,,,,,,,"","client backend",,0"#;
    let r = p.parse(row, &meta()).unwrap();
    assert_eq!(r.severity, Severity::Critical);
    assert_eq!(r.text_field("sql_state"), Some("28P01"));
    assert!(
        r.text_field("detail")
            .unwrap()
            .starts_with("Connection matched pg_hba.conf line 87: \"host")
    );
    // A server process: no user, database or client.
    let row = r#"2026-11-26 01:05:28.623 UTC,,,7926,,6b0785d8.1ef6,1,,2026-11-26 01:05:28 UTC,,0,LOG,00000,"starting PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14+deb12u1) 12.2.0, 64-bit",,,,,,,,,"","postmaster",,0"#;
    let r = p.parse(row, &meta()).unwrap();
    assert_eq!(r.labels[0].1, "postmaster");
    assert_eq!(fields(&r)[0], ("pid", v(7926)));
    // A statement spanning lines, joined by the source.
    let row = "2026-11-26 01:05:44.949 UTC,\"app\",\"maildb\",8003,\"127.0.0.1:47594\",6b0785e8.1f43,4,\"SELECT\",2026-11-26 01:05:44 UTC,3/0,0,LOG,00000,\"duration: 111.702 ms  statement: select 'multi\nline', pg_sleep(0.11);\",,,,,,,,,\"psql\",\"client backend\",,0";
    let r = p.parse(row, &meta()).unwrap();
    assert_eq!(
        r.text_field("statement"),
        Some("select 'multi\nline', pg_sleep(0.11);")
    );
    // PostgreSQL 12 writes 23 columns.
    let row = r#"2026-11-25 10:00:01.000 UTC,"app","maildb",1,"[local]",x.1,1,"idle",2026-11-25 10:00:00 UTC,,0,LOG,00000,"statement: BEGIN",,,,,,,,,"psql""#;
    let r = p.parse(row, &meta()).unwrap();
    assert_eq!(r.text_field("client_host"), Some("[local]"));
    assert_eq!(r.text_field("statement"), Some("BEGIN"));
}

#[test]
fn the_real_logs_parse_whole() {
    let mut p = stderr();
    let text = include_str!("../testdata/postgresql.log");
    let lines: Vec<_> = text.lines().collect();
    for line in &lines {
        let r = p
            .parse(line, &meta())
            .unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(r.timestamp_ns.is_some(), "{line}");
        assert!(matches!(r.message, Cow::Borrowed(_)));
        for (_, value) in &r.fields {
            assert!(!matches!(value, Value::Text(Cow::Owned(_))), "{line}");
        }
    }
    let out = parse_batch(&mut p, &line_batch(meta(), &lines));
    assert!(out.records.iter().all(|r| r.parse_error.is_none()));
    assert!(out.arena.len() < 300, "names only: {}", out.arena);

    let mut p = csv();
    let rows = csv_rows(include_str!("../testdata/postgresql.csv"));
    assert_eq!(rows.len(), 74, "as Python's csv module reads the file");
    let mut durations = 0;
    for row in &rows {
        let r = p
            .parse(row, &meta())
            .unwrap_or_else(|e| panic!("{row}: {e}"));
        assert!(r.text_field("backend_type").is_some(), "{row}");
        durations += r.fields.iter().filter(|(k, _)| k == "duration_ms").count();
    }
    assert_eq!(durations, 5);
    // Without multi-line joining the first half of a split row is an error.
    let text = include_str!("../testdata/postgresql.csv");
    let split = text.lines().find(|l| l.ends_with("select 'multi")).unwrap();
    assert!(
        p.parse(split, &meta())
            .unwrap_err()
            .contains("unterminated quote in column 14 (message)")
    );
}

#[test]
fn junk_is_an_error_and_never_panics() {
    let long = "z".repeat(10_000);
    let junk = [
        "",
        " ",
        "\u{0}\u{1}\u{fffd}binary",
        long.as_str(),
        "2026-11-26 01:05:44.799 UTC",
        "2026-11-26 01:05:44.799 UTC [8001]",
        "2026-11-26 01:05:44.799 UTC [8001] app@maildb",
        "2026-11-26 01:05:44.799 UTC [8001] app@maildb LOG: one space",
        "2026-11-26 01:05:44.799 UTC [8001] app@maildb SHOUT:  x",
        "2026-11-26 01:05:44.799 UTC [abc] LOG:  x",
        "2026-13-26 01:05:44.799 UTC [1] LOG:  x",
        "[2026-11-26 01:05:44,799: INFO/MainProcess] celery",
    ];
    let mut p = stderr();
    for bad in junk {
        assert!(p.parse(bad, &meta()).is_err(), "{bad:?}");
    }
    let mut c = csv();
    for bad in junk.iter().chain(&[
        "a,b,c",
        "2026-11-26 01:05:44.799 UTC,,,1,,x,1,,,,0,SHOUT,00000,\"m\",,,,,,,,,\"\",\"b\",,0",
        "not a time,,,1,,x,1,,,,0,LOG,00000,\"m\",,,,,,,,,\"\",\"b\",,0",
    ]) {
        assert!(c.parse(bad, &meta()).is_err(), "{bad:?}");
    }
    let long_line =
        format!("2026-11-26 01:05:44.799 UTC [8001] app@maildb LOG:  statement: {long}");
    assert_eq!(
        p.parse(&long_line, &meta())
            .unwrap()
            .text_field("statement"),
        Some(long.as_str())
    );
    for (parser, text) in [
        (&mut p, include_str!("../testdata/postgresql.log")),
        (&mut c, include_str!("../testdata/postgresql.csv")),
    ] {
        for line in text.lines().take(70).skip(40) {
            for (i, ch) in line.char_indices() {
                let _ = parser.parse(&line[..i], &meta());
                for r in ['"', ',', ' ', ':', '[', ']', '@', '\t', '\u{e9}'] {
                    let mut mutated = line.to_string();
                    mutated.replace_range(i..i + ch.len_utf8(), r.encode_utf8(&mut [0; 4]));
                    let _ = parser.parse(&mutated, &meta());
                }
            }
        }
    }
}
