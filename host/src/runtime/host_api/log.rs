//! `log`: plugin log events into the host's tracing stream, tagged with the
//! plugin name. Messages are truncated, lines per call are capped and
//! repeats quieted (`runtime::log_budget`), so a plugin cannot flood the log.

use crate::runtime::bindings::watchpost::plugin::log::{Host, Level};
use crate::runtime::log_budget::Verdict;
use crate::runtime::store::StoreState;
use std::time::Instant;

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
        let (verbose, shown) = match level {
            Level::Trace => (true, tracing::enabled!(tracing::Level::TRACE)),
            Level::Debug => (true, tracing::enabled!(tracing::Level::DEBUG)),
            _ => (false, true),
        };
        // A line the filter would not show costs nothing of the budget.
        if !shown {
            return Ok(());
        }
        let unlogged_repeats = match self.log_budget.admit(message, verbose, Instant::now()) {
            Verdict::Drop => return Ok(()),
            Verdict::Quiet => {
                tracing::debug!(plugin, "{message}");
                return Ok(());
            }
            Verdict::Log { unlogged_repeats } => unlogged_repeats,
        };
        let mut fields = fields
            .iter()
            .take(32)
            .map(|(k, v)| format!("{k}={}", clip(v)))
            .collect::<Vec<_>>()
            .join(" ");
        if unlogged_repeats > 0 {
            let sep = if fields.is_empty() { "" } else { " " };
            fields = format!("{fields}{sep}unlogged_repeats={unlogged_repeats}");
        }
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
