//! `watchpost check <manifest>`: validate the manifest and load every plugin
//! (compile, contract and kind check; parsers also read their config), and
//! the Alertmanager configuration it names with the notifier plugins its
//! receivers need, without running anything. Exit codes as `promtool check
//! config`: 0 valid, 1 invalid.

use crate::manifest::Manifest;
use crate::runtime::bindings::types::{LineBatch, SourceMeta};
use crate::runtime::{CallError, LoadedPlugin, PluginHandle, PluginKind, Runtime};
use crate::telemetry::SelfMetrics;
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
        let checked = match runtime.load(Arc::new(spec.clone()), &scratch) {
            Ok(loaded) if spec.kind == PluginKind::Parser => check_parser_config(loaded).await,
            Ok(_) => Ok(()),
            Err(e) => Err(e.to_string()),
        };
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
/// The call goes through supervision, on the instance's own thread, as in
/// `run`.
async fn check_parser_config(loaded: LoadedPlugin) -> Result<(), String> {
    let name = loaded.spec().name.clone();
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
    let handle = PluginHandle::new(Arc::new(loaded), Arc::new(SelfMetrics::new()));
    match handle.parse(empty).await {
        Ok(_) => Ok(()),
        Err(CallError::Plugin(e)) => Err(format!("plugin {name:?}: {}", e.message)),
        Err(e) => Err(format!("plugin {name:?}: {e}")),
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
