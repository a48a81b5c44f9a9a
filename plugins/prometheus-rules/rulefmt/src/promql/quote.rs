//! Go's quoting, as Prometheus' messages print values: `%q` of a string
//! (`strconv.Quote`) or of a rune (`strconv.QuoteRune`), `%#U` and `%f`.

/// Go's `strconv.IsPrint`, closely: letters, marks, numbers, punctuation,
/// symbols and the ASCII space (unassigned code points are not told apart).
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let n = c as u32;
    let format = matches!(
        n,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x13438
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    );
    let private = matches!(n, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD);
    let nonchar = (n & 0xFFFE) == 0xFFFE || (0xFDD0..=0xFDEF).contains(&n);
    !(format || private || nonchar)
}

/// Appends `c` escaped as Go does inside a `quote`-quoted literal.
fn escape_into(out: &mut String, c: char, quote: char) {
    if let Some(b) = super::literal::raw_byte(c) {
        out.push_str(&format!("\\x{b:02x}"));
        return;
    }
    match c {
        _ if c == quote || c == '\\' => {
            out.push('\\');
            out.push(c);
        }
        _ if is_print(c) => out.push(c),
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        _ if (c as u32) < 0x20 || c == '\u{7f}' => {
            out.push_str(&format!("\\x{:02x}", c as u32));
        }
        _ if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        _ => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// Go's `%q` of a string.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        escape_into(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// Go's `%.<n>q` of a string: its first `n` runes, quoted.
pub fn string_prefix(s: &str, n: usize) -> String {
    let prefix: String = s.chars().take(n).collect();
    string(&prefix)
}

/// Go's `%q` of a rune; `None` (Go's `eof`, -1) prints as U+FFFD.
pub fn rune(c: Option<char>) -> String {
    let c = c.unwrap_or('\u{FFFD}');
    let mut out = String::from("'");
    escape_into(&mut out, c, '\'');
    out.push('\'');
    out
}

/// Go's `%#U`: `U+0071 'q'`, or just `U+000A` when not printable.
pub fn unicode(c: char) -> String {
    if is_print(c) {
        format!("U+{:04X} '{c}'", c as u32)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// Go's `%f`: six decimals, `+Inf`, `-Inf` and `NaN`.
pub fn float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v:.6}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_as_go_does() {
        assert_eq!(
            super::string("a\"b\\\n\u{7f}é\u{a0}"),
            r#""a\"b\\\n\x7fé\u00a0""#
        );
        assert_eq!(super::rune(Some('\'')), r"'\''");
        assert_eq!(super::rune(None), "'\u{FFFD}'");
        assert_eq!(super::unicode('q'), "U+0071 'q'");
        assert_eq!(super::unicode('\n'), "U+000A");
        assert_eq!(
            super::string_prefix("\"abcdefghijk\"", 10),
            r#""\"abcdefghi""#
        );
        assert_eq!(super::float(1e20), "100000000000000000000.000000");
        assert_eq!(super::float(f64::INFINITY), "+Inf");
    }
}
