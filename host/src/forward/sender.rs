//! The sending loop of one forwarder, on its own thread: take up to a batch
//! from the disk queue, send it as a remote-write request, and acknowledge it
//! only on 2xx. Connection errors, 5xx and 429 are retried with exponential
//! backoff (the batch stays queued, on disk); other 4xx mean the receiver
//! will never take the batch, so it is logged and dropped.
//!
//! Progress is published as Prometheus' remote-write queues do (the newest
//! timestamps queued and acknowledged) plus the lag: how far the oldest
//! undelivered sample is behind the newest queued one.

use super::ForwardSpec;
use super::queue::DiskQueue;
use crate::ingest::prompb::{Label, Sample as PbSample, TimeSeries, WriteRequest};
use crate::storage::metrics::{Labels, Sample};
use crate::telemetry::SelfMetrics;
use prost::Message;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Wakes the sender when samples arrive or when it should stop.
#[derive(Default)]
pub struct Signal {
    pending: Mutex<bool>,
    cond: Condvar,
}

impl Signal {
    /// Wakes the sender.
    pub fn notify(&self) {
        *self.pending.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.cond.notify_one();
    }

    fn wait(&self, timeout: Duration) {
        let guard = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let (mut guard, _) = self
            .cond
            .wait_timeout_while(guard, timeout, |pending| !*pending)
            .unwrap_or_else(|p| p.into_inner());
        *guard = false;
    }
}

/// Groups samples by series into a remote-write request.
pub fn build_request(samples: Vec<Sample>) -> WriteRequest {
    let mut by_series: BTreeMap<Labels, Vec<PbSample>> = BTreeMap::new();
    for s in samples {
        by_series.entry(s.labels).or_default().push(PbSample {
            value: s.v,
            timestamp: s.t,
        });
    }
    WriteRequest {
        timeseries: by_series
            .into_iter()
            .map(|(labels, mut samples)| {
                samples.sort_by_key(|s| s.timestamp);
                TimeSeries {
                    labels: labels
                        .iter()
                        .map(|(n, v)| Label {
                            name: n.into(),
                            value: v.into(),
                        })
                        .collect(),
                    samples,
                    exemplars: vec![],
                    histograms: vec![],
                }
            })
            .collect(),
        metadata: vec![],
    }
}

enum Outcome {
    Delivered,
    Rejected(u16, String),
    Retry(String),
}

fn send(agent: &ureq::Agent, spec: &ForwardSpec, body: Vec<u8>) -> Outcome {
    let mut request = agent
        .post(&spec.url)
        .header("Content-Encoding", "snappy")
        .header("Content-Type", "application/x-protobuf")
        .header("X-Prometheus-Remote-Write-Version", "0.1.0")
        .header(
            "User-Agent",
            concat!("watchpost/", env!("CARGO_PKG_VERSION")),
        );
    for (name, value) in &spec.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    match request.send(&body[..]) {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let text = response.body_mut().read_to_string().unwrap_or_default();
            match status {
                200..=299 => Outcome::Delivered,
                429 | 500..=599 => Outcome::Retry(format!("HTTP {status}: {}", text.trim())),
                _ => Outcome::Rejected(status, text.trim().to_string()),
            }
        }
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(50);
    let mut slept = Duration::ZERO;
    while slept < total && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        slept += step;
    }
}

/// What the sender shares with its [`Forwarder`](super::Forwarder).
pub struct Shared {
    /// The disk queue.
    pub queue: Arc<Mutex<DiskQueue>>,
    /// Wakes the sender.
    pub signal: Arc<Signal>,
    /// Set to stop.
    pub stop: Arc<AtomicBool>,
    /// Self-metrics.
    pub telemetry: Arc<SelfMetrics>,
    /// Newest sample timestamp queued (ms).
    pub highest_enqueued: Arc<AtomicI64>,
}

/// Runs until `stop` is set.
pub fn run(spec: ForwardSpec, shared: Shared) {
    let Shared {
        queue,
        signal,
        stop,
        telemetry,
        highest_enqueued,
    } = shared;
    // The lag while `oldest` (ms) is the oldest undelivered timestamp.
    let lag = |oldest: Option<i64>| {
        let newest = highest_enqueued.load(Ordering::Relaxed);
        let lag = match oldest {
            Some(oldest) if newest != i64::MIN => newest.saturating_sub(oldest),
            _ => 0,
        };
        telemetry.forward_lag(&spec.name, lag);
    };
    let mut highest_sent = i64::MIN;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(spec.timeout))
        .build()
        .into();
    let mut backoff = BACKOFF_MIN;
    while !stop.load(Ordering::Relaxed) {
        let next = queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .peek(spec.batch_size);
        let (samples, position) = match next {
            Ok(Some(batch)) => batch,
            Ok(None) => {
                lag(None);
                signal.wait(spec.flush_interval);
                continue;
            }
            Err(e) => {
                tracing::error!(forwarder = %spec.name, error = %e, "cannot read the forward queue");
                signal.wait(BACKOFF_MAX);
                continue;
            }
        };
        let count = samples.len() as u64;
        let partial = samples.len() < spec.batch_size;
        let oldest = samples.iter().map(|s| s.t).min();
        let newest = samples.iter().map(|s| s.t).max().unwrap_or(i64::MIN);
        lag(oldest);
        let body =
            match snap::raw::Encoder::new().compress_vec(&build_request(samples).encode_to_vec()) {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(forwarder = %spec.name, error = %e, "cannot compress a batch");
                    continue;
                }
            };
        match send(&agent, &spec, body) {
            Outcome::Delivered => {
                backoff = BACKOFF_MIN;
                telemetry.forwarded(&spec.name, count);
                highest_sent = highest_sent.max(newest);
                telemetry.forward_sent_timestamp(&spec.name, highest_sent);
            }
            Outcome::Rejected(status, reason) => {
                backoff = BACKOFF_MIN;
                telemetry.forward_dropped(&spec.name, count);
                tracing::error!(forwarder = %spec.name, status, reason = %reason, samples = count, "receiver refused a batch; dropping it");
            }
            Outcome::Retry(reason) => {
                telemetry.forward_failed(&spec.name);
                tracing::warn!(forwarder = %spec.name, reason = %reason, retry_in = ?backoff, "forwarding failed; will retry");
                sleep_unless_stopped(backoff, &stop);
                backoff = (backoff * 2).min(BACKOFF_MAX);
                continue;
            }
        }
        let mut q = queue.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = q.ack(position) {
            tracing::error!(forwarder = %spec.name, error = %e, "cannot record forward progress");
        }
        telemetry.forward_queue(&spec.name, q.pending_bytes());
        drop(q);
        if partial {
            // Let a fuller batch build up, unless more arrives sooner.
            signal.wait(spec.flush_interval);
        }
    }
}
