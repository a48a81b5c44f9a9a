//! Raw manifest -> validated [`Manifest`]: every check that needs more than
//! serde (units, duplicates, files, grants, interpolation), collecting all
//! problems rather than stopping at the first.

use super::interpolate::interpolate_value;
use super::raw::{RawCapabilities, RawManifest, RawPlugin};
use super::units::{parse_bytes, parse_duration};
use super::{
    Capabilities, Manifest, ManifestError, ManifestErrors, NetworkGrant, PluginSource, PluginSpec,
    ServerConfig, StorageConfig, WalSync,
};
use crate::runtime::{PluginKind, StockPlugin};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

const DEFAULT_LISTEN: &str = "127.0.0.1:9090";
const DEFAULT_INTERVAL: Duration = Duration::from_secs(15);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_MEMORY_LIMIT: u64 = 64 << 20;
const DEFAULT_STATE_LIMIT: u64 = 1 << 20;
const DEFAULT_RETENTION: Duration = Duration::from_secs(15 * 24 * 3600);

pub(super) struct Checker<'a> {
    file: &'a Path,
    dir: PathBuf,
    source: &'a str,
    errors: Vec<ManifestError>,
}

impl Checker<'_> {
    pub(super) fn error<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        self.errors.push(ManifestError::at(
            self.file,
            self.source,
            Some(at.span()),
            message,
        ));
    }

    pub(super) fn error_count(&self) -> usize {
        self.errors.len()
    }

    pub(super) fn duration(
        &mut self,
        value: &Option<Spanned<String>>,
        key: &str,
    ) -> Option<Duration> {
        let value = value.as_ref()?;
        match parse_duration(value.get_ref()) {
            Ok(d) if d.is_zero() => {
                self.error(value, format!("{key} must be greater than zero"));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                self.error(value, format!("{key}: {e}"));
                None
            }
        }
    }

    pub(super) fn bytes(&mut self, value: &Option<Spanned<String>>, key: &str) -> Option<u64> {
        let value = value.as_ref()?;
        match parse_bytes(value.get_ref()) {
            Ok(b) => Some(b),
            Err(e) => {
                self.error(value, format!("{key}: {e}"));
                None
            }
        }
    }

    /// `path` resolved against the manifest's folder, as text (for globs).
    pub(super) fn resolve_str(&self, path: &str) -> String {
        self.resolve(path).to_string_lossy().into_owned()
    }

    fn resolve(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.dir.join(p)
        }
    }
}

