//! The [`Rule`] implementation: config → rule files → evaluations.

use crate::config::Config;
use crate::files::RuleFiles;
use crate::{eval, files::Refresh};
use std::path::Path;
use watchpost_sdk::{Error, Evaluation, Rule, log};

/// The plugin instance: the rule files and what was last loaded from them.
pub struct PrometheusRules {
    files: RuleFiles,
    /// Each group's last run (for intervals and staging).
    runs: eval::GroupRuns,
    /// Kept for `$externalLabels` (expanded by the host); see [`Config`].
    _external_labels: std::collections::BTreeMap<String, String>,
}

impl Rule for PrometheusRules {
    type Config = Config;

    /// Loads every file; an invalid file at start is an error (Prometheus
    /// refuses to start with one), retried on the next evaluation.
    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        config.validate().map_err(Error::new)?;
        let base = match &config.dir {
            Some(dir) => dir.clone(),
            None if config.files.iter().all(|f| f.starts_with('/')) => "/".into(),
            None => granted_dir().map_err(Error::new)?,
        };
        let patterns = config
            .files
            .iter()
            .map(|f| Path::new(&base).join(f).to_string_lossy().into_owned())
            .collect();
        let mut files = RuleFiles::new(patterns, config.language);
        let refresh = files.refresh();
        if !refresh.errors.is_empty() {
            return Err(Error::new(format!(
                "invalid rule files:\n{}",
                refresh.errors.join("\n")
            )));
        }
        let plugin = PrometheusRules {
            files,
            runs: eval::GroupRuns::new(config.language),
            _external_labels: config.external_labels,
        };
        plugin.report(&refresh);
        Ok(plugin)
    }

    fn evaluate(&mut self, at_ms: i64) -> watchpost_sdk::Result<Evaluation> {
        let refresh = self.files.refresh();
        for e in &refresh.errors {
            log::error(&format!("{e} (keeping the file's last valid rules)"));
        }
        self.report(&refresh);
        Ok(self.runs.evaluate(self.files.groups(), at_ms))
    }
}

impl PrometheusRules {
    /// Logs what a refresh that changed something found.
    fn report(&self, refresh: &Refresh) {
        for pattern in &refresh.unmatched {
            log::warn(&format!("rule file pattern {pattern:?} matches no file"));
        }
        if !refresh.changed {
            return;
        }
        let groups: Vec<_> = self.files.groups().collect();
        let rules: usize = groups.iter().map(|(_, g)| g.rules.len()).sum();
        log::info(&format!("loaded {} groups, {rules} rules", groups.len()));
    }
}

/// The one directory the manifest grants (`read_dirs`), for relative
/// patterns.
#[cfg(target_family = "wasm")]
fn granted_dir() -> Result<String, String> {
    let dirs = wasip2::filesystem::preopens::get_directories();
    match dirs.as_slice() {
        [(_, path)] => Ok(path.clone()),
        [] => Err("relative rule file patterns need a directory: grant it in read_dirs".into()),
        _ => Err(
            "several read_dirs are granted: set `dir` to the one relative patterns are in".into(),
        ),
    }
}

/// Natively (tests) relative patterns are relative to the working directory.
#[cfg(not(target_family = "wasm"))]
fn granted_dir() -> Result<String, String> {
    std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .map_err(|e| e.to_string())
}

watchpost_sdk::export_rule!(PrometheusRules);
