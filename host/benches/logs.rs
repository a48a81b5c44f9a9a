//! Logs pipeline benchmarks; prints a table. Run after
//! `scripts/build-plugins.sh` (the stock parsers are bundled):
//!
//! ```sh
//! cargo bench -p watchpost --bench logs
//! BENCH_LINES=10000000 cargo bench -p watchpost --bench logs   # the 10M-line search
//! ```
//!
//! 1. Lines per second from a file through a parser into the log store
//!    (tail → parse → append → commit) for the `postfix`, `json` and `grok`
//!    stock parsers: the Wasm plugin against the same parser compiled
//!    natively into this benchmark, in one run. One thread drives the
//!    pipeline; tantivy indexes on one more.
//! 2. A text filter's latency over `BENCH_LINES` stored lines (default 1M):
//!    `|= "needle"` pushed down to the index against the same filter as a
//!    regular expression (`|~`), which scans every line.

#[path = "common/log_lines.rs"]
mod log_lines;

/// The allocator of the `watchpost` binary: native parsing and the host's
/// decoding run here as they run in the host.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use log_lines::{apache_line, json_line, postfix_line};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use watchpost::manifest::{Capabilities, PluginSource, PluginSpec};
use watchpost::runtime::{PluginHandle, PluginKind, Runtime, StockPlugin};
use watchpost::sources::file::{TailConfig, Tailer};
use watchpost::storage::logs::{FieldValue, LogEntry, LogStore, LogStoreConfig};
use watchpost::storage::metrics::Labels;
use watchpost::telemetry::SelfMetrics;

const S: i64 = 1_000_000_000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One way of parsing a batch of lines into (ts, labels, fields) rows.
type ParseFn<'a> = Box<dyn FnMut(&[&str]) -> Vec<Row> + 'a>;

/// What both paths hand the store.
struct Row {
    ts_ns: Option<i64>,
    labels: Vec<(String, String)>,
    fields: Vec<(String, FieldValue)>,
}

fn native<P: watchpost_sdk::Parser + 'static>(mut parser: P) -> ParseFn<'static> {
    use watchpost_sdk::parser::FieldValue as F;
    Box::new(move |lines: &[&str]| {
        let batch = watchpost_sdk::parser::line_batch(
            watchpost_sdk::SourceMeta {
                source: "bench".into(),
                origin: "bench".into(),
                labels: vec![],
            },
            lines,
        );
        let out = watchpost_sdk::parser::parse_batch(&mut parser, &batch);
        let text = |r| watchpost_sdk::parser::resolve(&batch.text, &out, r).to_string();
        out.records
            .iter()
            .map(|r| Row {
                ts_ns: r.timestamp_ns,
                labels: watchpost_sdk::parser::record_labels(&out, r)
                    .iter()
                    .map(|l| (text(l.name), text(l.value)))
                    .collect(),
                fields: watchpost_sdk::parser::record_fields(&out, r)
                    .iter()
                    .map(|f| {
                        let v = match f.value {
                            F::Text(t) => FieldValue::Text(text(t)),
                            F::Integer(i) | F::Timestamp(i) => FieldValue::Integer(i),
                            F::Float(x) => FieldValue::Float(x),
                            F::Boolean(b) => FieldValue::Boolean(b),
                        };
                        (text(f.name), v)
                    })
                    .collect(),
            })
            .collect()
    })
}

fn wasm<'a>(handle: &'a PluginHandle, rt: &'a tokio::runtime::Runtime) -> ParseFn<'a> {
    use watchpost::runtime::parsed::Value as V;
    Box::new(move |lines: &[&str]| {
        let batch = watchpost::runtime::parsed::batch_from_lines(
            watchpost::runtime::bindings::types::SourceMeta {
                source: "bench".into(),
                origin: "bench".into(),
                labels: vec![],
            },
            lines.iter().map(|l| l.as_bytes()),
        );
        let out = rt.block_on(handle.parse(batch.clone())).expect("parse");
        watchpost::runtime::parsed::decode(&batch, &out)
            .expect("decode")
            .into_iter()
            .map(|r| Row {
                ts_ns: r.timestamp_ns,
                labels: r.labels.into_iter().collect(),
                fields: r
                    .fields
                    .into_iter()
                    .map(|(n, v)| {
                        let v = match v {
                            V::Text(t) => FieldValue::Text(t),
                            V::Integer(i) => FieldValue::Integer(i),
                            V::Float(x) => FieldValue::Float(x),
                            V::Boolean(b) => FieldValue::Boolean(b),
                        };
                        (n, v)
                    })
                    .collect(),
            })
            .collect()
    })
}

