//! An `inhibit_rules` entry as written in the configuration. The runtime
//! form is [`crate::inhibit::InhibitRule`].

use super::route::{check_match_re, regexps};
use crate::matcher::{Matchers, Regexp, combine_legacy, is_valid_label_name};
use crate::util::validated;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One inhibition rule.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct InhibitRuleConfig {
    /// Legacy `source_match`.
    #[serde(
        deserialize_with = "crate::yaml::unique_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub source_match: BTreeMap<String, String>,
    /// Legacy `source_match_re`.
    #[serde(
        deserialize_with = "crate::yaml::unique_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub source_match_re: BTreeMap<String, Option<Regexp>>,
    /// `source_matchers`.
    #[serde(skip_serializing_if = "Matchers::is_empty")]
    pub source_matchers: Matchers,
    /// Legacy `target_match`.
    #[serde(
        deserialize_with = "crate::yaml::unique_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub target_match: BTreeMap<String, String>,
    /// Legacy `target_match_re`.
    #[serde(
        deserialize_with = "crate::yaml::unique_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub target_match_re: BTreeMap<String, Option<Regexp>>,
    /// `target_matchers`.
    #[serde(skip_serializing_if = "Matchers::is_empty")]
    pub target_matchers: Matchers,
    /// `equal`: labels whose values must be equal in source and target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub equal: Vec<String>,
}

validated!(InhibitRuleConfig, |r: &mut InhibitRuleConfig| {
    check_match_re(&r.source_match_re)?;
    check_match_re(&r.target_match_re)?;
    for l in &r.equal {
        if !is_valid_label_name(l) {
            return Err(format!("{l:?} is not a valid label name"));
        }
    }
    for k in r.source_match.keys().chain(r.target_match.keys()) {
        if !is_valid_label_name(k) {
            return Err(format!("invalid label name {k:?}"));
        }
    }
    Ok(())
});

impl InhibitRuleConfig {
    /// The source side's matchers, legacy ones converted.
    pub fn all_source_matchers(&self) -> Matchers {
        combine_legacy(
            &self.source_match,
            &regexps(&self.source_match_re),
            &self.source_matchers,
        )
    }

    /// The target side's matchers, legacy ones converted.
    pub fn all_target_matchers(&self) -> Matchers {
        combine_legacy(
            &self.target_match,
            &regexps(&self.target_match_re),
            &self.target_matchers,
        )
    }
}
