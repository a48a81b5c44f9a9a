//! Embedded storage. Only the metrics side exists so far; logs and traces
//! (tantivy) follow with their capabilities.

pub mod logs;
pub mod metrics;
pub mod segment_log;
