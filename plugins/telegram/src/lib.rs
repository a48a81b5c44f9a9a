//! Watchpost's stock `telegram` notifier: serves the `telegram_configs` of
//! an Alertmanager configuration by calling the Bot API's `sendMessage`
//! (`POST {api_url}/bot{bot_token}/sendMessage`, see [`payload`]).
//!
//! The host applies `send_resolved`, retries and backoff and expands every
//! template; the plugin builds the call, sends it and says whether a
//! failure may succeed later: 429, 5xx and network failures are retryable,
//! other answers permanent, and so is an answer whose JSON says
//! `"ok": false` (with Telegram's `error_code` sorted the same way). The
//! URL holds the bot token, so errors name only the host.

use watchpost_sdk::notify as common;
pub mod payload;

use common::HttpConfig;
use serde::Deserialize;
use serde_json::{Map, Value};
use watchpost_sdk::{Error, Notification, Notifier};

/// `global.telegram_api_url`.
pub const API_URL: &str = "https://api.telegram.org";

/// One `telegram_configs` entry (Alertmanager's keys), from the
/// notification laid over the plugin's `[plugin.config]`. The message
/// arrives expanded; absent altogether it takes Alertmanager's default.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// [`API_URL`] by default.
    pub api_url: Option<String>,
    pub http_config: HttpConfig,
    pub bot_token: Option<String>,
    /// A chat id (a number; a string such as `@channel` is passed as is).
    pub chat_id: Option<Value>,
    /// Forum topic (Alertmanager 0.26's key).
    pub message_thread_id: Option<i64>,
    pub message: Option<String>,
    pub disable_notifications: bool,
    /// `HTML` when absent; empty for plain text.
    pub parse_mode: Option<String>,
    /// Request timeout (Watchpost's own key), 10 by default.
    pub timeout_seconds: Option<u64>,
}

impl Settings {
    /// The chat id as Telegram takes it.
    fn chat(&self) -> Option<String> {
        match &self.chat_id {
            Some(Value::Number(id)) if id.as_i64() != Some(0) => Some(id.to_string()),
            Some(Value::String(id)) if !id.trim().is_empty() => Some(id.trim().to_string()),
            _ => None,
        }
    }
}

/// The notifier: its `[plugin.config]`, the base of every notification's
/// settings.
pub struct Telegram {
    config: Map<String, Value>,
}

impl Notifier for Telegram {
    type Config = Map<String, Value>;

    fn new(config: Map<String, Value>) -> watchpost_sdk::Result<Self> {
        let settings: Settings = common::settings(&config, "")?;
        if let Some(url) = &settings.api_url {
            common::destination(url)?;
        }
        settings.http_config.authorization()?;
        Ok(Telegram { config })
    }

    fn deliver(&mut self, n: &Notification) -> watchpost_sdk::Result<()> {
        let s: Settings = common::settings(&self.config, &n.integration)?;
        let token = s
            .bot_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Error::new("no bot_token: set it in the receiver or the plugin config")
            })?;
        let chat = s.chat().ok_or_else(|| Error::new("no chat_id"))?;
        let api_url = s
            .api_url
            .as_deref()
            .filter(|u| !u.is_empty())
            .unwrap_or(API_URL);
        let to = common::destination(api_url)?;
        let url = format!("{}/bot{token}/sendMessage", api_url.trim_end_matches('/'));
        let body = serde_json::to_vec(&payload::send_message(&s, n, &chat))?;
        let request = common::json_post(&url, body, s.timeout_seconds, &s.http_config)?;
        let response = common::send(request, to)?;
        api_answer(&response.text(), to)
    }
}

/// Telegram's answer: `{"ok": true, …}`, or `{"ok": false, "error_code":
/// 429, "description": "…"}` when it refuses the message.
fn api_answer(body: &str, to: &str) -> watchpost_sdk::Result<()> {
    let Ok(Value::Object(answer)) = serde_json::from_str::<Value>(body) else {
        return Ok(());
    };
    if answer.get("ok") != Some(&Value::Bool(false)) {
        return Ok(());
    }
    let code = answer
        .get("error_code")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let why = answer
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("no reason given");
    let message = format!("{to} refused the message: {why} ({code})");
    if code == 429 || (500..600).contains(&code) {
        Err(Error::retryable(message))
    } else {
        Err(Error::new(message))
    }
}

watchpost_sdk::export_notifier!(Telegram);

#[cfg(test)]
mod tests;
