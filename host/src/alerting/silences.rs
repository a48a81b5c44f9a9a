//! Silences as Alertmanager 0.25 keeps them: matchers and an activity
//! range, pending → active → expired by time. Setting an existing silence
//! updates it in place when only what may change changed (Alertmanager's
//! `canUpdate`), else expires it and creates a new one. The store is a JSON
//! file rewritten atomically on every change, so a restart forgets nothing;
//! expired silences are kept for the retention period, then dropped.

use super::alert::LabelSet;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// How long expired silences are kept (Alertmanager's `--data.retention`).
pub const RETENTION_MS: i64 = 120 * 3_600_000;

/// One matcher of a silence (`/api/v2`'s shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SilenceMatcher {
    /// Label name.
    pub name: String,
    /// Value or regular expression.
    pub value: String,
    /// `value` is a regular expression (anchored).
    pub is_regex: bool,
    /// Matches when equal (`=`, `=~`); false for `!=`, `!~`.
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl SilenceMatcher {
    fn regex(&self) -> Result<regex::Regex, String> {
        watchpost_goregex::compile_anchored(&self.value)
    }

    /// Whether `value` (empty when the label is missing) matches.
    fn matches(&self, value: &str, regex: Option<&regex::Regex>) -> bool {
        let hit = match regex {
            Some(re) => re.is_match(value),
            None => self.value == value,
        };
        hit == self.is_equal
    }

    /// Alertmanager's `validateMatcher`.
    fn validate(&self) -> Result<(), String> {
        if !crate::storage::metrics::labels::valid_label_name(&self.name) {
            return Err(format!("invalid label name {:?}", self.name));
        }
        if self.is_regex {
            self.regex()
                .map_err(|e| format!("invalid regular expression {:?}: {e}", self.value))?;
        }
        Ok(())
    }
}

/// A silence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Silence {
    /// Its id (a UUID), empty when creating.
    #[serde(default)]
    pub id: String,
    /// All must match for the silence to apply.
    pub matchers: Vec<SilenceMatcher>,
    /// Start (ms).
    pub starts_at: i64,
    /// End (ms).
    pub ends_at: i64,
    /// Last change (ms).
    #[serde(default)]
    pub updated_at: i64,
    /// Who made it.
    #[serde(default)]
    pub created_by: String,
    /// Why.
    #[serde(default)]
    pub comment: String,
}

/// Where a silence is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilenceState {
    /// Not started yet.
    Pending,
    /// Muting matching alerts.
    Active,
    /// Over.
    Expired,
}

impl SilenceState {
    /// As `/api/v2` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            SilenceState::Pending => "pending",
            SilenceState::Active => "active",
            SilenceState::Expired => "expired",
        }
    }
}

impl Silence {
    /// Its state at `now`.
    pub fn state(&self, now: i64) -> SilenceState {
        if now < self.starts_at {
            SilenceState::Pending
        } else if now < self.ends_at {
            SilenceState::Active
        } else {
            SilenceState::Expired
        }
    }

    /// Its matchers' regular expressions, compiled (`None` for equality
    /// matchers and for a pattern that does not compile).
    fn compile(&self) -> Vec<Option<regex::Regex>> {
        self.matchers
            .iter()
            .map(|m| if m.is_regex { m.regex().ok() } else { None })
            .collect()
    }

    /// Whether every matcher matches `labels`, `regexes` being
    /// [`Silence::compile`]'s.
    fn matches(&self, labels: &LabelSet, regexes: &[Option<regex::Regex>]) -> bool {
        self.matchers.iter().zip(regexes).all(|(m, regex)| {
            let value = labels.get(&m.name).map_or("", String::as_str);
            if m.is_regex && regex.is_none() {
                return false;
            }
            m.matches(value, regex.as_ref())
        })
    }

    /// Alertmanager's `validateSilence`.
    fn validate(&self) -> Result<(), String> {
        if self.matchers.is_empty() {
            return Err("at least one matcher required".into());
        }
        let mut all_match_empty = true;
        for (i, m) in self.matchers.iter().enumerate() {
            m.validate()
                .map_err(|e| format!("invalid label matcher {i}: {e}"))?;
            let regex = if m.is_regex { m.regex().ok() } else { None };
            all_match_empty &= m.matches("", regex.as_ref());
        }
        if all_match_empty {
            return Err("at least one matcher must not match the empty string".into());
        }
        if self.ends_at < self.starts_at {
            return Err("end time must not be before start time".into());
        }
        Ok(())
    }
}

