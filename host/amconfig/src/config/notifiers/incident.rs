//! Incident-management integrations: `pagerduty_configs`,
//! `opsgenie_configs`, `victorops_configs`.

use crate::httpconfig::HttpClientConfig;
use crate::secret::{Secret, SecretFile, inline_or_file};
use crate::url::Url;
use crate::util::{is_false, validated};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// PagerDuty `details` entries added when not configured.
pub const DEFAULT_PAGERDUTY_DETAILS: [(&str, &str); 4] = [
    (
        "firing",
        r#"{{ template "pagerduty.default.instances" .Alerts.Firing }}"#,
    ),
    (
        "resolved",
        r#"{{ template "pagerduty.default.instances" .Alerts.Resolved }}"#,
    ),
    ("num_firing", "{{ .Alerts.Firing | len }}"),
    ("num_resolved", "{{ .Alerts.Resolved | len }}"),
];

/// One PagerDuty integration (Events API v1 with `service_key`, v2 with
/// `routing_key`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct PagerdutyConfig {
    /// `send_resolved` (default true).
    pub send_resolved: bool,
    /// `http_config` (default `global.http_config`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// `service_key` (Events API v1).
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub service_key: Secret,
    /// `service_key_file`.
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub service_key_file: SecretFile,
    /// `routing_key` (Events API v2).
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub routing_key: Secret,
    /// `routing_key_file`.
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub routing_key_file: SecretFile,
    /// `url` (default `global.pagerduty_url`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    /// `client`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client: String,
    /// `client_url`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_url: String,
    /// `description`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `details` (the defaults are added for missing keys).
    #[serde(
        deserialize_with = "crate::yaml::unique_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub details: BTreeMap<String, String>,
    /// `images`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<PagerdutyImage>,
    /// `links`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<PagerdutyLink>,
    /// `source` (default: the `client` value).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// `severity`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub severity: String,
    /// `class`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub class: String,
    /// `component`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub component: String,
    /// `group`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub group: String,
}

impl Default for PagerdutyConfig {
    fn default() -> Self {
        PagerdutyConfig {
            send_resolved: true,
            http_config: None,
            service_key: Secret::default(),
            service_key_file: SecretFile::default(),
            routing_key: Secret::default(),
            routing_key_file: SecretFile::default(),
            url: None,
            client: r#"{{ template "pagerduty.default.client" . }}"#.into(),
            client_url: r#"{{ template "pagerduty.default.clientURL" . }}"#.into(),
            description: r#"{{ template "pagerduty.default.description" .}}"#.into(),
            details: BTreeMap::new(),
            images: Vec::new(),
            links: Vec::new(),
            source: String::new(),
            severity: String::new(),
            class: String::new(),
            component: String::new(),
            group: String::new(),
        }
    }
}

validated!(PagerdutyConfig, PagerdutyConfig::validate);

impl PagerdutyConfig {
    fn validate(&mut self) -> Result<(), String> {
        if self.routing_key.is_empty()
            && self.service_key.is_empty()
            && self.routing_key_file.is_empty()
            && self.service_key_file.is_empty()
        {
            return Err("missing service or routing key in PagerDuty config".into());
        }
        if !self.routing_key.is_empty() && !self.routing_key_file.is_empty() {
            return Err("at most one of routing_key & routing_key_file must be configured".into());
        }
        if !self.service_key.is_empty() && !self.service_key_file.is_empty() {
            return Err("at most one of service_key & service_key_file must be configured".into());
        }
        if self.source.is_empty() {
            self.source = self.client.clone();
        }
        for (k, v) in DEFAULT_PAGERDUTY_DETAILS {
            self.details.entry(k.into()).or_insert_with(|| v.into());
        }
        Ok(())
    }

    /// The Events API v1 key: `service_key`, else `service_key_file`
    /// (trimmed).
    pub fn service_key(&self) -> Result<Option<Secret>, crate::Error> {
        inline_or_file(&self.service_key, &self.service_key_file, true)
    }

    /// The Events API v2 key: `routing_key`, else `routing_key_file`
    /// (trimmed).
    pub fn routing_key(&self) -> Result<Option<Secret>, crate::Error> {
        inline_or_file(&self.routing_key, &self.routing_key_file, true)
    }
}

/// A PagerDuty `links` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PagerdutyLink {
    /// `href`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub href: String,
    /// `text`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
}

/// A PagerDuty `images` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PagerdutyImage {
    /// `src`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub src: String,
    /// `alt`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub alt: String,
    /// `href`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub href: String,
}

/// One OpsGenie integration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct OpsGenieConfig {
    /// `send_resolved` (default true).
    pub send_resolved: bool,
    /// `http_config` (default `global.http_config`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// `api_key` (default `global.opsgenie_api_key`).
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub api_key: Secret,
    /// `api_key_file` (default `global.opsgenie_api_key_file`).
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub api_key_file: SecretFile,
    /// `api_url` (default `global.opsgenie_api_url`; always ends in `/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_url: Option<Url>,
    /// `message`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// `description`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `source`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// `details`.
    #[serde(
        deserialize_with = "crate::yaml::unique_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub details: BTreeMap<String, String>,
    /// `entity`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub entity: String,
    /// `responders`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub responders: Vec<OpsGenieResponder>,
    /// `actions` (comma-separated).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub actions: String,
    /// `tags` (comma-separated).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tags: String,
    /// `note`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// `priority`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub priority: String,
    /// `update_alerts`.
    #[serde(skip_serializing_if = "is_false")]
    pub update_alerts: bool,
}

