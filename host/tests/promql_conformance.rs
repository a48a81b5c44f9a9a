//! Prometheus' own PromQL test suite (v2.42.0, `promql/testdata/*.test`)
//! run against our engine over the in-memory store. The files live outside
//! the repository, in `../shared/conformance/promql-2.42/` (or where
//! `WATCHPOST_PROMQL_CONFORMANCE` points). Like Prometheus' runner, every
//! `eval` is checked as an instant query and again in range mode (the step
//! at the evaluation time of a range query one minute either side).

use std::path::{Path, PathBuf};
use watchpost::query::notation::{self, almost_equal};
use watchpost::query::{self, MemStore, QueryOptions, QueryValue};
use watchpost::storage::metrics::Labels;
use watchpost_rulefmt::duration;

fn suite_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("WATCHPOST_PROMQL_CONFORMANCE") {
        return Some(PathBuf::from(dir));
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    [
        repo.join("../shared/conformance/promql-2.42"),
        PathBuf::from("/work/shared/conformance/promql-2.42"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
}

/// A Prometheus duration (`5m`, `1h30m`, `10s`, `100ms`) in ms.
fn duration_ms(s: &str) -> i64 {
    duration::parse_ms(s).unwrap_or_else(|e| panic!("bad duration {s:?}: {e}"))
}

/// Splits `metric{a="b", c='d'} rest` into labels and the rest.
fn parse_series(line: &str) -> (Labels, &str) {
    let (desc, rest) = notation::split_series(line);
    let labels =
        notation::parse_metric(desc).unwrap_or_else(|e| panic!("bad series {line:?}: {e}"));
    (labels, rest)
}

fn parse_number(s: &str) -> f64 {
    notation::parse_number(s).unwrap_or_else(|e| panic!("{e}"))
}

fn expand_values(text: &str) -> Vec<Option<f64>> {
    notation::expand_values(text).unwrap_or_else(|e| panic!("{e}"))
}

struct Eval {
    line: usize,
    expr: String,
    at: i64,
    fail: bool,
    ordered: bool,
    expected: Vec<(Labels, f64)>,
    scalar: Option<f64>,
}

fn compare(e: &Eval, got: &[(Labels, f64)], got_scalar: Option<f64>) -> Result<(), String> {
    if let Some(want) = e.scalar {
        return match got_scalar {
            Some(v) if almost_equal(v, want) => Ok(()),
            other => Err(format!("expected scalar {want}, got {other:?}")),
        };
    }
    if got_scalar.is_some() {
        return Err(format!("expected vector, got scalar {got_scalar:?}"));
    }
    if got.len() != e.expected.len() {
        return Err(format!(
            "expected {} samples, got {}: {:?}",
            e.expected.len(),
            got.len(),
            got
        ));
    }
    for (i, (labels, want)) in e.expected.iter().enumerate() {
        let found = got.iter().position(|(l, _)| l == labels);
        let Some(pos) = found else {
            return Err(format!("missing {labels} in {got:?}"));
        };
        if e.ordered && pos != i {
            return Err(format!("{labels} at position {pos}, expected {i}"));
        }
        if !almost_equal(got[pos].1, *want) {
            return Err(format!("{labels}: expected {want}, got {}", got[pos].1));
        }
    }
    Ok(())
}

fn run_eval(store: &MemStore, e: &Eval) -> Result<(), String> {
    let opts = QueryOptions::default();
    let outcome = query::parse(&e.expr)
        .and_then(|expr| query::instant_query(store, &expr, e.at, &opts, None).map(|r| (expr, r)));
    if e.fail {
        return match outcome {
            Err(_) => Ok(()),
            Ok((_, r)) => Err(format!("expected an error, got {r:?}")),
        };
    }
    let (expr, result) = outcome.map_err(|err| format!("error: {err}"))?;
    let (got, scalar) = match result {
        QueryValue::Vector(samples) => (
            samples
                .into_iter()
                .map(|s| (s.labels, s.v))
                .collect::<Vec<_>>(),
            None,
        ),
        QueryValue::Scalar { v, .. } => (vec![], Some(v)),
        other => return Err(format!("unexpected result type {}", other.result_type())),
    };
    compare(e, &got, scalar)?;
    if e.ordered {
        return Ok(());
    }
    // Range mode: the step at `at` of a range query around it.
    let range = query::range_query(
        store,
        &expr,
        e.at - 60_000,
        e.at + 60_000,
        60_000,
        &opts,
        None,
    )
    .map_err(|err| format!("range mode error: {err}"))?;
    let QueryValue::Matrix(series) = range else {
        return Err("range mode: not a matrix".into());
    };
    let at_step: Vec<(Labels, f64)> = series
        .into_iter()
        .filter_map(|s| {
            s.points
                .iter()
                .find(|(t, _)| *t == e.at)
                .map(|&(_, v)| (s.labels.clone(), v))
        })
        .collect();
    if scalar.is_some() {
        let v = at_step.first().map(|(_, v)| *v);
        return compare(e, &[], v).map_err(|m| format!("range mode: {m}"));
    }
    compare(e, &at_step, None).map_err(|m| format!("range mode: {m}"))
}

/// Runs one file; returns (cases, failures).
fn run_file(path: &Path) -> (usize, Vec<String>) {
    let text = std::fs::read_to_string(path).expect("readable test file");
    let lines: Vec<&str> = text.lines().collect();
    let mut store = MemStore::new();
    let mut failures = Vec::new();
    let mut cases = 0;
    let mut i = 0;
    let is_body = |l: &str| l.starts_with([' ', '\t']) && !l.trim().is_empty();
    while i < lines.len() {
        let line = lines[i].trim_end();
        i += 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut words = trimmed.split_whitespace();
        match words.next() {
            Some("clear") => store.clear(),
            Some("load") => {
                let step = duration_ms(words.next().expect("load step"));
                while i < lines.len() && is_body(lines[i]) {
                    let body = lines[i].trim();
                    i += 1;
                    if body.starts_with('#') {
                        continue;
                    }
                    let (labels, values) = parse_series(body);
                    let samples = expand_values(values)
                        .into_iter()
                        .enumerate()
                        .filter_map(|(k, v)| v.map(|v| (k as i64 * step, v)));
                    store.add(labels, samples);
                }
            }
            Some(cmd @ ("eval" | "eval_fail" | "eval_ordered")) => {
                let line_no = i;
                let rest = trimmed[cmd.len()..].trim_start();
                let rest = rest
                    .strip_prefix("instant")
                    .expect("only instant evals")
                    .trim_start();
                let rest = rest.strip_prefix("at").expect("eval ... at").trim_start();
                let (at, expr) = rest.split_once(char::is_whitespace).expect("time and expr");
                let mut e = Eval {
                    line: line_no,
                    expr: expr.trim().to_string(),
                    at: duration_ms(at),
                    fail: cmd == "eval_fail",
                    ordered: cmd == "eval_ordered",
                    expected: vec![],
                    scalar: None,
                };
                while i < lines.len() && is_body(lines[i]) {
                    let body = lines[i].trim();
                    i += 1;
                    if body.starts_with('#') {
                        continue;
                    }
                    if body.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+')
                        || body == "NaN"
                        || body == "Inf"
                    {
                        e.scalar = Some(parse_number(body));
                        continue;
                    }
                    let (labels, value) = parse_series(body);
                    e.expected.push((labels, parse_number(value)));
                }
                cases += 1;
                if let Err(reason) = run_eval(&store, &e) {
                    failures.push(format!(
                        "{}:{}: {} — {}",
                        path.file_name().unwrap().to_string_lossy(),
                        e.line,
                        e.expr,
                        reason
                    ));
                }
            }
            other => panic!("{}:{i}: unknown command {other:?}", path.display()),
        }
    }
    (cases, failures)
}

#[test]
fn prometheus_2_42_promql_test_suite() {
    let Some(dir) = suite_dir() else {
        if std::env::var("WATCHPOST_SKIP_CONFORMANCE").as_deref() == Ok("1") {
            eprintln!(
                "!!! PromQL conformance suite NOT RUN: ../shared/conformance/promql-2.42 is missing and WATCHPOST_SKIP_CONFORMANCE=1"
            );
            return;
        }
        panic!(
            "PromQL conformance suite missing: expected ../shared/conformance/promql-2.42 beside the repository (or set WATCHPOST_PROMQL_CONFORMANCE)"
        );
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("readable suite dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "test"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        11,
        "expected the 11 test files in {}",
        dir.display()
    );
    let (mut cases, mut failures) = (0, Vec::new());
    for f in &files {
        let (c, fails) = run_file(f);
        cases += c;
        failures.extend(fails);
    }
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    eprintln!("{} of {cases} cases passed", cases - failures.len());
    assert_eq!(cases, 566, "the suite has 566 eval cases");
    assert!(
        failures.is_empty(),
        "{} PromQL cases failed",
        failures.len()
    );
}
