//! `state`: the plugin's persistent key-value store.

use crate::runtime::bindings::watchpost::plugin::state::Host;
use crate::runtime::store::StoreState;

impl Host for StoreState {
    fn get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
        Ok(self.plugin.state.get(&key))
    }
    fn set(&mut self, key: String, value: Vec<u8>) -> wasmtime::Result<Result<(), String>> {
        Ok(self.plugin.state.set(&key, value))
    }
    fn delete(&mut self, key: String) -> wasmtime::Result<()> {
        self.plugin.state.delete(&key);
        Ok(())
    }
    fn keys(&mut self, prefix: String) -> wasmtime::Result<Vec<String>> {
        Ok(self.plugin.state.keys(&prefix))
    }
}
