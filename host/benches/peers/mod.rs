//! What the benchmarks share: starting Watchpost, Prometheus 2.42 and
//! VictoriaMetrics side by side on loopback, driving remote-write load into
//! them, and reading their memory and disk use.

#![allow(dead_code)] // each bench uses a different part

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn wait_ready(url: &str) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if agent
            .get(url)
            .call()
            .is_ok_and(|r| r.status().as_u16() == 200)
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{url} never became ready");
}

pub fn dir_size(path: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            let p = e.path();
            total += if p.is_dir() {
                dir_size(&p)
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            };
        }
    }
    total
}

pub fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

pub struct Target {
    pub name: &'static str,
    pub child: Child,
    pub write_url: String,
    pub data: PathBuf,
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Starts `name` (`watchpost`, `prometheus`, `victoria-metrics`) with its
/// data under `root`, or `None` when it is not installed.
pub fn start(name: &'static str, root: &Path) -> Option<Target> {
    let port = free_port();
    let data = root.join(name);
    std::fs::create_dir_all(&data).unwrap();
    let (program, args, ready, write): (PathBuf, Vec<String>, String, String) = match name {
        // `watchpost-bgsync`: the WAL fsynced in the background, as the
        // peers do, instead of before each write is acknowledged.
        "watchpost" | "watchpost-bgsync" => {
            let manifest = data.join("watchpost.toml");
            let sync = if name == "watchpost" {
                ""
            } else {
                "wal_sync = \"1s\"\n"
            };
            std::fs::write(&manifest, format!("[server]\nlisten = \"127.0.0.1:{port}\"\n[storage]\ndata_dir = \"data\"\nretention = \"3650d\"\n{sync}")).unwrap();
            (
                PathBuf::from(env!("CARGO_BIN_EXE_watchpost")),
                vec![
                    "--log-level".into(),
                    "warn".into(),
                    "run".into(),
                    manifest.display().to_string(),
                ],
                format!("http://127.0.0.1:{port}/-/ready"),
                format!("http://127.0.0.1:{port}/api/v1/write"),
            )
        }
        "prometheus" => {
            let config = data.join("prometheus.yml");
            std::fs::write(&config, "global:\n  scrape_interval: 1h\n").unwrap();
            (
                PathBuf::from("/usr/bin/prometheus"),
                vec![
                    format!("--config.file={}", config.display()),
                    format!("--storage.tsdb.path={}", data.join("tsdb").display()),
                    format!("--web.listen-address=127.0.0.1:{port}"),
                    "--web.enable-remote-write-receiver".into(),
                    "--storage.tsdb.retention.time=3650d".into(),
                ],
                format!("http://127.0.0.1:{port}/-/ready"),
                format!("http://127.0.0.1:{port}/api/v1/write"),
            )
        }
        "victoria-metrics" => (
            PathBuf::from("/usr/bin/victoria-metrics"),
            vec![
                format!("-storageDataPath={}", data.join("vm").display()),
                format!("-httpListenAddr=127.0.0.1:{port}"),
                "-retentionPeriod=100y".into(),
                // Measure the engine, not its result cache.
                "-search.disableCache".into(),
            ],
            format!("http://127.0.0.1:{port}/health"),
            format!("http://127.0.0.1:{port}/api/v1/write"),
        ),
        _ => unreachable!(),
    };
    if !program.is_file() {
        eprintln!(
            "skipping {name}: {} is not installed (scripts/install-peers.sh)",
            program.display()
        );
        return None;
    }
    let child = Command::new(&program)
        .args(&args)
        .current_dir(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_ready(&ready);
    Some(Target {
        name,
        child,
        write_url: write,
        data,
    })
}

/// Posts one snappy-compressed remote-write body; panics unless it is
/// accepted.
pub fn post_remote_write(agent: &ureq::Agent, url: &str, body: &[u8]) {
    let resp = agent
        .post(url)
        .header("Content-Encoding", "snappy")
        .header("Content-Type", "application/x-protobuf")
        .header("X-Prometheus-Remote-Write-Version", "0.1.0")
        .send(body)
        .expect("request");
    assert!(resp.status().is_success(), "{url}: HTTP {}", resp.status());
}

/// Sends pre-encoded remote-write bodies, one thread per connection.
pub fn drive(url: &str, load: &[Vec<Vec<u8>>]) -> Duration {
    let started = Instant::now();
    std::thread::scope(|s| {
        for conn in load {
            s.spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(60)))
                    .build()
                    .into();
                for body in conn {
                    post_remote_write(&agent, url, body);
                }
            });
        }
    });
    started.elapsed()
}
