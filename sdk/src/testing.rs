//! An in-process stand-in for the host, so plugin logic can be unit-tested
//! natively with `cargo test`: set the config, the clock, the state and the
//! answers to queries, then call your plugin's methods directly.
//!
//! ```
//! use watchpost_sdk::testing::TestHost;
//! TestHost::new().config(serde_json::json!({"threshold": 3})).now_ms(1_000).install();
//! assert_eq!(watchpost_sdk::now_ms(), 1_000);
//! ```
#![cfg(not(target_family = "wasm"))]

use crate::bindings::fs_stats::FsUsage;
use crate::bindings::log::Level;
use crate::bindings::query::{QueryError, Sample};
use crate::{Parser, Record, SourceMeta, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;

type QueryFn = Box<dyn FnMut(&str, i64) -> Result<Vec<Sample>, QueryError>>;
type StatfsFn = Box<dyn FnMut(&str) -> Result<FsUsage, String>>;

/// The native test host: what the real host would provide to a plugin.
pub struct TestHost {
    /// The plugin's name.
    pub name: String,
    /// The plugin's config as JSON.
    pub config_json: String,
    /// The key-value store.
    pub state: BTreeMap<String, Vec<u8>>,
    /// Log events written by the plugin: (level, message).
    pub logs: Vec<(Level, String)>,
    /// What the plugin staged with `query::stage`, with the time it gave.
    pub staged: Vec<(crate::RecordedSample, i64)>,
    now_ms: Option<i64>,
    query: Option<QueryFn>,
    statfs: Option<StatfsFn>,
    state_limit: Option<usize>,
}

thread_local! {
    static HOST: RefCell<TestHost> = RefCell::new(TestHost::new());
}

impl Default for TestHost {
    fn default() -> Self {
        Self::new()
    }
}

impl TestHost {
    /// A host with an empty config, the real clock and no query answers.
    pub fn new() -> Self {
        TestHost {
            name: "test".into(),
            config_json: "{}".into(),
            state: BTreeMap::new(),
            logs: Vec::new(),
            staged: Vec::new(),
            now_ms: None,
            query: None,
            statfs: None,
            state_limit: None,
        }
    }
    /// Sets the plugin config.
    pub fn config(mut self, config: serde_json::Value) -> Self {
        self.config_json = config.to_string();
        self
    }
    /// Freezes the clock at `ms`.
    pub fn now_ms(mut self, ms: i64) -> Self {
        self.now_ms = Some(ms);
        self
    }
    /// Limits the key-value state to `bytes` (keys plus values), as the
    /// manifest's `state_limit` does.
    pub fn state_limit(mut self, bytes: usize) -> Self {
        self.state_limit = Some(bytes);
        self
    }
    /// Answers PromQL queries with `f(promql, at_ms)`.
    pub fn on_query(
        mut self,
        f: impl FnMut(&str, i64) -> Result<Vec<Sample>, QueryError> + 'static,
    ) -> Self {
        self.query = Some(Box::new(f));
        self
    }
    /// Answers `fs::statfs` with `f(path)`.
    pub fn on_statfs(mut self, f: impl FnMut(&str) -> Result<FsUsage, String> + 'static) -> Self {
        self.statfs = Some(Box::new(f));
        self
    }
    /// Makes this the current thread's host.
    pub fn install(self) {
        HOST.with(|h| *h.borrow_mut() = self);
    }

    pub(crate) fn log(&mut self, level: Level, message: &str, _fields: &[(&str, &str)]) {
        eprintln!("[plugin {level:?}] {message}");
        self.logs.push((level, message.to_string()));
    }
    pub(crate) fn set_state(&mut self, key: &str, value: &[u8]) -> Result<(), String> {
        let used: usize = self
            .state
            .iter()
            .filter(|(k, _)| k.as_str() != key)
            .map(|(k, v)| k.len() + v.len())
            .sum();
        let needed = used + key.len() + value.len();
        if let Some(limit) = self.state_limit.filter(|limit| needed > *limit) {
            return Err(format!(
                "state limit of {limit} bytes exceeded ({needed} bytes needed)"
            ));
        }
        self.state.insert(key.to_string(), value.to_vec());
        Ok(())
    }
    pub(crate) fn current_ms(&self) -> i64 {
        self.now_ms.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0)
        })
    }
    pub(crate) fn statfs(&mut self, path: &str) -> Result<FsUsage, String> {
        match self.statfs.as_mut() {
            Some(f) => f(path),
            None => Err("fs_stats is not granted in TestHost (use on_statfs)".into()),
        }
    }
    pub(crate) fn stage(&mut self, samples: &[crate::RecordedSample], at_ms: i64) {
        self.staged
            .extend(samples.iter().map(|s| (s.clone(), at_ms)));
    }
    pub(crate) fn instant(&mut self, promql: &str, at_ms: i64) -> Result<Vec<Sample>, QueryError> {
        match self.query.as_mut() {
            Some(f) => f(promql, at_ms),
            None => Err(QueryError::Unavailable(
                "no query answers installed in TestHost".into(),
            )),
        }
    }
}

/// Runs `f` with the current thread's test host.
pub fn with_host<R>(f: impl FnOnce(&mut TestHost) -> R) -> R {
    HOST.with(|h| f(&mut h.borrow_mut()))
}

/// What a [`serve`] server received: the request head and body.
pub struct Received {
    /// The request line and headers.
    pub head: String,
    /// The body.
    pub body: String,
}

