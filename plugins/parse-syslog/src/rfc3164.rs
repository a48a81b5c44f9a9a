//! RFC 3164 ("BSD syslog") and what rsyslog writes to files:
//! `TIMESTAMP [HOSTNAME] TAG[PID]: MSG` after an optional PRI, where
//! TIMESTAMP is `Mmm dd hh:mm:ss` (no year, no offset) or, in rsyslog's
//! high-precision file format, RFC 3339.
//!
//! The hostname is optional (lines from a local socket have none): the first
//! word is taken as the tag when it reads `prog:` or `prog[pid]:` followed by
//! a space or the end of the line, otherwise as the hostname. A line with no
//! tag keeps everything after the hostname as its message.

use crate::Header;
use watchpost_sdk::logtime::TimeParser;

/// The header and message after the PRI (if any).
pub fn parse<'a>(
    rest: &'a str,
    rfc3339: &TimeParser,
    rfc3164: &TimeParser,
) -> Result<Header<'a>, String> {
    let (timestamp, rest) = if rest.starts_with(|c: char| c.is_ascii_digit()) {
        let (stamp, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        (rfc3339.parse(stamp), rest)
    } else {
        let end = bsd_timestamp_end(rest).ok_or("no syslog timestamp")?;
        (rfc3164.parse(&rest[..end]), &rest[end..])
    };
    let timestamp_ns = Some(timestamp.ok_or("no syslog timestamp")?);
    let rest = rest.trim_start_matches(' ');
    if let Some((app_name, procid, message)) = tag(rest) {
        return Ok(Header {
            timestamp_ns,
            app_name: Some(app_name),
            procid,
            message,
            ..Header::default()
        });
    }
    let (hostname, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let rest = rest.trim_start_matches(' ');
    let (app_name, procid, message) = match tag(rest) {
        Some((app, pid, msg)) => (Some(app), pid, msg),
        None => (None, None, rest),
    };
    Ok(Header {
        timestamp_ns,
        hostname: (!hostname.is_empty()).then_some(hostname),
        app_name,
        procid,
        message,
        ..Header::default()
    })
}

/// The length of a leading `Mmm dd hh:mm:ss` (day padded with a space or
/// not, seconds possibly with a fraction): three words.
fn bsd_timestamp_end(s: &str) -> Option<usize> {
    let month = s.find(' ')?;
    let day_start = month + s[month..].bytes().take_while(|&b| b == b' ').count();
    let day = day_start + s[day_start..].find(' ')?;
    let time = day + 1;
    let end = s[time..].find(' ').map_or(s.len(), |e| time + e);
    (month == 3 && end - time >= 8).then_some(end)
}

/// `prog: msg` or `prog[pid]: msg`: the program, the PID and the message.
/// The colon must be followed by a space or the end of the line, so that an
/// IPv6 hostname is not read as a tag.
fn tag(s: &str) -> Option<(&str, Option<&str>, &str)> {
    let end = s.find(|c: char| c == ':' || c == '[' || c.is_whitespace())?;
    if end == 0 {
        return None;
    }
    let app = &s[..end];
    let (procid, after) = match s[end..].strip_prefix('[') {
        Some(pid_and_rest) => {
            let close = pid_and_rest.find(']')?;
            let pid = &pid_and_rest[..close];
            if pid.is_empty() || pid.contains(char::is_whitespace) {
                return None;
            }
            (Some(pid), &pid_and_rest[close + 1..])
        }
        None => (None, &s[end..]),
    };
    let message = after.strip_prefix(':')?;
    match message.strip_prefix(' ') {
        Some(m) => Some((app, procid, m)),
        None if message.is_empty() => Some((app, procid, message)),
        None => None,
    }
}
