//! Ingest benchmark: the same Prometheus remote-write load driven into
//! Watchpost, Prometheus 2.42 (`--web.enable-remote-write-receiver`) and
//! VictoriaMetrics, side by side, printed as a table with ratios.
//!
//! ```sh
//! scripts/install-peers.sh   # prometheus, victoria-metrics
//! cargo bench -p watchpost --bench ingest
//! BENCH_SERIES=100000 BENCH_ROUNDS=360 cargo bench -p watchpost --bench ingest
//! BENCH_STORES=watchpost BENCH_SETTLE_SECS=5 cargo bench -p watchpost --bench ingest
//! ```
//!
//! Load: `BENCH_SERIES` counters (default 20,000) with ±20% jittered
//! increments, one sample each every 15 s of simulated time for
//! `BENCH_ROUNDS` rounds (default 960 = 4 h, so every store cuts blocks),
//! sent as remote-write requests of 2,000 series over 4 connections (each
//! connection owns a quarter of the series, so every series stays in order).
//! Watchpost runs twice: as configured by default (each write fsynced before
//! it is acknowledged) and as `watchpost-bgsync` (`wal_sync = "1s"`: written
//! before it is acknowledged, fsynced in the background), which is what
//! Prometheus and VictoriaMetrics promise.
//! Measured: samples/s accepted (wall time of the whole load), peak RSS and
//! RSS per series, and bytes per sample on disk after the stores settled
//! (70 s, so periodic compaction runs).

mod peers;

use peers::{dir_size, drive, env_usize, peak_rss_kb, start};
use prost::Message;
use std::time::Duration;
use watchpost::ingest::prompb::{Label, Sample, TimeSeries, WriteRequest};

/// Pre-encoded requests: `[connection][request in order]`.
fn build_load(
    series: usize,
    rounds: usize,
    batch: usize,
    conns: usize,
) -> (Vec<Vec<Vec<u8>>>, u64) {
    let start_ms: i64 = 1_700_000_000_000;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut values = vec![0f64; series];
    let per_conn = series.div_ceil(conns);
    let mut load = vec![Vec::new(); conns];
    let mut total = 0u64;
    for round in 0..rounds {
        let t = start_ms + round as i64 * 15_000;
        for (c, conn_load) in load.iter_mut().enumerate() {
            let lo = c * per_conn;
            let hi = ((c + 1) * per_conn).min(series);
            for chunk_start in (lo..hi).step_by(batch) {
                let chunk_end = (chunk_start + batch).min(hi);
                let timeseries = (chunk_start..chunk_end)
                    .map(|i| {
                        values[i] += 100.0 * (0.8 + 0.4 * (rand() % 1000) as f64 / 1000.0);
                        TimeSeries {
                            labels: vec![
                                Label {
                                    name: "__name__".into(),
                                    value: format!("bench_requests_{}_total", i % 50),
                                },
                                Label {
                                    name: "instance".into(),
                                    value: format!("host-{}:9100", i / 50 % 200),
                                },
                                Label {
                                    name: "job".into(),
                                    value: "bench".into(),
                                },
                                Label {
                                    name: "series".into(),
                                    value: i.to_string(),
                                },
                            ],
                            samples: vec![Sample {
                                value: values[i].round(),
                                timestamp: t,
                            }],
                            exemplars: vec![],
                            histograms: vec![],
                        }
                    })
                    .collect::<Vec<_>>();
                total += timeseries.len() as u64;
                let req = WriteRequest {
                    timeseries,
                    metadata: vec![],
                };
                conn_load.push(
                    snap::raw::Encoder::new()
                        .compress_vec(&req.encode_to_vec())
                        .unwrap(),
                );
            }
        }
    }
    (load, total)
}

fn dir_size_or_len(path: &std::path::Path) -> u64 {
    if path.is_dir() {
        dir_size(path)
    } else {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    }
}

