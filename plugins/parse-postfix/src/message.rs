//! The text Postfix logs after `postfix/<daemon>[pid]: `: an optional
//! severity word, an optional queue id, then one of a few shapes: the
//! `key=value, key=value` list of qmgr/smtp/local/cleanup/pickup, smtpd's
//! `connect from`/`disconnect from`/`lost connection after`, or an access
//! restriction's `reject: ...; from=<..> to=<..> proto=.. helo=<..>`.
//!
//! Every value is a slice of the line; a line that fits no shape keeps just
//! its header fields, never an error.

use memchr::{memchr, memchr_iter, memchr2};
use watchpost_sdk::byteset::ByteSet;
use watchpost_sdk::{Record, Severity};

/// Adds the fields of Postfix message text `msg` to `record`.
pub fn parse<'a>(msg: &'a str, record: &mut Record<'a>) {
    let mut rest = severity_prefix(msg, record);
    if let Some((id, after)) = queue_id(rest) {
        push(record, "queue_id", id);
        rest = severity_prefix(after, record);
    }
    if let Some(client) = rest.strip_prefix("connect from ") {
        push(record, "event", "connect");
        client_fields(record, client);
    } else if let Some(after) = rest.strip_prefix("disconnect from ") {
        push(record, "event", "disconnect");
        let (client, counts) = after.split_once(' ').unwrap_or((after, ""));
        client_fields(record, client);
        if let Some(commands) = counts.split(' ').find_map(|w| w.strip_prefix("commands=")) {
            push(record, "commands", commands);
        }
    } else if let Some((event, after)) = rest
        .strip_prefix("lost connection after ")
        .map(|a| ("lost_connection", a))
        .or_else(|| rest.strip_prefix("timeout after ").map(|a| ("timeout", a)))
    {
        push(record, "event", event);
        if let Some((stage, client)) = after.split_once(" from ") {
            push(record, "smtp_stage", stage);
            client_fields(record, client);
        }
    } else if let Some((action, after)) = action(rest) {
        push(record, "event", action);
        record.labels.push(("action".into(), action.into()));
        reject(record, after);
    } else if rest == "removed" {
        push(record, "event", "removed");
    } else if let Some(id) = rest.strip_prefix("sender non-delivery notification: ") {
        push(record, "event", "bounce_notification");
        push(record, "bounce_queue_id", id);
    } else if let Some((client, _)) = memchr2(b' ', b'[', rest.as_bytes())
        // Only text whose first space comes after a `[` can start with
        // `host[ip]: ` (checked first: most lines have a space early).
        .filter(|&i| rest.as_bytes()[i] == b'[')
        .and_then(|_| colon_space(rest))
        .filter(|(c, _)| host_ip_port(c).is_some())
    {
        // `warning: unknown[203.0.113.9]: SASL LOGIN authentication failed: ...`
        client_fields(record, client);
    } else {
        pairs(record, rest);
    }
}

/// `s` split at its first `: ` (as `split_once(": ")`, by the colons).
fn colon_space(s: &str) -> Option<(&str, &str)> {
    let colon =
        memchr_iter(b':', s.as_bytes()).find(|&i| s.as_bytes().get(i + 1) == Some(&b' '))?;
    Some((&s[..colon], &s[colon + 2..]))
}

fn push<'a>(record: &mut Record<'a>, name: &'static str, value: &'a str) {
    record.fields.push((name.into(), value.into()));
}

/// `warning: `, `error: `, `fatal: ` and `panic: ` set the severity
/// (`fatal` is critical, `panic` an emergency: Postfix stops).
fn severity_prefix<'a>(s: &'a str, record: &mut Record<'a>) -> &'a str {
    for (word, severity) in [
        ("warning: ", Severity::Warning),
        ("error: ", Severity::Error),
        ("fatal: ", Severity::Critical),
        ("panic: ", Severity::Emergency),
    ] {
        if let Some(rest) = s.strip_prefix(word) {
            record.severity = severity;
            return rest;
        }
    }
    s
}

