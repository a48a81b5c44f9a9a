//! The events Alertmanager 0.25's PagerDuty notifier sends: an Events API
//! v2 event (`routing_key`) or a v1 event (`service_key`), keyed by the
//! SHA-256 of the group key so that every notification of a group (and
//! every retry) lands on the same incident.

use crate::Settings;
use crate::common::{ALERTMANAGER, alert_list, alertmanager_url, subject, truncate};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use watchpost_sdk::{AlertStatus, Notification, log};

/// PagerDuty's limit on a summary (v2) or description (v1), in characters.
const MAX_SUMMARY_CHARS: usize = 1024;

/// PagerDuty's limit on an event, in bytes: past it the details are
/// replaced by a note, as Alertmanager does.
pub const MAX_EVENT_BYTES: usize = 512_000;

const DETAILS_REMOVED: &str =
    "Custom details have been removed because the original event exceeds the maximum size of 512KB";

/// An Events API v2 event.
#[derive(Debug, Serialize)]
pub struct EventV2 {
    pub routing_key: String,
    pub dedup_key: String,
    pub event_action: &'static str,
    pub payload: PayloadV2,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_url: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<Image>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// The v2 event's `payload`.
#[derive(Debug, Serialize)]
pub struct PayloadV2 {
    pub summary: String,
    pub source: String,
    pub severity: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub class: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub component: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_details: BTreeMap<String, String>,
}

/// `images[]`: sent only with a `src`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Image {
    pub src: String,
    pub alt: String,
    pub href: String,
}

/// `links[]`: sent only with an `href`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Link {
    pub href: String,
    pub text: String,
}

/// An Events API v1 event.
#[derive(Debug, Serialize)]
pub struct EventV1 {
    pub service_key: String,
    pub incident_key: String,
    pub event_type: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_url: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
}

/// Alertmanager's `hashKey`: the hex SHA-256 of the group key.
pub fn dedup_key(group_key: &str) -> String {
    Sha256::digest(group_key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `trigger` while any alert fires, `resolve` once all are resolved.
fn action(n: &Notification) -> &'static str {
    match n.status {
        AlertStatus::Firing => "trigger",
        AlertStatus::Resolved => "resolve",
    }
}

/// The settings' texts, with Alertmanager's defaults for absent ones.
struct Texts {
    description: String,
    client: String,
    client_url: String,
    details: BTreeMap<String, String>,
}

impl Texts {
    fn new(s: &Settings, n: &Notification) -> Self {
        let description = s.description.clone().unwrap_or_else(|| subject(n));
        let summary = truncate(&description, MAX_SUMMARY_CHARS);
        if summary != description {
            log::warn(&format!(
                "pagerduty summary truncated to {MAX_SUMMARY_CHARS} characters"
            ));
        }
        // Alertmanager adds its four default details to the configured ones.
        let firing = n
            .alerts
            .iter()
            .filter(|a| a.status == AlertStatus::Firing)
            .count();
        let mut details = BTreeMap::from([
            ("firing".to_string(), alert_list(n, AlertStatus::Firing)),
            ("resolved".to_string(), alert_list(n, AlertStatus::Resolved)),
            ("num_firing".to_string(), firing.to_string()),
            (
                "num_resolved".to_string(),
                (n.alerts.len() - firing).to_string(),
            ),
        ]);
        details.extend(s.details.iter().map(|(k, v)| (k.clone(), text_of(v))));
        Texts {
            description: summary,
            client: s.client.clone().unwrap_or_else(|| ALERTMANAGER.to_string()),
            client_url: s.client_url.clone().unwrap_or_else(|| alertmanager_url(n)),
            details,
        }
    }
}

/// A detail's text: YAML may have made a number or boolean of it.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl EventV2 {
    /// The v2 event for `n`.
    pub fn new(s: &Settings, n: &Notification, routing_key: &str) -> Self {
        let t = Texts::new(s, n);
        let non_empty = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
        EventV2 {
            routing_key: routing_key.to_string(),
            dedup_key: dedup_key(&n.group_key),
            event_action: action(n),
            payload: PayloadV2 {
                summary: t.description,
                source: non_empty(&s.source).unwrap_or_else(|| t.client.clone()),
                severity: non_empty(&s.severity).unwrap_or_else(|| "error".into()),
                class: s.class.clone().unwrap_or_default(),
                component: s.component.clone().unwrap_or_default(),
                group: s.group.clone().unwrap_or_default(),
                custom_details: t.details,
            },
            client: t.client,
            client_url: t.client_url,
            images: s
                .images
                .iter()
                .filter(|i| !i.src.is_empty())
                .cloned()
                .collect(),
            links: s
                .links
                .iter()
                .filter(|l| !l.href.is_empty())
                .cloned()
                .collect(),
        }
    }

    /// The JSON body, its details replaced by a note past PagerDuty's size
    /// limit.
    pub fn encode(mut self) -> serde_json::Result<Vec<u8>> {
        let body = serde_json::to_vec(&self)?;
        if body.len() <= MAX_EVENT_BYTES {
            return Ok(body);
        }
        log::warn(&format!(
            "pagerduty event of {} bytes: custom details removed",
            body.len()
        ));
        self.payload.custom_details = BTreeMap::from([("error".into(), DETAILS_REMOVED.into())]);
        serde_json::to_vec(&self)
    }
}

impl EventV1 {
    /// The v1 event for `n`: `client` and `client_url` only with triggers.
    pub fn new(s: &Settings, n: &Notification, service_key: &str) -> Self {
        let t = Texts::new(s, n);
        let trigger = n.status == AlertStatus::Firing;
        EventV1 {
            service_key: service_key.to_string(),
            incident_key: dedup_key(&n.group_key),
            event_type: action(n),
            description: t.description,
            client: if trigger { t.client } else { String::new() },
            client_url: if trigger { t.client_url } else { String::new() },
            details: t.details,
        }
    }

    /// The JSON body, its details replaced by a note past PagerDuty's size
    /// limit.
    pub fn encode(mut self) -> serde_json::Result<Vec<u8>> {
        let body = serde_json::to_vec(&self)?;
        if body.len() <= MAX_EVENT_BYTES {
            return Ok(body);
        }
        log::warn(&format!(
            "pagerduty event of {} bytes: details removed",
            body.len()
        ));
        self.details = BTreeMap::from([("error".into(), DETAILS_REMOVED.into())]);
        serde_json::to_vec(&self)
    }
}