pub(super) fn validate(
    file: &Path,
    source: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Manifest, ManifestErrors> {
    let raw: RawManifest = toml::from_str(source).map_err(|e| {
        let message = e.message().trim_end_matches('\n').to_string();
        ManifestErrors(vec![ManifestError::at(file, source, e.span(), message)])
    })?;
    let dir = file
        .parent()
        .map(Path::to_path_buf)
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    let mut c = Checker {
        file,
        dir,
        source,
        errors: Vec::new(),
    };

    let listen = match &raw.server.listen {
        Some(l) => l.get_ref().parse().map_err(|_| {
            c.error(
                l,
                format!(
                    "listen: {:?} is not an address like \"127.0.0.1:9090\"",
                    l.get_ref()
                ),
            )
        }),
        None => Ok(DEFAULT_LISTEN
            .parse()
            .expect("default listen address parses")),
    };
    let storage = StorageConfig {
        data_dir: c.resolve(
            raw.storage
                .data_dir
                .as_ref()
                .map_or("data", |d| d.get_ref()),
        ),
        retention: c
            .duration(&raw.storage.retention, "retention")
            .unwrap_or(DEFAULT_RETENTION),
        retention_size: c.bytes(&raw.storage.retention_size, "retention_size"),
        out_of_order_window: match &raw.storage.out_of_order_window {
            Some(w) => parse_duration(w.get_ref()).unwrap_or_else(|e| {
                c.error(w, format!("out_of_order_window: {e}"));
                Duration::ZERO
            }),
            None => Duration::ZERO,
        },
        wal_sync: match &raw.storage.wal_sync {
            Some(w) if w.get_ref() == "append" => WalSync::Append,
            Some(w) => match parse_duration(w.get_ref()) {
                Ok(every) if !every.is_zero() => WalSync::Interval(every),
                _ => {
                    c.error(
                        w,
                        format!(
                            "wal_sync: expected \"append\" or a duration such as \"1s\", got {:?}",
                            w.get_ref()
                        ),
                    );
                    WalSync::Append
                }
            },
            None => WalSync::Append,
        },
    };

    let query = query_options(&mut c, &raw.query);

    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    let mut plugins = Vec::new();
    for raw_plugin in &raw.plugins {
        let name = raw_plugin.name.get_ref();
        let pos = super::line_column(source, raw_plugin.name.span().start);
        if let Some((line, col)) = seen.get(name) {
            c.error(
                &raw_plugin.name,
                format!("duplicate plugin name {name:?} (first defined at {line}:{col})"),
            );
            continue;
        }
        seen.insert(name.clone(), pos);
        if let Some(spec) = plugin(&mut c, raw_plugin, env) {
            plugins.push(spec);
        }
    }

    let forwards = super::validate_forward::forwards(&mut c, &raw.forwards, env);
    let alerting = alerting(&mut c, &raw.alerting, &plugins);
    let sources = super::validate_source::sources(&mut c, &raw.sources, &plugins);

    if !c.errors.is_empty() {
        return Err(ManifestErrors(c.errors));
    }
    Ok(Manifest {
        path: file.to_path_buf(),
        server: ServerConfig {
            listen: listen.unwrap_or_else(|_| unreachable!("errors returned above")),
            enable_admin_api: raw.server.enable_admin_api,
        },
        storage,
        query,
        plugins,
        forwards,
        alerting,
        sources,
        redacted: super::redact::redacted(source),
    })
}

fn alerting(
    c: &mut Checker<'_>,
    raw: &super::raw::RawAlerting,
    plugins: &[PluginSpec],
) -> super::AlertingConfig {
    let mut notifiers = std::collections::BTreeMap::new();
    for (receiver, names) in &raw.notifiers {
        let mut list = Vec::new();
        for name in names {
            match plugins.iter().find(|p| p.name == *name.get_ref()) {
                Some(p) if p.kind == PluginKind::Notifier => list.push(name.get_ref().clone()),
                Some(p) => c.error(
                    name,
                    format!(
                        "notifiers.{receiver}: plugin {:?} is {}, not a notifier",
                        name.get_ref(),
                        p.kind.with_article()
                    ),
                ),
                None => c.error(
                    name,
                    format!("notifiers.{receiver}: no plugin named {:?}", name.get_ref()),
                ),
            }
        }
        notifiers.insert(receiver.clone(), list);
    }
    let external_url = match &raw.external_url {
        Some(u) if !(u.get_ref().starts_with("http://") || u.get_ref().starts_with("https://")) => {
            c.error(
                u,
                format!("external_url: {:?} is not an http(s) URL", u.get_ref()),
            );
            String::new()
        }
        Some(u) => u.get_ref().trim_end_matches('/').to_string(),
        None => String::new(),
    };
    super::AlertingConfig {
        config: raw.config.as_ref().map(|p| c.resolve(p.get_ref())),
        external_url,
        notifiers,
    }
}

fn query_options(c: &mut Checker<'_>, raw: &super::raw::RawQuery) -> crate::query::QueryOptions {
    let defaults = crate::query::QueryOptions::default();
    let count = |c: &mut Checker<'_>, v: &Option<Spanned<u64>>, key: &str, default: usize| match v {
        Some(n) if *n.get_ref() == 0 => {
            c.error(n, format!("{key} must be greater than zero"));
            default
        }
        Some(n) => *n.get_ref() as usize,
        None => default,
    };
    crate::query::QueryOptions {
        lookback_delta: c
            .duration(&raw.lookback_delta, "lookback_delta")
            .map_or(defaults.lookback_delta, |d| d.as_millis() as i64),
        timeout: c
            .duration(&raw.timeout, "timeout")
            .unwrap_or(defaults.timeout),
        max_samples: count(c, &raw.max_samples, "max_samples", defaults.max_samples),
        max_series: count(c, &raw.max_series, "max_series", defaults.max_series),
        subquery_step: defaults.subquery_step,
    }
}

