//! Durations as Alertmanager writes them. [`Duration`] is Prometheus's
//! `model.Duration` (`1h30m`, `5m`, `1d`, `1w`, `1y`, `250ms`, `0`; units in
//! descending order, integers only) used by `resolve_timeout` and the route
//! timers. [`GoDuration`] is Go's `time.ParseDuration` format (`1.5h`,
//! `1m30s`, `-2s`), used by Pushover's `retry` and `expire`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

const MS: u128 = 1;
const UNITS: [(&str, u128); 7] = [
    ("y", 1000 * 60 * 60 * 24 * 365 * MS),
    ("w", 1000 * 60 * 60 * 24 * 7 * MS),
    ("d", 1000 * 60 * 60 * 24 * MS),
    ("h", 1000 * 60 * 60 * MS),
    ("m", 1000 * 60 * MS),
    ("s", 1000 * MS),
    ("ms", MS),
];
/// Go's `time.Duration` limit, in milliseconds.
const MAX_MS: u128 = (i64::MAX as u128) / 1_000_000;

/// A Prometheus duration (millisecond resolution).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(std::time::Duration);

impl Duration {
    /// From a std duration (sub-millisecond parts are kept but never parsed).
    pub const fn new(d: std::time::Duration) -> Self {
        Duration(d)
    }

    /// From seconds.
    pub const fn from_secs(s: u64) -> Self {
        Duration(std::time::Duration::from_secs(s))
    }

    /// The std duration.
    pub const fn as_std(&self) -> std::time::Duration {
        self.0
    }

    /// Whether it is zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// Parses Prometheus's format, with its error messages.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "0" => return Ok(Duration::default()),
            "" => return Err("empty duration string".into()),
            _ => {}
        }
        let bad = || format!("not a valid duration string: {text:?}");
        let mut rest = text;
        let mut total: u128 = 0;
        let mut next_unit = 0;
        let mut overflow = false;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(bad());
            }
            let (num, tail) = rest.split_at(digits);
            // "ms" must be tried before "m".
            let pos = (next_unit..UNITS.len())
                .filter(|&i| tail.starts_with(UNITS[i].0))
                .max_by_key(|&i| UNITS[i].0.len())
                .ok_or_else(bad)?;
            let (unit, mult) = UNITS[pos];
            // Go's Atoi saturates nothing: a number too large for int is an
            // out-of-range duration.
            match num.parse::<u128>() {
                Ok(n) if n <= MAX_MS / mult => total += n * mult,
                _ => overflow = true,
            }
            if total > MAX_MS {
                overflow = true;
            }
            rest = &tail[unit.len()..];
            next_unit = pos + 1;
        }
        if overflow {
            return Err("duration out of range".into());
        }
        Ok(Duration(std::time::Duration::from_millis(total as u64)))
    }
}

impl fmt::Display for Duration {
    /// Prometheus's rendering: `5m`, `1h30m`, `1w`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ms = self.0.as_millis();
        if ms == 0 {
            return f.write_str("0s");
        }
        for (i, (unit, mult)) in UNITS.iter().enumerate() {
            let exact_only = i < 2;
            if exact_only && !ms.is_multiple_of(*mult) {
                continue;
            }
            let v = ms / mult;
            if v > 0 {
                write!(f, "{v}{unit}")?;
                ms -= v * mult;
            }
        }
        Ok(())
    }
}

impl From<Duration> for std::time::Duration {
    fn from(d: Duration) -> Self {
        d.0
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Duration::parse(&s).map_err(crate::yaml::invalid)
    }
}

/// A Go `time.Duration` in nanoseconds, parsed and printed as Go does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GoDuration(pub i64);

impl GoDuration {
    /// Parses Go's `time.ParseDuration` syntax, with its error messages.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("time: invalid duration {}", go_quote(text));
        let mut s = text;
        let mut neg = false;
        if let Some(r) = s.strip_prefix('-') {
            neg = true;
            s = r;
        } else if let Some(r) = s.strip_prefix('+') {
            s = r;
        }
        if s == "0" {
            return Ok(GoDuration(0));
        }
        if s.is_empty() {
            return Err(bad());
        }
        let mut total: u128 = 0;
        while !s.is_empty() {
            let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
            let (int, r) = s.split_at(int_len);
            let (frac, r) = match r.strip_prefix('.') {
                Some(r) => {
                    let n = r.bytes().take_while(u8::is_ascii_digit).count();
                    r.split_at(n)
                }
                None => ("", r),
            };
            if int.is_empty() && frac.is_empty() {
                return Err(bad());
            }
            let unit_len = r
                .char_indices()
                .find(|&(_, c)| c == '.' || c.is_ascii_digit())
                .map_or(r.len(), |(i, _)| i);
            let (unit, r) = r.split_at(unit_len);
            let mult: u128 = match unit {
                "ns" => 1,
                "us" | "µs" | "μs" => 1_000,
                "ms" => 1_000_000,
                "s" => 1_000_000_000,
                "m" => 60_000_000_000,
                "h" => 3_600_000_000_000,
                "" => return Err(format!("time: missing unit in duration {}", go_quote(text))),
                _ => {
                    return Err(format!(
                        "time: unknown unit {} in duration {}",
                        go_quote(unit),
                        go_quote(text)
                    ));
                }
            };
            let whole: u128 = if int.is_empty() {
                0
            } else {
                int.parse().map_err(|_| bad())?
            };
            let mut v = whole.checked_mul(mult).ok_or_else(bad)?;
            if !frac.is_empty() {
                let digits = &frac[..frac.len().min(18)];
                let num: u128 = digits.parse().map_err(|_| bad())?;
                v = v
                    .checked_add(num * mult / 10u128.pow(digits.len() as u32))
                    .ok_or_else(bad)?;
            }
            total = total.checked_add(v).ok_or_else(bad)?;
            if total > i64::MAX as u128 + u128::from(neg) {
                return Err(bad());
            }
            s = r;
        }
        let n = if neg {
            (total as i128).wrapping_neg() as i64
        } else {
            total as i64
        };
        Ok(GoDuration(n))
    }

    /// The std duration (negative values become zero).
    pub fn as_std(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.0.max(0) as u64)
    }
}

