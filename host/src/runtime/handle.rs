//! Supervision of one loaded plugin: calls never overlap (one instance, one
//! call at a time), a failed instance is dropped and a fresh one is built on
//! the next call after an exponential backoff, and health and self-metrics are
//! kept up to date. Other plugins are never affected.

use crate::runtime::bindings::exporter_api::Target;
use crate::runtime::bindings::types::{
    Evaluation, LineBatch, MetricFamily, Notification, ParsedBatch, PluginError,
};
use crate::runtime::instance::{Call, CallFailure, Reply};
use crate::runtime::loader::LoadedPlugin;
use crate::runtime::repeats::Repeats;
use crate::runtime::worker::Worker;
use crate::telemetry::SelfMetrics;
use serde::Serialize;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// First restart delay; doubles per consecutive failure.
const BACKOFF_BASE: Duration = Duration::from_secs(1);
/// Longest restart delay.
const BACKOFF_MAX: Duration = Duration::from_secs(300);

/// Lifecycle state shown in `/health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PluginState {
    /// Loaded, not called yet.
    Idle,
    /// Last call succeeded.
    Running,
    /// Last call returned an error from the plugin's own code.
    Erroring,
    /// Crashed; waiting to restart.
    Backoff,
}

/// Health of one plugin.
#[derive(Debug, Clone, Serialize)]
pub struct PluginHealth {
    /// Lifecycle state.
    pub state: PluginState,
    /// Unix ms of the last successful call.
    pub last_success_ms: Option<i64>,
    /// The last error or failure.
    pub last_error: Option<String>,
    /// Unix ms of the last error.
    pub last_error_ms: Option<i64>,
    /// Calls made.
    pub calls: u64,
    /// Calls that crashed the instance.
    pub failures: u64,
    /// Fresh instances built after a failure.
    pub restarts: u64,
}

/// Why a supervised call produced no answer.
#[derive(Debug, Clone)]
pub enum CallError {
    /// The plugin crashed recently; the call was skipped until `remaining` passes.
    Backoff(Duration),
    /// The call crashed the instance.
    Failed(CallFailure),
    /// The plugin's own code reported an error.
    Plugin(PluginError),
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Backoff(d) => write!(f, "restarting after a failure, next try in {d:?}"),
            CallError::Failed(e) => write!(f, "plugin failed: {e}"),
            CallError::Plugin(e) => write!(f, "plugin error: {}", e.message),
        }
    }
}

impl std::error::Error for CallError {}

struct Slot {
    instance: Option<Worker>,
    consecutive_failures: u32,
    retry_at: Option<Instant>,
    ever_failed: bool,
}

/// A supervised plugin.
pub struct PluginHandle {
    /// The loaded plugin.
    pub loaded: Arc<LoadedPlugin>,
    slot: tokio::sync::Mutex<Slot>,
    health: Mutex<PluginHealth>,
    /// Errors the plugin reported lately: repeats are not logged each time.
    repeats: Mutex<Repeats>,
    metrics: Arc<SelfMetrics>,
    calls: crate::telemetry::PluginCallMetrics,
}

impl PluginHandle {
    /// Supervises `loaded`.
    pub fn new(loaded: Arc<LoadedPlugin>, metrics: Arc<SelfMetrics>) -> PluginHandle {
        let calls = metrics.plugin_calls(&loaded.context.name, loaded.spec().kind.as_str());
        PluginHandle {
            loaded,
            slot: tokio::sync::Mutex::new(Slot {
                instance: None,
                consecutive_failures: 0,
                retry_at: None,
                ever_failed: false,
            }),
            health: Mutex::new(PluginHealth {
                state: PluginState::Idle,
                last_success_ms: None,
                last_error: None,
                last_error_ms: None,
                calls: 0,
                failures: 0,
                restarts: 0,
            }),
            repeats: Mutex::new(Repeats::default()),
            calls,
            metrics,
        }
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.loaded.context.name
    }

