//! Runs exporters and rules on their interval. Each plugin has one task: its
//! calls never overlap, a slow plugin only delays itself, and the first run is
//! offset by a per-plugin jitter so plugins sharing an interval spread out.
//! Cancelling the task takes effect between calls, so a call in flight always
//! finishes (on the instance it started on).

use crate::ingest::ExporterSink;
use crate::runtime::bindings::exporter_api::Target;
use crate::runtime::bindings::types::Label;
use crate::runtime::{PluginHandle, PluginKind};
use crate::storage::metrics::scrape::TargetLabels;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Most jitter applied to a plugin's first run.
const MAX_JITTER: Duration = Duration::from_secs(1);

/// Shared sinks a scheduled plugin writes to.
#[derive(Clone)]
pub struct Sinks {
    /// Exporter output.
    pub exporters: Arc<ExporterSink>,
    /// Rule output.
    pub rules: Arc<crate::rules::RuleSink>,
}

/// A stable jitter in `[0, min(interval, MAX_JITTER))` derived from the name.
fn jitter(name: &str, interval: Duration) -> Duration {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut h);
    let span = interval.min(MAX_JITTER).as_millis().max(1) as u64;
    Duration::from_millis(h.finish() % span)
}

/// Starts the schedule of `handle` if its kind is scheduled (exporter, rule).
pub fn spawn(
    handle: Arc<PluginHandle>,
    sinks: Sinks,
    cancel: CancellationToken,
) -> Option<JoinHandle<()>> {
    let kind = handle.loaded.spec().kind;
    if !matches!(kind, PluginKind::Exporter | PluginKind::Rule) {
        return None;
    }
    Some(tokio::spawn(async move {
        let spec = handle.loaded.spec().clone();
        if kind == PluginKind::Exporter {
            // Targets this version no longer has go stale.
            let keep: Vec<String> = targets(&handle).into_iter().map(|t| t.address).collect();
            let (sink, name) = (Arc::clone(&sinks.exporters), spec.name.clone());
            let _ = tokio::task::spawn_blocking(move || sink.retire(&name, &keep)).await;
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(jitter(&spec.name, spec.interval)) => {}
        }
        let mut ticker = tokio::time::interval(spec.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = ticker.tick() => {}
            }
            match kind {
                PluginKind::Exporter => run_exporter(&handle, &sinks).await,
                PluginKind::Rule => run_rule(&handle, &sinks).await,
                _ => unreachable!("only scheduled kinds get a task"),
            }
        }
    }))
}

/// One configured target of an exporter and what target relabeling made
/// of it.
#[derive(Debug, Clone)]
pub struct ResolvedTarget {
    /// The labels the relabel rules saw (`__address__`, `job`).
    pub discovered: Vec<(String, String)>,
    /// The target, or `None` when relabeling dropped it.
    pub target: Option<Target>,
}

/// Every target of an exporter, dropped ones included: manifest `targets`
/// (or one named after the plugin), after target relabeling as Prometheus
/// does it: the rules see `__address__` and `job`; a target they drop is not
/// collected; `instance` defaults to the final `__address__`; labels
/// starting with `__` are removed. The target's labels are the ones every
/// series it yields carries.
pub fn resolve_targets(spec: &crate::manifest::PluginSpec) -> Vec<ResolvedTarget> {
    let addresses = if spec.targets.is_empty() {
        vec![spec.name.clone()]
    } else {
        spec.targets.clone()
    };
    addresses
        .into_iter()
        .map(|address| {
            let discovered = vec![
                ("__address__".to_string(), address),
                ("job".to_string(), spec.name.clone()),
            ];
            let target =
                crate::relabel::apply(&spec.relabel, discovered.clone()).and_then(|mut labels| {
                    let address = labels
                        .iter()
                        .find(|(n, _)| n == "__address__")
                        .map(|(_, v)| v.clone())?;
                    if !labels.iter().any(|(n, _)| n == "instance") {
                        labels.push(("instance".into(), address.clone()));
                    }
                    labels.retain(|(n, _)| !n.starts_with("__"));
                    labels.sort();
                    Some(Target {
                        address,
                        labels: labels
                            .into_iter()
                            .map(|(name, value)| Label { name, value })
                            .collect(),
                    })
                });
            ResolvedTarget { discovered, target }
        })
        .collect()
}

/// The targets of an exporter that relabeling keeps (see
/// [`resolve_targets`]).
pub fn targets(handle: &PluginHandle) -> Vec<Target> {
    resolve_targets(handle.loaded.spec())
        .into_iter()
        .filter_map(|r| r.target)
        .collect()
}

/// The labels a target's series carry, with the exporter's metric relabeling.
pub fn target_labels(handle: &PluginHandle, target: &Target) -> TargetLabels {
    TargetLabels {
        labels: target
            .labels
            .iter()
            .map(|l| (l.name.clone(), l.value.clone()))
            .collect(),
        metric_relabel: std::sync::Arc::from(handle.loaded.spec().metric_relabel.clone()),
        options: handle.loaded.spec().scrape,
    }
}

async fn run_exporter(handle: &PluginHandle, sinks: &Sinks) {
    for target in targets(handle) {
        let address = target.address.clone();
        let labels = target_labels(handle, &target);
        let at = crate::util::now_ms();
        let started = std::time::Instant::now();
        // Failures are logged and counted by the handle; here they become
        // `up 0` and stale markers, as a failed scrape does in Prometheus.
        let result = handle.collect(target).await;
        let took = started.elapsed();
        // Storing syncs to disk: do it off the async runtime.
        let (sink, plugin) = (Arc::clone(&sinks.exporters), handle.name().to_string());
        let stored = tokio::task::spawn_blocking(move || match result {
            Ok(families) => sink.collected(&plugin, &address, &labels, at, took, &families),
            Err(e) => sink.failed(&plugin, &address, &labels, at, took, &e.to_string()),
        });
        if let Err(e) = stored.await {
            tracing::error!(plugin = handle.name(), error = %e, "storing a collection panicked");
        }
    }
}

async fn run_rule(handle: &PluginHandle, sinks: &Sinks) {
    let at = crate::util::now_ms();
    let started = std::time::Instant::now();
    let result = handle.evaluate(at).await;
    let took = started.elapsed();
    let (sink, plugin) = (Arc::clone(&sinks.rules), handle.name().to_string());
    let interval = handle.loaded.spec().interval;
    let stored = tokio::task::spawn_blocking(move || match result {
        Ok(evaluation) => {
            tracing::debug!(
                plugin,
                alerts = evaluation.alerts.len(),
                samples = evaluation.samples.len(),
                "rule evaluated"
            );
            sink.evaluated(&plugin, at, took, evaluation);
            sink.send_alerts(&plugin, at, interval);
        }
        Err(e) => sink.failed(&plugin, at, took, &e.to_string()),
    });
    if let Err(e) = stored.await {
        tracing::error!(plugin = handle.name(), error = %e, "storing a rule evaluation panicked");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_is_stable_and_bounded() {
        let i = Duration::from_secs(15);
        assert_eq!(jitter("node", i), jitter("node", i));
        assert!(jitter("node", i) < MAX_JITTER);
        assert!(jitter("x", Duration::from_millis(200)) < Duration::from_millis(200));
    }
}
