//! Go (RE2) regular expressions on Rust's `regex` crate, for every pattern
//! a user writes for a Go program Watchpost stands in for: PromQL label
//! matchers and `label_replace`, relabelling, Alertmanager matchers and
//! silences, Go templates, LogQL. Prometheus and Alertmanager compile
//! `^(?:` + pattern + `)$` ([`compile_anchored`]), line filters compile the
//! pattern as is ([`compile`]). The two syntaxes mostly agree; this crate
//! rewrites the places where they do not:
//!
//! * `\d \w \s \b` (and negations) are ASCII-only in Go, Unicode in Rust;
//! * `\Q...\E` quotes a literal in Go;
//! * `{` that does not start a repetition is a literal in Go, and repeat
//!   counts above 1000 are errors;
//! * inside a class, `[` is a literal in Go (Rust nests classes) and `&&`,
//!   `~~` are literals in Go (Rust set operations).

use regex::Regex;

/// Compiles `pattern` fully anchored, as Prometheus and Alertmanager do.
/// Errors start with Go's `error parsing regexp: `.
pub fn compile_anchored(pattern: &str) -> Result<Regex, String> {
    compile(&format!("^(?:{pattern})$"))
}

/// Compiles `pattern` as Go's `regexp.Compile` would. Errors start with
/// Go's `error parsing regexp: `.
pub fn compile(full: &str) -> Result<Regex, String> {
    let translated = translate(full).map_err(|(code, arg)| {
        format!(
            "error parsing regexp: {code}: `{}`",
            arg.as_deref().unwrap_or(full)
        )
    })?;
    Regex::new(&translated).map_err(|e| {
        let detail = match e {
            // Go's wording for the errors whose argument is the whole pattern.
            regex::Error::Syntax(s) if s.contains("error: unclosed group") => {
                "missing closing )".to_string()
            }
            regex::Error::Syntax(s) if s.contains("error: unopened group") => {
                "unexpected )".to_string()
            }
            regex::Error::Syntax(s) if s.contains("error: unclosed character class") => {
                "missing closing ]".to_string()
            }
            regex::Error::Syntax(s) => s
                .lines()
                .last()
                .unwrap_or("invalid syntax")
                .trim_start_matches("error: ")
                .to_string(),
            regex::Error::CompiledTooBig(_) => "expression too large".to_string(),
            _ => "invalid regular expression".to_string(),
        };
        format!("error parsing regexp: {detail}: `{full}`")
    })
}

const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";
const SPACE: &str = r"\t\n\x0C\r ";

