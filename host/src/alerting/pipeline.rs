//! What happens when a group flushes (Alertmanager's notification
//! pipeline): alerts muted by an inhibition or a silence are dropped, a
//! route outside its active time intervals (or inside a mute interval)
//! sends nothing; then every integration of the receiver, concurrently,
//! is deduplicated against the notification log, sent with retries and
//! exponential backoff until the group's next flush is due, and logged.

use super::alert::{Alert, LabelSet, Status, fingerprint_hex};
use super::manager::AlertManager;
use super::nflog::Entry;
use super::receiver::{Delivery, Integration};
use super::route::RouteOpts;
use crate::runtime::bindings::types::{self as wit, AlertStatus, Label, Notification};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// Shortest time a flush may spend notifying (Alertmanager's `MinTimeout`).
const MIN_TIMEOUT: Duration = Duration::from_secs(10);
/// First retry delay; doubled after each failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// One flush of a group.
pub struct Flush {
    /// The group's key.
    pub group_key: String,
    /// The route the group belongs to.
    pub route: RouteOpts,
    /// The labels it groups by.
    pub group_labels: LabelSet,
    /// Its alerts, sorted; firing ones with `ends_at` cleared (`None`).
    pub alerts: Vec<(Alert, Option<i64>)>,
    /// When the flush started (ms).
    pub now: i64,
}

/// Runs the pipeline; true when every integration succeeded (or had
/// nothing to send), so the group may drop its resolved alerts.
pub async fn notify(manager: &Arc<AlertManager>, flush: Flush) -> bool {
    let now = flush.now;
    let policy = manager.policy();
    if policy.time_muted(&flush.route, now) {
        return true;
    }
    let alerts: Vec<(Alert, Option<i64>)> = {
        let state = manager.lock();
        flush
            .alerts
            .into_iter()
            .filter(|(a, _)| {
                policy
                    .inhibited_by(&a.labels, state.alerts(), now)
                    .is_empty()
                    && state.silences().muting(&a.labels, now).is_empty()
            })
            .collect()
    };
    if alerts.is_empty() {
        return true;
    }
    let Some(receiver) = policy.receiver(flush.route.receiver()) else {
        tracing::error!(receiver = %flush.route.receiver(), "no such receiver");
        return false;
    };
    let timeout =
        Duration::from_millis(flush.route.group_interval_ms().max(0) as u64).max(MIN_TIMEOUT);
    let flush = Arc::new(Flush { alerts, ..flush });
    let mut sends = tokio::task::JoinSet::new();
    for integration in receiver.integrations.iter().cloned() {
        let (manager, flush) = (Arc::clone(manager), Arc::clone(&flush));
        let receiver = receiver.name.clone();
        sends.spawn(async move {
            tokio::time::timeout(
                timeout,
                notify_one(&manager, &flush, &receiver, integration),
            )
            .await
            .unwrap_or(false)
        });
    }
    let mut ok = true;
    while let Some(done) = sends.join_next().await {
        ok &= done.unwrap_or(false);
    }
    ok
}

/// Alertmanager's `DedupStage.needsUpdate`.
fn needs_update(
    entry: Option<&Entry>,
    firing: &BTreeSet<u64>,
    resolved: &BTreeSet<u64>,
    send_resolved: bool,
    repeat_interval_ms: i64,
    now: i64,
) -> bool {
    let Some(entry) = entry else {
        // Never notified: only if something fires.
        return !firing.is_empty();
    };
    if !entry.is_firing_subset(firing) {
        return true;
    }
    if firing.is_empty() {
        // All resolved: notify (whatever send_resolved says, to clear the
        // log) unless the receiver never heard of them.
        return !entry.firing.is_empty();
    }
    if send_resolved && !entry.is_resolved_subset(resolved) {
        return true;
    }
    entry.timestamp < now - repeat_interval_ms
}

async fn notify_one(
    manager: &Arc<AlertManager>,
    flush: &Flush,
    receiver: &str,
    integration: Integration,
) -> bool {
    let key = integration.log_key(receiver);
    let mut firing = BTreeSet::new();
    let mut resolved = BTreeSet::new();
    for (a, _) in &flush.alerts {
        match a.status(flush.now) {
            Status::Firing => firing.insert(a.fingerprint()),
            Status::Resolved => resolved.insert(a.fingerprint()),
        };
    }
    let due = {
        let state = manager.lock();
        needs_update(
            state.nflog().query(&flush.group_key, &key),
            &firing,
            &resolved,
            integration.send_resolved,
            flush.route.repeat_interval_ms(),
            flush.now,
        )
    };
    if !due {
        return true;
    }
    // Without send_resolved only firing alerts are sent; with none firing,
    // nothing is sent but the log still records the resolution.
    let sent: Vec<&(Alert, Option<i64>)> = flush
        .alerts
        .iter()
        .filter(|(a, _)| integration.send_resolved || a.status(flush.now) == Status::Firing)
        .collect();
    if !sent.is_empty() {
        let notification = build(manager, flush, receiver, &integration, &sent);
        if !deliver(manager, &integration, notification).await {
            return false;
        }
    }
    let logged =
        manager
            .lock()
            .nflog_mut()
            .log(&flush.group_key, &key, firing, resolved, flush.now);
    if let Err(e) = logged {
        tracing::error!(error = %e, "cannot write the notification log");
    }
    true
}

