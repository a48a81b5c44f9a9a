//! The webhook message Alertmanager's Discord notifier posts: one embed
//! with the title, the message as its description and a colour by status.
//! Title and description are cut to Discord's limits, as Alertmanager 0.26
//! does (0.25 sent them whole and Discord refused long ones).

use crate::Settings;
use crate::common::{alert_list, subject, truncate};
use serde::Serialize;
use watchpost_sdk::{AlertStatus, Notification, log};

/// Discord's limit on an embed title, in characters.
const MAX_TITLE_CHARS: usize = 256;
/// Discord's limit on an embed description, in characters.
const MAX_DESCRIPTION_CHARS: usize = 4096;
/// Alertmanager's red for a firing group.
pub const COLOR_FIRING: u32 = 0x992D22;
/// Alertmanager's green for a resolved group.
pub const COLOR_RESOLVED: u32 = 0x2ECC71;

/// The message. `content` is always sent, empty or not, as Alertmanager
/// sends it; `username` and `avatar_url` only when set.
#[derive(Debug, Serialize)]
pub struct Message {
    pub content: String,
    pub embeds: Vec<Embed>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub avatar_url: String,
}

/// Its one embed.
#[derive(Debug, Serialize)]
pub struct Embed {
    pub title: String,
    pub description: String,
    pub color: u32,
}

/// Alertmanager's `discord.default.message`.
fn default_message(n: &Notification) -> String {
    let part = |status, title| {
        let list = alert_list(n, status);
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

/// `text` cut to `max` characters, with a warning when it was.
fn limit(text: String, max: usize, what: &str) -> String {
    let cut = truncate(&text, max);
    if cut != text {
        log::warn(&format!("discord {what} truncated to {max} characters"));
    }
    cut
}

impl Message {
    /// The message for `n`. A setting that is absent (a notifier configured
    /// in the manifest only) takes Alertmanager's default text.
    pub fn new(s: &Settings, n: &Notification) -> Self {
        let title = s.title.clone().unwrap_or_else(|| subject(n));
        let description = s.message.clone().unwrap_or_else(|| default_message(n));
        Message {
            content: s.content.clone().unwrap_or_default(),
            embeds: vec![Embed {
                title: limit(title, MAX_TITLE_CHARS, "title"),
                description: limit(description, MAX_DESCRIPTION_CHARS, "message"),
                color: match n.status {
                    AlertStatus::Firing => COLOR_FIRING,
                    AlertStatus::Resolved => COLOR_RESOLVED,
                },
            }],
            username: s.username.clone().unwrap_or_default(),
            avatar_url: s.avatar_url.clone().unwrap_or_default(),
        }
    }
}
