//! `http_config`: Prometheus's common HTTP client configuration (the
//! version Debian's Alertmanager 0.25 is built with), decoded strictly and
//! validated with its messages. Like Prometheus, a `bearer_token(_file)` is
//! turned into an `authorization` of type `Bearer`.

use crate::secret::{Secret, SecretFile};
use crate::url::AnyUrl;
use crate::util::{is_default, validated};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// An HTTP client configuration.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(remote = "Self", deny_unknown_fields, default)]
pub struct HttpClientConfig {
    /// `basic_auth`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
    /// `authorization`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Authorization>,
    /// `oauth2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<OAuth2>,
    /// `bearer_token` (moved into `authorization` on load).
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub bearer_token: Secret,
    /// `bearer_token_file` (moved into `authorization` on load).
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub bearer_token_file: SecretFile,
    /// `proxy_url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_url: Option<AnyUrl>,
    /// `proxy_connect_header`: header name to values (secrets).
    #[serde(
        deserialize_with = "crate::yaml::unique_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub proxy_connect_header: BTreeMap<String, Vec<Secret>>,
    /// `tls_config`.
    #[serde(skip_serializing_if = "is_default")]
    pub tls_config: TlsConfig,
    /// `follow_redirects` (default true).
    pub follow_redirects: bool,
    /// `enable_http2` (default true).
    pub enable_http2: bool,
}

impl Default for HttpClientConfig {
    fn default() -> Self {
        HttpClientConfig {
            basic_auth: None,
            authorization: None,
            oauth2: None,
            bearer_token: Secret::default(),
            bearer_token_file: SecretFile::default(),
            proxy_url: None,
            proxy_connect_header: BTreeMap::new(),
            tls_config: TlsConfig::default(),
            follow_redirects: true,
            enable_http2: true,
        }
    }
}

validated!(HttpClientConfig, HttpClientConfig::validate);

impl HttpClientConfig {
    /// Prometheus's `HTTPClientConfig.Validate`, including its rewrite of
    /// `bearer_token(_file)` into `authorization`.
    pub fn validate(&mut self) -> Result<(), String> {
        let bearer = !self.bearer_token.is_empty() || !self.bearer_token_file.is_empty();
        if !self.bearer_token.is_empty() && !self.bearer_token_file.is_empty() {
            return Err(
                "at most one of bearer_token & bearer_token_file must be configured".into(),
            );
        }
        if (self.basic_auth.is_some() || self.oauth2.is_some()) && bearer {
            return Err("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured".into());
        }
        if let Some(b) = &self.basic_auth
            && !b.password.is_empty()
            && !b.password_file.is_empty()
        {
            return Err(
                "at most one of basic_auth password & password_file must be configured".into(),
            );
        }
        if let Some(a) = &mut self.authorization {
            if bearer {
                return Err(
                    "authorization is not compatible with bearer_token & bearer_token_file".into(),
                );
            }
            if !a.credentials.is_empty() && !a.credentials_file.is_empty() {
                return Err("at most one of authorization credentials & credentials_file must be configured".into());
            }
            a.r#type = a.r#type.trim().to_string();
            if a.r#type.is_empty() {
                a.r#type = "Bearer".into();
            }
            if a.r#type.eq_ignore_ascii_case("basic") {
                return Err(
                    r#"authorization type cannot be set to "basic", use "basic_auth" instead"#
                        .into(),
                );
            }
            if self.basic_auth.is_some() || self.oauth2.is_some() {
                return Err(
                    "at most one of basic_auth, oauth2 & authorization must be configured".into(),
                );
            }
        } else {
            if !self.bearer_token.is_empty() {
                self.authorization = Some(Authorization {
                    r#type: "Bearer".into(),
                    credentials: std::mem::take(&mut self.bearer_token),
                    credentials_file: SecretFile::default(),
                });
            }
            if !self.bearer_token_file.is_empty() {
                self.authorization = Some(Authorization {
                    r#type: "Bearer".into(),
                    credentials: Secret::default(),
                    credentials_file: std::mem::take(&mut self.bearer_token_file),
                });
            }
        }
        if let Some(o) = &self.oauth2 {
            if self.basic_auth.is_some() {
                return Err(
                    "at most one of basic_auth, oauth2 & authorization must be configured".into(),
                );
            }
            if o.client_id.is_empty() {
                return Err("oauth2 client_id must be configured".into());
            }
            if o.client_secret.is_empty() && o.client_secret_file.is_empty() {
                return Err(
                    "either oauth2 client_secret or client_secret_file must be configured".into(),
                );
            }
            if o.token_url.is_empty() {
                return Err("oauth2 token_url must be configured".into());
            }
            if !o.client_secret.is_empty() && !o.client_secret_file.is_empty() {
                return Err(
                    "at most one of oauth2 client_secret & client_secret_file must be configured"
                        .into(),
                );
            }
        }
        if !self.proxy_connect_header.is_empty()
            && self.proxy_url.as_ref().is_none_or(AnyUrl::is_empty)
        {
            return Err(
                "if proxy_connect_header is configured proxy_url must also be configured".into(),
            );
        }
        Ok(())
    }

    /// Joins relative file paths (TLS files, password, credentials and
    /// client secret files) to `dir`, as Prometheus's `SetDirectory`.
    pub fn set_directory(&mut self, dir: &std::path::Path) {
        self.tls_config.set_directory(dir);
        if let Some(b) = &mut self.basic_auth {
            join_dir(dir, &mut b.password_file);
        }
        if let Some(a) = &mut self.authorization {
            join_dir(dir, &mut a.credentials_file);
        }
        if let Some(o) = &mut self.oauth2 {
            join_dir(dir, &mut o.client_secret_file);
            o.tls_config.set_directory(dir);
        }
        join_dir(dir, &mut self.bearer_token_file);
    }
}

