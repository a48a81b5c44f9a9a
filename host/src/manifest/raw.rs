//! The manifest as written: serde types that mirror `watchpost.toml` exactly,
//! with spans kept for error messages. Validation into runtime types lives in
//! `manifest/validate.rs`.

use crate::runtime::PluginKind;
use serde::Deserialize;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManifest {
    /// ```toml
    /// [server]
    /// listen = "127.0.0.1:9090"
    /// ```
    #[serde(default)]
    pub server: RawServer,
    /// ```toml
    /// [storage]
    /// data_dir = "./data"
    /// retention = "15d"
    /// retention_size = "10GiB"
    /// out_of_order_window = "10m"
    /// ```
    #[serde(default)]
    pub storage: RawStorage,
    /// One `[[plugin]]` table per plugin.
    #[serde(default, rename = "plugin")]
    pub plugins: Vec<RawPlugin>,
}

/// `[server]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    /// Address of the HTTP API; default `127.0.0.1:9090`.
    pub listen: Option<Spanned<String>>,
}

/// `[storage]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStorage {
    /// Where everything is kept, relative to the manifest; default `./data`.
    pub data_dir: Option<Spanned<String>>,
    /// How long data is kept; default `15d`.
    pub retention: Option<Spanned<String>>,
    /// Upper bound on stored bytes; default none.
    pub retention_size: Option<Spanned<String>>,
    /// How far behind a series' newest sample an append may be; default
    /// `0s` (Prometheus' default: out-of-order samples are rejected).
    pub out_of_order_window: Option<Spanned<String>>,
}

/// `[[plugin]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlugin {
    /// `name = "node"`: unique, used in logs, metrics and state.
    pub name: Spanned<String>,
    /// `kind = "exporter"`: exporter, parser, rule or notifier.
    pub kind: Spanned<PluginKind>,
    /// `path = "node"` (a bundled stock plugin) or `path = "plugins/my.wasm"`
    /// (relative to the manifest).
    pub path: Spanned<String>,
    /// `interval = "15s"`: how often exporters and rules run.
    pub interval: Option<Spanned<String>>,
    /// `timeout = "10s"`: the longest one call may take.
    pub timeout: Option<Spanned<String>>,
    /// `memory_limit = "64MiB"`: the plugin's linear memory cap.
    pub memory_limit: Option<Spanned<String>>,
    /// `state_limit = "1MiB"`: cap on the plugin's key-value state.
    pub state_limit: Option<Spanned<String>>,
    /// `targets = ["127.0.0.1:9100"]`: exporters collect once per target.
    pub targets: Option<Vec<Spanned<String>>>,
    /// `[plugin.capabilities]`: what the sandbox lets the plugin reach.
    #[serde(default)]
    pub capabilities: RawCapabilities,
    /// `[plugin.config]`: free-form, handed to the plugin as JSON.
    pub config: Option<Spanned<toml::Table>>,
}

/// `[plugin.capabilities]`; everything defaults to "none".
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapabilities {
    /// `network = ["127.0.0.1:9090", "hooks.slack.com:443"]`: outbound TCP and
    /// HTTP destinations as `host:port`.
    #[serde(default)]
    pub network: Vec<Spanned<String>>,
    /// `read_dirs = ["/proc"]`: directories readable at the same guest path.
    #[serde(default)]
    pub read_dirs: Vec<Spanned<String>>,
    /// `env = ["HOME"]`: environment variables passed through.
    #[serde(default)]
    pub env: Vec<Spanned<String>>,
}
