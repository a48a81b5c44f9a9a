//! `receivers` entries and the named `time_intervals` /
//! `mute_time_intervals` entries.

use super::notifiers::*;
use crate::timeinterval::TimeInterval;
use crate::util::validated;
use serde::{Deserialize, Serialize};

/// A named receiver and its integrations.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct Receiver {
    /// `name` (required, unique).
    pub name: String,
    /// `discord_configs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub discord_configs: Vec<DiscordConfig>,
    /// `email_configs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub email_configs: Vec<EmailConfig>,
    /// `pagerduty_configs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pagerduty_configs: Vec<PagerdutyConfig>,
    /// `slack_configs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slack_configs: Vec<SlackConfig>,
    /// `webhook_configs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub webhook_configs: Vec<WebhookConfig>,
    /// `opsgenie_configs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub opsgenie_configs: Vec<OpsGenieConfig>,
    /// `wechat_configs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub wechat_configs: Vec<WechatConfig>,
    /// `pushover_configs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pushover_configs: Vec<PushoverConfig>,
    /// `victorops_configs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub victorops_configs: Vec<VictorOpsConfig>,
    /// `sns_configs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sns_configs: Vec<SnsConfig>,
    /// `telegram_configs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub telegram_configs: Vec<TelegramConfig>,
    /// `webex_configs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub webex_configs: Vec<WebexConfig>,
}

validated!(Receiver, |r: &mut Receiver| {
    if r.name.is_empty() {
        return Err("missing name in receiver".into());
    }
    Ok(())
});

impl Receiver {
    /// How many integrations it has (a receiver with none drops alerts).
    pub fn integration_count(&self) -> usize {
        self.discord_configs.len()
            + self.email_configs.len()
            + self.pagerduty_configs.len()
            + self.slack_configs.len()
            + self.webhook_configs.len()
            + self.opsgenie_configs.len()
            + self.wechat_configs.len()
            + self.pushover_configs.len()
            + self.victorops_configs.len()
            + self.sns_configs.len()
            + self.telegram_configs.len()
            + self.webex_configs.len()
    }
}

/// A `time_intervals` entry: a name for a list of intervals (a time is in
/// it when any of the intervals contains it).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct NamedTimeInterval {
    /// `name`.
    pub name: String,
    /// `time_intervals`.
    pub time_intervals: Vec<TimeInterval>,
}

validated!(NamedTimeInterval, |t: &mut NamedTimeInterval| {
    if t.name.is_empty() {
        return Err("missing name in time interval".into());
    }
    Ok(())
});

/// A deprecated `mute_time_intervals` entry (same shape as
/// [`NamedTimeInterval`], its own error message).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct MuteTimeInterval {
    /// `name`.
    pub name: String,
    /// `time_intervals`.
    pub time_intervals: Vec<TimeInterval>,
}

validated!(MuteTimeInterval, |t: &mut MuteTimeInterval| {
    if t.name.is_empty() {
        return Err("missing name in mute time interval".into());
    }
    Ok(())
});

impl NamedTimeInterval {
    /// Whether any of the intervals contains `t`.
    pub fn contains(&self, t: chrono::DateTime<chrono::Utc>) -> bool {
        self.time_intervals.iter().any(|i| i.contains(t))
    }
}
