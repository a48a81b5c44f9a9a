//! Watchpost's stock `msteams` notifier: serves the `msteams_configs` of an
//! Alertmanager configuration (Alertmanager 0.26's keys) by posting a
//! MessageCard (see [`payload`]) to the Teams incoming webhook
//! `webhook_url`.
//!
//! The host applies `send_resolved`, retries and backoff and expands every
//! template; the plugin builds the card, sends it and says whether a
//! failure may succeed later: 429, 5xx and network failures are retryable,
//! other answers permanent.

use watchpost_sdk::notify as common;
pub mod payload;

use common::HttpConfig;
use payload::MessageCard;
use serde::Deserialize;
use serde_json::{Map, Value};
use watchpost_sdk::{Error, Notification, Notifier};

/// One `msteams_configs` entry (Alertmanager's keys), from the notification
/// laid over the plugin's `[plugin.config]`. Texts arrive expanded; one that
/// is absent altogether takes Alertmanager's default.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The incoming webhook (a secret: it is never logged).
    pub webhook_url: Option<String>,
    pub http_config: HttpConfig,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub text: Option<String>,
    /// Request timeout (Watchpost's own key), 10 by default.
    pub timeout_seconds: Option<u64>,
}

/// The notifier: its `[plugin.config]`, the base of every notification's
/// settings.
pub struct Teams {
    config: Map<String, Value>,
}

impl Notifier for Teams {
    type Config = Map<String, Value>;

    fn new(config: Map<String, Value>) -> watchpost_sdk::Result<Self> {
        let settings: Settings = common::settings(&config, "")?;
        if let Some(url) = &settings.webhook_url {
            common::destination(url)?;
        }
        settings.http_config.authorization()?;
        Ok(Teams { config })
    }

    fn deliver(&mut self, n: &Notification) -> watchpost_sdk::Result<()> {
        let s: Settings = common::settings(&self.config, &n.integration)?;
        let url = s
            .webhook_url
            .as_deref()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| {
                Error::new("no webhook_url: set it in the receiver or the plugin config")
            })?;
        let to = common::destination(url)?;
        let body = serde_json::to_vec(&MessageCard::new(&s, n))?;
        let request = common::json_post(url, body, s.timeout_seconds, &s.http_config)?;
        common::send(request, to)?;
        Ok(())
    }
}

watchpost_sdk::export_notifier!(Teams);

#[cfg(test)]
mod tests;
