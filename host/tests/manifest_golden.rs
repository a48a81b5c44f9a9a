//! Golden files for invalid manifests: each `golden/manifest/<case>.toml`
//! must fail validation with exactly the errors in `<case>.err`, every one
//! naming `file:line:column`. Run with `WATCHPOST_BLESS=1` to rewrite the
//! `.err` files after an intended change.

mod common;

use std::path::{Path, PathBuf};
use watchpost::manifest::Manifest;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/manifest")
}

fn render(path: &Path) -> String {
    let source = std::fs::read_to_string(path).unwrap();
    let errors = match Manifest::parse(path, &source, &|_| None) {
        Ok(_) => panic!("{} should be invalid", path.display()),
        Err(errors) => errors,
    };
    let prefix = format!("{}/", golden_dir().display());
    errors
        .0
        .iter()
        .map(|e| e.to_string().replace(&prefix, ""))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn invalid_manifests_match_their_golden_errors() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "golden cases are missing");
    let mut mismatches = Vec::new();
    for case in &cases {
        let actual = render(case);
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        for line in actual.lines() {
            let located = line
                .strip_prefix(&format!("{name}:"))
                .and_then(|rest| rest.split_once(": "))
                .is_some_and(|(pos, _)| {
                    let parts: Vec<&str> = pos.split(':').collect();
                    parts.len() == 2
                        && parts
                            .iter()
                            .all(|p| p.parse::<usize>().is_ok_and(|n| n > 0))
                });
            assert!(located, "error without file:line:column: {line}");
        }
        common::golden::compare(case, "err", &actual, &mut mismatches);
    }
    assert!(
        mismatches.is_empty(),
        "golden mismatches:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn secrets_do_not_appear_in_errors_or_debug_output() {
    let source = r#"
[[plugin]]
name = "scrape"
kind = "exporter"
path = "prometheus-scrape"
interval = "nonsense"
[plugin.config]
bearer_token = "${TOKEN}"
"#;
    let env = |name: &str| (name == "TOKEN").then(|| "hunter2-secret".to_string());
    let errors = Manifest::parse(Path::new("w.toml"), source, &env).unwrap_err();
    assert!(!errors.to_string().contains("hunter2"), "{errors}");

    let valid = source.replace("interval = \"nonsense\"\n", "");
    let manifest = Manifest::parse(Path::new("w.toml"), &valid, &env).unwrap();
    let plugin = &manifest.plugins[0];
    assert!(
        plugin.config_json.contains("hunter2-secret"),
        "the plugin gets the secret"
    );
    assert!(
        !format!("{manifest:?}").contains("hunter2"),
        "Debug must redact it"
    );
}

#[test]
fn the_quickstart_manifest_is_valid() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart/watchpost.toml");
    let manifest = Manifest::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(!manifest.plugins.is_empty());
}
