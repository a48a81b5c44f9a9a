//! Go's `fmt` printing rules for template values: `%v` forms (`1e+06`,
//! `+Inf`, `[a b]`, `map[k:v]`), `fmt.Sprint`'s spacing, and the float
//! conversions `%e`, `%f` and `%g` (shortest or to a precision) that
//! `printf` and the humanize functions build on.

use super::value::Value;

/// A value as Go's `fmt.Sprint` prints it (`%v`).
pub fn go_format(v: &Value) -> String {
    match v {
        Value::Nil => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(n) => n.to_string(),
        Value::Float(x) => format_float(*x, 'g', None),
        Value::String(s) => s.to_string(),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(go_format).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Map(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k}:{}", go_format(v)))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
        Value::Object(o) => o.go_format(),
        Value::Func(_) => "<func>".into(),
    }
}

/// What an action `{{ x }}` prints: like `%v`, but nil is `<no value>`.
pub fn action_format(v: &Value) -> String {
    match v {
        Value::Nil => "<no value>".into(),
        other => go_format(other),
    }
}

/// Go's `fmt.Sprint`: spaces between operands when neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Value::String(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        out.push_str(&go_format(arg));
        prev_string = is_string;
    }
    out
}

/// Go's `fmt.Sprintln`: spaces between all operands and a final newline.
pub fn sprintln(args: &[Value]) -> String {
    let parts: Vec<String> = args.iter().map(go_format).collect();
    format!("{}\n", parts.join(" "))
}

/// Decimal digits of `|x|` without trailing zeros and the position of the
/// decimal point: `x = 0.d₁d₂… × 10^dp`. Zero has no digits.
struct Digits {
    d: Vec<u8>,
    dp: i32,
}

impl Digits {
    /// From Rust's `{:e}` form, which is correctly rounded (ties to even,
    /// like Go's `strconv`); `sig` significant digits, or the shortest
    /// representation that round-trips when `None`.
    fn of(x: f64, sig: Option<usize>) -> Self {
        let s = match sig {
            Some(n) => format!("{:.*e}", n.saturating_sub(1), x.abs()),
            None => format!("{:e}", x.abs()),
        };
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let mut d: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        while d.last() == Some(&b'0') {
            d.pop();
        }
        if d.is_empty() {
            return Self { d, dp: 0 };
        }
        Self { d, dp: exp + 1 }
    }

    fn nd(&self) -> i32 {
        self.d.len() as i32
    }

    /// `%e` with `prec` digits after the point.
    fn fmt_e(&self, prec: i32, e: char) -> String {
        let mut out = String::new();
        out.push(self.d.first().map_or('0', |&c| c as char));
        if prec > 0 {
            out.push('.');
            for i in 1..=prec {
                out.push(self.d.get(i as usize).map_or('0', |&c| c as char));
            }
        }
        out.push(e);
        let exp = if self.d.is_empty() { 0 } else { self.dp - 1 };
        out.push(if exp < 0 { '-' } else { '+' });
        let exp = exp.abs();
        if exp < 10 {
            out.push('0');
        }
        out.push_str(&exp.to_string());
        out
    }

    /// `%f` with `prec` digits after the point.
    fn fmt_f(&self, prec: i32) -> String {
        let mut out = String::new();
        if self.dp > 0 {
            for i in 0..self.dp {
                out.push(self.d.get(i as usize).map_or('0', |&c| c as char));
            }
        } else {
            out.push('0');
        }
        if prec > 0 {
            out.push('.');
            for i in 1..=prec {
                let j = self.dp + i - 1;
                let c = if j >= 0 {
                    self.d.get(j as usize).copied().unwrap_or(b'0')
                } else {
                    b'0'
                };
                out.push(c as char);
            }
        }
        out
    }
}

