//! `config`: the plugin's name and its `[plugin.config]` table as JSON.

use crate::runtime::bindings::watchpost::plugin::config::Host;
use crate::runtime::store::StoreState;

impl Host for StoreState {
    fn plugin_name(&mut self) -> wasmtime::Result<String> {
        Ok(self.plugin.name.to_string())
    }
    fn get_json(&mut self) -> wasmtime::Result<String> {
        Ok(self.plugin.spec.config_json.clone())
    }
}
