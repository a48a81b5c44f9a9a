//! An Alertmanager configuration file into a [`Policy`]: the routing tree
//! (built by `watchpost-amconfig`), inhibition rules, time intervals,
//! templates, and one integration per `*_configs` entry. Each
//! integration is served by an instance of the stock notifier plugin of
//! its type, allowed to reach only that entry's destination; the entry's
//! settings (global defaults applied, secrets and `*_file`s resolved) travel
//! with each notification, templates expanded.

use super::policy::{InhibitRule, Policy};
use super::receiver::{DeliverFn, Delivery, Integration, Receiver};
use crate::manifest::NetworkGrant;
use crate::template::Template;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use watchpost_amconfig::Config;

/// One `*_configs` entry of a receiver.
#[derive(Clone, PartialEq)]
pub struct IntegrationSpec {
    /// The receiver's name.
    pub receiver: String,
    /// The integration type (`webhook`, `slack`, …: the key without
    /// `_configs`).
    pub kind: String,
    /// Its position among the receiver's entries of that type.
    pub index: usize,
    /// Whether resolved alerts are notified.
    pub send_resolved: bool,
    /// The entry as JSON, secrets revealed.
    pub settings: serde_json::Value,
    /// Where it sends (host:port), for its network grant.
    pub destinations: Vec<NetworkGrant>,
}

impl std::fmt::Debug for IntegrationSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntegrationSpec")
            .field("receiver", &self.receiver)
            .field("kind", &self.kind)
            .field("index", &self.index)
            .field("destinations", &self.destinations)
            .finish_non_exhaustive()
    }
}

impl IntegrationSpec {
    /// The name of the notifier plugin instance that serves it.
    pub fn plugin_name(&self) -> String {
        let receiver: String = self
            .receiver
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("am-{receiver}-{}-{}", self.kind, self.index)
    }
}

/// A configuration file, loaded and checked.
pub struct LoadedConfig {
    /// The parsed configuration.
    pub config: Config,
    /// Every integration, in receiver order.
    pub integrations: Vec<IntegrationSpec>,
    /// Alertmanager's default templates plus the configured files.
    pub templates: Template,
    /// The configuration with secrets hidden.
    pub original: String,
    /// The files it was read from (the config and its templates).
    pub files: Vec<PathBuf>,
}

