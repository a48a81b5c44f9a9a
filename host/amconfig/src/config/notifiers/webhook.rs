//! `webhook_configs`.

use crate::httpconfig::HttpClientConfig;
use crate::url::Url;
use crate::util::validated;
use serde::{Deserialize, Serialize};

/// One webhook integration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct WebhookConfig {
    /// `send_resolved` (default true).
    pub send_resolved: bool,
    /// `http_config` (default `global.http_config`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// `url` (required; http or https).
    pub url: Option<Url>,
    /// `max_alerts`: alerts per message, 0 for all.
    pub max_alerts: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            send_resolved: true,
            http_config: None,
            url: None,
            max_alerts: 0,
        }
    }
}

validated!(WebhookConfig, |c: &mut WebhookConfig| {
    match &c.url {
        None => Err("missing URL in webhook config".into()),
        Some(u) if u.scheme() != "http" && u.scheme() != "https" => {
            Err("scheme required for webhook url".into())
        }
        Some(_) => Ok(()),
    }
});
