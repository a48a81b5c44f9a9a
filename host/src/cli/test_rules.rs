//! `watchpost test rules <test.yml>...`: `promtool test rules` (Prometheus
//! 2.42) on the host's rule evaluation (`rules::unittest`). Output and exit
//! codes are promtool's: `Unit Testing:  <file>` and `  SUCCESS` on stdout,
//! `  FAILED:` and each failure on stderr, a blank line after each file;
//! exit 1 when any test failed, else 0.

use crate::rules::unittest;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// `watchpost test rules` arguments.
#[derive(Debug, Clone, Args)]
pub struct TestRulesArgs {
    /// The unit-test files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Runs every file, writing what promtool writes; returns the exit code.
pub fn test_rules(args: &TestRulesArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    if super::refuse_missing(&args.files, err) {
        return 1;
    }
    let mut failed = false;
    for file in &args.files {
        failed |= !unittest::run_file(file, out, err);
    }
    u8::from(failed)
}

/// `watchpost test rules`.
pub(super) fn run(args: &TestRulesArgs) -> std::process::ExitCode {
    let code = test_rules(args, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::ExitCode::from(code)
}
