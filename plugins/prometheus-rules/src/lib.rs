//! Watchpost's stock `prometheus-rules` plugin: Prometheus 2.42 rule files,
//! loaded unchanged, evaluated as Prometheus evaluates them.
//!
//! Every evaluation runs each due group's rules (a group with its own
//! `interval` once per interval slot) in order through the host's
//! `query.instant`. Recording rules return `recorded-sample`s, staged so
//! the group's later rules see them; alerting rules `alert-candidate`s with
//! their labels and annotations as written: the host owns the alert state
//! machine (`for`, `keep_firing_for`, `ALERTS`) and expands the templates. Rule files are re-read when their
//! modification time changes; a file that turns invalid keeps its last good
//! rules and the error is logged.
//!
//! The file format lives in the `watchpost-rulefmt` crate beside this one
//! (decoding, validation, the duplicate lint), which the host's `watchpost
//! check rules` uses too.

pub use watchpost_rulefmt::{duration, names, promql, rulefmt, yaml};

#[cfg(feature = "plugin")]
mod config;
#[cfg(feature = "plugin")]
mod eval;
#[cfg(feature = "plugin")]
mod files;
#[cfg(feature = "plugin")]
mod plugin;

#[cfg(feature = "plugin")]
pub use config::Config;
#[cfg(feature = "plugin")]
pub use plugin::PrometheusRules;

#[cfg(all(test, feature = "plugin"))]
mod tests;
