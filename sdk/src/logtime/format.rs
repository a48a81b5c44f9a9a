//! [`TimeParser`]: a configured timestamp format, and the formats that are
//! not layouts (RFC 3339 and its ISO 8601 spellings, epoch numbers).

use super::layout::{Item, Parts, layout, matches};
use super::scan::{fraction, lead_digits, lead_u32};
use super::zone::lead_offset;
use super::{Civil, Clock, NS_PER_SEC, Timezone, infer_year};

/// Reads timestamps in one configured format.
///
/// ```
/// use watchpost_sdk::logtime::{TimeParser, Timezone};
///
/// let berlin: Timezone = "+01:00".parse().unwrap();
/// let p = TimeParser::new("%d/%b/%Y:%H:%M:%S", berlin).unwrap();
/// assert_eq!(p.parse("25/Nov/2026:11:00:01"), Some(1_795_600_801_000_000_000));
/// let auto = TimeParser::new("auto", berlin).unwrap();
/// assert_eq!(auto.parse("2026-11-25T10:00:01Z"), Some(1_795_600_801_000_000_000));
/// ```
#[derive(Debug, Clone)]
pub struct TimeParser {
    format: Format,
    /// For times written without an offset.
    offset_secs: i32,
    clock: Clock,
}

#[derive(Debug, Clone)]
enum Format {
    /// RFC 3339 / ISO 8601, then epoch numbers, then the common log formats.
    Auto(Vec<Vec<Item>>),
    Rfc3339,
    /// Epoch numbers in a fixed unit (nanoseconds per unit).
    Unix(i64),
    Strftime(Vec<Item>),
}

/// The layouts `auto` tries after RFC 3339 and epoch numbers.
const AUTO: &[&str] = &[
    "%d/%b/%Y:%H:%M:%S %z",     // Apache/nginx access logs
    "%b %e %H:%M:%S%.f",        // syslog (RFC 3164), no year
    "%b %e %Y %H:%M:%S%.f",     // syslog with a year
    "%a %b %e %H:%M:%S%.f %Y",  // ctime, Apache error logs
    "%a, %d %b %Y %H:%M:%S %z", // RFC 2822 / HTTP dates
    "%Y/%m/%d %H:%M:%S%.f",     // nginx error logs
    "%d-%b-%Y %H:%M:%S%.f",     // Tomcat, Java
];

impl TimeParser {
    /// `format`: `auto`, `rfc3339` (or `iso8601`), `unix`, `unix_ms`,
    /// `unix_us`, `unix_ns`, `rfc3164` (or `syslog`), `httpdate` (or `clf`),
    /// `ctime`, `rfc2822`, or a strftime layout such as
    /// `"%Y-%m-%d %H:%M:%S%.f %z"`. `timezone` is for times written without
    /// an offset. The error names the format and what is accepted.
    pub fn new(format: &str, timezone: Timezone) -> Result<Self, String> {
        let format = match format.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Format::Auto(AUTO.iter().map(|l| layout(l)).collect::<Result<_, _>>()?),
            "rfc3339" | "iso8601" => Format::Rfc3339,
            "unix" | "unix_s" | "epoch" => Format::Unix(NS_PER_SEC),
            "unix_ms" => Format::Unix(1_000_000),
            "unix_us" => Format::Unix(1_000),
            "unix_ns" => Format::Unix(1),
            "rfc3164" | "syslog" => Format::Strftime(layout(AUTO[1])?),
            "httpdate" | "clf" => Format::Strftime(layout(AUTO[0])?),
            "ctime" => Format::Strftime(layout(AUTO[3])?),
            "rfc2822" => Format::Strftime(layout(AUTO[4])?),
            _ if format.contains('%') => Format::Strftime(layout(format.trim())?),
            _ => {
                return Err(format!(
                    "timestamp format {format:?}: use \"auto\", \"rfc3339\", \"unix\", \"unix_ms\", \
                     \"unix_us\", \"unix_ns\", \"rfc3164\", \"httpdate\", \"ctime\", \"rfc2822\" \
                     or a strftime layout such as \"%Y-%m-%d %H:%M:%S\""
                ));
            }
        };
        Ok(TimeParser {
            format,
            offset_secs: timezone.offset_secs(),
            clock: Clock::new(),
        })
    }

    /// Nanoseconds since the epoch, or `None` when `text` (trimmed) is not
    /// a timestamp in this format. Year-less times (syslog's `Nov 25
    /// 10:00:01`) take their year from the host clock (see [`infer_year`]),
    /// read once per batch.
    pub fn parse(&self, text: &str) -> Option<i64> {
        self.parse_at(text, || self.clock.now_ms())
    }

    /// [`parse`](Self::parse) with the clock given (it is read only for
    /// year-less times).
    pub fn parse_at(&self, text: &str, now_ms: impl Fn() -> i64) -> Option<i64> {
        let text = text.trim();
        let offset = self.offset_secs;
        match &self.format {
            Format::Rfc3339 => iso8601(text, offset),
            Format::Unix(unit) => epoch(text, Some(*unit)),
            Format::Strftime(items) => resolve(matches(items, text)?, offset, &now_ms),
            Format::Auto(layouts) => {
                iso8601(text, offset)
                    .or_else(|| epoch(text, None))
                    .or_else(|| {
                        layouts
                            .iter()
                            .find_map(|items| resolve(matches(items, text)?, offset, &now_ms))
                    })
            }
        }
    }
}

