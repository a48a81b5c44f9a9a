//! Safe wrappers over the host interfaces every plugin may import.
//!
//! Inside Wasm they call the host; in a native build (a plugin's
//! `cargo test`) they use the in-process [`crate::testing::TestHost`] so plugin
//! logic runs unchanged in unit tests.

#[cfg(target_family = "wasm")]
use crate::bindings;
use crate::types::Label;

/// Log levels accepted by [`log::write`].
pub use crate::bindings::log::Level;

/// Structured logging into the host's log stream.
pub mod log {
    use super::*;

    /// Writes one event with extra key/value fields.
    pub fn write(level: Level, message: &str, fields: &[(&str, &str)]) {
        #[cfg(target_family = "wasm")]
        {
            let fields: Vec<(String, String)> = fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            bindings::log::write(level, message, &fields);
        }
        #[cfg(not(target_family = "wasm"))]
        crate::testing::with_host(|h| h.log(level, message, fields));
    }
    /// Logs at debug level.
    pub fn debug(message: &str) {
        write(Level::Debug, message, &[]);
    }
    /// Logs at info level.
    pub fn info(message: &str) {
        write(Level::Info, message, &[]);
    }
    /// Logs at warn level.
    pub fn warn(message: &str) {
        write(Level::Warn, message, &[]);
    }
    /// Logs at error level.
    pub fn error(message: &str) {
        write(Level::Error, message, &[]);
    }
}

/// Milliseconds since the Unix epoch, from the host's clock.
pub fn now_ms() -> i64 {
    #[cfg(target_family = "wasm")]
    return bindings::clock::now_ms();
    #[cfg(not(target_family = "wasm"))]
    crate::testing::with_host(|h| h.current_ms())
}

/// The plugin's name in the manifest.
pub fn plugin_name() -> String {
    #[cfg(target_family = "wasm")]
    return bindings::config::plugin_name();
    #[cfg(not(target_family = "wasm"))]
    crate::testing::with_host(|h| h.name.clone())
}

/// The plugin's `[plugin.config]` table as JSON.
pub fn config_json() -> String {
    #[cfg(target_family = "wasm")]
    return bindings::config::get_json();
    #[cfg(not(target_family = "wasm"))]
    crate::testing::with_host(|h| h.config_json.clone())
}

/// The plugin's persistent key-value store.
pub mod state {
    #[cfg(target_family = "wasm")]
    use super::bindings;

    /// Reads `key`.
    pub fn get(key: &str) -> Option<Vec<u8>> {
        #[cfg(target_family = "wasm")]
        return bindings::state::get(key);
        #[cfg(not(target_family = "wasm"))]
        crate::testing::with_host(|h| h.state.get(key).cloned())
    }
    /// Writes `key`; fails when the store is full.
    pub fn set(key: &str, value: &[u8]) -> Result<(), String> {
        #[cfg(target_family = "wasm")]
        return bindings::state::set(key, value);
        #[cfg(not(target_family = "wasm"))]
        crate::testing::with_host(|h| h.set_state(key, value))
    }
    /// Removes `key`.
    pub fn delete(key: &str) {
        #[cfg(target_family = "wasm")]
        bindings::state::delete(key);
        #[cfg(not(target_family = "wasm"))]
        crate::testing::with_host(|h| {
            h.state.remove(key);
        })
    }
    /// Keys starting with `prefix`, sorted.
    pub fn keys(prefix: &str) -> Vec<String> {
        #[cfg(target_family = "wasm")]
        return bindings::state::keys(prefix);
        #[cfg(not(target_family = "wasm"))]
        crate::testing::with_host(|h| {
            h.state
                .keys()
                .filter(|k| k.starts_with(prefix))
                .cloned()
                .collect()
        })
    }
}

/// Filesystem statistics (`statvfs`), which WASI lacks. Needs the
/// `fs_stats = true` capability.
pub mod fs {
    pub use crate::bindings::fs_stats::FsUsage;

    /// Statistics of the filesystem holding host path `path`.
    pub fn statfs(path: &str) -> Result<FsUsage, String> {
        #[cfg(target_family = "wasm")]
        return crate::bindings::fs_stats::statfs(path);
        #[cfg(not(target_family = "wasm"))]
        crate::testing::with_host(|h| h.statfs(path))
    }
}

/// Queries over the host's stores (rule plugins only).
pub mod query {
    pub use crate::bindings::query::{LogEntry, QueryError, Sample};

    /// Evaluates a PromQL expression at `at_ms`.
    pub fn instant(promql: &str, at_ms: i64) -> Result<Vec<Sample>, QueryError> {
        #[cfg(target_family = "wasm")]
        return crate::bindings::query::instant(promql, at_ms);
        #[cfg(not(target_family = "wasm"))]
        crate::testing::with_host(|h| h.instant(promql, at_ms))
    }

    /// The bits of the NaN that marks a series stale, for [`stage`].
    pub const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

    /// Makes `samples` (just produced by a recording rule) visible to this
    /// evaluation's later [`instant`] queries at `at_ms`, as Prometheus
    /// commits each rule's output before the next rule of its group runs.
    /// A NaN with [`STALE_NAN_BITS`] hides a series the rule stopped
    /// producing. Staged samples are stored only if the evaluation returns
    /// them too.
    pub fn stage(samples: &[crate::RecordedSample], at_ms: i64) {
        #[cfg(target_family = "wasm")]
        return crate::bindings::query::stage(samples, at_ms);
        #[cfg(not(target_family = "wasm"))]
        crate::testing::with_host(|h| h.stage(samples, at_ms))
    }

    /// Evaluates a LogQL metric query at `at_ms` (log-based rules).
    pub fn instant_logs(logql: &str, at_ms: i64) -> Result<Vec<Sample>, QueryError> {
        #[cfg(target_family = "wasm")]
        return crate::bindings::query::instant_logs(logql, at_ms);
        #[cfg(not(target_family = "wasm"))]
        crate::testing::with_host(|h| h.instant(logql, at_ms))
    }

    /// Runs a LogQL log query over `[start_ns, end_ns)`, newest first.
    pub fn search_logs(
        logql: &str,
        start_ns: i64,
        end_ns: i64,
        limit: u32,
    ) -> Result<Vec<LogEntry>, QueryError> {
        #[cfg(target_family = "wasm")]
        return crate::bindings::query::search_logs(logql, start_ns, end_ns, limit);
        #[cfg(not(target_family = "wasm"))]
        {
            let _ = (logql, start_ns, end_ns, limit);
            Err(QueryError::Unavailable(
                "log search is not available in native tests".into(),
            ))
        }
    }
}

/// Builds a label list from pairs.
pub fn labels<const N: usize>(pairs: [(&str, &str); N]) -> Vec<Label> {
    pairs
        .iter()
        .map(|(name, value)| Label {
            name: name.to_string(),
            value: value.to_string(),
        })
        .collect()
}
