//! The embedded log store: entries filed by log type and UTC day into
//! tantivy indices (`logs-<type>-YYYY.MM.dd`, the names the email stack's
//! Elasticsearch used), behind a write-ahead log that makes an append
//! durable before it is acknowledged.
//!
//! - `entry.rs`: [`LogEntry`] (stream labels, line, typed fields) and its
//!   WAL encoding.
//! - `analyzer.rs`: line tokens, and literal filters as index queries.
//! - `schema.rs`: the tantivy schema and document conversions.
//! - `partition.rs`: one index per type and day, its streams, its commit
//!   position in the WAL.
//! - `store.rs`: [`LogStore`]: append (WAL, then visible at once), the
//!   commit loop (WAL → partitions → acknowledged), replay, retention.
//! - `search.rs`: [`LogSearch`]: stream matchers, time range and literal
//!   line filters pushed down to the index, entries in time order.

mod analyzer;
mod entry;
mod partition;
mod schema;
mod search;
mod stats;
mod store;

pub use entry::{FieldValue, LogEntry, SourceState, fingerprint};
pub use partition::{DAY_NS, partition_name, valid_index_name};
pub use search::{Direction, LogSearch};
pub use stats::SearchStats;
pub use store::{AppendOutcome, LogStore, LogStoreConfig};

/// Errors of the log store.
#[derive(Debug, thiserror::Error)]
pub enum LogStoreError {
    /// File system trouble.
    #[error("log store i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The index library failed.
    #[error("log index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The write-ahead log is full: the index is not keeping up.
    #[error("log store is behind: {0}")]
    Backpressure(String),
    /// A query the store cannot run.
    #[error("bad log search: {0}")]
    BadSearch(String),
}

#[cfg(test)]
mod tests;
