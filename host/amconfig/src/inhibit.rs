//! Inhibition (Alertmanager 0.25's `inhibit/inhibit.go`) as pure
//! functions over label sets: an alert is inhibited by a rule when it
//! matches the rule's target matchers and some active alert matching the
//! source matchers has the same values for the `equal` labels (a missing
//! label counts as the empty value on both sides). When the target also
//! matches the source matchers, source alerts that match the target
//! matchers too are disregarded, so an alert never inhibits itself or its
//! peers.

use crate::config::InhibitRuleConfig;
use crate::matcher::{LabelSet, Matchers};
use std::collections::BTreeSet;

/// An inhibition rule in runtime form.
#[derive(Debug, Clone, PartialEq)]
pub struct InhibitRule {
    /// The alerts that inhibit.
    pub source_matchers: Matchers,
    /// The alerts that are inhibited.
    pub target_matchers: Matchers,
    /// Labels whose values must be equal in source and target.
    pub equal: BTreeSet<String>,
}

impl InhibitRule {
    /// Builds the rule from its configuration (legacy matchers converted).
    pub fn new(cfg: &InhibitRuleConfig) -> Self {
        InhibitRule {
            source_matchers: cfg.all_source_matchers(),
            target_matchers: cfg.all_target_matchers(),
            equal: cfg.equal.iter().cloned().collect(),
        }
    }

    /// The first alert of `active` (firing alerts; those not matching the
    /// source matchers are skipped) that inhibits `target` under this rule.
    pub fn inhibitor<'a, T, S, I>(&self, target: &T, active: I) -> Option<&'a S>
    where
        T: LabelSet + ?Sized,
        S: LabelSet + ?Sized + 'a,
        I: IntoIterator<Item = &'a S>,
    {
        if !self.target_matchers.matches(target) {
            return None;
        }
        let exclude_two_sided = self.source_matchers.matches(target);
        active.into_iter().find(|src| {
            self.source_matchers.matches(*src)
                && self
                    .equal
                    .iter()
                    .all(|n| src.label(n).unwrap_or("") == target.label(n).unwrap_or(""))
                && !(exclude_two_sided && self.target_matchers.matches(*src))
        })
    }
}

/// Whether `target` is inhibited by any of `rules` given the currently
/// firing alerts `active` (Alertmanager's `Inhibitor.Mutes`).
pub fn is_inhibited<'a, T, S>(rules: &[InhibitRule], target: &T, active: &'a [S]) -> bool
where
    T: LabelSet + ?Sized,
    S: LabelSet + 'a,
{
    rules
        .iter()
        .any(|r| r.inhibitor(target, active.iter()).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use std::collections::BTreeMap;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn rules(y: &str) -> Vec<InhibitRule> {
        let text = format!("route: {{receiver: a}}\nreceivers: [{{name: a}}]\ninhibit_rules:\n{y}");
        Config::load(&text).unwrap().inhibitor_rules()
    }

    #[test]
    fn critical_inhibits_warning_with_equal_labels() {
        let r = rules(
            "  - source_matchers: [severity=critical]\n    target_matchers: [severity=warning]\n    equal: [alertname, cluster]",
        );
        let crit = labels(&[
            ("alertname", "Disk"),
            ("severity", "critical"),
            ("cluster", "a"),
        ]);
        let warn = labels(&[
            ("alertname", "Disk"),
            ("severity", "warning"),
            ("cluster", "a"),
        ]);
        let warn_b = labels(&[
            ("alertname", "Disk"),
            ("severity", "warning"),
            ("cluster", "b"),
        ]);
        let active = vec![crit.clone()];
        assert!(is_inhibited(&r, &warn, &active));
        assert!(!is_inhibited(&r, &warn_b, &active));
        assert!(!is_inhibited(&r, &crit, &active));
        assert!(!is_inhibited(&r, &warn, &[] as &[BTreeMap<String, String>]));
        // Missing on both sides counts as equal.
        let c2 = labels(&[("alertname", "Disk"), ("severity", "critical")]);
        let w2 = labels(&[("alertname", "Disk"), ("severity", "warning")]);
        assert!(is_inhibited(&r, &w2, &[c2]));
    }

    #[test]
    fn legacy_matchers_and_no_self_inhibition() {
        let r = rules(
            "  - source_match: {alertname: Maintenance}\n    target_match_re: {alertname: '.*'}",
        );
        let m = labels(&[("alertname", "Maintenance")]);
        let other = labels(&[("alertname", "Disk")]);
        let active = vec![m.clone(), other.clone()];
        assert!(is_inhibited(&r, &other, &active));
        // The source also matches the target side: it does not inhibit itself.
        assert!(!is_inhibited(&r, &m, &active));
        let r = rules("  - source_matchers: [a=1]\n    target_matchers: [b=1]");
        let both = labels(&[("a", "1"), ("b", "1")]);
        let src = labels(&[("a", "1")]);
        assert!(!is_inhibited(&r, &both, std::slice::from_ref(&both)));
        assert!(is_inhibited(&r, &both, &[src]));
    }
}
