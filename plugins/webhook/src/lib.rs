//! Watchpost's stock `webhook` notifier: POSTs Alertmanager's webhook
//! JSON (version 4), so anything that receives Alertmanager webhooks
//! receives Watchpost's notifications unchanged. It serves the
//! `webhook_configs` of an Alertmanager configuration (the URL and
//! `http_config` arrive with each notification) or, named in the manifest,
//! a URL of its own config.
//!
//! Failures are sorted the way the host needs for its retries: a 5xx or
//! 429 answer or a network failure may succeed later (retryable), another
//! 4xx answer or a refused destination will not (permanent).

mod payload;
mod rfc3339;

pub use payload::Payload;
use serde::Deserialize;
use std::time::Duration;
use watchpost_sdk::http::Request;
use watchpost_sdk::notify::{self, HttpConfig};
use watchpost_sdk::{Error, Notification, Notifier};

/// The `[plugin.config]` table (all optional when the plugin serves an
/// Alertmanager receiver).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `url = "http://127.0.0.1:5001/hook"`: used when the notification
    /// does not bring one; its host:port must be in `network`.
    #[serde(default)]
    pub url: Option<String>,
    /// `max_alerts = 0`: send at most this many alerts (0 = all); the rest
    /// are counted in `truncatedAlerts`.
    #[serde(default)]
    pub max_alerts: usize,
    /// `timeout_seconds = 10`.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
}

fn default_timeout() -> u64 {
    10
}

impl Default for Config {
    fn default() -> Self {
        Config {
            url: None,
            max_alerts: 0,
            timeout_seconds: default_timeout(),
        }
    }
}

/// What a `webhook_configs` entry brings with each notification (other
/// keys, such as `send_resolved`, are the host's business).
#[derive(Debug, Default, Deserialize)]
pub struct Settings {
    /// The endpoint.
    #[serde(default)]
    pub url: Option<String>,
    /// Authentication (`basic_auth`, `authorization`, `bearer_token`).
    #[serde(default)]
    pub http_config: Option<HttpConfig>,
}

fn valid_url(url: &str) -> Result<(), Error> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(Error::new(format!("url must be http(s), got {url:?}")))
    }
}

/// The notifier: its config.
pub struct Webhook {
    config: Config,
}

impl Notifier for Webhook {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        if let Some(url) = &config.url {
            valid_url(url)?;
        }
        Ok(Webhook { config })
    }

    fn deliver(&mut self, notification: &Notification) -> watchpost_sdk::Result<()> {
        let settings: Settings = match notification.integration.trim() {
            "" => Settings::default(),
            text => serde_json::from_str(text)
                .map_err(|e| Error::new(format!("webhook settings: {e}")))?,
        };
        let url = settings
            .url
            .as_ref()
            .or(self.config.url.as_ref())
            .ok_or_else(|| Error::new("no url: set it in the receiver or the plugin config"))?;
        valid_url(url)?;
        let body = serde_json::to_vec(&Payload::new(notification, self.config.max_alerts))?;
        let mut request = Request::post(url, "application/json", body)
            .timeout(Duration::from_secs(self.config.timeout_seconds))
            .max_body(64 * 1024);
        if let Some(http) = &settings.http_config {
            request = http.apply(request)?;
        }
        // Errors name the host only: webhook URLs often hold a token.
        notify::send(request, notify::destination(url)?).map(|_| ())
    }
}

watchpost_sdk::export_notifier!(Webhook);

#[cfg(test)]
mod tests;
