//! Prometheus relabeling (`relabel_configs` / `metric_relabel_configs`):
//! `replace`, `keep`, `drop`, `labelmap`, `labeldrop`, `labelkeep`,
//! `lowercase`, `uppercase`, `hashmod`, with Prometheus 2.42's defaults
//! (separator `;`, regex `(.*)` fully anchored, replacement `$1`) and its
//! edge cases (a `replace` whose target expands to an invalid name or whose
//! value expands to nothing deletes `target_label`).

use regex::Regex;
use serde::Deserialize;

/// One rule as written in the manifest:
///
/// ```toml
/// [[plugin.metric_relabel]]
/// source_labels = ["__name__"]
/// regex = "go_.*"
/// action = "drop"
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// Labels whose values are joined with `separator` and matched.
    #[serde(default)]
    pub source_labels: Vec<String>,
    /// Default `;`.
    pub separator: Option<String>,
    /// Default `(.*)`; anchored at both ends.
    pub regex: Option<String>,
    /// Label written by `replace`, `lowercase`, `uppercase`.
    pub target_label: Option<String>,
    /// Default `$1`.
    pub replacement: Option<String>,
    /// Default `replace`.
    pub action: Option<String>,
    /// `hashmod`: the target gets the MD5 of the joined source values
    /// modulo this.
    pub modulus: Option<u64>,
}

/// The action of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Write `target_label`.
    Replace,
    /// Keep only matching label sets.
    Keep,
    /// Drop matching label sets.
    Drop,
    /// Copy labels whose names match to new names.
    LabelMap,
    /// Remove labels whose names match.
    LabelDrop,
    /// Remove labels whose names do not match.
    LabelKeep,
    /// `target_label` = lowercased source value.
    Lowercase,
    /// `target_label` = uppercased source value.
    Uppercase,
    /// `target_label` = hash of the source value modulo `modulus`.
    HashMod,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    action: Action,
    source_labels: Vec<String>,
    separator: String,
    regex: Regex,
    target_label: String,
    replacement: String,
    modulus: u64,
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.action == other.action
            && self.source_labels == other.source_labels
            && self.separator == other.separator
            && self.regex.as_str() == other.regex.as_str()
            && self.target_label == other.target_label
            && self.replacement == other.replacement
            && self.modulus == other.modulus
    }
}

impl Rule {
    /// Compiles and checks a rule.
    pub fn compile(raw: &RawRule) -> Result<Rule, String> {
        let action = match raw.action.as_deref().unwrap_or("replace") {
            "replace" => Action::Replace,
            "keep" => Action::Keep,
            "drop" => Action::Drop,
            "labelmap" => Action::LabelMap,
            "labeldrop" => Action::LabelDrop,
            "labelkeep" => Action::LabelKeep,
            "lowercase" => Action::Lowercase,
            "uppercase" => Action::Uppercase,
            "hashmod" => Action::HashMod,
            other => return Err(format!("unknown relabel action {other:?}")),
        };
        let pattern = raw.regex.clone().unwrap_or_else(|| "(.*)".into());
        let regex = watchpost_goregex::compile_anchored(&pattern)
            .map_err(|e| format!("invalid relabel regex {pattern:?}: {e}"))?;
        let target_label = raw.target_label.clone().unwrap_or_default();
        if matches!(
            action,
            Action::Replace | Action::Lowercase | Action::Uppercase | Action::HashMod
        ) && target_label.is_empty()
        {
            return Err(format!(
                "relabel action {:?} needs target_label",
                raw.action.as_deref().unwrap_or("replace")
            ));
        }
        if matches!(action, Action::Keep | Action::Drop) && raw.source_labels.is_empty() {
            return Err("relabel actions keep and drop need source_labels".into());
        }
        let modulus = raw.modulus.unwrap_or(0);
        if action == Action::HashMod && modulus == 0 {
            return Err("relabel action \"hashmod\" needs a non-zero modulus".into());
        }
        Ok(Rule {
            action,
            source_labels: raw.source_labels.clone(),
            separator: raw.separator.clone().unwrap_or_else(|| ";".into()),
            regex,
            target_label,
            replacement: raw.replacement.clone().unwrap_or_else(|| "$1".into()),
            modulus,
        })
    }
}

