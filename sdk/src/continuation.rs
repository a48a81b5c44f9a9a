//! Continuation lines: lines without a header of their own that belong to
//! the log line before them — a Python traceback after a logged exception,
//! PostgreSQL's tab-indented lines of a long statement. Each becomes a
//! record of its own, with the field `continuation = true` and the severity
//! and timestamp of the line it follows, so that a query for errors finds
//! the whole traceback.
//!
//! ```
//! use watchpost_sdk::continuation::Tracebacks;
//! use watchpost_sdk::Severity;
//!
//! let mut tracebacks = Tracebacks::default();
//! tracebacks.logged(Severity::Error, Some(7)); // a parsed `ERROR ...` line
//! let start = tracebacks.line("Traceback (most recent call last):").unwrap();
//! assert_eq!((start.severity, start.timestamp_ns), (Severity::Error, Some(7)));
//! let end = tracebacks.line("ValueError: bad value").unwrap();
//! assert_eq!(end.text_field("exception_type"), Some("ValueError"));
//! assert!(tracebacks.line("an unrelated line").is_none());
//! ```

use crate::{Record, Severity};

/// What continuation lines take from the last line with a header.
#[derive(Debug, Default, Clone, Copy)]
pub struct Continuation {
    last: Option<(Severity, Option<i64>)>,
}

impl Continuation {
    /// Notes a parsed line with a header (the lines after it may continue it).
    pub fn logged(&mut self, severity: Severity, timestamp_ns: Option<i64>) {
        self.last = Some((severity, timestamp_ns));
    }

    /// The severity of the last line noted, if any.
    pub fn severity(&self) -> Option<Severity> {
        self.last.map(|(severity, _)| severity)
    }

    /// `text` as a continuation record: the field `continuation = true`, and
    /// the severity and timestamp of the last line noted (unknown and none
    /// before the first).
    pub fn record<'a>(&self, text: &'a str) -> Record<'a> {
        let mut record = Record::new(text).field("continuation", true);
        if let Some((severity, timestamp_ns)) = self.last {
            record.severity = severity;
            record.timestamp_ns = timestamp_ns;
        }
        record
    }
}

/// Python tracebacks: the lines a Python logger writes after a record that
/// carries an exception (`Traceback (most recent call last):`, the frames,
/// the exception line, and the chained exceptions before it).
#[derive(Debug, Default, Clone, Copy)]
pub struct Tracebacks {
    lines: Continuation,
    open: bool,
}

/// Sentences between the tracebacks of chained exceptions.
const CHAINS: [&str; 2] = [
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
];

impl Tracebacks {
    /// Notes a parsed log line (a traceback may follow it).
    pub fn logged(&mut self, severity: Severity, timestamp_ns: Option<i64>) {
        self.lines.logged(severity, timestamp_ns);
        self.open = false;
    }

    /// `line` as a record of a traceback, if it is one: a frame, or the
    /// exception line that ends it (with the fields `exception_type` and
    /// `exception`). A line that neither starts a traceback nor continues
    /// an open one is `None`.
    pub fn line<'a>(&mut self, line: &'a str) -> Option<Record<'a>> {
        let starts = line == "Traceback (most recent call last):" || CHAINS.contains(&line);
        if !starts && !self.open {
            return None;
        }
        let record = self.lines.record(line);
        if starts || line.is_empty() || line.starts_with(' ') {
            // A frame (`  File "x.py", line 3, in f`, its source line, `^^^`).
            self.open = true;
            return Some(record);
        }
        // `ValueError: bad value: 'x'` or `KeyboardInterrupt`: the end.
        self.open = false;
        let type_end = line
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(line.len());
        let rest = &line[type_end..];
        if type_end == 0 || !(rest.is_empty() || rest.starts_with(": ")) {
            return None;
        }
        let record = record.field("exception_type", &line[..type_end]);
        Some(match rest.strip_prefix(": ") {
            Some(message) => record.field("exception", message),
            None => record,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    #[test]
    fn a_traceback_follows_its_log_line() {
        let mut t = Tracebacks::default();
        assert!(
            t.line("  File \"x.py\", line 1, in f").is_none(),
            "no traceback open"
        );
        t.logged(Severity::Error, Some(7));
        let start = t.line("Traceback (most recent call last):").unwrap();
        assert_eq!(
            (start.severity, start.timestamp_ns),
            (Severity::Error, Some(7))
        );
        for frame in [
            "  File \"/app/tasks.py\", line 20, in fail",
            "    raise ValueError(\"bad value: %r\" % (x,))",
            "          ^^^^^^^^^",
        ] {
            assert_eq!(t.line(frame).unwrap().fields.len(), 1, "{frame}");
        }
        let end = t.line("ValueError: bad value: 'x'").unwrap();
        assert_eq!(
            end.fields,
            [
                ("continuation".into(), Value::Boolean(true)),
                ("exception_type".into(), Value::from("ValueError")),
                ("exception".into(), Value::from("bad value: 'x'")),
            ]
        );
        // After the exception line the traceback is over.
        assert!(t.line("more text").is_none());
        assert!(t.line("").is_none());
        // Chained exceptions start again.
        assert!(t.line(CHAINS[1]).is_some());
        assert!(t.line("").is_some());
        assert!(t.line("Traceback (most recent call last):").is_some());
        let end = t.line("celery.exceptions.Retry").unwrap();
        assert_eq!(
            end.text_field("exception_type"),
            Some("celery.exceptions.Retry")
        );
        t.line("Traceback (most recent call last):");
        assert!(t.line("not an exception line").is_none());
        // A new log line closes the traceback.
        t.line("Traceback (most recent call last):");
        t.logged(Severity::Info, None);
        assert!(t.line("  File \"x.py\", line 1, in f").is_none());
    }

    #[test]
    fn continuation_lines_take_the_last_line_s_severity_and_time() {
        let mut c = Continuation::default();
        let before = c.record("orphan");
        assert_eq!(
            (before.severity, before.timestamp_ns),
            (Severity::Unknown, None)
        );
        assert_eq!(c.severity(), None);
        c.logged(Severity::Warning, Some(42));
        let r = c.record("\tmore");
        assert_eq!((r.severity, r.timestamp_ns), (Severity::Warning, Some(42)));
        assert_eq!(r.fields, [("continuation".into(), Value::Boolean(true))]);
        assert_eq!(c.severity(), Some(Severity::Warning));
    }
}