fn plugin(
    c: &mut Checker<'_>,
    raw: &RawPlugin,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<PluginSpec> {
    let errors_before = c.errors.len();
    let name = raw.name.get_ref().clone();
    let kind = *raw.kind.get_ref();
    if name.is_empty()
        || !name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
    {
        c.error(
            &raw.name,
            format!("plugin name {name:?} may only use letters, digits, '-' and '_'"),
        );
    }

    let path = raw.path.get_ref();
    let source = if path.ends_with(".wasm") {
        let resolved = c.resolve(path);
        if !resolved.is_file() {
            c.error(
                &raw.path,
                format!("plugin file {} does not exist", resolved.display()),
            );
        }
        Some(PluginSource::File(resolved))
    } else {
        match StockPlugin::by_name(path) {
            Some(stock) if stock.kind != kind => {
                c.error(
                    &raw.kind,
                    format!(
                        "stock plugin {path:?} is {} plugin, not {}",
                        stock.kind.with_article(),
                        kind.with_article()
                    ),
                );
                None
            }
            Some(stock) => Some(PluginSource::Stock(stock)),
            None => {
                c.error(
                    &raw.path,
                    format!(
                        "unknown stock plugin {path:?} (known: {}); a plugin file path must end in .wasm",
                        StockPlugin::names().join(", ")
                    ),
                );
                None
            }
        }
    };

    let scheduled = matches!(kind, PluginKind::Exporter | PluginKind::Rule);
    if !scheduled && let Some(i) = &raw.interval {
        c.error(
            i,
            format!(
                "interval applies to exporters and rules, not to {}",
                kind.with_article()
            ),
        );
    }
    if kind != PluginKind::Exporter
        && let Some(t) = raw.targets.as_ref().and_then(|t| t.first())
    {
        c.error(
            t,
            format!("targets apply to exporters, not to {}", kind.with_article()),
        );
    }
    let interval = c
        .duration(&raw.interval, "interval")
        .unwrap_or(DEFAULT_INTERVAL);
    let timeout = c
        .duration(&raw.timeout, "timeout")
        .unwrap_or(DEFAULT_TIMEOUT.min(interval));
    if scheduled
        && timeout > interval
        && let Some(t) = &raw.timeout
    {
        c.error(t, "timeout must not be longer than interval".to_string());
    }
    let memory_limit = c
        .bytes(&raw.memory_limit, "memory_limit")
        .unwrap_or(DEFAULT_MEMORY_LIMIT);
    let state_limit = c
        .bytes(&raw.state_limit, "state_limit")
        .unwrap_or(DEFAULT_STATE_LIMIT);
    let targets = raw
        .targets
        .iter()
        .flatten()
        .map(|t| t.get_ref().clone())
        .collect();
    let capabilities = capabilities(c, &raw.capabilities);
    let mut rules =
        |list: &[Spanned<crate::relabel::RawRule>], key: &str| -> Vec<crate::relabel::Rule> {
            if kind != PluginKind::Exporter
                && let Some(first) = list.first()
            {
                c.error(
                    first,
                    format!("{key} applies to exporters, not to {}", kind.with_article()),
                );
            }
            list.iter()
                .filter_map(|r| match crate::relabel::Rule::compile(r.get_ref()) {
                    Ok(rule) => Some(rule),
                    Err(e) => {
                        c.error(r, format!("{key}: {e}"));
                        None
                    }
                })
                .collect()
        };
    let relabel = rules(&raw.relabel, "relabel");
    let metric_relabel = rules(&raw.metric_relabel, "metric_relabel");
    let mut scrape = crate::manifest::ScrapeOptions::default();
    for (option, value, key) in [
        (&mut scrape.honor_labels, &raw.honor_labels, "honor_labels"),
        (
            &mut scrape.honor_timestamps,
            &raw.honor_timestamps,
            "honor_timestamps",
        ),
    ] {
        if let Some(v) = value {
            if kind != PluginKind::Exporter {
                c.error(
                    v,
                    format!("{key} applies to exporters, not to {}", kind.with_article()),
                );
            }
            *option = *v.get_ref();
        }
    }

    let config_json = match &raw.config {
        None => "{}".to_string(),
        Some(table) => {
            let mut value = toml::Value::Table(table.get_ref().clone());
            match interpolate_value(&mut value, env) {
                Ok(()) => serde_json::to_string(&value).unwrap_or_else(|_| "{}".into()),
                Err(e) => {
                    c.error(table, format!("plugin {name:?} config: {e}"));
                    String::new()
                }
            }
        }
    };

    if c.errors.len() > errors_before {
        return None;
    }
    Some(PluginSpec {
        name,
        kind,
        source: source?,
        interval,
        timeout,
        memory_limit,
        state_limit,
        targets,
        relabel,
        metric_relabel,
        scrape,
        capabilities,
        config_json,
    })
}

fn capabilities(c: &mut Checker<'_>, raw: &RawCapabilities) -> Capabilities {
    let mut caps = Capabilities {
        fs_stats: raw.fs_stats,
        ..Capabilities::default()
    };
    for entry in &raw.network {
        match parse_host_port(entry.get_ref()) {
            Some(grant) => caps.network.push(grant),
            None => c.error(
                entry,
                format!(
                    "network grant {:?} is not host:port (e.g. \"127.0.0.1:9100\", \"hooks.slack.com:443\")",
                    entry.get_ref()
                ),
            ),
        }
    }
    for entry in &raw.read_dirs {
        let dir = c.resolve(entry.get_ref());
        if dir.is_dir() {
            caps.read_dirs.push(dir);
        } else {
            c.error(
                entry,
                format!("read_dirs entry {} is not a directory", dir.display()),
            );
        }
    }
    for entry in &raw.env {
        let name = entry.get_ref();
        if name.is_empty()
            || !name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        {
            c.error(
                entry,
                format!("{name:?} is not an environment variable name"),
            );
        } else {
            caps.env.push(name.clone());
        }
    }
    caps
}

/// Parses `host:port` or `[v6]:port`.
pub(crate) fn parse_host_port(text: &str) -> Option<NetworkGrant> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, port) = rest.split_once("]:")?;
        (host, port)
    } else {
        let (host, port) = text.rsplit_once(':')?;
        if host.contains(':') {
            return None;
        }
        (host, port)
    };
    if host.is_empty() || host.contains(['/', ' ']) {
        return None;
    }
    Some(NetworkGrant {
        host: host.to_ascii_lowercase(),
        port: port.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port() {
        assert_eq!(
            parse_host_port("127.0.0.1:9100"),
            Some(NetworkGrant {
                host: "127.0.0.1".into(),
                port: 9100
            })
        );
        assert_eq!(parse_host_port("[::1]:80").unwrap().host, "::1");
        assert_eq!(
            parse_host_port("Hooks.Slack.com:443").unwrap().host,
            "hooks.slack.com"
        );
        for bad in ["nohost", ":80", "h:", "h:99999", "::1:80", "a b:1"] {
            assert!(parse_host_port(bad).is_none(), "{bad}");
        }
    }
}
