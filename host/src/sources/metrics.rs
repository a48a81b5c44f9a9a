//! Per-source self-metrics, appended to `/metrics`:
//! `watchpost_source_lines_total`, `_bytes_total`, `_parse_errors_total`,
//! `_batches_total` and `_append_failures_total`, each by `source`.

use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Counters of one source.
#[derive(Debug, Default, Clone, Copy)]
pub struct SourceCounters {
    /// Lines (or multi-line records) read.
    pub lines: u64,
    /// Bytes of those lines.
    pub bytes: u64,
    /// Lines stored with a parse error.
    pub parse_errors: u64,
    /// Batches stored.
    pub batches: u64,
    /// Appends the store refused (retried).
    pub append_failures: u64,
    /// Messages dropped because the source's queue was full (UDP).
    pub dropped: u64,
}

/// Every source's counters.
#[derive(Debug, Default)]
pub struct SourceMetrics {
    by_source: Mutex<BTreeMap<String, SourceCounters>>,
}

impl SourceMetrics {
    /// Applies `f` to `source`'s counters.
    pub fn update(&self, source: &str, f: impl FnOnce(&mut SourceCounters)) {
        f(self.by_source.lock().entry(source.to_string()).or_default());
    }

    /// The counters of `source`.
    pub fn get(&self, source: &str) -> SourceCounters {
        self.by_source
            .lock()
            .get(source)
            .copied()
            .unwrap_or_default()
    }

    /// Prometheus text format.
    pub fn encode(&self, out: &mut String) {
        let all = self.by_source.lock().clone();
        if all.is_empty() {
            return;
        }
        type Row = (&'static str, &'static str, fn(&SourceCounters) -> u64);
        let rows: [Row; 6] = [
            (
                "watchpost_source_lines_total",
                "Lines read by a log source.",
                |c| c.lines,
            ),
            (
                "watchpost_source_bytes_total",
                "Bytes of lines read by a log source.",
                |c| c.bytes,
            ),
            (
                "watchpost_source_parse_errors_total",
                "Lines stored with a parse error.",
                |c| c.parse_errors,
            ),
            (
                "watchpost_source_batches_total",
                "Batches a log source stored.",
                |c| c.batches,
            ),
            (
                "watchpost_source_append_failures_total",
                "Appends the log store refused (retried).",
                |c| c.append_failures,
            ),
            (
                "watchpost_source_dropped_total",
                "Messages dropped because the source's queue was full (UDP).",
                |c| c.dropped,
            ),
        ];
        for (name, help, get) in rows {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (source, c) in &all {
                let _ = writeln!(out, "{name}{{source={:?}}} {}", source, get(c));
            }
        }
    }
}
