//! Durations: Prometheus' (`5m`, `1h30m`, `2d`: ranges) and Go's
//! (`1.5s`, `1h0m0s`: offsets and duration filters), parsed and printed as
//! `model.Duration` and `time.Duration` do.

use std::fmt::Write as _;

use super::go_quote;

const NS_PER_MS: i128 = 1_000_000;

/// Parses a Prometheus duration (`5m`, `1h30m`, `2d`, `0`) as the range of a
/// log range (`[5m]`); returns nanoseconds.
pub fn parse_prom_duration(s: &str) -> Result<i64, String> {
    match s {
        "0" => return Ok(0),
        "" => return Err("empty duration string".into()),
        _ => {}
    }
    const UNITS: [(&str, i128); 7] = [
        ("y", 1000 * 60 * 60 * 24 * 365),
        ("w", 1000 * 60 * 60 * 24 * 7),
        ("d", 1000 * 60 * 60 * 24),
        ("h", 1000 * 60 * 60),
        ("m", 1000 * 60),
        ("s", 1000),
        ("ms", 1),
    ];
    let invalid = || format!("not a valid duration string: {}", go_quote(s));
    let (mut rest, mut next_unit, mut total_ms) = (s, 0, 0i128);
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(invalid());
        }
        let (num, after) = rest.split_at(digits);
        let unit = UNITS
            .iter()
            .enumerate()
            .skip(next_unit)
            .find(|(_, (u, _))| after.starts_with(u) && !(*u == "m" && after.starts_with("ms")));
        let Some((i, (u, mult))) = unit else {
            return Err(invalid());
        };
        let n: i128 = num
            .parse()
            .map_err(|_| "duration out of range".to_string())?;
        total_ms += n * mult;
        if total_ms * NS_PER_MS > i64::MAX as i128 {
            return Err("duration out of range".into());
        }
        next_unit = i + 1;
        rest = &after[u.len()..];
    }
    Ok((total_ms * NS_PER_MS) as i64)
}

/// Prints nanoseconds as Prometheus' `model.Duration` does (`5m`, `1h30m`,
/// `1d`, `90d`, `0s`); sub-millisecond parts are dropped.
pub fn format_prom_duration(ns: i64) -> String {
    let mut ms = ns / 1_000_000;
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    if ms < 0 {
        out.push('-');
        ms = -ms;
    }
    let units: [(&str, i64, bool); 7] = [
        ("y", 1000 * 60 * 60 * 24 * 365, true),
        ("w", 1000 * 60 * 60 * 24 * 7, true),
        ("d", 1000 * 60 * 60 * 24, false),
        ("h", 1000 * 60 * 60, false),
        ("m", 1000 * 60, false),
        ("s", 1000, false),
        ("ms", 1, false),
    ];
    for (unit, mult, exact) in units {
        if exact && ms % mult != 0 {
            continue;
        }
        let v = ms / mult;
        if v > 0 {
            let _ = write!(out, "{v}{unit}");
            ms -= v * mult;
        }
    }
    out
}

/// Parses a duration as Go's `time.ParseDuration` does (`1.5s`, `1h0m0s`,
/// `-5m`, `300ms`, `2µs`); returns nanoseconds.
pub fn parse_go_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", go_quote(orig));
    let mut s = orig;
    let mut neg = false;
    if let Some(c) = s.chars().next()
        && (c == '-' || c == '+')
    {
        neg = c == '-';
        s = &s[1..];
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !s.is_empty() {
        let b = s.as_bytes()[0];
        if !(b == b'.' || b.is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let v: u128 = if int_len == 0 {
            0
        } else {
            s[..int_len].parse().map_err(|_| invalid())?
        };
        s = &s[int_len..];
        let (mut frac, mut scale, mut post) = (0u128, 1f64, false);
        if s.starts_with('.') {
            s = &s[1..];
            let n = s.bytes().take_while(u8::is_ascii_digit).count();
            for d in s[..n].bytes() {
                if frac < (1u128 << 62) {
                    frac = frac * 10 + u128::from(d - b'0');
                    scale *= 10.0;
                }
            }
            post = n > 0;
            s = &s[n..];
        }
        if int_len == 0 && !post {
            return Err(invalid());
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", go_quote(orig)));
        }
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let mult: u128 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(unit),
                    go_quote(orig)
                ));
            }
        };
        let mut part = v.checked_mul(mult).ok_or_else(invalid)?;
        if frac > 0 {
            part += (frac as f64 * (mult as f64 / scale)) as u128;
        }
        total += part;
        if total > 1u128 << 63 {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((-(total as i128)) as i64);
    }
    if total > i64::MAX as u128 {
        return Err(invalid());
    }
    Ok(total as i64)
}

