//! Request parameters as Prometheus reads them, shared by every endpoint:
//! the query string merged with a form body (`POST` with
//! `application/x-www-form-urlencoded`, body values first, as Go's
//! `Request.Form`), times (Unix seconds as a float, or RFC 3339), `match[]`
//! series selectors, and the wire formats of times and durations in
//! responses.

use super::envelope::ApiError;
use crate::storage::metrics::Matcher;
use axum::extract::{FromRequest, Request};
use axum::http::{Method, header};
use promql_parser::parser::Expr;
use std::time::Duration;

/// Largest form body read.
const MAX_FORM: usize = 8 << 20;

/// Prometheus' spelling of its earliest and latest timestamps, accepted as
/// times (Grafana and promtool send them).
const MIN_TIME_FORMATTED: &str = "-292273086-05-16T16:47:06Z";
const MAX_TIME_FORMATTED: &str = "292277025-08-18T07:12:54.999999999Z";

/// The request's parameters, in Go's `Request.Form` order.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let query = req.uri().query().unwrap_or("").as_bytes().to_vec();
        let form = req.method() != Method::GET
            && req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        let mut pairs = Vec::new();
        if form {
            let body = axum::body::to_bytes(req.into_body(), MAX_FORM)
                .await
                .map_err(|e| ApiError::bad_data(format!("error parsing form values: {e}")))?;
            pairs.extend(form_urlencoded::parse(&body).into_owned());
        }
        pairs.extend(form_urlencoded::parse(&query).into_owned());
        Ok(Params(pairs))
    }
}

