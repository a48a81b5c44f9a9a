//! The JSON body Alertmanager 0.25's Slack notifier posts: one message with
//! one attachment, empty fields left out where Alertmanager's `omitempty`
//! leaves them out (and kept where it has none: `text`, `fallback`,
//! `callback_id`, `footer`).

use crate::Settings;
use crate::common::{ALERTMANAGER, alertmanager_url, subject, truncate};
use serde::Serialize;
use watchpost_sdk::{AlertStatus, Notification, log};

/// Slack's limit on an attachment title (characters).
const MAX_TITLE_CHARS: usize = 1024;

/// The message.
#[derive(Debug, Serialize)]
pub struct Message {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub channel: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub icon_emoji: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub icon_url: String,
    #[serde(skip_serializing_if = "is_false")]
    pub link_names: bool,
    pub attachments: Vec<Attachment>,
}

/// Its one attachment.
#[derive(Debug, Serialize)]
pub struct Attachment {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title_link: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pretext: String,
    pub text: String,
    pub fallback: String,
    pub callback_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image_url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub thumb_url: String,
    pub footer: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub color: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mrkdwn_in: Vec<String>,
}

/// `fields[]`: as configured, `short` always present (the field's own
/// value, else `short_fields`).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Field {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short: Option<bool>,
}

/// `actions[]`: buttons, as configured.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Action {
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub style: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirm>,
}

/// `actions[].confirm`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Confirm {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ok_text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dismiss_text: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Message {
    /// The message for `n`. A setting that is absent (a notifier configured
    /// in the manifest only) takes Alertmanager's default text.
    pub fn new(s: &Settings, n: &Notification) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let title = s.title.clone().unwrap_or_else(|| subject(n));
        let title_link = s.title_link.clone().unwrap_or_else(|| alertmanager_url(n));
        let truncated = truncate(&title, MAX_TITLE_CHARS);
        if truncated != title {
            log::warn(&format!(
                "slack title truncated to {MAX_TITLE_CHARS} characters"
            ));
        }
        let firing = n.status == AlertStatus::Firing;
        let attachment = Attachment {
            title: truncated,
            // Alertmanager's default is built from the default title and
            // link, whatever the configured ones are.
            fallback: s
                .fallback
                .clone()
                .unwrap_or_else(|| format!("{} | {}", subject(n), alertmanager_url(n))),
            title_link,
            pretext: text(&s.pretext),
            text: text(&s.text),
            callback_id: text(&s.callback_id),
            fields: s
                .fields
                .iter()
                .map(|f| Field {
                    short: Some(f.short.unwrap_or(s.short_fields)),
                    ..f.clone()
                })
                .collect(),
            actions: s.actions.clone(),
            image_url: text(&s.image_url),
            thumb_url: text(&s.thumb_url),
            footer: text(&s.footer),
            color: s
                .color
                .clone()
                .unwrap_or_else(|| if firing { "danger" } else { "good" }.to_string()),
            mrkdwn_in: if s.mrkdwn_in.is_empty() {
                vec!["fallback".into(), "pretext".into(), "text".into()]
            } else {
                s.mrkdwn_in.clone()
            },
        };
        Message {
            channel: text(&s.channel),
            username: s.username.clone().unwrap_or_else(|| ALERTMANAGER.into()),
            icon_emoji: text(&s.icon_emoji),
            icon_url: text(&s.icon_url),
            link_names: s.link_names,
            attachments: vec![attachment],
        }
    }
}
