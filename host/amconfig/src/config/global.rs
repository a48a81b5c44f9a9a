//! The `global` section: defaults for the receivers and `resolve_timeout`.

use crate::duration::Duration;
use crate::httpconfig::HttpClientConfig;
use crate::secret::{Secret, SecretFile};
use crate::url::{HostPort, SecretUrl, Url};
use serde::{Deserialize, Serialize};

/// `global`, with Alertmanager's defaults for everything not written.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GlobalConfig {
    /// `resolve_timeout` (default 5m): how long an alert without an end
    /// time stays firing after its last update.
    pub resolve_timeout: Duration,
    /// `http_config`: the default for every receiver's `http_config`.
    pub http_config: HttpClientConfig,
    /// `smtp_from`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub smtp_from: String,
    /// `smtp_hello` (default `localhost`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub smtp_hello: String,
    /// `smtp_smarthost`.
    #[serde(skip_serializing_if = "HostPort::is_empty")]
    pub smtp_smarthost: HostPort,
    /// `smtp_auth_username`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub smtp_auth_username: String,
    /// `smtp_auth_password`.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub smtp_auth_password: Secret,
    /// `smtp_auth_password_file`.
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub smtp_auth_password_file: SecretFile,
    /// `smtp_auth_secret`.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub smtp_auth_secret: Secret,
    /// `smtp_auth_identity`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub smtp_auth_identity: String,
    /// `smtp_require_tls` (default true).
    pub smtp_require_tls: bool,
    /// `slack_api_url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slack_api_url: Option<SecretUrl>,
    /// `slack_api_url_file`.
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub slack_api_url_file: SecretFile,
    /// `pagerduty_url` (default `https://events.pagerduty.com/v2/enqueue`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pagerduty_url: Option<Url>,
    /// `opsgenie_api_url` (default `https://api.opsgenie.com/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opsgenie_api_url: Option<Url>,
    /// `opsgenie_api_key`.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub opsgenie_api_key: Secret,
    /// `opsgenie_api_key_file`.
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub opsgenie_api_key_file: SecretFile,
    /// `wechat_api_url` (default `https://qyapi.weixin.qq.com/cgi-bin/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wechat_api_url: Option<Url>,
    /// `wechat_api_secret`.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub wechat_api_secret: Secret,
    /// `wechat_api_corp_id`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub wechat_api_corp_id: String,
    /// `victorops_api_url` (default
    /// `https://alert.victorops.com/integrations/generic/20131114/alert/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub victorops_api_url: Option<Url>,
    /// `victorops_api_key`.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub victorops_api_key: Secret,
    /// `victorops_api_key_file`.
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub victorops_api_key_file: SecretFile,
    /// `telegram_api_url` (default `https://api.telegram.org`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telegram_api_url: Option<Url>,
    /// `webex_api_url` (default `https://webexapis.com/v1/messages`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webex_api_url: Option<Url>,
}

fn url(s: &str) -> Option<Url> {
    Url::parse(s).ok()
}

impl Default for GlobalConfig {
    fn default() -> Self {
        GlobalConfig {
            resolve_timeout: Duration::from_secs(5 * 60),
            http_config: HttpClientConfig::default(),
            smtp_from: String::new(),
            smtp_hello: "localhost".into(),
            smtp_smarthost: HostPort::default(),
            smtp_auth_username: String::new(),
            smtp_auth_password: Secret::default(),
            smtp_auth_password_file: SecretFile::default(),
            smtp_auth_secret: Secret::default(),
            smtp_auth_identity: String::new(),
            smtp_require_tls: true,
            slack_api_url: None,
            slack_api_url_file: SecretFile::default(),
            pagerduty_url: url("https://events.pagerduty.com/v2/enqueue"),
            opsgenie_api_url: url("https://api.opsgenie.com/"),
            opsgenie_api_key: Secret::default(),
            opsgenie_api_key_file: SecretFile::default(),
            wechat_api_url: url("https://qyapi.weixin.qq.com/cgi-bin/"),
            wechat_api_secret: Secret::default(),
            wechat_api_corp_id: String::new(),
            victorops_api_url: url(
                "https://alert.victorops.com/integrations/generic/20131114/alert/",
            ),
            victorops_api_key: Secret::default(),
            victorops_api_key_file: SecretFile::default(),
            telegram_api_url: url("https://api.telegram.org"),
            webex_api_url: url("https://webexapis.com/v1/messages"),
        }
    }
}
