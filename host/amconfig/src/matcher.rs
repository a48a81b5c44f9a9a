//! Label matchers as in Alertmanager 0.25's `pkg/labels`: the four match
//! types, the matcher syntax of `matchers:` lists and `amtool`
//! (`ParseMatchers` / `ParseMatcher`, with their quoting and escaping
//! rules), fully anchored Go regexes, Alertmanager's sort order and
//! rendering (`foo="bar"`, `{a="1",b=~"x.*"}`), and the conversion of the
//! legacy `match` / `match_re` maps.

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasher;
use std::sync::LazyLock;
use watchpost_goregex::compile_anchored;

/// How a matcher compares a label value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchType {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `=~`
    Regexp,
    /// `!~`
    NotRegexp,
}

impl MatchType {
    /// The operator text.
    pub fn as_str(&self) -> &'static str {
        match self {
            MatchType::Equal => "=",
            MatchType::NotEqual => "!=",
            MatchType::Regexp => "=~",
            MatchType::NotRegexp => "!~",
        }
    }
}

impl fmt::Display for MatchType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Read access to a set of labels; a missing label reads as `""`, as in
/// Alertmanager.
pub trait LabelSet {
    /// The value of label `name`, if present.
    fn label(&self, name: &str) -> Option<&str>;
}

