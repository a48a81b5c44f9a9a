//! Forwarding (the scale-out path): every accepted sample matching a
//! forwarder's selectors is queued on disk and sent with Prometheus remote
//! write to an existing cluster (VictoriaMetrics, Mimir, Thanos Receive,
//! Prometheus). Configured by `[[forward]]` in the manifest; a change takes
//! effect after a restart.

mod queue;
mod sender;

pub use queue::DiskQueue;
pub use sender::build_request;

use crate::storage::metrics::{Matcher, Sample};
use crate::telemetry::SelfMetrics;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A validated `[[forward]]` entry.
#[derive(Clone, PartialEq)]
pub struct ForwardSpec {
    /// Unique name (queue directory, metrics label).
    pub name: String,
    /// Remote-write URL. May hold credentials.
    pub url: String,
    /// Series selectors; a sample is forwarded when it matches any. Empty
    /// means everything.
    pub selectors: Vec<String>,
    /// Extra request headers (auth). May hold secrets.
    pub headers: Vec<(String, String)>,
    /// Most samples per request.
    pub batch_size: usize,
    /// Longest wait before a partial batch is sent.
    pub flush_interval: Duration,
    /// Request timeout.
    pub timeout: Duration,
    /// Most unacknowledged bytes kept on disk.
    pub max_queue_bytes: u64,
}

impl std::fmt::Debug for ForwardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForwardSpec")
            .field("name", &self.name)
            .field("url", &"<redacted>")
            .field("selectors", &self.selectors)
            .field("batch_size", &self.batch_size)
            .finish()
    }
}

/// One running forwarder.
pub struct Forwarder {
    name: String,
    matchers: Vec<Vec<Matcher>>,
    queue: Arc<Mutex<DiskQueue>>,
    signal: Arc<sender::Signal>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    telemetry: Arc<SelfMetrics>,
    /// Newest sample timestamp queued (ms), shared with the sender.
    highest_enqueued: Arc<AtomicI64>,
}

impl Forwarder {
    /// Opens the queue under `dir` and starts the sender thread.
    pub fn start(
        spec: ForwardSpec,
        dir: &Path,
        telemetry: Arc<SelfMetrics>,
    ) -> anyhow::Result<Forwarder> {
        let mut matchers = Vec::new();
        for s in &spec.selectors {
            matchers
                .push(crate::api::selector_matchers(s).map_err(|e| {
                    anyhow::anyhow!("forward {:?}: selector {s:?}: {e}", spec.name)
                })?);
        }
        let queue = Arc::new(Mutex::new(DiskQueue::open(
            &dir.join(&spec.name),
            spec.max_queue_bytes,
        )?));
        let signal = Arc::new(sender::Signal::default());
        let stop = Arc::new(AtomicBool::new(false));
        let highest_enqueued = Arc::new(AtomicI64::new(i64::MIN));
        let thread = {
            let shared = sender::Shared {
                queue: Arc::clone(&queue),
                signal: Arc::clone(&signal),
                stop: Arc::clone(&stop),
                telemetry: Arc::clone(&telemetry),
                highest_enqueued: Arc::clone(&highest_enqueued),
            };
            let spec = spec.clone();
            std::thread::Builder::new()
                .name(format!("forward-{}", spec.name))
                .spawn(move || sender::run(spec, shared))?
        };
        Ok(Forwarder {
            name: spec.name,
            matchers,
            queue,
            signal,
            stop,
            thread: Some(thread),
            telemetry,
            highest_enqueued,
        })
    }

    /// Queues the samples this forwarder selects (synced to disk).
    pub fn enqueue(&self, samples: &[Sample]) {
        let selected: Vec<Sample> = if self.matchers.is_empty() {
            samples.to_vec()
        } else {
            samples
                .iter()
                .filter(|s| {
                    self.matchers.iter().any(|ms| {
                        ms.iter()
                            .all(|m| m.matches(s.labels.get(&m.name).unwrap_or("")))
                    })
                })
                .cloned()
                .collect()
        };
        if selected.is_empty() {
            return;
        }
        let newest = selected.iter().map(|s| s.t).max().unwrap_or(i64::MIN);
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        match queue.push(&selected) {
            Ok(()) => {
                self.telemetry
                    .forward_queue(&self.name, queue.pending_bytes());
                let before = self.highest_enqueued.fetch_max(newest, Ordering::Relaxed);
                self.telemetry
                    .forward_enqueued_timestamp(&self.name, before.max(newest));
                drop(queue);
                self.signal.notify();
            }
            Err(e) => {
                self.telemetry
                    .forward_dropped(&self.name, selected.len() as u64);
                tracing::error!(forwarder = %self.name, error = %e, samples = selected.len(), "cannot queue samples for forwarding; they are stored locally but will not be forwarded");
            }
        }
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.signal.notify();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
