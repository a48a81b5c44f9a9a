//! Watchpost: one binary that replaces a monitoring stack, extended by
//! sandboxed WebAssembly plugins. See `ARCHITECTURE.md` for the map.
//!
//! - [`manifest`]: `watchpost.toml`, parsed and validated with positions.
//! - [`runtime`]: the wasmtime engine, plugin loading, sandbox, supervision.
//! - [`scheduler`]: runs exporters and rules on their interval.
//! - [`app`]: the running configuration and hot reload.
//! - [`api`]: the HTTP API.
//! - [`storage`]: embedded stores.
//! - [`ingest`]: outside data into the stores.
//! - [`forward`]: remote write on to a cluster, through a disk queue.
//! - [`template`]: Go's `text/template` for rule and notification templates.
//! - [`alerting`]: the alert manager (routing, silences, notifications).

pub mod alerting;
pub mod api;
pub mod app;
pub mod cli;
pub mod forward;
pub mod ingest;
pub mod log_query;
pub mod manifest;
pub mod query;
pub mod relabel;
pub mod reload;
pub mod rules;
pub mod runtime;
pub mod scheduler;
pub mod sources;
pub mod storage;
pub mod telemetry;
pub mod template;
pub mod util;
