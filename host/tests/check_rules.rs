//! `watchpost check rules`: golden outputs for `golden/rules/<case>.yml` in
//! `<case>.out` (exit code, stdout, stderr), the same cases run through
//! Debian's `promtool check rules` 2.42 when it is installed (exit codes and
//! messages must agree, up to the wording of PromQL and YAML syntax errors),
//! and the real binary on a good and a bad file. Run with
//! `WATCHPOST_BLESS=1` to rewrite the `.out` files after an intended change.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use watchpost::cli::check_rules::{CheckRulesArgs, Lint, check_rules};

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/rules")
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "golden cases are missing");
    cases
}

fn name(case: &Path) -> String {
    case.file_name().unwrap().to_string_lossy().into_owned()
}

fn ours(case: &Path) -> String {
    let args = CheckRulesArgs {
        files: vec![case.to_path_buf()],
        lint: Lint::DuplicateRules,
        lint_fatal: false,
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = check_rules(&args, &mut out, &mut err);
    let prefix = format!("{}/", golden_dir().display());
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap().replace(&prefix, "");
    common::golden::render(code.into(), &text(out), &text(err))
}

#[test]
fn outputs_match_their_golden_files() {
    common::golden::assert_all(&cases(), "out", ours);
}

/// The parts of a message whose wording is the parser's own: YAML syntax
/// errors (yaml-rust2's words) are compared up to where they start. PromQL
/// parse errors are compared whole (worded and positioned as Prometheus').
fn essential(output: &str) -> Vec<String> {
    let mut lines: Vec<String> = output
        .lines()
        .map(|line| {
            let marker = ": yaml: line ";
            if let Some(at) = line.find(marker) {
                return line[..at + marker.len()].to_string();
            }
            line.to_string()
        })
        .collect();
    // promtool walks label and annotation maps in Go's random order.
    lines.sort();
    lines
}

#[test]
fn promtool_agrees() {
    let promtool = Path::new("/usr/bin/promtool");
    if !promtool.exists() {
        eprintln!("skipped: /usr/bin/promtool is not installed");
        return;
    }
    let mut disagreements = Vec::new();
    for case in cases() {
        let run = Command::new(promtool)
            .args(["check", "rules", &name(&case)])
            .current_dir(golden_dir())
            .output()
            .unwrap();
        let theirs = common::golden::render(
            run.status.code().unwrap(),
            &String::from_utf8_lossy(&run.stdout),
            &String::from_utf8_lossy(&run.stderr),
        );
        let ours = ours(&case);
        if essential(&theirs) != essential(&ours) {
            disagreements.push(format!(
                "{}:\n=== promtool\n{theirs}=== watchpost\n{ours}",
                name(&case)
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

fn watchpost(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_watchpost"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn cli_prints_like_promtool() {
    let run = watchpost(&["check", "rules", "good.yml"], &golden_dir());
    assert_eq!(run.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "Checking good.yml\n  SUCCESS: 2 rules found\n\n"
    );
    assert!(run.stderr.is_empty());

    let run = watchpost(
        &["check", "rules", "good.yml", "bad_rules.yml"],
        &golden_dir(),
    );
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.starts_with("  FAILED:\nbad_rules.yml: 2:5: Groupname must not be empty\n"),
        "{stderr}"
    );

    let run = watchpost(&["check", "rules", "missing.yml"], &golden_dir());
    assert_eq!(run.status.code(), Some(1));

    // Lint findings fail only with --lint-fatal (exit 3), as in promtool.
    let run = watchpost(&["check", "rules", "duplicates.yml"], &golden_dir());
    assert_eq!(run.status.code(), Some(0));
    let run = watchpost(
        &["check", "rules", "--lint-fatal", "duplicates.yml"],
        &golden_dir(),
    );
    assert_eq!(run.status.code(), Some(3));
    let run = watchpost(
        &["check", "rules", "--lint=none", "duplicates.yml"],
        &golden_dir(),
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains("SUCCESS: 6 rules found"));
}

#[test]
fn the_email_stack_example_passes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let file = "examples/email-stack/rules/alerts.yml";
    let run = watchpost(&["check", "rules", file], &root);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("SUCCESS: 30 rules found"), "{stdout}");
    if Path::new("/usr/bin/promtool").exists() {
        let run = Command::new("/usr/bin/promtool")
            .args(["check", "rules", file])
            .current_dir(&root)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&run.stdout), stdout);
        assert_eq!(run.status.code(), Some(0));
    }
}
