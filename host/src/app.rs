//! The running Watchpost: the current manifest, its supervised plugins and
//! their schedules, and reload. A reload validates and loads the whole new
//! manifest before touching anything; if any part fails, the old
//! configuration keeps running. Unchanged plugins (same entry, same bytes)
//! keep their instance and schedule untouched.

use crate::forward::Forwarder;
use crate::ingest::{ExporterSink, Pipeline};
use crate::manifest::{Manifest, PluginSpec, ServerConfig, StorageConfig};
use crate::runtime::{PluginHandle, PluginHealth, Runtime, StateStore, content_hash, plugin_bytes};
use crate::scheduler::{self, Sinks};
use crate::storage::metrics::{DbOptions, MetricsDb};
use crate::telemetry::SelfMetrics;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

struct RunningPlugin {
    handle: Arc<PluginHandle>,
    cancel: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl Drop for RunningPlugin {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

struct Running {
    manifest: Manifest,
    plugins: BTreeMap<String, RunningPlugin>,
    sources: BTreeMap<String, crate::sources::RunningSource>,
    /// The Alertmanager configuration's files (watched for reloads).
    alerting_files: Vec<PathBuf>,
}

/// Outcome of the last reload, for `/health`.
#[derive(Debug, Clone, Serialize)]
pub struct ReloadStatus {
    /// Whether it succeeded.
    pub ok: bool,
    /// Unix ms.
    pub at_ms: i64,
    /// The error, when it failed.
    pub error: Option<String>,
}

/// What was fixed when Watchpost started: `[server]` and `[storage]` take
/// effect only on restart.
#[derive(Debug, Clone)]
pub struct Startup {
    /// Unix ms.
    pub at_ms: i64,
    /// `[server]` as started.
    pub server: ServerConfig,
    /// `[storage]` as started.
    pub storage: StorageConfig,
    /// `[query]` as started.
    pub query: crate::query::QueryOptions,
}

/// The application.
pub struct App {
    runtime: Arc<Runtime>,
    manifest_path: PathBuf,
    running: Mutex<Option<Running>>,
    reload_lock: Mutex<()>,
    /// Self-metrics.
    pub telemetry: Arc<SelfMetrics>,
    /// The metrics store.
    pub metrics: Arc<MetricsDb>,
    /// The write path (store + forwarders).
    pub pipeline: Arc<Pipeline>,
    /// Running totals of OTLP delta series (`/v1/metrics`).
    pub otlp_deltas: crate::ingest::otlp_delta::DeltaToCumulative,
    exporters: Arc<ExporterSink>,
    /// Where rule plugins' evaluations go (alert state, recorded series).
    pub rules: Arc<crate::rules::RuleSink>,
    /// The alert manager (routing, silences, notifications).
    pub alerting: Arc<crate::alerting::AlertManager>,
    /// The log store.
    pub logs: crate::storage::logs::LogStore,
    /// The running parser plugins, for the log sources.
    parsers: Arc<crate::sources::ParserDirectory>,
    /// The log sources' self-metrics.
    pub source_metrics: Arc<crate::sources::SourceMetrics>,
    ready: AtomicBool,
    last_reload: std::sync::Mutex<Option<ReloadStatus>>,
    /// The configuration fixed at start.
    pub startup: Startup,
}

/// One plugin in `/health`.
#[derive(Debug, Clone, Serialize)]
pub struct PluginReport {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// SHA-256 of the running component.
    pub content_hash: String,
    /// Health.
    #[serde(flatten)]
    pub health: PluginHealth,
}

impl App {
    /// Loads `manifest` and starts everything in it.
    pub async fn start(manifest: Manifest) -> anyhow::Result<Arc<App>> {
        let startup = Startup {
            at_ms: crate::util::now_ms(),
            server: manifest.server.clone(),
            storage: manifest.storage.clone(),
            query: manifest.query.clone(),
        };
        let cache = manifest.storage.data_dir.join("cache").join("compiled");
        let runtime = Arc::new(Runtime::new(Some(&cache))?);
        let telemetry = Arc::new(SelfMetrics::new());
        let options = DbOptions {
            out_of_order_window_ms: manifest.storage.out_of_order_window.as_millis() as i64,
            retention_ms: Some(manifest.storage.retention.as_millis() as i64),
            retention_bytes: manifest.storage.retention_size,
            wal_sync: manifest.storage.wal_sync,
            ..DbOptions::default()
        };
        let dir = manifest.storage.data_dir.join("metrics");
        let metrics = Arc::new(
            tokio::task::spawn_blocking(move || MetricsDb::open(&dir, options))
                .await?
                .map_err(|e| anyhow::anyhow!("cannot open the metrics store: {e}"))?,
        );
        telemetry.head(metrics.series_count() as u64, metrics.wal_size());
        runtime.query_source().set(
            Arc::clone(&metrics) as Arc<dyn crate::query::Queryable>,
            manifest.query.clone(),
        );
        let mut forwarders = Vec::new();
        for spec in &manifest.forwards {
            forwarders.push(Forwarder::start(
                spec.clone(),
                &manifest.storage.data_dir.join("forward"),
                Arc::clone(&telemetry),
            )?);
        }
        let pipeline = Arc::new(Pipeline::new(
            Arc::clone(&metrics),
            forwarders,
            Arc::clone(&telemetry),
        ));
        let exporters = Arc::new(ExporterSink::new(
            Arc::clone(&pipeline),
            Arc::clone(&telemetry),
        ));
        let rules = Arc::new(crate::rules::RuleSink::new(Arc::clone(&pipeline)));
        let alerting = crate::alerting::AlertManager::open(
            crate::alerting::Policy::empty(&manifest.alerting.external_url),
            Some(&manifest.storage.data_dir.join("alerting")),
        )
        .map_err(|e| anyhow::anyhow!("cannot open the alert manager's state: {e}"))?;
        let mut log_config =
            crate::storage::logs::LogStoreConfig::new(manifest.storage.data_dir.join("logs"));
        log_config.retention = manifest.storage.retention;
        let logs =
            tokio::task::spawn_blocking(move || crate::storage::logs::LogStore::open(log_config))
                .await?
                .map_err(|e| anyhow::anyhow!("cannot open the log store: {e}"))?;
        runtime.query_source().set_logs(logs.clone());
        let to_manager = Arc::downgrade(&alerting);
        rules.set_notifier(
            Arc::new(move |alerts| {
                if let Some(manager) = to_manager.upgrade() {
                    manager.put_alerts(alerts, crate::util::now_ms());
                }
            }),
            &manifest.alerting.external_url,
        );
        let app = Arc::new(App {
            runtime,
            manifest_path: manifest.path.clone(),
            running: Mutex::new(None),
            reload_lock: Mutex::new(()),
            telemetry,
            metrics,
            pipeline,
            otlp_deltas: Default::default(),
            exporters,
            rules,
            alerting,
            logs,
            parsers: Arc::default(),
            source_metrics: Arc::default(),
            ready: AtomicBool::new(false),
            last_reload: std::sync::Mutex::new(None),
            startup,
        });
        app.apply(manifest).await?;
        spawn_maintenance(Arc::clone(&app.metrics), Arc::clone(&app.telemetry));
        app.record_reload(None);
        app.ready.store(true, Ordering::SeqCst);
        Ok(app)
    }

    /// When Watchpost started (ms).
    pub fn started_ms(&self) -> i64 {
        self.startup.at_ms
    }

    /// Whether the initial configuration is running.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// The manifest file.
    pub fn manifest_path(&self) -> &Path {
        &self.manifest_path
    }

    /// Files whose change triggers a reload.
    pub async fn watched_files(&self) -> Vec<PathBuf> {
        match &*self.running.lock().await {
            Some(r) => {
                let mut files = r.manifest.watched_files();
                files.extend(r.alerting_files.iter().cloned());
                files
            }
            None => vec![self.manifest_path.clone()],
        }
    }

    /// Re-reads the manifest and applies it; on error the old config stays.
    pub async fn reload(&self) -> anyhow::Result<()> {
        let result = match Manifest::load(&self.manifest_path) {
            Ok(manifest) => self.apply(manifest).await,
            Err(errors) => Err(anyhow::anyhow!("{errors}")),
        };
        match &result {
            Ok(()) => {
                tracing::info!(manifest = %self.manifest_path.display(), "configuration reloaded")
            }
            Err(e) => {
                tracing::error!(manifest = %self.manifest_path.display(), error = %format!("{e:#}"), "reload failed; keeping the previous configuration")
            }
        }
        self.record_reload(result.as_ref().err().map(|e| format!("{e:#}")));
        result
    }

    fn record_reload(&self, error: Option<String>) {
        self.telemetry.reload(error.is_none());
        *self.last_reload.lock().unwrap_or_else(|p| p.into_inner()) = Some(ReloadStatus {
            ok: error.is_none(),
            at_ms: crate::util::now_ms(),
            error,
        });
    }

    /// The last reload's outcome.
    pub fn last_reload(&self) -> Option<ReloadStatus> {
        self.last_reload
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Health of every running plugin.
    pub async fn plugin_reports(&self) -> Vec<PluginReport> {
        match &*self.running.lock().await {
            Some(r) => r
                .plugins
                .values()
                .map(|p| PluginReport {
                    name: p.handle.name().to_string(),
                    kind: p.handle.loaded.spec().kind.to_string(),
                    content_hash: p.handle.loaded.content_hash.clone(),
                    health: p.handle.health(),
                })
                .collect(),
            None => Vec::new(),
        }
    }

    /// The running manifest (the last one applied).
    pub async fn manifest(&self) -> Option<Manifest> {
        self.running
            .lock()
            .await
            .as_ref()
            .map(|r| r.manifest.clone())
    }

    /// Every running plugin's handle, in name order.
    pub async fn plugins(&self) -> Vec<Arc<PluginHandle>> {
        self.running
            .lock()
            .await
            .iter()
            .flat_map(|r| r.plugins.values())
            .map(|p| Arc::clone(&p.handle))
            .collect()
    }

    /// Where exporter collections go (and how each target's last one went).
    pub fn exporter_sink(&self) -> &ExporterSink {
        &self.exporters
    }

    /// The handle of a running plugin.
    pub async fn plugin(&self, name: &str) -> Option<Arc<PluginHandle>> {
        self.running
            .lock()
            .await
            .as_ref()
            .and_then(|r| r.plugins.get(name).map(|p| Arc::clone(&p.handle)))
    }

    /// Loads every plugin of `manifest` that changed, then swaps. Loading
    /// happens outside the lock on the running set, so `/health` and the
    /// schedules never wait for a compile; reloads are serialised.
    async fn apply(&self, manifest: Manifest) -> anyhow::Result<()> {
        let _serial = self.reload_lock.lock().await;
        let existing: BTreeMap<String, Arc<PluginHandle>> = {
            let running = self.running.lock().await;
            if let Some(old) = running.as_ref() {
                if old.manifest.server != manifest.server {
                    tracing::warn!("[server] changed; it takes effect after a restart");
                }
                if old.manifest.storage != manifest.storage {
                    tracing::warn!("[storage] changed; it takes effect after a restart");
                }
                if old.manifest.forwards != manifest.forwards {
                    tracing::warn!("[[forward]] changed; it takes effect after a restart");
                }
            }
            running
                .iter()
                .flat_map(|r| &r.plugins)
                .map(|(name, p)| (name.clone(), Arc::clone(&p.handle)))
                .collect()
        };
        let state_dir = manifest.storage.data_dir.join("plugins");
        // The Alertmanager configuration and the notifier plugin instances
        // its integrations need, beside the manifest's plugins.
        let alerting = match &manifest.alerting.config {
            Some(path) => {
                let path = path.clone();
                Some(
                    tokio::task::spawn_blocking(move || {
                        crate::alerting::config::load(&path, &|n| std::env::var(n).ok())
                    })
                    .await?
                    .map_err(|e| anyhow::anyhow!("alerting: {e}"))?,
                )
            }
            None => None,
        };
        let mut specs: Vec<PluginSpec> = manifest.plugins.clone();
        if let Some(loaded) = &alerting {
            specs.extend(loaded.integrations.iter().filter_map(notifier_spec));
        }

        // Phase 1: load everything new or changed; nothing is touched yet.
        let mut loaded: Vec<Arc<PluginHandle>> = Vec::new();
        for spec in &specs {
            let old = existing.get(&spec.name);
            if let Some(old) = old
                && unchanged(old.loaded.spec(), &old.loaded.content_hash, spec)
            {
                continue;
            }
            // A new version of a plugin keeps the state of the old one.
            let state = match old {
                Some(old) => {
                    let state = Arc::clone(&old.loaded.context.state);
                    state.set_limit(spec.state_limit);
                    state
                }
                None => Arc::new(StateStore::open_in(
                    &state_dir,
                    &spec.name,
                    spec.state_limit,
                )?),
            };
            let runtime = Arc::clone(&self.runtime);
            let spec = Arc::new(spec.clone());
            let plugin =
                tokio::task::spawn_blocking(move || runtime.load_with_state(spec, state)).await??;
            tracing::info!(
                plugin = %plugin.spec().name,
                kind = %plugin.spec().kind,
                cached = plugin.cache_hit,
                "plugin loaded"
            );
            loaded.push(Arc::new(PluginHandle::new(
                Arc::new(plugin),
                Arc::clone(&self.telemetry),
            )));
        }

        // Phase 2: swap. Dropping a RunningPlugin cancels its schedule after
        // the call in flight, if any, finishes.
        let mut running = self.running.lock().await;
        let (mut old_plugins, mut old_sources) = running
            .take()
            .map(|r| (r.plugins, r.sources))
            .unwrap_or_default();
        let mut plugins = BTreeMap::new();
        for handle in loaded {
            let cancel = CancellationToken::new();
            let sinks = Sinks {
                exporters: Arc::clone(&self.exporters),
                rules: Arc::clone(&self.rules),
            };
            let task = scheduler::spawn(Arc::clone(&handle), sinks, cancel.clone());
            plugins.insert(
                handle.name().to_string(),
                RunningPlugin {
                    handle,
                    cancel,
                    task,
                },
            );
        }
        for spec in &specs {
            if !plugins.contains_key(&spec.name)
                && let Some(kept) = old_plugins.remove(&spec.name)
            {
                plugins.insert(spec.name.clone(), kept);
            }
        }
        let removed: Vec<String> = old_plugins
            .keys()
            .filter(|name| !plugins.contains_key(*name))
            .cloned()
            .collect();
        for name in &removed {
            // Stop the plugin's schedule and let a collection in flight
            // finish first: its samples must not land after the markers.
            if let Some(mut gone) = old_plugins.remove(name) {
                gone.cancel.cancel();
                if let Some(task) = gone.task.take() {
                    let limit =
                        gone.handle.loaded.spec().timeout + std::time::Duration::from_secs(1);
                    let _ = tokio::time::timeout(limit, task).await;
                }
            }
            let (sink, gone) = (Arc::clone(&self.exporters), name.clone());
            let _ = tokio::task::spawn_blocking(move || sink.retire(&gone, &[])).await;
            let (sink, gone) = (Arc::clone(&self.rules), name.clone());
            let at = crate::util::now_ms();
            let _ = tokio::task::spawn_blocking(move || sink.retire(&gone, at)).await;
            tracing::info!(plugin = %name, "plugin removed");
        }
        drop(old_plugins);
        // Log sources: parsers are looked up per batch, so a reloaded parser
        // takes over between batches; a source whose settings changed is
        // restarted and resumes from its stored position.
        self.parsers.set(
            plugins
                .iter()
                .filter(|(_, p)| p.handle.loaded.spec().kind == crate::runtime::PluginKind::Parser)
                .map(|(name, p)| (name.clone(), Arc::clone(&p.handle)))
                .collect(),
        );
        let mut sources = BTreeMap::new();
        for spec in &manifest.sources {
            match old_sources.remove(&spec.name) {
                Some(kept) if kept.spec == *spec => {
                    sources.insert(spec.name.clone(), kept);
                }
                old => {
                    if let Some(old) = old {
                        old.stop().await;
                    }
                    match crate::sources::RunningSource::start(
                        spec.clone(),
                        self.logs.clone(),
                        Arc::clone(&self.parsers),
                        Arc::clone(&self.source_metrics),
                    )
                    .await
                    {
                        Ok(s) => {
                            sources.insert(spec.name.clone(), s);
                        }
                        Err(e) => {
                            tracing::error!(source = %spec.name, error = %e, "log source not started")
                        }
                    }
                }
            }
        }
        for (_, gone) in old_sources {
            gone.stop().await;
        }
        let policy = alerting_policy(&manifest, alerting.as_ref(), &plugins);
        self.alerting.set_policy(policy);
        let alerting_files = alerting.map(|a| a.files).unwrap_or_default();
        *running = Some(Running {
            manifest,
            plugins,
            sources,
            alerting_files,
        });
        Ok(())
    }
}

/// The notifier plugin instance serving one integration of the
/// Alertmanager configuration: the stock plugin of its type, allowed to
/// reach only its destinations; `None` when this build has no plugin for
/// the type.
pub(crate) fn notifier_spec(spec: &crate::alerting::config::IntegrationSpec) -> Option<PluginSpec> {
    let stock = crate::runtime::StockPlugin::by_name(&spec.kind)
        .filter(|s| s.kind == crate::runtime::PluginKind::Notifier)?;
    Some(PluginSpec {
        name: spec.plugin_name(),
        kind: crate::runtime::PluginKind::Notifier,
        source: crate::manifest::PluginSource::Stock(stock),
        interval: std::time::Duration::from_secs(60),
        timeout: std::time::Duration::from_secs(10),
        memory_limit: 64 << 20,
        state_limit: 1 << 20,
        targets: Vec::new(),
        relabel: Vec::new(),
        metric_relabel: Vec::new(),
        scrape: Default::default(),
        capabilities: crate::manifest::Capabilities {
            network: spec.destinations.clone(),
            ..Default::default()
        },
        config_json: "{}".into(),
    })
}

/// Delivery through a notifier plugin, its failures sorted for retries.
fn deliver_through(handle: Arc<PluginHandle>) -> crate::alerting::receiver::DeliverFn {
    use crate::alerting::receiver::Delivery;
    use crate::runtime::CallError;
    Arc::new(move |notification| {
        let handle = Arc::clone(&handle);
        Box::pin(async move {
            match handle.deliver(notification).await {
                Ok(()) => Delivery::Delivered,
                Err(CallError::Plugin(e)) if e.retryable => Delivery::Retryable(e.message),
                Err(CallError::Plugin(e)) => Delivery::Failed(e.message),
                // A crash or a restart backoff may pass.
                Err(e) => Delivery::Retryable(e.to_string()),
            }
        })
    })
}

/// The alert manager's policy for `manifest`: its Alertmanager
/// configuration (if any) with each integration bound to its plugin
/// instance, plus the notifier plugins the manifest names per receiver.
fn alerting_policy(
    manifest: &Manifest,
    loaded: Option<&crate::alerting::config::LoadedConfig>,
    plugins: &BTreeMap<String, RunningPlugin>,
) -> crate::alerting::Policy {
    let handle = |name: &str| plugins.get(name).map(|p| Arc::clone(&p.handle));
    let extra: BTreeMap<String, Vec<(String, crate::alerting::receiver::DeliverFn)>> = manifest
        .alerting
        .notifiers
        .iter()
        .map(|(receiver, names)| {
            let list = names
                .iter()
                .filter_map(|n| handle(n).map(|h| (n.clone(), deliver_through(h))))
                .collect();
            (receiver.clone(), list)
        })
        .collect();
    let external_url = &manifest.alerting.external_url;
    match loaded {
        Some(loaded) => crate::alerting::config::policy(
            loaded,
            external_url,
            &|spec| handle(&spec.plugin_name()).map(deliver_through),
            &extra,
        ),
        None => {
            let mut policy = crate::alerting::Policy::empty(external_url);
            if let Some(default) = policy.receivers.get_mut("default") {
                for (name, deliver) in extra.get("default").into_iter().flatten() {
                    default
                        .integrations
                        .push(crate::alerting::receiver::Integration {
                            name: name.clone(),
                            index: 0,
                            send_resolved: true,
                            settings: serde_json::json!({}),
                            deliver: Arc::clone(deliver),
                        });
                }
            }
            policy
        }
    }
}

/// How often the metrics store is maintained (head cut, compaction, retention).
const MAINTENANCE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs `MetricsDb::maintain` periodically on a blocking thread.
fn spawn_maintenance(db: Arc<MetricsDb>, telemetry: Arc<SelfMetrics>) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(MAINTENANCE_INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let db = Arc::clone(&db);
            match tokio::task::spawn_blocking(move || {
                let report = db.maintain(crate::util::now_ms());
                (report, db.block_stats(), db.series_count(), db.wal_size())
            })
            .await
            {
                Ok((Ok(report), (blocks, bytes), series, wal)) => {
                    telemetry.maintained(
                        report.blocks_cut,
                        report.compactions,
                        report.blocks_deleted,
                        blocks,
                        bytes,
                        report.series_removed,
                    );
                    telemetry.head(series as u64, wal);
                }
                Ok((Err(e), ..)) => tracing::error!(error = %e, "metrics store maintenance failed"),
                Err(e) => tracing::error!(error = %e, "metrics store maintenance panicked"),
            }
        }
    });
}

/// Same manifest entry and same component bytes.
fn unchanged(old: &PluginSpec, old_hash: &str, new: &PluginSpec) -> bool {
    old == new
        && plugin_bytes(new)
            .map(|bytes| content_hash(&bytes) == old_hash)
            .unwrap_or(false)
}
