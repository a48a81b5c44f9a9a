//! Alertmanager 0.25's `amtool`, run as an oracle by the tests beside it.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use watchpost_amconfig::parse_matcher;

/// Where Debian's `prometheus-alertmanager` installs it.
pub const AMTOOL: &str = "/usr/bin/amtool";

/// amtool's verdict: `Ok` or the text after `FAILED: `.
pub fn amtool_check(path: &Path) -> Result<(), String> {
    let out = Command::new(AMTOOL)
        .arg("check-config")
        .arg(path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let first = stdout
        .split("\nFound:")
        .next()
        .unwrap_or("")
        .split("\n\n")
        .next()
        .unwrap_or("");
    match first.split_once("  FAILED: ") {
        Some((_, msg)) => Err(msg.trim_end().to_string()),
        None => {
            assert!(
                first.ends_with("SUCCESS"),
                "unexpected amtool output: {stdout}"
            );
            Ok(())
        }
    }
}

pub fn amtool_routes(path: &Path, labels: &[String]) -> String {
    let out = Command::new(AMTOOL)
        .args(["config", "routes", "test"])
        .arg(format!("--config.file={}", path.display()))
        .args(labels)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `name=value` arguments as label pairs.
pub fn labels_of(args: &[String]) -> Vec<(String, String)> {
    args.iter()
        .map(|a| {
            let m = parse_matcher(a).unwrap();
            (m.name().to_string(), m.value().to_string())
        })
        .collect()
}
