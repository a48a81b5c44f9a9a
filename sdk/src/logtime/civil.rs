//! Calendar arithmetic on the proleptic Gregorian calendar (Howard
//! Hinnant's algorithms): a wall-clock [`Civil`] time to nanoseconds since
//! the epoch, day numbers, and the year of a year-less date.

use super::NS_PER_SEC;

const DAY_SECS: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's
/// `days_from_civil`). Any input gives a number; check the date first (or
/// use [`Civil::to_ns`]) when it may be impossible.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day number since 1970-01-01 (Hinnant's
/// `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// A wall-clock date and time as a log line spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Civil {
    /// The year (0 to 9999 is valid).
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    /// 0 to 23.
    pub hour: u32,
    /// 0 to 59.
    pub minute: u32,
    /// 0 to 60 (a leap second).
    pub second: u32,
    /// Below 1 000 000 000.
    pub nanos: u32,
}

impl Civil {
    /// Nanoseconds since the epoch of this wall-clock time at UTC offset
    /// `offset_secs` (east positive); `None` for an impossible date or time
    /// or one outside what `i64` nanoseconds can hold (1677 to 2262).
    pub fn to_ns(self, offset_secs: i32) -> Option<i64> {
        if !(1..=12).contains(&self.month)
            || self.day == 0
            || self.day > days_in_month(self.year, self.month)
            || self.hour > 23
            || self.minute > 59
            || self.second > 60
            || self.nanos >= 1_000_000_000
            || !(0..=9999).contains(&self.year)
        {
            return None;
        }
        let days = days_from_civil(self.year, self.month, self.day);
        let secs = days * DAY_SECS
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(offset_secs);
        secs.checked_mul(NS_PER_SEC)?
            .checked_add(i64::from(self.nanos))
    }
}

/// Nanoseconds since the epoch of a year-less date (syslog's `Nov 25
/// 10:00:01`; `civil.year` is ignored) read at `now_ms`: in the current
/// year at `offset_secs`, or the previous one when that would put it more
/// than a day in the future (December's lines read in January). 29
/// February in a year without one is the leap year before.
pub fn infer_year(mut civil: Civil, offset_secs: i32, now_ms: i64) -> Option<i64> {
    let now_ns = now_ms.saturating_mul(1_000_000);
    let local_days = (now_ns / NS_PER_SEC + i64::from(offset_secs)).div_euclid(DAY_SECS);
    civil.year = civil_from_days(local_days).0;
    match civil.to_ns(offset_secs) {
        Some(ns) if ns <= now_ns.saturating_add(DAY_SECS * NS_PER_SEC) => Some(ns),
        _ => {
            civil.year -= 1;
            civil.to_ns(offset_secs)
        }
    }
}
