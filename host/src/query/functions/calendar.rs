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
                s.values.map(|_, v| Some(f(go_seconds(v))));
            }
            drop_names_and_merge(series)
        }
    }
}

/// `int64(v)` as Go converts it (truncation; out of range saturates to
/// Go's amd64 result, the minimum).
fn go_seconds(v: f64) -> i64 {
    if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v) {
        i64::MIN
    } else {
        v as i64
    }
}

fn field(name: &str) -> fn(i64) -> f64 {
    match name {
        "minute" => |s| (s.rem_euclid(3600) / 60) as f64,
        "hour" => |s| (s.rem_euclid(86_400) / 3600) as f64,
        "day_of_week" => |s| (s.div_euclid(86_400) + 4).rem_euclid(7) as f64,
        "day_of_month" => |s| civil(s).2 as f64,
        "day_of_year" => |s| {
            let (y, m, d) = civil(s);
            (days_before_month(y, m) + d) as f64
        },
        "days_in_month" => |s| {
            let (y, m, _) = civil(s);
            days_in_month(y, m) as f64
        },
        "month" => |s| civil(s).1 as f64,
        "year" => |s| civil(s).0 as f64,
        _ => unreachable!("dispatch lists exactly these"),
    }
}

/// (year, month 1–12, day 1–31) of Unix seconds, proleptic Gregorian UTC.
fn civil(secs: i64) -> (i64, i64, i64) {
    crate::util::civil_from_days(secs.div_euclid(86_400))
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

fn days_before_month(y: i64, m: i64) -> i64 {
    (1..m).map(|k| days_in_month(y, k)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        // 2024-02-29T12:00:00Z
        assert_eq!(civil(1_709_208_000), (2024, 2, 29));
        assert_eq!(field("day_of_week")(0), 4.0); // Thursday
        assert_eq!(field("day_of_year")(1_709_208_000), 60.0);
        assert_eq!(field("days_in_month")(1_709_208_000), 29.0);
        assert_eq!(civil(-86_400), (1969, 12, 31));
    }
}
