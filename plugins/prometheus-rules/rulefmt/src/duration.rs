//! Prometheus' `model.Duration`: `1y2w3d4h5m6s7ms` with the units in that
//! order, each at most once, or `0`. Parsed and printed exactly as
//! Prometheus 2.42 (prometheus/common) does, errors included.

const UNITS: [(&str, i64); 7] = [
    ("y", 365 * 24 * 3_600_000),
    ("w", 7 * 24 * 3_600_000),
    ("d", 24 * 3_600_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// Parses a duration into milliseconds.
pub fn parse_ms(text: &str) -> Result<i64, String> {
    match text {
        "0" => return Ok(0),
        "" => return Err("empty duration string".into()),
        _ => {}
    }
    let invalid = || format!("not a valid duration string: {text:?}");
    let mut rest = text;
    let mut total: i64 = 0;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(invalid());
        }
        let (number, after) = rest.split_at(digits);
        // The longest unit that matches: `ms` before `m`.
        let unit = UNITS[next_unit..]
            .iter()
            .enumerate()
            .filter(|(_, (name, _))| {
                after.starts_with(name) && !(*name == "m" && after.starts_with("ms"))
            })
            .map(|(i, u)| (i + next_unit, u))
            .next();
        let Some((index, (name, ms))) = unit else {
            return Err(invalid());
        };
        let n: i64 = number
            .parse()
            .map_err(|_| "duration out of range".to_string())?;
        total = n
            .checked_mul(*ms)
            .and_then(|d| total.checked_add(d))
            .ok_or_else(|| "duration out of range".to_string())?;
        next_unit = index + 1;
        rest = &after[name.len()..];
    }
    Ok(total)
}

/// Prints milliseconds as Prometheus does (`1h30m`, `0s`).
pub fn format_ms(ms: i64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = ms;
    for (name, unit) in UNITS {
        if rest >= unit {
            out.push_str(&format!("{}{name}", rest / unit));
            rest %= unit;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_prometheus() {
        assert_eq!(parse_ms("0"), Ok(0));
        assert_eq!(parse_ms("5m"), Ok(300_000));
        assert_eq!(parse_ms("1h30m"), Ok(5_400_000));
        assert_eq!(parse_ms("1d2h"), Ok(93_600_000));
        assert_eq!(parse_ms("1s500ms"), Ok(1_500));
        assert_eq!(parse_ms("2w"), Ok(1_209_600_000));
        assert_eq!(parse_ms(""), Err("empty duration string".into()));
        assert_eq!(
            parse_ms("5x"),
            Err(r#"not a valid duration string: "5x""#.into())
        );
        assert!(parse_ms("30m1h").is_err(), "units out of order");
        assert!(parse_ms("5").is_err());
        assert!(parse_ms("1.5h").is_err());
        assert!(parse_ms("-5m").is_err());
    }

    #[test]
    fn formats_like_prometheus() {
        assert_eq!(format_ms(0), "0s");
        assert_eq!(format_ms(90_000), "1m30s");
        assert_eq!(format_ms(86_400_000), "1d");
        assert_eq!(format_ms(1_500), "1s500ms");
    }
}
