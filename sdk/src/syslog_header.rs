//! The syslog header of a line in a log file: `Nov 25 10:00:01 host
//! tag[pid]: ` (BSD, as Postfix's `maillog_file` and rsyslog's traditional
//! format write it) or `2026-11-25T10:00:01.123456+00:00 host tag[pid]: `
//! (RFC 3339, as Debian 12's rsyslog writes it by default). Each piece is
//! its own function, so that a parser can read the variations of its
//! program (Dovecot's own log file has no hostname, for one).
//!
//! ```
//! use watchpost_sdk::syslog_header::{tagged, timestamp, word};
//!
//! let line = "Nov 25 10:00:01 mx postfix/smtpd[4242]: connect from x";
//! let now_ms = 1_795_600_801_000; // 2026-11-25T10:00:01Z
//! let stamp = timestamp(line, 0, || now_ms).unwrap();
//! assert_eq!(stamp.ns, now_ms * 1_000_000);
//! let (host, rest) = word(stamp.rest).unwrap();
//! let t = tagged(rest).unwrap();
//! assert_eq!((host, t.tag, t.pid, t.message), ("mx", "postfix/smtpd", Some(4242), "connect from x"));
//! ```

use crate::logtime::{self, Civil};
use memchr::{memchr, memchr3};

/// A parsed timestamp and the text after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp<'a> {
    /// Nanoseconds since the epoch.
    pub ns: i64,
    /// The text after the timestamp (its separating space not consumed).
    pub rest: &'a str,
}

/// Reads the timestamp at the start of `line`: BSD `Mmm dd hh:mm:ss[.frac]`
/// (the year inferred from `now_ms`, see [`logtime::infer_year`]; the zone
/// `offset_secs`), RFC 3339 `YYYY-MM-DDThh:mm:ss[.frac][zone]`, or
/// `YYYY-MM-DD hh:mm:ss[.frac]` (both in `offset_secs` when they carry no
/// zone). `now_ms` is called for BSD timestamps only.
pub fn timestamp(line: &str, offset_secs: i32, now_ms: impl FnOnce() -> i64) -> Option<Stamp<'_>> {
    if let Some((civil, rest)) =
        logtime::parse_iso_datetime(line, b'T').or_else(|| logtime::parse_iso_datetime(line, b' '))
    {
        let zone_end = memchr(b' ', rest.as_bytes()).unwrap_or(rest.len());
        let (offset, rest) = match logtime::parse_offset(&rest[..zone_end]) {
            Some(offset) => (offset, &rest[zone_end..]),
            None => (offset_secs, rest),
        };
        return Some(Stamp {
            ns: civil.to_ns(offset)?,
            rest,
        });
    }
    bsd_timestamp(line, offset_secs, now_ms)
}

fn bsd_timestamp(line: &str, offset_secs: i32, now_ms: impl FnOnce() -> i64) -> Option<Stamp<'_>> {
    let month = logtime::month_from_name(line.get(..3)?)?;
    let rest = line[3..].strip_prefix(' ')?.trim_start_matches(' ');
    // One or two digits, then a space.
    let day_end = memchr(b' ', &rest.as_bytes()[..rest.len().min(3)])?;
    let day = logtime::digits(&rest[..day_end])?;
    let time = &rest[day_end + 1..];
    let b = time.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' || !b[..8].is_ascii() {
        return None;
    }
    let mut c = Civil {
        year: 0,
        month,
        day,
        hour: logtime::two_digits(&time[..2])?,
        minute: logtime::two_digits(&time[3..5])?,
        second: logtime::two_digits(&time[6..8])?,
        nanos: 0,
    };
    let mut rest = &time[8..];
    if let Some(frac) = rest.strip_prefix('.') {
        let end = frac
            .bytes()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(frac.len());
        c.nanos = logtime::fraction_ns(&frac[..end])?;
        rest = &frac[end..];
    }
    Some(Stamp {
        ns: logtime::infer_year(c, offset_secs, now_ms())?,
        rest,
    })
}

/// `tag[pid]: message` or `tag: message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tagged<'a> {
    /// The program tag, e.g. `postfix/smtpd`.
    pub tag: &'a str,
    /// The process id, when the tag carries one.
    pub pid: Option<i64>,
    /// The text after `: `.
    pub message: &'a str,
}

