//! The per-instance store data: the plugin's shared context, its sandbox
//! (WASI + HTTP policy), its limits and the deadline of the call in flight.

use crate::manifest::PluginSpec;
use crate::runtime::capabilities::{self, HttpPolicy, NetworkPolicy};
use crate::runtime::limits::MemoryLimiter;
use crate::runtime::state_store::StateStore;
use crate::runtime::stdio::CapturedOutput;
use std::sync::Arc;
use std::time::Instant;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// What every instance of one plugin shares: identity, config, state, grants.
pub struct PluginContext {
    /// The manifest entry.
    pub spec: Arc<PluginSpec>,
    /// Plugin name, cheap to clone into log fields.
    pub name: Arc<str>,
    /// Key-value state (outlives instances).
    pub state: Arc<StateStore>,
    /// Resolved network grants.
    pub network: Arc<NetworkPolicy>,
    /// The store behind the `query` import.
    pub query: Arc<crate::runtime::QuerySource>,
}

/// `T` of each plugin instance's `Store<T>`.
pub struct StoreState {
    /// Shared plugin context.
    pub plugin: Arc<PluginContext>,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: HttpPolicy,
    table: ResourceTable,
    /// Linear memory cap.
    pub limiter: MemoryLimiter,
    /// Wall-clock deadline of the current call.
    pub deadline: Instant,
    /// Set by the epoch callback when the deadline passed.
    pub timed_out: bool,
    /// Captured stdout.
    pub stdout: CapturedOutput,
    /// Captured stderr.
    pub stderr: CapturedOutput,
    /// What the rule evaluation in flight staged (`query.stage`): laid over
    /// the store for its later queries, emptied before each call.
    pub staged: crate::query::MemStore,
    /// How much of the plugin's logging reaches the host's log.
    pub log_budget: crate::runtime::log_budget::LogBudget,
}

impl StoreState {
    /// Fresh store data for a new instance of `plugin`.
    pub fn new(plugin: Arc<PluginContext>) -> anyhow::Result<StoreState> {
        let stdout = CapturedOutput::default();
        let stderr = CapturedOutput::default();
        let wasi =
            capabilities::wasi_ctx(&plugin.spec.capabilities, &plugin.network, &stdout, &stderr)?;
        Ok(StoreState {
            hooks: HttpPolicy {
                policy: Arc::clone(&plugin.network),
                plugin: Arc::clone(&plugin.name),
            },
            limiter: MemoryLimiter::new(plugin.spec.memory_limit),
            plugin,
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            deadline: Instant::now(),
            timed_out: false,
            stdout,
            stderr,
            staged: crate::query::MemStore::new(),
            log_budget: Default::default(),
        })
    }
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for StoreState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            hooks: &mut self.hooks,
            table: &mut self.table,
            ctx: &mut self.http,
        }
    }
}
