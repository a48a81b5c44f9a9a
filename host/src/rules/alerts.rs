//! The alert state machine, as Prometheus 2.42's alerting rules run it.
//! Rules (in plugins) report the alert conditions active at an evaluation
//! time; this table turns them into alerts: new → pending, pending for
//! `for` → firing, gone → resolved (firing ones kept `keep_firing_for`
//! longer), resolved alerts remembered 15 minutes so they can be sent as
//! resolved. An alert is identified by its labels (including `alertname`).

use crate::storage::metrics::Labels;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How long a resolved alert is kept (Prometheus' `resolvedRetention`).
pub const RESOLVED_RETENTION_MS: i64 = 15 * 60 * 1000;

/// An alert condition one evaluation reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Labels, `alertname` included.
    pub labels: Labels,
    /// Annotations (already expanded).
    pub annotations: BTreeMap<String, String>,
    /// The value that triggered it.
    pub value: f64,
    /// `for`, ms.
    pub for_ms: i64,
    /// `keep_firing_for`, ms.
    pub keep_firing_for_ms: i64,
}

/// Where an alert is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    /// Active, waiting for `for` to pass.
    Pending,
    /// Active for at least `for`.
    Firing,
    /// Resolved (kept for a while to be sent as resolved).
    Inactive,
}

impl AlertState {
    /// The `alertstate` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
            AlertState::Inactive => "inactive",
        }
    }
}

/// One alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Labels, `alertname` included.
    pub labels: Labels,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
    /// Latest value.
    pub value: f64,
    /// State.
    pub state: AlertState,
    /// When it became active (ms).
    pub active_at: i64,
    /// When it started firing (ms).
    pub fired_at: Option<i64>,
    /// When it was resolved (ms).
    pub resolved_at: Option<i64>,
    /// Since when it has been kept firing after its condition cleared (ms).
    pub keep_firing_since: Option<i64>,
    /// `for`, ms.
    pub for_ms: i64,
    /// `keep_firing_for`, ms.
    pub keep_firing_for_ms: i64,
    /// When it was last sent to the alert manager (ms).
    pub last_sent_at: Option<i64>,
}

impl Alert {
    /// Prometheus' `needsSending`: firing or resolved alerts, again after
    /// `resend_delay_ms`, and at once when resolved since the last send.
    fn needs_sending(&self, ts: i64, resend_delay_ms: i64) -> bool {
        if self.state == AlertState::Pending {
            return false;
        }
        match (self.resolved_at, self.last_sent_at) {
            (_, None) => true,
            (Some(resolved), Some(sent)) if resolved > sent => true,
            (_, Some(sent)) => sent + resend_delay_ms < ts,
        }
    }
}

/// The alerts of one rule.
#[derive(Debug, Default, Clone)]
pub struct RuleAlerts {
    active: HashMap<Labels, Alert>,
}

impl RuleAlerts {
    /// Applies the candidates of one evaluation at `ts` (ms). Returns an
    /// error, changing nothing, when two candidates share their labels (as
    /// Prometheus: "vector contains metrics with the same labelset after
    /// applying alert labels").
    pub fn apply(&mut self, ts: i64, candidates: Vec<Candidate>) -> Result<(), String> {
        let mut seen: HashMap<Labels, Candidate> = HashMap::with_capacity(candidates.len());
        for c in candidates {
            if seen.contains_key(&c.labels) {
                return Err(
                    "vector contains metrics with the same labelset after applying alert labels"
                        .into(),
                );
            }
            seen.insert(c.labels.clone(), c);
        }
        for (labels, c) in &seen {
            match self.active.get_mut(labels) {
                Some(a) if a.state != AlertState::Inactive => {
                    a.value = c.value;
                    a.annotations = c.annotations.clone();
                    a.for_ms = c.for_ms;
                    a.keep_firing_for_ms = c.keep_firing_for_ms;
                }
                _ => {
                    self.active.insert(
                        labels.clone(),
                        Alert {
                            labels: labels.clone(),
                            annotations: c.annotations.clone(),
                            value: c.value,
                            state: AlertState::Pending,
                            active_at: ts,
                            fired_at: None,
                            resolved_at: None,
                            keep_firing_since: None,
                            for_ms: c.for_ms,
                            keep_firing_for_ms: c.keep_firing_for_ms,
                            last_sent_at: None,
                        },
                    );
                }
            }
        }
        self.active.retain(|labels, a| {
            if !seen.contains_key(labels) {
                let mut keep_firing = false;
                if a.state == AlertState::Firing && a.keep_firing_for_ms > 0 {
                    let since = *a.keep_firing_since.get_or_insert(ts);
                    keep_firing = ts - since < a.keep_firing_for_ms;
                }
                let expired = a
                    .resolved_at
                    .is_some_and(|r| ts - r > RESOLVED_RETENTION_MS);
                if a.state == AlertState::Pending || expired {
                    return false;
                }
                if a.state != AlertState::Inactive && !keep_firing {
                    a.state = AlertState::Inactive;
                    a.resolved_at = Some(ts);
                }
                if !keep_firing {
                    return true;
                }
            } else {
                a.keep_firing_since = None;
            }
            if a.state == AlertState::Pending && ts - a.active_at >= a.for_ms {
                a.state = AlertState::Firing;
                a.fired_at = Some(ts);
            }
            true
        });
        Ok(())
    }

