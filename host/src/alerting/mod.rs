//! The alert manager (Alertmanager 0.25's semantics, in the host): alerts
//! from rules and from `POST /api/v2/alerts`, the routing tree, grouping,
//! inhibition, silences, deduplication through a notification log, and
//! delivery through notifier plugins with retries.
//!
//! - `alert.rs`: alerts, fingerprints, merging a re-sent alert.
//! - `store.rs`: the alerts by fingerprint.
//! - `route.rs`: what a matched route says (receiver, grouping, timers).
//! - `policy.rs`: the configuration applied: routing tree, inhibition,
//!   time intervals, receivers, templates.
//! - `config.rs`: an Alertmanager configuration file into a policy, with
//!   the notifier plugins its integrations need.
//! - `group.rs`: aggregation groups and their flush timers.
//! - `pipeline.rs`: one flush: mute, deduplicate, send with retries, log.
//! - `receiver.rs`: receivers and integrations.
//! - `silences.rs`, `nflog.rs`: the two persisted stores.
//! - `manager.rs`: all of it together.
//! - `metrics.rs`: Alertmanager's self-metrics.

pub mod alert;
pub mod config;
pub mod group;
pub mod manager;
pub mod metrics;
pub mod nflog;
pub mod pipeline;
pub mod policy;
pub mod receiver;
pub mod route;
pub mod silences;
pub mod store;

pub use alert::{Alert, LabelSet};
pub use manager::AlertManager;
pub use policy::Policy;
#[cfg(test)]
mod tests;
