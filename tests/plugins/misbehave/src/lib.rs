//! A hostile exporter for the host's sandbox tests. `mode` in its config picks
//! what it does on `collect`:
//!
//! - `ok`: returns one gauge `misbehave_calls` counting its calls (in memory).
//! - `empty`: returns nothing (for call-overhead benchmarks).
//! - `loop`: spins forever.
//! - `alloc`: allocates until something stops it.
//! - `panic`: panics.
//! - `connect`: TCP-connects to `address` and reports `misbehave_connect_ok`.
//! - `http`: GETs `url` and reports `misbehave_http_status`.
//! - `read_dir`: lists `path` and reports `misbehave_dir_entries`.
//! - `env`: reports `misbehave_env_present{name}` for `name`.
//! - `statfs`: reports `misbehave_fs_size_bytes` of `path` (fs-stats).
//! - `error`: returns a plugin error.
//! - `log_flood`: logs 10,000 distinct warnings, then returns like `ok`.

use serde::Deserialize;
use watchpost_sdk::{Error, Exporter, MetricFamily, Result, Target};

/// Config: which misbehaviour, and its parameters.
#[derive(Deserialize)]
pub struct Config {
    mode: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    name: String,
}

/// The plugin.
pub struct Misbehave {
    config: Config,
    calls: u64,
}

impl Exporter for Misbehave {
    type Config = Config;

    fn new(config: Config) -> Result<Self> {
        Ok(Misbehave { config, calls: 0 })
    }

    fn collect(&mut self, _target: &Target) -> Result<Vec<MetricFamily>> {
        self.calls += 1;
        let gauge =
            |name: &str, value: f64| vec![MetricFamily::gauge(name, "test").sample(&[], value)];
        match self.config.mode.as_str() {
            "ok" => Ok(gauge("misbehave_calls", self.calls as f64)),
            "empty" => Ok(Vec::new()),
            "loop" => {
                let mut x: u64 = 0;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            "alloc" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "panic" => panic!("misbehave was told to panic"),
            "connect" => {
                watchpost_sdk::net::connect(
                    &self.config.address,
                    std::time::Duration::from_secs(2),
                )?;
                Ok(gauge("misbehave_connect_ok", 1.0))
            }
            "http" => {
                let resp = watchpost_sdk::http::Request::get(&self.config.url).send()?;
                Ok(gauge("misbehave_http_status", f64::from(resp.status)))
            }
            "read_dir" => {
                let entries = std::fs::read_dir(&self.config.path).map_err(|e| {
                    Error::new(format!("read_dir {} failed: {e}", self.config.path))
                })?;
                Ok(gauge("misbehave_dir_entries", entries.count() as f64))
            }
            "env" => {
                let present = std::env::var(&self.config.name).is_ok();
                Ok(vec![
                    MetricFamily::gauge("misbehave_env_present", "test")
                        .sample(&[("name", &self.config.name)], f64::from(u8::from(present))),
                ])
            }
            "statfs" => {
                let usage = watchpost_sdk::fs::statfs(&self.config.path).map_err(Error::new)?;
                Ok(gauge("misbehave_fs_size_bytes", usage.size_bytes as f64))
            }
            "error" => Err(Error::new("misbehave was told to fail")),
            "log_flood" => {
                for i in 0..10_000 {
                    watchpost_sdk::log::warn(&format!("misbehave flood line {i}"));
                }
                Ok(gauge("misbehave_calls", self.calls as f64))
            }
            other => Err(Error::new(format!("unknown mode {other:?}"))),
        }
    }
}

watchpost_sdk::export_exporter!(Misbehave);
