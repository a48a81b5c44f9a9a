//! `email_configs`.

use crate::httpconfig::TlsConfig;
use crate::secret::{Secret, SecretFile, inline_or_file};
use crate::url::HostPort;
use crate::util::{is_default, validated};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `Subject` header used when none is configured.
pub const DEFAULT_EMAIL_SUBJECT: &str = r#"{{ template "email.default.subject" . }}"#;

/// One email integration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct EmailConfig {
    /// `send_resolved` (default false).
    pub send_resolved: bool,
    /// `to`: the recipients (required).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub to: String,
    /// `from` (default `global.smtp_from`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub from: String,
    /// `hello` (default `global.smtp_hello`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hello: String,
    /// `smarthost` (default `global.smtp_smarthost`).
    #[serde(skip_serializing_if = "HostPort::is_empty")]
    pub smarthost: HostPort,
    /// `auth_username`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub auth_username: String,
    /// `auth_password`.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub auth_password: Secret,
    /// `auth_password_file`.
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub auth_password_file: SecretFile,
    /// `auth_secret` (CRAM-MD5).
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub auth_secret: Secret,
    /// `auth_identity`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub auth_identity: String,
    /// `headers`, with canonical MIME names (`subject` becomes `Subject`).
    #[serde(
        deserialize_with = "crate::yaml::unique_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub headers: BTreeMap<String, String>,
    /// `html` body template.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub html: String,
    /// `text` body template.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// `require_tls` (default `global.smtp_require_tls`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_tls: Option<bool>,
    /// `tls_config`.
    #[serde(skip_serializing_if = "is_default")]
    pub tls_config: TlsConfig,
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            send_resolved: false,
            to: String::new(),
            from: String::new(),
            hello: String::new(),
            smarthost: HostPort::default(),
            auth_username: String::new(),
            auth_password: Secret::default(),
            auth_password_file: SecretFile::default(),
            auth_secret: Secret::default(),
            auth_identity: String::new(),
            headers: BTreeMap::new(),
            html: r#"{{ template "email.default.html" . }}"#.into(),
            text: String::new(),
            require_tls: None,
            tls_config: TlsConfig::default(),
        }
    }
}

validated!(EmailConfig, EmailConfig::validate);

impl EmailConfig {
    fn validate(&mut self) -> Result<(), String> {
        if self.to.is_empty() {
            return Err("missing to address in email config".into());
        }
        let mut normalized = BTreeMap::new();
        for (h, v) in std::mem::take(&mut self.headers) {
            let key = canonical_mime_header_key(&h);
            if normalized.contains_key(&key) {
                return Err(format!("duplicate header {key:?} in email config"));
            }
            normalized.insert(key, v);
        }
        self.headers = normalized;
        Ok(())
    }

    /// The headers the email notifier sends: the configured ones plus
    /// `Subject` (the default template), `To` and `From` when missing.
    pub fn effective_headers(&self) -> BTreeMap<String, String> {
        let mut h = self.headers.clone();
        h.entry("Subject".into())
            .or_insert_with(|| DEFAULT_EMAIL_SUBJECT.into());
        h.entry("To".into()).or_insert_with(|| self.to.clone());
        h.entry("From".into()).or_insert_with(|| self.from.clone());
        h
    }

    /// The SMTP password: `auth_password`, else the whole content of
    /// `auth_password_file` (not trimmed, as in Alertmanager).
    pub fn auth_password(&self) -> Result<Option<Secret>, crate::Error> {
        inline_or_file(&self.auth_password, &self.auth_password_file, false)
    }
}

/// Go's `textproto.CanonicalMIMEHeaderKey`.
pub(crate) fn canonical_mime_header_key(s: &str) -> String {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if !s.bytes().all(token) {
        return s.to_string();
    }
    let mut upper = true;
    s.bytes()
        .map(|b| {
            let c = if upper {
                b.to_ascii_uppercase()
            } else {
                b.to_ascii_lowercase()
            };
            upper = b == b'-';
            c as char
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_headers() {
        assert_eq!(canonical_mime_header_key("subject"), "Subject");
        assert_eq!(canonical_mime_header_key("x-MAILER-id"), "X-Mailer-Id");
        assert_eq!(canonical_mime_header_key("with space"), "with space");
    }
}
