//! Everything that turns outside data into stored samples: exporter
//! collections and the Prometheus remote-write receiver (OTLP joins here).

mod exporter;
mod pipeline;
pub mod prompb;
pub mod remote_write;

pub use exporter::ExporterSink;
pub use pipeline::Pipeline;
