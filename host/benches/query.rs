//! Query benchmark: the same data written into Watchpost, Prometheus 2.42
//! and VictoriaMetrics (remote write), then the same dashboard-style range
//! queries against each; prints p50/p99 latency per query and store, with
//! ratios, and the result size as a sanity check.
//!
//! ```sh
//! scripts/install-peers.sh   # prometheus, victoria-metrics
//! cargo bench -p watchpost --bench query
//! BENCH_HOURS=1 BENCH_RUNS=5 BENCH_STORES=watchpost,prometheus cargo bench -p watchpost --bench query
//! ```
//!
//! Data (15 s resolution over `BENCH_HOURS`, default 6): 10,000
//! `node_cpu_seconds_total{instance,cpu,mode}` counters; 1,000
//! `http_request_duration_seconds_bucket{instance,handler,le}` series; 10,000
//! `http_requests_total{instance,path}` with a high-cardinality `path`.
//! Queries: range over the whole period at 30 s steps. VictoriaMetrics runs
//! with its result cache disabled.

mod peers;

use peers::{env_usize, post_remote_write, start};
use prost::Message;
use std::time::{Duration, Instant};
use watchpost::ingest::prompb::{Label, Sample, TimeSeries, WriteRequest};

const START_MS: i64 = 1_700_000_000_000;
const SCRAPE_MS: i64 = 15_000;
const MODES: [&str; 10] = [
    "idle",
    "user",
    "system",
    "iowait",
    "irq",
    "softirq",
    "steal",
    "nice",
    "guest",
    "guest_nice",
];
const BOUNDS: [&str; 10] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf",
];

/// The labels of series `i` (0..21,000) and its increment per scrape.
fn series(i: usize) -> (Vec<(String, String)>, f64) {
    let l = |pairs: &[(&str, String)]| {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect::<Vec<_>>()
    };
    if i < 10_000 {
        let (host, cpu, mode) = (i / 80, i / 10 % 8, i % 10);
        let inc = if mode == 0 {
            12.0
        } else {
            1.0 + mode as f64 * 0.3
        };
        (
            l(&[
                ("__name__", "node_cpu_seconds_total".into()),
                ("instance", format!("host-{host}:9100")),
                ("cpu", cpu.to_string()),
                ("mode", MODES[mode].into()),
            ]),
            inc,
        )
    } else if i < 11_000 {
        let j = i - 10_000;
        let (host, handler, b) = (j / 100, j / 10 % 10, j % 10);
        (
            l(&[
                ("__name__", "http_request_duration_seconds_bucket".into()),
                ("instance", format!("api-{host}:8000")),
                ("handler", format!("/api/v1/resource{handler}")),
                ("le", BOUNDS[b].into()),
            ]),
            // Cumulative: higher buckets count more.
            5.0 * (b + 1) as f64,
        )
    } else {
        let j = i - 11_000;
        (
            l(&[
                ("__name__", "http_requests_total".into()),
                ("instance", format!("api-{}:8000", j % 10)),
                ("path", format!("/api/user/{j}")),
            ]),
            1.0 + (j % 7) as f64,
        )
    }
}

const SERIES: usize = 21_000;

/// Writes the data set to `url` over 4 connections, each owning a quarter
/// of the series and sending them in time order.
fn load(url: &str, rounds: usize) {
    const CONNS: usize = 4;
    const BATCH: usize = 2_000;
    std::thread::scope(|s| {
        for c in 0..CONNS {
            s.spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(120)))
                    .build()
                    .into();
                let per = SERIES.div_ceil(CONNS);
                let (lo, hi) = (c * per, ((c + 1) * per).min(SERIES));
                let labels: Vec<(Vec<Label>, f64)> = (lo..hi)
                    .map(|i| {
                        let (pairs, inc) = series(i);
                        let labels = pairs
                            .into_iter()
                            .map(|(name, value)| Label { name, value })
                            .collect();
                        (labels, inc)
                    })
                    .collect();
                for round in 0..rounds {
                    let t = START_MS + round as i64 * SCRAPE_MS;
                    for chunk in labels.chunks(BATCH) {
                        let timeseries = chunk
                            .iter()
                            .map(|(labels, inc)| TimeSeries {
                                labels: labels.clone(),
                                samples: vec![Sample {
                                    value: inc * round as f64,
                                    timestamp: t,
                                }],
                                exemplars: vec![],
                                histograms: vec![],
                            })
                            .collect();
                        let body = snap::raw::Encoder::new()
                            .compress_vec(
                                &WriteRequest {
                                    timeseries,
                                    metadata: vec![],
                                }
                                .encode_to_vec(),
                            )
                            .unwrap();
                        post_remote_write(&agent, url, &body);
                    }
                }
            });
        }
    });
}