/// Splits `tag[pid]: message` (the message may be empty; the pid must be a
/// number).
pub fn tagged(s: &str) -> Option<Tagged<'_>> {
    let end = memchr3(b' ', b'[', b':', s.as_bytes())?;
    let tag = &s[..end];
    if tag.is_empty() {
        return None;
    }
    let mut rest = &s[end..];
    let mut pid = None;
    if let Some(after) = rest.strip_prefix('[') {
        let close = memchr(b']', after.as_bytes())?;
        pid = Some(i64::from(logtime::digits(&after[..close])?));
        rest = &after[close + 1..];
    }
    let message = rest.strip_prefix(':')?;
    let message = match message.strip_prefix(' ') {
        Some(m) => m,
        None if message.is_empty() => message,
        None => return None,
    };
    Some(Tagged { tag, pid, message })
}

/// Splits off the space-separated word after the space `s` starts with (the
/// hostname after a timestamp), and the text after the word's space.
pub fn word(s: &str) -> Option<(&str, &str)> {
    let s = s.strip_prefix(' ')?;
    let end = memchr(b' ', s.as_bytes())?;
    (end > 0).then(|| (&s[..end], &s[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logtime::NS_PER_SEC;

    const NOW_MS: i64 = 1_795_600_801_000; // 2026-11-25T10:00:01Z

    #[test]
    fn bsd_and_rfc3339_timestamps() {
        let bsd = timestamp("Nov 25 10:00:01 host", 0, || NOW_MS).unwrap();
        assert_eq!((bsd.ns, bsd.rest), (1_795_600_801_000_000_000, " host"));
        let padded = timestamp("Nov  5 10:00:01 host", 0, || NOW_MS).unwrap();
        assert_eq!(padded.ns, bsd.ns - 20 * 86_400 * NS_PER_SEC);
        let zero_padded = timestamp("Nov 05 10:00:01 host", 0, || NOW_MS).unwrap();
        assert_eq!(zero_padded.ns, padded.ns);
        let frac = timestamp("Nov 25 10:00:01.250 x", 3600, || NOW_MS).unwrap();
        assert_eq!(frac.ns, bsd.ns - 3600 * NS_PER_SEC + 250_000_000);
        let iso = timestamp("2026-11-25T10:00:01.123456+00:00 host", 7200, || 0).unwrap();
        assert_eq!((iso.ns, iso.rest), (1_795_600_801_123_456_000, " host"));
        let iso = timestamp("2026-11-25T12:00:01+0200 h", 0, || 0).unwrap();
        assert_eq!(iso.ns, bsd.ns);
        let local = timestamp("2026-11-25 12:00:01 imap: ", 7200, || 0).unwrap();
        assert_eq!((local.ns, local.rest), (bsd.ns, " imap: "));
        for bad in [
            "",
            "Nov",
            "Nov 25",
            "Nov 25 10:00",
            "Foo 25 10:00:01 h",
            "Nov 32 10:00:01 h",
            "Nov 123 10:00:01 h",
            "Nov 25 1\u{e9}:00:01 h",
            "Nov 25 10:00:01. h",
            "2026-13-25T10:00:01Z",
        ] {
            assert_eq!(timestamp(bad, 0, || NOW_MS), None, "{bad:?}");
        }
    }

    #[test]
    fn tags() {
        let t = tagged("postfix/smtpd[1234]: connect from x").unwrap();
        assert_eq!(
            (t.tag, t.pid, t.message),
            ("postfix/smtpd", Some(1234), "connect from x")
        );
        let t = tagged("dovecot: imap-login: Login").unwrap();
        assert_eq!(
            (t.tag, t.pid, t.message),
            ("dovecot", None, "imap-login: Login")
        );
        assert_eq!(tagged("x[12]:").unwrap().message, "");
        for bad in [
            "",
            ": x",
            "x[abc]: y",
            "x[12 y",
            "x[12]y",
            "x:y",
            "no colon here",
        ] {
            assert_eq!(tagged(bad), None, "{bad:?}");
        }
        assert_eq!(word(" host rest"), Some(("host", "rest")));
        assert_eq!(word("host rest"), None);
        assert_eq!(word(" host"), None);
    }

    #[test]
    fn never_panics_on_random_input() {
        let pieces = [
            "Nov",
            " ",
            "25",
            "10:00:01",
            ".5",
            "2026-11-25T10:00:01",
            "+02:00",
            "h",
            "x[",
            "12",
            "]",
            ":",
            "é",
            "\u{FFFD}",
        ];
        for line in crate::testing::random_lines(&pieces, 5_000) {
            if let Some(stamp) = timestamp(&line, 3600, || NOW_MS)
                && let Some((_, rest)) = word(stamp.rest)
            {
                let _ = tagged(rest);
            }
            let _ = tagged(&line);
        }
    }
}
