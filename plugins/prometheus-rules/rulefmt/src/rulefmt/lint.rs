//! `promtool check rules`' duplicate-rules lint: rules of one file with the
//! same name (`record` or `alert`) and the same labels, across all its
//! groups, reported once each, sorted by name then labels.

use super::RuleGroups;

/// A name and label set that more than one rule of a file shares.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duplicate {
    /// The rule's `record` or `alert` name.
    pub metric: String,
    /// Its labels, sorted by name.
    pub labels: Vec<(String, String)>,
}

/// The duplicated rules of a file.
pub fn duplicates(groups: &RuleGroups) -> Vec<Duplicate> {
    let mut rules: Vec<Duplicate> = groups
        .groups
        .iter()
        .flat_map(|g| &g.rules)
        .map(|r| Duplicate {
            metric: r.name().to_string(),
            labels: r
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
        .collect();
    rules.sort();
    let mut out: Vec<Duplicate> = Vec::new();
    for pair in rules.windows(2) {
        if pair[0] == pair[1] && out.last() != Some(&pair[1]) {
            out.push(pair[1].clone());
        }
    }
    out
}

/// The lint message `promtool` prints (after `lint error `).
pub fn duplicates_message(dups: &[Duplicate]) -> String {
    let mut out = format!("{} duplicate rule(s) found.\n", dups.len());
    for d in dups {
        out.push_str(&format!("Metric: {}\nLabel(s):\n", d.metric));
        for (name, value) in &d.labels {
            out.push_str(&format!("\t{name}: {value}\n"));
        }
    }
    out.push_str("Might cause inconsistency while recording expressions");
    out
}
