//! Prometheus 2.42 rule files: the format ([`rulefmt`]: decoding with
//! positions, validation and the duplicate-rule lint, worded as promtool
//! words them), on a positioned YAML tree ([`yaml`]), with the PromQL,
//! duration and name checks they need. A plain library (no plugin glue), so
//! the stock `prometheus-rules` plugin and the host's `watchpost check
//! rules` run the very same code.

pub mod duration;
pub mod names;
pub mod promql;
pub mod rulefmt;
pub mod yaml;
