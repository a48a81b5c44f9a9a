//! The alerts the alert manager knows, by fingerprint (Alertmanager's
//! in-memory alert provider): a re-sent alert whose activity overlaps the
//! stored one is merged into it, else it replaces it (a new incident of
//! the same label set). Resolved alerts are dropped by [`AlertStore::gc`].

use super::alert::Alert;
use std::collections::HashMap;

/// Alerts by fingerprint.
#[derive(Debug, Default)]
pub struct AlertStore {
    alerts: HashMap<u64, Alert>,
}

impl AlertStore {
    /// Stores `alert` received at `now`; returns what is stored.
    pub fn put(&mut self, alert: Alert, now: i64) -> &Alert {
        let fp = alert.fingerprint();
        let alert = match self.alerts.get(&fp) {
            // Merge if the activity ranges overlap.
            Some(old)
                if (alert.ends_at > old.starts_at && alert.ends_at < old.ends_at)
                    || (alert.starts_at > old.starts_at && alert.starts_at < old.ends_at) =>
            {
                old.merge(&alert, now)
            }
            _ => alert,
        };
        self.alerts.insert(fp, alert);
        &self.alerts[&fp]
    }

    /// The alert with fingerprint `fp`.
    pub fn get(&self, fp: u64) -> Option<&Alert> {
        self.alerts.get(&fp)
    }

    /// Every alert, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.values()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.alerts.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
    }

    /// Drops alerts resolved by `now`; returns their fingerprints.
    pub fn gc(&mut self, now: i64) -> Vec<u64> {
        let gone: Vec<u64> = self
            .alerts
            .iter()
            .filter(|(_, a)| a.resolved_at(now))
            .map(|(fp, _)| *fp)
            .collect();
        for fp in &gone {
            self.alerts.remove(fp);
        }
        gone
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerting::alert::LabelSet;

    fn alert(starts: i64, ends: i64, updated: i64) -> Alert {
        Alert {
            labels: LabelSet::from([("alertname".into(), "A".into())]),
            annotations: LabelSet::new(),
            starts_at: starts,
            ends_at: ends,
            updated_at: updated,
            timeout: true,
            generator_url: String::new(),
        }
    }

    #[test]
    fn overlapping_copies_merge_and_a_new_incident_replaces() {
        let mut s = AlertStore::default();
        s.put(alert(100, 400, 100), 100);
        // Re-sent while active: merged, the first start kept.
        let a = s.put(alert(200, 500, 200), 200).clone();
        assert_eq!((a.starts_at, a.ends_at), (100, 500));
        // Resolved, then firing again later: a new incident.
        let a = s.put(alert(900, 1_200, 900), 900).clone();
        assert_eq!((a.starts_at, a.ends_at), (900, 1_200));
        assert_eq!(s.len(), 1);
        assert!(s.gc(1_000).is_empty());
        assert_eq!(s.gc(1_200).len(), 1);
        assert!(s.is_empty());
    }
}