impl Received {
    /// `POST /path HTTP/1.1`.
    pub fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }
    /// A header's value (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
    /// The body as JSON (panics if it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A server on a free loopback port (its base URL is returned) that
/// answers one connection per `(status, content type, body)` in turn and
/// yields what it received: for testing a plugin's real HTTP requests.
pub fn serve(
    answers: Vec<(&'static str, &'static str, &'static str)>,
) -> (String, JoinHandle<Vec<Received>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut received = Vec::new();
        for (status, content_type, body) in answers {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let n = stream.read(&mut buf).unwrap();
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            let (name, value) = l.split_once(':')?;
                            name.eq_ignore_ascii_case("content-length")
                                .then(|| value.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(answer.as_bytes()).unwrap();
            let text = String::from_utf8(request).unwrap();
            let (head, body) = text.split_once("\r\n\r\n").unwrap();
            received.push(Received {
                head: head.to_string(),
                body: body.to_string(),
            });
        }
        received
    });
    (base, handle)
}

/// [`serve`] for a single request.
pub fn serve_once(
    status: &'static str,
    content_type: &'static str,
    body: &'static str,
) -> (String, JoinHandle<Received>) {
    let (base, all) = serve(vec![(status, content_type, body)]);
    let one = std::thread::spawn(move || all.join().unwrap().pop().unwrap());
    (base, one)
}

/// Builds parser `P` from a `[plugin.config]` table as the host does: the
/// config deserialised (an error reads `invalid plugin config: ...`), then
/// [`Parser::new`]. Install the [`TestHost`] (its clock) first.
pub fn parser_from_json<P: Parser>(config: serde_json::Value) -> Result<P, String> {
    let config = crate::config_from_json(&config.to_string()).map_err(|e| e.to_string())?;
    P::new(config).map_err(|e| e.to_string())
}

/// The [`SourceMeta`] of a source named `source` reading `origin` (a path or
/// an address), without labels.
pub fn source_meta(source: &str, origin: &str) -> SourceMeta {
    SourceMeta {
        source: source.into(),
        origin: origin.into(),
        labels: Vec::new(),
    }
}

/// The fields of `record` as `(name, value)` pairs, for `assert_eq!`.
pub fn fields<'r, 'a>(record: &'r Record<'a>) -> Vec<(&'r str, Value<'a>)> {
    record
        .fields
        .iter()
        .map(|(k, v)| (k.as_ref(), v.clone()))
        .collect()
}

/// The labels of `record` as `(name, value)` pairs, for `assert_eq!`.
pub fn labels<'r>(record: &'r Record<'_>) -> Vec<(&'r str, &'r str)> {
    record
        .labels
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect()
}

/// `n` lines of up to 40 `pieces` each, drawn by a fixed-seed xorshift (the
/// same lines on every run): for property tests that a parser never panics
/// on any mix of its own syntax.
///
/// ```
/// let lines = watchpost_sdk::testing::random_lines(&["<34>", "Nov 25", " ", ":"], 100);
/// assert_eq!(lines.len(), 100);
/// ```
pub fn random_lines(pieces: &[&str], n: usize) -> Vec<String> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..n)
        .map(|_| {
            let len = next() % 40;
            (0..len)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Upper-cases its config's `prefix` and each line.
    struct Shout {
        prefix: String,
    }

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ShoutConfig {
        prefix: String,
    }

    impl Parser for Shout {
        type Config = ShoutConfig;
        fn new(config: ShoutConfig) -> crate::Result<Self> {
            if config.prefix.is_empty() {
                return Err(crate::Error::new("prefix is empty"));
            }
            Ok(Shout {
                prefix: config.prefix,
            })
        }
        fn parse<'a>(&mut self, line: &'a str, meta: &SourceMeta) -> Result<Record<'a>, String> {
            Ok(
                Record::new(format!("{}{}", self.prefix, line.to_uppercase()))
                    .field("length", line.len() as i64)
                    .label("source", meta.source.clone()),
            )
        }
    }

    #[test]
    fn parser_helpers() {
        let mut p = parser_from_json::<Shout>(serde_json::json!({"prefix": "> "})).unwrap();
        let r = p
            .parse("hi", &source_meta("app", "/var/log/app.log"))
            .unwrap();
        assert_eq!(r.message, "> HI");
        assert_eq!(fields(&r), [("length", Value::Integer(2))]);
        assert_eq!(labels(&r), [("source", "app")]);
        let error = |json| parser_from_json::<Shout>(json).err().unwrap();
        assert_eq!(error(serde_json::json!({"prefix": ""})), "prefix is empty");
        assert!(
            error(serde_json::json!({"prefix": "x", "y": 1}))
                .starts_with("invalid plugin config: unknown field `y`")
        );
    }

    #[test]
    fn random_lines_are_the_same_on_every_run() {
        let lines = random_lines(&["a", "b", "é"], 50);
        assert_eq!(lines, random_lines(&["a", "b", "é"], 50));
        assert!(lines.iter().all(|l| l.chars().count() < 40));
        assert!(lines.iter().any(|l| l.contains('é')));
        assert!(random_lines(&[], 0).is_empty());
    }

    #[test]
    fn state_limit_is_enforced_like_the_host() {
        TestHost::new().state_limit(10).install();
        crate::state::set("k", b"12345").unwrap();
        assert!(
            crate::state::set("k2", b"123456789")
                .unwrap_err()
                .contains("limit")
        );
        crate::state::set("k", b"123456789").unwrap();
        assert_eq!(crate::state::keys(""), vec!["k"]);
    }
}
