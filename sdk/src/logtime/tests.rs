//! `logtime`'s tests: the calendar, the pieces, time zones, every format of
//! `TimeParser`, year-less dates, the batch clock and random input.

use super::*;
use crate::testing::{TestHost, random_lines};

/// 2026-11-25T10:00:01Z
const T: i64 = 1_795_600_801;
const NOW_MS: i64 = (T + 3600) * 1000;

fn at(format: &str, text: &str) -> Option<i64> {
    TimeParser::new(format, Timezone::UTC)
        .unwrap()
        .parse_at(text, || NOW_MS)
}

#[test]
fn epoch_arithmetic() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(civil_from_days(11_017), (2000, 3, 1));
    assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    assert_eq!(civil_from_days(-1), (1969, 12, 31));
    for days in [-800_000, -1, 0, 59, 60, 19_000, 2_932_896] {
        let (y, m, d) = civil_from_days(days);
        assert_eq!(days_from_civil(y, m, d), days);
    }
    let c = Civil {
        year: 2026,
        month: 11,
        day: 25,
        hour: 10,
        minute: 0,
        second: 1,
        nanos: 123_000_000,
    };
    assert_eq!(c.to_ns(0), Some(1_795_600_801_123_000_000));
    assert_eq!(c.to_ns(7200), Some(1_795_593_601_123_000_000));
    assert_eq!(Civil { day: 31, ..c }.to_ns(0), None);
    assert_eq!(Civil { hour: 24, ..c }.to_ns(0), None);
    // Past what i64 nanoseconds hold: no overflow, no panic.
    assert_eq!(Civil { year: 9999, ..c }.to_ns(0), None);
}

#[test]
fn pieces() {
    assert_eq!(month_from_name("Nov"), Some(11));
    assert_eq!(month_from_name("nOV"), Some(11));
    assert_eq!(month_from_name("November"), Some(11));
    assert_eq!(month_from_name("Mär"), Some(3));
    assert_eq!(month_from_name("Novem"), None);
    assert_eq!(month_from_name("N\u{e9}v"), None);
    assert_eq!(digits("007"), Some(7));
    assert_eq!(digits("1234567890"), None);
    assert_eq!(digits("+1"), None);
    assert_eq!(digits(""), None);
    assert_eq!(digits("999999999"), Some(999_999_999));
    // Two digits exactly, each byte checked: every pair of bytes against
    // the general reader.
    for a in 0..=255u8 {
        for b in [b'0', b'7', b'9', b'/', b':', a] {
            let pair = [a, b];
            let Ok(text) = std::str::from_utf8(&pair) else {
                continue;
            };
            assert_eq!(two_digits(text), digits(text), "{pair:?}");
        }
    }
    assert_eq!(two_digits("7"), None);
    assert_eq!(two_digits("123"), None);
    assert_eq!(fraction_ns("5"), Some(500_000_000));
    assert_eq!(fraction_ns("123456"), Some(123_456_000));
    assert_eq!(fraction_ns("1234567891234"), Some(123_456_789));
    assert_eq!(fraction_ns(""), None);
    assert_eq!(fraction_ns("1.2"), None);
    let (c, rest) = parse_iso_datetime("2026-11-25T10:00:01.123456+00:00 x", b'T').unwrap();
    assert_eq!((c.second, c.nanos, rest), (1, 123_456_000, "+00:00 x"));
    assert!(parse_iso_datetime("2026-11-25 10:00:01", b'T').is_none());
    assert!(parse_iso_datetime("2026-11-25 10:00:01.x", b' ').is_none());
    assert!(parse_iso_datetime("2026-11-2\u{e9}10:00:01", b' ').is_none());
}

