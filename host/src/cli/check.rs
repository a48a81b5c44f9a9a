//! `watchpost check <manifest>`: validate the manifest and load every plugin
//! (compile, contract and kind check; parsers also read their config), and
//! the Alertmanager configuration it names with the notifier plugins its
//! receivers need, without running anything. Exit codes as `promtool check
//! config`: 0 valid, 1 invalid.

use crate::manifest::Manifest;
use crate::runtime::bindings::types::{LineBatch, SourceMeta};
use crate::runtime::{Call, LoadedPlugin, PluginKind, Reply, Runtime};
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
        let checked = runtime
            .load(Arc::new(spec.clone()), &scratch)
            .map_err(|e| e.to_string())
            .and_then(|loaded| match spec.kind {
                PluginKind::Parser => check_parser_config(&loaded),
                _ => Ok(()),
            });
        match checked {
            Ok(()) => println!("  plugin {:?} ({}): ok", spec.name, spec.kind),
            Err(e) => {
                failed += 1;
                println!("  FAILED: {e}");
            }
        }
    }
    if let Some(config) = &manifest.alerting.config {
        failed += check_alerting(config, &runtime, &scratch);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if failed > 0 {
        return Ok(ExitCode::FAILURE);
    }
    println!("  SUCCESS: {} plugins found", manifest.plugins.len());
    Ok(ExitCode::SUCCESS)
}

/// A parser reads its config when first called: an empty batch makes it do
/// so (and nothing else), so a bad pattern or key fails here, not in `run`.
/// Other kinds are not called: their calls reach the network or the store.
fn check_parser_config(loaded: &LoadedPlugin) -> Result<(), String> {
    let name = &loaded.spec().name;
    let empty = LineBatch {
        meta: SourceMeta {
            source: name.clone(),
            origin: "watchpost check".into(),
            labels: Vec::new(),
        },
        text: String::new(),
        ends: Vec::new(),
        received_ns: Vec::new(),
    };
    let failed = |e: String| format!("plugin {name:?}: {e}");
    let mut instance = loaded.instantiate().map_err(|e| failed(e.to_string()))?;
    match instance.invoke(&Call::Parse(empty), loaded.spec().timeout) {
        Ok(Reply::Parse(Err(e))) => Err(failed(e.message)),
        Ok(_) => Ok(()),
        Err(e) => Err(failed(e.to_string())),
    }
}

/// Loads the Alertmanager configuration as `watchpost run` would (`${VAR}`
/// from the environment) and the notifier plugin of each of its
/// integrations; prints what it found, returns how many things failed. An
/// integration type without a notifier plugin is a warning, as in `run`.
fn check_alerting(config: &Path, runtime: &Runtime, scratch: &Path) -> usize {
    let loaded = match crate::alerting::config::load(config, &|n| std::env::var(n).ok()) {
        Ok(loaded) => loaded,
        Err(e) => {
            println!("  FAILED: alerting: {e}");
            return 1;
        }
    };
    println!(
        "  alerting {:?}: ok ({} receivers, {} integrations)",
        config.display().to_string(),
        loaded.config.receivers.len(),
        loaded.integrations.len()
    );
    let mut failed = 0;
    for integration in &loaded.integrations {
        let Some(spec) = crate::app::notifier_spec(integration) else {
            // As `watchpost run`: valid Alertmanager, but undeliverable here.
            println!(
                "  WARNING: receiver {:?}: no notifier plugin for {}_configs; its notifications will fail",
                integration.receiver, integration.kind
            );
            continue;
        };
        if let Err(e) = runtime.load(Arc::new(spec), scratch) {
            failed += 1;
            println!("  FAILED: receiver {:?}: {e}", integration.receiver);
        }
    }
    failed
}

/// A throwaway state directory: checking must not touch the data dir.
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("watchpost-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
