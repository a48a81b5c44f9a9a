//! Time intervals (Alertmanager 0.25's `timeinterval` package): the
//! `times`, `weekdays`, `days_of_month`, `months`, `years` and `location`
//! of a `time_intervals` entry, parsed with Alertmanager's rules and
//! messages, and [`TimeInterval::contains`] with its semantics: times are
//! minutes of the day in `[start, end)`, ranges are inclusive, negative days
//! of the month count from its end, and every field that is present must
//! match (an absent field matches everything, an empty list nothing).

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

use crate::yaml::invalid;

/// One time interval.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimeInterval {
    /// `times`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub times: Option<Vec<TimeRange>>,
    /// `weekdays`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weekdays: Option<Vec<WeekdayRange>>,
    /// `days_of_month`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_of_month: Option<Vec<DayOfMonthRange>>,
    /// `months`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub months: Option<Vec<MonthRange>>,
    /// `years`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub years: Option<Vec<YearRange>>,
    /// `location` (UTC when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// The local date and time fields [`TimeInterval::contains`] looks at.
struct Local {
    minute_of_day: i64,
    day: i64,
    month: i64,
    weekday: i64,
    year: i64,
    days_in_month: i64,
}

fn fields<Tz: TimeZone>(t: DateTime<Tz>) -> Local {
    let (y, m) = (t.year(), t.month());
    let first = NaiveDate::from_ymd_opt(y, m, 1);
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    let days_in_month = match (first, next) {
        (Some(a), Some(b)) => (b - a).num_days(),
        _ => 31,
    };
    Local {
        minute_of_day: i64::from(t.hour() * 60 + t.minute()),
        day: i64::from(t.day()),
        month: i64::from(m),
        weekday: i64::from(t.weekday().num_days_from_sunday()),
        year: i64::from(y),
        days_in_month,
    }
}

impl TimeInterval {
    /// Whether instant `t` falls in the interval (Alertmanager's
    /// `ContainsTime`), evaluated in the interval's location.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        let l = match &self.location {
            None
            | Some(Location {
                zone: Zone::Utc, ..
            }) => fields(t),
            Some(Location {
                zone: Zone::Local, ..
            }) => fields(t.with_timezone(&chrono::Local)),
            Some(Location {
                zone: Zone::Tz(tz), ..
            }) => fields(t.with_timezone(tz)),
        };
        if let Some(times) = &self.times
            && !times
                .iter()
                .any(|r| l.minute_of_day >= r.start_minute && l.minute_of_day < r.end_minute)
        {
            return false;
        }
        if let Some(days) = &self.days_of_month {
            let dim = l.days_in_month;
            let in_range = days.iter().any(|r| {
                let begin = if r.0.begin < 0 {
                    dim + r.0.begin + 1
                } else {
                    r.0.begin
                };
                let end = if r.0.end < 0 {
                    dim + r.0.end + 1
                } else {
                    r.0.end
                };
                if begin > dim {
                    return false;
                }
                let begin = clamp(begin, -dim, dim);
                let end = clamp(end, -dim, dim);
                l.day >= begin && l.day <= end
            });
            if !in_range {
                return false;
            }
        }
        within(
            self.months.as_deref().map(|v| v.iter().map(|r| r.0)),
            l.month,
        ) && within(
            self.weekdays.as_deref().map(|v| v.iter().map(|r| r.0)),
            l.weekday,
        ) && within(self.years.as_deref().map(|v| v.iter().map(|r| r.0)), l.year)
    }
}

/// Whether `v` is in any of the ranges; an absent list matches everything.
fn within(ranges: Option<impl Iterator<Item = InclusiveRange>>, v: i64) -> bool {
    ranges.is_none_or(|mut rs| rs.any(|r| v >= r.begin && v <= r.end))
}

fn clamp(n: i64, min: i64, max: i64) -> i64 {
    if n <= min {
        min
    } else if n >= max {
        max
    } else {
        n
    }
}

/// Minutes of the day `[start_minute, end_minute)`, written
/// `{start_time: "HH:MM", end_time: "HH:MM"}` (`24:00` allowed as an end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// First minute in the range.
    pub start_minute: i64,
    /// First minute after the range.
    pub end_minute: i64,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
