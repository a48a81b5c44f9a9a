//! Loading a plugin: read its bytes, compile (or fetch from the artifact
//! cache), check that it speaks our contract and the declared kind, and
//! pre-instantiate it against the linker so instances are cheap.

use crate::manifest::{PluginSource, PluginSpec};
use crate::runtime::bindings::{exporter_api, notifier_api, parser_api, rule_api};
use crate::runtime::capabilities::NetworkPolicy;
use crate::runtime::state_store::StateStore;
use crate::runtime::store::{PluginContext, StoreState};
use crate::runtime::{CONTRACT_VERSION, PluginKind, Runtime, cache};
use std::path::Path;
use std::sync::Arc;
use wasmtime::component::InstancePre;

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("plugin {plugin:?}: cannot read {path}: {source}")]
    Read {
        plugin: String,
        path: String,
        source: std::io::Error,
    },
    /// A stock plugin is missing from this build.
    #[error("plugin {plugin:?}: {message}")]
    Stock { plugin: String, message: String },
    /// Not a valid component.
    #[error("plugin {plugin:?}: not a valid WebAssembly component: {source:#}")]
    Compile {
        plugin: String,
        source: anyhow::Error,
    },
    /// Built for another contract version or kind.
    #[error("plugin {plugin:?}: {message}")]
    Contract { plugin: String, message: String },
    /// Imports something the host does not provide.
    #[error("plugin {plugin:?}: cannot link: {source:#}")]
    Link {
        plugin: String,
        source: anyhow::Error,
    },
    /// Its state could not be opened.
    #[error("plugin {plugin:?}: {source:#}")]
    State {
        plugin: String,
        source: anyhow::Error,
    },
}

/// The kind-specific export of a loaded plugin.
pub(crate) enum KindExports {
    Exporter(exporter_api::GuestIndices),
    Parser(parser_api::GuestIndices),
    Rule(rule_api::GuestIndices),
    Notifier(notifier_api::GuestIndices),
}

/// A compiled, checked, pre-instantiated plugin.
pub struct LoadedPlugin {
    /// Its shared context (spec, state, grants).
    pub context: Arc<PluginContext>,
    /// SHA-256 of the component bytes.
    pub content_hash: String,
    /// Whether the compiled artifact came from the cache.
    pub cache_hit: bool,
    pub(crate) pre: InstancePre<StoreState>,
    pub(crate) exports: KindExports,
}

impl LoadedPlugin {
    /// The manifest entry.
    pub fn spec(&self) -> &PluginSpec {
        &self.context.spec
    }
}

/// Reads the component bytes of `spec`.
pub fn plugin_bytes(spec: &PluginSpec) -> Result<std::borrow::Cow<'static, [u8]>, LoadError> {
    match &spec.source {
        PluginSource::File(path) => {
            std::fs::read(path)
                .map(std::borrow::Cow::Owned)
                .map_err(|source| LoadError::Read {
                    plugin: spec.name.clone(),
                    path: path.display().to_string(),
                    source,
                })
        }
        PluginSource::Stock(stock) => {
            stock
                .bytes()
                .map(std::borrow::Cow::Borrowed)
                .map_err(|message| LoadError::Stock {
                    plugin: spec.name.clone(),
                    message,
                })
        }
    }
}

/// Splits `watchpost:plugin/<interface>@<version>`.
fn split_contract_name(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("watchpost:plugin/")?;
    Some(rest.split_once('@').unwrap_or((rest, "")))
}

impl Runtime {
    /// Loads `spec`; its key-value state lives in `state_dir/<name>/`.
    pub fn load(&self, spec: Arc<PluginSpec>, state_dir: &Path) -> Result<LoadedPlugin, LoadError> {
        let state =
            StateStore::open_in(state_dir, &spec.name, spec.state_limit).map_err(|source| {
                LoadError::State {
                    plugin: spec.name.clone(),
                    source,
                }
            })?;
        self.load_with_state(spec, Arc::new(state))
    }