fn get<'a>(labels: &'a [(String, String)], name: &str) -> &'a str {
    labels
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

fn set(labels: &mut Vec<(String, String)>, name: &str, value: String) {
    labels.retain(|(n, _)| n != name);
    if !value.is_empty() {
        labels.push((name.to_string(), value));
    }
}

/// Prometheus' `hashmod` hash: the last 8 bytes of the MD5 digest of
/// `value`, big-endian.
fn hash64(value: &str) -> u64 {
    use md5::{Digest, Md5};
    let digest = Md5::digest(value.as_bytes());
    let mut tail = [0u8; 8];
    tail.copy_from_slice(&digest[8..16]);
    u64::from_be_bytes(tail)
}

/// Applies `rules` in order; `None` when a rule drops the label set.
pub fn apply(rules: &[Rule], mut labels: Vec<(String, String)>) -> Option<Vec<(String, String)>> {
    for rule in rules {
        let value = rule
            .source_labels
            .iter()
            .map(|n| get(&labels, n))
            .collect::<Vec<_>>()
            .join(&rule.separator);
        match rule.action {
            Action::Keep if !rule.regex.is_match(&value) => return None,
            Action::Drop if rule.regex.is_match(&value) => return None,
            Action::Keep | Action::Drop => {}
            Action::Replace => {
                if let Some(caps) = rule.regex.captures(&value) {
                    let mut target = String::new();
                    caps.expand(&rule.target_label, &mut target);
                    let mut replaced = String::new();
                    caps.expand(&rule.replacement, &mut replaced);
                    // As Prometheus: an invalid name or an empty value deletes
                    // the label named by `target_label` as written.
                    if (crate::storage::metrics::labels::valid_label_name(&target)
                        || target == "__name__")
                        && !replaced.is_empty()
                    {
                        set(&mut labels, &target, replaced);
                    } else {
                        set(&mut labels, &rule.target_label, String::new());
                    }
                }
            }
            Action::HashMod => {
                let mod_value = hash64(&value) % rule.modulus;
                set(&mut labels, &rule.target_label, mod_value.to_string());
            }
            Action::Lowercase => set(&mut labels, &rule.target_label, value.to_lowercase()),
            Action::Uppercase => set(&mut labels, &rule.target_label, value.to_uppercase()),
            Action::LabelMap => {
                let mut added = Vec::new();
                for (n, v) in &labels {
                    if let Some(caps) = rule.regex.captures(n) {
                        let mut name = String::new();
                        caps.expand(&rule.replacement, &mut name);
                        added.push((name, v.clone()));
                    }
                }
                for (n, v) in added {
                    set(&mut labels, &n, v);
                }
            }
            Action::LabelDrop => labels.retain(|(n, _)| !rule.regex.is_match(n)),
            Action::LabelKeep => labels.retain(|(n, _)| rule.regex.is_match(n)),
        }
    }
    Some(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(toml_text: &str) -> Rule {
        Rule::compile(&toml::from_str::<RawRule>(toml_text).unwrap()).unwrap()
    }

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn sorted(mut l: Vec<(String, String)>) -> Vec<(String, String)> {
        l.sort();
        l
    }

    #[test]
    fn replace_with_captures_and_defaults() {
        let r = rule(
            r#"source_labels = ["__address__"]
regex = "(.*):(\\d+)"
target_label = "host"
replacement = "${1}-p$2""#,
        );
        let out = apply(&[r], labels(&[("__address__", "db1:5432")])).unwrap();
        assert_eq!(get(&out, "host"), "db1-p5432");
        // Defaults: regex (.*), replacement $1: copy a label.
        let copy = rule(
            r#"source_labels = ["job"]
target_label = "service""#,
        );
        assert_eq!(
            get(
                &apply(&[copy], labels(&[("job", "api")])).unwrap(),
                "service"
            ),
            "api"
        );
        // An empty result removes the target label.
        let clear = rule(
            r#"source_labels = ["missing"]
target_label = "job""#,
        );
        assert_eq!(
            get(&apply(&[clear], labels(&[("job", "api")])).unwrap(), "job"),
            ""
        );
    }

    #[test]
    fn keep_drop_and_label_set_actions() {
        let drop_go = rule(
            r#"source_labels = ["__name__"]
regex = "go_.*"
action = "drop""#,
        );
        assert!(
            apply(
                std::slice::from_ref(&drop_go),
                labels(&[("__name__", "go_goroutines")])
            )
            .is_none()
        );
        assert!(apply(&[drop_go], labels(&[("__name__", "up")])).is_some());
        let keep = rule(
            r#"source_labels = ["job", "env"]
regex = "api;prod"
action = "keep""#,
        );
        assert!(
            apply(
                std::slice::from_ref(&keep),
                labels(&[("job", "api"), ("env", "prod")])
            )
            .is_some()
        );
        assert!(apply(&[keep], labels(&[("job", "api")])).is_none());
        let map = rule(
            r#"regex = "__meta_(.+)"
action = "labelmap""#,
        );
        let out = apply(&[map], labels(&[("__meta_zone", "eu")])).unwrap();
        assert_eq!(get(&out, "zone"), "eu");
        let drop = rule(
            r#"regex = "pod|uid"
action = "labeldrop""#,
        );
        assert_eq!(
            sorted(apply(&[drop], labels(&[("pod", "x"), ("uid", "1"), ("job", "j")])).unwrap()),
            labels(&[("job", "j")])
        );
        let keep = rule(
            r#"regex = "__name__|job"
action = "labelkeep""#,
        );
        assert_eq!(
            sorted(
                apply(
                    &[keep],
                    labels(&[("__name__", "up"), ("uid", "1"), ("job", "j")])
                )
                .unwrap()
            ),
            labels(&[("__name__", "up"), ("job", "j")])
        );
        let lower = rule(
            r#"source_labels = ["method"]
target_label = "method"
action = "lowercase""#,
        );
        assert_eq!(
            get(
                &apply(&[lower], labels(&[("method", "GET")])).unwrap(),
                "method"
            ),
            "get"
        );
    }

    #[test]
    fn hashmod_shards_as_prometheus_does() {
        // The case of Prometheus 2.42's relabel_test.go: "baz" mod 1000.
        let r = rule(
            r#"source_labels = ["c"]
action = "hashmod"
target_label = "d"
modulus = 1000"#,
        );
        assert_eq!(
            sorted(apply(&[r], labels(&[("a", "foo"), ("c", "baz")])).unwrap()),
            sorted(labels(&[("a", "foo"), ("c", "baz"), ("d", "976")]))
        );
    }

    #[test]
    fn replace_deletes_the_target_on_an_invalid_name_or_an_empty_value() {
        let invalid = rule(
            r#"source_labels = ["a"]
regex = "(.*)"
target_label = "${1}"
replacement = "x""#,
        );
        let out = apply(&[invalid], labels(&[("a", "0bad"), ("${1}", "kept?")])).unwrap();
        assert_eq!(out, labels(&[("a", "0bad")]));
        let empty = rule(
            r#"source_labels = ["a"]
regex = "foo(.*)"
target_label = "b""#,
        );
        let out = apply(&[empty], labels(&[("a", "foo"), ("b", "old")])).unwrap();
        assert_eq!(out, labels(&[("a", "foo")]));
    }

    #[test]
    fn bad_rules_are_refused() {
        for bad in [
            r#"action = "hashmod""#,
            "action = \"hashmod\"\ntarget_label = \"shard\"",
            "action = \"hashmod\"\nmodulus = 4",
            r#"action = "explode""#,
            r#"regex = "(""#,
            r#"action = "replace""#,
            r#"action = "keep""#,
        ] {
            assert!(
                Rule::compile(&toml::from_str::<RawRule>(bad).unwrap()).is_err(),
                "{bad}"
            );
        }
    }
}