/// A queue id before `: `: `NOQUEUE`, a short id (uppercase hex) or a long
/// id (`enable_long_queue_ids`: letters and digits without vowels, a `z`
/// between the time and inode parts).
pub fn queue_id(s: &str) -> Option<(&str, &str)> {
    // No id is longer than 24 bytes: look for its colon no further.
    let colon = memchr(b':', &s.as_bytes()[..s.len().min(25)])?;
    let (id, after) = (&s[..colon], &s[colon + 1..]);
    let after = match after.strip_prefix(' ') {
        Some(a) => a,
        None if after.is_empty() => after,
        None => return None,
    };
    let short = || (6..=16).contains(&id.len()) && SHORT_ID.all(id.as_bytes());
    let long = || {
        (10..=24).contains(&id.len())
            && LONG_ID.all(id.as_bytes())
            && memchr(b'z', id.as_bytes()).is_some()
    };
    (short() || id == "NOQUEUE" || long()).then_some((id, after))
}

/// The bytes of a short queue id: uppercase hex.
const SHORT_ID: ByteSet = ByteSet::DIGITS.with_range(b'A', b'F');
/// The bytes of a long queue id: letters and digits but vowels.
const LONG_ID: ByteSet = ByteSet::ALPHANUMERIC.without_any(b"aeiouAEIOU");
/// The bytes of a `key=value` key.
const KEY: ByteSet = ByteSet::ALPHANUMERIC.with(b'_').with(b'-');

/// `host[ip]` or `host[ip]:port` as (host, ip, port).
pub fn host_ip_port(s: &str) -> Option<(&str, &str, Option<&str>)> {
    let open = memchr(b'[', s.as_bytes())?;
    if memchr(b' ', &s.as_bytes()[..open]).is_some() {
        return None;
    }
    let close = open + memchr(b']', &s.as_bytes()[open..])?;
    let port = s[close + 1..].strip_prefix(':');
    if !port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        || (port.is_none() && close + 1 != s.len())
    {
        return None;
    }
    Some((&s[..open], &s[open + 1..close], port))
}

fn client_fields<'a>(record: &mut Record<'a>, client: &'a str) {
    push(record, "client", client);
    if let Some((host, ip, port)) = host_ip_port(client) {
        push(record, "client_host", host);
        push(record, "client_ip", ip);
        if let Some(port) = port.and_then(|p| p.parse::<i64>().ok()) {
            record.fields.push(("client_port".into(), port.into()));
        }
    }
}

/// `reject: `, `hold: `, `milter-reject: `, ... — the actions of access
/// restrictions, header/body checks and milters.
fn action(s: &str) -> Option<(&str, &str)> {
    // An action word holds no `:`, so its `: ` is the first colon, within
    // the longest action's length: no need to search the whole text.
    let colon = memchr(b':', &s.as_bytes()[..s.len().min(LONGEST_ACTION + 1)])?;
    let (word, rest) = (&s[..colon], s[colon + 1..].strip_prefix(' ')?);
    ACTIONS.contains(&word).then_some((word, rest))
}

/// The actions [`action`] knows.
const ACTIONS: [&str; 9] = [
    "reject",
    "reject_warning",
    "defer",
    "hold",
    "discard",
    "warn",
    "milter-reject",
    "milter-discard",
    "milter-hold",
];

/// The length of the longest of [`ACTIONS`].
const LONGEST_ACTION: usize = {
    let mut longest = 0;
    let mut i = 0;
    while i < ACTIONS.len() {
        if ACTIONS[i].len() > longest {
            longest = ACTIONS[i].len();
        }
        i += 1;
    }
    longest
};

