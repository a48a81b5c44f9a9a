//! Prometheus' number humanizers (`humanize`, `humanize1024`,
//! `humanizeDuration`, `humanizeTimestamp`) and its seconds-to-time
//! conversion, with Go's `%.4g` formatting.

use super::format::format_float;
use super::func::FuncError;
use super::gotime::GoTime;
use super::value::Object;

/// Go's `%.4g`.
pub(crate) fn g4(v: f64) -> String {
    format_float(v, 'g', Some(4))
}

/// `humanize`: SI prefixes and four significant digits (`1.235k`, `12.3m`).
pub fn humanize(mut v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return g4(v);
    }
    if v.abs() >= 1.0 {
        let mut prefix = "";
        for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
            if v.abs() < 1000.0 {
                break;
            }
            prefix = p;
            v /= 1000.0;
        }
        return format!("{}{prefix}", g4(v));
    }
    let (v, prefix) = scale_up(v);
    format!("{}{prefix}", g4(v))
}

/// Multiplies a value below 1 by 1000 until it is at least 1, naming the
/// SI prefix that undoes it (`m`, `u`, `n`, …).
fn scale_up(mut v: f64) -> (f64, &'static str) {
    let mut prefix = "";
    for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        v *= 1000.0;
    }
    (v, prefix)
}

/// `humanize1024`: binary prefixes (`1ki`, `1.5Mi`).
pub fn humanize1024(mut v: f64) -> String {
    if v.abs() <= 1.0 || !v.is_finite() {
        return g4(v);
    }
    let mut prefix = "";
    for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
        if v.abs() < 1024.0 {
            break;
        }
        prefix = p;
        v /= 1024.0;
    }
    format!("{}{prefix}", g4(v))
}

/// `humanizeDuration`: `1d 2h 3m 4s`, `1.5s`, `150ms`.
pub fn humanize_duration(mut v: f64) -> String {
    if !v.is_finite() {
        return g4(v);
    }
    if v == 0.0 {
        return format!("{}s", g4(v));
    }
    if v.abs() >= 1.0 {
        let sign = if v < 0.0 { "-" } else { "" };
        v = v.abs();
        // Go's int64(v): past int64, the least one, as Prometheus prints.
        let d = crate::util::go_int64(v);
        let (seconds, minutes, hours, days) = (d % 60, d / 60 % 60, d / 3600 % 24, d / 86400);
        return if days != 0 {
            format!("{sign}{days}d {hours}h {minutes}m {seconds}s")
        } else if hours != 0 {
            format!("{sign}{hours}h {minutes}m {seconds}s")
        } else if minutes != 0 {
            format!("{sign}{minutes}m {seconds}s")
        } else {
            format!("{sign}{}s", g4(v))
        };
    }
    let (v, prefix) = scale_up(v);
    format!("{}{prefix}s", g4(v))
}

/// Prometheus' `floatToTime`: seconds to a UTC time at millisecond
/// precision (`model.Time`), or an error for values out of range.
pub(crate) fn float_to_time(v: f64) -> Result<GoTime, FuncError> {
    let ns = v * 1e9;
    if ns > i64::MAX as f64 || ns < i64::MIN as f64 {
        return Err(FuncError::failed(format!(
            "{} cannot be represented as a nanoseconds timestamp since it overflows int64",
            format_float(v, 'g', None)
        )));
    }
    let ms = (ns as i64) / 1_000_000;
    Ok(GoTime::from_unix(ms / 1000, (ms % 1000) * 1_000_000))
}

/// `humanizeTimestamp`: Go's `Time.String` of a Unix time in UTC.
pub fn humanize_timestamp(v: f64) -> Result<String, FuncError> {
    if !v.is_finite() {
        return Ok(g4(v));
    }
    Ok(float_to_time(v)?.go_format())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humanize_family_matches_prometheus() {
        assert_eq!(humanize(1234567.0), "1.235M");
        assert_eq!(humanize(0.0123), "12.3m");
        assert_eq!(humanize(0.0), "0");
        assert_eq!(humanize(-1500.0), "-1.5k");
        assert_eq!(humanize(f64::INFINITY), "+Inf");
        assert_eq!(humanize1024(1536.0), "1.5ki");
        assert_eq!(humanize1024(1.0), "1");
        assert_eq!(humanize_duration(0.0), "0s");
        assert_eq!(
            humanize_duration(86400.0 * 2.0 + 3600.0 * 3.0 + 64.0),
            "2d 3h 1m 4s"
        );
        assert_eq!(
            humanize_duration(-(86400.0 * 2.0 + 3600.0 * 3.0 + 60.0 * 4.0 + 5.0)),
            "-2d 3h 4m 5s"
        );
        assert_eq!(humanize_duration(899.99), "14m 59s");
        assert_eq!(humanize_duration(0.12345), "123.5ms");
        assert_eq!(humanize_duration(0.0001), "100us");
        assert_eq!(humanize_duration(12.345), "12.35s");
        // Past int64 Go's conversion gives the least int64 (Prometheus
        // 2.42 prints this for 1e21).
        assert_eq!(humanize_duration(1e21), "-106751991167300d -15h -30m -8s");
        assert_eq!(
            humanize_timestamp(1435065584.128).unwrap(),
            "2015-06-23 13:19:44.128 +0000 UTC"
        );
        assert_eq!(humanize_timestamp(f64::NAN).unwrap(), "NaN");
    }
}
