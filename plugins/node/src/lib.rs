//! Watchpost's stock `node` exporter: host statistics read from procfs, under
//! node_exporter's metric names, types, help strings and labels, so existing
//! dashboards and alerts keep working.
//!
//! Each collector reads its files with `std::fs` (the host grants `/proc` as a
//! read-only directory) and hands the text to a pure `parse` function. A
//! collector whose file is missing or malformed is skipped with a warning and
//! reported as `node_scrape_collector_success{collector="..."} 0`; the others
//! still report.

mod diskstats;
mod filesystem;
mod loadavg;
mod meminfo;
mod netdev;
mod stat;
mod uname;

use serde::Deserialize;
use std::path::{Path, PathBuf};
use watchpost_sdk::{Exporter, Level, MetricFamily, Target};

/// Every collector, in the order they run.
pub const COLLECTORS: &[&str] = &[
    "cpu",
    "stat",
    "meminfo",
    "loadavg",
    "netdev",
    "diskstats",
    "filesystem",
    "time",
    "uname",
];

/// The `[plugin.config]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `proc_path = "/proc"`: where procfs is mounted; must be in `read_dirs`.
    pub proc_path: String,
    /// `collectors = ["cpu", "meminfo"]`: run only these (default: all).
    pub collectors: Option<Vec<String>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            proc_path: "/proc".into(),
            collectors: None,
        }
    }
}

/// The exporter: the validated config.
pub struct Node {
    proc_path: PathBuf,
    collectors: Vec<&'static str>,
}

impl Exporter for Node {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        let collectors = match &config.collectors {
            None => COLLECTORS.to_vec(),
            Some(names) => names
                .iter()
                .map(|name| {
                    COLLECTORS
                        .iter()
                        .find(|c| **c == name.as_str())
                        .copied()
                        .ok_or_else(|| {
                            watchpost_sdk::Error::new(format!(
                                "unknown collector {name:?}; known: {}",
                                COLLECTORS.join(", ")
                            ))
                        })
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(Node {
            proc_path: PathBuf::from(config.proc_path),
            collectors,
        })
    }

    fn collect(&mut self, _target: &Target) -> watchpost_sdk::Result<Vec<MetricFamily>> {
        let mut families = Vec::new();
        let mut success = MetricFamily::gauge(
            "node_scrape_collector_success",
            "node_exporter: Whether a collector succeeded.",
        );
        for &name in &self.collectors {
            match run(name, &self.proc_path) {
                Ok(found) => {
                    families.extend(found.into_iter().filter(|f| !f.metrics.is_empty()));
                    success.push(&[("collector", name)], 1.0);
                }
                Err(err) => {
                    watchpost_sdk::log::write(
                        Level::Warn,
                        &format!("collector {name} skipped: {err}"),
                        &[("collector", name)],
                    );
                    success.push(&[("collector", name)], 0.0);
                }
            }
        }
        families.push(success);
        Ok(families)
    }
}

watchpost_sdk::export_exporter!(Node);

/// Runs one collector against the procfs mounted at `proc`.
fn run(name: &str, proc: &Path) -> Result<Vec<MetricFamily>, String> {
    match name {
        "cpu" => stat::parse_cpu(&read(proc, "stat")?),
        "stat" => stat::parse_stat(&read(proc, "stat")?),
        "meminfo" => meminfo::parse(&read(proc, "meminfo")?),
        "loadavg" => loadavg::parse(&read(proc, "loadavg")?),
        "netdev" => netdev::parse(&read(proc, "net/dev")?),
        "diskstats" => diskstats::parse(&read(proc, "diskstats")?),
        "filesystem" => filesystem::collect(proc),
        "time" => Ok(vec![time(watchpost_sdk::now_ms())]),
        "uname" => uname::collect(proc),
        other => Err(format!("unknown collector {other}")),
    }
}

/// Reads `<proc>/<rel>`, naming the file in the error.
fn read(proc: &Path, rel: &str) -> Result<String, String> {
    let path = proc.join(rel);
    std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))
}

/// `node_time_seconds` from the host's clock.
fn time(now_ms: i64) -> MetricFamily {
    MetricFamily::gauge(
        "node_time_seconds",
        "System time in seconds since epoch (1970).",
    )
    .sample(&[], now_ms as f64 / 1000.0)
}

/// Parses one numeric field, naming it in the error.
fn number(text: &str, what: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .map_err(|_| format!("invalid number {text:?} for {what}"))
}

#[cfg(test)]
mod tests;