fn go_quote(s: &str) -> String {
    format!("{s:?}")
}

impl fmt::Display for GoDuration {
    /// Go's `Duration.String()`: `1h0m0s`, `1m30s`, `1.5s`, `300ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.0 < 0;
        let u = self.0.unsigned_abs();
        let sign = if neg { "-" } else { "" };
        if u < 1_000_000_000 {
            let (unit, div) = match u {
                0 => return f.write_str("0s"),
                1..=999 => ("ns", 1),
                1_000..=999_999 => ("µs", 1_000),
                _ => ("ms", 1_000_000),
            };
            return write!(f, "{sign}{}{unit}", frac(u, div));
        }
        let secs = u / 1_000_000_000;
        let sub = u % 1_000_000_000;
        let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
        let s_str = frac(s * 1_000_000_000 + sub, 1_000_000_000);
        if h > 0 {
            write!(f, "{sign}{h}h{m}m{s_str}s")
        } else if m > 0 {
            write!(f, "{sign}{m}m{s_str}s")
        } else {
            write!(f, "{sign}{s_str}s")
        }
    }
}

/// `v / div` with the remainder as trailing-zero-free decimals.
fn frac(v: u64, div: u64) -> String {
    let whole = v / div;
    let rem = v % div;
    if rem == 0 {
        return whole.to_string();
    }
    let width = div.ilog10() as usize;
    let digits = format!("{rem:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

impl Serialize for GoDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        GoDuration::parse(&s).map_err(crate::yaml::invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> u128 {
        Duration::parse(text).unwrap().as_std().as_millis()
    }

    #[test]
    fn prometheus_format() {
        assert_eq!(ms("0"), 0);
        assert_eq!(ms("5m"), 300_000);
        assert_eq!(ms("1h30m"), 5_400_000);
        assert_eq!(ms("1d"), 86_400_000);
        assert_eq!(ms("1w"), 604_800_000);
        assert_eq!(ms("1y"), 31_536_000_000);
        assert_eq!(ms("1s500ms"), 1500);
        assert_eq!(ms("0s"), 0);
        for bad in [
            "", "1.5h", "5", "m", "1m1h", "1h1h", "-5m", " 5m", "5M", "1ms1s",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Duration::parse("1.5h").unwrap_err(),
            r#"not a valid duration string: "1.5h""#
        );
        assert_eq!(Duration::parse("").unwrap_err(), "empty duration string");
        assert_eq!(
            Duration::parse("999999999999y").unwrap_err(),
            "duration out of range"
        );
    }

    #[test]
    fn prometheus_display() {
        for (text, shown) in [
            ("5m", "5m"),
            ("90m", "1h30m"),
            ("14d", "2w"),
            ("8d", "8d"),
            ("0", "0s"),
            ("1500ms", "1s500ms"),
            ("365d", "1y"),
            ("4h", "4h"),
        ] {
            assert_eq!(Duration::parse(text).unwrap().to_string(), shown);
        }
    }

    #[test]
    fn go_format() {
        let ns = |t: &str| GoDuration::parse(t).unwrap().0;
        assert_eq!(ns("1m"), 60_000_000_000);
        assert_eq!(ns("1.5h"), 5_400_000_000_000);
        assert_eq!(ns("1m30s"), 90_000_000_000);
        assert_eq!(ns("-2s"), -2_000_000_000);
        assert_eq!(ns("300ms"), 300_000_000);
        assert_eq!(ns(".5s"), 500_000_000);
        assert_eq!(ns("0"), 0);
        assert_eq!(
            GoDuration::parse("5").unwrap_err(),
            r#"time: missing unit in duration "5""#
        );
        assert_eq!(
            GoDuration::parse("5d").unwrap_err(),
            r#"time: unknown unit "d" in duration "5d""#
        );
        assert!(GoDuration::parse("").is_err());
        assert!(GoDuration::parse(".s").is_err());
        assert!(GoDuration::parse("1.000000000000000000000000000000000001h").is_ok());
        assert!(GoDuration::parse("99999999999999999999999999999999h").is_err());
        for (t, shown) in [
            ("1h", "1h0m0s"),
            ("1m", "1m0s"),
            ("90s", "1m30s"),
            ("1.5s", "1.5s"),
            ("300ms", "300ms"),
            ("0s", "0s"),
            ("-2s", "-2s"),
            ("1us", "1µs"),
        ] {
            assert_eq!(GoDuration::parse(t).unwrap().to_string(), shown);
        }
    }
}
