//! The receiver integrations of Alertmanager 0.25 (`config/notifiers.go`),
//! each with all of its fields and Alertmanager's defaults — including the
//! default template strings, copied verbatim — and the checks its
//! `UnmarshalYAML` makes. Global defaults (URLs, keys, `http_config`) are
//! filled in afterwards by [`Config`](crate::Config) loading.
//!
//! Alertmanager 0.25 has no Microsoft Teams integration (`msteams_configs`
//! arrived in 0.26), so, like `amtool` 0.25, the loader rejects that key.

mod chat;
mod email;
mod incident;
mod push;
mod webhook;

pub use chat::{
    DiscordConfig, SlackAction, SlackConfig, SlackConfirmationField, SlackField, TelegramConfig,
    WebexConfig, WechatConfig,
};
pub use email::{DEFAULT_EMAIL_SUBJECT, EmailConfig};
pub use incident::{
    DEFAULT_PAGERDUTY_DETAILS, OpsGenieConfig, OpsGenieResponder, PagerdutyConfig, PagerdutyImage,
    PagerdutyLink, VictorOpsConfig,
};
pub use push::{PushoverConfig, SigV4Config, SnsConfig};
pub use webhook::WebhookConfig;
