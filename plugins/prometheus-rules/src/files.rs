//! The rule files: glob patterns expanded on every evaluation, each file
//! re-read only when its modification time or size changed. A file that
//! becomes invalid keeps its last good groups (the caller logs the error
//! once, when the change is seen); a file that disappears is dropped.
//!
//! Patterns are Go's `filepath.Glob` patterns, as Prometheus' `rule_files`
//! (`*`, `?`, `[...]` within one path component; no `**`). The walk starts
//! at the pattern's literal directory prefix: inside the sandbox only the
//! granted directory can be read, not its parents.

use crate::config::Language;
use crate::rulefmt::{self, PromqlChecks, RuleGroup};

/// LogQL expressions for Loki ruler files: metric queries only, with the
/// LogQL parser's `line, col` errors; templates are checked by the host.
struct LogqlChecks;

impl rulefmt::Checks for LogqlChecks {
    fn expr(&self, expr: &str) -> Result<(), String> {
        match watchpost_logql::parse(expr) {
            Ok(watchpost_logql::Expr::Sample(_)) => Ok(()),
            Ok(watchpost_logql::Expr::Log(_)) => Err(format!(
                "{expr:?} is a log query; a rule needs a metric query (e.g. count_over_time(...))"
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    fn template(&self, _alert: &str, _text: &str) -> Result<(), String> {
        Ok(())
    }
}
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What identifies one version of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

#[derive(Debug)]
struct Loaded {
    stamp: Stamp,
    /// The last valid contents; `None` if the file was never valid.
    groups: Option<Vec<RuleGroup>>,
}

/// What one refresh found.
#[derive(Debug, Default)]
pub struct Refresh {
    /// True when the evaluated rules may have changed (a file appeared,
    /// disappeared or was re-read successfully).
    pub changed: bool,
    /// Files that were (re-)read and are invalid: `path: error` per error.
    pub errors: Vec<String>,
    /// Patterns that match no file, when the list of files changed.
    pub unmatched: Vec<String>,
}

/// The set of rule files behind the configured patterns.
#[derive(Debug)]
pub struct RuleFiles {
    patterns: Vec<String>,
    language: Language,
    files: BTreeMap<PathBuf, Loaded>,
    refreshed: bool,
}

impl RuleFiles {
    /// Patterns must already be absolute.
    pub fn new(patterns: Vec<String>, language: Language) -> Self {
        RuleFiles {
            patterns,
            language,
            files: BTreeMap::new(),
            refreshed: false,
        }
    }

    /// Expands the patterns and re-reads what changed.
    pub fn refresh(&mut self) -> Refresh {
        let mut out = Refresh::default();
        let mut listed: Vec<PathBuf> = Vec::new();
        let mut unmatched = Vec::new();
        for pattern in &self.patterns {
            let before = listed.len();
            listed.extend(expand(pattern));
            if listed.len() == before {
                unmatched.push(pattern.clone());
            }
        }
        listed.sort();
        listed.dedup();
        let gone: Vec<PathBuf> = self
            .files
            .keys()
            .filter(|p| !listed.contains(p))
            .cloned()
            .collect();
        let listing_changed =
            !gone.is_empty() || listed.iter().any(|p| !self.files.contains_key(p));
        for path in gone {
            self.files.remove(&path);
            out.changed = true;
        }
        if listing_changed || !self.refreshed {
            out.unmatched = unmatched;
        }
        self.refreshed = true;
        for path in listed {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let stamp = Stamp {
                modified: meta.modified().ok(),
                len: meta.len(),
            };
            if self.files.get(&path).is_some_and(|l| l.stamp == stamp) {
                continue;
            }
            let previous = self.files.remove(&path).and_then(|l| l.groups);
            let groups = match read(&path, self.language) {
                Ok(groups) => {
                    out.changed = true;
                    Some(groups)
                }
                Err(errors) => {
                    out.errors.extend(errors);
                    previous
                }
            };
            self.files.insert(path, Loaded { stamp, groups });
        }
        out
    }

    /// Every group of every valid file, files sorted by path.
    pub fn groups(&self) -> impl Iterator<Item = (&Path, &RuleGroup)> {
        self.files.iter().flat_map(|(path, loaded)| {
            loaded
                .groups
                .iter()
                .flatten()
                .map(move |g| (path.as_path(), g))
        })
    }
}

/// The files `pattern` matches.
fn expand(pattern: &str) -> Vec<PathBuf> {
    let is_glob = |c: &str| c.contains(['*', '?', '[']);
    let mut base = PathBuf::new();
    let mut rest: Vec<String> = Vec::new();
    for component in Path::new(pattern).components() {
        let text = component.as_os_str().to_string_lossy();
        if rest.is_empty() && !is_glob(&text) {
            base.push(component);
        } else {
            rest.push(text.into_owned());
        }
    }
    let mut out = Vec::new();
    walk(&base, &rest, &mut out);
    out
}

fn walk(path: &Path, rest: &[String], out: &mut Vec<PathBuf>) {
    let Some((first, rest)) = rest.split_first() else {
        if path.is_file() {
            out.push(path.to_path_buf());
        }
        return;
    };
    let Ok(pattern) = glob::Pattern::new(first) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    let mut matched: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| pattern.matches(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    matched.sort();
    for entry in matched {
        walk(&entry, rest, out);
    }
}

/// Reads and validates one file; errors as `path: error`.
fn read(path: &Path, language: Language) -> Result<Vec<RuleGroup>, Vec<String>> {
    let prefix = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| vec![prefix(&e)])?;
    let checks: &dyn rulefmt::Checks = match language {
        Language::Promql => &PromqlChecks,
        Language::Logql => &LogqlChecks,
    };
    rulefmt::parse(&text, checks)
        .map(|g| g.groups)
        .map_err(|errors| errors.iter().map(|e| prefix(e)).collect())
}
