//! Docker's json-file log driver: one JSON object per line,
//! `{"log":"text\n","stream":"stdout","time":"2026-11-25T10:00:01.123456789Z"}`.
//!
//! Docker cuts lines longer than 16 KiB into entries whose `log` has no
//! trailing `\n`; [`join`] glues them back together per stream, and a
//! partial that nothing follows (the last output of a container that did
//! not end with a newline) is completed after [`PARTIAL_TIMEOUT`]. Parts
//! are not joined across files (a rotation in the middle of a long line
//! flushes it in two). A line that is not such an object comes back as
//! `None` and is handed out raw by the caller. The container's id is the
//! 64-hex directory the file lives in; its name is read from
//! `config.v2.json` beside it.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::lines::push_bounded;
use super::multiline::Logical;

/// How long a partial line waits for its next part.
pub(super) const PARTIAL_TIMEOUT: Duration = Duration::from_secs(5);
/// `config.v2.json` files larger than this are not read.
const MAX_CONFIG_BYTES: u64 = 4 << 20;

/// One decoded entry.
#[derive(Debug, PartialEq)]
pub(super) struct Entry {
    /// `log` without its final `\n` (or `\r\n`).
    pub text: String,
    /// Whether `log` ended the line.
    pub complete: bool,
    pub stream: String,
    pub time_ns: Option<i64>,
}

#[derive(Deserialize)]
struct RawEntry {
    log: String,
    stream: String,
    #[serde(default)]
    time: Option<String>,
}

/// Decodes one json-file line; `None` if it is not one.
pub(super) fn parse(line: &[u8]) -> Option<Entry> {
    let raw: RawEntry = serde_json::from_slice(line).ok()?;
    let mut text = raw.log;
    let complete = text.ends_with('\n');
    if complete {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    let time_ns = raw.time.as_deref().and_then(|t| {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()?
            .timestamp_nanos_opt()
    });
    Some(Entry {
        text,
        complete,
        stream: raw.stream,
        time_ns,
    })
}

/// A line whose first parts have been read.
#[derive(Debug)]
pub(super) struct Partial {
    pub line: Logical,
    /// When its last part arrived.
    pub at: Instant,
}

/// Adds `entry` (read from offset `start`) to the partial line in `slot`;
/// returns the line once complete, within `max` bytes.
pub(super) fn join(
    slot: &mut Option<Partial>,
    entry: Entry,
    start: u64,
    max: usize,
    now: Instant,
) -> Option<Logical> {
    let complete = entry.complete;
    match slot {
        Some(partial) => {
            let line = &mut partial.line;
            if !line.truncated {
                line.truncated = push_bounded(&mut line.text, &entry.text, max);
            }
            partial.at = now;
        }
        None => {
            let mut text = String::new();
            let truncated = push_bounded(&mut text, &entry.text, max);
            let line = Logical {
                text,
                truncated,
                lines: 1,
                start,
                stream: Some(entry.stream),
                time_ns: entry.time_ns,
            };
            *slot = Some(Partial { line, at: now });
        }
    }
    if complete {
        slot.take().map(|p| p.line)
    } else {
        None
    }
}

/// Whether the partial line in `slot` has waited too long for its next part.
pub(super) fn expired(slot: &Option<Partial>, now: Instant) -> bool {
    slot.as_ref()
        .is_some_and(|p| now.saturating_duration_since(p.at) >= PARTIAL_TIMEOUT)
}

/// What the records of one container's log files carry about it.
#[derive(Debug, Default, PartialEq)]
pub(super) struct ContainerMeta {
    pub id: Option<String>,
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct ContainerConfig {
    #[serde(rename = "Name", default)]
    name: Option<String>,
}

impl ContainerMeta {
    /// Reads what the container directory `dir` says about its container.
    pub fn read(dir: &Path) -> ContainerMeta {
        let id = dir
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_owned);
        let config = dir.join("config.v2.json");
        let name = match std::fs::metadata(&config) {
            Ok(meta) if meta.len() <= MAX_CONFIG_BYTES => std::fs::read(&config)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<ContainerConfig>(&bytes).ok())
                .and_then(|c| c.name)
                .map(|n| n.strip_prefix('/').map(str::to_owned).unwrap_or(n))
                .filter(|n| !n.is_empty()),
            _ => None,
        };
        ContainerMeta { id, name }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries() {
        let e =
            parse(br#"{"log":"hi\r\n","stream":"stderr","time":"2026-11-25T10:00:01.123456789Z"}"#);
        let want = Entry {
            text: "hi".into(),
            complete: true,
            stream: "stderr".into(),
            time_ns: Some(1_795_600_801_123_456_789),
        };
        assert_eq!(e, Some(want));
        let partial = parse(br#"{"log":"x","stream":"stdout","time":"bad"}"#).unwrap();
        assert!(!partial.complete);
        assert_eq!(partial.time_ns, None);
        assert_eq!(parse(br#"{"log":"x"}"#), None);
        assert_eq!(parse(b"not json"), None);
    }
}