/// Tails `file` to its end through `parse` into a fresh store; lines/s.
fn pipeline(file: &Path, lines: usize, mut parse: ParseFn<'_>) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let store = LogStore::open(LogStoreConfig {
        commit_interval: Duration::from_secs(3600),
        ..LogStoreConfig::new(dir.path().to_path_buf())
    })
    .unwrap();
    let now = watchpost::util::now_ms() * 1_000_000;
    let started = Instant::now();
    let mut tailer = Tailer::new(
        TailConfig {
            include: vec![file.to_string_lossy().into_owned()],
            ..TailConfig::default()
        },
        None,
    );
    let mut seen = 0;
    while seen < lines {
        let records = tailer.poll(1000, 4 << 20).unwrap().records;
        if records.is_empty() {
            break;
        }
        let texts: Vec<&str> = records.iter().map(|r| r.line.as_str()).collect();
        let rows = parse(&texts);
        let entries: Vec<LogEntry> = rows
            .into_iter()
            .zip(&records)
            .map(|(row, rec)| {
                let mut labels = row.labels;
                labels.push(("job".into(), "bench".into()));
                LogEntry {
                    index: "bench".into(),
                    ts_ns: row
                        .ts_ns
                        .filter(|t| (now - t).abs() < 86_400 * S)
                        .unwrap_or(now),
                    stream: Labels::stream(labels).unwrap_or_default(),
                    line: rec.line.clone(),
                    fields: row.fields,
                }
            })
            .collect();
        seen += records.len();
        store.append(entries).unwrap();
    }
    store.commit().unwrap();
    assert_eq!(seen, lines, "every line read");
    lines as f64 / started.elapsed().as_secs_f64()
}

fn stock(runtime: &Runtime, state: &Path, name: &str, config: &str) -> PluginHandle {
    let spec = PluginSpec {
        name: name.into(),
        kind: PluginKind::Parser,
        source: PluginSource::Stock(StockPlugin::by_name(name).expect("a stock parser")),
        interval: Duration::from_secs(60),
        timeout: Duration::from_secs(30),
        memory_limit: 256 << 20,
        state_limit: 1 << 20,
        targets: vec![],
        relabel: vec![],
        metric_relabel: vec![],
        scrape: Default::default(),
        capabilities: Capabilities::default(),
        config_json: config.into(),
    };
    let loaded = runtime.load(Arc::new(spec), state).unwrap();
    PluginHandle::new(Arc::new(loaded), Arc::new(SelfMetrics::new()))
}

