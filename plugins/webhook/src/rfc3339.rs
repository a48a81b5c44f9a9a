//! A tiny RFC 3339 formatter for UTC timestamps, so the plugin needs no date
//! crate. The output matches Go's `time.RFC3339Nano`, which Alertmanager's
//! JSON uses: `2024-01-01T09:15:00Z`, `2024-01-01T09:15:00.25Z`.

use watchpost_sdk::notify::civil_from_days;

/// Formats milliseconds since the Unix epoch.
pub fn format_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let mut out = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if millis != 0 {
        let frac = format!("{millis:03}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Go's zero `time.Time`, which Alertmanager sends as `endsAt` of alerts
/// that are still firing.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_ms(1_704_100_500_000), "2024-01-01T09:15:00Z");
        assert_eq!(format_ms(1_704_100_500_250), "2024-01-01T09:15:00.25Z");
        assert_eq!(format_ms(1_704_100_500_007), "2024-01-01T09:15:00.007Z");
        assert_eq!(
            format_ms(951_782_400_000),
            "2000-02-29T00:00:00Z",
            "leap day"
        );
        assert_eq!(format_ms(4_107_542_399_999), "2100-02-28T23:59:59.999Z");
        assert_eq!(format_ms(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn every_day_of_a_leap_cycle_round_trips() {
        // Walk 1600-2400 day by day and check dates advance consistently.
        let mut previous = civil_from_days(-135_140); // 1600-01-01
        assert_eq!(previous, (1600, 1, 1));
        for days in -135_139..157_000 {
            let date = civil_from_days(days);
            let next_day = (previous.0, previous.1, previous.2 + 1);
            let next_month = (previous.0, previous.1 + 1, 1);
            let next_year = (previous.0 + 1, 1, 1);
            assert!(
                date == next_day || date == next_month || date == next_year,
                "{previous:?} -> {date:?}"
            );
            previous = date;
        }
    }
}
