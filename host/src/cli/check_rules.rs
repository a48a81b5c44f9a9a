//! `watchpost check rules <files>`: `promtool check rules` for Prometheus
//! 2.42 rule files, on the same parser and validator the stock
//! `prometheus-rules` plugin loads them with. Output and exit codes are
//! promtool's: `Checking <file>` and `  SUCCESS: N rules found` on stdout,
//! `  FAILED:` and the errors on stderr, a blank line after each file; exit 1
//! when a file is invalid, 3 for lint findings with `--lint-fatal`, else 0.
//!
//! Unlike the plugin, this check also parses alerting rules' label and
//! annotation templates (with the host's Go template engine and Prometheus'
//! functions) and words PromQL errors as the host's query engine does.

use crate::rules::checks::HostChecks;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use watchpost_rulefmt::rulefmt;

/// `watchpost check rules` arguments (promtool's flags).
#[derive(Debug, Clone, Args)]
pub struct CheckRulesArgs {
    /// The rule files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Linting checks to apply.
    #[arg(long, value_enum, default_value_t = Lint::DuplicateRules)]
    pub lint: Lint,
    /// Make lint errors exit with exit code 3.
    #[arg(long)]
    pub lint_fatal: bool,
}

/// promtool's `--lint` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lint {
    /// Every lint (in 2.42: duplicate rules).
    All,
    /// Rules of a file with the same name and labels.
    DuplicateRules,
    /// No linting.
    None,
}

/// The exit code for an invalid file.
const FAILURE: u8 = 1;
/// The exit code for lint findings under `--lint-fatal`.
const LINT_FAILURE: u8 = 3;

/// Checks every file, writing what promtool writes; returns the exit code.
pub fn check_rules(args: &CheckRulesArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    if super::refuse_missing(&args.files, err) {
        return FAILURE;
    }
    let (mut failed, mut linted) = (false, false);
    for file in &args.files {
        let name = file.display();
        let _ = writeln!(out, "Checking {name}");
        let result = std::fs::read_to_string(file)
            .map_err(|e| vec![e.to_string()])
            .and_then(|text| rulefmt::parse(&text, &HostChecks));
        match result {
            Err(errors) => {
                failed = true;
                let _ = writeln!(err, "  FAILED:");
                for e in errors {
                    let _ = writeln!(err, "{name}: {e}");
                }
            }
            Ok(groups) => {
                let dups = match args.lint {
                    Lint::None => Vec::new(),
                    Lint::All | Lint::DuplicateRules => rulefmt::duplicates(&groups),
                };
                if dups.is_empty() {
                    let _ = writeln!(out, "  SUCCESS: {} rules found", groups.rule_count());
                } else {
                    linted = true;
                    let _ = writeln!(err, "  FAILED:");
                    let _ = writeln!(err, "lint error {}", rulefmt::duplicates_message(&dups));
                }
            }
        }
        let _ = writeln!(out);
    }
    match (failed, linted && args.lint_fatal) {
        (true, _) => FAILURE,
        (false, true) => LINT_FAILURE,
        _ => 0,
    }
}

/// `watchpost check rules`.
pub(super) fn run(args: &CheckRulesArgs) -> std::process::ExitCode {
    let code = check_rules(args, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use watchpost_rulefmt::rulefmt::Checks;

    #[test]
    fn templates_parse_with_prometheus_functions() {
        assert!(
            HostChecks
                .template("A", "{{ $labels.instance }} {{ humanize $value }}")
                .is_ok()
        );
        assert!(
            HostChecks
                .template("A", "{{ template \"undefined\" }}")
                .is_ok()
        );
        assert_eq!(
            HostChecks.template("T", "{{ nofunc }}").unwrap_err(),
            "template: __alert_T:1: function \"nofunc\" not defined"
        );
        assert_eq!(
            HostChecks.template("T", "{{ .Labels").unwrap_err(),
            "template: __alert_T:1: unclosed action"
        );
    }

    #[test]
    fn promql_errors_in_prometheus_words() {
        assert!(HostChecks.expr("holt_winters(up[5m], 0.5, 0.5)").is_ok());
        assert!(HostChecks.expr("up +").unwrap_err().contains("parse error"));
    }
}
