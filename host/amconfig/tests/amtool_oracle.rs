//! Compares this crate with Alertmanager 0.25's own `amtool` on the
//! configurations in `tests/data/`.
//!
//! Each file starts with `# expect: valid` or `# expect: invalid: MESSAGE`
//! (amtool's `check-config` verdict, newlines as `\n`) and may list
//! `# route: LABELS => RECEIVERS` lines (amtool's `config routes test`
//! output). The recorded verdicts are always checked; when `/usr/bin/amtool`
//! exists, every verdict and route is also re-checked against it live.
//!
//! Messages must be identical, except for YAML decoding errors (amtool's
//! start with `yaml: `), where only the error kind is compared: the Go
//! and Rust YAML libraries word them differently. Each valid file's
//! redacted rendering must load again, route the same, and (live) pass
//! amtool.
//!
//! To add a case, write the file with a `# expect:` first line and any
//! `# route: LABELS => ` lines, run the test with amtool installed, and copy
//! the live verdicts it reports into the file.

mod amtool;

use amtool::{AMTOOL, amtool_check, amtool_routes, labels_of};
use std::path::{Path, PathBuf};
use watchpost_amconfig::{Config, Error};

struct Case {
    path: PathBuf,
    expect: Result<(), String>,
    routes: Vec<(Vec<String>, String)>,
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut expect = None;
            let mut routes = Vec::new();
            for line in text.lines() {
                if let Some(v) = line.strip_prefix("# expect: ") {
                    expect = Some(match v.strip_prefix("invalid: ") {
                        Some(msg) => Err(msg.replace("\\n", "\n")),
                        None => Ok(()),
                    });
                } else if let Some(r) = line.strip_prefix("# route: ") {
                    let (labels, receivers) = r.split_once(" => ").expect("route line");
                    routes.push((
                        labels.split_whitespace().map(String::from).collect(),
                        receivers.to_string(),
                    ));
                }
            }
            let expect =
                expect.unwrap_or_else(|| panic!("{}: no `# expect:` line", path.display()));
            Case {
                path,
                expect,
                routes,
            }
        })
        .collect()
}

/// Compares our result with an expected verdict; returns a problem, if any.
fn compare(
    name: &str,
    ours: &Result<Config, Error>,
    expect: &Result<(), String>,
) -> Option<String> {
    match (ours, expect) {
        (Ok(_), Ok(())) => None,
        (Err(e), Ok(())) => Some(format!("{name}: amtool accepts it, we reject it: {e}")),
        (Ok(_), Err(msg)) => Some(format!("{name}: amtool rejects it ({msg}), we accept it")),
        (Err(e), Err(msg)) if msg.starts_with("yaml: ") => match e {
            Error::Yaml { .. } => None,
            other => Some(format!(
                "{name}: amtool: {msg:?}; we give a non-YAML error: {other}"
            )),
        },
        (Err(e), Err(msg)) => match e {
            Error::Invalid { message, .. } if message == msg => None,
            other => Some(format!(
                "{name}: amtool says {msg:?}, we say {:?}",
                other.to_string()
            )),
        },
    }
}

#[test]
fn verdicts_and_routes_match_amtool() {
    let live = Path::new(AMTOOL).exists();
    let cases = cases();
    assert!(cases.len() >= 15, "expected the oracle files in tests/data");
    let mut problems = Vec::new();
    let (mut valid, mut invalid, mut routes) = (0, 0, 0);
    for case in &cases {
        let name = case
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let ours = Config::load_file(&case.path);
        problems.extend(compare(&name, &ours, &case.expect));
        if live {
            let verdict = amtool_check(&case.path);
            if verdict != case.expect {
                problems.push(format!(
                    "{name}: recorded {:?}, live amtool {:?}",
                    case.expect, verdict
                ));
            }
        }
        match &case.expect {
            Ok(()) => valid += 1,
            Err(_) => invalid += 1,
        }
        let Ok(cfg) = ours else { continue };
        // The redacted rendering is itself a valid configuration, for us and
        // for amtool, with the same routing.
        let redacted = cfg.to_yaml_redacted();
        match Config::load(&redacted) {
            Ok(again) => {
                if again.routing_tree() != cfg.routing_tree() {
                    problems.push(format!("{name}: the redacted rendering routes differently"));
                }
            }
            Err(e) => problems.push(format!(
                "{name}: the redacted rendering does not load: {e}\n{redacted}"
            )),
        }
        if live {
            let tmp = std::env::temp_dir()
                .join(format!("amconfig-redacted-{}-{name}", std::process::id()));
            std::fs::write(&tmp, &redacted).unwrap();
            let verdict = amtool_check(&tmp);
            std::fs::remove_file(&tmp).unwrap();
            if let Err(msg) = verdict {
                problems.push(format!(
                    "{name}: amtool rejects the redacted rendering: {msg}\n{redacted}"
                ));
            }
        }
        let tree = cfg.routing_tree();
        for (args, expected) in &case.routes {
            routes += 1;
            let labels = labels_of(args);
            let got = tree.receivers_for(labels.as_slice()).join(",");
            if &got != expected {
                problems.push(format!(
                    "{name}: {args:?} routes to {got:?}, amtool recorded {expected:?}"
                ));
            }
            if live {
                let amtool = amtool_routes(&case.path, args);
                if &amtool != expected {
                    problems.push(format!(
                        "{name}: {args:?}: recorded {expected:?}, live amtool {amtool:?}"
                    ));
                }
            }
        }
    }
    eprintln!(
        "oracle: {valid} valid, {invalid} invalid files, {routes} routed label sets, live amtool: {live}"
    );
    assert!(
        problems.is_empty(),
        "{} disagreement(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
