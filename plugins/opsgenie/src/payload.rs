//! The requests Alertmanager 0.25's OpsGenie notifier makes against the
//! Alert API v2, all addressed by the alert's alias (the SHA-256 of the
//! group key): create the alert while the group fires (then, with
//! `update_alerts`, update its message and description), close it once
//! every alert is resolved.

use crate::Settings;
use crate::common::{alert_list, alertmanager_url, joined_values, subject, truncate};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use watchpost_sdk::{AlertStatus, Notification, log};

/// OpsGenie's limit on an alert message, in characters.
const MAX_MESSAGE_CHARS: usize = 130;

/// One request: method, path and query under `api_url`, JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: &'static str,
    pub path: String,
    pub body: Value,
}

/// `POST v2/alerts`.
#[derive(Debug, Serialize)]
pub struct Create {
    pub alias: String,
    pub message: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub details: BTreeMap<String, String>,
    pub source: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub responders: Vec<Responder>,
    #[serde(rename = "visibleTo", skip_serializing_if = "Vec::is_empty")]
    pub visible_to: Vec<Responder>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub priority: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub entity: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
}

/// A responder (or `visible_to` entry): a team, user, escalation or
/// schedule, named by id, name or username.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Responder {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// Alertmanager's `hashKey`: the hex SHA-256 of the group key.
pub fn alias(group_key: &str) -> String {
    Sha256::digest(group_key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Go's `strings.Split(strings.TrimSpace(s), ",")` without empty items
/// (items are not trimmed: `"a, b"` gives `"a"` and `" b"`).
fn split(list: &str) -> Vec<String> {
    list.trim()
        .split(',')
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

/// Responders as configured, empty ones dropped and a `teams` entry
/// (comma-separated names) made into one `team` per name.
fn responders(list: &[Responder]) -> Vec<Responder> {
    let mut out = Vec::new();
    for r in list.iter().filter(|r| **r != Responder::default()) {
        if r.kind == "teams" {
            out.extend(split(&r.name).into_iter().map(|name| Responder {
                name,
                kind: "team".into(),
                ..Responder::default()
            }));
        } else {
            out.push(r.clone());
        }
    }
    out
}

/// A detail's text: YAML may have made a number or boolean of it.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Alertmanager's `opsgenie.default.description`.
fn default_description(n: &Notification) -> String {
    let part = |status, title| {
        let list = alert_list(n, status);
        if list.is_empty() {
            String::new()
        } else {
            format!("{title}\n{list}")
        }
    };
    format!(
        "{}\n{}\n{}",
        joined_values(&n.common_annotations),
        part(AlertStatus::Firing, "Alerts Firing:"),
        part(AlertStatus::Resolved, "Alerts Resolved:"),
    )
}

/// The calls for `n`, in order. A setting that is absent (a notifier
/// configured in the manifest only) takes Alertmanager's default text.
pub fn calls(s: &Settings, n: &Notification) -> Vec<Call> {
    let alias = alias(&n.group_key);
    let source = s.source.clone().unwrap_or_else(|| alertmanager_url(n));
    let query = "?identifierType=alias";
    if n.status == AlertStatus::Resolved {
        return vec![Call {
            method: "POST",
            path: format!("v2/alerts/{alias}/close{query}"),
            body: json!({ "source": source }),
        }];
    }
    let full = s.message.clone().unwrap_or_else(|| subject(n));
    let message = truncate(&full, MAX_MESSAGE_CHARS);
    if message != full {
        log::warn(&format!(
            "opsgenie message truncated to {MAX_MESSAGE_CHARS} characters"
        ));
    }
    // The group's common labels, then the configured details over them.
    let mut details: BTreeMap<String, String> = n
        .common_labels
        .iter()
        .map(|l| (l.name.clone(), l.value.clone()))
        .collect();
    details.extend(s.details.iter().map(|(k, v)| (k.clone(), text_of(v))));
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let create = Create {
        alias: alias.clone(),
        message,
        description: s
            .description
            .clone()
            .unwrap_or_else(|| default_description(n)),
        details,
        source,
        responders: responders(&s.responders),
        visible_to: responders(&s.visible_to),
        tags: split(&text(&s.tags)),
        note: text(&s.note),
        priority: text(&s.priority),
        entity: text(&s.entity),
        actions: split(&text(&s.actions)),
    };
    let update = |what: &str, value: &str| Call {
        method: "PUT",
        path: format!("v2/alerts/{alias}/{what}{query}"),
        // Alertmanager's `omitempty`: an empty text leaves an empty object.
        body: if value.is_empty() {
            json!({})
        } else {
            json!({ what: value })
        },
    };
    let updates = [
        update("message", &create.message),
        update("description", &create.description),
    ];
    let mut calls = vec![Call {
        method: "POST",
        path: "v2/alerts".into(),
        body: serde_json::to_value(&create).unwrap_or_default(),
    }];
    if s.update_alerts {
        calls.extend(updates);
    }
    calls
}
