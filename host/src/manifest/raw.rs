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
    /// enable_admin_api = false
    /// ```
    #[serde(default)]
    pub server: RawServer,
    /// ```toml
    /// [storage]
    /// data_dir = "./data"
    /// retention = "15d"
    /// retention_size = "10GiB"
    /// out_of_order_window = "10m"
    /// wal_sync = "append"
    /// ```
    #[serde(default)]
    pub storage: RawStorage,
    /// ```toml
    /// [query]
    /// lookback_delta = "5m"
    /// timeout = "2m"
    /// max_samples = 50000000
    /// max_series = 1000000
    /// ```
    #[serde(default)]
    pub query: RawQuery,
    /// One `[[plugin]]` table per plugin.
    #[serde(default, rename = "plugin")]
    pub plugins: Vec<RawPlugin>,
    /// One `[[forward]]` table per remote-write destination.
    #[serde(default, rename = "forward")]
    pub forwards: Vec<RawForward>,
    /// One `[[source]]` table per log source.
    #[serde(default, rename = "source")]
    pub sources: Vec<RawSource>,
    /// ```toml
    /// [alerting]
    /// config = "alertmanager.yml"          # Alertmanager 0.25's file, unchanged
    /// external_url = "http://watchpost.example:9090"
    /// [alerting.notifiers]                 # receiver → extra notifier plugins
    /// team-x = ["my-notifier"]
    /// ```
    #[serde(default)]
    pub alerting: RawAlerting,
}

/// `[[source]]`: where log lines come from, how they are parsed and where
/// they are filed.
///
/// ```toml
/// [[source]]
/// name = "postfix"
/// type = "file"                      # files, rotated or truncated, read exactly once
/// paths = ["/var/log/mail.log"]      # globs
/// exclude = ["*.gz"]
/// format = "plain"                   # or "docker" (json-file container logs)
/// parser = "postfix"                 # a [[plugin]] of kind "parser"; none: lines as they are
/// index = "postfix"                  # logs-postfix-YYYY.MM.dd; default: the name
/// labels = { job = "postfix" }       # stream labels of every line
/// start_at = "beginning"             # or "end", for files not seen before
/// multiline = { start = '^\S', negate = false, max_lines = 500, timeout = "1s" }
/// max_line_size = "256KiB"
/// batch_lines = 1000
/// poll_interval = "250ms"
///
/// [[source]]
/// name = "syslog"
/// type = "syslog"                    # RFC 3164/5424 over UDP and TCP (octet-counted or LF)
/// listen_udp = "127.0.0.1:5514"
/// listen_tcp = "127.0.0.1:5514"
/// parser = "syslog"
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// Unique name.
    pub name: Spanned<String>,
    /// `file`.
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    /// Glob patterns of the files to read.
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    /// Glob patterns of files to leave alone.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// `plain` (default) or `docker`.
    pub format: Option<Spanned<String>>,
    /// The parser plugin.
    pub parser: Option<Spanned<String>>,
    /// The log type lines are filed under.
    pub index: Option<Spanned<String>>,
    /// Stream labels.
    #[serde(default)]
    pub labels: Option<Spanned<std::collections::BTreeMap<String, String>>>,
    /// `beginning` (default) or `end`.
    pub start_at: Option<Spanned<String>>,
    /// Joining continuation lines (stack traces) into one entry.
    pub multiline: Option<Spanned<RawMultiline>>,
    /// Longer lines are cut; default `256KiB`.
    pub max_line_size: Option<Spanned<String>>,
    /// Most lines per parser call; default 1000.
    pub batch_lines: Option<Spanned<u64>>,
    /// How often files are checked for new lines; default `250ms`.
    pub poll_interval: Option<Spanned<String>>,
    /// `type = "syslog"`: UDP address to listen on.
    pub listen_udp: Option<Spanned<String>>,
    /// `type = "syslog"`: TCP address to listen on.
    pub listen_tcp: Option<Spanned<String>>,
}

/// `multiline = { ... }` of a `[[source]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMultiline {
    /// A line matching this regex starts an entry.
    pub start: String,
    /// Invert: a line *not* matching starts an entry.
    #[serde(default)]
    pub negate: bool,
    /// Most lines joined into one entry; default 500.
    pub max_lines: Option<u64>,
    /// A pending entry is emitted after this long without a new line;
    /// default `1s`.
    pub timeout: Option<String>,
}

