//! The per-series history in the plugin's key-value state: for every
//! (week, hour-of-week, series) the mean of the values seen in that hour.
//! Keys look like `w/2817/hour/57/{job="api"}`; values are `"<mean> <count>"`.
//! Only this week and last week are kept.

use watchpost_sdk::{Label, log, state};

const HOUR_MS: i64 = 3_600_000;
const HOURS_PER_WEEK: i64 = 168;
/// The Unix epoch fell on a Thursday: 3 days after the Monday our weeks start on.
const EPOCH_HOUR_OF_WEEK: i64 = 3 * 24;

/// One hour of one week (weeks start on Monday 00:00 UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub week: i64,
    /// 0 = Monday 00:00-00:59 UTC, 167 = Sunday 23:00-23:59 UTC.
    pub hour: i64,
}

impl Slot {
    /// The slot containing `at_ms`.
    pub fn at(at_ms: i64) -> Slot {
        let hours = at_ms.div_euclid(HOUR_MS) + EPOCH_HOUR_OF_WEEK;
        Slot {
            week: hours.div_euclid(HOURS_PER_WEEK),
            hour: hours.rem_euclid(HOURS_PER_WEEK),
        }
    }

    fn key(week: i64, hour: i64, series: &str) -> String {
        format!("w/{week}/hour/{hour}/{series}")
    }

    /// The mean recorded for `series` in this hour one week ago.
    pub fn last_week(&self, series: &str) -> Option<f64> {
        read(&Self::key(self.week - 1, self.hour, series)).map(|(mean, _)| mean)
    }

    /// Folds `value` into this hour's running mean for `series`.
    pub fn record(&self, series: &str, value: f64) {
        let key = Self::key(self.week, self.hour, series);
        let (mean, count) = read(&key).unwrap_or((0.0, 0));
        let count = count + 1;
        let mean = mean + (value - mean) / count as f64;
        if let Err(e) = state::set(&key, format!("{mean} {count}").as_bytes()) {
            log::warn(&format!("could not store the baseline for {series}: {e}"));
        }
    }

    /// Drops this hour's entries from two weeks ago, which no evaluation will
    /// read again; each hour of the week cleans its own slot as it comes round.
    pub fn forget_older(&self) {
        for key in state::keys(&format!("w/{}/hour/{}/", self.week - 2, self.hour)) {
            state::delete(&key);
        }
    }
}

fn read(key: &str) -> Option<(f64, u64)> {
    let bytes = state::get(key)?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (mean, count) = text.split_once(' ')?;
    Some((mean.parse().ok()?, count.parse().ok()?))
}

/// A stable key for a label set: `{a="1",b="2"}`, sorted by name.
pub fn series_key(labels: &[Label]) -> String {
    let mut pairs: Vec<&Label> = labels.iter().collect();
    pairs.sort_by(|a, b| a.name.cmp(&b.name));
    let inner: Vec<String> = pairs
        .iter()
        .map(|l| format!("{}={:?}", l.name, l.value))
        .collect();
    format!("{{{}}}", inner.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use watchpost_sdk::labels;

    /// Monday 2024-01-01 00:00:00 UTC.
    const MONDAY: i64 = 1_704_067_200_000;

    #[test]
    fn hour_of_week_starts_on_monday() {
        assert_eq!(Slot::at(MONDAY).hour, 0);
        assert_eq!(Slot::at(MONDAY + 59 * 60_000).hour, 0);
        assert_eq!(Slot::at(MONDAY + HOUR_MS).hour, 1);
        assert_eq!(Slot::at(MONDAY - 1).hour, 167);
        assert_eq!(Slot::at(MONDAY - 1).week + 1, Slot::at(MONDAY).week);
        assert_eq!(Slot::at(0).hour, 72, "the epoch was a Thursday");
        assert_eq!(
            Slot::at(MONDAY + 7 * 24 * HOUR_MS).week,
            Slot::at(MONDAY).week + 1
        );
    }

    #[test]
    fn series_keys_ignore_label_order() {
        let a = series_key(&labels([("job", "api"), ("env", "prod")]));
        let b = series_key(&labels([("env", "prod"), ("job", "api")]));
        assert_eq!(a, b);
        assert_eq!(a, r#"{env="prod",job="api"}"#);
        assert_eq!(series_key(&[]), "{}");
    }
}
