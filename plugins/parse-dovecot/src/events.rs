//! What a Dovecot line says after its `service: Level: ` prefix: logins,
//! disconnects (with the login process's auth-failure count), passdb
//! failures, LMTP connections and deliveries. Each sets the `event` label;
//! any other text is kept as the message alone.
//!
//! Dovecot 2.3.19 writes, for instance:
//!
//! ```text
//! Login: user=<bob>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, mpid=7527, secured, session=<sTvU>
//! Disconnected: Logged out in=32 out=788 deleted=0 expunged=0 trashed=0 hdr_count=0 ...
//! Disconnected: Aborted login by logging out (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip=...
//! Disconnected: Connection closed (no auth attempts in 0 secs): user=<>, rip=127.0.0.1, lip=127.0.0.1, secured, session=<H5Pn>
//! passwd-file(bob,127.0.0.1,<FWvU>): Password mismatch
//! ```
//!
//! and older 2.3/2.2 releases `Disconnected (auth failed, 1 attempts in 2
//! secs): user=<bob>, ...` or `Aborted login (...)`, which read the same.

use watchpost_sdk::Record;

/// Adds the event of `body` (logged by `service`) to `record`.
pub fn parse<'a>(service: &str, body: &'a str, record: &mut Record<'a>) {
    if let Some(pairs) = body.strip_prefix("Login: ") {
        event(record, "login");
        comma_pairs(record, pairs);
    } else if [
        "Disconnected",
        "Aborted login",
        "Login aborted",
        "Connection closed",
    ]
    .iter()
    .any(|p| body.starts_with(p))
    {
        disconnect(record, body);
    } else if let Some(rip) = body.strip_prefix("Connect from ") {
        event(record, "connect");
        push(record, "rip", rip);
    } else if let Some(rest) = body.strip_prefix("Disconnect from ") {
        event(record, "disconnect");
        let (rip, reason) = rest.split_once(": ").unwrap_or((rest, ""));
        push(record, "rip", rip);
        if !reason.is_empty() {
            push(record, "reason", reason);
        }
    } else if !(service.starts_with("auth") && passdb(record, body)) {
        delivery(record, body);
    }
}

fn push<'a>(record: &mut Record<'a>, name: &'static str, value: &'a str) {
    record.fields.push((name.into(), value.into()));
}

fn event(record: &mut Record<'_>, event: &'static str) {
    record.labels.push(("event".into(), event.into()));
}

/// `user=<bob>, method=PLAIN, rip=1.2.3.4, mpid=7527, secured, session=<x>`:
/// `<...>` values lose their brackets, numbers are typed, the bare words
/// `secured` and `TLS` become booleans.
fn comma_pairs<'a>(record: &mut Record<'a>, s: &'a str) {
    let mut rest = s;
    while !rest.is_empty() {
        let before = rest.len();
        let item_end = match rest.find('=') {
            // `<...>` may hold `, ` (a user name rarely does; be safe).
            Some(eq) if rest[eq + 1..].starts_with('<') && !rest[..eq].contains(", ") => rest
                [eq + 1..]
                .find('>')
                .map_or(rest.len(), |close| eq + 1 + close + 1),
            _ => rest.find(", ").unwrap_or(rest.len()),
        };
        let item = &rest[..item_end];
        rest = rest[item_end..]
            .strip_prefix(", ")
            .unwrap_or(&rest[item_end..]);
        match item.split_once('=') {
            Some((key, value)) if !key.contains(' ') => {
                let value = value
                    .strip_prefix('<')
                    .and_then(|v| v.strip_suffix('>'))
                    .unwrap_or(value);
                typed(record, key, value);
            }
            _ if item == "secured" => record.fields.push(("secured".into(), true.into())),
            _ if item == "TLS" => record.fields.push(("tls".into(), true.into())),
            _ => {}
        }
        if rest.len() == before {
            break;
        }
    }
}

/// `in=12 out=477 deleted=0 ...` (IMAP) or `top=0/0, retr=0/0, del=0/0, size=0` (POP3).
fn space_pairs<'a>(record: &mut Record<'a>, s: &'a str) {
    for item in s.split(' ') {
        let item = item.strip_suffix(',').unwrap_or(item);
        if let Some((key, value)) = item.split_once('=')
            && !key.is_empty()
        {
            typed(record, key, value);
        }
    }
}

fn typed<'a>(record: &mut Record<'a>, key: &'a str, value: &'a str) {
    match value.parse::<i64>() {
        Ok(n) if !value.starts_with('+') => record.fields.push((key.into(), n.into())),
        _ => record.fields.push((key.into(), value.into())),
    }
}

