//! [`GoTime`]: a Go `time.Time` as templates see it — printed as Go's
//! `Time.String` (`2015-06-23 13:19:44.128 +0000 UTC`), with the methods
//! templates call (`Format` with Go layouts, `Unix`, `UTC`, the calendar
//! fields, `Sub`, `Add`, `Before`, `After`, `Equal`) — and
//! [`GoTimeDuration`], the `time.Duration` that `Sub` returns.

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike};

use super::value::{Object, Value};

/// An instant with a fixed zone offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoTime {
    /// Seconds since the Unix epoch.
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
    /// The zone's offset east of UTC, in seconds (0 prints as `UTC`).
    pub offset: i32,
}

impl GoTime {
    /// A UTC time from Unix seconds and nanoseconds (normalised as Go's
    /// `time.Unix`).
    pub fn from_unix(secs: i64, nanos: i64) -> Self {
        let secs = secs + nanos.div_euclid(1_000_000_000);
        let nanos = nanos.rem_euclid(1_000_000_000) as u32;
        Self {
            secs,
            nanos,
            offset: 0,
        }
    }

    /// Parses RFC 3339 (`2023-01-02T03:04:05.123Z`), as JSON carries times.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let t = DateTime::parse_from_rfc3339(s).ok()?;
        Some(Self {
            secs: t.timestamp(),
            nanos: t.timestamp_subsec_nanos(),
            offset: t.offset().local_minus_utc(),
        })
    }

    fn local(&self) -> NaiveDateTime {
        DateTime::from_timestamp(self.secs + i64::from(self.offset), self.nanos)
            .unwrap_or_default()
            .naive_utc()
    }

    fn zone_name(&self) -> String {
        if self.offset == 0 {
            "UTC".into()
        } else {
            self.offset_text(false, false)
        }
    }

    fn offset_text(&self, colon: bool, z: bool) -> String {
        if z && self.offset == 0 {
            return "Z".into();
        }
        let sign = if self.offset < 0 { '-' } else { '+' };
        let abs = self.offset.unsigned_abs();
        let (h, m) = (abs / 3600, abs / 60 % 60);
        if colon {
            format!("{sign}{h:02}:{m:02}")
        } else {
            format!("{sign}{h:02}{m:02}")
        }
    }

    /// Go's `Time.Format` for the common layout elements.
    pub fn format(&self, layout: &str) -> String {
        let t = self.local();
        let month = MONTHS[t.month0() as usize];
        let day = WEEKDAYS[t.weekday().num_days_from_sunday() as usize];
        let hour12 = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        let mut out = String::new();
        let mut rest = layout;
        while !rest.is_empty() {
            let fraction = fraction_token(rest);
            let (text, len) = if let Some((len, digits, trim)) = fraction {
                let frac = format!("{:09}", t.nanosecond());
                let mut frac = frac[..digits].to_string();
                if trim {
                    frac = frac.trim_end_matches('0').to_string();
                }
                (
                    if frac.is_empty() {
                        String::new()
                    } else {
                        format!("{}{frac}", &rest[..1])
                    },
                    len,
                )
            } else {
                let table: [(&str, String); 27] = [
                    ("January", month.to_string()),
                    ("Jan", month[..3].to_string()),
                    ("Monday", day.to_string()),
                    ("Mon", day[..3].to_string()),
                    ("MST", self.zone_name()),
                    ("2006", format!("{:04}", t.year())),
                    ("-07:00", self.offset_text(true, false)),
                    ("-0700", self.offset_text(false, false)),
                    ("-07", self.offset_text(false, false)[..3].to_string()),
                    ("Z07:00", self.offset_text(true, true)),
                    ("Z0700", self.offset_text(false, true)),
                    ("002", format!("{:03}", t.ordinal())),
                    ("01", format!("{:02}", t.month())),
                    ("02", format!("{:02}", t.day())),
                    ("_2", format!("{:>2}", t.day())),
                    ("06", format!("{:02}", t.year() % 100)),
                    ("15", format!("{:02}", t.hour())),
                    ("03", format!("{hour12:02}")),
                    ("04", format!("{:02}", t.minute())),
                    ("05", format!("{:02}", t.second())),
                    ("PM", if t.hour() >= 12 { "PM" } else { "AM" }.to_string()),
                    ("pm", if t.hour() >= 12 { "pm" } else { "am" }.to_string()),
                    ("1", t.month().to_string()),
                    ("2", t.day().to_string()),
                    ("3", hour12.to_string()),
                    ("4", t.minute().to_string()),
                    ("5", t.second().to_string()),
                ];
                match table.iter().find(|(token, _)| rest.starts_with(token)) {
                    Some((token, text)) => (text.clone(), token.len()),
                    None => {
                        let len = rest.chars().next().map_or(1, char::len_utf8);
                        (rest[..len].to_string(), len)
                    }
                }
            };
            out.push_str(&text);
            rest = &rest[len..];
        }
        out
    }
}

