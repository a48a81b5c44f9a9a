//! Alertmanager's webhook payload (version 4), built from a notification.
//! Field names and shapes follow
//! <https://prometheus.io/docs/alerting/latest/configuration/#webhook_config>.

use crate::rfc3339::{ZERO_TIME, format_ms};
use serde::Serialize;
use std::collections::BTreeMap;
use watchpost_sdk::{AlertStatus, Label, Notification};

/// The JSON body POSTed to the webhook.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload<'a> {
    pub version: &'static str,
    pub group_key: &'a str,
    /// How many alerts were left out because of `max_alerts`.
    pub truncated_alerts: usize,
    pub status: &'static str,
    pub receiver: &'a str,
    pub group_labels: BTreeMap<&'a str, &'a str>,
    pub common_labels: BTreeMap<&'a str, &'a str>,
    pub common_annotations: BTreeMap<&'a str, &'a str>,
    #[serde(rename = "externalURL")]
    pub external_url: &'a str,
    pub alerts: Vec<AlertJson<'a>>,
}

/// One alert of the payload.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertJson<'a> {
    pub status: &'static str,
    pub labels: BTreeMap<&'a str, &'a str>,
    pub annotations: BTreeMap<&'a str, &'a str>,
    pub starts_at: String,
    pub ends_at: String,
    #[serde(rename = "generatorURL")]
    pub generator_url: &'a str,
    pub fingerprint: &'a str,
}

impl<'a> Payload<'a> {
    /// The payload for `n`, keeping at most `max_alerts` alerts (0 = all).
    pub fn new(n: &'a Notification, max_alerts: usize) -> Self {
        let keep = if max_alerts == 0 {
            n.alerts.len()
        } else {
            max_alerts.min(n.alerts.len())
        };
        Payload {
            version: "4",
            group_key: &n.group_key,
            // The host may have truncated already (`max_alerts` of the
            // receiver); this plugin's own limit adds to it.
            truncated_alerts: n.truncated_alerts as usize + n.alerts.len() - keep,
            status: status(n.status),
            receiver: &n.receiver,
            group_labels: map(&n.group_labels),
            common_labels: map(&n.common_labels),
            common_annotations: map(&n.common_annotations),
            external_url: &n.external_url,
            alerts: n.alerts[..keep]
                .iter()
                .map(|a| AlertJson {
                    status: status(a.status),
                    labels: map(&a.labels),
                    annotations: map(&a.annotations),
                    starts_at: format_ms(a.starts_at_ms),
                    ends_at: a
                        .ends_at_ms
                        .map_or_else(|| ZERO_TIME.to_string(), format_ms),
                    generator_url: &a.generator_url,
                    fingerprint: &a.fingerprint,
                })
                .collect(),
        }
    }
}

fn status(s: AlertStatus) -> &'static str {
    match s {
        AlertStatus::Firing => "firing",
        AlertStatus::Resolved => "resolved",
    }
}

fn map(labels: &[Label]) -> BTreeMap<&str, &str> {
    labels
        .iter()
        .map(|l| (l.name.as_str(), l.value.as_str()))
        .collect()
}
