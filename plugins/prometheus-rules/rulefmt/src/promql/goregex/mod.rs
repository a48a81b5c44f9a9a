//! Go's `regexp/syntax` parse errors (Go 1.19, Perl flags), as Prometheus
//! 2.42's regex label matchers report them: it compiles `^(?:<re>)$` first,
//! then parses `<re>` alone, so a message quotes whichever failed. Also
//! tells whether a valid regex matches the empty string (for "vector
//! selector must contain at least one non-empty matcher").

mod class;

use super::literal;
use class::{INVALID_ESCAPE, class, parse_escape, unicode_class};

/// `Ok(Some(matches the empty string))`, or Go's "error parsing regexp:
/// ..." text; `Ok(None)` when groups nest too deeply to tell (Go limits the
/// tree's height, which is not mirrored).
pub fn check(re: &str) -> Result<Option<bool>, String> {
    let fail = |e: GoError| {
        // Prometheus' JSON shows a byte that is no UTF-8 as U+FFFD.
        let expr: String =
            e.1.chars()
                .map(|c| literal::raw_byte(c).map_or(c, |_| '\u{FFFD}'))
                .collect();
        format!("error parsing regexp: {}: `{expr}`", e.0)
    };
    match parse(&format!("^(?:{re})$")) {
        Err(e) if e.0 == TOO_DEEP => return Ok(None),
        Err(e) => return Err(fail(e)),
        Ok(_) => {}
    }
    match parse(re) {
        Err(e) if e.0 == TOO_DEEP => Ok(None),
        Err(e) => Err(fail(e)),
        Ok(tree) => Ok(Some(tree.nullable())),
    }
}

/// Not a Go error: groups nested deeper than [`MAX_GROUPS`].
const TOO_DEEP: &str = "too deep";

/// Open groups allowed before giving up (Go refuses trees over 1000 high).
const MAX_GROUPS: usize = 100;

/// An error code and the part of the expression it quotes.
struct GoError(&'static str, String);

fn err<T>(code: &'static str, expr: &str) -> Result<T, GoError> {
    Err(GoError(code, expr.to_string()))
}

const INVALID_REPEAT_SIZE: &str = "invalid repeat count";

/// The parse tree, as far as the checks need it.
enum Re {
    /// Matches one character (literal, class, `.`): never empty.
    Char,
    /// Matches only the empty string (assertions, empty groups); `\b`
    /// asserts something the empty string fails.
    Empty {
        nullable: bool,
    },
    Concat(Vec<Re>),
    Alternate(Vec<Re>),
    /// `*`, `?` (nullable) or `+`.
    Repeat {
        min: i64,
        max: i64,
        counted: bool,
        sub: Box<Re>,
    },
    Group(Box<Re>),
}

impl Re {
    fn nullable(&self) -> bool {
        match self {
            Re::Char => false,
            Re::Empty { nullable } => *nullable,
            Re::Concat(subs) => subs.iter().all(Re::nullable),
            Re::Alternate(subs) => subs.iter().any(Re::nullable),
            Re::Repeat { min, sub, .. } => *min == 0 || sub.nullable(),
            Re::Group(sub) => sub.nullable(),
        }
    }

    fn subs(&self) -> Vec<&Re> {
        match self {
            Re::Concat(subs) | Re::Alternate(subs) => subs.iter().collect(),
            Re::Repeat { sub, .. } | Re::Group(sub) => vec![sub],
            _ => Vec::new(),
        }
    }
}

/// Go's `repeatIsValid`: nested counted repetitions stay within `n`.
fn repeat_is_valid(re: &Re, mut n: i64) -> bool {
    if let Re::Repeat {
        min,
        max,
        counted: true,
        ..
    } = re
    {
        let mut m = *max;
        if m == 0 {
            return true;
        }
        if m < 0 {
            m = *min;
        }
        if m > n {
            return false;
        }
        if m > 0 {
            n /= m;
        }
    }
    re.subs().into_iter().all(|sub| repeat_is_valid(sub, n))
}

/// One open group: finished alternatives and the current concatenation.
#[derive(Default)]
struct Frame {
    branches: Vec<Re>,
    items: Vec<Re>,
}

impl Frame {
    fn cut_branch(&mut self) {
        let items = std::mem::take(&mut self.items);
        self.branches.push(if items.is_empty() {
            Re::Empty { nullable: true }
        } else {
            Re::Concat(items)
        });
    }

    fn finish(mut self) -> Re {
        self.cut_branch();
        if self.branches.len() == 1 {
            self.branches.pop().unwrap_or(Re::Empty { nullable: true })
        } else {
            Re::Alternate(self.branches)
        }
    }
}

/// Go's `nextRune`: the first character and the rest; a byte that is no
/// UTF-8 (see [`literal::unquote`]) is an error quoting what follows.
fn next_rune(s: &str) -> Result<(Option<char>, &str), GoError> {
    match s.chars().next() {
        Some(c) if literal::raw_byte(c).is_some() => err("invalid UTF-8", s),
        Some(c) => Ok((Some(c), &s[c.len_utf8()..])),
        None => Ok((None, s)),
    }
}

/// `s` minus its suffix `rest`.
fn cut<'a>(s: &'a str, rest: &str) -> &'a str {
    &s[..s.len() - rest.len()]
}

