//! Loading refuses, with a clear message, any component that is not a
//! plugin of the declared kind and contract version.

mod common;

use common::misbehave;
use std::sync::Arc;
use watchpost::manifest::PluginSource;
use watchpost::runtime::{PluginKind, Runtime};

fn load_error(spec: watchpost::manifest::PluginSpec) -> String {
    let rt = Runtime::new(None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    match rt.load(Arc::new(spec), dir.path()) {
        Ok(_) => panic!("the plugin should have been refused"),
        Err(e) => e.to_string(),
    }
}

fn component_file(wat: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plugin.wasm");
    std::fs::write(&path, wat::parse_str(wat).unwrap()).unwrap();
    (dir, path)
}

#[test]
fn a_plugin_of_another_kind_is_refused() {
    let mut spec = misbehave("p", serde_json::json!({"mode": "ok"}));
    spec.kind = PluginKind::Parser;
    let err = load_error(spec);
    assert!(
        err.contains("is an exporter plugin") && err.contains("kind = \"parser\""),
        "{err}"
    );
}

#[test]
fn a_plugin_for_another_contract_version_is_refused() {
    let (_dir, path) = component_file(
        r#"(component
            (core module $m (func (export "collect")))
            (core instance $i (instantiate $m))
            (func $collect (canon lift (core func $i "collect")))
            (instance $api (export "collect" (func $collect)))
            (export "watchpost:plugin/exporter-api@0.9.0" (instance $api)))"#,
    );
    let mut spec = misbehave("future", serde_json::json!({}));
    spec.source = PluginSource::File(path);
    let err = load_error(spec);
    assert!(
        err.contains("watchpost:plugin@0.9.0") && err.contains("speaks watchpost:plugin@0.1.0"),
        "{err}"
    );
}

#[test]
fn a_component_without_a_plugin_export_is_refused() {
    let (_dir, path) = component_file("(component)");
    let mut spec = misbehave("empty", serde_json::json!({}));
    spec.source = PluginSource::File(path);
    let err = load_error(spec);
    assert!(
        err.contains("exports no watchpost:plugin interface"),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_a_component_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.wasm");
    std::fs::write(&path, b"\0asm not really").unwrap();
    let mut spec = misbehave("junk", serde_json::json!({}));
    spec.source = PluginSource::File(path);
    let err = load_error(spec);
    assert!(err.contains("not a valid WebAssembly component"), "{err}");
}

#[test]
fn compiled_artifacts_are_cached_on_disk() {
    let cache = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let spec = Arc::new(misbehave("cached", serde_json::json!({"mode": "ok"})));
    let first = Runtime::new(Some(cache.path())).unwrap();
    let loaded = first.load(spec.clone(), state.path()).unwrap();
    assert!(!loaded.cache_hit);
    let artifacts = std::fs::read_dir(cache.path()).unwrap().count();
    assert_eq!(artifacts, 1, "one compiled artifact is written");
    // A new runtime (as after a restart) loads from the cache.
    let second = Runtime::new(Some(cache.path())).unwrap();
    let again = second.load(spec, state.path()).unwrap();
    assert!(again.cache_hit);
    assert_eq!(again.content_hash, loaded.content_hash);
}
