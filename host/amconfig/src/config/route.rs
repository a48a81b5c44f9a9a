//! A `route` node as written in the configuration, with the checks
//! Alertmanager makes while decoding it. The routing tree built from it is
//! [`crate::route::Route`].

use crate::duration::Duration;
use crate::matcher::{Matchers, Regexp, combine_legacy, is_valid_label_name};
use crate::util::validated;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One `route` node.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct RouteConfig {
    /// `receiver` (inherited when empty).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub receiver: String,
    /// `group_by` as written (`...` means all labels).
    #[serde(rename = "group_by", skip_serializing_if = "Vec::is_empty")]
    pub group_by_str: Vec<String>,
    /// The `group_by` labels other than `...`; `None` when there are none,
    /// in which case the parent's grouping is inherited (unless
    /// `group_by_all`).
    #[serde(skip)]
    pub group_by: Option<Vec<String>>,
    /// `group_by: ['...']`.
    #[serde(skip)]
    pub group_by_all: bool,
    /// Legacy `match` (label name to value).
    #[serde(
        rename = "match",
        deserialize_with = "crate::yaml::unique_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub match_: BTreeMap<String, String>,
    /// Legacy `match_re` (label name to regex); `None` values are nulls,
    /// which Alertmanager rejects.
    #[serde(
        deserialize_with = "crate::yaml::unique_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub match_re: BTreeMap<String, Option<Regexp>>,
    /// `matchers`.
    #[serde(skip_serializing_if = "Matchers::is_empty")]
    pub matchers: Matchers,
    /// `mute_time_intervals`: names of time intervals.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mute_time_intervals: Vec<String>,
    /// `active_time_intervals`: names of time intervals.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub active_time_intervals: Vec<String>,
    /// `continue`.
    #[serde(rename = "continue")]
    pub continue_: bool,
    /// `routes`: child nodes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteConfig>,
    /// `group_wait` (inherited; 30s at the root).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_wait: Option<Duration>,
    /// `group_interval` (inherited; 5m at the root).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_interval: Option<Duration>,
    /// `repeat_interval` (inherited; 4h at the root).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_interval: Option<Duration>,
}

validated!(RouteConfig, RouteConfig::validate);

/// Checks a legacy `match_re` map as Alertmanager's `MatchRegexps` does.
pub(crate) fn check_match_re(m: &BTreeMap<String, Option<Regexp>>) -> Result<(), String> {
    for (k, v) in m {
        if !is_valid_label_name(k) {
            return Err(format!("invalid label name {k:?}"));
        }
        if v.is_none() {
            return Err(format!("invalid regexp value for {k:?}"));
        }
    }
    Ok(())
}

/// The compiled regexes of a checked `match_re` map.
pub(crate) fn regexps(m: &BTreeMap<String, Option<Regexp>>) -> BTreeMap<String, Regexp> {
    m.iter()
        .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
        .collect()
}

impl RouteConfig {
    fn validate(&mut self) -> Result<(), String> {
        check_match_re(&self.match_re)?;
        for k in self.match_.keys() {
            if !is_valid_label_name(k) {
                return Err(format!("invalid label name {k:?}"));
            }
        }
        let mut labels = Vec::new();
        for l in &self.group_by_str {
            if l == "..." {
                self.group_by_all = true;
            } else {
                if !is_valid_label_name(l) {
                    return Err(format!("invalid label name {l:?} in group_by list"));
                }
                labels.push(l.clone());
            }
        }
        if !labels.is_empty() && self.group_by_all {
            return Err(
                "cannot have wildcard group_by (`...`) and other other labels at the same time"
                    .into(),
            );
        }
        for (i, l) in labels.iter().enumerate() {
            if labels[..i].contains(l) {
                return Err(format!("duplicated label {l:?} in group_by"));
            }
        }
        self.group_by = (!labels.is_empty()).then_some(labels);
        if self.group_interval.is_some_and(|d| d.is_zero()) {
            return Err("group_interval cannot be zero".into());
        }
        if self.repeat_interval.is_some_and(|d| d.is_zero()) {
            return Err("repeat_interval cannot be zero".into());
        }
        Ok(())
    }

    /// Whether the node has any matcher (`match`, `match_re`, `matchers`).
    pub fn has_matchers(&self) -> bool {
        !self.match_.is_empty() || !self.match_re.is_empty() || !self.matchers.is_empty()
    }

    /// All of the node's matchers, legacy ones converted, sorted as
    /// Alertmanager sorts them.
    pub fn all_matchers(&self) -> Matchers {
        combine_legacy(&self.match_, &regexps(&self.match_re), &self.matchers)
    }
}
