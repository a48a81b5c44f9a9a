//! `pushover_configs` and `sns_configs`.

use crate::duration::GoDuration;
use crate::httpconfig::HttpClientConfig;
use crate::secret::Secret;
use crate::util::{is_default, validated};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One Pushover integration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct PushoverConfig {
    /// `send_resolved` (default true).
    pub send_resolved: bool,
    /// `http_config` (default `global.http_config`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// `user_key` (required).
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub user_key: Secret,
    /// `token` (required).
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub token: Secret,
    /// `title`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// `message`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// `url`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// `url_title`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url_title: String,
    /// `sound`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sound: String,
    /// `priority`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub priority: String,
    /// `retry` (Go duration, default `1m`).
    #[serde(skip_serializing_if = "is_default")]
    pub retry: GoDuration,
    /// `expire` (Go duration, default `1h`).
    #[serde(skip_serializing_if = "is_default")]
    pub expire: GoDuration,
    /// `html`.
    pub html: bool,
}

impl Default for PushoverConfig {
    fn default() -> Self {
        PushoverConfig {
            send_resolved: true,
            http_config: None,
            user_key: Secret::default(),
            token: Secret::default(),
            title: r#"{{ template "pushover.default.title" . }}"#.into(),
            message: r#"{{ template "pushover.default.message" . }}"#.into(),
            url: r#"{{ template "pushover.default.url" . }}"#.into(),
            url_title: String::new(),
            sound: String::new(),
            priority: r#"{{ if eq .Status "firing" }}2{{ else }}0{{ end }}"#.into(),
            retry: GoDuration(60_000_000_000),
            expire: GoDuration(3_600_000_000_000),
            html: false,
        }
    }
}

validated!(PushoverConfig, |c: &mut PushoverConfig| {
    if c.user_key.is_empty() {
        return Err("missing user key in Pushover config".into());
    }
    if c.token.is_empty() {
        return Err("missing token in Pushover config".into());
    }
    Ok(())
});

/// AWS Signature v4 settings of an SNS integration.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct SigV4Config {
    /// `region`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub region: String,
    /// `access_key`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub access_key: String,
    /// `secret_key`.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub secret_key: Secret,
    /// `profile`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub profile: String,
    /// `role_arn`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub role_arn: String,
}

validated!(SigV4Config, |c: &mut SigV4Config| {
    if c.access_key.is_empty() != c.secret_key.is_empty() {
        return Err(
            "must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config"
                .into(),
        );
    }
    Ok(())
});

/// One Amazon SNS integration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct SnsConfig {
    /// `send_resolved` (default true).
    pub send_resolved: bool,
    /// `http_config` (default `global.http_config`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// `api_url`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub api_url: String,
    /// `sigv4`.
    pub sigv4: SigV4Config,
    /// `topic_arn`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub topic_arn: String,
    /// `phone_number`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub phone_number: String,
    /// `target_arn`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target_arn: String,
    /// `subject`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subject: String,
    /// `message`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// `attributes`.
    #[serde(
        deserialize_with = "crate::yaml::unique_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub attributes: BTreeMap<String, String>,
}

impl Default for SnsConfig {
    fn default() -> Self {
        SnsConfig {
            send_resolved: true,
            http_config: None,
            api_url: String::new(),
            sigv4: SigV4Config::default(),
            topic_arn: String::new(),
            phone_number: String::new(),
            target_arn: String::new(),
            subject: r#"{{ template "sns.default.subject" . }}"#.into(),
            message: r#"{{ template "sns.default.message" . }}"#.into(),
            attributes: BTreeMap::new(),
        }
    }
}

validated!(SnsConfig, |c: &mut SnsConfig| {
    // Alertmanager's check, `(a == "") != (b == "") != (c == "")`: it
    // accepts exactly one of the three, and also all three.
    let (t, p, n) = (
        c.target_arn.is_empty(),
        c.topic_arn.is_empty(),
        c.phone_number.is_empty(),
    );
    if (t != p) != n {
        return Err(
            "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config".into(),
        );
    }
    Ok(())
});