impl LabelSet for BTreeMap<String, String> {
    fn label(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl<S: BuildHasher> LabelSet for HashMap<String, String, S> {
    fn label(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl LabelSet for [(String, String)] {
    fn label(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl LabelSet for [(&str, &str)] {
    fn label(&self, name: &str) -> Option<&str> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}

impl<const N: usize> LabelSet for [(&str, &str); N] {
    fn label(&self, name: &str) -> Option<&str> {
        self.as_slice().label(name)
    }
}

impl<L: LabelSet + ?Sized> LabelSet for &L {
    fn label(&self, name: &str) -> Option<&str> {
        (**self).label(name)
    }
}

/// One label matcher.
#[derive(Clone)]
pub struct Matcher {
    ty: MatchType,
    name: String,
    value: String,
    re: Option<Regex>,
}

impl Matcher {
    /// Builds a matcher (Alertmanager's `NewMatcher`); regex values are
    /// compiled anchored as `^(?:value)$`. Names are not validated, as in
    /// Alertmanager.
    pub fn new(
        ty: MatchType,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, String> {
        let value = value.into();
        let re = match ty {
            MatchType::Regexp | MatchType::NotRegexp => Some(compile_anchored(&value)?),
            _ => None,
        };
        Ok(Matcher {
            ty,
            name: name.into(),
            value,
            re,
        })
    }

    /// The matcher for a legacy `match: {name: value}` entry.
    pub fn from_legacy_match(name: &str, value: &str) -> Self {
        Matcher {
            ty: MatchType::Equal,
            name: name.to_string(),
            value: value.to_string(),
            re: None,
        }
    }

    /// The matcher for a legacy `match_re: {name: pattern}` entry. As in
    /// Alertmanager, its value is the anchored pattern `^(?:pattern)$`, which
    /// is what route keys and `amtool config routes show` display.
    pub fn from_legacy_match_re(name: &str, pattern: &str) -> Result<Self, String> {
        Matcher::new(MatchType::Regexp, name, format!("^(?:{pattern})$"))
    }

    /// The match type.
    pub fn match_type(&self) -> MatchType {
        self.ty
    }

    /// The label name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value (the regex source for regex matchers).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether the label value `v` satisfies the matcher.
    pub fn matches(&self, v: &str) -> bool {
        match (self.ty, &self.re) {
            (MatchType::Equal, _) => v == self.value,
            (MatchType::NotEqual, _) => v != self.value,
            (MatchType::Regexp, Some(re)) => re.is_match(v),
            (MatchType::NotRegexp, Some(re)) => !re.is_match(v),
            // Regex matchers always hold a compiled regex.
            (_, None) => false,
        }
    }

    /// Whether the labels satisfy the matcher (a missing label is `""`).
    pub fn matches_labels<L: LabelSet + ?Sized>(&self, labels: &L) -> bool {
        self.matches(labels.label(&self.name).unwrap_or(""))
    }

    /// Alertmanager's sort order: name, then value, then type.
    pub fn sort_cmp(&self, other: &Self) -> Ordering {
        (&self.name, &self.value, self.ty).cmp(&(&other.name, &other.value, other.ty))
    }
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.ty == other.ty && self.name == other.name && self.value == other.value
    }
}

impl Eq for Matcher {}

impl fmt::Display for Matcher {
    /// `name<op>"value"` with OpenMetrics escaping (`\\`, `\n`, `\"`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}\"{}\"", self.name, self.ty, escape(&self.value))
    }
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Matcher({self})")
    }
}

impl Serialize for Matcher {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' => out.push_str("\\\""),
            _ => out.push(c),
        }
    }
    out
}

static MATCHER_RE: LazyLock<Regex> = LazyLock::new(|| {
    // Go's `\s` is [\t\n\f\r ]; `=~` before `=`.
    Regex::new(r"^[\t\n\x0C\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\x0C\r ]*(=~|=|!=|!~)[\t\n\x0C\r ]*((?s).*?)[\t\n\x0C\r ]*$")
        .expect("static regex")
});

/// Parses one matcher such as `foo="bar"`, `foo=~bar.*` or `foo != "a \"b\""`
/// (Alertmanager's `ParseMatcher`, with its error messages).
pub fn parse_matcher(s: &str) -> Result<Matcher, String> {
    let caps = MATCHER_RE
        .captures(s)
        .ok_or_else(|| format!("bad matcher format: {s}"))?;
    let name = &caps[1];
    let ty = match &caps[2] {
        "=" => MatchType::Equal,
        "!=" => MatchType::NotEqual,
        "=~" => MatchType::Regexp,
        _ => MatchType::NotRegexp,
    };
    let raw_full = &caps[3];
    let (raw, mut expect_quote) = match raw_full.strip_prefix('"') {
        Some(r) => (r, true),
        None => (raw_full, false),
    };
    let unescaped_quote = || format!("matcher value contains unescaped double quote: {raw_full}");
    let mut value = String::with_capacity(raw.len());
    let mut escaped = false;
    for (i, c) in raw.char_indices() {
        if escaped {
            escaped = false;
            match c {
                'n' => value.push('\n'),
                '"' | '\\' => value.push(c),
                _ => {
                    value.push('\\');
                    value.push(c);
                }
            }
            continue;
        }
        match c {
            '\\' => {
                if i < raw.len() - 1 {
                    escaped = true;
                    continue;
                }
                value.push('\\');
            }
            '"' => {
                if !expect_quote || i < raw.len() - 1 {
                    return Err(unescaped_quote());
                }
                expect_quote = false;
            }
            _ => value.push(c),
        }
    }
    if expect_quote {
        return Err(unescaped_quote());
    }
    Matcher::new(ty, name, value)
}

/// Parses a comma-separated list such as `{foo="bar", baz=~"x.*"}` (the braces
/// are optional; commas inside double quotes do not separate), as
/// Alertmanager's `ParseMatchers` does.
pub fn parse_matchers(s: &str) -> Result<Vec<Matcher>, String> {
    let s = s.strip_prefix('{').unwrap_or(s);
    let s = s.strip_suffix('}').unwrap_or(s);
    let mut tokens = Vec::new();
    let mut token = String::new();
    let (mut inside_quotes, mut escaped) = (false, false);
    for c in s.chars() {
        match c {
            ',' if !inside_quotes => {
                tokens.push(std::mem::take(&mut token));
                continue;
            }
            ',' => {}
            '"' => {
                if !escaped {
                    inside_quotes = !inside_quotes;
                } else {
                    escaped = false;
                }
            }
            '\\' => escaped = !escaped,
            _ => escaped = false,
        }
        token.push(c);
    }
    let last = token.trim_matches(go_space);
    if !last.is_empty() {
        tokens.push(last.to_string());
    }
    tokens.iter().map(|t| parse_matcher(t)).collect()
}

/// Go's `strings.TrimSpace` set (Unicode white space).
fn go_space(c: char) -> bool {
    c.is_whitespace()
}

/// A list of matchers that must all hold. Lists built from configuration
/// are sorted in Alertmanager's order.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Matchers(pub Vec<Matcher>);

impl Matchers {
    /// Whether every matcher holds for `labels` (true for an empty list).
    pub fn matches<L: LabelSet + ?Sized>(&self, labels: &L) -> bool {
        self.0.iter().all(|m| m.matches_labels(labels))
    }

    /// Sorts in Alertmanager's order (name, value, type).
    pub fn sort(&mut self) {
        self.0.sort_by(Matcher::sort_cmp);
    }

    /// The matchers.
    pub fn iter(&self) -> std::slice::Iter<'_, Matcher> {
        self.0.iter()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Matchers {
    /// `{a="1",b=~"x"}` (no spaces), as route keys use it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, m) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{m}")?;
        }
        f.write_str("}")
    }
}

impl fmt::Debug for Matchers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Matchers({self})")
    }
}