/// Go's `strconv.FormatFloat(x, verb, prec, 64)` for verbs `e E f F g G`,
/// with `None` as precision -1 (shortest), plus fmt's `+Inf`.
pub fn format_float(x: f64, verb: char, prec: Option<usize>) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let body = match verb {
        'e' | 'E' => {
            let digits = match prec {
                Some(p) => Digits::of(x, Some(p + 1)),
                None => Digits::of(x, None),
            };
            let p = prec.map_or((digits.nd() - 1).max(0), |p| p as i32);
            digits.fmt_e(p, verb)
        }
        'f' | 'F' => match prec {
            Some(p) => return format!("{:.*}", p, x),
            None => {
                let digits = Digits::of(x, None);
                digits.fmt_f((digits.nd() - digits.dp).max(0))
            }
        },
        _ => {
            let e = if verb == 'G' { 'E' } else { 'e' };
            let (digits, mut p, shortest) = match prec {
                Some(p) => {
                    let p = p.max(1);
                    (Digits::of(x, Some(p)), p as i32, false)
                }
                None => {
                    let digits = Digits::of(x, None);
                    let nd = digits.nd();
                    (digits, nd, true)
                }
            };
            let mut eprec = p;
            if eprec > digits.nd() && digits.nd() >= digits.dp {
                eprec = digits.nd();
            }
            if shortest {
                eprec = 6;
            }
            let exp = digits.dp - 1;
            if exp < -4 || exp >= eprec {
                if p > digits.nd() {
                    p = digits.nd();
                }
                digits.fmt_e((p - 1).max(0), e)
            } else {
                if p > digits.dp {
                    p = digits.nd();
                }
                digits.fmt_f((p - digits.dp).max(0))
            }
        }
    };
    format!("{sign}{body}")
}

/// Go's `strconv.Quote`: double quotes, backslash escapes, `\u` for
/// non-printable characters.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_go_v() {
        let cases = [
            (1.0, "1"),
            (0.5, "0.5"),
            (1e6, "1e+06"),
            (100000.0, "100000"),
            (123456789.0, "1.23456789e+08"),
            (1e21, "1e+21"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
            (0.0, "0"),
            (1e100, "1e+100"),
        ];
        for (x, want) in cases {
            assert_eq!(format_float(x, 'g', None), want, "{x}");
        }
    }

    #[test]
    fn precision_forms_match_go() {
        assert_eq!(format_float(12345.0, 'g', Some(4)), "1.234e+04");
        assert_eq!(format_float(1234.5, 'g', Some(4)), "1234");
        assert_eq!(format_float(1.0005, 'g', Some(3)), "1");
        assert_eq!(format_float(0.000012, 'g', Some(4)), "1.2e-05");
        assert_eq!(format_float(1234.5678, 'e', Some(6)), "1.234568e+03");
        assert_eq!(format_float(0.000012, 'E', Some(6)), "1.200000E-05");
        assert_eq!(format_float(0.125, 'f', Some(2)), "0.12");
        assert_eq!(format_float(2.5, 'f', Some(0)), "2");
        assert_eq!(format_float(0.0, 'e', Some(2)), "0.00e+00");
        assert_eq!(format_float(1e-7, 'G', None), "1E-07");
    }

    #[test]
    fn sprint_spaces_between_non_strings() {
        let args = [
            Value::Int(1),
            Value::Int(2),
            "a".into(),
            "b".into(),
            Value::Int(3),
            Value::Nil,
        ];
        assert_eq!(sprint(&args), "1 2ab3 <nil>");
        assert_eq!(sprintln(&[Value::Int(1), "a".into()]), "1 a\n");
    }

    #[test]
    fn collections_print_like_go() {
        let v = Value::map([
            ("b", Value::list(["x".into(), "y".into()])),
            ("a", Value::Float(1.5)),
        ]);
        assert_eq!(go_format(&v), "map[a:1.5 b:[x y]]");
        assert_eq!(action_format(&Value::Nil), "<no value>");
    }

    #[test]
    fn quote_escapes_like_strconv() {
        assert_eq!(quote("a\"b\n\u{1}é"), "\"a\\\"b\\n\\x01é\"");
    }
}
