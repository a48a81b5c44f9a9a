//! Runs the real `watchpost` binary for end-to-end tests: free loopback
//! ports, temporary manifests, readiness waits and HTTP helpers. Every wait is
//! bounded in time.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub mod webhook;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The binary under test (`WATCHPOST_BIN` overrides `target/debug/watchpost`).
pub fn binary() -> PathBuf {
    let path = std::env::var_os("WATCHPOST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/debug/watchpost"));
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build -p watchpost` (scripts/test.sh does)",
        path.display()
    );
    path
}

/// A built guest component.
pub fn wasm(stem: &str) -> PathBuf {
    let path = root()
        .join("target/wasm32-wasip2/plugin")
        .join(format!("{stem}.wasm"));
    assert!(
        path.is_file(),
        "{} is missing: run scripts/build-plugins.sh",
        path.display()
    );
    path
}

/// A peer program from Debian's packages; `.ci/run` installs them.
pub fn peer_binary(name: &str, package: &str) -> PathBuf {
    let path = PathBuf::from("/usr/bin").join(name);
    assert!(
        path.is_file(),
        "{} is missing: install Debian's {package} package (.ci/run does: apt-get install {package})",
        path.display()
    );
    path
}

/// A child process killed on drop (a peer server).
pub struct Peer(pub Child);

impl Peer {
    /// Starts `program args...` with output to `log`.
    pub fn start(program: &Path, args: &[String], log: &Path) -> Peer {
        let child = Command::new(program)
            .args(args)
            .stdout(std::fs::File::create(log).unwrap())
            .stderr(std::fs::File::create(log.with_extension("err")).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        Peer(child)
    }
}

impl Peer {
    /// Stops the peer with SIGTERM (letting it flush) and waits for it.
    pub fn terminate(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Family name -> the set of label-name sets of its series, from Prometheus
/// text exposition.
pub fn families_from_text(
    text: &str,
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<Vec<String>>> {
    let mut out: std::collections::BTreeMap<String, std::collections::BTreeSet<Vec<String>>> =
        Default::default();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (name, rest) = match line.find(['{', ' ']) {
            Some(i) => (&line[..i], &line[i..]),
            None => continue,
        };
        // Label names with a non-empty value: Prometheus drops empty ones.
        let mut labels = Vec::new();
        if let Some(body) = rest.strip_prefix('{') {
            let body = &body[..body.rfind('}').unwrap_or(body.len())];
            let mut name = String::new();
            let mut value = String::new();
            let mut in_quotes = false;
            let mut escaped = false;
            for c in body.chars() {
                if in_quotes {
                    if escaped {
                        escaped = false;
                        value.push(c);
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        in_quotes = false;
                        if !value.is_empty() {
                            labels.push(name.trim().trim_start_matches(',').trim().to_string());
                        }
                        name.clear();
                        value.clear();
                    } else {
                        value.push(c);
                    }
                    continue;
                }
                match c {
                    '"' => in_quotes = true,
                    '=' => {}
                    _ => name.push(c),
                }
            }
        }
        labels.sort();
        out.entry(name.to_string()).or_default().insert(labels);
    }
    out
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `watchpost args...` to completion.
pub fn run_cli(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .env("WATCHPOST_LOG", "warn")
        .output()
        .expect("watchpost runs")
}

/// A running `watchpost run` process, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The stderr log file.
    pub log: PathBuf,
}

impl Server {
    /// Starts `watchpost run manifest` listening on `port`; waits for `/-/ready`.
    pub fn start(manifest: &Path, port: u16) -> Server {
        let log = manifest.with_extension("log");
        let child = Command::new(binary())
            .args(["--log-level", "info", "run"])
            .arg(manifest)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("watchpost starts");
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let base = server.base.clone();
        let ready = wait_for(Duration::from_secs(60), || {
            get(&format!("{base}/-/ready"))
                .map(|(status, _)| status == 200)
                .unwrap_or(false)
        });
        if !ready {
            let _ = server.child.kill();
            panic!(
                "watchpost did not become ready; log:\n{}",
                server.log_text()
            );
        }
        server
    }

    /// Starts Watchpost on a free port with `dir/watchpost.toml` holding a
    /// `[server]` table for that port followed by `rest`.
    pub fn start_with(dir: &Path, rest: &str) -> Server {
        let port = free_port();
        let manifest = dir.join("watchpost.toml");
        std::fs::write(
            &manifest,
            format!("[server]\nlisten = \"127.0.0.1:{port}\"\n\n{rest}"),
        )
        .unwrap();
        Server::start(&manifest, port)
    }

    /// Starts Watchpost on a free port with nothing but `[server]` in its
    /// manifest (receivers only, no plugins), in `dir`.
    pub fn start_bare(dir: &Path) -> Server {
        Server::start_with(dir, "")
    }

    /// Starts Watchpost on a free port in `dir` as an Alertmanager with
    /// `alertmanager_yml` as its `[alerting]` config, and nothing else.
    pub fn start_alerting(dir: &Path, alertmanager_yml: &str) -> Server {
        std::fs::write(dir.join("am.yml"), alertmanager_yml).unwrap();
        Server::start_with(dir, "[alerting]\nconfig = \"am.yml\"\n")
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the server logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// GET a path; panics on transport errors.
    pub fn get(&self, path: &str) -> (u16, String) {
        get(&format!("{}{path}", self.base)).unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// GET a path that answers 200 with JSON.
    pub fn json(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.get(path);
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// The result of the instant query `q` at now (`/api/v1/query`).
    pub fn query(&self, q: &str) -> Vec<serde_json::Value> {
        self.json(&format!("/api/v1/query?query={}", encode(q)))["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The active alerts (`/api/v1/alerts`).
    pub fn alerts(&self) -> Vec<serde_json::Value> {
        self.json("/api/v1/alerts")["data"]["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Backfills Prometheus text-format lines (`/api/v1/import/prometheus`).
    pub fn import(&self, body: &str) {
        let resp = agent()
            .post(&format!("{}/api/v1/import/prometheus", self.base))
            .send(body)
            .unwrap();
        assert!(resp.status().is_success(), "import: {}", resp.status());
    }

    /// GET `/health` as JSON.
    pub fn health(&self) -> serde_json::Value {
        let (status, body) = self.get("/health");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// The health entry of plugin `name`.
    pub fn plugin(&self, name: &str) -> Option<serde_json::Value> {
        self.health()["plugins"]
            .as_array()?
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
    }

    /// The value of the first `/metrics` line starting with `prefix`.
    pub fn metric(&self, prefix: &str) -> Option<f64> {
        let (_, body) = self.get("/metrics");
        body.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    }

    /// The raw stored series matching `selector` (Prometheus matrix result).
    pub fn raw(&self, selector: &str) -> Vec<serde_json::Value> {
        let url = format!("/api/v0/raw?match={}", encode(selector));
        let (status, body) = self.get(&url);
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    /// Sends SIGKILL and waits for the process to go.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// POST a path with an empty body.
    pub fn post(&self, path: &str) -> (u16, String) {
        let agent = agent();
        match agent.post(&format!("{}{path}", self.base)).send_empty() {
            Ok(mut r) => (
                r.status().as_u16(),
                r.body_mut().read_to_string().unwrap_or_default(),
            ),
            Err(e) => panic!("POST {path}: {e}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Percent-encodes a query parameter value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An HTTP client that returns error statuses as responses; 10 s timeout.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// GET `url`: (status, body).
pub fn get(url: &str) -> Result<(u16, String), String> {
    let mut resp = agent().get(url).call().map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// Polls `check` every 100 ms until it holds or `limit` passes.
pub fn wait_for(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// Starts Debian's Prometheus 2.42 in `dir` with the remote-write receiver
/// on and `config` as its configuration file; waits until it is ready and
/// returns it with its base URL.
pub fn start_prometheus(dir: &Path, config: &str) -> (Peer, String) {
    let port = free_port();
    let file = dir.join("prometheus.yml");
    std::fs::write(&file, config).unwrap();
    let args = vec![
        format!("--config.file={}", file.display()),
        format!("--storage.tsdb.path={}", dir.join("prom-data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--web.enable-remote-write-receiver".into(),
    ];
    let peer = Peer::start(
        &peer_binary("prometheus", "prometheus"),
        &args,
        &dir.join("prometheus.log"),
    );
    let url = format!("http://127.0.0.1:{port}");
    assert!(
        wait_for(Duration::from_secs(60), || get(&format!("{url}/-/ready"))
            .is_ok_and(|(s, _)| s == 200)),
        "Prometheus did not become ready; see {}",
        dir.join("prometheus.log.err").display()
    );
    (peer, url)
}

/// Starts Debian's Alertmanager 0.25 in `dir` (clustering off) with
/// `config`; waits until it is ready and returns it with its base URL.
pub fn start_alertmanager(dir: &Path, config: &str) -> (Peer, String) {
    let port = free_port();
    let file = dir.join("alertmanager.yml");
    std::fs::write(&file, config).unwrap();
    let args = vec![
        format!("--config.file={}", file.display()),
        format!("--storage.path={}", dir.join("am-data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--cluster.listen-address=".into(),
    ];
    let peer = Peer::start(
        &peer_binary("prometheus-alertmanager", "prometheus-alertmanager"),
        &args,
        &dir.join("alertmanager.log"),
    );
    let url = format!("http://127.0.0.1:{port}");
    assert!(
        wait_for(Duration::from_secs(60), || get(&format!("{url}/-/ready"))
            .is_ok_and(|(s, _)| s == 200)),
        "Alertmanager did not become ready; see {}",
        dir.join("alertmanager.log.err").display()
    );
    (peer, url)
}

/// POSTs `body` as JSON to `url`: (status, body).
pub fn post_json(url: &str, body: &serde_json::Value) -> (u16, String) {
    let mut resp = agent()
        .post(url)
        .header("content-type", "application/json")
        .send(body.to_string())
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap_or_default())
}