impl<'a> IntoIterator for &'a Matchers {
    type Item = &'a Matcher;
    type IntoIter = std::slice::Iter<'a, Matcher>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for Matchers {
    /// A list of matcher strings, as Alertmanager writes `matchers:`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|m| m.to_string()))
    }
}

impl<'de> Deserialize<'de> for Matchers {
    /// A `matchers:` list: each entry is parsed with [`parse_matchers`] (so
    /// one entry may hold several), then the whole list is sorted.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let lines = Vec::<String>::deserialize(d)?;
        let mut out = Matchers::default();
        for line in &lines {
            out.0
                .extend(parse_matchers(line).map_err(crate::yaml::invalid)?);
        }
        out.sort();
        Ok(out)
    }
}

/// A `match_re` value: a pattern compiled anchored, keeping its source.
#[derive(Clone)]
pub struct Regexp {
    source: String,
    re: Regex,
}

impl Regexp {
    /// Compiles `^(?:source)$`.
    pub fn new(source: &str) -> Result<Self, String> {
        Ok(Regexp {
            source: source.to_string(),
            re: compile_anchored(source)?,
        })
    }

    /// The pattern as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether `s` matches the whole pattern.
    pub fn is_match(&self, s: &str) -> bool {
        self.re.is_match(s)
    }
}

impl PartialEq for Regexp {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl fmt::Debug for Regexp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Regexp({:?})", self.source)
    }
}

impl Serialize for Regexp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Regexp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Regexp::new(&s).map_err(crate::yaml::invalid)
    }
}

/// Whether `name` is a valid label name (`[a-zA-Z_][a-zA-Z0-9_]*`).
pub fn is_valid_label_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_alphabetic() || b == b'_' || (i > 0 && b.is_ascii_digit()))
}

