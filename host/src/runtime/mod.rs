//! The plugin runtime: one wasmtime engine and linker, the artifact cache,
//! loading and checking components, instances with limits, and supervision
//! (restart with backoff). See `ARCHITECTURE.md` for how a call flows.

pub mod bindings;
mod cache;
pub mod capabilities;
mod engine;
mod handle;
mod host_api;
mod instance;
mod kind;
mod limits;
mod loader;
mod log_budget;
pub mod parsed;
mod query_source;
mod repeats;
mod state_store;
mod stdio;
mod store;
mod worker;

pub use cache::{ArtifactCache, content_hash};
pub use handle::{CallError, PluginHandle, PluginHealth, PluginState};
pub use instance::{Call, CallFailure, FailureReason, PluginInstance, Reply};
pub use kind::{PluginKind, StockPlugin};
pub use loader::{LoadError, LoadedPlugin, plugin_bytes};
pub use query_source::QuerySource;
pub use state_store::StateStore;
pub use store::{PluginContext, StoreState};

use std::path::Path;
use wasmtime::Engine;
use wasmtime::component::Linker;

/// The WIT contract version this host implements.
pub const CONTRACT_VERSION: &str = "0.1.0";

/// Engine, linker and cache shared by every plugin.
pub struct Runtime {
    engine: Engine,
    linker: Linker<StoreState>,
    cache: ArtifactCache,
    query: std::sync::Arc<QuerySource>,
    _ticker: engine::EpochTicker,
}

impl Runtime {
    /// A runtime caching compiled plugins in `cache_dir` (none: no cache).
    pub fn new(cache_dir: Option<&Path>) -> anyhow::Result<Runtime> {
        let engine = engine::new_engine()?;
        let mut linker = Linker::new(&engine);
        host_api::add_to_linker(&mut linker)?;
        let cache = ArtifactCache::new(&engine, cache_dir);
        let ticker = engine::EpochTicker::start(&engine);
        Ok(Runtime {
            engine,
            linker,
            cache,
            query: std::sync::Arc::new(QuerySource::default()),
            _ticker: ticker,
        })
    }

    /// What rule plugins' `query` import reads (set once the store is open).
    pub fn query_source(&self) -> &QuerySource {
        &self.query
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}
