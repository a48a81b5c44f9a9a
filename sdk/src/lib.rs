//! Write Watchpost plugins in plain Rust.
//!
//! A plugin is a type that implements one kind trait ([`Exporter`],
//! [`Parser`], [`Rule`] or [`Notifier`]) plus one registration macro. Its
//! `[plugin.config]` table arrives typed through serde. The same code runs
//! natively in `cargo test` (see [`testing`]) and, built for `wasm32-wasip2`,
//! inside the Watchpost host.
//!
//! ```
//! use watchpost_sdk::{Exporter, MetricFamily, Target};
//!
//! #[derive(serde::Deserialize)]
//! struct Config { greeting: String }
//!
//! struct Hello { config: Config, calls: u64 }
//!
//! impl Exporter for Hello {
//!     type Config = Config;
//!     fn new(config: Config) -> watchpost_sdk::Result<Self> {
//!         Ok(Hello { config, calls: 0 })
//!     }
//!     fn collect(&mut self, _target: &Target) -> watchpost_sdk::Result<Vec<MetricFamily>> {
//!         self.calls += 1;
//!         Ok(vec![MetricFamily::counter("hello_calls_total", "calls so far")
//!             .sample(&[("greeting", &self.config.greeting)], self.calls as f64)])
//!     }
//! }
//! watchpost_sdk::export_exporter!(Hello);
//! # fn main() {}
//! ```
//!
//! See `sdk/README.md` for the full guide.

mod ascii;
#[doc(hidden)]
pub mod bindings;
pub mod byteset;
pub mod continuation;
mod error;
mod host;
pub mod http;
#[cfg(not(target_family = "wasm"))]
mod http_native;
#[cfg(target_family = "wasm")]
mod http_wasi;
pub mod logtime;
mod metrics;
pub mod net;
pub mod notify;
pub mod parser;
pub mod syslog_header;
pub mod testing;

pub use error::{Error, Result};
pub use host::{Level, config_json, fs, labels, log, now_ms, plugin_name, query, state};
pub use parser::{Parser, Record, Value};

/// The data types of the WIT contract, re-exported.
pub mod types {
    pub use crate::bindings::types::*;
}
pub use crate::bindings::exporter::exports::watchpost::plugin::exporter_api::Target;
pub use types::{
    Alert, AlertCandidate, AlertStatus, Evaluation, Label, Metric, MetricFamily, MetricKind,
    MetricValue, Notification, RecordedSample, RuleInfo, Severity, SourceMeta,
};

/// A metric source: called on the plugin's interval, once per target.
pub trait Exporter: Sized + Send {
    /// The plugin's `[plugin.config]` table.
    type Config: serde::de::DeserializeOwned;
    /// Builds the exporter from its config (called once per instance).
    fn new(config: Self::Config) -> Result<Self>;
    /// Collects the current metrics of `target`.
    fn collect(&mut self, target: &Target) -> Result<Vec<MetricFamily>>;
}

/// Alerting and recording rules, evaluated on the plugin's interval.
pub trait Rule: Sized + Send {
    /// The plugin's `[plugin.config]` table.
    type Config: serde::de::DeserializeOwned;
    /// Builds the rule from its config (called once per instance).
    fn new(config: Self::Config) -> Result<Self>;
    /// Evaluates at `at_ms` (milliseconds since the Unix epoch).
    fn evaluate(&mut self, at_ms: i64) -> Result<Evaluation>;
}

/// A notification channel.
pub trait Notifier: Sized + Send {
    /// The plugin's `[plugin.config]` table.
    type Config: serde::de::DeserializeOwned;
    /// Builds the notifier from its config (called once per instance).
    fn new(config: Self::Config) -> Result<Self>;
    /// Delivers one notification; return [`Error::retryable`] to be retried.
    fn deliver(&mut self, notification: &Notification) -> Result<()>;
}

/// Reads the plugin's config from the host and deserialises it.
pub fn load_config<C: serde::de::DeserializeOwned>() -> Result<C> {
    config_from_json(&config_json())
}

/// Deserialises a plugin's config from its JSON, with the error the host shows.
///
/// A manifest without a `[plugin.config]` table hands the plugin `{}`. A
/// config type that cannot be read from an empty table but can be from
/// nothing at all (`()` for a plugin without config, an `Option`) gets
/// nothing instead.
pub(crate) fn config_from_json<C: serde::de::DeserializeOwned>(json: &str) -> Result<C> {
    serde_json::from_str(json).or_else(|e| {
        let empty = matches!(
            serde_json::from_str::<serde_json::Value>(json),
            Ok(serde_json::Value::Object(ref table)) if table.is_empty()
        );
        let absent =
            empty.then(|| <C as serde::Deserialize>::deserialize(serde_json::Value::Null).ok());
        absent
            .flatten()
            .ok_or_else(|| Error::new(format!("invalid plugin config: {e}")))
    })
}

#[doc(hidden)]
pub mod __private {
    use std::sync::Mutex;

    pub use crate::bindings::{exporter, notifier, parser, rule};

