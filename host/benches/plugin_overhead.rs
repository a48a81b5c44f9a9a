//! Plugin runtime benchmarks; prints a table. Run after
//! `scripts/build-plugins.sh`:
//!
//! ```sh
//! cargo bench -p watchpost --bench plugin_overhead
//! ```
//!
//! 1. Cold start of the quickstart's plugins (engine, load, first instance),
//!    with an empty compiled-artifact cache and with a warm one.
//! 2. The overhead of an empty plugin call: a rule evaluation with no
//!    payload either way (the threshold test rule, `misbehave = "idle"`),
//!    and an exporter collection (the `misbehave` test plugin in `empty`
//!    mode) given an empty target, a real one, and through supervision
//!    (which adds the hand-over to the plugin's thread and back).
//! 3. 1,000-line batches of the example key=value parser and of the stock
//!    postfix, json and grok parsers in Wasm against the same parsers
//!    compiled natively into this benchmark, per line; and of a parser that
//!    does no parsing (each line its own message), which measures the parser
//!    contract alone: the batch in, the SDK's loop and encoder, the records out.
//!
//! Knobs: `BENCH_ONLY=start|call|parser` runs one part; `BENCH_PARSER=postfix`
//! the parser cases whose name holds it; `BENCH_ROUNDS`, `BENCH_CALLS` set the
//! repetitions; `BENCH_WASM_DIR` loads the parsers from a directory of builds
//! with symbols, to profile them with `WATCHPOST_WASM_PERFMAP=1 perf record`.

#[path = "common/log_lines.rs"]
mod log_lines;

/// The allocator of the `watchpost` binary: native parsing and the host's
/// decoding run here as they run in the host.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use log_lines::{apache_line, json_line, postfix_line};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use watchpost::manifest::{Capabilities, Manifest, PluginSource, PluginSpec};
use watchpost::runtime::bindings::types::{LineBatch, SourceMeta};
use watchpost::runtime::{Call, PluginHandle, PluginKind, Runtime, StockPlugin};
use watchpost::telemetry::SelfMetrics;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn wasm(stem: &str) -> PathBuf {
    let p = root()
        .join("target/wasm32-wasip2/plugin")
        .join(format!("{stem}.wasm"));
    assert!(
        p.is_file(),
        "{} missing: run scripts/build-plugins.sh",
        p.display()
    );
    p
}

