//! Literal values as Prometheus 2.42 reads them, errors worded as Go words
//! them: numbers (`strconv.ParseInt(s, 0, 64)`, then `ParseFloat`),
//! durations (`model.ParseDuration` of prometheus/common 0.39, in
//! nanoseconds, then "must be greater than 0") and string unquoting.

use super::quote;

/// A NUMBER token's value, or Go's "error parsing number: ..." text.
pub fn number(text: &str) -> Result<f64, String> {
    if let Some(v) = parse_int(text) {
        return Ok(v as f64);
    }
    let lower = text.to_ascii_lowercase();
    if lower == "inf" {
        return Ok(f64::INFINITY);
    }
    if lower == "nan" {
        return Ok(f64::NAN);
    }
    let failed = |why: &str| {
        format!(
            "error parsing number: strconv.ParseFloat: parsing {}: {why}",
            quote::string(text)
        )
    };
    // A hexadecimal float needs a `p` exponent, which the lexer never
    // takes: any hexadecimal that is no int64 is invalid syntax.
    if lower.starts_with("0x") || !decimal_float(text) {
        return Err(failed("invalid syntax"));
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_infinite() => Err(failed("value out of range")),
        Ok(v) => Ok(v),
        Err(_) => Err(failed("invalid syntax")),
    }
}

/// Go's `ParseInt(s, 0, 64)` for what the lexer lets through.
fn parse_int(text: &str) -> Option<i64> {
    let lower = text.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16)
            .ok()
            .filter(|_| !hex.is_empty());
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) || text.is_empty() {
        return None;
    }
    if text.len() > 1 && text.starts_with('0') {
        return i64::from_str_radix(&text[1..], 8).ok();
    }
    text.parse().ok()
}

/// Go's decimal float syntax: digits with an optional point (at least one
/// digit) and an optional exponent with digits.
fn decimal_float(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).count();
    let points = mantissa.bytes().filter(|b| *b == b'.').count();
    let mantissa_ok = digits > 0 && points <= 1 && digits + points == mantissa.len();
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

/// Nanoseconds per unit of `model.ParseDuration`, in its order.
const UNITS: [(&str, i128); 7] = [
    ("y", 365 * 24 * 3_600_000_000_000),
    ("w", 7 * 24 * 3_600_000_000_000),
    ("d", 24 * 3_600_000_000_000),
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
];

/// A DURATION token's value in nanoseconds, or the error Prometheus
/// reports at the token.
pub fn duration(text: &str) -> Result<i64, String> {
    let invalid = || format!("not a valid duration string: {}", quote::string(text));
    let mut rest = text;
    let mut next_unit = 0;
    let mut total: i128 = 0;
    let mut out_of_range = false;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(invalid());
        }
        let (number, after) = rest.split_at(digits);
        let found = UNITS
            .iter()
            .enumerate()
            .skip(next_unit)
            .find(|(_, (unit, _))| {
                after.starts_with(unit) && !(*unit == "m" && after.starts_with("ms"))
            });
        let Some((index, (unit, ns))) = found else {
            return Err(invalid());
        };
        // Go's Atoi saturates; anything that long is out of range anyway.
        let n: i128 = number.parse().unwrap_or(i128::from(i64::MAX));
        if n > i128::from(i64::MAX) / ns {
            out_of_range = true;
        }
        total += n * ns;
        if total > i128::from(i64::MAX) {
            out_of_range = true;
        }
        next_unit = index + 1;
        rest = &after[unit.len()..];
    }
    if out_of_range {
        return Err("duration out of range".into());
    }
    if total == 0 {
        return Err("duration must be greater than 0".into());
    }
    Ok(i64::try_from(total).unwrap_or(i64::MAX))
}

/// Where a value holds a byte that is no UTF-8 (from `\xff` or `\377`),
/// [`unquote`] puts this character plus the byte (U+10FF80 to U+10FFFF,
/// private use that queries do not hold).
const RAW_BYTE: u32 = 0x10_FF00;

/// The byte a character of [`unquote`]'s output stands for, if it is one.
pub fn raw_byte(c: char) -> Option<u8> {
    (c as u32)
        .checked_sub(RAW_BYTE)
        .and_then(|b| u8::try_from(b).ok())
        .filter(|b| *b >= 0x80)
}

/// A STRING token's value (the lexer has checked its escapes). Go's
/// strings are bytes: one that is no UTF-8 comes out as [`raw_byte`]'s
/// character.
pub fn unquote(text: &str) -> String {
    let bytes = unquote_bytes(text);
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push(char::from_u32(RAW_BYTE + u32::from(*b)).unwrap_or('\u{FFFD}'));
        }
    }
    out
}

fn unquote_bytes(text: &str) -> Vec<u8> {
    let mut chars = text.chars();
    let quote = chars.next().unwrap_or('"');
    let body = text
        .get(quote.len_utf8()..text.len().saturating_sub(quote.len_utf8()))
        .unwrap_or("");
    if quote == '`' {
        return body.as_bytes().to_vec();
    }
    let mut out = Vec::with_capacity(body.len());
    let mut it = body.chars();
    let push = |out: &mut Vec<u8>, c: char| {
        let mut buf = [0; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    };
    while let Some(c) = it.next() {
        if c != '\\' {
            push(&mut out, c);
            continue;
        }
        let Some(e) = it.next() else { break };
        let simple = match e {
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            '0'..='7' | 'x' | 'u' | 'U' => None,
            other => Some(other),
        };
        if let Some(s) = simple {
            push(&mut out, s);
            continue;
        }
        let (count, radix, mut code) = match e {
            'x' => (2, 16, 0),
            'u' => (4, 16, 0),
            'U' => (8, 16, 0),
            d => (2, 8, d.to_digit(8).unwrap_or(0)),
        };
        for _ in 0..count {
            let digit = it.next().and_then(|d| d.to_digit(radix)).unwrap_or(0);
            code = code * radix + digit;
        }
        match u8::try_from(code) {
            // `\xNN` and octal escapes are bytes.
            Ok(b) if e != 'u' && e != 'U' => out.push(b),
            _ => push(&mut out, char::from_u32(code).unwrap_or('\u{FFFD}')),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_as_go_parses_them() {
        assert_eq!(super::number("0x10"), Ok(16.0));
        assert_eq!(super::number("0755"), Ok(493.0));
        assert_eq!(super::number("09"), Ok(9.0));
        assert_eq!(super::number("1e-400"), Ok(0.0));
        assert!(super::number("0x8000000000000000").is_err());
        assert_eq!(
            super::number("1e999").unwrap_err(),
            "error parsing number: strconv.ParseFloat: parsing \"1e999\": value out of range"
        );
    }

    #[test]
    fn durations_in_nanoseconds() {
        assert_eq!(super::duration("1m30s"), Ok(90_000_000_000));
        assert_eq!(super::duration("292y").map(|_| ()), Ok(()));
        assert_eq!(
            super::duration("293y").unwrap_err(),
            "duration out of range"
        );
        assert_eq!(
            super::duration("5m5m").unwrap_err(),
            "not a valid duration string: \"5m5m\""
        );
        assert_eq!(
            super::duration("0s").unwrap_err(),
            "duration must be greater than 0"
        );
    }

    #[test]
    fn unquotes() {
        assert_eq!(super::unquote(r#""a\"b\x41\u00e9\101""#), "a\"bAéA");
        assert_eq!(super::unquote("`a\\b`"), "a\\b");
        assert_eq!(super::unquote("'it\\'s'"), "it's");
        assert_eq!(super::unquote(r#""\xc3\xa9\377""#), "é\u{10FFFF}");
    }
}
