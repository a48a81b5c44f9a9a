//! The alert manager: received alerts (from Watchpost's rules and from any
//! Prometheus via `POST /api/v2/alerts`), their aggregation groups on the
//! routing tree, silences and the notification log. The configuration (a
//! [`Policy`]) can be swapped at runtime: groups are rebuilt from the
//! stored alerts and the notification log keeps them from notifying again
//! what they already sent, as an Alertmanager reload does.

use super::alert::{Alert, LabelSet, fingerprint};
use super::group::Group;
use super::metrics::AlertingMetrics;
use super::nflog::NotificationLog;
use super::policy::Policy;
use super::silences::{SilenceState, Silences};
use super::store::AlertStore;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// How often empty groups, resolved alerts, expired silences and old log
/// entries are dropped.
const MAINTENANCE_EVERY: Duration = Duration::from_secs(30);

/// The alerts, silences and notification log, under one lock.
pub struct State {
    alerts: AlertStore,
    silences: Silences,
    nflog: NotificationLog,
}

impl State {
    /// The alerts.
    pub fn alerts(&self) -> &AlertStore {
        &self.alerts
    }
    /// The silences.
    pub fn silences(&self) -> &Silences {
        &self.silences
    }
    /// The silences, to change them.
    pub fn silences_mut(&mut self) -> &mut Silences {
        &mut self.silences
    }
    /// The notification log.
    pub fn nflog(&self) -> &NotificationLog {
        &self.nflog
    }
    /// The notification log, to write it.
    pub fn nflog_mut(&mut self) -> &mut NotificationLog {
        &mut self.nflog
    }
}

/// The alert manager.
pub struct AlertManager {
    state: Mutex<State>,
    policy: RwLock<Arc<Policy>>,
    /// Groups by (route id, group labels' fingerprint).
    groups: Mutex<HashMap<(String, u64), Arc<Group>>>,
    metrics: AlertingMetrics,
}

impl AlertManager {
    /// An alert manager applying `policy`, keeping its silences and
    /// notification log under `dir` (in memory only without one). Must be
    /// created inside a tokio runtime: it spawns its maintenance task.
    pub fn open(policy: Policy, dir: Option<&Path>) -> Result<Arc<AlertManager>, String> {
        let silences = Silences::open(dir.map(|d| d.join("silences.json")))?;
        let nflog = NotificationLog::open(dir.map(|d| d.join("nflog.json")))?;
        let manager = Arc::new(AlertManager {
            state: Mutex::new(State {
                alerts: AlertStore::default(),
                silences,
                nflog,
            }),
            policy: RwLock::new(Arc::new(policy)),
            groups: Mutex::new(HashMap::new()),
            metrics: AlertingMetrics::new(),
        });
        let weak = Arc::downgrade(&manager);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(MAINTENANCE_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(manager) = weak.upgrade() else {
                    return;
                };
                manager.maintain(crate::util::now_ms());
            }
        });
        Ok(manager)
    }

    /// The state, locked.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The configuration in force.
    pub fn policy(&self) -> Arc<Policy> {
        Arc::clone(&self.policy.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Its metrics.
    pub fn metrics(&self) -> &AlertingMetrics {
        &self.metrics
    }

    fn groups(&self) -> std::sync::MutexGuard<'_, HashMap<(String, u64), Arc<Group>>> {
        self.groups.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Swaps the configuration: every group is rebuilt from the stored
    /// alerts on the new routes.
    pub fn set_policy(self: &Arc<Self>, policy: Policy) {
        for r in policy.receivers.values() {
            for i in &r.integrations {
                self.metrics.known_integration(&i.name);
            }
        }
        *self.policy.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(policy);
        let old: Vec<Arc<Group>> = self.groups().drain().map(|(_, g)| g).collect();
        for g in old {
            g.stop();
        }
        let now = crate::util::now_ms();
        let alerts: Vec<Alert> = self.lock().alerts.iter().cloned().collect();
        for a in alerts {
            self.dispatch(a, now);
        }
    }

    /// Receives alerts at `now` (already validated, with start, end and
    /// timeout set as the API sets them).
    pub fn put_alerts(self: &Arc<Self>, alerts: Vec<Alert>, now: i64) {
        let firing = alerts.iter().filter(|a| !a.resolved_at(now)).count();
        self.metrics.received("firing", firing as u64);
        self.metrics
            .received("resolved", (alerts.len() - firing) as u64);
        let stored: Vec<Alert> = {
            let mut state = self.lock();
            alerts
                .into_iter()
                .map(|a| state.alerts.put(a, now).clone())
                .collect()
        };
        for a in stored {
            self.dispatch(a, now);
        }
    }

    /// Puts `alert` into the group of every route it matches.
    fn dispatch(self: &Arc<Self>, alert: Alert, now: i64) {
        let routes = self.policy().routes(&alert.labels);
        for route in routes {
            let group_labels = route.group_labels(&alert.labels);
            let key = (route.id.clone(), fingerprint(&group_labels));
            // The alert goes in under the groups' lock, so maintenance never
            // drops a group between its creation and its first alert.
            let mut groups = self.groups();
            let group = match groups.get(&key) {
                Some(g) => Arc::clone(g),
                None => {
                    let g = Arc::new(Group::new(route, group_labels));
                    groups.insert(key, Arc::clone(&g));
                    tokio::spawn(Arc::clone(&g).run(Arc::downgrade(self)));
                    g
                }
            };
            group.insert(alert.clone(), now);
        }
    }

    /// The groups with at least one alert, for `/api/v2/alerts/groups`.
    pub fn alert_groups(&self) -> Vec<Arc<Group>> {
        self.groups()
            .values()
            .filter(|g| !g.is_empty())
            .cloned()
            .collect()
    }

    /// Why `labels` is muted at `now`: (silence ids, fingerprints of the
    /// inhibiting alerts).
    pub fn muted_by(&self, labels: &LabelSet, now: i64) -> (Vec<String>, Vec<String>) {
        let policy = self.policy();
        let state = self.lock();
        let silenced = state.silences.muting(labels, now);
        let inhibited = policy
            .inhibited_by(labels, &state.alerts, now)
            .into_iter()
            .map(super::alert::fingerprint_hex)
            .collect();
        (silenced, inhibited)
    }

    /// Drops empty groups, resolved alerts, expired silences and old log
    /// entries; refreshes the gauges.
    pub fn maintain(&self, now: i64) {
        self.groups().retain(|_, g| {
            let keep = !g.is_empty();
            if !keep {
                g.stop();
            }
            keep
        });
        let mut state = self.lock();
        state.alerts.gc(now);
        if let Err(e) = state.silences.gc(now) {
            tracing::error!(error = %e, "silence maintenance");
        }
        if let Err(e) = state.nflog.gc(now) {
            tracing::error!(error = %e, "notification log maintenance");
        }
        let mut by_state = [0usize; 3];
        for s in state.silences.iter() {
            by_state[match s.state(now) {
                SilenceState::Active => 0,
                SilenceState::Pending => 1,
                SilenceState::Expired => 2,
            }] += 1;
        }
        self.metrics.silences(by_state[0], by_state[1], by_state[2]);
        let alerts: Vec<LabelSet> = state
            .alerts
            .iter()
            .filter(|a| !a.resolved_at(now))
            .map(|a| a.labels.clone())
            .collect();
        drop(state);
        let suppressed = alerts
            .iter()
            .filter(|l| {
                let (s, i) = self.muted_by(l, now);
                !s.is_empty() || !i.is_empty()
            })
            .count();
        self.metrics.alerts(alerts.len() - suppressed, suppressed);
    }
}
