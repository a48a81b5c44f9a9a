//! Fixed UTC offsets: as a line writes them ([`parse_offset`]) and as a
//! parser's config names them ([`Timezone`]). Named zones (`Europe/Berlin`)
//! would need a time-zone database the sandbox does not have.

use super::scan::lead_digits;
use std::fmt;
use std::str::FromStr;

/// `Z`, `UTC`, `GMT` (any case), `+hh:mm`, `+hhmm` or `+hh` at the start of
/// `s` as seconds east of UTC, and the rest.
pub(super) fn lead_offset(s: &str) -> Option<(i32, &str)> {
    if let Some(rest) = s.strip_prefix(['Z', 'z']) {
        return Some((0, rest));
    }
    if let Some(name) = s.get(..3)
        && (name.eq_ignore_ascii_case("utc") || name.eq_ignore_ascii_case("gmt"))
    {
        return Some((0, &s[3..]));
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, rest) = lead_digits(&s[1..], 2, 2)?;
    let after_colon = rest.strip_prefix(':');
    let (minutes, rest) = match lead_digits(after_colon.unwrap_or(rest), 2, 2) {
        Some(m) => m,
        None if after_colon.is_none() => (0, rest),
        None => return None,
    };
    let secs = sign * (hours * 3600 + minutes * 60);
    (hours <= 23 && minutes <= 59).then_some((secs as i32, rest))
}

/// A UTC offset in seconds east, the whole of `s`: `Z`, `UTC`, `GMT` (any
/// case), `+02:00`, `+0200`, `+02`, `-05:30`.
pub fn parse_offset(s: &str) -> Option<i32> {
    match lead_offset(s) {
        Some((secs, "")) => Some(secs),
        _ => None,
    }
}

/// The fixed UTC offset of times a log writes without one: a parser
/// config's `timezone = "+02:00"` (or `"UTC"`, `"-0530"`, `"+02"`; empty is
/// UTC, the default). It deserialises from that string, and refuses named
/// zones with a message that says why.
///
/// ```
/// use watchpost_sdk::logtime::Timezone;
///
/// #[derive(serde::Deserialize)]
/// struct Config {
///     #[serde(default)]
///     timezone: Timezone,
/// }
/// let config: Config = serde_json::from_str(r#"{"timezone": "+02:00"}"#).unwrap();
/// assert_eq!(config.timezone.offset_secs(), 7200);
/// assert!(serde_json::from_str::<Config>(r#"{"timezone": "CET"}"#).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timezone {
    offset_secs: i32,
}

impl Timezone {
    /// Coordinated Universal Time.
    pub const UTC: Timezone = Timezone { offset_secs: 0 };

    /// The zone `offset_secs` seconds east of UTC (less than a day either
    /// way; clamped to that).
    pub fn from_offset_secs(offset_secs: i32) -> Self {
        Timezone {
            offset_secs: offset_secs.clamp(-86_399, 86_399),
        }
    }

    /// Seconds east of UTC.
    pub fn offset_secs(self) -> i32 {
        self.offset_secs
    }
}

impl FromStr for Timezone {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(Timezone::UTC);
        }
        parse_offset(t)
            .map(|offset_secs| Timezone { offset_secs })
            .ok_or_else(|| {
                format!(
                    "timezone {text:?}: only fixed UTC offsets such as \"+02:00\", \"-0530\" or \
                     \"UTC\" are supported"
                )
            })
    }
}

impl fmt::Display for Timezone {
    /// `UTC` or `+hh:mm`, as the config would write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.offset_secs == 0 {
            return f.write_str("UTC");
        }
        let sign = if self.offset_secs < 0 { '-' } else { '+' };
        let minutes = self.offset_secs.unsigned_abs() / 60;
        write!(f, "{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

impl<'de> serde::Deserialize<'de> for Timezone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
