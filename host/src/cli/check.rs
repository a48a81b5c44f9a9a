//! `watchpost check <manifest>`: validate the manifest and load every plugin
//! (compile, contract and kind check) without running anything. Exit codes as
//! `promtool check config`: 0 valid, 1 invalid.

use crate::manifest::Manifest;
use crate::runtime::Runtime;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

pub(super) async fn check(path: &Path) -> anyhow::Result<ExitCode> {
    println!("Checking {}", path.display());
    let manifest = match Manifest::load(path) {
        Ok(m) => m,
        Err(errors) => {
            println!("  FAILED:");
            for e in &errors.0 {
                println!("{e}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let runtime = Runtime::new(None)?;
    let scratch = tempfile_dir()?;
    let mut failed = 0;
    for spec in &manifest.plugins {
        match runtime.load(Arc::new(spec.clone()), &scratch) {
            Ok(_) => println!("  plugin {:?} ({}): ok", spec.name, spec.kind),
            Err(e) => {
                failed += 1;
                println!("  FAILED: {e}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if failed > 0 {
        return Ok(ExitCode::FAILURE);
    }
    println!("  SUCCESS: {} plugins found", manifest.plugins.len());
    Ok(ExitCode::SUCCESS)
}

/// A throwaway state directory: checking must not touch the data dir.
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("watchpost-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
