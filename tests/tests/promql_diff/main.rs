//! Differential test of Watchpost's PromQL API against the real Prometheus
//! 2.42 (Debian's `prometheus`): the same generated data set is remote-written
//! to both, then every query of `tests/data/promql-diff/queries.txt` is asked
//! of both and the JSON answers compared (see `compare`). One line is
//! printed per differing query; any difference fails the test.
//!
//! ```text
//! cargo build -p watchpost
//! cargo test -p watchpost-e2e --test promql_diff -- --nocapture
//! ```
//!
//! - `WATCHPOST_DIFF_SELF_CHECK=1` compares Prometheus with itself (GET
//!   against POST), to validate the generator, the corpus and the comparer
//!   without Watchpost's query API; Watchpost is then started (and its
//!   ingestion checked) only when `WATCHPOST_BIN` is set.
//! - `WATCHPOST_DIFF_ONLY=<text>` runs only the queries containing `<text>`.
//! - `WATCHPOST_DIFF_DUMP=<dir>` writes both answers of every query to
//!   `<dir>/L<line>.prometheus.json` and `<dir>/L<line>.candidate.json`.
//!
//! - `WATCHPOST_DIFF_RANDOM=<n>` adds `n` random queries (default
//!   [`RANDOM_QUERIES`]) drawn from a seeded PromQL grammar (`random`);
//!   `WATCHPOST_DIFF_SEED=<u64>` draws another set.
//!
//! Whatever the mode, each query's corpus marker (`!error`, `!empty`) is
//! checked against Prometheus, so the corpus cannot silently rot.

#[path = "../support/mod.rs"]
mod support;

mod compare;
mod corpus;
mod data;
mod grafana;
mod random;
mod remote_write;
mod rng;

use compare::Verdict;
use corpus::{Expect, Query, When};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use support::{Server, agent, encode, get, wait_for};

/// The corpus, relative to the e2e crate.
const CORPUS: &str = "data/promql-diff/queries.txt";
/// The issue asks for at least this many queries.
const MIN_QUERIES: usize = 150;
/// Random queries asked besides the corpus, unless `WATCHPOST_DIFF_RANDOM`
/// says otherwise.
const RANDOM_QUERIES: usize = 300;
/// Their default seed.
const RANDOM_SEED: u64 = 42;
/// Random queries with one small edit each (mostly invalid: both parsers
/// must refuse them, in the same words), unless `WATCHPOST_DIFF_MUTATED`
/// says otherwise.
const MUTATED_QUERIES: usize = 300;

/// Unix seconds with milliseconds, as the API takes them.
fn seconds(ms: i64) -> String {
    format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000))
}

/// Asks `server` one corpus query, as a GET or as a POST form. Answers that
/// are not JSON become a JSON string naming the HTTP status.
fn ask(agent: &ureq::Agent, server: &str, base: i64, q: &Query, post: bool) -> Value {
    let (path, mut params) = match q.when {
        When::Instant(t) => ("/api/v1/query", vec![("time", seconds(base + t))]),
        When::Range { start, end, step } => (
            "/api/v1/query_range",
            vec![
                ("start", seconds(base + start)),
                ("end", seconds(base + end)),
                ("step", seconds(step)),
            ],
        ),
    };
    params.insert(0, ("query", corpus::expand(&q.expr, base)));
    let url = format!("{server}{path}");
    let sent = if post {
        agent.post(&url).send_form(params)
    } else {
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        agent.get(&format!("{url}?{}", query.join("&"))).call()
    };
    let mut resp = sent.unwrap_or_else(|e| panic!("{url} (line {}): {e}", q.line));
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_string().unwrap_or_default();
    serde_json::from_str(&body).unwrap_or_else(|_| json!(format!("HTTP {status}: {body}")))
}

