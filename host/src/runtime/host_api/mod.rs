//! The `watchpost:plugin` host interfaces, one file each, all implemented on
//! [`StoreState`](crate::runtime::store::StoreState) and added to the linker
//! together with WASI by [`add_to_linker`].

mod clock;
mod config;
mod fs_stats;
mod log;
mod query;
mod state;

impl bindings::watchpost::plugin::types::Host for StoreState {}

use crate::runtime::bindings;
use crate::runtime::store::StoreState;
use wasmtime::component::{HasSelf, Linker};

/// Adds WASI (p2, incl. sockets and http) and every Watchpost host interface.
/// All synchronous: instances run on their own threads (`runtime::worker`),
/// where WASI's I/O blocks on the tokio runtime that thread entered.
pub fn add_to_linker(linker: &mut Linker<StoreState>) -> anyhow::Result<()> {
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_sync(linker)?;
    bindings::Host_::add_to_linker::<StoreState, HasSelf<StoreState>>(linker, |s| s)?;
    Ok(())
}
