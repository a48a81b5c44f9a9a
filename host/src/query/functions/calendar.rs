//! Time functions: `minute`, `hour`, `day_of_week`, `day_of_month`,
//! `day_of_year`, `days_in_month`, `month`, `year` — of each sample's value
//! read as Unix seconds (UTC), or of the evaluation time without argument.

use crate::query::error::QueryError;
use crate::query::eval::Evaluator;
use crate::query::functions::{column_of, drop_names_and_merge};
use crate::query::value::{Series, Value};
use crate::storage::metrics::Labels;
use promql_parser::parser::Expr;

/// Evaluates time function `name`.
pub fn eval(ev: &Evaluator, name: &str, args: &[Box<Expr>]) -> Result<Value, QueryError> {
    let f = field(name);
    match args.first() {
        None => {
            let v: Vec<f64> = (0..ev.steps())
                .map(|i| f(ev.ts(i).div_euclid(1000)))
                .collect();
            Ok(Value::Vector(vec![Series {
                labels: Labels::default(),
                values: column_of(&v),
            }]))
        }
        Some(arg) => {
            let mut series = ev.eval_vector(arg)?;
            for s in &mut series {
                s.values.map(|_, v| Some(f(crate::util::go_int64(v))));
            }
            drop_names_and_merge(series)
        }
    }
}

fn field(name: &str) -> fn(i64) -> f64 {
    match name {
        "minute" => |s| (go_abs(s) % 3600 / 60) as f64,
        "hour" => |s| (go_abs(s) % 86_400 / 3600) as f64,
        // Go's absolute zero is a Monday.
        "day_of_week" => |s| ((go_abs(s) + 86_400) % (7 * 86_400) / 86_400) as f64,
        "day_of_month" => |s| go_date(s).2 as f64,
        "day_of_year" => |s| (go_date(s).3 + 1) as f64,
        "days_in_month" => |s| {
            let (y, m, _, _) = go_date(s);
            days_in_month(y, m) as f64
        },
        "month" => |s| go_date(s).1 as f64,
        "year" => |s| go_date(s).0 as f64,
        _ => unreachable!("dispatch lists exactly these"),
    }
}

/// Unix seconds as Go's `time` package (1.19, which built Prometheus 2.42)
/// counts them for its calendar: seconds since its absolute zero, the year
/// -292277022399, in wrapping arithmetic. For any real time this is the
/// plain proleptic Gregorian calendar; at the ends of `int64` (what Go makes
/// of NaN and ±Inf) it wraps exactly as Go does.
fn go_abs(unix: i64) -> u64 {
    /// `unixToInternal + internalToAbsolute` in Go's `time`.
    const UNIX_TO_ABSOLUTE: i64 = 9_223_372_028_715_321_600;
    unix.wrapping_add(UNIX_TO_ABSOLUTE) as u64
}

/// (year, month 1–12, day 1–31, day of the year from 0) of Unix seconds:
/// Go's `absDate`, step for step.
fn go_date(unix: i64) -> (i64, i64, i64, i64) {
    const ABSOLUTE_ZERO_YEAR: i64 = -292_277_022_399;
    const DAYS_PER_400_YEARS: u64 = 365 * 400 + 97;
    const DAYS_PER_100_YEARS: u64 = 365 * 100 + 24;
    const DAYS_PER_4_YEARS: u64 = 365 * 4 + 1;
    const DAYS_BEFORE: [i64; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
    let mut d = go_abs(unix) / 86_400;
    let mut n = d / DAYS_PER_400_YEARS;
    let mut y = 400 * n;
    d -= DAYS_PER_400_YEARS * n;
    // The last 100-year cycle has one extra leap day: 4 becomes 3.
    n = d / DAYS_PER_100_YEARS;
    n -= n >> 2;
    y += 100 * n;
    d -= DAYS_PER_100_YEARS * n;
    n = d / DAYS_PER_4_YEARS;
    y += 4 * n;
    d -= DAYS_PER_4_YEARS * n;
    // The last year of a 4-year cycle is a leap year: 4 becomes 3.
    n = d / 365;
    n -= n >> 2;
    y += n;
    d -= 365 * n;
    let year = (y as i64).wrapping_add(ABSOLUTE_ZERO_YEAR);
    let yday = d as i64;
    let mut day = yday;
    if is_leap(year) {
        if day == 31 + 29 - 1 {
            return (year, 2, 29, yday);
        }
        if day > 31 + 29 - 1 {
            day -= 1;
        }
    }
    let mut month = day / 31;
    let end = DAYS_BEFORE[month as usize + 1];
    let begin = if day >= end {
        month += 1;
        end
    } else {
        DAYS_BEFORE[month as usize]
    };
    (year, month + 1, day - begin + 1, yday)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        let date = |s| {
            let (y, m, d, _) = go_date(s);
            (y, m, d)
        };
        assert_eq!(date(0), (1970, 1, 1));
        // 2024-02-29T12:00:00Z
        assert_eq!(date(1_709_208_000), (2024, 2, 29));
        assert_eq!(field("day_of_week")(0), 4.0); // Thursday
        assert_eq!(field("day_of_year")(1_709_208_000), 60.0);
        assert_eq!(field("days_in_month")(1_709_208_000), 29.0);
        assert_eq!(date(-86_400), (1969, 12, 31));
        assert_eq!(field("minute")(-1), 59.0);
    }

    #[test]
    fn go_dates_agree_with_the_proleptic_calendar() {
        // Every day from 2401 BC to 2400 AD, and each second of one day.
        for days in (-1_600_000..160_000).step_by(7) {
            let (y, m, d) = crate::util::civil_from_days(days);
            let secs = days * 86_400 + 43_210;
            let (gy, gm, gd, yday) = go_date(secs);
            assert_eq!((gy, gm, gd), (y, m, d), "day {days}");
            let before: i64 = (1..m).map(|k| days_in_month(y, k)).sum();
            assert_eq!(yday, before + d - 1, "day {days}");
            assert_eq!(field("day_of_week")(secs), (days + 4).rem_euclid(7) as f64);
        }
        for s in (0..86_400).step_by(61) {
            assert_eq!(field("minute")(s), (s % 3600 / 60) as f64);
            assert_eq!(field("hour")(s), (s / 3600) as f64);
        }
    }

    #[test]
    fn nan_and_infinities_wrap_as_in_go() {
        // Go turns NaN and ±Inf into the least int64; its calendar then
        // wraps. Prometheus 2.42 answers `minute(vector(Inf))` with 30.
        let least = crate::util::go_int64(f64::INFINITY);
        assert_eq!(least, i64::MIN);
        assert_eq!(crate::util::go_int64(f64::NAN), i64::MIN);
        assert_eq!(field("minute")(least), 30.0);
        assert_eq!(field("hour")(least), 15.0);
    }
}
