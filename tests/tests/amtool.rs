//! `amtool` (Debian's `prometheus-alertmanager` 0.25) against Watchpost and
//! against the real Alertmanager, side by side: adding an alert, adding,
//! querying and expiring a silence, listing alerts with and without the
//! silenced ones, and showing the configuration. The outputs must agree
//! once silence ids and times are masked.

mod support;

use std::process::Command;
use support::{Server, peer_binary};

const CONFIG: &str = "route:\n  receiver: ops\n  group_wait: 1h\nreceivers:\n  - name: ops\n";

/// Runs amtool against `base`: (exit code, stdout with ids and times masked).
fn amtool(base: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(peer_binary("amtool", "prometheus-alertmanager"))
        .arg(format!("--alertmanager.url={base}"))
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let uuid = regex_lite(&text);
    (out.status.code().unwrap_or(-1), uuid)
}

/// Masks UUIDs and `YYYY-MM-DD HH:MM:SS UTC` times.
fn regex_lite(text: &str) -> String {
    let mut out = String::new();
    for word in text.split_inclusive(|c: char| c.is_whitespace()) {
        let w = word.trim_end();
        let masked = if w.len() == 36 && w.chars().filter(|c| *c == '-').count() == 4 {
            "<id>".to_string()
        } else if w.len() == 10
            && w.as_bytes().get(4) == Some(&b'-')
            && w.as_bytes().get(7) == Some(&b'-')
        {
            "<date>".to_string()
        } else if w.len() == 8
            && w.as_bytes().get(2) == Some(&b':')
            && w.as_bytes().get(5) == Some(&b':')
        {
            "<time>".to_string()
        } else {
            w.to_string()
        };
        out.push_str(&masked);
        out.push_str(&word[w.len()..]);
    }
    out
}

fn first_id(base: &str) -> String {
    let out = Command::new(peer_binary("amtool", "prometheus-alertmanager"))
        .arg(format!("--alertmanager.url={base}"))
        .args(["silence", "query", "-q"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// The whole session against `base`, as (command, exit, masked output).
fn session(base: &str) -> Vec<(String, i32, String)> {
    let mut log = Vec::new();
    let mut run = |args: &[&str]| {
        let (code, out) = amtool(base, args);
        log.push((args.join(" "), code, out));
    };
    run(&[
        "alert",
        "add",
        "Foo",
        "instance=ab",
        "severity=page",
        "--annotation=summary=hi",
    ]);
    run(&[
        "alert",
        "add",
        "Bar",
        "instance=cd",
        "--annotation=summary=there",
    ]);
    run(&[
        "silence",
        "add",
        "alertname=Foo",
        "instance=~a.*",
        "--comment=maint",
        "--author=me",
        "--duration=1h",
    ]);
    run(&["silence", "query"]);
    run(&["silence", "query", "alertname=Foo"]);
    run(&["alert", "query"]);
    run(&["alert", "query", "-s"]);
    run(&["alert", "query", "alertname=Bar"]);
    let id = first_id(base);
    run(&["silence", "expire", &id]);
    run(&["silence", "query"]);
    run(&["silence", "query", "-e"]);
    run(&["alert", "query"]);
    log
}

#[test]
fn amtool_works_against_watchpost_as_against_alertmanager() {
    let dir = tempfile::tempdir().unwrap();
    let (_am, am) = support::start_alertmanager(dir.path(), CONFIG);
    let server = Server::start_alerting(dir.path(), CONFIG);

    let theirs = session(&am);
    let ours = session(&server.base);
    for ((cmd, code, out), (_, their_code, their_out)) in ours.iter().zip(&theirs) {
        assert_eq!(
            (code, out),
            (their_code, their_out),
            "amtool {cmd}\n--- watchpost ---\n{out}\n--- alertmanager ---\n{their_out}\n{}",
            server.log_text()
        );
    }
    // The sessions did something: Foo was listed as suppressed, then active.
    assert!(ours[6].2.contains("suppressed"), "{}", ours[6].2);
    assert!(ours[11].2.contains("Foo"), "{}", ours[11].2);

    let (code, shown) = amtool(&server.base, &["config", "show"]);
    assert_eq!(code, 0);
    assert!(shown.contains("receiver: ops"), "{shown}");
}