    /// Loads `spec` with an already open state store (a reload hands the new
    /// version of a plugin the store of the old one).
    pub fn load_with_state(
        &self,
        spec: Arc<PluginSpec>,
        state: Arc<StateStore>,
    ) -> Result<LoadedPlugin, LoadError> {
        let bytes = plugin_bytes(&spec)?;
        let plugin = spec.name.clone();
        let content_hash = cache::content_hash(&bytes);
        let (component, cache_hit) = self
            .cache
            .load(&self.engine, &bytes, &content_hash)
            .map_err(|source| LoadError::Compile {
                plugin: plugin.clone(),
                source,
            })?;

        let ty = component.component_type();
        let contract = |message: String| LoadError::Contract {
            plugin: plugin.clone(),
            message,
        };
        for (name, _) in ty.imports(&self.engine) {
            if let Some((_, version)) = split_contract_name(name)
                && version != CONTRACT_VERSION
            {
                return Err(contract(format!(
                    "it was built for contract watchpost:plugin@{version} (imports {name}), but this host speaks watchpost:plugin@{CONTRACT_VERSION}; rebuild it with a matching watchpost-sdk"
                )));
            }
        }
        let exported: Vec<&str> = ty
            .exports(&self.engine)
            .map(|(name, _)| name)
            .filter(|name| split_contract_name(name).is_some())
            .collect();
        let found = match exported.as_slice() {
            [] => {
                return Err(contract(
                    "it exports no watchpost:plugin interface; build it with watchpost-sdk and one of export_exporter!, export_parser!, export_rule!, export_notifier!".into(),
                ));
            }
            [one] => *one,
            many => {
                return Err(contract(format!(
                    "it exports several plugin interfaces ({}); a plugin has exactly one kind",
                    many.join(", ")
                )));
            }
        };
        let (interface, version) = split_contract_name(found).unwrap_or_default();
        if version != CONTRACT_VERSION {
            return Err(contract(format!(
                "it was built for contract watchpost:plugin@{version} (exports {found}), but this host speaks watchpost:plugin@{CONTRACT_VERSION}; rebuild it with a matching watchpost-sdk"
            )));
        }
        let actual = PluginKind::ALL
            .into_iter()
            .find(|k| k.export_interface() == format!("watchpost:plugin/{interface}"))
            .ok_or_else(|| {
                contract(format!(
                    "it exports {found}, which is no plugin kind this host knows"
                ))
            })?;
        if actual != spec.kind {
            return Err(contract(format!(
                "it is {} plugin (exports {found}) but the manifest declares kind = \"{}\"",
                actual.with_article(),
                spec.kind
            )));
        }

        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|source| LoadError::Link {
                plugin: plugin.clone(),
                source: source.into(),
            })?;
        let link = |source: wasmtime::Error| LoadError::Link {
            plugin: plugin.clone(),
            source: source.into(),
        };
        let exports = match actual {
            PluginKind::Exporter => {
                KindExports::Exporter(exporter_api::GuestIndices::new(&pre).map_err(link)?)
            }
            PluginKind::Parser => {
                KindExports::Parser(parser_api::GuestIndices::new(&pre).map_err(link)?)
            }
            PluginKind::Rule => KindExports::Rule(rule_api::GuestIndices::new(&pre).map_err(link)?),
            PluginKind::Notifier => {
                KindExports::Notifier(notifier_api::GuestIndices::new(&pre).map_err(link)?)
            }
        };

        let context = Arc::new(PluginContext {
            name: Arc::from(spec.name.as_str()),
            network: Arc::new(NetworkPolicy::resolve(&spec.capabilities.network)),
            query: Arc::clone(&self.query),
            state,
            spec,
        });
        Ok(LoadedPlugin {
            context,
            content_hash,
            cache_hit,
            pre,
            exports,
        })
    }
}
