//! Label matchers (`=`, `!=`, `=~`, `!~`) with Prometheus semantics: regexes
//! are Go's (RE2) and fully anchored, and a missing label matches as the
//! empty string.

use regex::Regex;

/// The matcher operator.
#[derive(Debug, Clone)]
pub enum MatchOp {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `=~` (anchored)
    Regex(Regex),
    /// `!~` (anchored)
    NotRegex(Regex),
}

/// One label matcher.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// Label name.
    pub name: String,
    /// Operator (with its compiled regex).
    pub op: MatchOp,
    /// The value or pattern as written.
    pub value: String,
}

impl Matcher {
    /// `name = value`.
    pub fn equal(name: &str, value: &str) -> Matcher {
        Matcher {
            name: name.into(),
            op: MatchOp::Equal,
            value: value.into(),
        }
    }

    /// A matcher from its parts; `op` is `=`, `!=`, `=~` or `!~`.
    pub fn new(name: &str, op: &str, value: &str) -> Result<Matcher, String> {
        // Go's syntax, as Prometheus compiles it (`{` that starts no
        // repetition is a literal, `\d` is ASCII, ...).
        let anchored = || {
            watchpost_goregex::compile_anchored(value)
                .map_err(|e| format!("invalid regex {value:?}: {e}"))
        };
        let op = match op {
            "=" => MatchOp::Equal,
            "!=" => MatchOp::NotEqual,
            "=~" => MatchOp::Regex(anchored()?),
            "!~" => MatchOp::NotRegex(anchored()?),
            other => return Err(format!("unknown match operator {other:?}")),
        };
        Ok(Matcher {
            name: name.into(),
            op,
            value: value.into(),
        })
    }

    /// Whether a label value (`""` when absent) matches.
    pub fn matches(&self, value: &str) -> bool {
        match &self.op {
            MatchOp::Equal => value == self.value,
            MatchOp::NotEqual => value != self.value,
            MatchOp::Regex(r) => r.is_match(value),
            MatchOp::NotRegex(r) => !r.is_match(value),
        }
    }

    /// Whether the matcher matches the empty value (so also series without
    /// the label).
    pub fn matches_empty(&self) -> bool {
        self.matches("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_semantics() {
        let re = Matcher::new("job", "=~", "node|api").unwrap();
        assert!(re.matches("node") && !re.matches("node2") && !re.matches(""));
        let nre = Matcher::new("job", "!~", "no.*").unwrap();
        assert!(!nre.matches("node") && nre.matches("api") && nre.matches_empty());
        assert!(Matcher::new("x", "!=", "a").unwrap().matches_empty());
        assert!(!Matcher::equal("x", "a").matches_empty());
        assert!(Matcher::new("x", "=~", "(").is_err());
    }

    #[test]
    fn regexes_are_go_syntax() {
        // A `{` that starts no repetition is a literal in Go (Rust's regex
        // crate refuses it); `\d` is ASCII only.
        let brace = Matcher::new("path", "=~", "/api/{id}|1{.*").unwrap();
        assert!(brace.matches("/api/{id}") && brace.matches("1{x") && !brace.matches("/api/7"));
        let digits = Matcher::new("n", "=~", "\\d+").unwrap();
        assert!(digits.matches("42") && !digits.matches("٤٢"));
        let err = Matcher::new("x", "=~", "(").unwrap_err();
        assert!(
            err.contains("error parsing regexp: missing closing )"),
            "{err}"
        );
    }
}