    /// Runs `f` on the plugin's single instance, building it from the config
    /// on first use. A config error is returned to the host on every call
    /// until the plugin is reloaded with a valid config.
    pub fn with_instance<T, R>(
        cell: &Mutex<Option<T>>,
        build: impl FnOnce() -> crate::Result<T>,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, crate::types::PluginError> {
        let mut guard = cell.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(build()?);
        }
        match guard.as_mut() {
            Some(instance) => Ok(f(instance)),
            None => unreachable!("instance was just built"),
        }
    }
}

/// Registers an [`Exporter`] as the plugin's export.
#[macro_export]
macro_rules! export_exporter {
    ($ty:ty) => {
        // Natively (a plugin's `cargo test`) there is no component to export.
        #[cfg(target_family = "wasm")]
        const _: () = {
            static INSTANCE: ::std::sync::Mutex<Option<$ty>> = ::std::sync::Mutex::new(None);
            struct Component;
            impl $crate::__private::exporter::exports::watchpost::plugin::exporter_api::Guest
                for Component
            {
                fn collect(
                    target: $crate::Target,
                ) -> ::std::result::Result<::std::vec::Vec<$crate::MetricFamily>, $crate::types::PluginError>
                {
                    $crate::__private::with_instance(
                        &INSTANCE,
                        || <$ty as $crate::Exporter>::new($crate::load_config()?),
                        |p| <$ty as $crate::Exporter>::collect(p, &target),
                    )?
                    .map_err(Into::into)
                }
            }
            $crate::__private::exporter::export_exporter_world!(Component with_types_in $crate::__private::exporter);
        };
    };
}

/// Registers a [`Parser`] as the plugin's export.
#[macro_export]
macro_rules! export_parser {
    ($ty:ty) => {
        // Natively (a plugin's `cargo test`) there is no component to export.
        #[cfg(target_family = "wasm")]
        const _: () = {
            static INSTANCE: ::std::sync::Mutex<Option<$ty>> = ::std::sync::Mutex::new(None);
            struct Component;
            impl $crate::__private::parser::exports::watchpost::plugin::parser_api::Guest
                for Component
            {
                fn parse(
                    batch: $crate::types::LineBatch,
                ) -> ::std::result::Result<$crate::types::ParsedBatch, $crate::types::PluginError> {
                    $crate::__private::with_instance(
                        &INSTANCE,
                        || <$ty as $crate::Parser>::new($crate::load_config()?),
                        |p| $crate::parser::parse_batch_packed(p, &batch),
                    )
                }
            }
            $crate::__private::parser::export_parser_world!(Component with_types_in $crate::__private::parser);
        };
    };
}

/// Registers a [`Rule`] as the plugin's export.
#[macro_export]
macro_rules! export_rule {
    ($ty:ty) => {
        // Natively (a plugin's `cargo test`) there is no component to export.
        #[cfg(target_family = "wasm")]
        const _: () = {
            static INSTANCE: ::std::sync::Mutex<Option<$ty>> = ::std::sync::Mutex::new(None);
            struct Component;
            impl $crate::__private::rule::exports::watchpost::plugin::rule_api::Guest for Component {
                fn evaluate(
                    at_ms: i64,
                ) -> ::std::result::Result<$crate::Evaluation, $crate::types::PluginError> {
                    $crate::__private::with_instance(
                        &INSTANCE,
                        || <$ty as $crate::Rule>::new($crate::load_config()?),
                        |p| <$ty as $crate::Rule>::evaluate(p, at_ms),
                    )?
                    .map_err(Into::into)
                }
            }
            $crate::__private::rule::export_rule_world!(Component with_types_in $crate::__private::rule);
        };
    };
}

/// Registers a [`Notifier`] as the plugin's export.
#[macro_export]
macro_rules! export_notifier {
    ($ty:ty) => {
        // Natively (a plugin's `cargo test`) there is no component to export.
        #[cfg(target_family = "wasm")]
        const _: () = {
            static INSTANCE: ::std::sync::Mutex<Option<$ty>> = ::std::sync::Mutex::new(None);
            struct Component;
            impl $crate::__private::notifier::exports::watchpost::plugin::notifier_api::Guest
                for Component
            {
                fn deliver(
                    notification: $crate::Notification,
                ) -> ::std::result::Result<(), $crate::types::PluginError> {
                    $crate::__private::with_instance(
                        &INSTANCE,
                        || <$ty as $crate::Notifier>::new($crate::load_config()?),
                        |p| <$ty as $crate::Notifier>::deliver(p, &notification),
                    )?
                    .map_err(Into::into)
                }
            }
            $crate::__private::notifier::export_notifier_world!(Component with_types_in $crate::__private::notifier);
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Required {
        url: String,
    }

    #[test]
    fn a_missing_config_table_suits_plugins_without_config() {
        config_from_json::<()>("{}").unwrap();
        assert_eq!(config_from_json::<Option<Required>>("{}").unwrap(), None);
        assert_eq!(
            config_from_json::<Option<Required>>(r#"{"url": "x"}"#).unwrap(),
            Some(Required { url: "x".into() })
        );
    }

    #[test]
    fn a_bad_config_keeps_its_own_error() {
        let missing = config_from_json::<Required>("{}").unwrap_err().to_string();
        assert!(missing.contains("missing field `url`"), "{missing}");
        let unknown = config_from_json::<()>(r#"{"url": "x"}"#)
            .unwrap_err()
            .to_string();
        assert!(unknown.starts_with("invalid plugin config:"), "{unknown}");
    }
}
