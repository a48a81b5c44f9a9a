//! `watchpost test rules`: the suites in `golden/rules-unittest/` (a
//! passing one exercising recording rules, `for`, templates and external
//! labels; a passing one on staleness, subqueries and alert identity; one
//! with wrong expectations) against their golden outputs
//! (`<case>.out`: exit code, stdout, stderr), the same files and the email
//! stack's `alerts_test.yml` through Debian's `promtool test rules` 2.42
//! when it is installed (same exit code and the same output), and the real
//! binary. Run with `WATCHPOST_BLESS=1` to rewrite the `.out` files after an
//! intended change.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use watchpost::cli::test_rules::{TestRulesArgs, test_rules};

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/rules-unittest")
}

fn email_stack_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/email-stack/rules")
}

/// The test files (the rule file they share is not one).
fn cases() -> Vec<PathBuf> {
    ["pass.yml", "staleness.yml", "fail.yml"]
        .iter()
        .map(|c| golden_dir().join(c))
        .collect()
}

/// Our output for `case`, with file names relative to its folder.
fn ours(case: &Path) -> String {
    let args = TestRulesArgs {
        files: vec![case.to_path_buf()],
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = test_rules(&args, &mut out, &mut err);
    let prefix = format!("{}/", case.parent().unwrap().display());
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap().replace(&prefix, "");
    common::golden::render(code.into(), &text(out), &text(err))
}

/// promtool's output for `case`, run in its folder.
fn promtool(case: &Path) -> Option<String> {
    let promtool = Path::new("/usr/bin/promtool");
    if !promtool.exists() {
        eprintln!("skipped: /usr/bin/promtool is not installed");
        return None;
    }
    let run = Command::new(promtool)
        .args(["test", "rules"])
        .arg(case.file_name().unwrap())
        .current_dir(case.parent().unwrap())
        .output()
        .unwrap();
    Some(common::golden::render(
        run.status.code().unwrap(),
        &String::from_utf8_lossy(&run.stdout),
        &String::from_utf8_lossy(&run.stderr),
    ))
}

#[test]
fn outputs_match_their_golden_files() {
    common::golden::assert_all(&cases(), "out", ours);
}

#[test]
fn the_passing_suite_passes_and_the_wrong_one_fails_with_the_diff() {
    assert!(ours(&golden_dir().join("pass.yml")).starts_with("exit: 0\n"));
    let fail = ours(&golden_dir().join("fail.yml"));
    assert!(fail.starts_with("exit: 1\n"), "{fail}");
    assert!(
        fail.contains("    alertname: InstanceDown, time: 2m, \n        exp:[\n"),
        "{fail}"
    );
    assert!(
        fail.contains("        got: {__name__=\"up\", instance=\"a:9090\", job=\"api\"} 0E+00")
    );
}

#[test]
fn promtool_agrees() {
    let mut disagreements = Vec::new();
    for case in cases()
        .into_iter()
        .chain([email_stack_dir().join("alerts_test.yml")])
    {
        let Some(theirs) = promtool(&case) else {
            return;
        };
        let ours = ours(&case);
        if theirs != ours {
            disagreements.push(format!(
                "{}:\n=== promtool\n{theirs}=== watchpost\n{ours}",
                case.display()
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn email_stack_alert_tests_pass() {
    let case = email_stack_dir().join("alerts_test.yml");
    let ours = ours(&case);
    assert!(ours.starts_with("exit: 0\n"), "{ours}");
    if let Some(theirs) = promtool(&case) {
        assert!(theirs.starts_with("exit: 0\n"), "{theirs}");
    }
}

/// Every alert of the email stack's rules has a test expecting it to fire.
#[test]
fn every_email_stack_alert_has_a_firing_test() {
    let yaml = |name: &str| -> serde_norway::Value {
        serde_norway::from_str(&std::fs::read_to_string(email_stack_dir().join(name)).unwrap())
            .unwrap()
    };
    let rules = yaml("alerts.yml");
    let alerts: std::collections::BTreeSet<&str> = rules["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap())
        .filter_map(|r| r["alert"].as_str())
        .collect();
    assert_eq!(alerts.len(), 26, "the seed lists 26 alerts");
    let tests = yaml("alerts_test.yml");
    let firing: std::collections::BTreeSet<&str> = tests["tests"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|t| t["alert_rule_test"].as_sequence())
        .flatten()
        .filter(|c| c["exp_alerts"].as_sequence().is_some_and(|a| !a.is_empty()))
        .filter_map(|c| c["alertname"].as_str())
        .collect();
    let untested: Vec<_> = alerts.difference(&firing).collect();
    assert!(
        untested.is_empty(),
        "alerts never tested firing: {untested:?}"
    );
}

#[test]
fn cli_prints_like_promtool() {
    let run = Command::new(env!("CARGO_BIN_EXE_watchpost"))
        .args(["test", "rules", "pass.yml", "fail.yml"])
        .current_dir(golden_dir())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.starts_with("Unit Testing:  pass.yml\n  SUCCESS\n\nUnit Testing:  fail.yml\n"),
        "{stdout}"
    );
    assert!(
        String::from_utf8_lossy(&run.stderr)
            .starts_with("  FAILED:\n    name: wrong expectations,\n")
    );
}

#[test]
fn missing_files_and_bad_rule_files_fail() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.yml"),
        "groups:\n- name: g\n  rules:\n  - record: \"bad name\"\n    expr: up\n",
    )
    .unwrap();
    let case = dir.path().join("t.yml");
    std::fs::write(
        &case,
        "rule_files: [bad.yml]\ntests:\n- interval: 1m\n- interval: 1m\n",
    )
    .unwrap();
    let out = ours(&case);
    let error =
        "bad.yml: 4:13: group \"g\", rule 1, \"bad name\": invalid recording rule name: bad name\n";
    // Once per test group, as promtool.
    assert!(
        out.ends_with(&format!("--- stderr\n  FAILED:\n{error}{error}")),
        "{out}"
    );
    if let Some(theirs) = promtool(&case) {
        assert_eq!(theirs, out);
    }

    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let args = TestRulesArgs {
        files: vec![dir.path().join("missing.yml")],
    };
    assert_eq!(test_rules(&args, &mut stdout, &mut stderr), 1);
    assert!(stdout.is_empty());
    assert!(String::from_utf8_lossy(&stderr).contains("does not exist"));
}

/// Sample values worth formatting: signs, zeros, tiny and huge magnitudes,
/// values near unit boundaries, NaN and infinities.
const VALUES: &[&str] = &[
    "0",
    "-0",
    "1",
    "0.5",
    "-3.25",
    "1234.5678",
    "999.9999",
    "1e-9",
    "0.000123",
    "1e21",
    "123456789012",
    "86399.9",
    "3600",
    "0.999",
    "1023.9",
    "1048576",
    "NaN",
    "Inf",
    "-Inf",
    "17",
];

/// Template fragments over `$value` and `$labels`, as alert annotations
/// use them.
const TEMPLATES: &[&str] = &[
    "{{ $value }}",
    "{{ $value | humanize }}",
    "{{ $value | humanize1024 }}",
    "{{ $value | humanizeDuration }}",
    "{{ $value | humanizePercentage }}",
    "{{ $value | humanizeTimestamp }}",
    "{{ printf \"%.2f\" $value }}",
    "{{ printf \"%g\" $value }}",
    "{{ printf \"%e\" $value }}",
    "{{ printf \"%8.3f|\" $value }}",
    "{{ printf \"%v %s\" $value $labels.i }}",
    "{{ printf \"%x\" $labels.i }}",
    "{{ if gt $value 100.0 }}high{{ else if lt $value 0.0 }}negative{{ else }}low{{ end }}",
    "{{ $labels.i | toUpper }}-{{ $labels.job | title }}",
    "{{ reReplaceAll \"(\\\\d)\" \"<$1>\" $labels.i }}",
    "{{ if match \"^[0-4]$\" $labels.i }}first half{{ end }}",
    "{{ with $labels.missing }}has it{{ else }}none{{ end }}",
    "{{ $externalLabels.cluster }}",
    "{{ len $labels }} labels",
    "{{ humanize 1234567.0 }} {{ humanizeDuration 0.0015 }}",
    "{{ printf \"%.0f %5.1e %+v\" $value $value $value }}",
    "{{ printf \"%q %d %05d\" $labels.i 3 42 }}",
    "{{ range $k, $v := $labels }}{{ $k }}={{ $v }},{{ end }}",
    "{{ index $labels \"job\" }} {{ or $labels.missing \"default\" }} {{ not true }}",
    "{{ html \"<a&b>\" }} {{ js \"a\\u0027b<\" }} {{ urlquery \"a b&c\" }}",
    "{{ print $value 1 \"x\" }}|{{ println $value }}|",
    "{{ $value | humanizePercentage | toUpper }}",
    "{{ stripPort \"host:9090\" }} {{ reReplaceAll \"a(b)\" \"${1}x\" \"zabz\" }}",
    "{{ if and (ge $value 1.0) (le $value 1000.0) }}in range{{ end }}",
    "{{ $value | printf \"%.3g\" }} {{ len (printf \"%v\" $value) }}",
];

/// Random alert annotations over random values, in a suite that expects
/// nothing: promtool and we both fail it and print every alert we got,
/// labels and rendered annotations, which must agree to the byte.
#[test]
fn random_templates_and_values_render_as_promtool_renders_them() {
    let seed = std::env::var("TEMPLATE_RANDOM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = tempfile::tempdir().unwrap();
    let mut disagreements = Vec::new();
    for case in 0..8 {
        let mut rules = String::from("groups:\n  - name: random\n    rules:\n");
        for a in 0..3 {
            rules.push_str(&format!(
                "      - alert: A{a}\n        expr: x{{job=\"j{a}\"}}\n        labels: {{severity: page}}\n        annotations:\n"
            ));
            for n in 0..3 {
                let text: Vec<&str> = (0..1 + rng.usize(..3))
                    .map(|_| TEMPLATES[rng.usize(..TEMPLATES.len())])
                    .collect();
                // A YAML single-quoted scalar: quotes doubled.
                let text = text.join(" / ").replace('\'', "''");
                rules.push_str(&format!("          t{n}: '{text}'\n"));
            }
        }
        std::fs::write(dir.path().join(format!("rules-{case}.yml")), rules).unwrap();
        let mut tests = format!(
            "rule_files: [rules-{case}.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    external_labels: {{cluster: eu-1}}\n    input_series:\n"
        );
        for a in 0..3 {
            for i in 0..3 {
                let value = VALUES[rng.usize(..VALUES.len())];
                tests.push_str(&format!(
                    "      - series: 'x{{job=\"j{a}\", i=\"{}\"}}'\n        values: '{value} {value} {value}'\n",
                    rng.usize(..10) * 3 + i
                ));
            }
        }
        tests.push_str("    alert_rule_test:\n");
        for a in 0..3 {
            tests.push_str(&format!(
                "      - eval_time: 1m\n        alertname: A{a}\n        exp_alerts: []\n"
            ));
        }
        let case = dir.path().join(format!("test-{case}.yml"));
        std::fs::write(&case, tests).unwrap();
        let Some(theirs) = promtool(&case) else {
            panic!(
                "/usr/bin/promtool is missing: install Debian's prometheus package (scripts/test.sh does)"
            );
        };
        assert!(theirs.starts_with("exit: 1\n"), "{theirs}");
        let ours = ours(&case);
        if theirs != ours {
            let rules = std::fs::read_to_string(case.with_file_name(format!(
                "rules-{}",
                &case.file_name().unwrap().to_string_lossy()["test-".len()..]
            )))
            .unwrap();
            disagreements.push(format!(
                "{}:\n{rules}\n=== promtool\n{theirs}=== watchpost\n{ours}",
                case.display()
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of 8 random suites render differently:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