/// `.000`/`,000` (fixed) or `.999` (trailing zeros trimmed) after seconds:
/// (token length, digits, trim).
fn fraction_token(s: &str) -> Option<(usize, usize, bool)> {
    let mut chars = s.chars();
    if !matches!(chars.next(), Some('.' | ',')) {
        return None;
    }
    let digit = s[1..].chars().next().filter(|c| *c == '0' || *c == '9')?;
    let n = s[1..].chars().take_while(|c| *c == digit).count();
    let next = s[1 + n..].chars().next();
    if next.is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((1 + n, n.min(9), digit == '9'))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

impl GoTime {
    /// Nanoseconds since the Unix epoch, wide enough for year 1.
    fn unix_nanos(&self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
    }
}

/// The instant of a template value that is a `time.Time`.
fn time_of(v: &Value) -> Option<i128> {
    let Value::Object(o) = v else { return None };
    if o.type_name() != "time.Time" {
        return None;
    }
    let secs = match o.field("Unix")? {
        Value::Int(s) => s,
        _ => return None,
    };
    let nanos = match o.field("Nanosecond")? {
        Value::Int(n) => n,
        _ => return None,
    };
    Some(GoTime::from_unix(secs, nanos).unix_nanos())
}

/// The nanoseconds of a `time.Duration` (or a plain integer, as Go's
/// untyped constants convert).
fn duration_of(v: &Value) -> Option<i64> {
    match v {
        Value::Int(n) => Some(*n),
        Value::Object(o) if o.type_name() == "time.Duration" => match o.underlying()? {
            Value::Int(n) => Some(n),
            _ => None,
        },
        _ => None,
    }
}

/// A Go `time.Duration`: nanoseconds, printed as Go's `Duration.String`
/// (`1h0m0s`, `1.5s`, `300ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoTimeDuration(pub i64);

impl Object for GoTimeDuration {
    fn type_name(&self) -> String {
        "time.Duration".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        let n = self.0;
        Some(match name {
            "String" => Value::str(self.go_format()),
            "Nanoseconds" => Value::Int(n),
            "Microseconds" => Value::Int(n / 1_000),
            "Milliseconds" => Value::Int(n / 1_000_000),
            // Go splits whole and fractional parts to keep precision.
            "Seconds" => {
                Value::Float((n / 1_000_000_000) as f64 + (n % 1_000_000_000) as f64 / 1e9)
            }
            "Minutes" => {
                Value::Float((n / 60_000_000_000) as f64 + (n % 60_000_000_000) as f64 / 6e10)
            }
            "Hours" => Value::Float(
                (n / 3_600_000_000_000) as f64 + (n % 3_600_000_000_000) as f64 / 3.6e12,
            ),
            _ => return None,
        })
    }

    /// Its integer nanoseconds, for `printf "%d"` and comparisons.
    fn underlying(&self) -> Option<Value> {
        Some(Value::Int(self.0))
    }

    fn is_stringer(&self) -> bool {
        true
    }

    fn go_format(&self) -> String {
        watchpost_amconfig::GoDuration(self.0).to_string()
    }
}

impl Object for GoTime {
    fn type_name(&self) -> String {
        "time.Time".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Unix" => Value::Int(self.secs),
            "UnixMilli" => Value::Int(self.secs * 1000 + i64::from(self.nanos / 1_000_000)),
            "UnixNano" => Value::Int(self.secs * 1_000_000_000 + i64::from(self.nanos)),
            "UTC" => Value::object(GoTime { offset: 0, ..*self }),
            "String" => Value::str(self.go_format()),
            "IsZero" => Value::Bool(self.secs == -62135596800 && self.nanos == 0),
            "Year" => Value::Int(i64::from(self.local().year())),
            "Month" => Value::str(MONTHS[self.local().month0() as usize]),
            "Day" => Value::Int(i64::from(self.local().day())),
            "YearDay" => Value::Int(i64::from(self.local().ordinal())),
            "Weekday" => {
                Value::str(WEEKDAYS[self.local().weekday().num_days_from_sunday() as usize])
            }
            "Hour" => Value::Int(i64::from(self.local().hour())),
            "Minute" => Value::Int(i64::from(self.local().minute())),
            "Second" => Value::Int(i64::from(self.local().second())),
            "Nanosecond" => Value::Int(i64::from(self.nanos)),
            _ => return None,
        })
    }

    fn method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        Some(match (name, args) {
            ("Format", [Value::String(layout)]) => Ok(Value::str(self.format(layout))),
            ("Format", _) => Err("Format takes one string layout".into()),
            ("Sub" | "Before" | "After" | "Equal", [other]) => {
                let Some(other) = time_of(other) else {
                    return Some(Err(format!("{name} takes a time.Time")));
                };
                let diff = self.unix_nanos() - other;
                Ok(match name {
                    // Go's Sub saturates at the ends of a Duration.
                    "Sub" => Value::object(GoTimeDuration(
                        diff.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
                    )),
                    "Before" => Value::Bool(diff < 0),
                    "After" => Value::Bool(diff > 0),
                    _ => Value::Bool(diff == 0),
                })
            }
            ("Add", [d]) => match duration_of(d) {
                Some(n) => Ok(Value::object(GoTime {
                    offset: self.offset,
                    ..GoTime::from_unix(self.secs, i64::from(self.nanos) + n)
                })),
                None => Err("Add takes a time.Duration".into()),
            },
            _ => return None,
        })
    }

    fn is_stringer(&self) -> bool {
        true
    }

    fn go_format(&self) -> String {
        self.format("2006-01-02 15:04:05.999999999 -0700 MST")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_go_time_string() {
        assert_eq!(
            GoTime::from_unix(1435065584, 128_000_000).go_format(),
            "2015-06-23 13:19:44.128 +0000 UTC"
        );
        assert_eq!(
            GoTime::from_unix(-1, 0).go_format(),
            "1969-12-31 23:59:59 +0000 UTC"
        );
        let t = GoTime::parse_rfc3339("2023-04-05T06:07:08+02:00").unwrap();
        assert_eq!(t.go_format(), "2023-04-05 06:07:08 +0200 +0200");
    }

    #[test]
    fn formats_go_layouts() {
        let t = GoTime::from_unix(1435065584, 128_000_000);
        assert_eq!(
            t.format("2006-01-02T15:04:05.000Z07:00"),
            "2015-06-23T13:19:44.128Z"
        );
        assert_eq!(t.format("Mon Jan _2 3:04PM 2006"), "Tue Jun 23 1:19PM 2015");
        assert_eq!(t.format("02/01/06 15h04"), "23/06/15 13h19");
    }
}
