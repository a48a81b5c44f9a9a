//! Watchpost's stock `opsgenie` notifier: serves the `opsgenie_configs` of
//! an Alertmanager configuration through OpsGenie's Alert API v2, with
//! `Authorization: GenieKey <api_key>`. A firing group creates (or, same
//! alias, deduplicates onto) one alert; a resolved group closes it; see
//! [`payload`] for the requests.
//!
//! The host applies `send_resolved`, retries and backoff and expands every
//! template; the plugin builds the requests, sends them in order and says
//! whether a failure may succeed later: 429, 5xx and network failures are
//! retryable, other answers permanent.

use watchpost_sdk::notify as common;
pub mod payload;

use payload::Responder;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;
use watchpost_sdk::http::Request;
use watchpost_sdk::{Error, Notification, Notifier};

/// `global.opsgenie_api_url`.
pub const API_URL: &str = "https://api.opsgenie.com/";

/// One `opsgenie_configs` entry (Alertmanager's keys), from the
/// notification laid over the plugin's `[plugin.config]`. Texts arrive
/// expanded; one that is absent altogether takes Alertmanager's default.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub api_key: Option<String>,
    /// [`API_URL`] by default; `v2/alerts…` is appended to it.
    pub api_url: Option<String>,
    pub message: Option<String>,
    pub description: Option<String>,
    pub source: Option<String>,
    pub details: BTreeMap<String, Value>,
    pub entity: Option<String>,
    pub responders: Vec<Responder>,
    pub visible_to: Vec<Responder>,
    /// Comma-separated.
    pub actions: Option<String>,
    /// Comma-separated.
    pub tags: Option<String>,
    pub note: Option<String>,
    pub priority: Option<String>,
    /// Also update the message and description of an existing alert.
    pub update_alerts: bool,
    /// Request timeout (Watchpost's own key), 10 by default.
    pub timeout_seconds: Option<u64>,
}

/// `path` under `api_url`, joined as Go's `url.URL` does when Alertmanager
/// appends to its path: a URL without a path gets `/` first.
pub fn endpoint(api_url: &str, path: &str) -> String {
    let (base, query) = api_url.split_once('?').unwrap_or((api_url, ""));
    let after_scheme = base.split_once("://").map_or(base, |(_, rest)| rest);
    let slash = if after_scheme.contains('/') { "" } else { "/" };
    let url = format!("{base}{slash}{path}");
    match (query, url.contains('?')) {
        ("", _) => url,
        (q, true) => format!("{url}&{q}"),
        (q, false) => format!("{url}?{q}"),
    }
}

/// The notifier: its `[plugin.config]`, the base of every notification's
/// settings.
pub struct OpsGenie {
    config: Map<String, Value>,
}

impl Notifier for OpsGenie {
    type Config = Map<String, Value>;

    fn new(config: Map<String, Value>) -> watchpost_sdk::Result<Self> {
        let settings: Settings = common::settings(&config, "")?;
        if let Some(url) = &settings.api_url {
            common::destination(url)?;
        }
        Ok(OpsGenie { config })
    }

    fn deliver(&mut self, n: &Notification) -> watchpost_sdk::Result<()> {
        let s: Settings = common::settings(&self.config, &n.integration)?;
        let key = s.api_key.as_deref().filter(|k| !k.is_empty()).ok_or_else(|| {
            Error::new("no api_key: set it in the receiver, global.opsgenie_api_key or the plugin config")
        })?;
        let api_url = s
            .api_url
            .as_deref()
            .filter(|u| !u.is_empty())
            .unwrap_or(API_URL);
        let to = common::destination(api_url)?;
        for call in payload::calls(&s, n) {
            let request = Request::new(call.method, &endpoint(api_url, &call.path))
                .header("content-type", "application/json")
                .header("authorization", &format!("GenieKey {key}"))
                .body(serde_json::to_vec(&call.body)?)
                .timeout(Duration::from_secs(s.timeout_seconds.unwrap_or(10)))
                .max_body(64 * 1024);
            common::send(request, to)?;
        }
        Ok(())
    }
}

watchpost_sdk::export_notifier!(OpsGenie);

#[cfg(test)]
mod tests;