#[derive(Default)]
struct YamlTimeRange {
    start_time: String,
    end_time: String,
}

fn parse_time(s: &str) -> Result<i64, String> {
    let b = s.as_bytes();
    let valid = (s == "24:00")
        || (b.len() == 5
            && b[2] == b':'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 2 || c.is_ascii_digit())
            && matches!((b[0], b[1]), (b'0' | b'1', _) | (b'2', b'0'..=b'3'))
            && b[3] <= b'5');
    if !valid {
        return Err(format!("couldn't parse timestamp {s}, invalid format"));
    }
    let h: i64 = s[..2]
        .parse()
        .map_err(|_| format!("invalid timestamp format: {s}"))?;
    let m: i64 = s[3..]
        .parse()
        .map_err(|_| format!("invalid timestamp format: {s}"))?;
    Ok(h * 60 + m)
}

impl<'de> Deserialize<'de> for TimeRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let y = YamlTimeRange::deserialize(d)?;
        if y.start_time.is_empty() || y.end_time.is_empty() {
            return Err(invalid("both start and end times must be provided"));
        }
        let start = parse_time(&y.start_time).map_err(invalid)?;
        let end = parse_time(&y.end_time).map_err(invalid)?;
        if start >= end {
            return Err(invalid(
                "start time cannot be equal or greater than end time",
            ));
        }
        Ok(TimeRange {
            start_minute: start,
            end_minute: end,
        })
    }
}

impl Serialize for TimeRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = |m: i64| format!("{:02}:{:02}", m / 60, m % 60);
        YamlTimeRange {
            start_time: f(self.start_minute),
            end_time: f(self.end_minute),
        }
        .serialize(s)
    }
}

/// An inclusive range of integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InclusiveRange {
    /// First value.
    pub begin: i64,
    /// Last value.
    pub end: i64,
}

const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Go's `strconv.Atoi` with its error text.
fn atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {s:?}: invalid syntax"));
    }
    s.parse()
        .map_err(|_| format!("strconv.Atoi: parsing {s:?}: value out of range"))
}

/// Alertmanager's `stringableRangeFromString`: `a` or `a:b`, lower-cased.
fn range_from_str(
    input: &str,
    member: fn(&str) -> Result<i64, String>,
) -> Result<InclusiveRange, String> {
    let s = input.to_lowercase();
    if s.contains(':') {
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() != 2 {
            return Err(format!("couldn't parse range {s}, invalid format"));
        }
        return Ok(InclusiveRange {
            begin: member(parts[0])?,
            end: member(parts[1])?,
        });
    }
    let v = member(&s)?;
    Ok(InclusiveRange { begin: v, end: v })
}

fn weekday_member(s: &str) -> Result<i64, String> {
    WEEKDAYS
        .iter()
        .position(|d| *d == s)
        .map(|i| i as i64)
        .ok_or_else(|| format!("{s} is not a valid weekday"))
}

fn month_member(s: &str) -> Result<i64, String> {
    match MONTHS.iter().position(|m| *m == s) {
        Some(i) => Ok(i as i64 + 1),
        None => atoi(s).map_err(|_| format!("{s} is not a valid month")),
    }
}

fn render_range(r: &InclusiveRange, name: impl Fn(i64) -> String) -> String {
    if r.begin == r.end {
        name(r.begin)
    } else {
        format!("{}:{}", name(r.begin), name(r.end))
    }
}

macro_rules! range_type {
    ($(#[$doc:meta])* $name:ident, $member:expr, $check:expr, $show:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(pub InclusiveRange);

        impl $name {
            /// Parses the configuration text with Alertmanager's checks.
            pub fn parse(s: &str) -> Result<Self, String> {
                let r = range_from_str(s, $member)?;
                let check: fn(&str, &InclusiveRange) -> Result<(), String> = $check;
                check(s, &r)?;
                Ok($name(r))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).map_err(invalid)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let show: fn(i64) -> String = $show;
                s.serialize_str(&render_range(&self.0, show))
            }
        }
    };
}