/// Go's `syntax.Parse(s, syntax.Perl)`, errors only.
fn parse(s: &str) -> Result<Re, GoError> {
    let mut frames = vec![Frame::default()];
    let mut t = s;
    let mut last_repeat: Option<&str> = None;
    while let Some(&b) = t.as_bytes().first() {
        let mut repeat = None;
        let top = frames.len() - 1;
        match b {
            b'(' if t.as_bytes().get(1) == Some(&b'?') => {
                t = perl_flags(t, &mut frames)?;
            }
            b'(' => {
                frames.push(Frame::default());
                t = &t[1..];
            }
            _ if frames.len() > MAX_GROUPS => return err(TOO_DEEP, ""),
            b'|' => {
                frames[top].cut_branch();
                t = &t[1..];
            }
            b')' => {
                if top == 0 {
                    return err("unexpected )", s);
                }
                if let Some(frame) = frames.pop() {
                    let group = Re::Group(Box::new(frame.finish()));
                    frames[top - 1].items.push(group);
                }
                t = &t[1..];
            }
            b'^' | b'$' => {
                frames[top].items.push(Re::Empty { nullable: true });
                t = &t[1..];
            }
            b'.' => {
                frames[top].items.push(Re::Char);
                t = &t[1..];
            }
            b'[' => {
                t = class(t)?;
                frames[top].items.push(Re::Char);
            }
            b'*' | b'+' | b'?' => {
                let before = t;
                let op = (i64::from(b == b'+'), -1, false);
                t = apply_repeat(&mut frames[top], op, before, &t[1..], last_repeat)?;
                repeat = Some(before);
            }
            b'{' => match parse_repeat(t) {
                None => {
                    frames[top].items.push(Re::Char);
                    t = &t[1..];
                }
                Some((min, max, after)) => {
                    if !(0..=1000).contains(&min) || max > 1000 || (max >= 0 && min > max) {
                        return err(INVALID_REPEAT_SIZE, cut(t, after));
                    }
                    let before = t;
                    t = apply_repeat(
                        &mut frames[top],
                        (min, max, true),
                        before,
                        after,
                        last_repeat,
                    )?;
                    repeat = Some(before);
                }
            },
            b'\\' => {
                t = escape(t, &mut frames[top])?;
            }
            _ => {
                let (_, rest) = next_rune(t)?;
                frames[top].items.push(Re::Char);
                t = rest;
            }
        }
        last_repeat = repeat;
    }
    if frames.len() != 1 {
        return err("missing closing )", s);
    }
    Ok(frames
        .pop()
        .map_or(Re::Empty { nullable: true }, Frame::finish))
}

/// Go's `parser.repeat`: wraps the last item in a repetition. `before`
/// starts at the operator, `after` follows it; returns the rest.
fn apply_repeat<'a>(
    frame: &mut Frame,
    (min, max, counted): (i64, i64, bool),
    before: &'a str,
    after: &'a str,
    last_repeat: Option<&str>,
) -> Result<&'a str, GoError> {
    let after = after.strip_prefix('?').unwrap_or(after);
    if let Some(last) = last_repeat {
        return err("invalid nested repetition operator", cut(last, after));
    }
    let Some(sub) = frame.items.pop() else {
        return err(
            "missing argument to repetition operator",
            cut(before, after),
        );
    };
    let re = Re::Repeat {
        min: if counted { min } else { min.min(1) },
        max,
        counted,
        sub: Box::new(sub),
    };
    if counted && (min >= 2 || max >= 2) && !repeat_is_valid(&re, 1000) {
        return err(INVALID_REPEAT_SIZE, cut(before, after));
    }
    frame.items.push(re);
    Ok(after)
}

/// Go's `parseInt` of a repeat count: no leading zeros, -1 when too big.
fn parse_int(s: &str) -> Option<(i64, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || (digits >= 2 && s.starts_with('0')) {
        return None;
    }
    let n = if digits > 8 {
        -1
    } else {
        s[..digits]
            .parse::<i64>()
            .map_or(-1, |n| if n >= 100_000_000 { -1 } else { n })
    };
    Some((n, &s[digits..]))
}

