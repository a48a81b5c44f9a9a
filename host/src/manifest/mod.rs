//! The manifest (`watchpost.toml`): parse, then validate, then hand out typed
//! runtime config. Every problem is reported with `file:line:column`; secrets
//! interpolated from `${VAR}` never appear in errors or `Debug` output.

mod error;
mod interpolate;
mod raw;
pub mod redact;
pub mod units;
mod validate;
mod validate_forward;
mod validate_source;

pub use error::{ManifestError, ManifestErrors, line_column};
pub use interpolate::interpolate;

/// Interpolates `${VAR}` from the process environment in every string of `value`.
pub fn interpolate_env(value: &mut toml::Value) -> Result<(), String> {
    interpolate::interpolate_value(value, &|name| std::env::var(name).ok())
}

/// Parses a `host:port` network grant.
pub fn parse_grant(text: &str) -> Option<NetworkGrant> {
    validate::parse_host_port(text)
}

use crate::runtime::{PluginKind, StockPlugin};
pub use crate::storage::metrics::WalSync;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A validated manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The file it was read from.
    pub path: PathBuf,
    /// `[server]`.
    pub server: ServerConfig,
    /// `[storage]`.
    pub storage: StorageConfig,
    /// `[query]`.
    pub query: crate::query::QueryOptions,
    /// `[[plugin]]` entries in file order.
    pub plugins: Vec<PluginSpec>,
    /// `[[forward]]` entries.
    pub forwards: Vec<crate::forward::ForwardSpec>,
    /// `[alerting]`.
    pub alerting: AlertingConfig,
    /// `[[source]]` entries.
    pub sources: Vec<crate::sources::SourceSpec>,
    /// The manifest text re-rendered with secrets redacted (see
    /// [`redact`]), for `/api/v1/status/config`.
    pub redacted: String,
}

/// `[alerting]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertingConfig {
    /// Alertmanager's configuration file, if any (without one, alerts are
    /// kept and listed but notify no one).
    pub config: Option<PathBuf>,
    /// Where Watchpost is reached, for links in notifications.
    pub external_url: String,
    /// Receiver name → notifier plugins it also delivers through.
    pub notifiers: std::collections::BTreeMap<String, Vec<String>>,
}

/// `[server]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// HTTP listen address.
    pub listen: SocketAddr,
    /// Whether the TSDB admin endpoints are served.
    pub enable_admin_api: bool,
}

/// `[storage]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageConfig {
    /// Root of everything Watchpost keeps on disk.
    pub data_dir: PathBuf,
    /// How long data is kept.
    pub retention: Duration,
    /// Upper bound on stored bytes.
    pub retention_size: Option<u64>,
    /// Out-of-order samples within this window are accepted.
    pub out_of_order_window: Duration,
    /// When acknowledged samples reach the disk.
    pub wal_sync: crate::storage::metrics::WalSync,
}

/// Where a plugin's code comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginSource {
    /// A `.wasm` component on disk.
    File(PathBuf),
    /// A stock plugin bundled into the binary.
    Stock(StockPlugin),
}

/// A `host:port` the plugin may connect to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NetworkGrant {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl fmt::Display for NetworkGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// What the sandbox grants a plugin; empty means nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Outbound TCP/HTTP destinations.
    pub network: Vec<NetworkGrant>,
    /// Directories readable at the same path inside the guest.
    pub read_dirs: Vec<PathBuf>,
    /// Environment variables passed through.
    pub env: Vec<String>,
    /// Filesystem statistics (`statvfs`) through the `fs-stats` interface.
    pub fs_stats: bool,
}

/// Prometheus' `honor_labels` and `honor_timestamps` for an exporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScrapeOptions {
    /// Exposed labels win over the target's.
    pub honor_labels: bool,
    /// Exposed timestamps are kept.
    pub honor_timestamps: bool,
}

impl Default for ScrapeOptions {
    /// Prometheus' defaults: `honor_labels: false`, `honor_timestamps: true`.
    fn default() -> Self {
        ScrapeOptions {
            honor_labels: false,
            honor_timestamps: true,
        }
    }
}

/// One validated `[[plugin]]` entry.
#[derive(Clone, PartialEq)]
pub struct PluginSpec {
    /// Unique name.
    pub name: String,
    /// Declared kind; checked against the component's exports at load.
    pub kind: PluginKind,
    /// The code.
    pub source: PluginSource,
    /// Run interval (exporters and rules).
    pub interval: Duration,
    /// Longest single call.
    pub timeout: Duration,
    /// Linear memory cap in bytes.
    pub memory_limit: u64,
    /// Key-value state cap in bytes.
    pub state_limit: u64,
    /// Exporter targets; empty means one target named after the plugin.
    pub targets: Vec<String>,
    /// Target relabeling.
    pub relabel: Vec<crate::relabel::Rule>,
    /// Metric relabeling.
    pub metric_relabel: Vec<crate::relabel::Rule>,
    /// How collected series meet the target's labels and time.
    pub scrape: ScrapeOptions,
    /// Sandbox grants.
    pub capabilities: Capabilities,
    /// `[plugin.config]` as JSON, `${VAR}`s replaced. May hold secrets.
    pub config_json: String,
}

impl fmt::Debug for PluginSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginSpec")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("source", &self.source)
            .field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .field("memory_limit", &self.memory_limit)
            .field("targets", &self.targets)
            .field("capabilities", &self.capabilities)
            .field("config_json", &"<redacted>")
            .finish()
    }
}

impl Manifest {
    /// Reads and validates the manifest at `path`, with `${VAR}` taken from
    /// the process environment.
    pub fn load(path: &Path) -> Result<Manifest, ManifestErrors> {
        let source = std::fs::read_to_string(path).map_err(|e| {
            ManifestErrors(vec![ManifestError::at(
                path,
                "",
                None,
                format!("cannot read manifest: {e}"),
            )])
        })?;
        Self::parse(path, &source, &|name| std::env::var(name).ok())
    }

    /// Validates manifest text `source` as if read from `path`.
    pub fn parse(
        path: &Path,
        source: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Manifest, ManifestErrors> {
        validate::validate(path, source, env)
    }

    /// The files whose change should trigger a reload: the manifest itself
    /// and every plugin file it references.
    pub fn watched_files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.path.clone()];
        for plugin in &self.plugins {
            if let PluginSource::File(p) = &plugin.source {
                files.push(p.clone());
            }
        }
        files
    }
}