/// The text after `reject: `, in one of two shapes:
/// `RCPT from host[ip]: 550 5.1.1 <to>: reason; from=<..> to=<..> proto=.. helo=<..>`
/// or (header/body checks)
/// `header Subject: x from host[ip]; from=<..> to=<..> proto=.. helo=<..>: 5.7.1 reason`.
fn reject<'a>(record: &mut Record<'a>, s: &'a str) {
    let (head, tail) = match s.rfind("; from=<") {
        Some(i) => (&s[..i], &s[i + 2..]),
        None => (s, ""),
    };
    let trailing_reason = space_pairs(record, tail);
    if let Some(what) = head
        .strip_prefix("header ")
        .map(|h| ("header", h))
        .or_else(|| head.strip_prefix("body ").map(|b| ("body", b)))
    {
        push(record, "smtp_stage", what.0);
        if let Some(i) = what.1.rfind(" from ") {
            push(record, "content", &what.1[..i]);
            client_fields(record, &what.1[i + 6..]);
        }
        if let Some(reason) = trailing_reason {
            code_dsn_reason(record, reason);
        }
        return;
    }
    let Some((stage, after)) = head.split_once(" from ") else {
        push(record, "reason", head);
        return;
    };
    push(record, "smtp_stage", stage);
    let (client, reason) = after.split_once(": ").unwrap_or((after, ""));
    client_fields(record, client);
    code_dsn_reason(record, reason);
}

/// `550 5.1.1 <x>: Recipient address rejected: ...` (the code or the DSN
/// may be missing).
fn code_dsn_reason<'a>(record: &mut Record<'a>, s: &'a str) {
    let mut rest = s;
    if let Some((code, after)) = rest.split_once(' ')
        && code.len() == 3
        && let Ok(code) = code.parse::<i64>()
    {
        record.fields.push(("smtp_code".into(), code.into()));
        rest = after;
    }
    if let Some((dsn, after)) = rest.split_once(' ')
        && is_dsn(dsn)
    {
        push(record, "dsn", dsn);
        rest = after;
    }
    if !rest.is_empty() {
        push(record, "reason", rest);
    }
}

fn is_dsn(s: &str) -> bool {
    let mut parts = s.split('.');
    let class = parts.next().unwrap_or("");
    matches!(class, "2" | "4" | "5")
        && parts.clone().count() == 2
        && parts.all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `from=<a> to=<b> proto=ESMTP helo=<c>`, then optionally `: text` (returned).
fn space_pairs<'a>(record: &mut Record<'a>, s: &'a str) -> Option<&'a str> {
    let mut rest = s;
    while let Some((key, value, after)) = pair(rest) {
        field(record, key, value);
        rest = after.strip_prefix(' ').unwrap_or(after);
        if let Some(text) = after.strip_prefix(": ") {
            return Some(text);
        }
    }
    None
}

/// One `key=value` at the start of `s`: a `<...>` value is bracketed, any
/// other ends at a space or `, `. Returns (key, value, text after it).
fn pair(s: &str) -> Option<(&str, &str, &str)> {
    // The key's bytes, up to the `=`, in one pass.
    let eq = KEY.leading(s.as_bytes());
    if eq == 0 || s.as_bytes().get(eq) != Some(&b'=') {
        return None;
    }
    let key = &s[..eq];
    let value = &s[eq + 1..];
    if let Some(inner) = value.strip_prefix('<') {
        // An address may hold `>` only in a quoted local part: take the `>`
        // that ends the token.
        let close = memchr_iter(b'>', inner.as_bytes())
            .find(|&i| matches!(inner.as_bytes().get(i + 1), None | Some(b' ' | b',' | b':')))?;
        return Some((key, &inner[..close], &inner[close + 1..]));
    }
    let end = memchr2(b' ', b',', value.as_bytes()).unwrap_or(value.len());
    Some((key, &value[..end], &value[end..]))
}

/// `key=value, key=value, ...`; `status=` takes the rest of the line (its
/// detail may hold anything), `nrcpt=1 (queue active)` keeps its number.
fn pairs<'a>(record: &mut Record<'a>, s: &'a str) {
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(status) = rest.strip_prefix("status=") {
            let end = memchr2(b' ', b',', status.as_bytes()).unwrap_or(status.len());
            let (word, detail) = status.split_at(end);
            push(record, "status", word);
            record.labels.push(("status".into(), word.into()));
            let detail = detail.trim_start_matches([',', ' ']);
            let detail = detail
                .strip_prefix('(')
                .and_then(|d| d.strip_suffix(')'))
                .unwrap_or(detail);
            if !detail.is_empty() {
                push(record, "status_detail", detail);
            }
            return;
        }
        let Some((key, value, after)) = pair(rest) else {
            return;
        };
        field(record, key, value);
        // Skip a parenthesised comment (`nrcpt=1 (queue active)`).
        let after = match after.strip_prefix(" (") {
            Some(comment) => comment.find(')').map_or("", |i| &comment[i + 1..]),
            None => after,
        };
        // `, ` between pairs; pickup writes `uid=0 from=<root>`.
        match after.strip_prefix(", ").or_else(|| after.strip_prefix(' ')) {
            Some(next) => rest = next,
            None => return,
        }
    }
}

