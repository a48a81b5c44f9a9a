//! The MessageCard Alertmanager 0.26's Microsoft Teams notifier posts to an
//! incoming webhook: title, summary and text, and a theme colour by status.

use crate::Settings;
use crate::common::{alert_list_markdown, subject};
use serde::Serialize;
use watchpost_sdk::{AlertStatus, Notification};

/// Dark red, Alertmanager's colour for a firing group.
pub const COLOR_FIRING: &str = "8C1A1A";
/// Green, for a resolved group.
pub const COLOR_RESOLVED: &str = "2DC72D";

/// The card. Alertmanager writes the type as `"type"`; the MessageCard
/// reference (and Teams) has `"@type"`, which is what is sent here.
#[derive(Debug, Serialize)]
pub struct MessageCard {
    #[serde(rename = "@type")]
    pub kind: &'static str,
    #[serde(rename = "@context")]
    pub context: &'static str,
    pub title: String,
    pub summary: String,
    pub text: String,
    #[serde(rename = "themeColor")]
    pub theme_color: &'static str,
}

/// Alertmanager's `msteams.default.text`.
fn default_text(n: &Notification) -> String {
    let part = |status, title| {
        let list = alert_list_markdown(n, status);
        if n.alerts.iter().any(|a| a.status == status) {
            format!("\n# {title}\n{list}\n")
        } else {
            String::new()
        }
    };
    format!(
        "\n{}\n{}\n",
        part(AlertStatus::Firing, "Alerts Firing:"),
        part(AlertStatus::Resolved, "Alerts Resolved:")
    )
}

impl MessageCard {
    /// The card for `n`. A setting that is absent (a notifier configured in
    /// the manifest only) takes Alertmanager's default text.
    pub fn new(s: &Settings, n: &Notification) -> Self {
        MessageCard {
            kind: "MessageCard",
            context: "http://schema.org/extensions",
            title: s.title.clone().unwrap_or_else(|| subject(n)),
            summary: s.summary.clone().unwrap_or_else(|| subject(n)),
            text: s.text.clone().unwrap_or_else(|| default_text(n)),
            theme_color: match n.status {
                AlertStatus::Firing => COLOR_FIRING,
                AlertStatus::Resolved => COLOR_RESOLVED,
            },
        }
    }
}
