//! Go-, Prometheus- and humanize-compatible conversions: durations, byte sizes,
//! floats and quoted strings, parsed and printed exactly as Loki's Go code does
//! (`time.ParseDuration`, `model.ParseDuration`, `humanize.ParseBytes`,
//! `strconv.ParseFloat`, `strconv.Quote`, `fmt.Sprint(float64)`), so that the
//! printer's output parses back to the same tree.

mod duration;

pub use duration::{
    format_go_duration, format_prom_duration, parse_go_duration, parse_prom_duration,
};

use std::fmt::Write as _;

/// `1.5 kb`, `42`).
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let num_len: usize = s
        .chars()
        .take_while(|c| c.is_numeric() || *c == '.' || *c == ',')
        .map(char::len_utf8)
        .sum();
    let num = s[..num_len].replace(',', "");
    let f = parse_go_float(&num)?;
    let suffix = s[num_len..].trim().to_ascii_lowercase();
    let mult: u64 = match suffix.as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "ki" | "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mi" | "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gi" | "gib" => 1 << 30,
        "t" | "tb" => 1_000_000_000_000,
        "ti" | "tib" => 1 << 40,
        "p" | "pb" => 1_000_000_000_000_000,
        "pi" | "pib" => 1 << 50,
        "e" | "eb" => 1_000_000_000_000_000_000,
        "ei" | "eib" => 1 << 60,
        other => return Err(format!("unhandled size name: {other}")),
    };
    let v = f * mult as f64;
    if v >= u64::MAX as f64 {
        return Err(format!("too large: {s}"));
    }
    Ok(v as u64)
}

/// Prints a byte size so that [`parse_bytes`] reads it back exactly: the
/// largest SI or IEC unit that divides it, else plain bytes (`20MB`, `1KiB`,
/// `1500B`). Loki prints `humanize.Bytes`, which rounds (`1.0kB` for 1024).
pub fn format_bytes(v: u64) -> String {
    const UNITS: [(&str, u64); 10] = [
        ("PiB", 1 << 50),
        ("PB", 1_000_000_000_000_000),
        ("TiB", 1 << 40),
        ("TB", 1_000_000_000_000),
        ("GiB", 1 << 30),
        ("GB", 1_000_000_000),
        ("MiB", 1 << 20),
        ("MB", 1_000_000),
        ("KiB", 1 << 10),
        ("KB", 1_000),
    ];
    if v == 0 {
        return "0B".into();
    }
    for (unit, mult) in UNITS {
        if v.is_multiple_of(mult) {
            return format!("{}{unit}", v / mult);
        }
    }
    format!("{v}B")
}

/// Parses a float as Go's `strconv.ParseFloat` does for the forms logs use.
pub fn parse_go_float(s: &str) -> Result<f64, String> {
    let plain = s.strip_prefix(['+', '-']).unwrap_or(s);
    let ok_chars = plain
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        || matches!(
            plain.to_ascii_lowercase().as_str(),
            "inf" | "infinity" | "nan"
        );
    match s.parse::<f64>() {
        Ok(v) if ok_chars => Ok(v),
        _ => Err(format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            go_quote(s)
        )),
    }
}

/// Prints a float as Go's `fmt.Sprint(float64)` does (`%v`): the shortest
/// digits, in exponent form when the decimal exponent is below -4 or at least
/// 6 (`1e+06`, `1e-05`, `123456`, `0.0001`).
pub fn format_go_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if v < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}e{esign}{:02}", exp.abs());
    }
    // Plain decimal with the shortest digits.
    let point = exp + 1; // digits before the decimal point
    let out = if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if point as usize >= digits.len() {
        format!("{}{}", digits, "0".repeat(point as usize - digits.len()))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    };
    format!("{sign}{out}")
}

/// Prints a float as Go's `strconv.FormatFloat(v, 'f', -1, 64)` does.
pub fn format_float_f(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}

/// Quotes a string as Go's `strconv.Quote` does.
pub fn go_quote(s: &str) -> String {
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
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                if (c as u32) < 0x10000 {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                } else {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
            }
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
    fn bytes() {
        assert_eq!(parse_bytes("20MB"), Ok(20_000_000));
        assert_eq!(parse_bytes("1KiB"), Ok(1024));
        assert_eq!(parse_bytes("1.5 kb"), Ok(1500));
        assert_eq!(parse_bytes("42"), Ok(42));
        assert_eq!(
            parse_bytes("3 apples").unwrap_err(),
            "unhandled size name: apples"
        );
        for v in [0, 1, 1000, 1024, 1500, 20_000_000, 3 << 30] {
            assert_eq!(parse_bytes(&format_bytes(v)), Ok(v));
        }
    }

    #[test]
    fn floats() {
        for (v, s) in [
            (1.0, "1"),
            (0.99, "0.99"),
            (1e6, "1e+06"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
            (1e21, "1e+21"),
        ] {
            assert_eq!(format_go_float(v), s);
        }
        assert_eq!(parse_go_float("1e3"), Ok(1000.0));
        assert!(parse_go_float("12ms").is_err());
        assert_eq!(format_float_f(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn quoting() {
        assert_eq!(go_quote("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\x01é\"");
    }
}
