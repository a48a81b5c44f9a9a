//! Shared helpers for the host's integration tests: locating the guest test
//! plugins built by `scripts/build-plugins.sh` and building specs for them.
#![allow(dead_code)]

pub mod golden;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use watchpost::manifest::{Capabilities, NetworkGrant, PluginSource, PluginSpec};
use watchpost::runtime::{PluginHandle, PluginKind, Runtime};
use watchpost::telemetry::SelfMetrics;

/// Path of a built guest component; fails loudly when it was not built.
pub fn wasm(stem: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/wasm32-wasip2/plugin")
        .join(format!("{stem}.wasm"));
    assert!(
        path.is_file(),
        "{} is missing: build the guest plugins first with scripts/build-plugins.sh",
        path.display()
    );
    path
}

/// A spec for the `misbehave` test plugin in `mode` with extra config.
pub fn misbehave(name: &str, config: serde_json::Value) -> PluginSpec {
    PluginSpec {
        name: name.into(),
        kind: PluginKind::Exporter,
        source: PluginSource::File(wasm("watchpost_test_misbehave")),
        interval: Duration::from_secs(60),
        timeout: Duration::from_secs(2),
        memory_limit: 64 << 20,
        state_limit: 1 << 20,
        targets: vec![],
        relabel: vec![],
        metric_relabel: vec![],
        scrape: Default::default(),
        capabilities: Capabilities::default(),
        config_json: config.to_string(),
    }
}

/// A network grant.
pub fn grant(host: &str, port: u16) -> NetworkGrant {
    NetworkGrant {
        host: host.into(),
        port,
    }
}

/// Loads `spec` into a supervised handle.
pub fn handle(runtime: &Runtime, spec: PluginSpec, state: &std::path::Path) -> Arc<PluginHandle> {
    let loaded = runtime.load(Arc::new(spec), state).expect("plugin loads");
    Arc::new(PluginHandle::new(
        Arc::new(loaded),
        Arc::new(SelfMetrics::new()),
    ))
}

/// The one target of an exporter handle.
pub fn target(handle: &PluginHandle) -> watchpost::runtime::bindings::exporter_api::Target {
    watchpost::scheduler::targets(handle).remove(0)
}

/// The first number of the first family, if any.
pub fn first_value(families: &[watchpost::runtime::bindings::types::MetricFamily]) -> Option<f64> {
    use watchpost::runtime::bindings::types::MetricValue;
    match &families.first()?.metrics.first()?.value {
        MetricValue::Number(v) => Some(*v),
        _ => None,
    }
}
