//! `log`: plugin log events into the host's tracing stream, tagged with the
//! plugin name. Messages are truncated so a plugin cannot flood the log.

use crate::runtime::bindings::watchpost::plugin::log::{Host, Level};
use crate::runtime::store::StoreState;

const MAX_MESSAGE: usize = 4096;

fn clip(text: &str) -> &str {
    &text[..text.floor_char_boundary(MAX_MESSAGE)]
}

impl Host for StoreState {
    fn write(
        &mut self,
        level: Level,
        message: String,
        fields: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        let plugin = &*self.plugin.name;
        let message = clip(&message);
        let fields = fields
            .iter()
            .take(32)
            .map(|(k, v)| format!("{k}={}", clip(v)))
            .collect::<Vec<_>>()
            .join(" ");
        match level {
            Level::Trace => tracing::trace!(plugin, fields, "{message}"),
            Level::Debug => tracing::debug!(plugin, fields, "{message}"),
            Level::Info => tracing::info!(plugin, fields, "{message}"),
            Level::Warn => tracing::warn!(plugin, fields, "{message}"),
            Level::Error => tracing::error!(plugin, fields, "{message}"),
        }
        Ok(())
    }
}
