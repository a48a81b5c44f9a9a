//! Generated bindings for the `watchpost:plugin` WIT package, one module per
//! world. The `rule` world imports every host interface, so the other worlds
//! reuse its import modules; only their exports are generated anew.
//!
//! Plugin authors never touch this module: the kind traits and `export_*!`
//! macros of the crate root wrap it.
#![allow(missing_docs, clippy::all)]

/// The `rule` world: all host imports plus the rule export.
pub mod rule {
    wit_bindgen::generate!({
        path: "../wit",
        world: "rule",
        pub_export_macro: true,
        export_macro_name: "export_rule_world",
        default_bindings_module: "watchpost_sdk::bindings::rule",
        additional_derives: [PartialEq],
    });
}

/// The `exporter` world.
pub mod exporter {
    wit_bindgen::generate!({
        path: "../wit",
        world: "exporter",
        pub_export_macro: true,
        export_macro_name: "export_exporter_world",
        default_bindings_module: "watchpost_sdk::bindings::exporter",
        with: {
            "watchpost:plugin/types@0.1.0": crate::bindings::rule::watchpost::plugin::types,
            "watchpost:plugin/log@0.1.0": crate::bindings::rule::watchpost::plugin::log,
            "watchpost:plugin/clock@0.1.0": crate::bindings::rule::watchpost::plugin::clock,
            "watchpost:plugin/config@0.1.0": crate::bindings::rule::watchpost::plugin::config,
            "watchpost:plugin/state@0.1.0": crate::bindings::rule::watchpost::plugin::state,
            "watchpost:plugin/fs-stats@0.1.0": crate::bindings::rule::watchpost::plugin::fs_stats,
        },
        additional_derives: [PartialEq],
    });
}

/// The `parser` world.
pub mod parser {
    wit_bindgen::generate!({
        path: "../wit",
        world: "parser",
        pub_export_macro: true,
        export_macro_name: "export_parser_world",
        default_bindings_module: "watchpost_sdk::bindings::parser",
        with: {
            "watchpost:plugin/types@0.1.0": crate::bindings::rule::watchpost::plugin::types,
            "watchpost:plugin/log@0.1.0": crate::bindings::rule::watchpost::plugin::log,
            "watchpost:plugin/clock@0.1.0": crate::bindings::rule::watchpost::plugin::clock,
            "watchpost:plugin/config@0.1.0": crate::bindings::rule::watchpost::plugin::config,
            "watchpost:plugin/state@0.1.0": crate::bindings::rule::watchpost::plugin::state,
            "watchpost:plugin/fs-stats@0.1.0": crate::bindings::rule::watchpost::plugin::fs_stats,
        },
        additional_derives: [PartialEq],
    });
}

/// The `notifier` world.
pub mod notifier {
    wit_bindgen::generate!({
        path: "../wit",
        world: "notifier",
        pub_export_macro: true,
        export_macro_name: "export_notifier_world",
        default_bindings_module: "watchpost_sdk::bindings::notifier",
        with: {
            "watchpost:plugin/types@0.1.0": crate::bindings::rule::watchpost::plugin::types,
            "watchpost:plugin/log@0.1.0": crate::bindings::rule::watchpost::plugin::log,
            "watchpost:plugin/clock@0.1.0": crate::bindings::rule::watchpost::plugin::clock,
            "watchpost:plugin/config@0.1.0": crate::bindings::rule::watchpost::plugin::config,
            "watchpost:plugin/state@0.1.0": crate::bindings::rule::watchpost::plugin::state,
            "watchpost:plugin/fs-stats@0.1.0": crate::bindings::rule::watchpost::plugin::fs_stats,
        },
        additional_derives: [PartialEq],
    });
}

pub use rule::watchpost::plugin::{clock, config, fs_stats, log, query, state, types};

// The bindgen macro reads the WIT package without telling cargo; these make
// every change to the contract rebuild the bindings.
const _: &str = include_str!("../../wit/types.wit");
const _: &str = include_str!("../../wit/host.wit");
const _: &str = include_str!("../../wit/worlds.wit");
