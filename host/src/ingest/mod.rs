//! Everything that turns outside data into stored samples: exporter
//! collections, the Prometheus remote-write receiver and OTLP metrics —
//! and outside log lines into the log store (Loki's push API).

pub mod es_bulk;
mod exporter;
pub mod loki_push;
pub mod otlp_delta;
pub mod otlp_logs;
pub mod otlp_metrics;
mod pipeline;
pub mod prompb;
pub mod prompb_view;
pub mod remote_write;
pub mod text_import;

pub use exporter::{ExporterSink, LastScrape};
pub use pipeline::Pipeline;