/// Joins a relative, non-empty path to `dir`.
pub(crate) fn join_dir(dir: &std::path::Path, path: &mut SecretFile) {
    if !path.0.is_empty() && !std::path::Path::new(&path.0).is_absolute() {
        path.0 = dir.join(&path.0).to_string_lossy().into_owned();
    }
}

/// `basic_auth`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BasicAuth {
    /// `username`.
    pub username: String,
    /// `password`.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub password: Secret,
    /// `password_file`.
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub password_file: SecretFile,
}

/// `authorization`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Authorization {
    /// `type` (default `Bearer`).
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub r#type: String,
    /// `credentials`.
    #[serde(skip_serializing_if = "Secret::is_empty")]
    pub credentials: Secret,
    /// `credentials_file`.
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub credentials_file: SecretFile,
}

/// `oauth2` (client credentials).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OAuth2 {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: Secret,
    /// `client_secret_file`.
    pub client_secret_file: SecretFile,
    /// `scopes`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// `token_url`.
    pub token_url: String,
    /// `endpoint_params`.
    #[serde(
        deserialize_with = "crate::yaml::unique_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub endpoint_params: BTreeMap<String, String>,
    /// `proxy_url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_url: Option<AnyUrl>,
    /// `tls_config`.
    #[serde(skip_serializing_if = "is_default")]
    pub tls_config: TlsConfig,
}

/// `tls_config`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// `ca_file`.
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub ca_file: SecretFile,
    /// `cert_file`.
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub cert_file: SecretFile,
    /// `key_file`.
    #[serde(skip_serializing_if = "SecretFile::is_empty")]
    pub key_file: SecretFile,
    /// `server_name`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub server_name: String,
    /// `insecure_skip_verify`.
    pub insecure_skip_verify: bool,
    /// `min_version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_version: Option<TlsVersion>,
    /// `max_version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_version: Option<TlsVersion>,
}

impl TlsConfig {
    /// Joins relative file paths to `dir`.
    pub fn set_directory(&mut self, dir: &std::path::Path) {
        join_dir(dir, &mut self.ca_file);
        join_dir(dir, &mut self.cert_file);
        join_dir(dir, &mut self.key_file);
    }
}

/// A TLS protocol version (`TLS10` to `TLS13`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    /// `TLS10`
    Tls10,
    /// `TLS11`
    Tls11,
    /// `TLS12`
    Tls12,
    /// `TLS13`
    Tls13,
}

impl TlsVersion {
    /// The configuration spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            TlsVersion::Tls10 => "TLS10",
            TlsVersion::Tls11 => "TLS11",
            TlsVersion::Tls12 => "TLS12",
            TlsVersion::Tls13 => "TLS13",
        }
    }
}

impl Serialize for TlsVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TlsVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "TLS10" => TlsVersion::Tls10,
            "TLS11" => TlsVersion::Tls11,
            "TLS12" => TlsVersion::Tls12,
            "TLS13" => TlsVersion::Tls13,
            _ => return Err(crate::yaml::invalid(format!("unknown TLS version: {s}"))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(y: &str) -> Result<HttpClientConfig, String> {
        crate::yaml::from_str::<HttpClientConfig>(y, None).map_err(|e| e.message())
    }

    #[test]
    fn defaults_and_bearer_rewrite() {
        let c = parse("{}").unwrap();
        assert!(c.follow_redirects && c.enable_http2);
        let c = parse("bearer_token: abc").unwrap();
        let a = c.authorization.unwrap();
        assert_eq!(
            (a.r#type.as_str(), a.credentials.expose()),
            ("Bearer", "abc")
        );
        assert!(c.bearer_token.is_empty());
        let c = parse("authorization: {type: ' Token ', credentials: x}").unwrap();
        assert_eq!(c.authorization.unwrap().r#type, "Token");
    }

    #[test]
    fn validation_messages() {
        assert_eq!(
            parse("{bearer_token: a, bearer_token_file: b}").unwrap_err(),
            "at most one of bearer_token & bearer_token_file must be configured"
        );
        assert_eq!(
            parse("{basic_auth: {username: u}, bearer_token: a}").unwrap_err(),
            "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured"
        );
        assert_eq!(
            parse("authorization: {type: basic}").unwrap_err(),
            r#"authorization type cannot be set to "basic", use "basic_auth" instead"#
        );
        assert_eq!(
            parse("oauth2: {client_secret: x, token_url: y}").unwrap_err(),
            "oauth2 client_id must be configured"
        );
        assert_eq!(
            parse("tls_config: {min_version: TLS14}").unwrap_err(),
            "unknown TLS version: TLS14"
        );
        assert_eq!(
            parse("proxy_connect_header: {X: [a]}").unwrap_err(),
            "if proxy_connect_header is configured proxy_url must also be configured"
        );
        assert!(parse("foo: 1").unwrap_err().contains("unknown field `foo`"));
    }
}
