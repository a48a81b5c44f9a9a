//! Watchpost's stock `slack` notifier: serves the `slack_configs` of an
//! Alertmanager configuration. It POSTs the message Alertmanager 0.25
//! builds (one attachment; see [`payload`]) to `api_url`, which is either an
//! incoming webhook or the Web API's `chat.postMessage` (then
//! `http_config.authorization` carries the bot token).
//!
//! The host applies `send_resolved`, retries and backoff and expands every
//! template before the settings reach the plugin; the plugin builds the
//! request, sends it and says whether a failure may succeed later: 429, 5xx
//! and network failures are retryable, other answers permanent, and so is a
//! `200` whose JSON says `"ok": false` (the Web API's way of failing).

use watchpost_sdk::notify as common;
pub mod payload;

use common::HttpConfig;
use payload::{Action, Field, Message};
use serde::Deserialize;
use serde_json::{Map, Value};
use watchpost_sdk::{Error, Notification, Notifier};

/// One `slack_configs` entry (Alertmanager's keys), from the notification
/// laid over the plugin's `[plugin.config]`. Texts arrive expanded; one that
/// is absent altogether takes Alertmanager's default.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Incoming webhook URL, or `https://slack.com/api/chat.postMessage`.
    pub api_url: Option<String>,
    /// Credentials (`authorization.credentials`: a bot token for the Web API).
    pub http_config: HttpConfig,
    pub channel: Option<String>,
    pub username: Option<String>,
    pub color: Option<String>,
    pub title: Option<String>,
    pub title_link: Option<String>,
    pub pretext: Option<String>,
    pub text: Option<String>,
    pub fields: Vec<Field>,
    pub short_fields: bool,
    pub footer: Option<String>,
    pub fallback: Option<String>,
    pub callback_id: Option<String>,
    pub icon_emoji: Option<String>,
    pub icon_url: Option<String>,
    pub image_url: Option<String>,
    pub thumb_url: Option<String>,
    pub link_names: bool,
    pub mrkdwn_in: Vec<String>,
    pub actions: Vec<Action>,
    /// Request timeout (Watchpost's own key), 10 by default.
    pub timeout_seconds: Option<u64>,
}

/// The notifier: its `[plugin.config]`, the base of every notification's
/// settings.
pub struct Slack {
    config: Map<String, Value>,
}

impl Notifier for Slack {
    type Config = Map<String, Value>;

    fn new(config: Map<String, Value>) -> watchpost_sdk::Result<Self> {
        let settings: Settings = common::settings(&config, "")?;
        if let Some(url) = &settings.api_url {
            common::destination(url)?;
        }
        settings.http_config.authorization()?;
        Ok(Slack { config })
    }

    fn deliver(&mut self, n: &Notification) -> watchpost_sdk::Result<()> {
        let s: Settings = common::settings(&self.config, &n.integration)?;
        let url = s
            .api_url
            .as_deref()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| {
                Error::new(
                    "no api_url: set it in the receiver, global.slack_api_url or the plugin config",
                )
            })?;
        let to = common::destination(url)?;
        let body = serde_json::to_vec(&Message::new(&s, n))?;
        let request = common::json_post(url, body, s.timeout_seconds, &s.http_config)?;
        let response = common::send(request, to)?;
        api_answer(&response.text(), to)
    }
}

/// The Web API answers `200 {"ok": false, "error": "channel_not_found"}`
/// when it refuses a message: a permanent failure. Incoming webhooks answer
/// `ok` in plain text, which passes.
fn api_answer(body: &str, to: &str) -> watchpost_sdk::Result<()> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(answer)) if answer.get("ok") == Some(&Value::Bool(false)) => {
            let why = answer
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("no reason given");
            Err(Error::new(format!("{to} refused the message: {why}")))
        }
        _ => Ok(()),
    }
}

watchpost_sdk::export_notifier!(Slack);

#[cfg(test)]
mod tests;