/// Why Prometheus' answer contradicts the corpus marker, if it does.
fn corpus_mistake(q: &Query, answer: &Value) -> Option<String> {
    let status = answer["status"].as_str();
    let result = &answer["data"]["result"];
    match &q.expect {
        Expect::Unknown => None,
        Expect::Error(_) if status != Some("error") => {
            Some(format!("marked !error but Prometheus answered {status:?}"))
        }
        Expect::Error(Some(kind)) if answer["errorType"] != kind.as_str() => Some(format!(
            "marked !error={kind} but Prometheus says {}: {}",
            answer["errorType"], answer["error"]
        )),
        Expect::Error(_) => None,
        Expect::Success { .. } if status != Some("success") => Some(format!(
            "Prometheus refused it: {} {}",
            answer["errorType"], answer["error"]
        )),
        Expect::Success { empty } => {
            let is_empty = result.as_array().is_some_and(|r| r.is_empty());
            (is_empty != *empty).then(|| {
                if *empty {
                    "marked !empty but Prometheus returned series".to_string()
                } else {
                    "empty result; mark it !empty if that is intended".to_string()
                }
            })
        }
    }
}

/// Waits until Prometheus lists every series, then checks each family's
/// sample count.
fn check_prometheus_has(url: &str, series: &[data::Series], base: i64) {
    let agent = agent();
    let series_url = format!(
        "{url}/api/v1/series?match[]={}&start={}&end={}",
        encode("{__name__=~\".+\"}"),
        seconds(base - 3_600_000),
        seconds(base + 3_600_000 * 2)
    );
    let listed = || {
        get(&series_url)
            .ok()
            .and_then(|(_, body)| serde_json::from_str::<Value>(&body).ok())
            .and_then(|v| v["data"].as_array().map(Vec::len))
            .unwrap_or(0)
    };
    assert!(
        wait_for(Duration::from_secs(60), || listed() == series.len()),
        "Prometheus lists {} series, expected {}",
        listed(),
        series.len()
    );
    let mut expected: std::collections::BTreeMap<&str, usize> = Default::default();
    for s in series {
        let real = s
            .samples
            .iter()
            .filter(|(_, v)| v.to_bits() != data::STALE_BITS);
        *expected.entry(s.name()).or_default() += real.count();
    }
    for (name, count) in expected {
        let q = Query {
            line: 0,
            when: When::Instant(66 * 60_000),
            expr: format!("sum(count_over_time({name}[2h]))"),
            expect: Expect::Success { empty: false },
        };
        let answer = ask(&agent, url, base, &q, false);
        assert_eq!(
            answer["data"]["result"][0]["value"][1],
            count.to_string(),
            "samples of {name} in Prometheus"
        );
    }
}

/// Waits until Watchpost's raw API holds every series and sample.
fn check_watchpost_has(server: &Server, series: &[data::Series]) {
    let samples: usize = series.iter().map(|s| s.samples.len()).sum();
    let stored = || {
        let raw = server.raw("{__name__=~\".+\"}");
        let points = raw
            .iter()
            .map(|s| s["values"].as_array().map_or(0, Vec::len));
        (raw.len(), points.sum::<usize>())
    };
    assert!(
        wait_for(Duration::from_secs(60), || stored()
            == (series.len(), samples)),
        "Watchpost holds (series, samples) {:?}, expected {:?}; log:\n{}",
        stored(),
        (series.len(), samples),
        server.log_text()
    );
}

