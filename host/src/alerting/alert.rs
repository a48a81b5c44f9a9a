//! Alerts as Alertmanager 0.25 holds them: labels, annotations, the
//! activity range `[starts_at, ends_at)`, when they were last updated and
//! whether `ends_at` is only the resolve timeout. The fingerprint is
//! Alertmanager's (`model.LabelSet.Fingerprint`: FNV-1a 64 over the sorted
//! pairs), so `/api/v2` answers and group keys read the same.

use std::collections::BTreeMap;

/// Label or annotation pairs, sorted by name.
pub type LabelSet = BTreeMap<String, String>;

/// One alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Identifying labels.
    pub labels: LabelSet,
    /// Informational annotations.
    pub annotations: LabelSet,
    /// When it started (ms since the epoch).
    pub starts_at: i64,
    /// When it ends or ended (ms).
    pub ends_at: i64,
    /// When it was last received (ms).
    pub updated_at: i64,
    /// `ends_at` was set by the resolve timeout, not by the sender.
    pub timeout: bool,
    /// Link to what generated it.
    pub generator_url: String,
}

/// Firing or resolved, as notifications say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Still active at the time asked.
    Firing,
    /// Ended at or before the time asked.
    Resolved,
}

impl Status {
    /// `"firing"` or `"resolved"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Firing => "firing",
            Status::Resolved => "resolved",
        }
    }
}

const FNV_OFFSET: u64 = 14695981039346656037;
const FNV_PRIME: u64 = 1099511628211;
const SEPARATOR: u8 = 0xff;

fn fnv_add(mut hash: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// Alertmanager's fingerprint of a label set (Prometheus `model`'s
/// `labelSetToFingerprint`): FNV-1a over name, 0xff, value, 0xff, in name
/// order (the bare offset basis for the empty set).
pub fn fingerprint(labels: &LabelSet) -> u64 {
    let mut hash = FNV_OFFSET;
    for (name, value) in labels {
        hash = fnv_add(hash, name.as_bytes());
        hash = fnv_add(hash, &[SEPARATOR]);
        hash = fnv_add(hash, value.as_bytes());
        hash = fnv_add(hash, &[SEPARATOR]);
    }
    hash
}

/// A fingerprint as Alertmanager prints it (16 hex digits).
pub fn fingerprint_hex(fp: u64) -> String {
    format!("{fp:016x}")
}

impl Alert {
    /// Its fingerprint.
    pub fn fingerprint(&self) -> u64 {
        fingerprint(&self.labels)
    }

    /// Whether it has ended by `now`.
    pub fn resolved_at(&self, now: i64) -> bool {
        self.ends_at <= now
    }

    /// Firing or resolved at `now`.
    pub fn status(&self, now: i64) -> Status {
        if self.resolved_at(now) {
            Status::Resolved
        } else {
            Status::Firing
        }
    }

    /// The name, or `""`.
    pub fn name(&self) -> &str {
        self.labels.get("alertname").map_or("", String::as_str)
    }

    /// `self` merged with `newer`, the same alert received again
    /// (Alertmanager's `Alert.Merge`): the younger one's data, the earliest
    /// start, and the end that is the most explicit.
    pub fn merge(&self, newer: &Alert, now: i64) -> Alert {
        if newer.updated_at < self.updated_at {
            return newer.merge(self, now);
        }
        let (old, new) = (self, newer);
        let mut out = new.clone();
        out.starts_at = old.starts_at.min(new.starts_at);
        if new.resolved_at(now) {
            // The latest explicit end wins if both are resolved.
            if old.resolved_at(now) && old.ends_at > new.ends_at {
                out.ends_at = old.ends_at;
            }
        } else if old.ends_at > new.ends_at && !old.timeout {
            // A later explicit end of the older copy still rules.
            out.ends_at = old.ends_at;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> LabelSet {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn fingerprints_are_alertmanagers() {
        // As Alertmanager 0.25 printed them for these label sets.
        assert_eq!(
            fingerprint_hex(fingerprint(&labels(&[
                ("alertname", "X"),
                ("severity", "page")
            ]))),
            "1efb09bd1b43c88a"
        );
        assert_eq!(
            fingerprint_hex(fingerprint(&labels(&[("a", "é\"x")]))),
            "a9b3f449f1ebf0d8"
        );
        assert_eq!(
            fingerprint_hex(fingerprint(&labels(&[("alertname", "Y")]))),
            "d2aaefc389c68e6f"
        );
        assert_eq!(fingerprint(&labels(&[])), 0xcbf29ce484222325);
    }

    #[test]
    fn merging_keeps_the_earliest_start_and_the_explicit_end() {
        let a = |starts, ends, updated, timeout| Alert {
            labels: labels(&[("alertname", "A")]),
            annotations: LabelSet::new(),
            starts_at: starts,
            ends_at: ends,
            updated_at: updated,
            timeout,
            generator_url: String::new(),
        };
        // Re-sent while firing: the new timeout, the old start.
        let m = a(100, 400, 10, true).merge(&a(200, 500, 20, true), 50);
        assert_eq!((m.starts_at, m.ends_at, m.updated_at), (100, 500, 20));
        // An older explicit end beyond the new timeout stays.
        let m = a(100, 900, 10, false).merge(&a(200, 500, 20, true), 50);
        assert_eq!(m.ends_at, 900);
        // Argument order does not matter: the younger one is `newer`.
        let m = a(200, 500, 20, true).merge(&a(100, 900, 10, false), 50);
        assert_eq!(m.ends_at, 900);
        // Both resolved: the later end wins.
        let m = a(100, 40, 10, false).merge(&a(100, 30, 20, false), 50);
        assert_eq!(m.ends_at, 40);
    }
}
