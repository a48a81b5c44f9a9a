//! `clock`: wall-clock milliseconds since the Unix epoch.

use crate::runtime::bindings::watchpost::plugin::clock::Host;
use crate::runtime::store::StoreState;

impl Host for StoreState {
    fn now_ms(&mut self) -> wasmtime::Result<i64> {
        Ok(crate::util::now_ms())
    }
}