/// Why a silence could not be set or expired.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SilenceError {
    /// No silence has that id.
    #[error("silence not found")]
    NotFound,
    /// It is already over.
    #[error("silence {0} already expired")]
    AlreadyExpired(String),
    /// It breaks a rule.
    #[error("silence invalid: {0}")]
    Invalid(String),
    /// It could not be saved.
    #[error("cannot save silences: {0}")]
    Io(String),
}

/// Every silence, kept in a file.
#[derive(Debug)]
pub struct Silences {
    path: Option<PathBuf>,
    by_id: BTreeMap<String, Silence>,
    /// Each silence's compiled regexes, so matching compiles nothing.
    regexes: HashMap<String, Vec<Option<regex::Regex>>>,
}

impl Silences {
    /// The silences saved at `path` (none if it does not exist yet);
    /// `None` keeps them in memory only.
    pub fn open(path: Option<PathBuf>) -> Result<Silences, String> {
        let by_id = match &path {
            Some(p) if p.exists() => {
                let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
                let list: Vec<Silence> =
                    serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", p.display()))?;
                list.into_iter().map(|s| (s.id.clone(), s)).collect()
            }
            _ => BTreeMap::new(),
        };
        let regexes = by_id
            .iter()
            .map(|(id, s): (&String, &Silence)| (id.clone(), s.compile()))
            .collect();
        Ok(Silences {
            path,
            by_id,
            regexes,
        })
    }

    /// Stores `silence` (and its compiled regexes) under its id.
    fn insert(&mut self, silence: Silence) {
        self.regexes.insert(silence.id.clone(), silence.compile());
        self.by_id.insert(silence.id.clone(), silence);
    }

    fn save(&self) -> Result<(), SilenceError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let list: Vec<&Silence> = self.by_id.values().collect();
        let json = serde_json::to_vec(&list).map_err(|e| SilenceError::Io(e.to_string()))?;
        crate::util::write_atomic(path, &json).map_err(|e| SilenceError::Io(e.to_string()))
    }

    /// The silence `id`.
    pub fn get(&self, id: &str) -> Option<&Silence> {
        self.by_id.get(id)
    }

    /// Every silence.
    pub fn iter(&self) -> impl Iterator<Item = &Silence> {
        self.by_id.values()
    }

    /// Creates `silence` (empty id) or changes the one with its id; returns
    /// the id it ends up with (a new one when it had to be replaced).
    pub fn set(&mut self, mut silence: Silence, now: i64) -> Result<String, SilenceError> {
        let previous = match silence.id.as_str() {
            "" => None,
            id => Some(self.by_id.get(id).cloned().ok_or(SilenceError::NotFound)?),
        };
        if let Some(prev) = &previous
            && can_update(prev, &silence, now)
        {
            silence.updated_at = now;
            silence.validate().map_err(SilenceError::Invalid)?;
            let id = silence.id.clone();
            self.insert(silence);
            self.save()?;
            return Ok(id);
        }
        silence.id = uuid::Uuid::new_v4().to_string();
        silence.starts_at = silence.starts_at.max(now);
        silence.updated_at = now;
        silence.validate().map_err(SilenceError::Invalid)?;
        if let Some(prev) = previous
            && prev.state(now) != SilenceState::Expired
        {
            self.expire_in_memory(&prev.id, now)?;
        }
        let id = silence.id.clone();
        self.insert(silence);
        self.save()?;
        Ok(id)
    }

    fn expire_in_memory(&mut self, id: &str, now: i64) -> Result<(), SilenceError> {
        let s = self.by_id.get_mut(id).ok_or(SilenceError::NotFound)?;
        match s.state(now) {
            SilenceState::Expired => return Err(SilenceError::AlreadyExpired(id.to_string())),
            SilenceState::Active => s.ends_at = now,
            SilenceState::Pending => {
                s.starts_at = now;
                s.ends_at = now;
            }
        }
        s.updated_at = now;
        Ok(())
    }

    /// Ends the silence `id` now.
    pub fn expire(&mut self, id: &str, now: i64) -> Result<(), SilenceError> {
        self.expire_in_memory(id, now)?;
        self.save()
    }

    /// The ids of the active silences muting `labels`.
    pub fn muting(&self, labels: &LabelSet, now: i64) -> Vec<String> {
        self.by_id
            .values()
            .filter(|s| {
                s.state(now) == SilenceState::Active
                    && self
                        .regexes
                        .get(&s.id)
                        .is_some_and(|r| s.matches(labels, r))
            })
            .map(|s| s.id.clone())
            .collect()
    }

    /// Drops silences expired longer than the retention ago.
    pub fn gc(&mut self, now: i64) -> Result<usize, SilenceError> {
        let before = self.by_id.len();
        self.by_id.retain(|_, s| s.ends_at + RETENTION_MS > now);
        let by_id = &self.by_id;
        self.regexes.retain(|id, _| by_id.contains_key(id));
        let dropped = before - self.by_id.len();
        if dropped > 0 {
            self.save()?;
        }
        Ok(dropped)
    }
}

