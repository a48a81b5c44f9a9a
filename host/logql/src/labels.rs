//! `Labels`: a sorted set of label name/value pairs, the currency of every
//! stage, sample and vector operation in this crate. Names are unique; the
//! order is by name, so two equal sets compare and hash equal.

use std::fmt;

use crate::units::go_quote;

/// The label Loki sets when a stage fails (`JSONParserErr`, `LabelFilterErr`...).
pub const ERROR_LABEL: &str = "__error__";
/// The label carrying the failing stage's error message.
pub const ERROR_DETAILS_LABEL: &str = "__error_details__";

/// A set of labels sorted by name, e.g. `{app="postfix", host="mx1"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Labels {
    pairs: Vec<(String, String)>,
}

impl Labels {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a set from pairs in any order; for a repeated name the last one wins.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut out = Self::new();
        for (k, v) in pairs {
            out.set(k, v);
        }
        out
    }

    /// Builds a set from pairs already sorted by name and unique (not checked
    /// in release builds).
    pub(crate) fn from_sorted(pairs: Vec<(String, String)>) -> Self {
        debug_assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0));
        Self { pairs }
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.pairs.binary_search_by(|(n, _)| n.as_str().cmp(name))
    }

    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.position(name).ok().map(|i| self.pairs[i].1.as_str())
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// Sets `name` to `value`, replacing any previous value.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        match self.position(&name) {
            Ok(i) => self.pairs[i].1 = value,
            Err(i) => self.pairs.insert(i, (name, value)),
        }
    }

    /// Removes `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        self.position(name).ok().map(|i| self.pairs.remove(i).1)
    }

    /// The pairs in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// How many labels there are.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Keeps only the labels whose name is in `names`.
    pub fn keep_only(&mut self, names: &[String]) {
        self.pairs.retain(|(n, _)| names.iter().any(|k| k == n));
    }

    /// Removes every label whose name is in `names`.
    pub fn remove_all(&mut self, names: &[String]) {
        self.pairs.retain(|(n, _)| !names.iter().any(|k| k == n));
    }

    /// The labels that decide vector matching: only `names` when `on`, all
    /// but `names` otherwise (Prometheus' signature of a series).
    pub fn matching_key(&self, names: &[String], on: bool) -> Labels {
        let mut out = self.clone();
        if on {
            out.keep_only(names);
        } else {
            out.remove_all(names);
        }
        out
    }
}

impl fmt::Display for Labels {
    /// Prometheus' notation: `{a="b", c="d"}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (n, v)) in self.pairs.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{n}={}", go_quote(v))?;
        }
        f.write_str("}")
    }
}

impl serde::Serialize for Labels {
    /// A JSON object in name order, as Loki's API writes stream labels.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.len()))?;
        for (n, v) in self.iter() {
            map.serialize_entry(n, v)?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for Labels {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<String, String>::deserialize(d)?;
        Ok(Labels::from_sorted(map.into_iter().collect()))
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Labels {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        Self::from_pairs(iter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_unique() {
        let mut l = Labels::from_pairs([("b", "2"), ("a", "1"), ("b", "3")]);
        assert_eq!(l.to_string(), r#"{a="1", b="3"}"#);
        l.set("0", "x");
        assert_eq!(l.remove("a").as_deref(), Some("1"));
        assert_eq!(l.iter().collect::<Vec<_>>(), vec![("0", "x"), ("b", "3")]);
        assert_eq!(
            l.matching_key(&["b".into()], true).to_string(),
            r#"{b="3"}"#
        );
    }
}