/// `Disconnected: <reason> (<detail>)[: user=<..>, ...| in=.. out=..]`.
fn disconnect<'a>(record: &mut Record<'a>, body: &'a str) {
    // The login process lists its connection after `: user=<`; a mail
    // process its counters after the reason (`Logged out in=12 out=477`).
    let (head, pairs) = match body.find(": user=<") {
        Some(i) => (&body[..i], Some(&body[i + 2..])),
        None => (body, None),
    };
    let (head, counters) = match pairs {
        Some(_) => (head, None),
        None => match first_pair(head) {
            Some(i) => (&head[..i], Some(&head[i + 1..])),
            None => (head, None),
        },
    };
    let failed = head.contains("(auth failed, ");
    event(record, if failed { "auth_failure" } else { "disconnect" });
    let reason = head
        .strip_prefix("Disconnected: ")
        .or_else(|| head.strip_prefix("Disconnected "))
        .unwrap_or(head);
    if !reason.is_empty() {
        push(record, "reason", reason);
    }
    if let Some(attempts) = attempts(head) {
        record.fields.push(("attempts".into(), attempts.into()));
    }
    if let Some(pairs) = pairs {
        comma_pairs(record, pairs);
    }
    if let Some(counters) = counters {
        space_pairs(record, counters);
    }
}

/// The index of the space before the first ` word=` of `s`.
fn first_pair(s: &str) -> Option<usize> {
    s.match_indices(' ').map(|(i, _)| i).find(|&i| {
        let word = &s[i + 1..];
        let end = word.find(['=', ' ']).unwrap_or(word.len());
        end > 0
            && word[end..].starts_with('=')
            && word[..end]
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_')
            // Not inside the reason's `(...)`.
            && s[..i].matches('(').count() == s[..i].matches(')').count()
    })
}

/// `auth failed, 2 attempts in 16 secs` → 2; `no auth attempts` → 0.
fn attempts(head: &str) -> Option<i64> {
    if head.contains("(no auth attempts") {
        return Some(0);
    }
    let after = &head[head.find("auth failed, ")? + 13..];
    after.split(' ').next()?.parse().ok()
}

/// `passwd-file(bob,127.0.0.1,<session>): Password mismatch` and the like
/// from a passdb; `false` when `body` is something else.
fn passdb<'a>(record: &mut Record<'a>, body: &'a str) -> bool {
    let Some(open) = body.find('(') else {
        return false;
    };
    let driver = &body[..open];
    if driver.is_empty()
        || !driver
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return false;
    }
    let Some((args, reason)) = body[open + 1..].split_once("): ") else {
        return false;
    };
    let failed = ["Password mismatch", "unknown user"]
        .iter()
        .any(|p| reason.starts_with(p))
        || reason.contains("authenticate() failed")
        || reason.contains("Authentication failure");
    if failed {
        event(record, "auth_failure");
    }
    push(record, "passdb", driver);
    let mut args = args.split(',');
    if let Some(user) = args.next().filter(|u| !u.is_empty() && !u.starts_with('?')) {
        push(record, "user", user);
    }
    if let Some(rip) = args.next() {
        push(record, "rip", rip);
    }
    if let Some(session) = args
        .next()
        .and_then(|s| s.strip_prefix('<'))
        .and_then(|s| s.strip_suffix('>'))
    {
        push(record, "session", session);
    }
    push(record, "reason", reason);
    true
}

/// LMTP/LDA: `msgid=<id>: saved mail to INBOX`, `sieve: msgid=<id>: stored
/// mail into mailbox 'INBOX'`, `msgid=<id>: save failed to INBOX: ...`.
fn delivery<'a>(record: &mut Record<'a>, body: &'a str) {
    let body = body.strip_prefix("sieve: ").unwrap_or(body);
    let Some(rest) = body.strip_prefix("msgid=") else {
        return;
    };
    let (msgid, what) = match rest.strip_prefix('<') {
        Some(inner) => match inner.split_once(">: ") {
            Some((id, what)) => (id, what),
            None => return,
        },
        None => match rest.split_once(": ") {
            Some(split) => split,
            None => return,
        },
    };
    let (event_name, mailbox) = if let Some(m) = what.strip_prefix("saved mail to ") {
        ("delivery", m)
    } else if let Some(m) = what.strip_prefix("stored mail into mailbox ") {
        ("delivery", m.trim_matches('\''))
    } else if let Some(m) = what.strip_prefix("save failed to ") {
        (
            "delivery_failure",
            m.split_once(": ").map_or(m, |(mailbox, reason)| {
                push(record, "reason", reason);
                mailbox
            }),
        )
    } else {
        return;
    };
    event(record, event_name);
    push(record, "msgid", msgid);
    push(record, "mailbox", mailbox);
}