/// Alertmanager's `canUpdate`: same matchers, and only the changes its
/// state allows (an active silence keeps its start and may not end in the
/// past; a pending one may not start in the past).
fn can_update(old: &Silence, new: &Silence, now: i64) -> bool {
    if old.matchers != new.matchers {
        return false;
    }
    match old.state(now) {
        SilenceState::Active => new.starts_at == old.starts_at && new.ends_at >= now,
        SilenceState::Pending => new.starts_at >= now,
        SilenceState::Expired => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(name: &str, value: &str, is_regex: bool, is_equal: bool) -> SilenceMatcher {
        SilenceMatcher {
            name: name.into(),
            value: value.into(),
            is_regex,
            is_equal,
        }
    }

    fn silence(matchers: Vec<SilenceMatcher>, starts: i64, ends: i64) -> Silence {
        Silence {
            id: String::new(),
            matchers,
            starts_at: starts,
            ends_at: ends,
            updated_at: 0,
            created_by: "me".into(),
            comment: "c".into(),
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> LabelSet {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn silences_mute_while_active_and_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("silences.json");
        let mut s = Silences::open(Some(path.clone())).unwrap();
        let m = vec![
            matcher("alertname", "Disk.*", true, true),
            matcher("env", "dev", false, false),
        ];
        let id = s.set(silence(m, 1_000, 5_000), 2_000).unwrap();
        let disk = labels(&[("alertname", "DiskFull"), ("env", "prod")]);
        assert_eq!(s.muting(&disk, 3_000), std::slice::from_ref(&id));
        assert!(
            s.muting(&labels(&[("alertname", "DiskFull"), ("env", "dev")]), 3_000)
                .is_empty()
        );
        assert!(
            s.muting(&labels(&[("alertname", "XDiskFull")]), 3_000)
                .is_empty(),
            "regexes are anchored"
        );
        assert!(s.muting(&disk, 5_000).is_empty(), "expired at its end");
        // Start in the past is moved to now.
        assert_eq!(s.get(&id).unwrap().starts_at, 2_000);

        let mut s = Silences::open(Some(path)).unwrap();
        assert_eq!(s.muting(&disk, 3_000), std::slice::from_ref(&id));
        s.expire(&id, 3_000).unwrap();
        assert!(s.muting(&disk, 3_500).is_empty());
        assert_eq!(
            s.expire(&id, 3_500),
            Err(SilenceError::AlreadyExpired(id.clone()))
        );
        assert_eq!(s.gc(3_000 + RETENTION_MS).unwrap(), 1);
    }

    #[test]
    fn updates_in_place_or_replace_as_alertmanager_does() {
        let mut s = Silences::open(None).unwrap();
        let m = vec![matcher("a", "1", false, true)];
        let id = s.set(silence(m.clone(), 1_000, 5_000), 1_000).unwrap();
        // Same matchers, later end: updated in place.
        let mut longer = s.get(&id).unwrap().clone();
        longer.ends_at = 9_000;
        assert_eq!(s.set(longer, 2_000).unwrap(), id);
        assert_eq!(s.get(&id).unwrap().ends_at, 9_000);
        // Other matchers: the old one expires, a new one is made.
        let mut other = s.get(&id).unwrap().clone();
        other.matchers = vec![matcher("a", "2", false, true)];
        let new_id = s.set(other, 3_000).unwrap();
        assert_ne!(new_id, id);
        assert_eq!(s.get(&id).unwrap().state(3_000), SilenceState::Expired);
        assert_eq!(s.get(&new_id).unwrap().state(3_000), SilenceState::Active);
        // Unknown ids and invalid silences are refused.
        let mut unknown = silence(m, 1_000, 5_000);
        unknown.id = "nope".into();
        assert_eq!(s.set(unknown, 3_000), Err(SilenceError::NotFound));
        let empty = silence(vec![matcher("a", ".*", true, true)], 1_000, 5_000);
        assert_eq!(
            s.set(empty, 3_000).unwrap_err().to_string(),
            "silence invalid: at least one matcher must not match the empty string"
        );
    }
}