fn search_latency(lines: usize) -> (f64, f64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let store = LogStore::open(LogStoreConfig {
        commit_interval: Duration::from_secs(3600),
        ..LogStoreConfig::new(dir.path().to_path_buf())
    })
    .unwrap();
    let now = watchpost::util::now_ms() * 1_000_000;
    let start = now - 3_600 * S;
    let stream = Labels::stream([("job", "bench")]).unwrap();
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..lines {
        let mut line = postfix_line(i);
        if i % 1000 == 7 {
            line.push_str(" needle-in-the-haystack");
        }
        batch.push(LogEntry {
            index: "bench".into(),
            // In i128: 10M × 3,000 s in ns overflows i64.
            ts_ns: start + (i as i128 * 3_000 * i128::from(S) / lines as i128) as i64,
            stream: stream.clone(),
            line,
            fields: vec![],
        });
        if batch.len() == 10_000 {
            let outcome = store.append(std::mem::take(&mut batch)).unwrap();
            assert!(outcome.rejected.is_empty(), "{:?}", outcome.rejected[0]);
            store.commit().unwrap();
        }
    }
    let outcome = store.append(batch).unwrap();
    assert!(
        outcome.rejected.is_empty(),
        "{:?}",
        outcome.rejected.first()
    );
    store.commit().unwrap();
    let count = |query: &str| -> (f64, u64) {
        let watchpost_logql::Expr::Log(selector) =
            watchpost::log_query::parse_query(query).unwrap()
        else {
            unreachable!()
        };
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..5 {
            let t = Instant::now();
            n = 0;
            let pipeline = watchpost_logql::Pipeline::new(
                &selector,
                Arc::new(watchpost::log_query::LineTemplates),
            )
            .unwrap();
            store
                .search(
                    &watchpost::storage::logs::LogSearch {
                        matchers: watchpost::log_query::store_matchers(&selector).unwrap(),
                        start_ns: start,
                        end_ns: now + S,
                        contains: watchpost::log_query::pushdown_literals(&selector),
                        direction: watchpost::storage::logs::Direction::Forward,
                    },
                    &mut |e| {
                        let mut labels = watchpost_logql::Labels::from_pairs(e.stream.iter());
                        if pipeline.process(e.ts_ns, &e.line, &mut labels).is_some() {
                            n += 1;
                        }
                        ControlFlow::Continue(())
                    },
                )
                .unwrap();
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        (times[times.len() / 2], n)
    };
    let (indexed, n1) = count(r#"{job="bench"} |= "needle-in-the-haystack""#);
    let (scanned, n2) = count(r#"{job="bench"} |~ "needle-in-the-haystack""#);
    assert_eq!(n1, n2, "both find the same lines");
    assert_eq!(
        n1 as usize,
        lines.saturating_sub(7).div_ceil(1000),
        "every needle found"
    );
    (indexed, scanned, n1)
}

fn main() {
    let mut rows: Vec<(String, String)> = Vec::new();
    let lines = env_usize("BENCH_PIPE_LINES", 100_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let runtime = Runtime::new(None).unwrap();
    let state = tempfile::tempdir().unwrap();
    /// A format's name, its line generator and its parser's config.
    type Format = (&'static str, fn(usize) -> String, &'static str);
    let formats: [Format; 3] = [
        ("postfix", postfix_line, "{}"),
        ("json", json_line, "{}"),
        ("grok", apache_line, r#"{"match": "%{COMBINEDAPACHELOG}"}"#),
    ];
    for (name, make, config) in formats {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(format!("{name}.log"));
        let text: String = (0..lines).map(|i| make(i) + "\n").collect();
        std::fs::write(&file, text).unwrap();
        let handle = stock(&runtime, state.path(), name, config);
        let wasm_rate = pipeline(&file, lines, wasm(&handle, &rt));
        let config_value: serde_json::Value = serde_json::from_str(config).unwrap();
        let native_rate = match name {
            "postfix" => pipeline(
                &file,
                lines,
                native(
                    watchpost_sdk::testing::parser_from_json::<
                        watchpost_plugin_parse_postfix::PostfixParser,
                    >(config_value)
                    .unwrap(),
                ),
            ),
            "json" => pipeline(
                &file,
                lines,
                native(
                    watchpost_sdk::testing::parser_from_json::<
                        watchpost_plugin_parse_json::JsonParser,
                    >(config_value)
                    .unwrap(),
                ),
            ),
            _ => pipeline(
                &file,
                lines,
                native(
                    watchpost_sdk::testing::parser_from_json::<
                        watchpost_plugin_parse_grok::GrokParser,
                    >(config_value)
                    .unwrap(),
                ),
            ),
        };
        rows.push((
            format!("{name}: tail → parse → index, native (lines/s)"),
            format!("{native_rate:.0}"),
        ));
        rows.push((
            format!("{name}: tail → parse → index, Wasm (lines/s)"),
            format!("{wasm_rate:.0}"),
        ));
        rows.push((
            format!("  {name}: Wasm / native"),
            format!("{:.0}%", wasm_rate / native_rate * 100.0),
        ));
    }
    let search_lines = env_usize("BENCH_LINES", 1_000_000);
    let (indexed, scanned, found) = search_latency(search_lines);
    rows.push((
        format!("|= filter over {search_lines} lines, through the index (ms)"),
        format!("{indexed:.1}"),
    ));
    rows.push((
        format!("|~ filter over {search_lines} lines, scanning (ms)"),
        format!("{scanned:.1}"),
    ));
    rows.push((
        "  matching lines; scan / index".into(),
        format!("{found}; {:.1}x", scanned / indexed),
    ));
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    println!("\n{:width$}  value", "measure");
    println!("{:-<width$}  -----", "");
    for (k, v) in rows {
        println!("{k:width$}  {v}");
    }
}