range_type!(
    /// Weekdays, `0` = Sunday; written `monday`, `monday:friday`.
    WeekdayRange,
    weekday_member,
    |s, r| {
        if r.begin > r.end {
            return Err("start day cannot be before end day".into());
        }
        if !(0..=6).contains(&r.begin) || !(0..=6).contains(&r.end) {
            return Err(format!("{s} is not a valid day of the week: out of range"));
        }
        Ok(())
    },
    |d| WEEKDAYS.get(d as usize).map_or_else(|| d.to_string(), |s| s.to_string())
);

range_type!(
    /// Days of the month, `1..=31` or `-31..=-1` counting from the end.
    DayOfMonthRange,
    atoi,
    |_, r| {
        for v in [r.begin, r.end] {
            if v == 0 || !(-31..=31).contains(&v) {
                return Err(format!("{v} is not a valid day of the month: out of range"));
            }
        }
        if r.begin < 0 && r.end > 0 {
            return Err("end day must be negative if start day is negative".into());
        }
        let cb = if r.begin < 0 { 28 + r.begin } else { r.begin };
        let ce = if r.end < 0 { 28 + r.end } else { r.end };
        if cb > ce {
            return Err(format!("end day {} is always before start day {}", r.end, r.begin));
        }
        Ok(())
    },
    |d| d.to_string()
);

range_type!(
    /// Months, `1` = January; written by name or number.
    MonthRange,
    month_member,
    |_, r| {
        if r.begin > r.end {
            let name = |m: i64| MONTHS.get((m - 1) as usize).copied().unwrap_or("");
            return Err(format!("end month {} is before start month {}", name(r.end), name(r.begin)));
        }
        Ok(())
    },
    |d| d.to_string()
);

range_type!(
    /// Years.
    YearRange,
    atoi,
    |_, r| {
        if r.begin > r.end {
            return Err(format!("end year {} is before start year {}", r.end, r.begin));
        }
        Ok(())
    },
    |d| d.to_string()
);

/// The zone of a [`Location`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// `UTC` (also the empty name).
    Utc,
    /// `Local`: the host's zone.
    Local,
    /// An IANA zone such as `Europe/Berlin`.
    Tz(chrono_tz::Tz),
}

/// A `location`: an IANA time zone name, `UTC` or `Local`, as Go's
/// `time.LoadLocation` accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The zone.
    pub zone: Zone,
    name: String,
}

