//! Watchpost's stock `syslog` log parser: RFC 5424 and RFC 3164 lines, as
//! they arrive from the network or as rsyslog writes them to files.
//!
//! ```text
//! <165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] An application event
//! <34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed for lonvick on /dev/pts/8
//! Nov 25 10:00:01 web1 postfix/smtpd[4242]: connect from unknown[10.0.0.1]
//! 2026-11-25T10:00:01.123456+00:00 web1 CRON[99]: (root) CMD (run-parts /etc/cron.hourly)
//! ```
//!
//! The PRI gives the facility (a label) and the severity (the record's);
//! hostname and program are labels; PID, MSGID and each structured-data
//! parameter (`sd_<id>_<param>`) are fields. Everything is borrowed from the
//! line except structured-data names and escaped parameter values.
//! `rfc5424` and `rfc3164` read the two header formats into one [`Header`].

mod rfc3164;
mod rfc5424;

use serde::Deserialize;
use std::borrow::Cow;
use watchpost_sdk::logtime::{TimeParser, Timezone};
use watchpost_sdk::{Parser, Record, Severity, SourceMeta, Value};

/// The `[plugin.config]` table.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `timezone = "+02:00"`: the UTC offset of timestamps written without
    /// one (RFC 3164's `Nov 25 10:00:01`). Default UTC.
    pub timezone: Timezone,
    /// `labels = ["app_name", "hostname"]`: which of `app_name`, `facility`,
    /// `hostname`, `procid` and `msgid` are labels; the others are fields.
    pub labels: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            timezone: Timezone::UTC,
            labels: vec!["app_name".into(), "facility".into(), "hostname".into()],
        }
    }
}

const KNOWN_LABELS: [&str; 5] = ["app_name", "facility", "hostname", "procid", "msgid"];

/// What both header formats carry; `None` is absent or NILVALUE (`-`).
#[derive(Debug, Default, PartialEq)]
pub struct Header<'a> {
    pub timestamp_ns: Option<i64>,
    pub hostname: Option<&'a str>,
    pub app_name: Option<&'a str>,
    pub procid: Option<&'a str>,
    pub msgid: Option<&'a str>,
    /// Structured-data parameters, named `sd_<id>_<param>`.
    pub structured: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub message: &'a str,
}

/// The parser.
pub struct SyslogParser {
    labels: [bool; KNOWN_LABELS.len()],
    /// RFC 3339 timestamps (RFC 5424, rsyslog's high-precision files).
    rfc3339: TimeParser,
    /// RFC 3164's `Mmm dd hh:mm:ss`.
    rfc3164: TimeParser,
}

impl Parser for SyslogParser {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        let mut labels = [false; KNOWN_LABELS.len()];
        for name in &config.labels {
            let i = KNOWN_LABELS.iter().position(|k| k == name).ok_or_else(|| {
                watchpost_sdk::Error::new(format!(
                    "labels: unknown name {name:?} (known: {})",
                    KNOWN_LABELS.join(", ")
                ))
            })?;
            labels[i] = true;
        }
        let time =
            |format| TimeParser::new(format, config.timezone).map_err(watchpost_sdk::Error::new);
        Ok(SyslogParser {
            labels,
            rfc3339: time("rfc3339")?,
            rfc3164: time("rfc3164")?,
        })
    }

    fn parse<'a>(&mut self, line: &'a str, _meta: &SourceMeta) -> Result<Record<'a>, String> {
        let text = line.trim_end();
        if text.is_empty() {
            return Err("empty line".into());
        }
        let (pri, rest) = pri(text)?;
        let header = match pri {
            Some(_) if rfc5424::has_version(rest) => rfc5424::parse(rest, &self.rfc3339)?,
            _ => rfc3164::parse(rest, &self.rfc3339, &self.rfc3164)?,
        };
        let mut record = Record::new(header.message);
        record.timestamp_ns = header.timestamp_ns;
        let facility = pri.map(|p| {
            record.severity = severity(p & 7);
            FACILITIES[usize::from(p >> 3)]
        });
        let parts = [
            header.app_name,
            facility,
            header.hostname,
            header.procid,
            header.msgid,
        ];
        for ((name, value), is_label) in KNOWN_LABELS.iter().zip(parts).zip(self.labels) {
            match value {
                Some(v) if is_label => record.labels.push((Cow::Borrowed(*name), Cow::Borrowed(v))),
                Some(v) => record.fields.push((Cow::Borrowed(*name), Value::from(v))),
                None => {}
            }
        }
        record.fields.extend(
            header
                .structured
                .into_iter()
                .map(|(name, value)| (name, Value::Text(value))),
        );
        Ok(record)
    }
}

watchpost_sdk::export_parser!(SyslogParser);

/// `<PRI>` at the start of the line (0 to 191), if there is one.
fn pri(text: &str) -> Result<(Option<u8>, &str), String> {
    let Some(body) = text.strip_prefix('<') else {
        return Ok((None, text));
    };
    let close = body
        .bytes()
        .take(4)
        .position(|b| b == b'>')
        .ok_or("invalid PRI: no '>' within 3 digits")?;
    let digits = &body[..close];
    match digits.parse::<u8>() {
        Ok(p) if p <= 191 && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Ok((Some(p), &body[close + 1..]))
        }
        _ => Err(format!("invalid PRI <{digits}>: must be 0 to 191")),
    }
}

/// RFC 5424's facility keywords, by code.
const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

/// The severity of a PRI's low three bits.
fn severity(code: u8) -> Severity {
    match code {
        0 => Severity::Emergency,
        1 => Severity::Alert,
        2 => Severity::Critical,
        3 => Severity::Error,
        4 => Severity::Warning,
        5 => Severity::Notice,
        6 => Severity::Info,
        _ => Severity::Debug,
    }
}

#[cfg(test)]
mod tests;
