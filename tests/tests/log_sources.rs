//! File sources end to end: lines written across a rename rotation, a
//! copytruncate and a `kill -9` of Watchpost arrive exactly once, parsed by
//! a stock parser plugin (logfmt) into fields LogQL can filter on; a parser
//! or a source changed by a reload takes over without losing or repeating a
//! line.

mod support;

use std::io::Write;
use std::time::Duration;
use support::{Server, encode, free_port, wait_for};

fn manifest(dir: &std::path::Path, port: u16, parser_labels: &str) -> std::path::PathBuf {
    let path = dir.join("watchpost.toml");
    std::fs::write(
        &path,
        format!(
            r#"[server]
listen = "127.0.0.1:{port}"

[[plugin]]
name = "logfmt"
kind = "parser"
path = "logfmt"
[plugin.config]
labels = [{parser_labels}]

[[source]]
name = "app"
type = "file"
paths = ["{}/app.log*"]
parser = "logfmt"
labels = {{ job = "app" }}
poll_interval = "50ms"
"#,
            dir.display()
        ),
    )
    .unwrap();
    path
}

fn append(path: &std::path::Path, from: usize, to: usize) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    for i in from..to {
        writeln!(
            f,
            "level=info msg=\"request served\" seq={i} status={}",
            200 + i % 3
        )
        .unwrap();
    }
}

/// Every `seq` stored, in order, with how often.
fn seqs(server: &Server) -> Vec<(u64, usize)> {
    let v = server.json(&format!(
        "/loki/api/v1/query_range?limit=100000&direction=forward&start=0&query={}",
        encode(r#"{job="app"}"#)
    ));
    let mut counts = std::collections::BTreeMap::new();
    for stream in v["data"]["result"].as_array().unwrap() {
        let seq: u64 = stream["stream"]["seq"].as_str().unwrap().parse().unwrap();
        *counts.entry(seq).or_insert(0) += stream["values"].as_array().unwrap().len();
    }
    counts.into_iter().collect()
}

fn expect_all(server: &Server, n: usize) {
    let done = wait_for(Duration::from_secs(30), || seqs(server).len() >= n);
    let got = seqs(server);
    assert!(done, "only {} of {n} lines arrived", got.len());
    let want: Vec<(u64, usize)> = (0..n as u64).map(|s| (s, 1)).collect();
    assert_eq!(got, want, "each line exactly once");
}

#[test]
fn lines_across_rotation_truncation_and_a_crash_arrive_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let manifest = manifest(dir.path(), port, "");
    let log = dir.path().join("app.log");
    append(&log, 0, 100);
    let server = Server::start(&manifest, port);
    expect_all(&server, 100);

    // Parsed fields are labels to LogQL; the level is the entry's.
    let v = server.json(&format!(
        "/loki/api/v1/query_range?limit=1000&start=0&query={}",
        encode(r#"{job="app", filename=~".*app.log"} | status="201" | level="info""#)
    ));
    let n: usize = v["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["values"].as_array().unwrap().len())
        .sum();
    assert_eq!(n, 33, "{v}");

    // Rename rotation, with the writer still appending to the old file.
    std::fs::rename(&log, dir.path().join("app.log.1")).unwrap();
    append(&dir.path().join("app.log.1"), 100, 110);
    append(&log, 110, 150);
    expect_all(&server, 150);

    // copytruncate.
    std::fs::copy(&log, dir.path().join("copy.bak")).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&log)
        .unwrap()
        .set_len(0)
        .unwrap();
    append(&log, 150, 200);
    expect_all(&server, 200);

    // kill -9 while lines keep coming; the rest is read after the restart.
    server.kill9();
    append(&log, 200, 300);
    let server = Server::start(&manifest, port);
    expect_all(&server, 300);
    assert_eq!(
        server.metric("watchpost_source_parse_errors_total{source=\"app\"}"),
        Some(0.0)
    );
}

#[test]
fn reloaded_parsers_and_sources_take_over_without_losing_or_repeating_lines() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let path = manifest(dir.path(), port, "");
    let log = dir.path().join("app.log");
    append(&log, 0, 50);
    let server = Server::start(&path, port);
    expect_all(&server, 50);
    // The new parser indexes `status` as a stream label.
    manifest(dir.path(), port, "\"status\"");
    let (status, body) = server.post("/-/reload");
    assert_eq!(status, 200, "{body}");
    append(&log, 50, 100);
    expect_all(&server, 100);
    // A changed source restarts from its stored position: a new label, and
    // still every line once.
    let text = std::fs::read_to_string(dir.path().join("watchpost.toml")).unwrap();
    std::fs::write(
        dir.path().join("watchpost.toml"),
        text.replace(
            r#"labels = { job = "app" }"#,
            r#"labels = { job = "app", env = "test" }"#,
        ),
    )
    .unwrap();
    let (status, body) = server.post("/-/reload");
    assert_eq!(status, 200, "{body}");
    append(&log, 100, 150);
    expect_all(&server, 150);
    let v = server.json(&format!(
        "/loki/api/v1/series?start=0&match[]={}",
        encode(r#"{job="app", env="test"}"#)
    ));
    assert!(!v["data"].as_array().unwrap().is_empty(), "{v}");
    let series = server.json(&format!(
        "/loki/api/v1/series?start=0&match[]={}",
        encode(r#"{job="app", status="202"}"#)
    ));
    assert!(
        !series["data"].as_array().unwrap().is_empty(),
        "lines after the reload carry the new label: {series}"
    );
}
