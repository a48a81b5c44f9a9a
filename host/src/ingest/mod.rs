//! Everything that turns outside data into stored samples. For now the
//! exporter path; remote_write and OTLP receivers join here.

mod exporter;

pub use exporter::ExporterSink;