/// The matchers of a route or inhibit rule side: the legacy `match` and
/// `match_re` maps converted as Alertmanager does, then the `matchers`
/// list, all sorted.
pub fn combine_legacy(
    equal: &BTreeMap<String, String>,
    regex: &BTreeMap<String, Regexp>,
    matchers: &Matchers,
) -> Matchers {
    let mut out = Matchers::default();
    for (n, v) in equal {
        out.0.push(Matcher::from_legacy_match(n, v));
    }
    for (n, re) in regex {
        // The doubly anchored form always compiles when the pattern did.
        if let Ok(m) = Matcher::from_legacy_match_re(n, re.source()) {
            out.0.push(m);
        }
    }
    out.0.extend(matchers.0.iter().cloned());
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pm(s: &str) -> String {
        parse_matchers(s)
            .map(|ms| {
                ms.iter()
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn parses_alertmanager_examples() {
        assert_eq!(
            pm(r#"{foo = "bar", dings != "bums", }"#),
            r#"foo="bar" dings!="bums""#
        );
        assert_eq!(pm("foo=bar,dings!=bums"), r#"foo="bar" dings!="bums""#);
        assert_eq!(pm("foo=bar, dings!=bums"), r#"foo="bar" dings!="bums""#);
        assert_eq!(
            pm(r#"{quote="She said: \"Hi, ladies! That's gender-neutral…\""}"#),
            r#"quote="She said: \"Hi, ladies! That's gender-neutral…\"""#
        );
        assert_eq!(pm(r#"statuscode=~"5..""#), r#"statuscode=~"5..""#);
        assert_eq!(pm(r#"tags=~"^(?:foo|bar)$""#), r#"tags=~"^(?:foo|bar)$""#);
        assert_eq!(pm("{}"), "");
        assert_eq!(
            pm(r#"foo="bar,quux", job="job1""#),
            r#"foo="bar,quux" job="job1""#
        );
        assert_eq!(pm("foo=  "), r#"foo="""#);
        assert_eq!(pm(r#"foo="\n""#), r#"foo="\n""#);
        assert_eq!(pm(r#"foo=\x"#), r#"foo="\\x""#);
        assert_eq!(pm(r#"foo=a\"#), r#"foo="a\\""#);
        assert_eq!(pm("a:b=c"), r#"a:b="c""#);
    }

    #[test]
    fn parse_errors() {
        assert_eq!(pm("foo"), "ERR bad matcher format: foo");
        assert_eq!(pm("=bar"), "ERR bad matcher format: =bar");
        assert_eq!(pm("1a=b"), "ERR bad matcher format: 1a=b");
        assert_eq!(
            pm(r#"foo="ba"r""#),
            r#"ERR matcher value contains unescaped double quote: "ba"r""#
        );
        assert_eq!(
            pm(r#"foo="bar"#),
            r#"ERR matcher value contains unescaped double quote: "bar"#
        );
        assert_eq!(
            pm(r#"foo=bar""#),
            r#"ERR matcher value contains unescaped double quote: bar""#
        );
        assert!(pm("foo=~(").starts_with("ERR error parsing regexp: "));
    }

    #[test]
    fn matching() {
        let labels = [("alertname", "HighLatency"), ("severity", "critical")];
        let m = |s: &str| parse_matcher(s).unwrap().matches_labels(&labels);
        assert!(m(r#"severity="critical""#));
        assert!(m(r#"severity=~"crit.*""#));
        assert!(!m(r#"severity=~"crit""#));
        assert!(m(r#"team!="x""#));
        assert!(m(r#"team="""#));
        assert!(m(r#"team=~"|x""#));
        assert!(!m(r#"alertname!~"High.*""#));
    }

    #[test]
    fn sorted_lists_and_display() {
        let mut ms = Matchers(parse_matchers(r#"b=~"1", a="2", b="1""#).unwrap());
        ms.sort();
        assert_eq!(ms.to_string(), r#"{a="2",b="1",b=~"1"}"#);
        assert!(Matchers::default().matches(&[("x", "y")]));
    }

    #[test]
    fn legacy_regex_keeps_anchors_in_value() {
        let re = Regexp::new("foo|bar").unwrap();
        let m = Matcher::from_legacy_match_re("service", re.source()).unwrap();
        assert_eq!(m.to_string(), r#"service=~"^(?:foo|bar)$""#);
        assert!(m.matches("bar") && !m.matches("foobar"));
    }

    #[test]
    fn label_names() {
        assert!(is_valid_label_name("_a1"));
        assert!(!is_valid_label_name("1a"));
        assert!(!is_valid_label_name("a:b"));
        assert!(!is_valid_label_name(""));
    }
}
