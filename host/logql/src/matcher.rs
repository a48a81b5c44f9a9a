//! Label matchers compiled for matching: regexes anchored as Prometheus does
//! (`^(?:re)$`). The host selects streams with [`StreamMatcher`]; pipeline
//! stages use [`CompiledMatcher`].

use regex::Regex;

use crate::ast::{MatchOp, Matcher};
use crate::labels::Labels;

/// One compiled matcher.
#[derive(Clone, Debug)]
pub struct CompiledMatcher {
    /// The label name.
    pub name: String,
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    Eq(String),
    Neq(String),
    Re(Regex),
    Nre(Regex),
}

impl CompiledMatcher {
    /// Compiles a matcher; the error is a one-line regex error.
    pub fn new(m: &Matcher) -> Result<Self, String> {
        let re = || watchpost_goregex::compile_anchored(&m.value);
        let kind = match m.op {
            MatchOp::Eq => Kind::Eq(m.value.clone()),
            MatchOp::Neq => Kind::Neq(m.value.clone()),
            MatchOp::Re => Kind::Re(re()?),
            MatchOp::Nre => Kind::Nre(re()?),
        };
        Ok(Self {
            name: m.name.clone(),
            kind,
        })
    }

    /// Whether `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        match &self.kind {
            Kind::Eq(v) => v == value,
            Kind::Neq(v) => v != value,
            Kind::Re(r) => r.is_match(value),
            Kind::Nre(r) => !r.is_match(value),
        }
    }

    /// Whether the matcher accepts every value (`=~".*"`), so a filter on it is a no-op.
    pub(crate) fn matches_everything(&self) -> bool {
        matches!(&self.kind, Kind::Re(r) if r.as_str() == "^(?:.*)$" || r.as_str() == "^(?:(?s).*)$")
    }
}

/// The matchers of a stream selector, compiled: the host's stream selection.
#[derive(Clone, Debug)]
pub struct StreamMatcher {
    matchers: Vec<CompiledMatcher>,
}

impl StreamMatcher {
    /// Compiles a selector's matchers.
    pub fn new(matchers: &[Matcher]) -> Result<Self, String> {
        Ok(Self {
            matchers: matchers
                .iter()
                .map(CompiledMatcher::new)
                .collect::<Result<_, _>>()?,
        })
    }

    /// Whether a stream with `labels` is selected (a missing label is `""`).
    pub fn matches(&self, labels: &Labels) -> bool {
        self.matchers
            .iter()
            .all(|m| m.matches(labels.get(&m.name).unwrap_or("")))
    }
}
