//! The LogQL corpus: every query of `host/tests/golden/logql/queries.txt`
//! over the fixed log set `logs.jsonl`, its Loki-shaped JSON (the bodies
//! `query_range` serves, stats removed) compared with `<name>.json`.
//! `WATCHPOST_BLESS=1` rewrites the golden files (review the diff).

use super::query::{metric_json, streams_json};
use crate::log_query;
use crate::storage::logs::{Direction, FieldValue, LogEntry, LogStore, LogStoreConfig};
use crate::storage::metrics::Labels;
use std::path::PathBuf;

/// 2026-11-25T10:00:00Z.
const BASE_NS: i64 = 1_795_600_800 * 1_000_000_000;
const S: i64 = 1_000_000_000;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/logql")
}

fn load(store: &LogStore) {
    let text = std::fs::read_to_string(dir().join("logs.jsonl")).unwrap();
    let mut entries = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let labels = v["labels"].as_object().unwrap();
        let fields = v["fields"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, f)| {
                let value = match f {
                    serde_json::Value::String(s) => FieldValue::Text(s.clone()),
                    serde_json::Value::Number(n) if n.is_i64() => {
                        FieldValue::Integer(n.as_i64().unwrap())
                    }
                    serde_json::Value::Number(n) => FieldValue::Float(n.as_f64().unwrap()),
                    other => FieldValue::Text(other.to_string()),
                };
                (k.clone(), value)
            })
            .collect();
        entries.push(LogEntry {
            index: labels["job"].as_str().unwrap().into(),
            ts_ns: BASE_NS + v["t"].as_i64().unwrap() * S,
            stream: Labels::stream(
                labels
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str().unwrap())),
            )
            .unwrap(),
            line: v["line"].as_str().unwrap().to_string(),
            fields,
        });
    }
    let out = store.append(entries).unwrap();
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
}

struct Case {
    name: String,
    spec: Vec<String>,
    query: String,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(dir().join("queries.txt")).unwrap();
    let mut out = Vec::new();
    for block in text.split("\n== ").skip(1) {
        let mut lines = block.lines();
        let name = lines.next().unwrap().trim().to_string();
        let spec = lines
            .next()
            .unwrap()
            .split_whitespace()
            .map(String::from)
            .collect();
        let query = lines.next().unwrap().to_string();
        out.push(Case { name, spec, query });
    }
    out
}

fn run(store: &LogStore, case: &Case) -> serde_json::Value {
    let n = |i: usize| case.spec[i].parse::<i64>().unwrap();
    let body = match case.spec[0].as_str() {
        "logs" => {
            let selector = log_query::parse_log_query(&case.query).unwrap();
            let direction = if case.spec[4] == "forward" {
                Direction::Forward
            } else {
                Direction::Backward
            };
            let r = log_query::select(
                store,
                &selector,
                BASE_NS + n(1) * S,
                BASE_NS + n(2) * S,
                n(3) as usize,
                direction,
            )
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
            streams_json(&r, 0.0)
        }
        "range" => {
            let watchpost_logql::Expr::Sample(expr) = log_query::parse_query(&case.query).unwrap()
            else {
                panic!("{}: not a metric query", case.name)
            };
            let r = log_query::eval(
                store,
                &expr,
                BASE_NS + n(1) * S,
                BASE_NS + n(2) * S,
                n(3) * S,
            )
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
            metric_json(&r, false, 0.0)
        }
        other => panic!("{}: unknown kind {other}", case.name),
    };
    let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["data"].as_object_mut().unwrap().remove("stats");
    v
}

#[test]
fn the_logql_corpus_matches_its_golden_json() {
    let tmp = tempfile::tempdir().unwrap();
    let store = LogStore::open(LogStoreConfig {
        retention: std::time::Duration::from_secs(100 * 365 * 86_400),
        ..LogStoreConfig::new(tmp.path().to_path_buf())
    })
    .unwrap();
    load(&store);
    // Half the corpus from the index, half from memory would hide nothing:
    // commit so the index answers, as it does in production.
    store.commit().unwrap();
    let bless = std::env::var_os("WATCHPOST_BLESS").is_some();
    let mut failures = Vec::new();
    let cases = cases();
    assert!(cases.len() >= 25, "the corpus lost cases");
    for case in &cases {
        let got = run(&store, case);
        let path = dir().join(format!("{}.json", case.name));
        let pretty = serde_json::to_string_pretty(&got).unwrap() + "\n";
        if bless {
            std::fs::write(&path, &pretty).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(want) if want == pretty => {}
            Ok(want) => failures.push(format!("{}:\n--- want\n{want}--- got\n{pretty}", case.name)),
            Err(_) => failures.push(format!(
                "{}: {} missing (WATCHPOST_BLESS=1)",
                case.name,
                path.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