const QUERIES: [(&str, &str); 4] = [
    (
        "cpu rate by instance",
        r#"sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))"#,
    ),
    (
        "busy cpu %",
        r#"100 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) * 100"#,
    ),
    (
        "histogram p99",
        "histogram_quantile(0.99, sum by (le, handler) (rate(http_request_duration_seconds_bucket[5m])))",
    ),
    (
        "regex high-card",
        r#"sum by (instance) (rate(http_requests_total{path=~"/api/user/1.*"}[5m]))"#,
    ),
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let hours = env_usize("BENCH_HOURS", 6);
    let runs = env_usize("BENCH_RUNS", 7);
    let rounds = hours * 3600 * 1000 / SCRAPE_MS as usize;
    let (start_s, end_s) = (
        (START_MS + 10 * 60_000) as f64 / 1e3,
        (START_MS + (rounds as i64 - 1) * SCRAPE_MS) as f64 / 1e3,
    );
    let root = tempfile::tempdir().unwrap();
    // rows: (store, query, p50 ms, p99 ms, series, points)
    let mut rows: Vec<(&str, &str, f64, f64, usize, usize)> = Vec::new();
    let only = std::env::var("BENCH_STORES").unwrap_or_default();
    for name in ["watchpost", "prometheus", "victoria-metrics"] {
        if !only.is_empty() && !only.split(',').any(|s| s == name) {
            continue;
        }
        let Some(target) = start(name, root.path()) else {
            continue;
        };
        eprintln!("loading {SERIES} series x {rounds} samples into {name} ...");
        load(&target.write_url, rounds);
        let base = target
            .write_url
            .trim_end_matches("/api/v1/write")
            .to_string();
        if name == "victoria-metrics" {
            let _ = ureq::get(&format!("{base}/internal/force_flush")).call();
            std::thread::sleep(Duration::from_secs(3));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(300)))
            .build()
            .into();
        eprintln!("querying {name} ...");
        // `BENCH_QUERY=regex` runs the queries whose label contains it.
        let pick = std::env::var("BENCH_QUERY").unwrap_or_default();
        for &(label, query) in QUERIES.iter().filter(|(l, _)| l.contains(pick.as_str())) {
            let run = || {
                let t = Instant::now();
                let mut resp = agent
                    .post(&format!("{base}/api/v1/query_range"))
                    .send_form([
                        ("query", query),
                        ("start", &start_s.to_string()),
                        ("end", &end_s.to_string()),
                        ("step", "30"),
                    ])
                    .expect("query");
                let body = resp.body_mut().read_to_string().expect("body");
                let took = t.elapsed().as_secs_f64() * 1e3;
                assert_eq!(resp.status().as_u16(), 200, "{name} {query}: {body}");
                let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                let result = v["data"]["result"].as_array().cloned().unwrap_or_default();
                let points = result
                    .iter()
                    .map(|s| s["values"].as_array().map_or(0, Vec::len))
                    .sum();
                (took, result.len(), points)
            };
            let (_, series, points) = run();
            let mut times: Vec<f64> = (0..runs).map(|_| run().0).collect();
            times.sort_by(|a, b| a.total_cmp(b));
            rows.push((
                name,
                label,
                percentile(&times, 0.5),
                percentile(&times, 0.99),
                series,
                points,
            ));
        }
    }
    println!(
        "\n{SERIES} series, {hours} h at 15 s; range queries over the period at 30 s steps; {runs} runs each\n"
    );
    println!(
        "{:<17} {:<22} {:>9} {:>9} {:>7} {:>9}",
        "store", "query", "p50 ms", "p99 ms", "series", "points"
    );
    for (store, q, p50, p99, s, p) in &rows {
        println!("{store:<17} {q:<22} {p50:>9.1} {p99:>9.1} {s:>7} {p:>9}");
    }
    println!("\nratios (watchpost p50 / peer p50, lower is better)");
    for (q, _) in QUERIES {
        let p50 = |store: &str| rows.iter().find(|r| r.0 == store && r.1 == q).map(|r| r.2);
        let Some(wp) = p50("watchpost") else { continue };
        let mut line = format!("{q:<22}");
        for peer in ["prometheus", "victoria-metrics"] {
            if let Some(p) = p50(peer) {
                line.push_str(&format!("  vs {peer} {:.2}x", wp / p));
            }
        }
        println!("{line}");
    }
}