#[test]
fn promql_answers_match_prometheus() {
    let self_check = std::env::var("WATCHPOST_DIFF_SELF_CHECK").is_ok_and(|v| v == "1");
    let only = std::env::var("WATCHPOST_DIFF_ONLY").unwrap_or_default();
    let dump = std::env::var_os("WATCHPOST_DIFF_DUMP").map(std::path::PathBuf::from);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    let mut queries = corpus::parse(&std::fs::read_to_string(&path).unwrap());
    assert!(
        queries.len() >= MIN_QUERIES,
        "only {} queries",
        queries.len()
    );
    let env_number = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
    let random = env_number("WATCHPOST_DIFF_RANDOM").unwrap_or(RANDOM_QUERIES as u64);
    let seed = env_number("WATCHPOST_DIFF_SEED").unwrap_or(RANDOM_SEED);
    // Numbered past the corpus' lines, so a DIFF line tells them apart.
    queries.extend(random::queries(seed, random as usize, 100_000, false));
    let mutated = env_number("WATCHPOST_DIFF_MUTATED").unwrap_or(MUTATED_QUERIES as u64);
    queries.extend(random::queries(seed, mutated as usize, 200_000, true));

    let dir = tempfile::tempdir().unwrap();
    let base = data::base_now();
    let series = data::generate(base);
    let batches = remote_write::batches(&series, base);
    let (_prometheus, prom) =
        support::start_prometheus(dir.path(), "global:\n  scrape_interval: 1m\n");
    remote_write::send(&format!("{prom}/api/v1/write"), &batches);
    check_prometheus_has(&prom, &series, base);
    let watchpost = (!self_check || std::env::var_os("WATCHPOST_BIN").is_some()).then(|| {
        let server = Server::start_bare(dir.path());
        remote_write::send(&format!("{}/api/v1/write", server.base), &batches);
        check_watchpost_has(&server, &series);
        server
    });
    let candidate = match (&watchpost, self_check) {
        (Some(server), false) => server.base.clone(),
        _ => prom.clone(),
    };
    println!(
        "promql-diff: {} series, base {} ({}), candidate {}",
        series.len(),
        seconds(base),
        if self_check {
            "self-check"
        } else {
            "watchpost"
        },
        candidate
    );

    let agent = agent();
    let (mut asked, mut differ, mut worded, mut mistakes) = (0, Vec::new(), Vec::new(), Vec::new());
    for (i, q) in queries
        .iter()
        .enumerate()
        .filter(|(_, q)| q.expr.contains(&only))
    {
        asked += 1;
        let reference = ask(&agent, &prom, base, q, false);
        if let Some(m) = corpus_mistake(q, &reference) {
            mistakes.push(format!("line {}: {}: {m}", q.line, q.expr));
        }
        let answer = ask(&agent, &candidate, base, q, i % 2 == 1);
        if let Some(dir) = &dump {
            std::fs::create_dir_all(dir).unwrap();
            for (side, v) in [("prometheus", &reference), ("candidate", &answer)] {
                let text = serde_json::to_string_pretty(v).unwrap();
                std::fs::write(dir.join(format!("L{}.{side}.json", q.line)), text).unwrap();
            }
        }
        let at = format!("line {} {}: {}", q.line, q.when, q.expr);
        match compare::compare(&reference, &answer, corpus::ordered(q)) {
            Verdict::Equal => {}
            Verdict::MessageDiffers {
                reference,
                candidate,
            } => {
                worded.push(format!(
                    "{at}\n    prometheus: {reference}\n    candidate:  {candidate}"
                ));
            }
            Verdict::Differs(diff) => differ.push(format!("{at}  =>  {diff}")),
        }
    }
    // Grafana's own requests, when there is a candidate to compare.
    let grafana = if candidate == prom {
        Vec::new()
    } else {
        let (start, end) = (
            base / 1000 + 60,
            base / 1000 + data::SLOTS * data::STEP_MS / 1000,
        );
        grafana::replay(&agent, &prom, &candidate, start, end)
    };
    for line in &grafana {
        println!("GRAFANA {line}");
    }
    for line in &mistakes {
        println!("CORPUS {line}");
    }
    for line in &worded {
        println!("MESSAGE {line}");
    }
    for line in &differ {
        println!("DIFF {line}");
    }
    println!(
        "promql-diff: {asked} queries, {} equal, {} differ, {} error messages differ, {} corpus mistakes",
        asked - differ.len() - worded.len(),
        differ.len(),
        worded.len(),
        mistakes.len()
    );
    assert!(
        mistakes.is_empty(),
        "corpus mistakes:\n{}",
        mistakes.join("\n")
    );
    assert!(
        differ.is_empty(),
        "{} of {asked} queries differ (DIFF lines above)",
        differ.len()
    );
    assert!(
        grafana.is_empty(),
        "{} Grafana requests answered differently (GRAFANA lines above)",
        grafana.len()
    );
}
