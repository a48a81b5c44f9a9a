//! Aggregation groups (Alertmanager's `aggrGroup`): the alerts of one route
//! that share the route's group-by labels. A group waits `group_wait`
//! before its first notification (at once if its alerts started longer ago
//! than that), then flushes every `group_interval`; each flush runs the
//! notification pipeline and, when it succeeded, forgets the resolved
//! alerts it notified (unless they were updated meanwhile).

use super::alert::{Alert, LabelSet};
use super::manager::AlertManager;
use super::pipeline::{Flush, notify};
use super::route::RouteOpts;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::Notify;
use tokio::time::{Duration, Instant};

struct Inner {
    alerts: BTreeMap<u64, Alert>,
    has_flushed: bool,
    next_flush: Instant,
    stopped: bool,
}

/// One aggregation group.
pub struct Group {
    /// Its key (`route key:group labels`).
    pub key: String,
    /// Its route.
    pub route: RouteOpts,
    /// The labels it groups by.
    pub labels: LabelSet,
    inner: Mutex<Inner>,
    wake: Notify,
}

fn ms(v: i64) -> Duration {
    Duration::from_millis(v.max(0) as u64)
}

impl Group {
    /// A new group on `route` for `labels`; [`Group::run`] drives it.
    pub fn new(route: RouteOpts, labels: LabelSet) -> Group {
        Group {
            key: route.group_key(&labels),
            inner: Mutex::new(Inner {
                alerts: BTreeMap::new(),
                has_flushed: false,
                next_flush: Instant::now() + ms(route.group_wait_ms()),
                stopped: false,
            }),
            route,
            labels,
            wake: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds or updates `alert`; flushes at once if it started longer than
    /// `group_wait` ago and the group never flushed.
    pub fn insert(&self, alert: Alert, now: i64) {
        let mut inner = self.lock();
        let overdue = !inner.has_flushed && alert.starts_at + self.route.group_wait_ms() < now;
        inner.alerts.insert(alert.fingerprint(), alert);
        if overdue {
            inner.next_flush = Instant::now();
            drop(inner);
            self.wake.notify_one();
        }
    }

    /// Whether it holds no alert.
    pub fn is_empty(&self) -> bool {
        self.lock().alerts.is_empty()
    }

    /// Its alerts.
    pub fn alerts(&self) -> Vec<Alert> {
        self.lock().alerts.values().cloned().collect()
    }

    /// Ends its task.
    pub fn stop(&self) {
        self.lock().stopped = true;
        self.wake.notify_one();
    }

    /// Flushes on its timer until stopped or the manager is gone.
    pub async fn run(self: Arc<Self>, manager: Weak<AlertManager>) {
        loop {
            let (next, stopped) = {
                let inner = self.lock();
                (inner.next_flush, inner.stopped)
            };
            if stopped {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep_until(next) => {}
                _ = self.wake.notified() => continue,
            }
            let Some(manager) = manager.upgrade() else {
                return;
            };
            let now = crate::util::now_ms();
            let snapshot = {
                let mut inner = self.lock();
                if inner.stopped || Instant::now() < inner.next_flush {
                    continue;
                }
                inner.next_flush = Instant::now() + ms(self.route.group_interval_ms());
                inner.has_flushed = true;
                let mut alerts: Vec<Alert> = inner.alerts.values().cloned().collect();
                alerts.sort_by(alert_order);
                alerts
            };
            if snapshot.is_empty() {
                continue;
            }
            let flush = Flush {
                group_key: self.key.clone(),
                route: self.route.clone(),
                group_labels: self.labels.clone(),
                alerts: snapshot
                    .iter()
                    .map(|a| {
                        // Firing alerts do not resolve as time moves on.
                        let ends = a.resolved_at(now).then_some(a.ends_at);
                        (a.clone(), ends)
                    })
                    .collect(),
                now,
            };
            if notify(&manager, flush).await {
                let mut inner = self.lock();
                for a in snapshot.iter().filter(|a| a.resolved_at(now)) {
                    let fp = a.fingerprint();
                    if inner
                        .alerts
                        .get(&fp)
                        .is_some_and(|g| g.updated_at == a.updated_at)
                    {
                        inner.alerts.remove(&fp);
                    }
                }
            }
        }
    }
}

/// Alertmanager's `AlertSlice` order: by `job`, then `instance` (alerts
/// with the label first), then by label set.
pub fn alert_order(a: &Alert, b: &Alert) -> Ordering {
    for key in ["job", "instance"] {
        match (a.labels.get(key), b.labels.get(key)) {
            (None, None) => continue,
            (None, Some(_)) => return Ordering::Greater,
            (Some(_), None) => return Ordering::Less,
            (Some(x), Some(y)) if x != y => return x.cmp(y),
            _ => {}
        }
    }
    if label_set_before(&a.labels, &b.labels) {
        Ordering::Less
    } else if label_set_before(&b.labels, &a.labels) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// Prometheus' `LabelSet.Before`: fewer labels first, then the first
/// differing value in name order.
fn label_set_before(a: &LabelSet, b: &LabelSet) -> bool {
    if a.len() != b.len() {
        return a.len() < b.len();
    }
    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
    names.sort();
    for name in names {
        let Some(x) = a.get(name) else {
            return true;
        };
        let Some(y) = b.get(name) else {
            return false;
        };
        if x != y {
            return x < y;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(pairs: &[(&str, &str)]) -> Alert {
        Alert {
            labels: pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            annotations: LabelSet::new(),
            starts_at: 0,
            ends_at: 1,
            updated_at: 0,
            timeout: false,
            generator_url: String::new(),
        }
    }

    #[test]
    fn alerts_sort_as_in_alertmanager() {
        let mut v = [
            alert(&[("alertname", "B")]),
            alert(&[("alertname", "A"), ("x", "1")]),
            alert(&[("alertname", "A"), ("instance", "b")]),
            alert(&[("alertname", "A"), ("instance", "a")]),
            alert(&[("alertname", "Z"), ("job", "api")]),
        ];
        v.sort_by(alert_order);
        let names: Vec<String> = v
            .iter()
            .map(|a| watchpost_amconfig::route::label_set_string(&a.labels))
            .collect();
        assert_eq!(
            names,
            [
                "{alertname=\"Z\", job=\"api\"}",
                "{alertname=\"A\", instance=\"a\"}",
                "{alertname=\"A\", instance=\"b\"}",
                "{alertname=\"B\"}",
                "{alertname=\"A\", x=\"1\"}",
            ]
        );
    }
}