/// One `key=value` as a typed field.
fn field<'a>(record: &mut Record<'a>, key: &'a str, value: &'a str) {
    let int = |record: &mut Record<'a>, name: &'static str| match value.parse::<i64>() {
        Ok(v) => record.fields.push((name.into(), v.into())),
        Err(_) => push(record, name, value),
    };
    match key {
        "delay" => match value.parse::<f64>() {
            Ok(v) if v.is_finite() => record.fields.push(("delay".into(), v.into())),
            _ => push(record, "delay", value),
        },
        "size" => int(record, "size"),
        "nrcpt" => int(record, "nrcpt"),
        "uid" => int(record, "uid"),
        "conn_use" => int(record, "conn_use"),
        "message-id" => push(record, "message_id", value),
        "client" => client_fields(record, value),
        "relay" => {
            push(record, "relay", value);
            if let Some((host, ip, port)) = host_ip_port(value) {
                push(record, "relay_host", host);
                push(record, "relay_ip", ip);
                if let Some(port) = port.and_then(|p| p.parse::<i64>().ok()) {
                    record.fields.push(("relay_port".into(), port.into()));
                }
            }
        }
        _ => record.fields.push((key.into(), value.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_ids() {
        for id in ["4F2A1C3B", "ED4E6C80B5", "4jZdbJ2pqvz691Y", "NOQUEUE"] {
            let line = format!("{id}: removed");
            assert_eq!(queue_id(&line), Some((id, "removed")), "{id}");
        }
        for word in [
            "statistics",
            "Deleted",
            "warning",
            "ABC",
            "DEADBEEFX",
            "reject",
        ] {
            let line = format!("{word}: x");
            assert_eq!(queue_id(&line), None, "{word}");
        }
        assert_eq!(queue_id("4F2A1C3B:x"), None);
        assert_eq!(queue_id("4F2A1C3B:"), Some(("4F2A1C3B", "")));
    }

    #[test]
    fn every_action_is_found_and_only_before_the_first_colon() {
        assert_eq!(ACTIONS.iter().map(|a| a.len()).max(), Some(LONGEST_ACTION));
        for word in ACTIONS {
            assert_eq!(action(&format!("{word}: x: y")), Some((word, "x: y")));
            assert_eq!(action(&format!("{word}:x")), None);
            assert_eq!(action(&format!("a:{word}: x")), None);
        }
        assert_eq!(action("rejected: x"), None);
    }

    #[test]
    fn colon_space_splits_as_split_once() {
        for s in [
            "a: b",
            "a:b: c",
            "::: ",
            "no colon",
            "a:",
            ": x: y",
            "x[1.2.3.4]:25: t",
        ] {
            assert_eq!(colon_space(s), s.split_once(": "), "{s}");
        }
    }

    #[test]
    fn addresses() {
        assert_eq!(
            host_ip_port("mx.example.com[203.0.113.1]:25"),
            Some(("mx.example.com", "203.0.113.1", Some("25")))
        );
        assert_eq!(
            host_ip_port("unknown[2001:db8::1]"),
            Some(("unknown", "2001:db8::1", None))
        );
        assert_eq!(host_ip_port("local"), None);
        assert_eq!(
            host_ip_port("connect to mx.example.net[203.0.113.1]:25"),
            None
        );
        assert_eq!(host_ip_port("x[1.2.3.4]:"), None);
        assert_eq!(host_ip_port("x[1.2.3.4]junk"), None);
        assert!(is_dsn("5.1.1") && is_dsn("4.7.1") && is_dsn("2.0.0") && is_dsn("5.7.512"));
        assert!(!is_dsn("550") && !is_dsn("3.1.1") && !is_dsn("5.1") && !is_dsn("5.1.1.1"));
    }
}
