//! Go's `fmt.Sprintf` for template values: verbs `v s d f F e E g G q x X
//! o b c t U %`, flags `- + # 0 space`, width and precision (`%5.1f`,
//! `%-8s`, `%.2f`, `%*d`), and Go's in-band errors (`%!d(string=x)`,
//! `%!s(MISSING)`, `%!(EXTRA int=1)`).

use super::format::{format_float, go_format, quote};
use super::value::Value;

#[derive(Default, Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// Go's `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next = 0usize;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                '0' => spec.zero = true,
                ' ' => spec.space = true,
                _ => break,
            }
            chars.next();
        }
        spec.width = number_or_star(&mut chars, args, &mut next);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.prec = Some(number_or_star(&mut chars, args, &mut next).unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        // Go's `%+v` means "field names" (for structs), never a sign.
        if verb == 'v' {
            spec.plus = false;
        }
        match args.get(next) {
            None => out.push_str(&format!("%!{verb}(MISSING)")),
            Some(arg) => {
                next += 1;
                out.push_str(&format_one(verb, spec, arg));
            }
        }
    }
    if next < args.len() {
        let extra: Vec<String> = args[next..].iter().map(bad_arg).collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

fn number_or_star(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    args: &[Value],
    next: &mut usize,
) -> Option<usize> {
    if chars.peek() == Some(&'*') {
        chars.next();
        let n = match args.get(*next) {
            Some(Value::Int(n)) => usize::try_from(*n).ok(),
            _ => None,
        };
        *next += 1;
        return n;
    }
    let mut n: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
        chars.next();
    }
    n
}

/// `type=value`, as Go prints a bad or extra argument.
fn bad_arg(arg: &Value) -> String {
    match arg {
        Value::Nil => "<nil>".into(),
        other => format!("{}={}", other.type_name(), go_format(other)),
    }
}

fn bad_verb(verb: char, arg: &Value) -> String {
    format!("%!{verb}({})", bad_arg(arg))
}

fn format_one(verb: char, spec: Spec, arg: &Value) -> String {
    match arg {
        Value::Object(o) if o.is_stringer() && matches!(verb, 'v' | 's' | 'q' | 'x' | 'X') => {
            format_one(verb, spec, &Value::str(o.go_format()))
        }
        Value::Object(o) => match o.underlying() {
            Some(inner) if verb != 'v' || matches!(inner, Value::String(_)) => {
                format_one(verb, spec, &inner)
            }
            _ => pad(spec, o.go_format(), false),
        },
        Value::List(items) if verb != 'v' || spec != Spec::default() => {
            let parts: Vec<String> = items.iter().map(|v| format_one(verb, spec, v)).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Map(m) if verb != 'v' || spec != Spec::default() => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}:{}",
                        format_one(verb, spec, &Value::str(k.as_str())),
                        format_one(verb, spec, v)
                    )
                })
                .collect();
            format!("map[{}]", parts.join(" "))
        }
        Value::Nil => match verb {
            'v' => pad(spec, "<nil>".into(), false),
            _ => bad_verb(verb, arg),
        },
        Value::Bool(b) => match verb {
            'v' | 't' => pad(spec, b.to_string(), false),
            _ => bad_verb(verb, arg),
        },
        Value::Int(n) => format_int(verb, spec, *n, arg),
        Value::Float(x) => format_float_verb(verb, spec, *x, arg),
        Value::String(s) => format_str(verb, spec, s, arg),
        other => match verb {
            'v' => pad(spec, go_format(other), false),
            _ => bad_verb(verb, other),
        },
    }
}

impl PartialEq for Spec {
    fn eq(&self, o: &Self) -> bool {
        (
            self.minus, self.plus, self.sharp, self.zero, self.space, self.width, self.prec,
        ) == (o.minus, o.plus, o.sharp, o.zero, o.space, o.width, o.prec)
    }
}

fn format_int(verb: char, spec: Spec, n: i64, arg: &Value) -> String {
    let abs = n.unsigned_abs();
    let digits = match verb {
        'v' | 'd' => abs.to_string(),
        'x' => format!("{}{abs:x}", if spec.sharp { "0x" } else { "" }),
        'X' => format!("{}{abs:X}", if spec.sharp { "0X" } else { "" }),
        'o' => format!("{}{abs:o}", if spec.sharp { "0" } else { "" }),
        'b' => format!("{abs:b}"),
        'c' => {
            return pad(
                spec,
                char::from_u32(n as u32).unwrap_or('\u{fffd}').to_string(),
                false,
            );
        }
        'q' => {
            let c = char::from_u32(n as u32).unwrap_or('\u{fffd}');
            let quoted = quote(&c.to_string());
            let inner = quoted[1..quoted.len() - 1].replace("\\\"", "\"");
            let inner = if c == '\'' { "\\'".to_string() } else { inner };
            return pad(spec, format!("'{inner}'"), false);
        }
        'U' => return pad(spec, format!("U+{:04X}", n), false),
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 's' | 't' => return bad_verb(verb, arg),
        _ => return bad_verb(verb, arg),
    };
    let digits = match spec.prec {
        Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
        _ => digits,
    };
    let sign = if n < 0 {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    pad_number(spec, sign, digits)
}

fn format_float_verb(verb: char, spec: Spec, x: f64, arg: &Value) -> String {
    let text = match verb {
        'v' | 'g' | 'G' => format_float(x, if verb == 'G' { 'G' } else { 'g' }, spec.prec),
        'e' | 'E' | 'f' | 'F' => format_float(x, verb, Some(spec.prec.unwrap_or(6))),
        _ => return bad_verb(verb, arg),
    };
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest.to_string()),
        None => match text.strip_prefix('+') {
            Some(rest) => ("+", rest.to_string()),
            None if spec.plus => ("+", text),
            None if spec.space => (" ", text),
            None => ("", text),
        },
    };
    if !x.is_finite() {
        // Go never zero-pads infinities and NaN.
        let spec = Spec {
            zero: false,
            ..spec
        };
        return pad_number(spec, sign, body);
    }
    pad_number(spec, sign, body)
}

