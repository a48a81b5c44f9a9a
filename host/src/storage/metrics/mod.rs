//! The embedded time-series store (the product's core) and the path from an
//! exporter's collection into it.
//!
//! - `chunk` (+ `bits`): Gorilla-compressed chunks.
//! - `labels`, `matcher`: label sets and Prometheus matchers.
//! - `head`: in-memory series, chunks and the inverted index.
//! - `wal`: the write-ahead log that makes acknowledged appends durable.
//! - `db`: the facade: `append`, `select`, `maintain`; series and label
//!   queries; deletion, tombstone cleaning and snapshots.
//! - `block`: immutable on-disk blocks; `tombstones`: their deletions.
//! - `metadata`: the latest type/help/unit per metric family (in memory).
//! - `scrape`: exporter output → samples (target labels, synthetic series,
//!   staleness markers).

mod bits;
pub mod block;
mod block_index;
pub mod chunk;
pub(crate) mod codec;
pub mod db;
pub mod head;
pub mod labels;
pub mod matcher;
pub mod metadata;
mod packed;
pub mod scrape;
pub mod tombstones;
pub mod wal;

pub use db::{
    AppendOutcome, DbOptions, MetricsDb, STALE_NAN, Sample, SeriesHints, SnapshotReport, is_stale,
};
pub use labels::{Labels, LabelsBuilder, LabelsKey};
pub use matcher::Matcher;
pub use wal::WalSync;
