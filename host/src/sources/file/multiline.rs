//! Multi-line records (stack traces): joins the logical lines of one stream
//! into records.
//!
//! A record starts at a line that matches `start` (does not, with
//! `negate`); every following line that does not start a record is appended
//! with `\n`. The pending record is emitted when the next one starts, when
//! it holds `max_lines` lines, or — checked by [`expired`] — when no line
//! has joined it for `timeout`. A line that continues nothing (the first of
//! a file) starts a record of its own. Feeding one line emits at most one
//! record, which is what lets the reader charge its budget per line.

use std::time::Instant;

use super::config::Multiline;
use super::lines::push_bounded;

/// A line of text as decoded from a file, or a record of several.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Logical {
    pub text: String,
    pub truncated: bool,
    /// Lines joined into this record.
    pub lines: u32,
    /// Offset of the first physical line it came from.
    pub start: u64,
    pub stream: Option<String>,
    pub time_ns: Option<i64>,
}

impl Logical {
    /// Appends `more` on a new line, within `max` bytes.
    pub fn append(&mut self, more: &Logical, max: usize) {
        // Once cut, a record takes no more text: its end is already gone.
        if !self.truncated {
            self.truncated = push_bounded(&mut self.text, "\n", max)
                || push_bounded(&mut self.text, &more.text, max);
        }
        self.truncated |= more.truncated;
        self.lines = self.lines.saturating_add(more.lines);
    }
}

/// The record being assembled for one stream.
#[derive(Debug)]
pub(super) struct Pending {
    pub record: Logical,
    /// When its last line joined.
    pub at: Instant,
}

/// Feeds `line` into the record pending in `slot`; returns the record this
/// completes, if any.
pub(super) fn feed(
    config: &Multiline,
    max_bytes: usize,
    slot: &mut Option<Pending>,
    line: Logical,
    now: Instant,
) -> Option<Logical> {
    let starts = config.start.is_match(&line.text) != config.negate;
    let mut out = None;
    match slot {
        Some(pending) if !starts => {
            pending.record.append(&line, max_bytes);
            pending.at = now;
        }
        _ => {
            out = slot.take().map(|p| p.record);
            *slot = Some(Pending {
                record: line,
                at: now,
            });
        }
    }
    let full = slot
        .as_ref()
        .is_some_and(|p| p.record.lines as usize >= config.max_lines);
    // With `max_lines >= 2` a record that was just started is never full;
    // with 1, no record is ever left pending: so at most one comes out.
    if full && out.is_none() {
        out = slot.take().map(|p| p.record);
    }
    out
}

/// Whether the record pending in `slot` has waited `timeout` for more lines.
pub(super) fn expired(config: &Multiline, slot: &Option<Pending>, now: Instant) -> bool {
    slot.as_ref()
        .is_some_and(|p| now.saturating_duration_since(p.at) >= config.timeout)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use regex::Regex;

    use super::*;

    fn line(text: &str, start: u64) -> Logical {
        Logical {
            text: text.into(),
            truncated: false,
            lines: 1,
            start,
            stream: None,
            time_ns: None,
        }
    }

    fn run(
        config: &Multiline,
        max_bytes: usize,
        input: &[&str],
    ) -> (Vec<(String, u32, bool)>, Option<String>) {
        let now = Instant::now();
        let mut slot = None;
        let mut out = Vec::new();
        for (i, text) in input.iter().enumerate() {
            if let Some(r) = feed(config, max_bytes, &mut slot, line(text, i as u64), now) {
                out.push((r.text, r.lines, r.truncated));
            }
        }
        (out, slot.map(|p| p.record.text))
    }

    fn config(start: &str, negate: bool, max_lines: usize) -> Multiline {
        Multiline {
            start: Regex::new(start).unwrap(),
            negate,
            max_lines,
            timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn joins_and_caps_lines() {
        let c = config(r"^\S", false, 3);
        let (out, pending) = run(
            &c,
            1000,
            &["  orphan", "a", " 1", "b", " 1", " 2", " 3", "c"],
        );
        let want = [
            ("  orphan", 1, false),
            ("a\n 1", 2, false),
            ("b\n 1\n 2", 3, false),
            (" 3", 1, false),
        ];
        assert_eq!(out, want.map(|(t, l, c)| (t.to_string(), l, c)));
        assert_eq!(pending.as_deref(), Some("c"));
    }

    #[test]
    fn negate_and_byte_cap() {
        let c = config(r"^\s+at ", true, 100);
        let (out, pending) = run(&c, 8, &["Ex: boom", "  at a", "next"]);
        assert_eq!(out, [("Ex: boom".to_string(), 2, true)]);
        assert_eq!(pending.as_deref(), Some("next"));
        let one = config(".", false, 1);
        let (out, pending) = run(&one, 100, &["x", "y"]);
        assert_eq!(out.len(), 2);
        assert_eq!(pending, None);
    }
}