impl Params {
    /// Parameters from `key=value` pairs (tests).
    #[cfg(test)]
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Params {
        Params(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// The first value of `name` (Go's `FormValue`): `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The first value of `name`, `None` when absent.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Time parameter `name` in ms, `default` when absent or empty; errors
    /// read as Prometheus' (`invalid parameter "start": Invalid time value
    /// for 'start': cannot parse "x" to a valid timestamp`).
    pub fn time(&self, name: &str, default: i64) -> Result<i64, ApiError> {
        match self.get(name) {
            "" => Ok(default),
            text => parse_time(text).map_err(|e| {
                ApiError::invalid_param(name, format!("Invalid time value for '{name}': {e}"))
            }),
        }
    }

    /// `start` and `end`, defaulting to all time.
    pub fn range(&self) -> Result<(i64, i64), ApiError> {
        Ok((self.time("start", i64::MIN)?, self.time("end", i64::MAX)?))
    }

    /// The `match[]` selectors, each a list of matchers; an empty list when
    /// there is none. The error is the bare reason (callers wrap it or not,
    /// as Prometheus does per endpoint).
    pub fn selectors(&self) -> Result<Vec<Vec<Matcher>>, String> {
        self.all("match[]")
            .into_iter()
            .map(|s| {
                let matchers = selector_matchers(s).map_err(|e| {
                    if e.contains("at least one non-empty matcher") {
                        NON_EMPTY.to_string()
                    } else {
                        e
                    }
                })?;
                if matchers.iter().all(Matcher::matches_empty) {
                    return Err(NON_EMPTY.to_string());
                }
                Ok(matchers)
            })
            .collect()
    }
}

impl Params {
    /// For endpoints that require `match[]` (`series`, `delete_series`):
    /// the selectors with `start` and `end`, checked in Prometheus' order
    /// and worded as its errors are.
    pub fn required_selection(&self) -> Result<(Vec<Vec<Matcher>>, i64, i64), ApiError> {
        if self.all("match[]").is_empty() {
            return Err(ApiError::bad_data("no match[] parameter provided"));
        }
        let (start, end) = self.range()?;
        let selectors = self
            .selectors()
            .map_err(|e| ApiError::invalid_param("match[]", e))?;
        Ok((selectors, start, end))
    }
}

const NON_EMPTY: &str = "match[] must contain at least one non-empty matcher";

/// The matchers of a vector selector (`up{job="a"}`).
pub fn selector_matchers(selector: &str) -> Result<Vec<Matcher>, String> {
    let vs = match promql_parser::parser::parse(selector)? {
        Expr::VectorSelector(vs) => vs,
        other => {
            return Err(format!(
                "expected a series selector, got {}",
                other.prettify()
            ));
        }
    };
    crate::query::selector_matchers(&vs).map_err(|e| e.to_string())
}

/// A time as Prometheus parses one, in ms: Unix seconds as a float
/// (rounded to the millisecond), RFC 3339 with optional fraction and offset,
/// or Prometheus' own spellings of the earliest and latest time.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let invalid = || format!("cannot parse {text:?} to a valid timestamp");
    if let Ok(seconds) = text.parse::<f64>() {
        if seconds.is_nan() {
            return Err(invalid());
        }
        // Saturating, as the float-to-int cast is.
        return Ok((seconds * 1000.0).round() as i64);
    }
    match text {
        MIN_TIME_FORMATTED => return Ok(i64::MIN),
        MAX_TIME_FORMATTED => return Ok(i64::MAX),
        _ => {}
    }
    parse_rfc3339(text).ok_or_else(invalid)
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` → ms.
fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = text.get(from..from + len)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let digits = &text[start..i];
        if digits.is_empty() {
            return None;
        }
        let mut padded: String = digits.chars().take(3).collect();
        while padded.len() < 3 {
            padded.push('0');
        }
        millis = padded.parse().ok()?;
    }
    let offset_minutes = match &text[i..] {
        "Z" => 0,
        zone if zone.len() == 6
            && (zone.starts_with('+') || zone.starts_with('-'))
            && &zone[3..4] == ":" =>
        {
            let (h, m) = (num(i + 1, 2)?, num(i + 4, 2)?);
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            sign * (h * 60 + m)
        }
        _ => return None,
    };
    let days = crate::util::days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

/// ms → RFC 3339 in UTC with millisecond precision (`2024-05-01T12:00:00.123Z`).
pub fn format_rfc3339(ms: i64) -> String {
    let (days, rest) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = crate::util::civil_from_days(days);
    let (h, min, s, milli) = (
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000,
    );
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
}

/// A duration as Prometheus prints one (`15s`, `1m30s`, `2w`, `90d`):
/// years and weeks only when exact.
pub fn format_duration(d: Duration) -> String {
    let mut ms = d.as_millis() as u64;
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let day = 24 * 3600 * 1000;
    for (unit, mult, exact) in [
        ("y", 365 * day, true),
        ("w", 7 * day, true),
        ("d", day, false),
        ("h", 3600 * 1000, false),
        ("m", 60 * 1000, false),
        ("s", 1000, false),
        ("ms", 1, false),
    ] {
        if exact && !ms.is_multiple_of(mult) {
            continue;
        }
        let v = ms / mult;
        if v > 0 {
            out.push_str(&format!("{v}{unit}"));
            ms -= v * mult;
        }
    }
    out
}

/// A byte size as Prometheus prints one (`0B`, `512MiB`, `10GiB`).
pub fn format_bytes(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut i = 0;
    let mut v = bytes;
    while v >= 1024 && v.is_multiple_of(1024) && i + 1 < units.len() {
        v /= 1024;
        i += 1;
    }
    format!("{v}{}", units[i])
}

/// A Go `strconv.ParseBool` value.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_prometheus_parses_them() {
        assert_eq!(parse_time("1700000000"), Ok(1_700_000_000_000));
        assert_eq!(parse_time("1700000000.1234"), Ok(1_700_000_000_123));
        assert_eq!(parse_time("-1.5"), Ok(-1500));
        assert_eq!(parse_time("1e3"), Ok(1_000_000));
        assert_eq!(parse_time("2023-11-14T22:13:20Z"), Ok(1_700_000_000_000));
        assert_eq!(
            parse_time("2023-11-14T23:13:20.5+01:00"),
            Ok(1_700_000_000_500)
        );
        assert_eq!(
            parse_time("2023-11-14T22:13:20.123456789Z"),
            Ok(1_700_000_000_123)
        );
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_time("1969-12-31T23:59:59Z"), Ok(-1000));
        assert_eq!(parse_time(MIN_TIME_FORMATTED), Ok(i64::MIN));
        assert_eq!(parse_time(MAX_TIME_FORMATTED), Ok(i64::MAX));
        for bad in [
            "abc",
            "NaN",
            "2023-11-14",
            "2023-11-14T22:13:20",
            "2023-13-14T22:13:20Z",
        ] {
            assert_eq!(
                parse_time(bad),
                Err(format!("cannot parse {bad:?} to a valid timestamp"))
            );
        }
    }

    #[test]
    fn wire_formats() {
        assert_eq!(
            format_rfc3339(1_700_000_000_123),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(format_rfc3339(-1000), "1969-12-31T23:59:59.000Z");
        assert_eq!(
            parse_time(&format_rfc3339(1_234_567_890_987)),
            Ok(1_234_567_890_987)
        );
        assert_eq!(format_duration(Duration::from_secs(15)), "15s");
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_secs(15 * 86_400)), "15d");
        assert_eq!(format_duration(Duration::from_secs(14 * 86_400)), "2w");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1s500ms");
        assert_eq!(format_duration(Duration::ZERO), "0s");
        assert_eq!(format_bytes(0), "0B");
        assert_eq!(format_bytes(10 << 30), "10GiB");
        assert_eq!(format_bytes(1000), "1000B");
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("yes"), None);
    }

    #[test]
    fn selectors_and_params() {
        let p = Params::from_pairs(&[
            ("match[]", "up{job=\"a\"}"),
            ("match[]", "{__name__=~\"x.*\"}"),
            ("start", "10"),
            ("start", "20"),
        ]);
        assert_eq!(p.get("start"), "10");
        assert_eq!(p.get("missing"), "");
        assert_eq!(p.range().unwrap(), (10_000, i64::MAX));
        let sets = p.selectors().unwrap();
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0].len(), 2);
        let empty = Params::from_pairs(&[("match[]", "{job=~\".*\"}")]);
        assert_eq!(empty.selectors().unwrap_err(), NON_EMPTY);
        let bad = Params::from_pairs(&[("match[]", "rate(up[5m])")]);
        assert!(bad.selectors().is_err());
        let bad_time = Params::from_pairs(&[("end", "x")]);
        assert_eq!(
            bad_time.range().unwrap_err().message(),
            "invalid parameter \"end\": Invalid time value for 'end': cannot parse \"x\" to a valid timestamp"
        );
    }
}
