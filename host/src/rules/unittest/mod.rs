//! `promtool test rules` (Prometheus 2.42): rule unit tests. A test file
//! names rule files and test groups; each group loads its input series
//! into an in-memory store, evaluates every rule group at each evaluation
//! interval from 0 up to the latest `eval_time`, and checks the firing
//! alerts at each `alert_rule_test` time and the result of each
//! `promql_expr_test` query, failures worded as promtool words them.
//!
//! - `model`: the test file (serde, unknown fields refused).
//! - `runner`: rule evaluation over the store, alerts through the host's
//!   state machine.
//! - `group`: one test group: input series, evaluations, checks.
//! - `compare`: set comparison and promtool's failure messages.
//!
//! One deliberate difference: a test group without `interval` uses the
//! evaluation interval (as promtool does since 2.44 and as its
//! documentation says); promtool 2.42 loads such series all at time 0.

pub mod compare;
mod group;
pub mod model;
pub mod runner;
#[cfg(test)]
mod tests;

use crate::rules::checks::HostChecks;
use group::test_group;
use model::TestFile;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use watchpost_rulefmt::rulefmt::{self, RuleGroup};

/// The default evaluation interval (1m).
const DEFAULT_EVAL_INTERVAL_MS: i64 = 60_000;

/// Runs one test file, writing what promtool writes (`Unit Testing:` and
/// `SUCCESS` on `out`, `FAILED:` and the failures on `err`); whether every
/// test passed.
pub fn run_file(path: &Path, out: &mut dyn Write, err: &mut dyn Write) -> bool {
    let _ = writeln!(out, "Unit Testing:  {}", path.display());
    let ok = match test_file(path, err) {
        Ok(()) => {
            let _ = writeln!(out, "  SUCCESS");
            true
        }
        Err(errors) => {
            let _ = writeln!(err, "  FAILED:");
            for e in errors {
                let _ = writeln!(err, "{e}");
                let _ = writeln!(out);
            }
            false
        }
    };
    let _ = writeln!(out);
    ok
}

/// Runs one test file; every failure, as promtool words it. Warnings (rule
/// file patterns that match nothing) go to `warn`.
pub fn test_file(path: &Path, warn: &mut dyn Write) -> Result<(), Vec<String>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| vec![format!("{}: {e}", path.display())])?;
    let file: TestFile = model::parse(&text).map_err(|e| vec![e.to_string()])?;
    let base = path.parent().unwrap_or(Path::new(""));
    let rule_files = resolve(base, &file.rule_files, warn)?;
    let eval_interval = file
        .evaluation_interval
        .map_or(DEFAULT_EVAL_INTERVAL_MS, |d| d.0)
        .max(1);
    let mut order: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, name) in file.group_eval_order.iter().enumerate() {
        if order.insert(name, i).is_some() {
            return Err(vec![format!(
                "group name repeated in evaluation order: {name}"
            )]);
        }
    }
    let groups = load_groups(&rule_files).map(|mut groups| {
        // promtool sorts by position in `group_eval_order`, unnamed groups as 0.
        groups.sort_by_key(|g| order.get(g.name.as_str()).copied().unwrap_or(0));
        groups
    });
    let mut errors = Vec::new();
    for tg in &file.tests {
        // promtool loads the rule files for each test group, so their
        // errors repeat per group (and a file without tests passes).
        match &groups {
            Ok(groups) => errors.extend(test_group(tg, groups, eval_interval)),
            Err(load) => errors.extend(load.iter().cloned()),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Rule file paths relative to the test file's folder, globs expanded.
fn resolve(
    base: &Path,
    patterns: &[String],
    warn: &mut dyn Write,
) -> Result<Vec<PathBuf>, Vec<String>> {
    let mut files = Vec::new();
    for p in patterns {
        let full = if p.is_empty() || Path::new(p).is_absolute() {
            PathBuf::from(p)
        } else {
            base.join(p)
        };
        let pattern = full.to_string_lossy().into_owned();
        let matches: Vec<PathBuf> = glob::glob(&pattern)
            .map_err(|e| vec![format!("{pattern}: {e}")])?
            .filter_map(Result::ok)
            .collect();
        if matches.is_empty() {
            let _ = writeln!(warn, "  WARNING: no file match pattern {pattern}");
        }
        files.extend(matches);
    }
    Ok(files)
}

/// Every group of every rule file, parsed and validated as Prometheus
/// loads them.
fn load_groups(files: &[PathBuf]) -> Result<Vec<RuleGroup>, Vec<String>> {
    let mut groups = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        let name = file.display();
        match std::fs::read_to_string(file)
            .map_err(|e| vec![e.to_string()])
            .and_then(|text| rulefmt::parse(&text, &HostChecks))
        {
            Ok(parsed) => groups.extend(parsed.groups),
            Err(es) => errors.extend(es.into_iter().map(|e| format!("{name}: {e}"))),
        }
    }
    if errors.is_empty() {
        Ok(groups)
    } else {
        Err(errors)
    }
}