    /// A snapshot of its health.
    pub fn health(&self) -> PluginHealth {
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn lock_repeats(&self) -> std::sync::MutexGuard<'_, Repeats> {
        self.repeats.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Logs an error the plugin reported in `scope`, unless it is a recent
    /// repeat.
    fn log_reported(&self, name: &str, scope: &str, message: &str) {
        let admitted = self.lock_repeats().admit(scope, message, Instant::now());
        match admitted {
            Some(0) => tracing::warn!(plugin = name, error = %message, "plugin reported an error"),
            Some(unlogged_repeats) => tracing::warn!(
                plugin = name,
                error = %message,
                unlogged_repeats,
                "plugin still reports an error"
            ),
            None => tracing::debug!(plugin = name, error = %message, "plugin reported an error"),
        }
    }

    fn update_health(&self, f: impl FnOnce(&mut PluginHealth)) {
        f(&mut self.health.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Makes one call, building an instance first if needed.
    pub async fn invoke(&self, call: Call) -> Result<Reply, CallError> {
        let spec = self.loaded.spec();
        let name = self.name();
        // Where an error belongs: an exporter's target, or the whole plugin.
        let scope = match &call {
            Call::Collect(target) => target.address.clone(),
            _ => String::new(),
        };
        let mut slot = self.slot.lock().await;
        if let Some(at) = slot.retry_at {
            let now = Instant::now();
            if now < at {
                self.calls.skipped.inc();
                return Err(CallError::Backoff(at - now));
            }
        }
        let started = Instant::now();
        let result = async {
            if slot.instance.is_none() {
                let instance = Worker::start(Arc::clone(&self.loaded)).await?;
                if slot.ever_failed {
                    self.metrics.restart(name);
                    self.update_health(|h| h.restarts += 1);
                    tracing::info!(plugin = name, "plugin restarted");
                }
                slot.instance = Some(instance);
            }
            let instance = slot.instance.as_mut().expect("instance was just set");
            instance.call(call, spec.timeout).await
        }
        .await;
        self.calls.duration.observe(started.elapsed().as_secs_f64());
        if let Err(e) = self.loaded.context.state.flush() {
            tracing::error!(plugin = name, error = %e, "cannot persist plugin state");
        }
        let now_ms = crate::util::now_ms();
        match result {
            Ok(reply) => {
                slot.consecutive_failures = 0;
                slot.retry_at = None;
                let plugin_error = match &reply {
                    Reply::Collect(Err(e))
                    | Reply::Parse(Err(e))
                    | Reply::Evaluate(Err(e))
                    | Reply::Deliver(Err(e)) => Some(e.clone()),
                    _ => None,
                };
                match plugin_error {
                    None => {
                        self.calls.success.inc();
                        self.lock_repeats().forget(&scope);
                        self.update_health(|h| {
                            h.calls += 1;
                            h.state = PluginState::Running;
                            h.last_success_ms = Some(now_ms);
                        });
                        Ok(reply)
                    }
                    Some(e) => {
                        self.calls.error.inc();
                        self.log_reported(name, &scope, &e.message);
                        self.update_health(|h| {
                            h.calls += 1;
                            h.state = PluginState::Erroring;
                            h.last_error = Some(e.message.clone());
                            h.last_error_ms = Some(now_ms);
                        });
                        Err(CallError::Plugin(e))
                    }
                }
            }
            Err(failure) => {
                slot.instance = None;
                slot.ever_failed = true;
                slot.consecutive_failures = slot.consecutive_failures.saturating_add(1);
                let delay = backoff(slot.consecutive_failures);
                slot.retry_at = Some(Instant::now() + delay);
                self.calls.failure.inc();
                self.metrics.failure(name, failure.reason.as_str());
                tracing::error!(
                    plugin = name,
                    reason = failure.reason.as_str(),
                    error = %failure.message,
                    restart_in = ?delay,
                    "plugin failed; instance dropped"
                );
                self.update_health(|h| {
                    h.calls += 1;
                    h.failures += 1;
                    h.state = PluginState::Backoff;
                    h.last_error = Some(failure.to_string());
                    h.last_error_ms = Some(now_ms);
                });
                Err(CallError::Failed(failure))
            }
        }
    }

    /// Exporter: collects `target`.
    pub async fn collect(&self, target: Target) -> Result<Vec<MetricFamily>, CallError> {
        match self.invoke(Call::Collect(target)).await? {
            Reply::Collect(r) => r.map_err(CallError::Plugin),
            other => Err(mismatch(other)),
        }
    }

    /// Parser: parses `batch`.
    pub async fn parse(&self, batch: LineBatch) -> Result<ParsedBatch, CallError> {
        match self.invoke(Call::Parse(batch)).await? {
            Reply::Parse(r) => r.map_err(CallError::Plugin),
            other => Err(mismatch(other)),
        }
    }

    /// Rule: evaluates at `at_ms`.
    pub async fn evaluate(&self, at_ms: i64) -> Result<Evaluation, CallError> {
        match self.invoke(Call::Evaluate(at_ms)).await? {
            Reply::Evaluate(r) => r.map_err(CallError::Plugin),
            other => Err(mismatch(other)),
        }
    }

    /// Notifier: delivers `notification`.
    pub async fn deliver(&self, notification: Notification) -> Result<(), CallError> {
        match self.invoke(Call::Deliver(notification)).await? {
            Reply::Deliver(r) => r.map_err(CallError::Plugin),
            other => Err(mismatch(other)),
        }
    }
}

fn mismatch(reply: Reply) -> CallError {
    CallError::Failed(CallFailure {
        reason: crate::runtime::FailureReason::Trap,
        message: format!("host bug: unexpected reply {reply:?}"),
    })
}

/// Delay before the next try after `failures` consecutive failures.
fn backoff(failures: u32) -> Duration {
    let exp = failures.saturating_sub(1).min(16);
    BACKOFF_BASE.saturating_mul(1 << exp).min(BACKOFF_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(4), Duration::from_secs(8));
        assert_eq!(backoff(30), BACKOFF_MAX);
    }
}