/// Go's `parseRepeat`: `{n}`, `{n,}` or `{n,m}`; `None` makes `{` a literal.
fn parse_repeat(t: &str) -> Option<(i64, i64, &str)> {
    let s = t.strip_prefix('{')?;
    let (mut min, s) = parse_int(s)?;
    let (max, s) = if let Some(s) = s.strip_prefix(',') {
        if s.starts_with('}') {
            (-1, s)
        } else {
            let (max, s) = parse_int(s)?;
            if max < 0 {
                min = -1;
            }
            (max, s)
        }
    } else {
        (min, s)
    };
    let rest = s.strip_prefix('}')?;
    Some((min, max, rest))
}

/// Go's `parsePerlFlags`: `(?i)`, `(?i:`, `(?:` or `(?P<name>`; `t` starts
/// with `(?`.
fn perl_flags<'a>(t: &'a str, frames: &mut Vec<Frame>) -> Result<&'a str, GoError> {
    if t.len() > 4 && t.as_bytes()[2] == b'P' && t.as_bytes()[3] == b'<' {
        let Some(end) = t.find('>') else {
            return err("invalid named capture", t);
        };
        let name = &t[4..end];
        if name.is_empty() || !name.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric()) {
            return err("invalid named capture", &t[..=end]);
        }
        frames.push(Frame::default());
        return Ok(&t[end + 1..]);
    }
    let mut rest = &t[2..];
    let mut negated = false;
    let mut saw_flag = false;
    while let (Some(c), after) = next_rune(rest)? {
        rest = after;
        match c {
            'i' | 'm' | 's' | 'U' => saw_flag = true,
            '-' if !negated => {
                negated = true;
                saw_flag = false;
            }
            ':' | ')' if !negated || saw_flag => {
                if c == ':' {
                    frames.push(Frame::default());
                }
                return Ok(rest);
            }
            _ => break,
        }
    }
    err("invalid or unsupported Perl syntax", cut(t, rest))
}

/// A backslash sequence outside a class; `t` starts with `\`.
fn escape<'a>(t: &'a str, frame: &mut Frame) -> Result<&'a str, GoError> {
    match t.as_bytes().get(1) {
        Some(b'A' | b'z' | b'B') => {
            frame.items.push(Re::Empty { nullable: true });
            return Ok(&t[2..]);
        }
        Some(b'b') => {
            frame.items.push(Re::Empty { nullable: false });
            return Ok(&t[2..]);
        }
        Some(b'C') => return err(INVALID_ESCAPE, &t[..2]),
        Some(b'Q') => {
            let (mut literal, rest) = t[2..].split_once("\\E").unwrap_or((&t[2..], ""));
            while let (Some(_), after) = next_rune(literal)? {
                frame.items.push(Re::Char);
                literal = after;
            }
            return Ok(rest);
        }
        _ => {}
    }
    let rest = match t.as_bytes().get(1) {
        Some(b'p' | b'P') => unicode_class(t)?,
        Some(b'd' | b'D' | b's' | b'S' | b'w' | b'W') => &t[2..],
        _ => parse_escape(t)?.1,
    };
    frame.items.push(Re::Char);
    Ok(rest)
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn valid_regexes_and_the_empty_string() {
        assert_eq!(check(".*"), Ok(Some(true)));
        assert_eq!(check("a+"), Ok(Some(false)));
        assert_eq!(check("a|"), Ok(Some(true)));
        assert_eq!(check("(?i)abc|x?"), Ok(Some(true)));
        assert_eq!(check("\\Qa.b\\E"), Ok(Some(false)));
        assert_eq!(check("[\\d-z]"), Ok(Some(false)));
        assert_eq!(check("^*$"), Ok(Some(true)));
        assert_eq!(check(&"(".repeat(500)), Ok(None));
    }

    #[test]
    fn errors_as_go_words_them() {
        let e = |re: &str| check(re).unwrap_err();
        assert_eq!(e("("), "error parsing regexp: missing closing ): `^(?:()$`");
        assert_eq!(e("a)(b"), "error parsing regexp: unexpected ): `a)(b`");
        assert_eq!(e("[a"), "error parsing regexp: missing closing ]: `[a)$`");
        assert_eq!(
            e("a**"),
            "error parsing regexp: invalid nested repetition operator: `**`"
        );
        assert_eq!(
            e("(a{100}){100}"),
            "error parsing regexp: invalid repeat count: `{100}`"
        );
        assert_eq!(
            e("\\x{110000}"),
            "error parsing regexp: invalid escape sequence: `\\x{110000`"
        );
    }
}
