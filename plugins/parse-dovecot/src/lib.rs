//! Watchpost's stock `dovecot` log parser: Dovecot 2.3's own log file
//! (`log_path`) and its lines in syslog.
//!
//! ```text
//! Nov 25 10:00:01 imap-login: Info: Login: user=<bob>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, mpid=7527, secured, session=<sTvUhSNh5rl/AAAB>
//! 2026-11-25T10:00:01.123456+00:00 mx dovecot: imap(bob)<7527><sTvUhSNh5rl/AAAB>: Disconnected: Logged out in=32 out=788
//! ```
//!
//! The line's prefix gives the timestamp, the `service` label (`imap-login`,
//! `imap`, `auth`, ...) with the user, pid and session it names, and the
//! severity (`Info:`, `Warning:`, ...; syslog lines write no `Info:`).
//! [`events`] reads the text after it into the `event` label and its fields.

pub mod events;

use serde::Deserialize;
use watchpost_sdk::logtime::{Clock, Timezone};
use watchpost_sdk::syslog_header;
use watchpost_sdk::{Parser, Record, Severity, SourceMeta};

/// The `[plugin.config]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `timezone = "+02:00"`: the UTC offset of timestamps that carry no
    /// zone (Dovecot's `log_timestamp = "%b %d %H:%M:%S "`, BSD syslog).
    /// `"UTC"` by default.
    pub timezone: Timezone,
}

/// The parser.
pub struct DovecotParser {
    offset_secs: i32,
    clock: Clock,
}

impl Parser for DovecotParser {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        Ok(DovecotParser {
            offset_secs: config.timezone.offset_secs(),
            clock: Clock::new(),
        })
    }

    fn parse<'a>(&mut self, line: &'a str, _meta: &SourceMeta) -> Result<Record<'a>, String> {
        let stamp = syslog_header::timestamp(line, self.offset_secs, || self.clock.now_ms())
            .ok_or("no timestamp at the start of the line")?;
        let rest = stamp
            .rest
            .strip_prefix(' ')
            .ok_or("no space after the timestamp")?;
        let first_word = rest.split(' ').next().unwrap_or("");
        let mut record = Record::new("").timestamp_ns(stamp.ns);
        let text = if first_word.ends_with(':') {
            // Dovecot's own file: `imap-login: Info: ...`.
            rest
        } else {
            // Syslog: `host dovecot: imap-login: ...`.
            let (hostname, rest) =
                syslog_header::word(stamp.rest).ok_or("no hostname after the timestamp")?;
            let tagged = syslog_header::tagged(rest).ok_or("no `dovecot: ` after the hostname")?;
            record = record.field("hostname", hostname);
            if let Some(pid) = tagged.pid {
                record = record.field("dovecot_pid", pid);
            }
            tagged.message
        };
        let (service, text) = service(text).ok_or("no `service: ` prefix")?;
        let (severity, body) = level(text);
        record.severity = severity;
        record.message = body.into();
        record.labels.push(("service".into(), service.name.into()));
        for (name, value) in [("user", service.user), ("session", service.session)] {
            if let Some(value) = value {
                record.fields.push((name.into(), value.into()));
            }
        }
        if let Some(pid) = service.pid {
            record.fields.push(("pid".into(), pid.into()));
        }
        events::parse(service.name, body, &mut record);
        Ok(record)
    }
}

watchpost_sdk::export_parser!(DovecotParser);

/// A log prefix's process: `imap-login`, `auth-worker(4711)`,
/// `imap(bob)<7527><sTvUhSNh5rl/AAAB>` (`mail_log_prefix`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service<'a> {
    pub name: &'a str,
    pub user: Option<&'a str>,
    pub pid: Option<i64>,
    pub session: Option<&'a str>,
}

/// Splits `service: text`.
pub fn service(s: &str) -> Option<(Service<'_>, &str)> {
    let end = s.find(": ").unwrap_or(s.len());
    let token = s.get(..end).filter(|t| !t.is_empty() && !t.contains(' '))?;
    let text = s.get(end + 2..).unwrap_or("");
    let name_end = token.find(['(', '<']).unwrap_or(token.len());
    let mut service = Service {
        name: &token[..name_end],
        user: None,
        pid: None,
        session: None,
    };
    if service.name.is_empty() || (name_end != token.len() && !token.ends_with([')', '>'])) {
        return None;
    }
    let mut rest = &token[name_end..];
    if let Some(inner) = rest.strip_prefix('(') {
        let close = inner.find(')')?;
        let inside = &inner[..close];
        match inside.parse::<i64>() {
            Ok(pid) => service.pid = Some(pid),
            Err(_) => service.user = Some(inside),
        }
        rest = &inner[close + 1..];
    }
    // `<pid><session>` of `mail_log_prefix = "%s(%u)<%{pid}><%{session}>: "`.
    let mut angles = Vec::new();
    while let Some(inner) = rest.strip_prefix('<') {
        let close = inner.find('>')?;
        angles.push(&inner[..close]);
        rest = &inner[close + 1..];
    }
    if !rest.is_empty() {
        return None;
    }
    for part in angles {
        match part.parse::<i64>() {
            Ok(pid) if service.pid.is_none() => service.pid = Some(pid),
            _ if !part.is_empty() => service.session = Some(part),
            _ => {}
        }
    }
    Some((service, text))
}

/// `Info: `, `Warning: `, ... (absent in syslog for info).
fn level(s: &str) -> (Severity, &str) {
    for (word, severity) in [
        ("Info: ", Severity::Info),
        ("Warning: ", Severity::Warning),
        ("Error: ", Severity::Error),
        // A fatal error ends a process; a panic is a bug (an assertion).
        ("Fatal: ", Severity::Critical),
        ("Panic: ", Severity::Emergency),
        ("Debug: ", Severity::Debug),
    ] {
        if let Some(rest) = s.strip_prefix(word) {
            return (severity, rest);
        }
    }
    (Severity::Info, s)
}

#[cfg(test)]
mod tests;