/// Prints nanoseconds as Go's `time.Duration.String` does (`1h0m0s`, `1.5s`,
/// `300ms`, `0s`).
pub fn format_go_duration(ns: i64) -> String {
    let neg = ns < 0;
    let mut u = ns.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (unit, prec) = match u {
            0 => return "0s".into(),
            1..=999 => ("ns", 0),
            1_000..=999_999 => ("\u{b5}s", 3),
            _ => ("ms", 6),
        };
        let (int, frac) = split_frac(u, prec);
        out.push_str(&int.to_string());
        out.push_str(&frac);
        out.push_str(unit);
    } else {
        let (secs, frac) = split_frac(u, 9);
        u = secs;
        let s = u % 60;
        u /= 60;
        if u > 0 {
            let m = u % 60;
            u /= 60;
            if u > 0 {
                let _ = write!(out, "{u}h");
            }
            let _ = write!(out, "{m}m");
        }
        let _ = write!(out, "{s}{frac}s");
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// Splits `v / 10^prec` into its integer part and `.fraction` without
/// trailing zeros (Go's `fmtFrac`).
fn split_frac(v: u64, prec: u32) -> (u64, String) {
    let p = 10u64.pow(prec);
    let (int, frac) = (v / p, v % p);
    if frac == 0 {
        return (int, String::new());
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    (int, format!(".{}", digits.trim_end_matches('0')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prom_durations() {
        assert_eq!(parse_prom_duration("5m"), Ok(300_000_000_000));
        assert_eq!(parse_prom_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_prom_duration("5ms"), Ok(5_000_000));
        assert_eq!(parse_prom_duration("1m5ms"), Ok(60_005_000_000));
        assert!(
            parse_prom_duration("5minutes")
                .unwrap_err()
                .contains("not a valid duration string")
        );
        assert!(parse_prom_duration("30s1m").is_err());
        for s in ["5m", "1h30m", "1d", "1w", "90d", "1y", "1s500ms", "0s"] {
            assert_eq!(format_prom_duration(parse_prom_duration(s).unwrap()), s);
        }
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_go_duration("1h0m0s"), Ok(3_600_000_000_000));
        assert_eq!(parse_go_duration("-5m"), Ok(-300_000_000_000));
        assert_eq!(parse_go_duration("2\u{b5}s"), Ok(2_000));
        assert_eq!(
            parse_go_duration("10").unwrap_err(),
            "time: missing unit in duration \"10\""
        );
        assert_eq!(
            parse_go_duration("1x").unwrap_err(),
            "time: unknown unit \"x\" in duration \"1x\""
        );
        assert_eq!(
            parse_go_duration("abc").unwrap_err(),
            "time: invalid duration \"abc\""
        );
        for (ns, s) in [
            (3_600_000_000_000, "1h0m0s"),
            (90_000_000_000, "1m30s"),
            (1_500_000_000, "1.5s"),
            (300_000_000, "300ms"),
            (1_500, "1.5\u{b5}s"),
            (-300_000_000_000, "-5m0s"),
            (0, "0s"),
        ] {
            assert_eq!(format_go_duration(ns), s);
            assert_eq!(parse_go_duration(s), Ok(ns));
        }
    }
}