/// RFC 3339 and the ISO 8601 spellings logs use: `2026-11-25T10:00:01.123Z`,
/// `2026-11-25 10:00:01,123` (Python), `2026-11-25T10:00:01+0100`,
/// `2026-11-25 10:00:01.123 UTC`, `2026-11-25T10:00`, or a bare date.
fn iso8601(s: &str, default_offset: i32) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    // Bytes 4 and 7 are ASCII, so these are character boundaries.
    let (year, _) = lead_digits(&s[..4], 4, 4)?;
    let (month, _) = lead_u32(&s[5..7], 2, 2)?;
    let (day, rest) = lead_u32(&s[8..], 2, 2)?;
    let mut c = Civil {
        year,
        month,
        day,
        ..Civil::default()
    };
    if rest.is_empty() {
        return c.to_ns(default_offset);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (hour, rest) = lead_u32(rest, 2, 2)?;
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    let (minute, mut rest) = lead_u32(rest, 2, 2)?;
    (c.hour, c.minute) = (hour, minute);
    if let Some((second, r)) = lead_u32(rest.strip_prefix(':').unwrap_or(rest), 2, 2) {
        (c.second, rest) = (second, r);
        if let Some(frac) = rest.strip_prefix(['.', ',']) {
            (c.nanos, rest) = fraction(frac)?;
        }
    }
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let offset = if rest.is_empty() {
        default_offset
    } else {
        match lead_offset(rest)? {
            (o, "") => o,
            _ => return None,
        }
    };
    c.to_ns(offset)
}

/// An epoch number: `1764064801`, `1764064801.123`, `1764064801123`. With no
/// unit given, the magnitude decides: below 1e11 seconds, below 1e14
/// milliseconds, below 1e17 microseconds, else nanoseconds.
fn epoch(s: &str, unit: Option<i64>) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if int_part.is_empty() || int_part.len() > 19 || !int_part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let int: i64 = int_part.parse().ok()?;
    let unit = unit.unwrap_or(if int < 100_000_000_000 {
        NS_PER_SEC
    } else if int < 100_000_000_000_000 {
        1_000_000
    } else if int < 100_000_000_000_000_000 {
        1_000
    } else {
        1
    });
    let mut ns = int.checked_mul(unit)?;
    if let Some(frac) = frac_part {
        if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Only digits below a nanosecond are dropped.
        let digits = &frac[..frac.len().min(18)];
        let value: i128 = digits.parse().ok()?;
        let scaled = value * i128::from(unit) / 10i128.pow(digits.len() as u32);
        ns = ns.checked_add(i64::try_from(scaled).ok()?)?;
    }
    Some(if neg { -ns } else { ns })
}

/// Turns what a layout read into nanoseconds since the epoch.
fn resolve(p: Parts, default_offset: i32, now_ms: &dyn Fn() -> i64) -> Option<i64> {
    if let Some(secs) = p.epoch_secs {
        return secs
            .checked_mul(NS_PER_SEC)?
            .checked_add(i64::from(p.civil.nanos));
    }
    let offset = p.offset.unwrap_or(default_offset);
    if p.has_year {
        p.civil.to_ns(offset)
    } else {
        infer_year(p.civil, offset, now_ms())
    }
}