fn spec(name: &str, kind: PluginKind, file: PathBuf, config: &str) -> PluginSpec {
    PluginSpec {
        name: name.into(),
        kind,
        source: PluginSource::File(file),
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
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

async fn start_quickstart(cache: &std::path::Path, state: &std::path::Path) -> Duration {
    let manifest = Manifest::load(&root().join("examples/quickstart/watchpost.toml")).unwrap();
    let started = Instant::now();
    let runtime = Runtime::new(Some(cache)).unwrap();
    for plugin in &manifest.plugins {
        let loaded = runtime.load(Arc::new(plugin.clone()), state).unwrap();
        loaded.instantiate().unwrap();
    }
    started.elapsed()
}

const LINE_KINDS: [&str; 4] = [
    r#"level=info msg="request served" method=GET path=/api/messages status=200 latency_ms=12 user=alice"#,
    r#"level=warning msg="slow query" table=messages rows=4200 duration=1.75 retry=false"#,
    r#"level=error msg="smtp relay refused" relay=mx.example.net code=554 queue_id=4F2A1C"#,
    r#"level=debug msg=tick worker=celery@host-3 task=send_digest eta=0 attempt=2"#,
];

fn kv_line(i: usize) -> String {
    format!("{} seq={i}", LINE_KINDS[i % LINE_KINDS.len()])
}

/// The same parser compiled into this benchmark: parses a batch into the
/// packed batch the Wasm build returns, returns how many records it made.
type NativeParser = Box<dyn FnMut(&watchpost_sdk::types::LineBatch) -> usize>;

fn native<P: watchpost_sdk::Parser + 'static>(config: &str) -> NativeParser {
    let config = serde_json::from_str(config).unwrap();
    let mut parser = watchpost_sdk::testing::parser_from_json::<P>(config).unwrap();
    Box::new(move |batch| {
        watchpost_sdk::parser::parse_batch_packed(&mut parser, batch)
            .records
            .len()
            / watchpost_sdk::parser::packed::RECORD_WORDS
    })
}

/// One parser compared: its Wasm build, its config, its lines and its
/// native twin.
struct ParserCase {
    name: &'static str,
    source: PluginSource,
    config: &'static str,
    line: fn(usize) -> String,
    native: NativeParser,
}

fn parser_cases() -> Vec<ParserCase> {
    // `BENCH_WASM_DIR=/tmp/t/wasm32-wasip2/plugin` loads every parser from
    // there instead: builds with symbols, for `perf` (see sdk/README.md).
    let dir = std::env::var_os("BENCH_WASM_DIR").map(PathBuf::from);
    let stock = |name| {
        let plugin = StockPlugin::by_name(name).expect("a stock parser");
        match &dir {
            Some(dir) => PluginSource::File(dir.join(format!("{}.wasm", plugin.file_stem))),
            None => PluginSource::Stock(plugin),
        }
    };
    // Example and test plugins, by file stem.
    let built = |stem: &str| {
        PluginSource::File(match &dir {
            Some(dir) => dir.join(format!("{stem}.wasm")),
            None => wasm(stem),
        })
    };
    let grok = r#"{"match": "%{COMBINEDAPACHELOG}"}"#;
    vec![
        // No parsing at all: what the contract costs on its own.
        ParserCase {
            name: "echo (the contract alone)",
            source: built("watchpost_test_echo_parser"),
            config: "{}",
            line: kv_line,
            native: native::<watchpost_test_echo_parser::EchoParser>("{}"),
        },
        ParserCase {
            name: "key=value (example)",
            source: built("example_kv_parser"),
            config: "{}",
            line: kv_line,
            native: native::<example_kv_parser::KvParser>("{}"),
        },
        ParserCase {
            name: "postfix",
            source: stock("postfix"),
            config: "{}",
            line: postfix_line,
            native: native::<watchpost_plugin_parse_postfix::PostfixParser>("{}"),
        },
        ParserCase {
            name: "json",
            source: stock("json"),
            config: "{}",
            line: json_line,
            native: native::<watchpost_plugin_parse_json::JsonParser>("{}"),
        },
        ParserCase {
            name: "grok (apache)",
            source: stock("grok"),
            config: grok,
            line: apache_line,
            native: native::<watchpost_plugin_parse_grok::GrokParser>(grok),
        },
    ]
}

/// Times 1,000-line batches of `case` in Wasm (the call, and the call with
/// the host's decoding of its answer) and natively, alternating, per line.
fn compare_parser(
    runtime: &Runtime,
    state: &std::path::Path,
    mut case: ParserCase,
    rounds: usize,
    rows: &mut Vec<(String, String)>,
) {
    let lines: Vec<String> = (0..1000).map(case.line).collect();
    let meta = SourceMeta {
        source: "bench".into(),
        origin: "bench".into(),
        labels: vec![],
    };
    let batch: LineBatch =
        watchpost::runtime::parsed::batch_from_lines(meta, lines.iter().map(|l| l.as_bytes()));
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let native_batch = watchpost_sdk::parser::line_batch(
        watchpost_sdk::SourceMeta {
            source: "bench".into(),
            origin: "bench".into(),
            labels: vec![],
        },
        &refs,
    );
    let mut spec = spec(case.name, PluginKind::Parser, PathBuf::new(), case.config);
    spec.source = case.source;
    let loaded = runtime.load(Arc::new(spec), state).unwrap();
    let mut instance = loaded.instantiate().unwrap();
    let (mut wasm_times, mut decode_times, mut native_times) = (vec![], vec![], vec![]);
    let call = Call::Parse(batch.clone());
    for round in 0..rounds + 20 {
        let t = Instant::now();
        let out = instance.invoke(&call, Duration::from_secs(5)).unwrap();
        let wasm_t = t.elapsed();
        let watchpost::runtime::Reply::Parse(Ok(out)) = out else {
            panic!("{}: parse failed", case.name)
        };
        let records = watchpost::runtime::parsed::decode(&batch, &out).unwrap();
        let decode_t = t.elapsed();
        let t = Instant::now();
        let native_records = (case.native)(&native_batch);
        let native_t = t.elapsed();
        assert_eq!(records.len(), native_records, "{}", case.name);
        if round >= 20 {
            let per_line = |d: Duration| d.as_secs_f64() * 1e9 / lines.len() as f64;
            wasm_times.push(per_line(wasm_t));
            decode_times.push(per_line(decode_t));
            native_times.push(per_line(native_t));
        }
    }
    let (w, wd, n) = (
        median(wasm_times),
        median(decode_times),
        median(native_times),
    );
    let name = case.name;
    rows.push((
        format!("parser {name}, native (ns/line)"),
        format!("{n:.0}"),
    ));
    rows.push((
        format!("parser {name}, Wasm call (ns/line)"),
        format!("{w:.0}"),
    ));
    rows.push(("  ratio Wasm / native".into(), format!("{:.2}x", w / n)));
    rows.push((
        format!("parser {name}, Wasm call + host decode (ns/line)"),
        format!("{wd:.0}"),
    ));
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut rows: Vec<(String, String)> = Vec::new();
    // `BENCH_ONLY=parser` (or `start`, `call`) runs one part, e.g. under a profiler.
    let only = std::env::var("BENCH_ONLY").ok();
    let runs = |part: &str| only.as_deref().is_none_or(|o| o == part);

    // 1. Cold start.
    if runs("start") {
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        for _ in 0..5 {
            let cache = tempfile::tempdir().unwrap();
            let state = tempfile::tempdir().unwrap();
            cold.push(
                start_quickstart(cache.path(), state.path())
                    .await
                    .as_secs_f64()
                    * 1e3,
            );
            warm.push(
                start_quickstart(cache.path(), state.path())
                    .await
                    .as_secs_f64()
                    * 1e3,
            );
        }
        let (cold, warm) = (median(cold), median(warm));
        rows.push((
            "quickstart start, no cache (ms)".into(),
            format!("{cold:.1}"),
        ));
        rows.push((
            "quickstart start, warm cache (ms)".into(),
            format!("{warm:.1}"),
        ));
        rows.push((
            "  ratio no-cache / cache".into(),
            format!("{:.1}x", cold / warm),
        ));
    }

    let runtime = Runtime::new(None).unwrap();
    let state = tempfile::tempdir().unwrap();

    // 2. Empty call.
    if runs("call") {
        let empty = runtime
            .load(
                Arc::new(spec(
                    "empty",
                    PluginKind::Exporter,
                    wasm("watchpost_test_misbehave"),
                    r#"{"mode":"empty"}"#,
                )),
                state.path(),
            )
            .unwrap();
        let empty = Arc::new(empty);
        let handle = PluginHandle::new(empty.clone(), Arc::new(SelfMetrics::new()));
        let target = watchpost::scheduler::targets(&handle).remove(0);
        let nothing = watchpost::runtime::bindings::exporter_api::Target {
            address: String::new(),
            labels: vec![],
        };
        let mut instance = empty.instantiate().unwrap();
        let calls: u32 = std::env::var("BENCH_CALLS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(20_000);
        for _ in 0..1000 {
            instance
                .invoke(&Call::Collect(target.clone()), Duration::from_secs(5))
                .unwrap();
        }
        let t = Instant::now();
        for _ in 0..calls {
            instance
                .invoke(&Call::Collect(nothing.clone()), Duration::from_secs(5))
                .unwrap();
        }
        let raw = t.elapsed().as_secs_f64() * 1e6 / f64::from(calls);
        let t = Instant::now();
        for _ in 0..calls {
            instance
                .invoke(&Call::Collect(target.clone()), Duration::from_secs(5))
                .unwrap();
        }
        let with_target = t.elapsed().as_secs_f64() * 1e6 / f64::from(calls);
        let t = Instant::now();
        for _ in 0..calls {
            handle.collect(target.clone()).await.unwrap();
        }
        let supervised = t.elapsed().as_secs_f64() * 1e6 / f64::from(calls);
        // A call with no payload either way: a rule evaluation that
        // returns nothing (no strings or lists for the host to lower).
        let idle = runtime
            .load(
                Arc::new(spec(
                    "idle",
                    PluginKind::Rule,
                    wasm("watchpost_test_threshold_rule"),
                    r#"{"query":"","threshold":0,"alert":"a","record":"r","misbehave":"idle"}"#,
                )),
                state.path(),
            )
            .unwrap();
        let mut idle = idle.instantiate().unwrap();
        for at in 0..1000 {
            idle.invoke(&Call::Evaluate(at), Duration::from_secs(5))
                .unwrap();
        }
        let t = Instant::now();
        for at in 0..i64::from(calls) {
            idle.invoke(&Call::Evaluate(at), Duration::from_secs(5))
                .unwrap();
        }
        let bare = t.elapsed().as_secs_f64() * 1e6 / f64::from(calls);
        rows.push(("empty call, no payload (us)".into(), format!("{bare:.2}")));
        rows.push((
            "empty call, exporter with an empty target (us)".into(),
            format!("{raw:.2}"),
        ));
        rows.push((
            "  with a scrape target's address and labels (us)".into(),
            format!("{with_target:.2}"),
        ));
        rows.push((
            "empty call, supervised (us)".into(),
            format!("{supervised:.2}"),
        ));
    }

    // 3. Parser batches: Wasm vs native, for the example and the stock parsers.
    if runs("parser") {
        let rounds: usize = std::env::var("BENCH_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(200);
        // `BENCH_PARSER=postfix` runs the cases whose name contains it.
        let only_parser = std::env::var("BENCH_PARSER").unwrap_or_default();
        for case in parser_cases() {
            if case.name.contains(&only_parser) {
                compare_parser(&runtime, state.path(), case, rounds, &mut rows);
            }
        }
    }

    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    println!("\n{:width$}  value", "measure");
    println!("{:-<width$}  -----", "");
    for (k, v) in rows {
        println!("{k:width$}  {v}");
    }
}
