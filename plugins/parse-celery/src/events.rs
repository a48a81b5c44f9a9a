//! The task events a Celery 5 worker and beat log (`celery/app/trace.py`,
//! `celery/worker/request.py`, `celery/beat.py`):
//!
//! ```text
//! Task tasks.send_email[23fa07a4-...] received
//! Task tasks.add[f7dba220-...] succeeded in 6.9e-05s: 5
//! Task tasks.fail[ec951748-...] raised unexpected: ValueError("bad value: 'x'")
//! Task tasks.flaky[00073a5b-...] retry: Retry in 2s: ConnectionError('smtp down')
//! Scheduler: Sending due task cleanup (tasks.cleanup)
//! tasks.send_email[23fa07a4-...]: sending mail to bob@example.org     (a task's own logger)
//! ```

use watchpost_sdk::Record;

/// Adds the event of Celery message `msg` to `record`.
pub fn parse<'a>(msg: &'a str, record: &mut Record<'a>) {
    if let Some(exc) = msg.strip_prefix("Task handler raised error: ") {
        label(record, "failed");
        exception(record, exc);
    } else if let Some(rest) = msg.strip_prefix("Task ") {
        let Some((name, id, what)) = task(rest) else {
            return;
        };
        let Some(what) = what.strip_prefix(' ') else {
            return;
        };
        if what == "received" {
            found(record, "received", name, id);
        } else if let Some(rest) = what.strip_prefix("succeeded in ") {
            found(record, "succeeded", name, id);
            let (runtime, result) = rest.split_once("s: ").unwrap_or((rest, ""));
            if let Ok(secs) = runtime.parse::<f64>()
                && secs.is_finite()
            {
                record.fields.push(("runtime_seconds".into(), secs.into()));
            }
            push(record, "result", result);
        } else if let Some(rest) = what.strip_prefix("retry: ") {
            found(record, "retry", name, id);
            // `Retry in 10s: exc` or `Retry at 2026-11-25 10:00:11+00:00: exc`.
            let (when, exc) = rest.split_once(": ").unwrap_or((rest, ""));
            if let Some(secs) = when
                .strip_prefix("Retry in ")
                .and_then(|s| s.strip_suffix('s'))
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|s| s.is_finite())
            {
                record.fields.push(("retry_in_seconds".into(), secs.into()));
            } else if let Some(at) = when.strip_prefix("Retry at ") {
                push(record, "retry_at", at);
            }
            exception(record, exc);
        } else if what == "ignored" {
            found(record, "ignored", name, id);
        } else {
            for failure in [
                "raised unexpected: ",
                "raised expected: ",
                "INTERNAL ERROR: ",
                "failed: ",
            ] {
                if let Some(exc) = what.strip_prefix(failure) {
                    found(record, "failed", name, id);
                    exception(record, exc);
                    return;
                }
            }
        }
    } else if let Some(rest) = msg.strip_prefix("Received task: ") {
        // Celery 4.
        if let Some((name, id, "")) = task(rest) {
            found(record, "received", name, id);
        }
    } else if let Some(rest) = msg.strip_prefix("Scheduler: Sending due task ") {
        let Some((entry, task_name)) = rest.strip_suffix(')').and_then(|r| r.rsplit_once(" ("))
        else {
            return;
        };
        label(record, "sending_due_task");
        push(record, "schedule_entry", entry);
        push(record, "task_name", task_name);
    } else if let Some(rest) = msg.strip_prefix("Discarding revoked task: ") {
        if let Some((name, id, "")) = task(rest) {
            found(record, "revoked", name, id);
        }
    } else if let Some((kind, rest)) = msg
        .strip_prefix("Hard time limit (")
        .map(|r| ("time_limit", r))
        .or_else(|| {
            msg.strip_prefix("Soft time limit (")
                .map(|r| ("soft_time_limit", r))
        })
    {
        let Some((limit, task_ref)) = rest.split_once("s) exceeded for ") else {
            return;
        };
        if let Some((name, id, "")) = task(task_ref) {
            found(record, kind, name, id);
            if let Ok(secs) = limit.parse::<f64>()
                && secs.is_finite()
            {
                record
                    .fields
                    .push(("time_limit_seconds".into(), secs.into()));
            }
        }
    } else if let Some((name, id, rest)) = task(msg)
        && rest.starts_with(": ")
    {
        // A task's own logger: `%(task_name)s[%(task_id)s]: %(message)s`.
        push(record, "task_name", name);
        push(record, "task_id", id);
    }
}

fn push<'a>(record: &mut Record<'a>, name: &'static str, value: &'a str) {
    record.fields.push((name.into(), value.into()));
}

fn label(record: &mut Record<'_>, event: &'static str) {
    record.labels.push(("event".into(), event.into()));
}

fn found<'a>(record: &mut Record<'a>, event: &'static str, name: &'a str, id: &'a str) {
    label(record, event);
    push(record, "task_name", name);
    push(record, "task_id", id);
}

/// `tasks.add[f7dba220-cfc1-4398-bec6-9fbb6a10339e]` at the start of `s`:
/// (name, id, the rest).
fn task(s: &str) -> Option<(&str, &str, &str)> {
    let open = s.find('[')?;
    let name = &s[..open];
    let close = open + s[open..].find(']')?;
    let id = &s[open + 1..close];
    let plain = |t: &str| !t.is_empty() && !t.contains([' ', '[']);
    (plain(name) && plain(id)).then(|| (name, id, &s[close + 1..]))
}

/// `ValueError("bad value: 'x'")` (a repr) or `smtp down`: the text, and its
/// type when it starts with one.
fn exception<'a>(record: &mut Record<'a>, exc: &'a str) {
    if exc.is_empty() {
        return;
    }
    push(record, "exception", exc);
    let end = exc
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(exc.len());
    let ty = &exc[..end];
    // A class name: `ValueError`, `billiard.exceptions.WorkerLostError`.
    let class = ty.rsplit('.').next().unwrap_or("");
    if class.starts_with(|c: char| c.is_ascii_uppercase())
        && matches!(exc.as_bytes().get(end), None | Some(b'(' | b':'))
    {
        push(record, "exception_type", ty);
    }
}
