//! Watchpost's own metrics (`/metrics`), in Prometheus text format: plugin
//! calls, failures, durations, restarts, reloads, ingestion and build info.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PluginLabel {
    plugin: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    plugin: String,
    kind: String,
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    plugin: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
    contract: String,
}

/// The host's metrics.
pub struct SelfMetrics {
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    failures: Family<FailureLabels, Counter>,
    restarts: Family<PluginLabel, Counter>,
    durations: Family<PluginLabel, Histogram>,
    samples: Family<PluginLabel, Counter>,
    reload_ok: Gauge,
    reload_ts: Gauge<f64, AtomicU64>,
    reloads: Family<ResultLabel, Counter>,
    appended: Counter,
    rejected: Family<ReasonLabel, Counter>,
    head_series: Gauge,
    wal_bytes: Gauge,
    blocks: Gauge,
    block_bytes: Gauge,
    head_cuts: Counter,
    head_series_removed: Counter,
    compactions: Counter,
    retention_deletions: Counter,
    forwarded: Family<ForwarderLabel, Counter>,
    forward_failures: Family<ForwarderLabel, Counter>,
    forward_dropped: Family<ForwarderLabel, Counter>,
    forward_queue: Family<ForwarderLabel, Gauge>,
    forward_enqueued_ts: Family<ForwarderLabel, Gauge<f64, AtomicU64>>,
    forward_sent_ts: Family<ForwarderLabel, Gauge<f64, AtomicU64>>,
    forward_lag: Family<ForwarderLabel, Gauge<f64, AtomicU64>>,
}

