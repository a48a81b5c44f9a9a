//! Label sets: sorted, deduplicated name/value pairs with `__name__` for the
//! metric name, validated the way Prometheus validates them.
//!
//! A set is one allocation: its pairs in name order, each as the name's
//! length, the value's length, the name and the value, lengths in an
//! ASCII-only varint so the whole encoding stays a `str`. Equality and
//! hashing are one pass over those bytes, and a set can be looked up by the
//! same bytes built from a request ([`LabelsKey`]) without building it.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The label holding the metric name.
pub const METRIC_NAME: &str = "__name__";

/// A sorted set of label pairs; cheap to clone.
#[derive(Clone, PartialEq, Eq)]
pub struct Labels(Arc<str>);

impl Default for Labels {
    fn default() -> Self {
        Labels(Arc::from(""))
    }
}

impl Hash for Labels {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(self.0.as_bytes());
    }
}

/// Pairs compare by name, then value, pair by pair (as Prometheus sorts
/// label sets), not by their encoding.
impl Ord for Labels {
    fn cmp(&self, other: &Self) -> Ordering {
        self.iter().cmp(other.iter())
    }
}

impl PartialOrd for Labels {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The encoding of a label set built from raw (unvalidated) pairs, to find
/// the stored set with the same pairs: it hashes and compares as that
/// [`Labels`]. Bytes that are not UTF-8 or names that are not valid never
/// equal a stored set, so a hit needs no validation.
#[derive(Debug, Clone, Copy)]
pub struct LabelsKey<'a>(&'a [u8]);

impl Hash for LabelsKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write(self.0);
    }
}

impl hashbrown::Equivalent<Labels> for LabelsKey<'_> {
    fn equivalent(&self, key: &Labels) -> bool {
        self.0 == key.0.as_bytes()
    }
}

impl<'a> LabelsKey<'a> {
    /// A key over bytes [`LabelsKey::append_encoded`] wrote.
    pub fn new(bytes: &'a [u8]) -> LabelsKey<'a> {
        LabelsKey(bytes)
    }

    /// Sorts `pairs` by name and appends them to `buf` encoded as a
    /// [`Labels`] keeps them, dropping empty values. `false` (and `buf`
    /// unchanged) when a name repeats: no stored set has one twice.
    pub fn append_encoded(pairs: &mut [(&[u8], &[u8])], buf: &mut Vec<u8>) -> bool {
        if !pairs.is_sorted_by(|a, b| a.0 <= b.0) {
            pairs.sort_unstable_by(|a, b| a.0.cmp(b.0));
        }
        let start = buf.len();
        let mut previous: Option<&[u8]> = None;
        for &(name, value) in pairs.iter().filter(|(_, value)| !value.is_empty()) {
            if previous == Some(name) {
                buf.truncate(start);
                return false;
            }
            previous = Some(name);
            encode_pair(buf, name, value);
        }
        true
    }
}

/// Appends one pair's encoding.
fn encode_pair(buf: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    put_length(buf, name.len());
    put_length(buf, value.len());
    buf.extend_from_slice(name);
    buf.extend_from_slice(value);
}

/// Six bits per byte, low first, `0x40` marking that more follow: every
/// byte stays ASCII.
fn put_length(buf: &mut Vec<u8>, mut n: usize) {
    while n >= 0x40 {
        buf.push(0x40 | (n & 0x3F) as u8);
        n >>= 6;
    }
    buf.push(n as u8);
}

/// Reads a length at `*at`, advancing it.
fn get_length(bytes: &[u8], at: &mut usize) -> usize {
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let b = bytes[*at];
        *at += 1;
        n |= usize::from(b & 0x3F) << shift;
        if b & 0x40 == 0 {
            return n;
        }
        shift += 6;
    }
}

/// Iterates the pairs of an encoded set.
#[derive(Clone)]
pub struct Pairs<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a str, &'a str);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.text.len() {
            return None;
        }
        let bytes = self.text.as_bytes();
        let name_len = get_length(bytes, &mut self.at);
        let value_len = get_length(bytes, &mut self.at);
        let name = &self.text[self.at..self.at + name_len];
        self.at += name_len;
        let value = &self.text[self.at..self.at + value_len];
        self.at += value_len;
        Some((name, value))
    }
}

