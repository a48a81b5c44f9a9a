//! Watchpost's stock `postfix` log parser: the lines Postfix writes to its
//! `maillog_file` or through syslog.
//!
//! ```text
//! Nov 25 10:00:01 mx postfix/local[7065]: ED4E6C80B5: to=<root@mx>, orig_to=<root>, relay=local, delay=0.02, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (delivered to mailbox)
//! 2026-11-25T10:00:01.123456+00:00 mx postfix/smtpd[7113]: NOQUEUE: reject: RCPT from unknown[127.0.0.1]: 550 5.1.1 <x@mx>: Recipient address rejected: User unknown in local recipient table; from=<a@b.org> to=<x@mx> proto=ESMTP helo=<c.example>
//! ```
//!
//! The syslog header gives the timestamp, `hostname`, `process`, `pid` and
//! the `program` label (the daemon: `smtpd`, `qmgr`, ...); [`message`] reads
//! the rest. Lines of other programs in the same file (`mail.log`) keep
//! their header fields; only a line without a syslog header is an error.

pub mod message;

use serde::Deserialize;
use watchpost_sdk::logtime::{Clock, Timezone};
use watchpost_sdk::syslog_header;
use watchpost_sdk::{Parser, Record, Severity, SourceMeta};

/// The `[plugin.config]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `timezone = "+02:00"`: the UTC offset of timestamps that carry no
    /// zone (`Nov 25 10:00:01`, as `maillog_file` writes them). `"UTC"` by
    /// default.
    pub timezone: Timezone,
}

/// The parser.
pub struct PostfixParser {
    offset_secs: i32,
    clock: Clock,
}

impl Parser for PostfixParser {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        Ok(PostfixParser {
            offset_secs: config.timezone.offset_secs(),
            clock: Clock::new(),
        })
    }

    fn parse<'a>(&mut self, line: &'a str, _meta: &SourceMeta) -> Result<Record<'a>, String> {
        let stamp = syslog_header::timestamp(line, self.offset_secs, || self.clock.now_ms())
            .ok_or("no syslog timestamp at the start of the line")?;
        let (hostname, rest) =
            syslog_header::word(stamp.rest).ok_or("no hostname after the timestamp")?;
        let tagged = syslog_header::tagged(rest).ok_or("no `program[pid]: ` after the hostname")?;
        let program = memchr::memrchr(b'/', tagged.tag.as_bytes())
            .map_or(tagged.tag, |slash| &tagged.tag[slash + 1..]);
        let mut record = Record::new(tagged.message)
            .timestamp_ns(stamp.ns)
            .severity(Severity::Info)
            .label("program", program)
            .field("hostname", hostname)
            .field("process", tagged.tag);
        if let Some(pid) = tagged.pid {
            record = record.field("pid", pid);
        }
        message::parse(tagged.message, &mut record);
        Ok(record)
    }
}

watchpost_sdk::export_parser!(PostfixParser);

#[cfg(test)]
mod tests;