/// A plugin's `watchpost_plugin_calls_total` series (one per result) and
/// its duration histogram; see [`SelfMetrics::plugin_calls`].
#[derive(Clone, Debug)]
pub struct PluginCallMetrics {
    /// `result="success"`.
    pub success: Counter,
    /// `result="error"`: the plugin reported an error.
    pub error: Counter,
    /// `result="failure"`: trap, timeout, memory.
    pub failure: Counter,
    /// `result="skipped"`: in restart backoff.
    pub skipped: Counter,
    /// Call durations.
    pub duration: Histogram,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ForwarderLabel {
    forwarder: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: String,
}

impl Default for SelfMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl SelfMetrics {
    /// Registers every metric.
    pub fn new() -> SelfMetrics {
        let mut registry = Registry::default();
        let calls = Family::<CallLabels, Counter>::default();
        let failures = Family::<FailureLabels, Counter>::default();
        let restarts = Family::<PluginLabel, Counter>::default();
        let durations = Family::<PluginLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0001, 4.0, 10))
        });
        let samples = Family::<PluginLabel, Counter>::default();
        let reload_ok = Gauge::default();
        let reload_ts = Gauge::<f64, AtomicU64>::default();
        let reloads = Family::<ResultLabel, Counter>::default();
        let appended = Counter::default();
        let rejected = Family::<ReasonLabel, Counter>::default();
        let head_series = Gauge::default();
        let wal_bytes = Gauge::default();
        let blocks = Gauge::default();
        let block_bytes = Gauge::default();
        let head_cuts = Counter::default();
        let head_series_removed = Counter::default();
        let compactions = Counter::default();
        let retention_deletions = Counter::default();
        let forwarded = Family::<ForwarderLabel, Counter>::default();
        let forward_failures = Family::<ForwarderLabel, Counter>::default();
        let forward_dropped = Family::<ForwarderLabel, Counter>::default();
        let forward_queue = Family::<ForwarderLabel, Gauge>::default();
        let forward_enqueued_ts = Family::<ForwarderLabel, Gauge<f64, AtomicU64>>::default();
        let forward_sent_ts = Family::<ForwarderLabel, Gauge<f64, AtomicU64>>::default();
        let forward_lag = Family::<ForwarderLabel, Gauge<f64, AtomicU64>>::default();
        let build = Family::<BuildLabels, Gauge>::default();
        build
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").into(),
                contract: crate::runtime::CONTRACT_VERSION.into(),
            })
            .set(1);

        registry.register(
            "watchpost_build_info",
            "Watchpost version and plugin contract",
            build,
        );
        registry.register(
            "watchpost_plugin_calls",
            "Calls into plugins by result (success, error, failure, skipped)",
            calls.clone(),
        );
        registry.register(
            "watchpost_plugin_failures",
            "Plugin calls that trapped, panicked, timed out or exceeded memory",
            failures.clone(),
        );
        registry.register(
            "watchpost_plugin_restarts",
            "Fresh plugin instances built after a failure",
            restarts.clone(),
        );
        registry.register(
            "watchpost_plugin_call_duration_seconds",
            "Duration of plugin calls",
            durations.clone(),
        );
        registry.register(
            "watchpost_exporter_samples",
            "Samples received from exporter plugins",
            samples.clone(),
        );
        registry.register(
            "watchpost_config_last_reload_successful",
            "Whether the last configuration reload succeeded",
            reload_ok.clone(),
        );
        registry.register(
            "watchpost_config_last_reload_success_timestamp_seconds",
            "Time of the last successful configuration reload",
            reload_ts.clone(),
        );
        registry.register(
            "watchpost_config_reloads",
            "Configuration reloads by result",
            reloads.clone(),
        );
        registry.register(
            "watchpost_tsdb_samples_appended",
            "Samples stored in the metrics store",
            appended.clone(),
        );
        registry.register(
            "watchpost_tsdb_samples_rejected",
            "Samples refused, by reason (out_of_bounds, duplicate_timestamp, invalid_labels, native_histogram_unsupported)",
            rejected.clone(),
        );
        registry.register(
            "watchpost_tsdb_head_series",
            "Series in the in-memory head",
            head_series.clone(),
        );
        registry.register(
            "watchpost_tsdb_wal_size_bytes",
            "Size of the metrics write-ahead log",
            wal_bytes.clone(),
        );
        registry.register("watchpost_tsdb_blocks", "On-disk blocks", blocks.clone());
        registry.register(
            "watchpost_tsdb_blocks_size_bytes",
            "Bytes in on-disk blocks",
            block_bytes.clone(),
        );
        registry.register(
            "watchpost_tsdb_head_series_removed",
            "Head series dropped after their data was cut into blocks",
            head_series_removed.clone(),
        );
        registry.register(
            "watchpost_tsdb_head_cuts",
            "Blocks cut from the head",
            head_cuts.clone(),
        );
        registry.register(
            "watchpost_tsdb_compactions",
            "Blocks produced by compaction",
            compactions.clone(),
        );
        registry.register(
            "watchpost_tsdb_retention_deletions",
            "Blocks deleted by retention",
            retention_deletions.clone(),
        );
        registry.register(
            "watchpost_forward_samples_sent",
            "Samples delivered to the forwarder's receiver",
            forwarded.clone(),
        );
        registry.register(
            "watchpost_forward_send_failures",
            "Failed sends, retried later",
            forward_failures.clone(),
        );
        registry.register(
            "watchpost_forward_samples_dropped",
            "Samples the receiver refused (4xx) or that did not fit in the queue",
            forward_dropped.clone(),
        );
        registry.register(
            "watchpost_forward_queue_bytes",
            "Bytes queued on disk, not yet delivered",
            forward_queue.clone(),
        );
        registry.register(
            "watchpost_forward_highest_enqueued_timestamp_seconds",
            "Newest sample timestamp queued for the receiver",
            forward_enqueued_ts.clone(),
        );
        registry.register(
            "watchpost_forward_highest_sent_timestamp_seconds",
            "Newest sample timestamp the receiver acknowledged",
            forward_sent_ts.clone(),
        );
        registry.register(
            "watchpost_forward_lag_seconds",
            "How far the oldest undelivered sample is behind the newest queued one (0 when the queue is empty)",
            forward_lag.clone(),
        );
        SelfMetrics {
            registry,
            calls,
            failures,
            restarts,
            durations,
            samples,
            reload_ok,
            reload_ts,
            reloads,
            appended,
            rejected,
            head_series,
            wal_bytes,
            blocks,
            block_bytes,
            head_cuts,
            head_series_removed,
            compactions,
            retention_deletions,
            forwarded,
            forward_failures,
            forward_dropped,
            forward_queue,
            forward_enqueued_ts,
            forward_sent_ts,
            forward_lag,
        }
    }

    fn forwarder(name: &str) -> ForwarderLabel {
        ForwarderLabel {
            forwarder: name.into(),
        }
    }

    /// Counts delivered samples.
    pub fn forwarded(&self, name: &str, n: u64) {
        self.forwarded
            .get_or_create(&Self::forwarder(name))
            .inc_by(n);
    }

    /// Counts a failed send.
    pub fn forward_failed(&self, name: &str) {
        self.forward_failures
            .get_or_create(&Self::forwarder(name))
            .inc();
    }

    /// Counts dropped samples.
    pub fn forward_dropped(&self, name: &str, n: u64) {
        self.forward_dropped
            .get_or_create(&Self::forwarder(name))
            .inc_by(n);
    }

    /// Sets the queue depth.
    pub fn forward_queue(&self, name: &str, bytes: u64) {
        self.forward_queue
            .get_or_create(&Self::forwarder(name))
            .set(bytes as i64);
    }

    /// Sets the newest timestamp (ms) queued for forwarding.
    pub fn forward_enqueued_timestamp(&self, name: &str, t_ms: i64) {
        self.forward_enqueued_ts
            .get_or_create(&Self::forwarder(name))
            .set(t_ms as f64 / 1e3);
    }

    /// Sets the newest timestamp (ms) the receiver acknowledged.
    pub fn forward_sent_timestamp(&self, name: &str, t_ms: i64) {
        self.forward_sent_ts
            .get_or_create(&Self::forwarder(name))
            .set(t_ms as f64 / 1e3);
    }

    /// Sets how far (ms) delivery is behind.
    pub fn forward_lag(&self, name: &str, lag_ms: i64) {
        self.forward_lag
            .get_or_create(&Self::forwarder(name))
            .set(lag_ms.max(0) as f64 / 1e3);
    }

    /// Records a maintenance pass.
    pub fn maintained(
        &self,
        cuts: usize,
        compactions: usize,
        deleted: usize,
        blocks: usize,
        bytes: u64,
        series_removed: usize,
    ) {
        self.head_cuts.inc_by(cuts as u64);
        self.head_series_removed.inc_by(series_removed as u64);
        self.compactions.inc_by(compactions as u64);
        self.retention_deletions.inc_by(deleted as u64);
        self.blocks.set(blocks as i64);
        self.block_bytes.set(bytes as i64);
    }

    /// Counts stored samples.
    pub fn appended(&self, n: u64) {
        self.appended.inc_by(n);
    }

    /// Counts refused samples by `reason`.
    pub fn rejected(&self, reason: &str, n: u64) {
        self.rejected
            .get_or_create(&ReasonLabel {
                reason: reason.into(),
            })
            .inc_by(n);
    }

    /// Sets the head's series count and the WAL size.
    pub fn head(&self, series: u64, wal_bytes: u64) {
        self.head_series.set(series as i64);
        self.wal_bytes.set(wal_bytes as i64);
    }

    /// One plugin's call counters and duration histogram, resolved once so
    /// a call costs no label allocation or map lookup.
    pub fn plugin_calls(&self, plugin: &str, kind: &str) -> PluginCallMetrics {
        let counter = |result: &str| {
            self.calls
                .get_or_create(&CallLabels {
                    plugin: plugin.into(),
                    kind: kind.into(),
                    result: result.into(),
                })
                .clone()
        };
        PluginCallMetrics {
            success: counter("success"),
            error: counter("error"),
            failure: counter("failure"),
            skipped: counter("skipped"),
            duration: self
                .durations
                .get_or_create(&PluginLabel {
                    plugin: plugin.into(),
                })
                .clone(),
        }
    }

    /// Counts a call by `result`.
    pub fn call(&self, plugin: &str, kind: &str, result: &str) {
        self.calls
            .get_or_create(&CallLabels {
                plugin: plugin.into(),
                kind: kind.into(),
                result: result.into(),
            })
            .inc();
    }

    /// Counts a failure by `reason`.
    pub fn failure(&self, plugin: &str, reason: &str) {
        self.failures
            .get_or_create(&FailureLabels {
                plugin: plugin.into(),
                reason: reason.into(),
            })
            .inc();
    }

    /// Counts a restart.
    pub fn restart(&self, plugin: &str) {
        self.restarts
            .get_or_create(&PluginLabel {
                plugin: plugin.into(),
            })
            .inc();
    }

    /// Observes a call duration.
    pub fn duration(&self, plugin: &str, d: Duration) {
        self.durations
            .get_or_create(&PluginLabel {
                plugin: plugin.into(),
            })
            .observe(d.as_secs_f64());
    }

    /// Counts ingested samples.
    pub fn samples(&self, plugin: &str, n: u64) {
        self.samples
            .get_or_create(&PluginLabel {
                plugin: plugin.into(),
            })
            .inc_by(n);
    }

    /// Records a reload outcome.
    pub fn reload(&self, ok: bool) {
        self.reload_ok.set(i64::from(ok));
        self.reloads
            .get_or_create(&ResultLabel {
                result: if ok { "success" } else { "failure" }.into(),
            })
            .inc();
        if ok {
            self.reload_ts.set(crate::util::now_ms() as f64 / 1000.0);
        }
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "cannot encode self-metrics");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_exposed() {
        let m = SelfMetrics::new();
        m.call("p", "exporter", "success");
        m.failure("p", "trap");
        m.restart("p");
        m.duration("p", Duration::from_millis(3));
        m.samples("p", 2);
        m.reload(true);
        m.appended(5);
        m.rejected("out_of_bounds", 1);
        m.head(7, 1024);
        m.maintained(1, 2, 3, 4, 5, 6);
        m.forwarded("vm", 10);
        m.forward_failed("vm");
        m.forward_dropped("vm", 2);
        m.forward_queue("vm", 99);
        m.forward_enqueued_timestamp("vm", 12_500);
        m.forward_sent_timestamp("vm", 10_000);
        m.forward_lag("vm", 2_500);
        let text = m.encode();
        for line in [
            "watchpost_build_info{",
            "watchpost_plugin_calls_total{plugin=\"p\",kind=\"exporter\",result=\"success\"} 1",
            "watchpost_plugin_failures_total{plugin=\"p\",reason=\"trap\"} 1",
            "watchpost_plugin_restarts_total{plugin=\"p\"} 1",
            "watchpost_plugin_call_duration_seconds_count{plugin=\"p\"} 1",
            "watchpost_exporter_samples_total{plugin=\"p\"} 2",
            "watchpost_config_last_reload_successful 1",
            "watchpost_config_last_reload_success_timestamp_seconds ",
            "watchpost_config_reloads_total{result=\"success\"} 1",
            "watchpost_tsdb_samples_appended_total 5",
            "watchpost_tsdb_samples_rejected_total{reason=\"out_of_bounds\"} 1",
            "watchpost_tsdb_head_series 7",
            "watchpost_tsdb_wal_size_bytes 1024",
            "watchpost_tsdb_head_cuts_total 1",
            "watchpost_tsdb_head_series_removed_total 6",
            "watchpost_tsdb_compactions_total 2",
            "watchpost_tsdb_retention_deletions_total 3",
            "watchpost_tsdb_blocks 4",
            "watchpost_tsdb_blocks_size_bytes 5",
            "watchpost_forward_samples_sent_total{forwarder=\"vm\"} 10",
            "watchpost_forward_send_failures_total{forwarder=\"vm\"} 1",
            "watchpost_forward_samples_dropped_total{forwarder=\"vm\"} 2",
            "watchpost_forward_queue_bytes{forwarder=\"vm\"} 99",
            "watchpost_forward_highest_enqueued_timestamp_seconds{forwarder=\"vm\"} 12.5",
            "watchpost_forward_highest_sent_timestamp_seconds{forwarder=\"vm\"} 10.0",
            "watchpost_forward_lag_seconds{forwarder=\"vm\"} 2.5",
        ] {
            assert!(text.contains(line), "missing {line:?} in:\n{text}");
        }
    }
}
