//! strftime layouts (`%d/%b/%Y:%H:%M:%S %z`): compiled once into items,
//! matched left to right without backtracking.

use super::Civil;
use super::scan::{fraction, lead_digits, lead_month, lead_u32};
use super::zone::lead_offset;

/// One element of a strftime layout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Item {
    Literal(char),
    /// One or more whitespace characters.
    Space,
    Year,
    Year2,
    Month,
    MonthName,
    Day,
    /// `%e`: a day that may be padded with a space.
    DayPadded,
    Hour,
    Hour12,
    AmPm,
    Minute,
    Second,
    /// `%f`: digits of a fraction of a second.
    Fraction,
    /// `%.f`: an optional `.` or `,` and fraction.
    OptFraction,
    /// `%z`: `Z`, `+hh:mm`, `+hhmm`, `+hh`, `UTC` or `GMT`.
    Offset,
    /// `%Z`: a zone name; only `UTC`, `GMT` and `Z` are known.
    ZoneName,
    /// `%s`: seconds since the epoch.
    Epoch,
    /// `%a`/`%A`: a weekday name, skipped.
    Weekday,
}

pub(super) fn layout(spec: &str) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            items.push(if c.is_whitespace() {
                Item::Space
            } else {
                Item::Literal(c)
            });
            continue;
        }
        let d = chars
            .next()
            .ok_or_else(|| format!("timestamp format {spec:?} ends with '%'"))?;
        let expanded: &[Item] = match d {
            'Y' => &[Item::Year],
            'y' => &[Item::Year2],
            'm' => &[Item::Month],
            'b' | 'h' | 'B' => &[Item::MonthName],
            'd' => &[Item::Day],
            'e' => &[Item::DayPadded],
            'H' | 'k' => &[Item::Hour],
            'I' | 'l' => &[Item::Hour12],
            'p' | 'P' => &[Item::AmPm],
            'M' => &[Item::Minute],
            'S' => &[Item::Second],
            'f' => &[Item::Fraction],
            '.' if chars.next() == Some('f') => &[Item::OptFraction],
            'z' => &[Item::Offset],
            'Z' => &[Item::ZoneName],
            's' => &[Item::Epoch],
            'a' | 'A' => &[Item::Weekday],
            'T' => &[
                Item::Hour,
                Item::Literal(':'),
                Item::Minute,
                Item::Literal(':'),
                Item::Second,
            ],
            'F' => &[
                Item::Year,
                Item::Literal('-'),
                Item::Month,
                Item::Literal('-'),
                Item::Day,
            ],
            'R' => &[Item::Hour, Item::Literal(':'), Item::Minute],
            'n' | 't' => &[Item::Space],
            '%' => &[Item::Literal('%')],
            other => {
                return Err(format!(
                    "timestamp format {spec:?}: %{other} is not supported (known: %Y %y %m %b %B %d %e \
                     %H %I %p %M %S %f %.f %z %Z %s %a %T %F %R %%)"
                ));
            }
        };
        items.extend_from_slice(expanded);
    }
    if items.is_empty() {
        return Err("timestamp format is empty".into());
    }
    Ok(items)
}

/// What a layout read from a timestamp.
#[derive(Debug, Default)]
pub(super) struct Parts {
    /// The date and time; its year is meaningless unless `has_year`.
    pub(super) civil: Civil,
    pub(super) has_year: bool,
    pub(super) offset: Option<i32>,
    pub(super) epoch_secs: Option<i64>,
}

pub(super) fn matches(items: &[Item], text: &str) -> Option<Parts> {
    let mut s = text;
    let mut p = Parts::default();
    let c = &mut p.civil;
    (c.month, c.day) = (1, 1);
    let mut pm = None;
    for item in items {
        match *item {
            Item::Literal(ch) => s = s.strip_prefix(ch)?,
            Item::Space => {
                let rest = s.trim_start();
                if rest.len() == s.len() {
                    return None;
                }
                s = rest;
            }
            Item::Year => {
                (c.year, s) = lead_digits(s, 4, 4)?;
                p.has_year = true;
            }
            Item::Year2 => {
                let (v, r) = lead_digits(s, 2, 2)?;
                // POSIX: 69-99 are 1969-1999, 00-68 are 2000-2068.
                (c.year, s) = (if v < 69 { 2000 + v } else { 1900 + v }, r);
                p.has_year = true;
            }
            Item::Month => (c.month, s) = lead_u32(s, 1, 2)?,
            Item::MonthName => (c.month, s) = lead_month(s)?,
            Item::Day => (c.day, s) = lead_u32(s, 1, 2)?,
            Item::DayPadded => (c.day, s) = lead_u32(s.trim_start_matches(' '), 1, 2)?,
            Item::Hour | Item::Hour12 => (c.hour, s) = lead_u32(s, 1, 2)?,
            Item::AmPm => {
                let head = s.get(..2)?;
                pm = Some(match head.to_ascii_lowercase().as_str() {
                    "am" => false,
                    "pm" => true,
                    _ => return None,
                });
                s = &s[2..];
            }
            Item::Minute => (c.minute, s) = lead_u32(s, 2, 2)?,
            Item::Second => (c.second, s) = lead_u32(s, 2, 2)?,
            Item::Fraction => (c.nanos, s) = fraction(s)?,
            Item::OptFraction => {
                if let Some(rest) = s.strip_prefix(['.', ',']) {
                    (c.nanos, s) = fraction(rest)?;
                }
            }
            Item::Offset => (p.offset, s) = lead_offset(s).map(|(o, r)| (Some(o), r))?,
            Item::ZoneName => {
                let end = s
                    .find(|c: char| !c.is_ascii_alphabetic())
                    .unwrap_or(s.len());
                match &s[..end] {
                    "UTC" | "GMT" | "Z" => (p.offset, s) = (Some(0), &s[end..]),
                    _ => return None,
                }
            }
            Item::Epoch => {
                let (neg, rest) = match s.strip_prefix('-') {
                    Some(r) => (true, r),
                    None => (false, s),
                };
                let (v, r) = lead_digits(rest, 1, 12)?;
                (p.epoch_secs, s) = (Some(if neg { -v } else { v }), r);
            }
            Item::Weekday => {
                let end = s
                    .find(|c: char| !c.is_ascii_alphabetic())
                    .unwrap_or(s.len());
                if end < 3 {
                    return None;
                }
                s = &s[end..];
            }
        }
    }
    if let Some(pm) = pm {
        if !(1..=12).contains(&c.hour) {
            return None;
        }
        c.hour = c.hour % 12 + if pm { 12 } else { 0 };
    }
    s.trim().is_empty().then_some(p)
}
