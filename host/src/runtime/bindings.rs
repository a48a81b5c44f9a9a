//! Host bindings for the `watchpost:plugin` WIT package, generated once from
//! the `host` world (every import, every kind's export). Each plugin provides
//! exactly one of the exports; `runtime::loader` finds which.
#![allow(missing_docs, clippy::all)]

wasmtime::component::bindgen!({
    path: "../wit",
    world: "host",
    imports: { default: trappable },
    additional_derives: [serde::Serialize, serde::Deserialize],
});

pub use self::watchpost::plugin::types;
pub use exports::watchpost::plugin::{exporter_api, notifier_api, parser_api, rule_api};

// The bindgen macro reads the WIT package without telling cargo; these make
// every change to the contract rebuild the bindings.
const _: &str = include_str!("../../../wit/types.wit");
const _: &str = include_str!("../../../wit/host.wit");
const _: &str = include_str!("../../../wit/worlds.wit");
