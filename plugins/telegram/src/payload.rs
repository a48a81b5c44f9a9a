//! The `sendMessage` call Alertmanager 0.25's Telegram notifier makes
//! (through the telebot library): a flat JSON object whose values are all
//! strings, keys in order, exactly as telebot encodes its parameters.

use crate::Settings;
use crate::common::{alert_list_escaped, html_escape, truncate};
use std::collections::BTreeMap;
use watchpost_sdk::{AlertStatus, Notification, log};

/// Telegram's limit on a message, in characters.
const MAX_MESSAGE_CHARS: usize = 4096;

/// Alertmanager's `telegram.default.message`; in `HTML` parse mode its
/// values are HTML-escaped, as Alertmanager's `html/template` does.
fn default_message(n: &Notification, html: bool) -> String {
    let escape: fn(&str) -> String = if html { html_escape } else { str::to_string };
    let part = |status, title| {
        let list = alert_list_escaped(n, status, escape);
        if list.is_empty() {
            String::new()
        } else {
            format!("\n{title}\n{list}\n")
        }
    };
    format!(
        "\n{}\n{}\n",
        part(AlertStatus::Firing, "Alerts Firing:"),
        part(AlertStatus::Resolved, "Alerts Resolved:")
    )
}

/// The parameters of `sendMessage` for `n` to `chat_id`. A setting that is
/// absent (a notifier configured in the manifest only) takes Alertmanager's
/// default: the alert list as text, `HTML` as `parse_mode`.
pub fn send_message(
    s: &Settings,
    n: &Notification,
    chat_id: &str,
) -> BTreeMap<&'static str, String> {
    let parse_mode = s.parse_mode.as_deref().unwrap_or("HTML");
    let full = s
        .message
        .clone()
        .unwrap_or_else(|| default_message(n, parse_mode == "HTML"));
    let text = truncate(&full, MAX_MESSAGE_CHARS);
    if text != full {
        log::warn(&format!(
            "telegram message truncated to {MAX_MESSAGE_CHARS} characters"
        ));
    }
    let mut params = BTreeMap::from([
        ("chat_id", chat_id.to_string()),
        ("text", text),
        // Alertmanager always turns link previews off.
        ("disable_web_page_preview", "true".to_string()),
    ]);
    if s.disable_notifications {
        params.insert("disable_notification", "true".into());
    }
    if !parse_mode.is_empty() {
        params.insert("parse_mode", parse_mode.into());
    }
    if let Some(thread) = s.message_thread_id.filter(|t| *t != 0) {
        params.insert("message_thread_id", thread.to_string());
    }
    params
}
