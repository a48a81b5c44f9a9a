//! Prometheus 2.42's own answers, recorded from a real Prometheus 2.42
//! (`/api/v1/query`): every query of `data/parse_errors.txt` must fail with
//! exactly Prometheus' message, every query of `data/parse_ok.txt` must
//! parse. A query's newlines are written `⏎`, its tabs `⇥`; lines starting
//! with `##` are comments.
//!
//! `WATCHPOST_PROMQL_CORPUS=<file>` checks another `query<TAB>message`
//! file too (`OK` for "Prometheus accepts it"), e.g. a fresh oracle run.

use std::path::Path;
use watchpost_rulefmt::promql::{diagnose, parse_expr};

fn decode(query: &str) -> String {
    query.replace('⏎', "\n").replace('⇥', "\t")
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with("##"))
}

fn data(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Mismatches of `query<TAB>message` lines (`OK`: Prometheus accepts it).
fn mismatches(text: &str) -> (usize, Vec<String>) {
    let mut count = 0;
    let mut bad = Vec::new();
    for line in lines(text) {
        count += 1;
        let Some((query, want)) = line.split_once('\t') else {
            bad.push(format!("malformed line: {line}"));
            continue;
        };
        let got = if want == "OK" {
            diagnose(&decode(query)).unwrap_or_else(|| "OK".into())
        } else {
            match parse_expr(&decode(query)) {
                Ok(_) => "OK".into(),
                Err(e) => e,
            }
        };
        if got != want {
            bad.push(format!("{query}\n    want: {want}\n    got:  {got}"));
        }
    }
    (count, bad)
}

#[test]
fn invalid_queries_fail_as_in_prometheus() {
    let (count, bad) = mismatches(&data("parse_errors.txt"));
    assert!(count >= 150, "only {count} cases");
    assert!(
        bad.is_empty(),
        "{} of {count} differ:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn valid_queries_parse() {
    let text = data("parse_ok.txt");
    let bad: Vec<String> = lines(&text)
        .filter_map(|query| match parse_expr(&decode(query)) {
            Ok(_) => None,
            Err(e) => Some(format!("{query}\n    got: {e}")),
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} rejected:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn extra_corpus() {
    let Ok(path) = std::env::var("WATCHPOST_PROMQL_CORPUS") else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (count, bad) = mismatches(&text);
    assert!(
        bad.is_empty(),
        "{} of {count} differ:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