fn format_str(verb: char, spec: Spec, s: &str, arg: &Value) -> String {
    let s = match spec.prec {
        Some(p) if matches!(verb, 'v' | 's' | 'q') => s.chars().take(p).collect::<String>(),
        _ => s.to_string(),
    };
    match verb {
        'v' | 's' => pad(spec, s, spec.zero),
        'q' => pad(spec, quote(&s), false),
        'x' | 'X' => {
            let hex: String = s
                .bytes()
                .map(|b| {
                    if verb == 'x' {
                        format!("{b:02x}")
                    } else {
                        format!("{b:02X}")
                    }
                })
                .collect();
            pad(spec, hex, false)
        }
        _ => bad_verb(verb, arg),
    }
}

/// Pads to the width: left-justified with `-`, else right-justified with
/// spaces (or zeros, which Go also uses for strings with the `0` flag).
fn pad(spec: Spec, s: String, zeros: bool) -> String {
    let len = s.chars().count();
    let Some(width) = spec.width.filter(|w| *w > len) else {
        return s;
    };
    let fill = width - len;
    if spec.minus {
        format!("{s}{}", " ".repeat(fill))
    } else if zeros {
        format!("{}{s}", "0".repeat(fill))
    } else {
        format!("{}{s}", " ".repeat(fill))
    }
}

fn pad_number(spec: Spec, sign: &str, digits: String) -> String {
    let len = sign.len() + digits.chars().count();
    match spec.width {
        Some(w) if w > len && spec.zero && !spec.minus => {
            format!("{sign}{}{digits}", "0".repeat(w - len))
        }
        _ => pad(spec, format!("{sign}{digits}"), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(format: &str, args: &[Value]) -> String {
        sprintf(format, args)
    }

    #[test]
    fn common_verbs_match_go() {
        assert_eq!(f("%.2f", &[Value::Float(1.23456)]), "1.23");
        assert_eq!(f("%5.1f|", &[Value::Float(1.23456)]), "  1.2|");
        assert_eq!(
            f("%v %g", &[Value::Float(1e6), Value::Float(0.000001)]),
            "1e+06 1e-06"
        );
        assert_eq!(f("%d%%", &[Value::Int(42)]), "42%");
        // `+` means a sign for %d and %f, field names for %v.
        assert_eq!(
            f(
                "%+d %+.1f %+v %+v",
                &[
                    Value::Int(3),
                    Value::Float(2.5),
                    Value::Float(2.5),
                    Value::Int(3)
                ]
            ),
            "+3 +2.5 2.5 3"
        );
        assert_eq!(f("%s=%q", &["a".into(), "a\"b".into()]), "a=\"a\\\"b\"");
        assert_eq!(
            f(
                "%x %X %o %b",
                &["hi".into(), Value::Int(255), Value::Int(8), Value::Int(5)]
            ),
            "6869 FF 10 101"
        );
        assert_eq!(
            f(
                "%c %U %t",
                &[Value::Int(65), Value::Int(65), Value::Bool(true)]
            ),
            "A U+0041 true"
        );
        assert_eq!(
            f(
                "%08.3f|%-5d|%+d|%5s|%-5s|",
                &[
                    Value::Float(1.23456),
                    Value::Int(42),
                    Value::Int(42),
                    "ab".into(),
                    "ab".into(),
                ]
            ),
            "0001.235|42   |+42|   ab|ab   |"
        );
        assert_eq!(
            f("%e %E", &[Value::Float(1234.5678), Value::Float(0.000012)]),
            "1.234568e+03 1.200000E-05"
        );
    }

    #[test]
    fn argument_errors_are_in_band() {
        assert_eq!(
            f("%d %s", &[Value::Float(1.5), Value::Int(2)]),
            "%!d(float64=1.5) %!s(int=2)"
        );
        assert_eq!(f("%d", &[]), "%!d(MISSING)");
        assert_eq!(f("%d", &[Value::Int(1), Value::Int(2)]), "1%!(EXTRA int=2)");
        assert_eq!(f("%d", &[Value::Nil]), "%!d(<nil>)");
        assert_eq!(f("abc%", &[]), "abc%!(NOVERB)");
    }

    #[test]
    fn collections_apply_the_verb_per_element() {
        let list = Value::list(["a".into(), "b".into()]);
        assert_eq!(
            f("%v %s %q", &[list.clone(), list.clone(), list]),
            "[a b] [a b] [\"a\" \"b\"]"
        );
        assert_eq!(f("%5.1f", &[Value::Float(f64::INFINITY)]), " +Inf");
    }
}
