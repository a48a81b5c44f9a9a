//! Label sets: sorted, deduplicated name/value pairs with `__name__` for the
//! metric name, validated the way Prometheus validates them.

use std::fmt;
use std::sync::Arc;

/// The label holding the metric name.
pub const METRIC_NAME: &str = "__name__";

/// Borrowed label pairs, sorted by name, without empty values: what a
/// [`Labels`] holds, so a map keyed by [`Labels`] can be searched with
/// pairs decoded from a request without building (allocating) the set.
/// Hashes as the [`Labels`] with the same pairs.
#[derive(Debug, Clone, Copy, Hash)]
pub struct LabelsRef<'a>(pub &'a [(&'a str, &'a str)]);

impl hashbrown::Equivalent<Labels> for LabelsRef<'_> {
    fn equivalent(&self, key: &Labels) -> bool {
        self.0.len() == key.0.len()
            && self
                .0
                .iter()
                .zip(key.0.iter())
                .all(|((n1, v1), (n2, v2))| *n1 == &**n2 && *v1 == &**v2)
    }
}

/// A sorted set of label pairs; cheap to clone.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Labels(Arc<[(Box<str>, Box<str>)]>);

/// Why a label set is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// A label name that is not `[a-zA-Z_][a-zA-Z0-9_]*`.
    #[error("invalid label name {0:?}")]
    InvalidName(String),
    /// A metric name that is not `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    #[error("invalid metric name {0:?}")]
    InvalidMetricName(String),
    /// The same label twice.
    #[error("duplicate label name {0:?}")]
    Duplicate(String),
    /// No `__name__`.
    #[error("missing metric name")]
    MissingName,
}

/// Whether `name` is a valid label name.
pub fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `name` is a valid metric name.
pub fn valid_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

impl Labels {
    /// Builds a validated set from pairs in any order. Empty values are
    /// dropped (an empty label is the same as no label in Prometheus).
    pub fn new<N: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (N, V)>,
    ) -> Result<Labels, LabelError> {
        Labels::build(pairs, true)
    }

    /// Like [`Labels::new`] without requiring a metric name: a log stream's
    /// labels.
    pub fn stream<N: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (N, V)>,
    ) -> Result<Labels, LabelError> {
        Labels::build(pairs, false)
    }

    fn build<N: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (N, V)>,
        require_name: bool,
    ) -> Result<Labels, LabelError> {
        let mut v: Vec<(Box<str>, Box<str>)> = pairs
            .into_iter()
            .filter(|(_, value)| !value.as_ref().is_empty())
            .map(|(n, value)| (Box::from(n.as_ref()), Box::from(value.as_ref())))
            .collect();
        v.sort();
        for w in v.windows(2) {
            if w[0].0 == w[1].0 {
                return Err(LabelError::Duplicate(w[0].0.to_string()));
            }
        }
        for (n, value) in &v {
            if &**n == METRIC_NAME {
                if !valid_metric_name(value) {
                    return Err(LabelError::InvalidMetricName(value.to_string()));
                }
            } else if !valid_label_name(n) {
                return Err(LabelError::InvalidName(n.to_string()));
            }
        }
        if require_name && !v.iter().any(|(n, _)| &**n == METRIC_NAME) {
            return Err(LabelError::MissingName);
        }
        Ok(Labels(v.into()))
    }

    /// `pairs` in the order and form a [`Labels`] keeps (sorted, empty
    /// values dropped), reusing `buf`; `None` when a name repeats. Names are
    /// not validated: use it to look up a set, not to create one.
    pub fn sorted_ref<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        buf: &mut Vec<(&'a str, &'a str)>,
    ) -> Option<()> {
        buf.clear();
        buf.extend(pairs.into_iter().filter(|(_, v)| !v.is_empty()));
        if !buf.is_sorted() {
            buf.sort_unstable();
        }
        buf.windows(2).all(|w| w[0].0 != w[1].0).then_some(())
    }

    /// The value of label `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(n, _)| (**n).cmp(name))
            .ok()
            .map(|i| &*self.0[i].1)
    }

    /// The metric name.
    pub fn metric_name(&self) -> &str {
        self.get(METRIC_NAME).unwrap_or("")
    }

    /// The pairs, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (&**n, &**v))
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A builder starting from these labels, for derived sets (query
    /// results), which are not validated and may lack a metric name.
    pub fn builder(&self) -> LabelsBuilder {
        LabelsBuilder(self.0.to_vec())
    }

    /// These labels without `__name__`.
    pub fn without_metric_name(&self) -> Labels {
        if self.get(METRIC_NAME).is_none() {
            return self.clone();
        }
        let mut b = self.builder();
        b.del(METRIC_NAME);
        b.build()
    }
}

/// Edits a label set: set, delete, keep. Setting an empty value deletes.
#[derive(Debug, Clone, Default)]
pub struct LabelsBuilder(Vec<(Box<str>, Box<str>)>);

impl LabelsBuilder {
    /// Sets `name` to `value` (deletes it when `value` is empty).
    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        match self.0.binary_search_by(|(n, _)| (**n).cmp(name)) {
            Ok(i) if value.is_empty() => {
                self.0.remove(i);
            }
            Ok(i) => self.0[i].1 = value.into(),
            Err(_) if value.is_empty() => {}
            Err(i) => self.0.insert(i, (name.into(), value.into())),
        }
        self
    }

    /// Deletes `name`.
    pub fn del(&mut self, name: &str) -> &mut Self {
        if let Ok(i) = self.0.binary_search_by(|(n, _)| (**n).cmp(name)) {
            self.0.remove(i);
        }
        self
    }

    /// Keeps only the labels for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) -> &mut Self {
        self.0.retain(|(n, _)| keep(n));
        self
    }

    /// The value of `name` so far.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(n, _)| (**n).cmp(name))
            .ok()
            .map(|i| &*self.0[i].1)
    }

    /// The finished set.
    pub fn build(&self) -> Labels {
        Labels(self.0.clone().into())
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{{", self.metric_name())?;
        let mut first = true;
        for (n, v) in self.iter().filter(|(n, _)| *n != METRIC_NAME) {
            if !first {
                write!(f, ", ")?;
            }
            first = false;
            write!(f, "{n}={v:?}")?;
        }
        write!(f, "}}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_validates_and_drops_empty_values() {
        let l = Labels::new([("job", "node"), ("__name__", "up"), ("empty", "")]).unwrap();
        assert_eq!(
            l.iter().collect::<Vec<_>>(),
            vec![("__name__", "up"), ("job", "node")]
        );
        assert_eq!(l.get("job"), Some("node"));
        assert_eq!(l.to_string(), "up{job=\"node\"}");
        assert_eq!(
            Labels::new([("__name__", "a"), ("x", "1"), ("x", "2")]),
            Err(LabelError::Duplicate("x".into()))
        );
        assert!(matches!(
            Labels::new([("__name__", "a"), ("1x", "1")]),
            Err(LabelError::InvalidName(_))
        ));
        assert!(matches!(
            Labels::new([("__name__", "a-b")]),
            Err(LabelError::InvalidMetricName(_))
        ));
        assert_eq!(Labels::new([("job", "x")]), Err(LabelError::MissingName));
        assert!(Labels::new([("__name__", "ns:rule_total"), ("_x9", "v")]).is_ok());
    }
}