/// `[alerting]`: the alert manager.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlerting {
    /// Alertmanager's configuration file (relative to the manifest).
    pub config: Option<Spanned<String>>,
    /// The URL Watchpost is reached at, for links in notifications.
    pub external_url: Option<Spanned<String>>,
    /// Notifier plugins (by `[[plugin]]` name) a receiver also delivers
    /// through.
    #[serde(default)]
    pub notifiers: std::collections::BTreeMap<String, Vec<Spanned<String>>>,
}

/// `[[forward]]`: send stored samples on to a Prometheus-compatible cluster.
///
/// ```toml
/// [[forward]]
/// name = "victoria"
/// url = "http://vm.internal:8428/api/v1/write"
/// match = ['{job="node"}', 'up']      # default: everything
/// bearer_token = "${VM_TOKEN}"        # or basic_auth = { username = "...", password = "${PW}" }
/// headers = { X-Scope-OrgID = "email" }
/// batch_size = 2000
/// flush_interval = "1s"
/// timeout = "30s"
/// max_queue_size = "1GiB"
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForward {
    /// Unique name.
    pub name: Spanned<String>,
    /// The receiver's remote-write URL (`${VAR}` allowed).
    pub url: Spanned<String>,
    /// Series selectors; a sample is forwarded when it matches any.
    #[serde(default, rename = "match")]
    pub selectors: Vec<Spanned<String>>,
    /// Sent as `Authorization: Bearer <token>`.
    pub bearer_token: Option<Spanned<String>>,
    /// Sent as `Authorization: Basic ...`.
    pub basic_auth: Option<Spanned<RawBasicAuth>>,
    /// Extra headers (`${VAR}` allowed in values).
    pub headers: Option<Spanned<std::collections::BTreeMap<String, String>>>,
    /// Most samples per request; default 2000.
    pub batch_size: Option<Spanned<u64>>,
    /// Longest wait before a partial batch goes out; default `1s`.
    pub flush_interval: Option<Spanned<String>>,
    /// Request timeout; default `30s`.
    pub timeout: Option<Spanned<String>>,
    /// Most undelivered data kept on disk; default `1GiB`.
    pub max_queue_size: Option<Spanned<String>>,
}

/// `basic_auth = { username = "...", password = "..." }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBasicAuth {
    /// User name.
    pub username: String,
    /// Password (`${VAR}` allowed).
    pub password: String,
}

/// `[server]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    /// Address of the HTTP API; default `127.0.0.1:9090`.
    pub listen: Option<Spanned<String>>,
    /// `enable_admin_api = true`: serve `/api/v1/admin/tsdb/*` (snapshot,
    /// delete_series, clean_tombstones), Prometheus'
    /// `--web.enable-admin-api`; default `false`.
    #[serde(default)]
    pub enable_admin_api: bool,
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
    /// When acknowledged samples are fsynced: `"append"` (default, before
    /// each append is acknowledged) or a duration such as `"1s"` (in the
    /// background at that interval, as Prometheus' WAL).
    pub wal_sync: Option<Spanned<String>>,
}

/// `[query]`: PromQL limits and defaults (Prometheus' `--query.*` flags).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuery {
    /// How far back an instant selector looks for a sample; default `5m`.
    pub lookback_delta: Option<Spanned<String>>,
    /// Longest a query may run; default `2m`.
    pub timeout: Option<Spanned<String>>,
    /// Most samples one query may hold in memory; default 50,000,000.
    pub max_samples: Option<Spanned<u64>>,
    /// Most series one selector may select; default 1,000,000.
    pub max_series: Option<Spanned<u64>>,
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
    /// `[[plugin.relabel]]`: target relabeling (exporters), Prometheus'
    /// `relabel_configs`.
    #[serde(default)]
    pub relabel: Vec<Spanned<crate::relabel::RawRule>>,
    /// `[[plugin.metric_relabel]]`: applied to every collected series,
    /// Prometheus' `metric_relabel_configs`.
    #[serde(default)]
    pub metric_relabel: Vec<Spanned<crate::relabel::RawRule>>,
    /// `honor_labels = true` (exporters): labels the exporter returns win
    /// over the target's (`job`, `instance`, …), as Prometheus' option;
    /// by default a clashing exposed label is kept as `exported_<name>`.
    pub honor_labels: Option<Spanned<bool>>,
    /// `honor_timestamps = false` (exporters): ignore the timestamps the
    /// exporter returns and store every sample at the collection time.
    pub honor_timestamps: Option<Spanned<bool>>,
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
    /// `fs_stats = true`: filesystem size and free space (`statvfs`).
    #[serde(default)]
    pub fs_stats: bool,
}
