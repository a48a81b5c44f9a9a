//! The registry of plugin kinds and of the stock plugins bundled into the
//! binary. Adding a stock plugin is one line in [`StockPlugin::ALL`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// The four plugin kinds, one WIT world each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PluginKind {
    /// Metric source (`exporter` world).
    Exporter,
    /// Log parser (`parser` world).
    Parser,
    /// Alerting/recording rules (`rule` world).
    Rule,
    /// Notification channel (`notifier` world).
    Notifier,
}

impl PluginKind {
    /// All kinds.
    pub const ALL: [PluginKind; 4] = [
        PluginKind::Exporter,
        PluginKind::Parser,
        PluginKind::Rule,
        PluginKind::Notifier,
    ];

    /// The lowercase name used in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            PluginKind::Exporter => "exporter",
            PluginKind::Parser => "parser",
            PluginKind::Rule => "rule",
            PluginKind::Notifier => "notifier",
        }
    }

    /// The exported WIT interface that identifies this kind, without version.
    pub fn export_interface(self) -> &'static str {
        match self {
            PluginKind::Exporter => "watchpost:plugin/exporter-api",
            PluginKind::Parser => "watchpost:plugin/parser-api",
            PluginKind::Rule => "watchpost:plugin/rule-api",
            PluginKind::Notifier => "watchpost:plugin/notifier-api",
        }
    }

    /// The name with its indefinite article, for messages ("an exporter").
    pub fn with_article(self) -> &'static str {
        match self {
            PluginKind::Exporter => "an exporter",
            PluginKind::Parser => "a parser",
            PluginKind::Rule => "a rule",
            PluginKind::Notifier => "a notifier",
        }
    }

    /// Parses a manifest kind name.
    pub fn from_name(name: &str) -> Option<PluginKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for PluginKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

mod bundle {
    include!(concat!(env!("OUT_DIR"), "/stock_bundle.rs"));
}

/// A plugin shipped inside the `watchpost` binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockPlugin {
    /// Name used as `path = "<name>"` in manifests.
    pub name: &'static str,
    /// Its kind.
    pub kind: PluginKind,
    /// File stem of its build output.
    pub file_stem: &'static str,
}

impl StockPlugin {
    /// Every stock plugin.
    pub const ALL: &'static [StockPlugin] = &[
        StockPlugin {
            name: "node",
            kind: PluginKind::Exporter,
            file_stem: "watchpost_plugin_node",
        },
        StockPlugin {
            name: "prometheus-scrape",
            kind: PluginKind::Exporter,
            file_stem: "watchpost_plugin_prometheus_scrape",
        },
        StockPlugin {
            name: "http-probe",
            kind: PluginKind::Exporter,
            file_stem: "watchpost_plugin_http_probe",
        },
        StockPlugin {
            name: "prometheus-rules",
            kind: PluginKind::Rule,
            file_stem: "watchpost_plugin_prometheus_rules",
        },
        StockPlugin {
            name: "webhook",
            kind: PluginKind::Notifier,
            file_stem: "watchpost_plugin_webhook",
        },
        StockPlugin {
            name: "slack",
            kind: PluginKind::Notifier,
            file_stem: "watchpost_plugin_slack",
        },
        StockPlugin {
            name: "pagerduty",
            kind: PluginKind::Notifier,
            file_stem: "watchpost_plugin_pagerduty",
        },
        StockPlugin {
            name: "opsgenie",
            kind: PluginKind::Notifier,
            file_stem: "watchpost_plugin_opsgenie",
        },
        StockPlugin {
            name: "msteams",
            kind: PluginKind::Notifier,
            file_stem: "watchpost_plugin_msteams",
        },
        StockPlugin {
            name: "discord",
            kind: PluginKind::Notifier,
            file_stem: "watchpost_plugin_discord",
        },
        StockPlugin {
            name: "telegram",
            kind: PluginKind::Notifier,
            file_stem: "watchpost_plugin_telegram",
        },
        StockPlugin {
            name: "email",
            kind: PluginKind::Notifier,
            file_stem: "watchpost_plugin_email",
        },
        StockPlugin {
            name: "postfix",
            kind: PluginKind::Parser,
            file_stem: "watchpost_plugin_parse_postfix",
        },
        StockPlugin {
            name: "dovecot",
            kind: PluginKind::Parser,
            file_stem: "watchpost_plugin_parse_dovecot",
        },
        StockPlugin {
            name: "postgresql",
            kind: PluginKind::Parser,
            file_stem: "watchpost_plugin_parse_postgresql",
        },
        StockPlugin {
            name: "celery",
            kind: PluginKind::Parser,
            file_stem: "watchpost_plugin_parse_celery",
        },
        StockPlugin {
            name: "gunicorn",
            kind: PluginKind::Parser,
            file_stem: "watchpost_plugin_parse_gunicorn",
        },
        StockPlugin {
            name: "json",
            kind: PluginKind::Parser,
            file_stem: "watchpost_plugin_parse_json",
        },
        StockPlugin {
            name: "syslog",
            kind: PluginKind::Parser,
            file_stem: "watchpost_plugin_parse_syslog",
        },
        StockPlugin {
            name: "logfmt",
            kind: PluginKind::Parser,
            file_stem: "watchpost_plugin_parse_logfmt",
        },
        StockPlugin {
            name: "regex",
            kind: PluginKind::Parser,
            file_stem: "watchpost_plugin_parse_regex",
        },
        StockPlugin {
            name: "grok",
            kind: PluginKind::Parser,
            file_stem: "watchpost_plugin_parse_grok",
        },
    ];

    /// Looks a stock plugin up by manifest name.
    pub fn by_name(name: &str) -> Option<StockPlugin> {
        Self::ALL.iter().copied().find(|p| p.name == name)
    }

    /// All stock plugin names.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|p| p.name).collect()
    }

    /// The component bytes, or an error saying how to build them.
    pub fn bytes(&self) -> Result<&'static [u8], String> {
        bundle::bundled(self.file_stem).ok_or_else(|| {
            format!(
                "stock plugin {:?} is not bundled in this build: run scripts/build-plugins.sh, then rebuild watchpost (looked in {})",
                self.name,
                bundle::BUNDLE_DIR
            )
        })
    }
}