    /// The alerts to send to the alert manager at `ts` (Prometheus'
    /// `sendAlerts`), marked sent, each with the end it is sent with: its
    /// resolution, or while firing `ts` plus four times the larger of
    /// `resend_delay_ms` and the rule's interval, so two missed evaluations
    /// do not resolve it.
    pub fn to_send(
        &mut self,
        ts: i64,
        resend_delay_ms: i64,
        interval_ms: i64,
    ) -> Vec<(Alert, i64)> {
        let delta = resend_delay_ms.max(interval_ms);
        let mut out = Vec::new();
        for a in self.active.values_mut() {
            if a.fired_at.is_none() || !a.needs_sending(ts, resend_delay_ms) {
                continue;
            }
            a.last_sent_at = Some(ts);
            let ends = a.resolved_at.unwrap_or(ts + 4 * delta);
            out.push((a.clone(), ends));
        }
        out.sort_by(|x, y| x.0.labels.cmp(&y.0.labels));
        out
    }

    /// Every alert, resolved ones included, sorted by labels.
    pub fn alerts(&self) -> Vec<&Alert> {
        let mut v: Vec<&Alert> = self.active.values().collect();
        v.sort_by(|a, b| a.labels.cmp(&b.labels));
        v
    }

    /// Moves the `activeAt` of pending alerts to what a previous run of
    /// Watchpost recorded (`ALERTS_FOR_STATE`), as Prometheus restores `for`
    /// state after a restart: `restored(labels)` gives the recorded
    /// `(activeAt, last recorded at)` in ms; `now` is this evaluation.
    pub fn restore(
        &mut self,
        now: i64,
        grace_ms: i64,
        mut restored: impl FnMut(&Labels) -> Option<(i64, i64)>,
    ) {
        for a in self.active.values_mut() {
            // Prometheus skips rules whose `for` is shorter than the grace
            // period: they fire on the next evaluation anyway.
            if a.state != AlertState::Pending || a.for_ms < grace_ms {
                continue;
            }
            let Some((active_at, down_at)) = restored(&a.labels) else {
                continue;
            };
            let spent = down_at - active_at;
            let remaining = a.for_ms - spent;
            a.active_at = if remaining <= 0 {
                // It had been firing: it fires again once `for` has passed
                // from the original start, which it has.
                active_at
            } else if remaining < grace_ms {
                now + grace_ms - a.for_ms
            } else {
                active_at + (now - down_at)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(instance: &str, for_ms: i64, keep_ms: i64) -> Candidate {
        Candidate {
            labels: Labels::new([("alertname", "Down"), ("instance", instance)]).unwrap_or_else(
                |_| {
                    let mut b = Labels::default().builder();
                    b.set("alertname", "Down").set("instance", instance);
                    b.build()
                },
            ),
            annotations: BTreeMap::new(),
            value: 1.0,
            for_ms,
            keep_firing_for_ms: keep_ms,
        }
    }

    fn states(r: &RuleAlerts) -> Vec<(String, AlertState)> {
        r.alerts()
            .iter()
            .map(|a| (a.labels.get("instance").unwrap().to_string(), a.state))
            .collect()
    }

    #[test]
    fn pending_fires_after_for_and_resolves_when_gone() {
        let mut r = RuleAlerts::default();
        r.apply(0, vec![candidate("a", 60_000, 0)]).unwrap();
        assert_eq!(states(&r), [("a".into(), AlertState::Pending)]);
        r.apply(30_000, vec![candidate("a", 60_000, 0)]).unwrap();
        assert_eq!(states(&r), [("a".into(), AlertState::Pending)]);
        r.apply(60_000, vec![candidate("a", 60_000, 0)]).unwrap();
        assert_eq!(states(&r), [("a".into(), AlertState::Firing)]);
        assert_eq!(r.alerts()[0].fired_at, Some(60_000));
        r.apply(90_000, vec![]).unwrap();
        assert_eq!(states(&r), [("a".into(), AlertState::Inactive)]);
        assert_eq!(r.alerts()[0].resolved_at, Some(90_000));
        // Kept 15 minutes to be sent as resolved, then forgotten.
        r.apply(90_000 + RESOLVED_RETENTION_MS, vec![]).unwrap();
        assert_eq!(states(&r).len(), 1);
        r.apply(90_001 + RESOLVED_RETENTION_MS, vec![]).unwrap();
        assert!(states(&r).is_empty());
    }

    #[test]
    fn pending_alerts_that_go_away_are_dropped_and_zero_for_fires_at_once() {
        let mut r = RuleAlerts::default();
        r.apply(0, vec![candidate("a", 60_000, 0), candidate("b", 0, 0)])
            .unwrap();
        assert_eq!(
            states(&r),
            [
                ("a".into(), AlertState::Pending),
                ("b".into(), AlertState::Firing)
            ]
        );
        r.apply(15_000, vec![candidate("b", 0, 0)]).unwrap();
        assert_eq!(states(&r), [("b".into(), AlertState::Firing)]);
    }

    #[test]
    fn keep_firing_for_holds_a_cleared_alert() {
        let mut r = RuleAlerts::default();
        r.apply(0, vec![candidate("a", 0, 60_000)]).unwrap();
        r.apply(30_000, vec![]).unwrap();
        assert_eq!(states(&r), [("a".into(), AlertState::Firing)]);
        r.apply(89_000, vec![]).unwrap();
        assert_eq!(states(&r), [("a".into(), AlertState::Firing)]);
        r.apply(90_000, vec![]).unwrap();
        assert_eq!(states(&r), [("a".into(), AlertState::Inactive)]);
    }

    #[test]
    fn a_resolved_alert_that_returns_starts_over() {
        let mut r = RuleAlerts::default();
        r.apply(0, vec![candidate("a", 0, 0)]).unwrap();
        r.apply(10_000, vec![]).unwrap();
        r.apply(20_000, vec![candidate("a", 60_000, 0)]).unwrap();
        let a = r.alerts()[0];
        assert_eq!((a.state, a.active_at), (AlertState::Pending, 20_000));
    }

    #[test]
    fn duplicate_labelsets_are_an_error() {
        let mut r = RuleAlerts::default();
        let err = r
            .apply(0, vec![candidate("a", 0, 0), candidate("a", 0, 0)])
            .unwrap_err();
        assert!(err.contains("same labelset"));
        assert!(r.alerts().is_empty());
    }

    #[test]
    fn restore_moves_active_at_by_the_downtime() {
        let mut r = RuleAlerts::default();
        r.apply(1_000_000, vec![candidate("a", 600_000, 0)])
            .unwrap();
        // Active since 500 s, last recorded at 700 s (200 s of 600 s spent),
        // down until 1000 s: 400 s remain, so active since 800 s.
        r.restore(1_000_000, 60_000, |_| Some((500_000, 700_000)));
        assert_eq!(r.alerts()[0].active_at, 800_000);
        // Nearly done before the restart: the grace period applies.
        let mut r = RuleAlerts::default();
        r.apply(1_000_000, vec![candidate("a", 600_000, 0)])
            .unwrap();
        r.restore(1_000_000, 60_000, |_| Some((100_000, 680_000)));
        assert_eq!(r.alerts()[0].active_at, 1_000_000 + 60_000 - 600_000);
    }
}
