//! Example notifier: POSTs Alertmanager's webhook JSON (version 4) to a URL,
//! so anything that already receives Alertmanager webhooks can receive
//! Watchpost's notifications unchanged.
//!
//! Failures are sorted the way the host needs for its retries: a 5xx answer
//! or a network failure may succeed later (retryable), a 4xx answer or a
//! refused destination will not (permanent).

mod payload;
mod rfc3339;

pub use payload::Payload;
use serde::Deserialize;
use std::time::Duration;
use watchpost_sdk::http::{HttpError, Request};
use watchpost_sdk::{Error, Notification, Notifier};

/// The `[plugin.config]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `url = "http://127.0.0.1:5001/hook"`: its host:port must be in `network`.
    pub url: String,
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

/// The notifier: its config.
pub struct Webhook {
    config: Config,
}

impl Notifier for Webhook {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        if !(config.url.starts_with("http://") || config.url.starts_with("https://")) {
            return Err(Error::new(format!(
                "url must be http(s), got {:?}",
                config.url
            )));
        }
        Ok(Webhook { config })
    }

    fn deliver(&mut self, notification: &Notification) -> watchpost_sdk::Result<()> {
        let body = serde_json::to_vec(&Payload::new(notification, self.config.max_alerts))?;
        let url = &self.config.url;
        let response = Request::post(url, "application/json", body)
            .timeout(Duration::from_secs(self.config.timeout_seconds))
            .max_body(64 * 1024)
            .send()
            .map_err(|e| match e {
                HttpError::Transport(_) => Error::retryable(format!("posting to {url}: {e}")),
                _ => Error::new(format!("posting to {url}: {e}")),
            })?;
        match response.status {
            200..=299 => Ok(()),
            500..=599 => Err(Error::retryable(format!(
                "{url} answered HTTP status {}",
                response.status
            ))),
            status => Err(Error::new(format!(
                "{url} answered HTTP status {status}: {}",
                response.text().chars().take(200).collect::<String>()
            ))),
        }
    }
}

watchpost_sdk::export_notifier!(Webhook);

#[cfg(test)]
mod tests;
