//! Per-store resource limits: caps linear memory and records that a plugin
//! hit the cap, so its failure is reported as "memory" rather than a trap.

use wasmtime::ResourceLimiter;

/// Memory limiter for one plugin instance.
pub struct MemoryLimiter {
    limit: usize,
    /// Set when the guest tried to grow past the limit.
    pub exceeded: bool,
}

impl MemoryLimiter {
    /// A limiter allowing `limit` bytes of linear memory per memory.
    pub fn new(limit: u64) -> Self {
        MemoryLimiter {
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            exceeded: false,
        }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.exceeded = true;
            // Trapping (rather than returning false) stops the plugin at once
            // with a clear reason instead of leaving it to abort on its own.
            wasmtime::bail!(
                "memory limit of {} bytes exceeded (wanted {desired})",
                self.limit
            );
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}