fn main() {
    let series = env_usize("BENCH_SERIES", 20_000);
    let rounds = env_usize("BENCH_ROUNDS", 960);
    let settle = Duration::from_secs(env_usize("BENCH_SETTLE_SECS", 70) as u64);
    eprintln!("building the load: {series} series x {rounds} rounds ...");
    let (load, total) = build_load(series, rounds, 2000, 4);
    let root = tempfile::tempdir().unwrap();
    // `BENCH_KEEP=1` leaves the stores' data directories for inspection.
    let (root, _cleanup) = if std::env::var_os("BENCH_KEEP").is_some() {
        let kept = root.keep();
        eprintln!("keeping data under {}", kept.display());
        (kept, None)
    } else {
        (root.path().to_path_buf(), Some(root))
    };
    let mut rows = Vec::new();
    // `BENCH_STORES=watchpost` (comma-separated) runs only those stores.
    let only = std::env::var("BENCH_STORES").unwrap_or_default();
    for name in [
        "watchpost",
        "watchpost-bgsync",
        "prometheus",
        "victoria-metrics",
    ] {
        if !only.is_empty() && !only.split(',').any(|o| o == name) {
            continue;
        }
        let Some(target) = start(name, &root) else {
            continue;
        };
        eprintln!("driving {total} samples into {name} ...");
        let took = drive(&target.write_url, &load);
        std::thread::sleep(settle);
        if name == "victoria-metrics" {
            let base = target.write_url.trim_end_matches("/api/v1/write");
            let _ = ureq::get(&format!("{base}/internal/force_flush")).call();
            let _ = ureq::get(&format!("{base}/internal/force_merge")).call();
            std::thread::sleep(Duration::from_secs(5));
        }
        let rss = peak_rss_kb(target.child.id());
        let disk = dir_size(&target.data);
        // Where the bytes are (WAL, blocks, index parts...): the children of
        // the first directory down the data directory that splits its bytes.
        let mut dir = target.data.clone();
        let mut parts: Vec<(String, u64)>;
        loop {
            parts = std::fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| {
                    let p = e.path();
                    let name = p
                        .strip_prefix(&target.data)
                        .unwrap_or(&p)
                        .display()
                        .to_string();
                    (name, dir_size_or_len(&p))
                })
                .filter(|(_, size)| *size > 0)
                .collect();
            let total: u64 = parts.iter().map(|(_, size)| size).sum();
            match parts.iter().max_by_key(|(_, size)| *size) {
                Some((big, size)) if *size * 10 >= total * 9 && target.data.join(big).is_dir() => {
                    dir = target.data.join(big)
                }
                _ => break,
            }
        }
        parts.sort_by_key(|part| std::cmp::Reverse(part.1));
        let parts: Vec<String> = parts
            .iter()
            .take(8)
            .map(|(name, size)| format!("{name} {:.1} MiB", *size as f64 / 1048576.0))
            .collect();
        eprintln!("{name} disk: {}", parts.join(", "));
        rows.push((
            target.name,
            total as f64 / took.as_secs_f64(),
            rss,
            rss as f64 * 1024.0 / series as f64,
            disk as f64 / total as f64,
        ));
    }
    println!(
        "\n{series} series x {rounds} rounds at 15 s = {total} samples, remote write, 2000 series/request, 4 connections\n"
    );
    println!(
        "{:<17} {:>14} {:>14} {:>15} {:>14}",
        "store", "samples/s", "peak RSS MiB", "RSS B/series", "disk B/sample"
    );
    for (name, rate, rss, per_series, per_sample) in &rows {
        println!(
            "{name:<17} {rate:>14.0} {:>14.1} {per_series:>15.0} {per_sample:>14.2}",
            *rss as f64 / 1024.0
        );
    }
    let is_ours = |name: &str| name.starts_with("watchpost");
    for wp in rows.iter().filter(|r| is_ours(r.0)) {
        println!(
            "\nratios ({} / peer): samples/s higher is better, RSS and disk lower is better",
            wp.0
        );
        for peer in rows.iter().filter(|r| !is_ours(r.0)) {
            println!(
                "vs {:<16} samples/s {:.2}x   RSS/series {:.2}x   bytes/sample {:.2}x",
                peer.0,
                wp.1 / peer.1,
                wp.3 / peer.3,
                wp.4 / peer.4
            );
        }
    }
}
