//! The one wasmtime [`Engine`] every plugin runs on, and the thread that
//! advances its epoch. Call timeouts are checked on each epoch tick: a guest
//! past its deadline is interrupted. (A guest within it keeps running on its
//! own thread: see `runtime::worker`.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::{Config, Engine, OptLevel};

/// How often the epoch advances: the granularity of timeouts.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Builds the engine.
pub fn new_engine() -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .cranelift_opt_level(OptLevel::Speed);
    // Measured and left off: `compiler_inlining` made the stock parsers about
    // 4% faster and compiling a plugin four times slower (cold start).
    // `WATCHPOST_WASM_PERFMAP=1` names guest functions for `perf` (writes
    // /tmp/perf-<pid>.map): how plugin authors profile their plugins.
    if std::env::var_os("WATCHPOST_WASM_PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    Ok(Engine::new(&config)?)
}

/// Advances `engine`'s epoch every [`EPOCH_TICK`] until dropped.
pub struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    /// Starts the ticker thread.
    pub fn start(engine: &Engine) -> EpochTicker {
        let stop = Arc::new(AtomicBool::new(false));
        let weak = engine.weak();
        let flag = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("watchpost-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .expect("spawning the epoch thread");
        EpochTicker { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