/// Reads `path` with `${VAR}` from `env` (as the manifest does).
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<LoadedConfig, String> {
    let config =
        Config::load_file_with_env(path, env).map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut templates = crate::template::alertmanager::template()
        .map_err(|e| format!("Alertmanager's default templates: {e}"))?;
    let mut files = vec![path.to_path_buf()];
    for pattern in &config.templates {
        let full = dir.join(pattern);
        let matches = glob::glob(&full.to_string_lossy())
            .map_err(|e| format!("templates: {pattern:?}: {e}"))?;
        for file in matches.flatten() {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("template {}: {e}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            templates
                .parse_named(&name, &text)
                .map_err(|e| format!("template {}: {e}", file.display()))?;
            files.push(file);
        }
    }
    let integrations = integrations(&config, dir)?;
    Ok(LoadedConfig {
        original: config.to_yaml_redacted(),
        config,
        integrations,
        templates,
        files,
    })
}

/// Every `*_configs` entry of every receiver.
fn integrations(config: &Config, dir: &Path) -> Result<Vec<IntegrationSpec>, String> {
    let mut out = Vec::new();
    for receiver in &config.receivers {
        let json = watchpost_amconfig::revealed(|| serde_json::to_value(receiver))
            .map_err(|e| format!("receiver {:?}: {e}", receiver.name))?;
        let Some(map) = json.as_object() else {
            continue;
        };
        for (key, entries) in map {
            let Some(kind) = key.strip_suffix("_configs") else {
                continue;
            };
            for (index, entry) in entries.as_array().into_iter().flatten().enumerate() {
                let mut settings = entry.clone();
                read_secret_files(&mut settings, dir).map_err(|e| {
                    format!("receiver {:?}: {kind}_configs[{index}]: {e}", receiver.name)
                })?;
                out.push(IntegrationSpec {
                    receiver: receiver.name.clone(),
                    kind: kind.to_string(),
                    index,
                    send_resolved: settings
                        .get("send_resolved")
                        .and_then(|v| v.as_bool())
                        .unwrap_or(false),
                    destinations: destinations(&settings),
                    settings,
                });
            }
        }
    }
    Ok(out)
}

/// Replaces every `<name>_file` field holding a path by `<name>` holding
/// the file's content (trimmed of a final newline), as Alertmanager reads
/// them at send time.
fn read_secret_files(v: &mut serde_json::Value, dir: &Path) -> Result<(), String> {
    match v {
        serde_json::Value::Object(map) => {
            let files: Vec<(String, String)> = map
                .iter()
                .filter_map(|(k, v)| {
                    let name = k.strip_suffix("_file")?;
                    let path = v.as_str().filter(|p| !p.is_empty())?;
                    Some((name.to_string(), path.to_string()))
                })
                .collect();
            for (name, path) in files {
                let full = dir.join(&path);
                let text = std::fs::read_to_string(&full)
                    .map_err(|e| format!("{name}_file {}: {e}", full.display()))?;
                map.remove(&format!("{name}_file"));
                map.insert(
                    name,
                    serde_json::Value::String(text.trim_end_matches(['\n', '\r']).to_string()),
                );
            }
            for v in map.values_mut() {
                read_secret_files(v, dir)?;
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                read_secret_files(v, dir)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The host:port pairs an entry sends to: its URLs and SMTP smarthost.
fn destinations(settings: &serde_json::Value) -> Vec<NetworkGrant> {
    let mut out = Vec::new();
    let Some(map) = settings.as_object() else {
        return out;
    };
    for (key, value) in map {
        let Some(text) = value.as_str() else {
            continue;
        };
        let grant = if key == "url" || key.ends_with("_url") {
            url_grant(text)
        } else if key == "smarthost" {
            host_port(text)
        } else {
            None
        };
        if let Some(g) = grant
            && !out.contains(&g)
        {
            out.push(g);
        }
    }
    if let Some(proxy) = settings
        .pointer("/http_config/proxy_url")
        .and_then(|v| v.as_str())
        .and_then(url_grant)
    {
        out.push(proxy);
    }
    out
}

fn url_grant(url: &str) -> Option<NetworkGrant> {
    let (scheme, rest) = url.split_once("://")?;
    let default_port = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    match host_port(authority) {
        Some(g) => Some(g),
        None => Some(NetworkGrant {
            host: authority.trim_matches(['[', ']']).to_string(),
            port: default_port,
        }),
    }
    .filter(|g| !g.host.is_empty())
}

fn host_port(text: &str) -> Option<NetworkGrant> {
    let (host, port) = text.rsplit_once(':')?;
    let port = port.parse().ok()?;
    Some(NetworkGrant {
        host: host.trim_matches(['[', ']']).to_string(),
        port,
    })
}

/// Delivers through nothing: for an integration type without a notifier
/// plugin in this build.
fn unavailable(kind: &str) -> DeliverFn {
    let why = format!("no notifier plugin for {kind}_configs in this Watchpost build");
    Arc::new(move |_| {
        let why = why.clone();
        Box::pin(async move { Delivery::Failed(why) })
    })
}

/// The policy of `loaded`: `deliver` gives each integration's delivery
/// (its plugin instance), `None` when its type has no plugin; `extra` adds
/// notifier plugins named in the manifest to receivers.
pub fn policy(
    loaded: &LoadedConfig,
    external_url: &str,
    deliver: &dyn Fn(&IntegrationSpec) -> Option<DeliverFn>,
    extra: &BTreeMap<String, Vec<(String, DeliverFn)>>,
) -> Policy {
    let config = &loaded.config;
    let mut receivers: BTreeMap<String, Receiver> = config
        .receivers
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                Receiver {
                    name: r.name.clone(),
                    integrations: Vec::new(),
                },
            )
        })
        .collect();
    for spec in &loaded.integrations {
        let integration = Integration {
            name: spec.kind.clone(),
            index: spec.index,
            send_resolved: spec.send_resolved,
            settings: spec.settings.clone(),
            deliver: deliver(spec).unwrap_or_else(|| {
                tracing::warn!(receiver = %spec.receiver, integration = %spec.kind, "no notifier plugin for this integration type; its notifications fail");
                unavailable(&spec.kind)
            }),
        };
        if let Some(r) = receivers.get_mut(&spec.receiver) {
            r.integrations.push(integration);
        }
    }
    for (receiver, plugins) in extra {
        let entry = receivers
            .entry(receiver.clone())
            .or_insert_with(|| Receiver {
                name: receiver.clone(),
                integrations: Vec::new(),
            });
        for (name, deliver) in plugins {
            entry.integrations.push(Integration {
                name: name.clone(),
                index: 0,
                send_resolved: true,
                settings: serde_json::json!({}),
                deliver: Arc::clone(deliver),
            });
        }
    }
    let time_intervals: HashMap<String, Vec<watchpost_amconfig::TimeInterval>> = config
        .time_intervals
        .iter()
        .map(|t| (t.name.clone(), t.time_intervals.clone()))
        .chain(
            config
                .mute_time_intervals
                .iter()
                .map(|t| (t.name.clone(), t.time_intervals.clone())),
        )
        .collect();
    let inhibit_rules = config
        .inhibit_rules
        .iter()
        .map(|r| InhibitRule {
            source: r.all_source_matchers().0,
            target: r.all_target_matchers().0,
            equal: r.equal.clone(),
        })
        .collect();
    Policy {
        root: watchpost_amconfig::Route::new(&config.route),
        inhibit_rules,
        time_intervals,
        receivers,
        resolve_timeout_ms: config.global.resolve_timeout.as_std().as_millis() as i64,
        external_url: external_url.to_string(),
        templates: loaded.templates.clone(),
        original: loaded.original.clone(),
    }
}