/// Sends with retries until it succeeds, fails for good, or the caller's
/// timeout ends it.
async fn deliver(
    manager: &Arc<AlertManager>,
    integration: &Integration,
    mut notification: Notification,
) -> bool {
    let mut backoff = FIRST_BACKOFF;
    for attempt in 0u32.. {
        notification.attempt = attempt;
        let started = std::time::Instant::now();
        let outcome = (integration.deliver)(notification.clone()).await;
        manager
            .metrics()
            .notified(&integration.name, started.elapsed(), &outcome);
        match outcome {
            Delivery::Delivered => return true,
            Delivery::Failed(why) => {
                tracing::warn!(integration = %integration.name, receiver = %notification.receiver, error = %why, "notification failed");
                return false;
            }
            Delivery::Retryable(why) => {
                tracing::warn!(integration = %integration.name, receiver = %notification.receiver, attempt, error = %why, retry_in = ?backoff, "notification failed, retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
    false
}

fn labels(set: &LabelSet) -> Vec<Label> {
    set.iter()
        .map(|(name, value)| Label {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

/// Labels (or annotations) every alert has with the same value.
fn common(alerts: &[&(Alert, Option<i64>)], pick: fn(&Alert) -> &LabelSet) -> LabelSet {
    let mut out = alerts
        .first()
        .map(|(a, _)| pick(a).clone())
        .unwrap_or_default();
    for (a, _) in alerts.iter().skip(1) {
        out.retain(|k, v| pick(a).get(k) == Some(v));
    }
    out
}

fn build(
    manager: &Arc<AlertManager>,
    flush: &Flush,
    receiver: &str,
    integration: &Integration,
    sent: &[&(Alert, Option<i64>)],
) -> Notification {
    let policy = manager.policy();
    let max = integration
        .settings
        .get("max_alerts")
        .and_then(|v| v.as_u64())
        .unwrap_or(0) as usize;
    let kept = if max > 0 && sent.len() > max {
        &sent[..max]
    } else {
        sent
    };
    let firing = sent
        .iter()
        .any(|(a, _)| a.status(flush.now) == Status::Firing);
    let status = if firing {
        AlertStatus::Firing
    } else {
        AlertStatus::Resolved
    };
    let alerts: Vec<wit::Alert> = kept
        .iter()
        .map(|(a, ends_at)| wit::Alert {
            status: match a.status(flush.now) {
                Status::Firing => AlertStatus::Firing,
                Status::Resolved => AlertStatus::Resolved,
            },
            labels: labels(&a.labels),
            annotations: labels(&a.annotations),
            starts_at_ms: a.starts_at,
            ends_at_ms: *ends_at,
            generator_url: a.generator_url.clone(),
            fingerprint: fingerprint_hex(a.fingerprint()),
        })
        .collect();
    let settings = policy.expand_settings(
        &integration.name,
        &integration.settings,
        receiver,
        &flush.group_labels,
        sent,
        flush.now,
    );
    Notification {
        receiver: receiver.to_string(),
        status,
        group_key: flush.group_key.clone(),
        group_labels: labels(&flush.group_labels),
        common_labels: labels(&common(sent, |a| &a.labels)),
        common_annotations: labels(&common(sent, |a| &a.annotations)),
        external_url: policy.external_url().to_string(),
        alerts,
        attempt: 0,
        integration: settings.to_string(),
        truncated_alerts: (sent.len() - kept.len()) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(firing: &[u64], resolved: &[u64], timestamp: i64) -> Entry {
        Entry {
            firing: firing.iter().copied().collect(),
            resolved: resolved.iter().copied().collect(),
            timestamp,
            expires_at: i64::MAX,
        }
    }

    fn set(v: &[u64]) -> BTreeSet<u64> {
        v.iter().copied().collect()
    }

    #[test]
    fn dedup_follows_alertmanager() {
        let repeat = 1_000;
        // Never notified: only firing alerts are worth a notification.
        assert!(needs_update(None, &set(&[1]), &set(&[]), true, repeat, 0));
        assert!(!needs_update(None, &set(&[]), &set(&[1]), true, repeat, 0));
        let e = entry(&[1, 2], &[], 100);
        // A new firing alert.
        assert!(needs_update(
            Some(&e),
            &set(&[1, 3]),
            &set(&[]),
            true,
            repeat,
            200
        ));
        // Same (or fewer) firing, nothing resolved: wait for the repeat.
        assert!(!needs_update(
            Some(&e),
            &set(&[1]),
            &set(&[]),
            false,
            repeat,
            200
        ));
        assert!(needs_update(
            Some(&e),
            &set(&[1]),
            &set(&[]),
            false,
            repeat,
            1_101
        ));
        // One resolved: only with send_resolved.
        assert!(needs_update(
            Some(&e),
            &set(&[1]),
            &set(&[2]),
            true,
            repeat,
            200
        ));
        assert!(!needs_update(
            Some(&e),
            &set(&[1]),
            &set(&[2]),
            false,
            repeat,
            200
        ));
        // All resolved: always, to clear the log.
        assert!(needs_update(
            Some(&e),
            &set(&[]),
            &set(&[1, 2]),
            false,
            repeat,
            200
        ));
        // Fired and resolved between two flushes: the receiver never knew.
        let quiet = entry(&[], &[1], 100);
        assert!(!needs_update(
            Some(&quiet),
            &set(&[]),
            &set(&[2]),
            true,
            repeat,
            200
        ));
    }
}