impl Location {
    /// Loads a zone by name.
    pub fn load(name: &str) -> Result<Self, String> {
        let zone = match name {
            "" | "UTC" => Zone::Utc,
            "Local" => Zone::Local,
            _ => Zone::Tz(
                name.parse()
                    .map_err(|_| format!("unknown time zone {name}"))?,
            ),
        };
        let name = if name.is_empty() {
            "UTC".to_string()
        } else {
            name.to_string()
        };
        Ok(Location { zone, name })
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl Serialize for Location {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for Location {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Location::load(&s).map_err(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ti(y: &str) -> TimeInterval {
        crate::yaml::from_str(y, None).unwrap()
    }

    fn err(y: &str) -> String {
        crate::yaml::from_str::<TimeInterval>(y, None)
            .unwrap_err()
            .message()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn times_are_half_open() {
        let t = ti("times: [{start_time: '09:00', end_time: '17:00'}]");
        assert!(t.contains(at("2024-03-04T09:00:00Z")));
        assert!(t.contains(at("2024-03-04T16:59:59Z")));
        assert!(!t.contains(at("2024-03-04T17:00:00Z")));
        assert!(!t.contains(at("2024-03-04T08:59:00Z")));
        let t = ti("times: [{start_time: '22:00', end_time: '24:00'}]");
        assert!(t.contains(at("2024-03-04T23:59:00Z")));
    }

    #[test]
    fn weekdays_months_years() {
        let t = ti(
            "weekdays: ['Monday:friday']\nmonths: ['january:march', 'December']\nyears: ['2024:2025']",
        );
        assert!(t.contains(at("2024-03-04T12:00:00Z"))); // Monday
        assert!(!t.contains(at("2024-03-03T12:00:00Z"))); // Sunday
        assert!(!t.contains(at("2024-04-01T12:00:00Z"))); // April
        assert!(t.contains(at("2025-12-01T12:00:00Z")));
        assert!(!t.contains(at("2026-01-05T12:00:00Z")));
        assert!(ti("weekdays: ['sunday']").contains(at("2024-03-03T00:00:00Z")));
        assert!(!ti("weekdays: []").contains(at("2024-03-03T00:00:00Z")));
        assert!(ti("{}").contains(at("2024-03-03T00:00:00Z")));
        assert!(ti("months: ['2:3']").contains(at("2024-02-10T00:00:00Z")));
    }

    #[test]
    fn days_of_month_with_negatives() {
        let last = ti("days_of_month: ['-1']");
        assert!(last.contains(at("2024-02-29T10:00:00Z")));
        assert!(!last.contains(at("2024-02-28T10:00:00Z")));
        assert!(last.contains(at("2023-02-28T10:00:00Z")));
        let t = ti("days_of_month: ['1:5', '-3:-1']");
        assert!(t.contains(at("2024-01-03T00:00:00Z")));
        assert!(t.contains(at("2024-01-30T00:00:00Z")));
        assert!(!t.contains(at("2024-01-15T00:00:00Z")));
        // 31 in a 30-day month: begin beyond the month is skipped.
        assert!(!ti("days_of_month: ['31']").contains(at("2024-04-30T00:00:00Z")));
        // An end beyond the month is clamped.
        assert!(!ti("days_of_month: ['29:31']").contains(at("2023-02-28T00:00:00Z")));
        assert!(ti("days_of_month: ['20:31']").contains(at("2023-02-28T00:00:00Z")));
    }

    #[test]
    fn location() {
        let t = ti("times: [{start_time: '09:00', end_time: '17:00'}]\nlocation: Australia/Sydney");
        assert!(t.contains(at("2024-03-04T00:00:00Z"))); // 11:00 AEDT
        assert!(!t.contains(at("2024-03-04T12:00:00Z"))); // 23:00 AEDT
        assert_eq!(
            err("location: Mars/Olympus"),
            "unknown time zone Mars/Olympus"
        );
        assert_eq!(Location::load("").unwrap().name(), "UTC");
    }

    #[test]
    fn errors() {
        assert_eq!(
            err("times: [{start_time: '10:00'}]"),
            "both start and end times must be provided"
        );
        assert_eq!(
            err("times: [{start_time: '10:00', end_time: '09:00'}]"),
            "start time cannot be equal or greater than end time"
        );
        assert_eq!(
            err("times: [{start_time: '25:00', end_time: '26:00'}]"),
            "couldn't parse timestamp 25:00, invalid format"
        );
        assert_eq!(
            err("weekdays: ['friday:monday']"),
            "start day cannot be before end day"
        );
        assert_eq!(err("weekdays: ['funday']"), "funday is not a valid weekday");
        assert_eq!(
            err("weekdays: ['a:b:c']"),
            "couldn't parse range a:b:c, invalid format"
        );
        assert_eq!(
            err("days_of_month: ['0']"),
            "0 is not a valid day of the month: out of range"
        );
        assert_eq!(
            err("days_of_month: ['-1:5']"),
            "end day must be negative if start day is negative"
        );
        assert_eq!(
            err("days_of_month: ['10:2']"),
            "end day 2 is always before start day 10"
        );
        assert_eq!(
            err("days_of_month: ['x']"),
            "strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            err("months: ['march:january']"),
            "end month january is before start month march"
        );
        assert_eq!(err("months: ['foo']"), "foo is not a valid month");
        assert_eq!(
            err("years: ['2025:2024']"),
            "end year 2024 is before start year 2025"
        );
        assert!(err("hours: []").contains("unknown field"));
    }

    #[test]
    fn renders_back() {
        let t = ti(
            "times: [{start_time: '09:30', end_time: '17:00'}]\nweekdays: ['monday:friday', saturday]\ndays_of_month: ['-3:-1']\nmonths: ['may']\nlocation: Europe/Berlin",
        );
        let y = serde_norway::to_string(&t).unwrap();
        assert!(
            y.contains("start_time: 09:30") && y.contains("monday:friday") && y.contains("-3:-1"),
            "{y}"
        );
        assert_eq!(ti(&y), t);
    }
}
