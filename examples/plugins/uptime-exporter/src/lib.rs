//! Example exporter: how long the machine has been up, read from
//! `/proc/uptime`, plus a count of this plugin's own collections that is kept
//! in the plugin's key-value state, so it keeps counting across plugin
//! restarts, reloads and host restarts.
//!
//! The three things every exporter does are all here: a serde `Config`, a
//! `collect` that returns metric families, and the `export_exporter!` line.

use serde::Deserialize;
use watchpost_sdk::{Error, Exporter, MetricFamily, Target, state};

/// The state key of the collection counter.
const COUNTER_KEY: &str = "collections_total";

/// The `[plugin.config]` table.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `uptime_path = "/proc/uptime"`: its directory must be in `read_dirs`.
    pub uptime_path: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            uptime_path: "/proc/uptime".into(),
        }
    }
}

/// The exporter. It holds nothing but its config: the counter lives in the
/// host's state store, not in memory, so that it survives restarts.
pub struct Uptime {
    config: Config,
}

impl Exporter for Uptime {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        Ok(Uptime { config })
    }

    fn collect(&mut self, _target: &Target) -> watchpost_sdk::Result<Vec<MetricFamily>> {
        let collections = count_collection();
        let text = std::fs::read_to_string(&self.config.uptime_path)
            .map_err(|e| Error::new(format!("reading {}: {e}", self.config.uptime_path)))?;
        let uptime = parse_uptime(&text).map_err(Error::new)?;
        Ok(vec![
            MetricFamily::gauge(
                "example_uptime_seconds",
                "Seconds since the machine booted.",
            )
            .sample(&[], uptime),
            MetricFamily::counter(
                "example_collections_total",
                "Collections this plugin has run, across restarts.",
            )
            .sample(&[], collections as f64),
        ])
    }
}

watchpost_sdk::export_exporter!(Uptime);

/// Adds one to the persisted counter and returns the new value. A failure to
/// store it (the state store is full) is logged, not fatal: the metric still
/// reports the count this collection saw.
fn count_collection() -> u64 {
    let previous = state::get(COUNTER_KEY)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.parse::<u64>().ok())
        .unwrap_or(0);
    let next = previous + 1;
    if let Err(e) = state::set(COUNTER_KEY, next.to_string().as_bytes()) {
        watchpost_sdk::log::warn(&format!("could not persist {COUNTER_KEY}: {e}"));
    }
    next
}

/// The first field of `/proc/uptime` (`"583.74 651.60"`): seconds since boot.
pub fn parse_uptime(text: &str) -> Result<f64, String> {
    let first = text.split_whitespace().next().unwrap_or("");
    first
        .parse::<f64>()
        .map_err(|_| format!("unexpected /proc/uptime content {:?}", text.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use watchpost_sdk::testing::{TestHost, with_host};
    use watchpost_sdk::{MetricValue, labels};

    fn target() -> Target {
        Target {
            address: "uptime".into(),
            labels: labels([]),
        }
    }

    fn value(families: &[MetricFamily], name: &str) -> f64 {
        let family = families.iter().find(|f| f.name == name).unwrap();
        match family.metrics[0].value {
            MetricValue::Number(v) => v,
            _ => panic!("{name} is not a number"),
        }
    }

    fn fixture(name: &str, content: &str) -> String {
        let path =
            std::env::temp_dir().join(format!("example-uptime-{name}-{}", std::process::id()));
        std::fs::write(&path, content).unwrap();
        path.display().to_string()
    }

    #[test]
    fn parses_proc_uptime() {
        assert_eq!(parse_uptime("583.74 651.60\n").unwrap(), 583.74);
        assert!(parse_uptime("").is_err());
        assert!(parse_uptime("soon 1").unwrap_err().contains("soon"));
    }

    #[test]
    fn counter_survives_a_restart() {
        let path = fixture("restart", "100.5 200.0\n");
        TestHost::new().install();
        let mut first = Uptime::new(Config {
            uptime_path: path.clone(),
        })
        .unwrap();
        first.collect(&target()).unwrap();
        let families = first.collect(&target()).unwrap();
        assert_eq!(value(&families, "example_uptime_seconds"), 100.5);
        assert_eq!(value(&families, "example_collections_total"), 2.0);

        // A new instance (as after a restart) continues from the stored count.
        drop(first);
        let mut second = Uptime::new(Config {
            uptime_path: path.clone(),
        })
        .unwrap();
        let families = second.collect(&target()).unwrap();
        assert_eq!(value(&families, "example_collections_total"), 3.0);
        assert_eq!(
            with_host(|h| h.state.get(COUNTER_KEY).cloned()),
            Some(b"3".to_vec())
        );
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn missing_file_is_an_error_that_names_it() {
        TestHost::new().install();
        let mut uptime = Uptime::new(Config {
            uptime_path: "/nonexistent/uptime".into(),
        })
        .unwrap();
        let err = uptime.collect(&target()).unwrap_err();
        assert!(
            err.message().starts_with("reading /nonexistent/uptime"),
            "{err}"
        );
    }

    #[test]
    fn config_defaults() {
        let config: Config = serde_json::from_str("{}").unwrap();
        assert_eq!(config.uptime_path, "/proc/uptime");
    }
}
