//! Watchpost's stock `pagerduty` notifier: serves the `pagerduty_configs`
//! of an Alertmanager configuration. With a `routing_key` it sends an
//! Events API v2 event to `url`; with a `service_key` a v1 event to the v1
//! endpoint (see [`payload`]). Either way the incident is keyed by the
//! SHA-256 of the group key, so retries and later notifications of the
//! group update one incident, and a group whose alerts are all resolved
//! resolves it.
//!
//! The host applies `send_resolved`, retries and backoff and expands every
//! template; the plugin builds the event, sends it and says whether a
//! failure may succeed later: 429 (and 403, v1's rate limit), 5xx and
//! network failures are retryable, other answers permanent.

use watchpost_sdk::notify as common;
pub mod payload;

use common::HttpConfig;
use payload::{EventV1, EventV2, Image, Link};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use watchpost_sdk::{Error, Notification, Notifier};

/// `global.pagerduty_url`, the Events API v2 endpoint.
pub const V2_URL: &str = "https://events.pagerduty.com/v2/enqueue";
/// The Events API v1 endpoint, where Alertmanager sends `service_key` events.
pub const V1_URL: &str = "https://events.pagerduty.com/generic/2010-04-15/create_event.json";

/// One `pagerduty_configs` entry (Alertmanager's keys), from the
/// notification laid over the plugin's `[plugin.config]`. Texts arrive
/// expanded; one that is absent altogether takes Alertmanager's default.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub http_config: HttpConfig,
    /// Events API v2 integration key.
    pub routing_key: Option<String>,
    /// Events API v1 service key (used when set, as Alertmanager does).
    pub service_key: Option<String>,
    /// The v2 endpoint ([`V2_URL`] by default); for v1, a URL other than
    /// [`V2_URL`] replaces [`V1_URL`].
    pub url: Option<String>,
    pub client: Option<String>,
    pub client_url: Option<String>,
    pub description: Option<String>,
    pub details: BTreeMap<String, Value>,
    pub images: Vec<Image>,
    pub links: Vec<Link>,
    pub source: Option<String>,
    pub severity: Option<String>,
    pub class: Option<String>,
    pub component: Option<String>,
    pub group: Option<String>,
    /// Request timeout (Watchpost's own key), 10 by default.
    pub timeout_seconds: Option<u64>,
}

impl Settings {
    /// The body and the endpoint of the event for `n`, and whether it is v1.
    pub fn event(&self, n: &Notification) -> watchpost_sdk::Result<(Vec<u8>, String, bool)> {
        let key = |k: &Option<String>| k.clone().filter(|k| !k.is_empty());
        let url = key(&self.url);
        if let Some(service_key) = key(&self.service_key) {
            let url = url.filter(|u| u != V2_URL).unwrap_or_else(|| V1_URL.into());
            return Ok((EventV1::new(self, n, &service_key).encode()?, url, true));
        }
        let routing_key = key(&self.routing_key)
            .ok_or_else(|| Error::new("missing service or routing key in PagerDuty config"))?;
        let url = url.unwrap_or_else(|| V2_URL.into());
        Ok((EventV2::new(self, n, &routing_key).encode()?, url, false))
    }
}

/// The notifier: its `[plugin.config]`, the base of every notification's
/// settings.
pub struct PagerDuty {
    config: Map<String, Value>,
}

impl Notifier for PagerDuty {
    type Config = Map<String, Value>;

    fn new(config: Map<String, Value>) -> watchpost_sdk::Result<Self> {
        let settings: Settings = common::settings(&config, "")?;
        if let Some(url) = &settings.url {
            common::destination(url)?;
        }
        settings.http_config.authorization()?;
        Ok(PagerDuty { config })
    }

    fn deliver(&mut self, n: &Notification) -> watchpost_sdk::Result<()> {
        let s: Settings = common::settings(&self.config, &n.integration)?;
        let (body, url, v1) = s.event(n)?;
        let to = common::destination(&url)?;
        let request = common::json_post(&url, body, s.timeout_seconds, &s.http_config)?;
        // v1 answers 403 when it rate-limits.
        let retry_also: &[u16] = if v1 { &[403] } else { &[] };
        common::send_retrying(request, to, retry_also)?;
        Ok(())
    }
}

watchpost_sdk::export_notifier!(PagerDuty);

#[cfg(test)]
mod tests;
