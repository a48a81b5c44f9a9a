//! The `[plugin.config]` table, typed and validated.
//!
//! ```toml
//! [plugin.config]
//! files = ["rules/*.yml", "/etc/prometheus/alert_rules.yml"]
//! dir = "/etc/watchpost"            # base of relative patterns (optional)
//! external_labels = { cluster = "mail-1" }
//! language = "promql"              # or "logql": Loki ruler files
//! ```

use crate::names::is_label_name;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The plugin's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `files = ["rules/*.yml"]`: rule files or glob patterns (`*`, `?`,
    /// `[...]` within a path component), as Prometheus' `rule_files`.
    /// Relative patterns are resolved against `dir`.
    pub files: Vec<String>,
    /// `dir = "/etc/watchpost/rules"`: the base of relative patterns. By
    /// default the one directory the manifest grants in `read_dirs`.
    #[serde(default)]
    pub dir: Option<String>,
    /// `external_labels = { cluster = "mail-1" }`: Prometheus'
    /// `global.external_labels`. As in Prometheus they are not added to
    /// recorded series or alerts here; they are checked and kept for
    /// `$externalLabels` in templates, which the host expands.
    #[serde(default)]
    pub external_labels: BTreeMap<String, String>,
    /// The query language of the rules' `expr`: `promql` (Prometheus rule
    /// files, over the metrics store) or `logql` (Loki ruler files, over the
    /// log store).
    #[serde(default)]
    pub language: Language,
}

/// The language of rule expressions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Prometheus' PromQL.
    #[default]
    Promql,
    /// Loki's LogQL (metric queries).
    Logql,
}

impl Config {
    /// Checks the settings a serde type cannot express.
    pub fn validate(&self) -> Result<(), String> {
        if self.files.is_empty() {
            return Err("files: name at least one rule file or pattern".into());
        }
        for pattern in &self.files {
            glob::Pattern::new(pattern)
                .map_err(|e| format!("files: {pattern:?} is not a valid pattern: {e}"))?;
        }
        if let Some(dir) = &self.dir
            && !dir.starts_with('/')
        {
            return Err(format!(
                "dir: {dir:?} must be absolute (the path the manifest's read_dirs grants)"
            ));
        }
        for name in self.external_labels.keys() {
            if !is_label_name(name) || name == "__name__" {
                return Err(format!("external_labels: invalid label name {name:?}"));
            }
        }
        Ok(())
    }
}
