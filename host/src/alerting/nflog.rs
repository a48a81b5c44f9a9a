//! The notification log (Alertmanager's `nflog`): per group and receiver
//! integration, which alerts were last notified as firing and as resolved,
//! and when. Deduplication reads it to decide whether a flush needs a
//! notification; it is a JSON file rewritten atomically on every entry, so
//! a restart does not notify again what was already sent.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// How long an entry is kept after it was written.
pub const RETENTION_MS: i64 = 120 * 3_600_000;

/// The last notification of one group to one integration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Hashes of the alerts notified as firing.
    pub firing: BTreeSet<u64>,
    /// Hashes of the alerts notified as resolved.
    pub resolved: BTreeSet<u64>,
    /// When (ms).
    pub timestamp: i64,
    /// When it may be forgotten (ms).
    pub expires_at: i64,
}

impl Entry {
    /// Whether every alert of `firing` was notified as firing.
    pub fn is_firing_subset(&self, firing: &BTreeSet<u64>) -> bool {
        firing.is_subset(&self.firing)
    }

    /// Whether every alert of `resolved` was notified as resolved.
    pub fn is_resolved_subset(&self, resolved: &BTreeSet<u64>) -> bool {
        resolved.is_subset(&self.resolved)
    }
}

/// `(group key, integration key) → entry`, as stored.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Stored {
    entries: Vec<(String, String, Entry)>,
}

/// The log.
#[derive(Debug)]
pub struct NotificationLog {
    path: Option<PathBuf>,
    entries: BTreeMap<(String, String), Entry>,
}

impl NotificationLog {
    /// The log saved at `path` (empty if it does not exist); `None` keeps
    /// it in memory only.
    pub fn open(path: Option<PathBuf>) -> Result<NotificationLog, String> {
        let entries = match &path {
            Some(p) if p.exists() => {
                let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
                let stored: Stored =
                    serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", p.display()))?;
                stored
                    .entries
                    .into_iter()
                    .map(|(g, i, e)| ((g, i), e))
                    .collect()
            }
            _ => BTreeMap::new(),
        };
        Ok(NotificationLog { path, entries })
    }

    fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let stored = Stored {
            entries: self
                .entries
                .iter()
                .map(|((g, i), e)| (g.clone(), i.clone(), e.clone()))
                .collect(),
        };
        let json = serde_json::to_vec(&stored).map_err(std::io::Error::other)?;
        crate::util::write_atomic(path, &json)
    }

    /// The last notification of `group_key` to `integration`.
    pub fn query(&self, group_key: &str, integration: &str) -> Option<&Entry> {
        self.entries
            .get(&(group_key.to_string(), integration.to_string()))
    }

    /// Records a notification sent at `now`.
    pub fn log(
        &mut self,
        group_key: &str,
        integration: &str,
        firing: BTreeSet<u64>,
        resolved: BTreeSet<u64>,
        now: i64,
    ) -> std::io::Result<()> {
        self.entries.insert(
            (group_key.to_string(), integration.to_string()),
            Entry {
                firing,
                resolved,
                timestamp: now,
                expires_at: now + RETENTION_MS,
            },
        );
        self.save()
    }

    /// Drops expired entries; returns how many.
    pub fn gc(&mut self, now: i64) -> std::io::Result<usize> {
        let before = self.entries.len();
        self.entries.retain(|_, e| e.expires_at > now);
        let dropped = before - self.entries.len();
        if dropped > 0 {
            self.save()?;
        }
        Ok(dropped)
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_a_restart_and_expire() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nflog.json");
        let mut log = NotificationLog::open(Some(path.clone())).unwrap();
        log.log(
            "{}:{alertname=\"A\"}",
            "team/webhook/0",
            BTreeSet::from([1, 2]),
            BTreeSet::from([3]),
            1_000,
        )
        .unwrap();
        let mut log = NotificationLog::open(Some(path)).unwrap();
        let e = log
            .query("{}:{alertname=\"A\"}", "team/webhook/0")
            .unwrap()
            .clone();
        assert_eq!(e.timestamp, 1_000);
        assert!(e.is_firing_subset(&BTreeSet::from([2])));
        assert!(!e.is_firing_subset(&BTreeSet::from([2, 4])));
        assert!(e.is_resolved_subset(&BTreeSet::from([3])));
        assert!(
            log.query("{}:{alertname=\"A\"}", "other/webhook/0")
                .is_none()
        );
        assert_eq!(log.gc(1_000 + RETENTION_MS).unwrap(), 1);
        assert!(log.is_empty());
    }
}