#[test]
fn offsets_and_timezones() {
    for (s, v) in [
        ("Z", Some(0)),
        ("UTC", Some(0)),
        ("gmt", Some(0)),
        ("+02:00", Some(7200)),
        ("+0200", Some(7200)),
        ("-05:30", Some(-19_800)),
        ("+02", Some(7200)),
        ("+2", None),
        ("+25:00", None),
        ("+02:", None),
        ("02:00", None),
        ("+\u{e9}\u{e9}", None),
        ("", None),
    ] {
        assert_eq!(parse_offset(s), v, "{s}");
    }
    let tz = |s: &str| s.parse::<Timezone>().map(Timezone::offset_secs);
    assert_eq!(tz("+02:00"), Ok(7200));
    assert_eq!(tz("-0530"), Ok(-19_800));
    assert_eq!(tz(" UTC "), Ok(0));
    assert_eq!(tz(""), Ok(0));
    for bad in ["Europe/Berlin", "CET", "+2", "02:00"] {
        let e = tz(bad).unwrap_err();
        assert!(e.contains(bad) && e.contains("fixed UTC offsets"), "{e}");
    }
    #[derive(serde::Deserialize)]
    struct Config {
        #[serde(default)]
        timezone: Timezone,
    }
    let config = |json| serde_json::from_str::<Config>(json).map(|c| c.timezone);
    assert_eq!(config("{}").unwrap(), Timezone::UTC);
    assert_eq!(
        config(r#"{"timezone": "-05:30"}"#).unwrap().to_string(),
        "-05:30"
    );
    let e = config(r#"{"timezone": "Europe/Paris"}"#).err().unwrap();
    assert!(e.to_string().contains("Europe/Paris"), "{e}");
    assert!(config(r#"{"timezone": 2}"#).is_err());
    assert_eq!(Timezone::from_offset_secs(3600).to_string(), "+01:00");
}

#[test]
fn rfc3339_and_iso_spellings() {
    let ns = T * NS_PER_SEC;
    assert_eq!(at("auto", "2026-11-25T10:00:01Z"), Some(ns));
    assert_eq!(
        at("auto", "2026-11-25T10:00:01.123456Z"),
        Some(ns + 123_456_000)
    );
    assert_eq!(
        at("auto", "2026-11-25 10:00:01,123"),
        Some(ns + 123_000_000)
    );
    assert_eq!(at("auto", "2026-11-25T12:00:01+02:00"), Some(ns));
    assert_eq!(
        at("auto", "2026-11-25T12:00:01.5+0200"),
        Some(ns + 500_000_000)
    );
    assert_eq!(at("auto", "2026-11-25 10:00:01.000 UTC"), Some(ns));
    assert_eq!(
        at("rfc3339", "2026-11-25t10:00:01.123456789123z"),
        Some(ns + 123_456_789)
    );
    assert_eq!(at("rfc3339", "2026-11-25"), Some((T - 36_001) * NS_PER_SEC));
    for bad in [
        "2026-13-25T10:00:01Z",
        "2026-02-30",
        "2026-11-25T10:00:01Zjunk",
        "2026-11-25T",
    ] {
        assert_eq!(at("rfc3339", bad), None, "{bad}");
    }
    let berlin = TimeParser::new("auto", "+01:00".parse().unwrap()).unwrap();
    assert_eq!(berlin.parse_at("2026-11-25 11:00:01", || NOW_MS), Some(ns));
}

#[test]
fn epoch_numbers() {
    let ns = T * NS_PER_SEC;
    assert_eq!(at("auto", "1795600801"), Some(ns));
    assert_eq!(at("auto", "1795600801.25"), Some(ns + 250_000_000));
    assert_eq!(at("auto", "1795600801123"), Some(ns + 123_000_000));
    assert_eq!(at("auto", "1795600801123456"), Some(ns + 123_456_000));
    assert_eq!(at("auto", "1795600801123456789"), Some(ns + 123_456_789));
    assert_eq!(at("unix_ms", "1795600801123.5"), Some(ns + 123_500_000));
    assert_eq!(at("unix", "12"), Some(12 * NS_PER_SEC));
    assert_eq!(at("unix", "99999999999999999999"), None);
    assert_eq!(at("unix", "1.2.3"), None);
}

#[test]
fn layouts() {
    let ns = T * NS_PER_SEC;
    assert_eq!(at("auto", "25/Nov/2026:11:00:01 +0100"), Some(ns));
    assert_eq!(at("auto", "Nov 25 10:00:01"), Some(ns));
    assert_eq!(
        at("auto", "Wed Nov 25 10:00:01.5 2026"),
        Some(ns + 500_000_000)
    );
    assert_eq!(at("auto", "Wed, 25 Nov 2026 10:00:01 GMT"), Some(ns));
    assert_eq!(at("auto", "2026/11/25 10:00:01"), Some(ns));
    assert_eq!(at("%d.%m.%y %I:%M:%S %p", "25.11.26 10:00:01 AM"), Some(ns));
    assert_eq!(
        at("%d.%m.%Y %I:%M %p", "25.11.2026 12:30 am"),
        Some((T - 34_201) * NS_PER_SEC)
    );
    assert_eq!(at("%s", "1795600801"), Some(ns));
    assert_eq!(at("%F %T%.f", "2026-11-25 10:00:01"), Some(ns));
    assert_eq!(
        at("%d %B %Y %H:%M:%S", "04 Mai 2015 13:17:15"),
        Some(1_430_745_435 * NS_PER_SEC)
    );
    assert_eq!(at("auto", "Nov 25 10:00:01 trailing"), None);
    assert_eq!(at("auto", "hello"), None);
    assert_eq!(at("auto", ""), None);
    let new = |f| TimeParser::new(f, Timezone::UTC);
    assert!(new("%Q").unwrap_err().contains("%Q"));
    assert!(new("yyyy-MM-dd").is_err());
    assert!(new("%").unwrap_err().contains("ends with '%'"));
}

#[test]
fn year_less_dates_take_the_clock_year_or_the_one_before() {
    // 2027-01-01T00:30:00Z: a December line is last year's.
    let new_year_ms = 1_798_763_400_000;
    let p = TimeParser::new("rfc3164", Timezone::UTC).unwrap();
    let dec = p.parse_at("Dec 31 23:59:59", || new_year_ms).unwrap();
    assert_eq!(dec, (1_798_761_600 - 1) * NS_PER_SEC);
    let jan = p.parse_at("Jan  1 00:10:00", || new_year_ms).unwrap();
    assert_eq!(jan, (1_798_761_600 + 600) * NS_PER_SEC);
    // A line a few hours ahead (clock skew) stays this year.
    let ahead = p.parse_at("Jan  1 05:00:00", || new_year_ms).unwrap();
    assert_eq!(ahead, (1_798_761_600 + 5 * 3600) * NS_PER_SEC);

    let c = Civil {
        month: 12,
        day: 31,
        hour: 23,
        minute: 59,
        second: 59,
        ..Civil::default()
    };
    // Read on 2026-12-31 at noon: this year.
    let ms = (days_from_civil(2026, 12, 31) * 86_400 + 43_200) * 1000;
    assert_eq!(infer_year(c, 0, ms), Some(dec));
    // 29 February read in a non-leap year: the leap year before.
    let feb29 = Civil {
        month: 2,
        day: 29,
        ..c
    };
    let ms = days_from_civil(2025, 3, 10) * 86_400_000;
    let expected = Civil {
        year: 2024,
        ..feb29
    };
    assert_eq!(infer_year(feb29, 0, ms), expected.to_ns(0));
}

#[test]
fn the_clock_is_read_once_per_batch() {
    TestHost::new().now_ms(1_000).install();
    let clock = Clock::new();
    assert_eq!(clock.now_ms(), 1_000);
    TestHost::new().now_ms(2_000).install();
    assert_eq!(clock.now_ms(), 1_000, "same batch");
    new_batch();
    assert_eq!(clock.now_ms(), 2_000, "next batch");
    // `parse` reads it for year-less times only.
    let p = TimeParser::new("rfc3164", Timezone::UTC).unwrap();
    TestHost::new().now_ms(NOW_MS).install();
    assert_eq!(p.parse(" Nov 25 10:00:01 "), Some(T * NS_PER_SEC));
}

#[test]
fn never_panics_on_random_input() {
    let lines = random_lines(
        &[
            "2026",
            "-",
            "11",
            "25",
            "T",
            " ",
            ":",
            "10",
            "00",
            "01",
            ".",
            ",",
            "123456789012",
            "Z",
            "+",
            "01",
            "Nov",
            "Mai",
            "März",
            "/",
            "é",
            "\u{FFFD}",
            "99999999999999999999",
            "AM",
            "UTC",
            "Wed",
        ],
        20_000,
    );
    let zone = "+01:00".parse().unwrap();
    let parsers: Vec<TimeParser> = [
        "auto",
        "rfc3339",
        "unix_ms",
        "%d/%b/%Y:%H:%M:%S %z",
        "%s%.f %p",
    ]
    .iter()
    .map(|f| TimeParser::new(f, zone).unwrap())
    .collect();
    for line in &lines {
        for p in &parsers {
            let _ = p.parse_at(line, || NOW_MS);
        }
        for sep in [b'T', b' '] {
            if let Some((civil, _)) = parse_iso_datetime(line, sep) {
                let _ = civil.to_ns(3600);
                let _ = infer_year(civil, -3600, NOW_MS);
            }
        }
        let _ = parse_offset(line);
    }
}
