//! Prometheus 2.42's rule-file format (`rulefmt`): the types, the strict
//! YAML decoding ([`decode`]) and the validation ([`validate`]) that
//! `promtool check rules` and Prometheus' rule loading apply, with the same
//! error messages.
//!
//! ```
//! use watchpost_rulefmt::rulefmt::{self, PromqlChecks};
//!
//! let text = "groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n";
//! let groups = rulefmt::parse(text, &PromqlChecks).unwrap();
//! assert_eq!(groups.rule_count(), 1);
//! assert_eq!(groups.groups[0].rules[0].record, "job:up:sum");
//! ```

mod decode;
mod lint;
mod validate;

use crate::yaml::Pos;
use std::collections::BTreeMap;

pub use lint::{Duplicate, duplicates, duplicates_message};
pub use validate::{Checks, PromqlChecks};

/// The groups of one rule file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleGroups {
    /// In file order.
    pub groups: Vec<RuleGroup>,
}

impl RuleGroups {
    /// How many rules the file holds (what `promtool` counts).
    pub fn rule_count(&self) -> usize {
        self.groups.iter().map(|g| g.rules.len()).sum()
    }
}

/// One group: rules evaluated in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleGroup {
    /// `name`: required, unique in its file.
    pub name: String,
    /// `interval` in milliseconds; 0 when not set.
    pub interval_ms: i64,
    /// `limit`: the most series (recording) or alerts (alerting) one rule
    /// may produce; 0 or less is no limit.
    pub limit: i64,
    /// The rules.
    pub rules: Vec<Rule>,
    /// Where the group's mapping starts.
    pub pos: Pos,
}

/// A recording rule (`record`) or an alerting rule (`alert`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rule {
    /// `record`: the metric name to record into.
    pub record: String,
    /// `alert`: the alert's name.
    pub alert: String,
    /// `expr`: the PromQL expression.
    pub expr: String,
    /// `for` in milliseconds.
    pub for_ms: i64,
    /// `keep_firing_for` in milliseconds.
    pub keep_firing_for_ms: i64,
    /// `labels`, sorted by name; values of alerting rules may be templates.
    pub labels: BTreeMap<String, String>,
    /// `annotations`, sorted by name; templates.
    pub annotations: BTreeMap<String, String>,
    /// Where `record`, `alert` and `expr` were written (`0:0` if absent).
    pub pos: RulePos,
}

/// Positions of a rule's fields, for error messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RulePos {
    /// The `record` value.
    pub record: Pos,
    /// The `alert` value.
    pub alert: Pos,
    /// The `expr` value.
    pub expr: Pos,
}

impl Rule {
    /// True for an alerting rule.
    pub fn is_alert(&self) -> bool {
        !self.alert.is_empty()
    }

    /// The alert name, or else the recorded metric's name.
    pub fn name(&self) -> &str {
        if self.alert.is_empty() {
            &self.record
        } else {
            &self.alert
        }
    }
}

/// Decodes and validates one rule file's text. On failure, every error in
/// Prometheus' words, without the file name (`4:17: group "g", rule 1, ...`).
pub fn parse(text: &str, checks: &dyn Checks) -> Result<RuleGroups, Vec<String>> {
    let groups = decode::decode(text)?;
    let errors = validate::validate(&groups, checks);
    if errors.is_empty() {
        Ok(groups)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests;