/// Encodes sorted, deduplicated pairs with non-empty values.
fn encode_sorted<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Labels {
    let mut buf = Vec::new();
    for (n, v) in pairs {
        encode_pair(&mut buf, n.as_bytes(), v.as_bytes());
    }
    // Lengths are ASCII and the rest is copied from `str`s.
    let text = String::from_utf8(buf).expect("label encoding is UTF-8");
    Labels(Arc::from(text))
}

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
        let owned: Vec<(N, V)> = pairs
            .into_iter()
            .filter(|(_, value)| !value.as_ref().is_empty())
            .collect();
        let mut v: Vec<(&str, &str)> = owned
            .iter()
            .map(|(n, value)| (n.as_ref(), value.as_ref()))
            .collect();
        v.sort_unstable();
        for w in v.windows(2) {
            if w[0].0 == w[1].0 {
                return Err(LabelError::Duplicate(w[0].0.to_string()));
            }
        }
        for &(n, value) in &v {
            if n == METRIC_NAME {
                if !valid_metric_name(value) {
                    return Err(LabelError::InvalidMetricName(value.to_string()));
                }
            } else if !valid_label_name(n) {
                return Err(LabelError::InvalidName(n.to_string()));
            }
        }
        if require_name && !v.iter().any(|&(n, _)| n == METRIC_NAME) {
            return Err(LabelError::MissingName);
        }
        Ok(encode_sorted(v))
    }

    /// The value of label `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        for (n, v) in self.iter() {
            match n.cmp(name) {
                Ordering::Less => {}
                Ordering::Equal => return Some(v),
                Ordering::Greater => return None,
            }
        }
        None
    }

    /// The metric name.
    pub fn metric_name(&self) -> &str {
        self.get(METRIC_NAME).unwrap_or("")
    }

    /// The pairs, sorted by name.
    pub fn iter(&self) -> Pairs<'_> {
        Pairs {
            text: &self.0,
            at: 0,
        }
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A builder starting from these labels, for derived sets (query
    /// results), which are not validated and may lack a metric name.
    pub fn builder(&self) -> LabelsBuilder {
        LabelsBuilder(self.iter().map(|(n, v)| (n.into(), v.into())).collect())
    }

    /// These labels without `__name__`.
    pub fn without_metric_name(&self) -> Labels {
        if self.get(METRIC_NAME).is_none() {
            return self.clone();
        }
        encode_sorted(self.iter().filter(|&(n, _)| n != METRIC_NAME))
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
        encode_sorted(self.0.iter().map(|(n, v)| (&**n, &**v)))
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

    #[test]
    fn order_is_pair_by_pair_and_long_strings_round_trip() {
        let long = "v".repeat(5000);
        let sets = [
            vec![("__name__", "a"), ("b", "1")],
            vec![("__name__", "a")],
            vec![("__name__", "a"), ("b", "10")],
            vec![("__name__", "a"), ("bb", "0")],
            vec![("__name__", "ab")],
            vec![("__name__", "a"), ("b", long.as_str())],
            vec![("__name__", "a"), ("b", "é")],
            vec![("__name__", "a"), ("c", "\0")],
        ];
        let mut labels: Vec<Labels> = sets
            .iter()
            .map(|s| Labels::new(s.clone()).unwrap())
            .collect();
        let owned = |all: &[Labels]| -> Vec<Vec<(String, String)>> {
            all.iter()
                .map(|l| {
                    l.iter()
                        .map(|(n, v)| (n.to_string(), v.to_string()))
                        .collect()
                })
                .collect()
        };
        let mut plain = owned(&labels);
        for (l, s) in labels.iter().zip(&sets) {
            assert_eq!(l.iter().collect::<Vec<_>>(), *s);
            assert_eq!(l.len(), s.len());
        }
        labels.sort();
        plain.sort();
        let sorted = owned(&labels);
        assert_eq!(sorted, plain);
        assert_eq!(labels[0].get("b"), None);
        let built = labels[3].builder().set("z", "last").build();
        assert_eq!(built.get("z"), Some("last"));
        assert_eq!(built.without_metric_name().get("__name__"), None);
        assert_eq!(Labels::default().iter().count(), 0);
    }

    #[test]
    fn a_key_from_raw_pairs_finds_the_equal_set() {
        use hashbrown::Equivalent;
        use std::hash::BuildHasher;
        let state = hashbrown::DefaultHashBuilder::default();
        let stored =
            Labels::new([("__name__", "up"), ("job", "api"), ("x", &"y".repeat(100))]).unwrap();
        let long = "y".repeat(100);
        let mut pairs: Vec<(&[u8], &[u8])> = vec![
            (b"x", long.as_bytes()),
            (b"empty", b""),
            (b"job", b"api"),
            (b"__name__", b"up"),
        ];
        let mut buf = Vec::new();
        assert!(LabelsKey::append_encoded(&mut pairs, &mut buf));
        let key = LabelsKey::new(&buf);
        assert!(key.equivalent(&stored));
        assert_eq!(state.hash_one(key), state.hash_one(&stored));
        let other = Labels::new([("__name__", "up"), ("job", "api")]).unwrap();
        assert!(!key.equivalent(&other));
    }
}