/// A translation error: Go's error code and, when it is not the whole
/// pattern, the offending fragment.
type TranslateError = (&'static str, Option<String>);

/// Rewrites Go regexp syntax into equivalent Rust regex syntax.
pub fn translate(p: &str) -> Result<String, TranslateError> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 16);
    let mut i = 0;
    let mut in_class = false;
    // Where the repetition operator just before `i` starts, if the token
    // before `i` is one: Go refuses to stack them (`a**`, `a+*?`).
    let mut prev_repeat: Option<usize> = None;
    while i < chars.len() {
        let c = chars[i];
        let repeat_before = prev_repeat.take();
        if c == '\\' {
            let Some(&n) = chars.get(i + 1) else {
                return Err((
                    "trailing backslash at end of expression",
                    Some(String::new()),
                ));
            };
            i += 2;
            match n {
                'Q' => {
                    let mut lit = String::new();
                    while i < chars.len() {
                        if chars[i] == '\\' && chars.get(i + 1) == Some(&'E') {
                            i += 2;
                            break;
                        }
                        lit.push(chars[i]);
                        i += 1;
                    }
                    out.push_str(&regex::escape(&lit));
                }
                'd' | 'w' | 's' | 'D' | 'W' | 'S' => {
                    let set = match n.to_ascii_lowercase() {
                        'd' => DIGIT,
                        'w' => WORD,
                        _ => SPACE,
                    };
                    let neg = n.is_ascii_uppercase();
                    match (in_class, neg) {
                        (true, false) => out.push_str(set),
                        _ => {
                            out.push('[');
                            if neg {
                                out.push('^');
                            }
                            out.push_str(set);
                            out.push(']');
                        }
                    }
                }
                'b' | 'B' if !in_class => {
                    out.push_str("(?-u:\\");
                    out.push(n);
                    out.push(')');
                }
                'p' | 'P' => {
                    out.push('\\');
                    out.push(n);
                    if chars.get(i) == Some(&'{') {
                        while i < chars.len() {
                            out.push(chars[i]);
                            i += 1;
                            if chars[i - 1] == '}' {
                                break;
                            }
                        }
                    } else if let Some(&l) = chars.get(i) {
                        out.push(l);
                        i += 1;
                    }
                }
                _ => {
                    out.push('\\');
                    out.push(n);
                }
            }
            continue;
        }
        if in_class {
            match c {
                '[' if chars.get(i + 1) == Some(&':') => {
                    let rest: String = chars[i..].iter().collect();
                    if let Some(end) = rest.find(":]") {
                        out.push_str(&rest[..end + 2]);
                        i += rest[..end + 2].chars().count();
                        continue;
                    }
                    out.push_str("\\[");
                }
                '[' | '&' | '~' => {
                    out.push('\\');
                    out.push(c);
                }
                ']' => {
                    in_class = false;
                    out.push(']');
                }
                _ => out.push(c),
            }
            i += 1;
            continue;
        }
        match c {
            '(' if chars.get(i + 1) == Some(&'?') => {
                check_group_flags(&chars[i..])?;
                out.push_str("(?");
                i += 2;
            }
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                // A `]` first in a class is a literal.
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            '{' => match repeat_len(&chars[i..])? {
                Some(n) => {
                    let end = repeat_end(&chars, i, n, repeat_before)?;
                    out.extend(&chars[i..end]);
                    prev_repeat = Some(i);
                    i = end;
                }
                None => {
                    out.push_str("\\{");
                    i += 1;
                }
            },
            '}' => {
                out.push_str("\\}");
                i += 1;
            }
            '*' | '+' | '?' => {
                let end = repeat_end(&chars, i, 1, repeat_before)?;
                out.extend(&chars[i..end]);
                prev_repeat = Some(i);
                i = end;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    if in_class {
        return Err(("missing closing ]", None));
    }
    Ok(out)
}

/// The end of the `len`-character repetition operator at `start`, with the
/// `?` that makes it non-greedy; an error if it follows another repetition
/// operator (that one starting at `before`), as in Go.
fn repeat_end(
    chars: &[char],
    start: usize,
    len: usize,
    before: Option<usize>,
) -> Result<usize, TranslateError> {
    let mut end = start + len;
    if chars.get(end) == Some(&'?') {
        end += 1;
    }
    match before {
        Some(first) => {
            let ops: String = chars[first..end].iter().collect();
            Err(("invalid nested repetition operator", Some(ops)))
        }
        None => Ok(end),
    }
}

/// Go accepts `(?P<name>`, and `(?flags)` / `(?flags:` with flags from
/// `imsU-`; anything else (look-around, `(?<name>`, `(?x)`) is an error.
fn check_group_flags(s: &[char]) -> Result<(), TranslateError> {
    if s.get(2) == Some(&'P') && s.get(3) == Some(&'<') {
        return Ok(());
    }
    for (n, &c) in s.iter().enumerate().skip(2) {
        match c {
            'i' | 'm' | 's' | 'U' | '-' => {}
            ':' => return Ok(()),
            ')' if n > 2 => return Ok(()),
            _ => {
                let frag: String = s[..=n].iter().collect();
                return Err(("invalid or unsupported Perl syntax", Some(frag)));
            }
        }
    }
    Err(("missing closing )", None))
}

/// Length of a `{n}`, `{n,}` or `{n,m}` repetition at the start of `s`
/// (with Go's limit of 1000), or `None` when `{` is a literal.
fn repeat_len(s: &[char]) -> Result<Option<usize>, TranslateError> {
    let text: String = s.iter().take(32).collect();
    let Some(end) = text.find('}') else {
        return Ok(None);
    };
    let inner = &text[1..end];
    let (lo, hi) = match inner.split_once(',') {
        Some((lo, hi)) => (lo, Some(hi)),
        None => (inner, None),
    };
    let num = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !num(lo) || hi.is_some_and(|h| !h.is_empty() && !num(h)) {
        return Ok(None);
    }
    let lo_n: u64 = lo.parse().unwrap_or(u64::MAX);
    let hi_n: Option<u64> = hi
        .filter(|h| !h.is_empty())
        .map(|h| h.parse().unwrap_or(u64::MAX));
    if lo_n > 1000 || hi_n.is_some_and(|h| h > 1000 || h < lo_n) {
        return Err(("invalid repeat count", Some(text[..=end].to_string())));
    }
    Ok(Some(text[..=end].chars().count()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        compile_anchored(p).unwrap().is_match(s)
    }

    #[test]
    fn anchored() {
        assert!(m("foo|bar", "bar"));
        assert!(!m("foo|bar", "foobar"));
        assert!(!m("a", "ba"));
        assert!(m(".*", ""));
    }

    #[test]
    fn ascii_classes() {
        assert!(m(r"\d+", "123"));
        assert!(!m(r"\d", "٣")); // Arabic-Indic digit: not a Go \d
        assert!(!m(r"\w", "é"));
        assert!(m(r"[\w.-]+", "a.b-c"));
        assert!(m(r"[^\d]", "x"));
        assert!(m(r"\S+", "é"));
        assert!(m(r"\bfoo\b.*", "foo bar"));
    }

    #[test]
    fn go_literals() {
        assert!(m(r"\Qa.b\E", "a.b"));
        assert!(!m(r"\Qa.b\E", "axb"));
        assert!(m("{foo}", "{foo}"));
        assert!(m("a{2}", "aa"));
        assert!(m("x{1,}", "xxx"));
        assert!(m("[[]", "["));
        assert!(m("[a&&b]+", "a&b"));
        assert!(m("[]a]", "]"));
        assert!(m("[[:alpha:]]+", "abc"));
        assert!(m(r"\p{Greek}", "α"));
    }

    #[test]
    fn errors() {
        assert_eq!(
            compile_anchored("a{1001}").unwrap_err(),
            "error parsing regexp: invalid repeat count: `{1001}`"
        );
        assert_eq!(
            compile_anchored("(?=a)").unwrap_err(),
            "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"
        );
        assert_eq!(
            compile_anchored("(?x)a").unwrap_err(),
            "error parsing regexp: invalid or unsupported Perl syntax: `(?x`"
        );
        assert!(compile_anchored("(?i)a(?s:.)(?P<n>b)").is_ok());
        assert_eq!(
            compile_anchored("(bar").unwrap_err(),
            "error parsing regexp: missing closing ): `^(?:(bar)$`"
        );
        assert_eq!(
            compile_anchored("a)").unwrap_err(),
            "error parsing regexp: unexpected ): `^(?:a))$`"
        );
        assert!(compile_anchored("[a").is_err());
        assert!(compile_anchored(r"a\").is_err());
    }

    #[test]
    fn repetitions_do_not_stack() {
        // Go's messages; Rust's regex crate accepts all of these.
        for (pattern, ops) in [
            ("(.++)", "++"),
            ("a**", "**"),
            ("a+*?", "+*?"),
            ("a???", "???"),
            ("a{2}{3}", "{2}{3}"),
            ("a*{2}", "*{2}"),
        ] {
            assert_eq!(
                compile(pattern).unwrap_err(),
                format!("error parsing regexp: invalid nested repetition operator: `{ops}`"),
                "{pattern}"
            );
        }
        // One operator, greedy or not, escaped, in a class, or a literal `{`.
        for pattern in [
            "a*?b+?c??d{2}?",
            r"a\**",
            "[*+?]*",
            "a{x}*",
            "(?:a)*",
            "(?i)a+",
        ] {
            assert!(compile(pattern).is_ok(), "{pattern}");
        }
    }
}