impl Default for OpsGenieConfig {
    fn default() -> Self {
        OpsGenieConfig {
            send_resolved: true,
            http_config: None,
            api_key: Secret::default(),
            api_key_file: SecretFile::default(),
            api_url: None,
            message: r#"{{ template "opsgenie.default.message" . }}"#.into(),
            description: r#"{{ template "opsgenie.default.description" . }}"#.into(),
            source: r#"{{ template "opsgenie.default.source" . }}"#.into(),
            details: BTreeMap::new(),
            entity: String::new(),
            responders: Vec::new(),
            actions: String::new(),
            tags: String::new(),
            note: String::new(),
            priority: String::new(),
            update_alerts: false,
        }
    }
}

const OPSGENIE_TYPES_RE: &str = "^(team|teams|user|escalation|schedule)$";
static OPSGENIE_TYPES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(OPSGENIE_TYPES_RE).expect("static regex"));

validated!(OpsGenieConfig, OpsGenieConfig::validate);

impl OpsGenieConfig {
    fn validate(&mut self) -> Result<(), String> {
        if !self.api_key.is_empty() && !self.api_key_file.is_empty() {
            return Err("at most one of api_key & api_key_file must be configured".into());
        }
        for r in &self.responders {
            if r.id.is_empty() && r.username.is_empty() && r.name.is_empty() {
                return Err(format!(
                    "opsGenieConfig responder {} has to have at least one of id, username or name specified",
                    r.go_fmt(&r.r#type)
                ));
            }
            // Templated types are only checked by Alertmanager for Go template
            // syntax, which this crate does not parse.
            if !r.r#type.contains("{{") {
                // Alertmanager lower-cases a copy: the stored type keeps its case.
                let lower = r.r#type.to_lowercase();
                if !OPSGENIE_TYPES.is_match(&lower) {
                    return Err(format!(
                        "opsGenieConfig responder {} type does not match valid options {OPSGENIE_TYPES_RE}",
                        r.go_fmt(&lower)
                    ));
                }
            }
        }
        Ok(())
    }

    /// The API key: `api_key`, else the whole content of `api_key_file` (not
    /// trimmed, as in Alertmanager).
    pub fn api_key(&self) -> Result<Option<Secret>, crate::Error> {
        inline_or_file(&self.api_key, &self.api_key_file, false)
    }
}

/// An OpsGenie `responders` entry (one of `id`, `name`, `username`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpsGenieResponder {
    /// `id`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// `name`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `username`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// `type`: team, teams, user, escalation or schedule (or a template).
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub r#type: String,
}

impl OpsGenieResponder {
    /// Go's `%v` of the struct.
    fn go_fmt(&self, ty: &str) -> String {
        format!("{{{} {} {} {}}}", self.id, self.name, self.username, ty)
    }
}

/// One VictorOps integration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct VictorOpsConfig {
    /// `send_resolved` (default true).
    pub send_resolved: bool,
    /// `http_config` (default `global.http_config`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// `api_key` (default `global.victorops_api_key`).
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub api_key: Secret,
    /// `api_key_file` (default `global.victorops_api_key_file`).
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub api_key_file: SecretFile,
    /// `api_url` (default `global.victorops_api_url`; always ends in `/`).
    pub api_url: Option<Url>,
    /// `routing_key` (required).
    pub routing_key: String,
    /// `message_type` (default `CRITICAL`).
    pub message_type: String,
    /// `state_message`.
    pub state_message: String,
    /// `entity_display_name`.
    pub entity_display_name: String,
    /// `monitoring_tool`.
    pub monitoring_tool: String,
    /// `custom_fields`.
    #[serde(
        deserialize_with = "crate::yaml::unique_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub custom_fields: BTreeMap<String, String>,
}

impl Default for VictorOpsConfig {
    fn default() -> Self {
        VictorOpsConfig {
            send_resolved: true,
            http_config: None,
            api_key: Secret::default(),
            api_key_file: SecretFile::default(),
            api_url: None,
            routing_key: String::new(),
            message_type: "CRITICAL".into(),
            state_message: r#"{{ template "victorops.default.state_message" . }}"#.into(),
            entity_display_name: r#"{{ template "victorops.default.entity_display_name" . }}"#
                .into(),
            monitoring_tool: r#"{{ template "victorops.default.monitoring_tool" . }}"#.into(),
            custom_fields: BTreeMap::new(),
        }
    }
}

validated!(VictorOpsConfig, VictorOpsConfig::validate);

impl VictorOpsConfig {
    fn validate(&mut self) -> Result<(), String> {
        if self.routing_key.is_empty() {
            return Err("missing Routing key in VictorOps config".into());
        }
        if !self.api_key.is_empty() && !self.api_key_file.is_empty() {
            return Err("at most one of api_key & api_key_file must be configured".into());
        }
        for f in [
            "routing_key",
            "message_type",
            "state_message",
            "entity_display_name",
            "monitoring_tool",
            "entity_id",
            "entity_state",
        ] {
            if self.custom_fields.contains_key(f) {
                return Err(format!(
                    "victorOps config contains custom field {f} which cannot be used as it conflicts with the fixed/static fields"
                ));
            }
        }
        Ok(())
    }

    /// The API key: `api_key`, else `api_key_file` (trimmed).
    pub fn api_key(&self) -> Result<Option<Secret>, crate::Error> {
        inline_or_file(&self.api_key, &self.api_key_file, true)
    }
}
