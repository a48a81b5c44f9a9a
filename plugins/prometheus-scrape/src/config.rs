//! The `[plugin.config]` table and what is derived from it: the scrape URL,
//! the `Authorization` header and the timeout.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The plugin's settings; every key is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `scheme = "http"` (or `"https"`).
    pub scheme: String,
    /// `path = "/metrics"`.
    pub path: String,
    /// `params = { module = ["http_2xx"], target = "example.com" }`: query
    /// parameters; a value may be one string or a list.
    pub params: BTreeMap<String, OneOrMany>,
    /// `basic_auth = { username = "u", password = "p" }`.
    pub basic_auth: Option<BasicAuth>,
    /// `bearer_token = "..."`.
    pub bearer_token: Option<String>,
    /// `timeout = "10s"`.
    pub timeout: String,
    /// `body_size_limit = 16777216`: the largest accepted body, in bytes.
    pub body_size_limit: usize,
    /// `honor_timestamps = true`: keep the timestamps the target exposes.
    pub honor_timestamps: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            scheme: "http".into(),
            path: "/metrics".into(),
            params: BTreeMap::new(),
            basic_auth: None,
            bearer_token: None,
            timeout: "10s".into(),
            body_size_limit: 16 << 20,
            honor_timestamps: true,
        }
    }
}

/// `username` and `password` for HTTP basic authentication.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub username: String,
    #[serde(default)]
    pub password: String,
}

/// A query parameter value: `"x"` or `["x", "y"]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Checked settings, ready to scrape with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub scheme: String,
    pub path: String,
    /// Encoded query string without `?`, empty when there are no params.
    pub query: String,
    pub authorization: Option<String>,
    pub timeout: Duration,
    pub body_size_limit: usize,
    pub honor_timestamps: bool,
}

impl Settings {
    /// Validates `config`.
    pub fn from_config(config: Config) -> Result<Self, String> {
        if config.scheme != "http" && config.scheme != "https" {
            return Err(format!(
                "scheme must be http or https, not {:?}",
                config.scheme
            ));
        }
        if !config.path.starts_with('/') {
            return Err(format!("path must start with '/', got {:?}", config.path));
        }
        let authorization = match (&config.basic_auth, &config.bearer_token) {
            (Some(_), Some(_)) => return Err("set basic_auth or bearer_token, not both".into()),
            (Some(b), None) => Some(format!(
                "Basic {}",
                base64(format!("{}:{}", b.username, b.password).as_bytes())
            )),
            (None, Some(token)) => Some(format!("Bearer {token}")),
            (None, None) => None,
        };
        let timeout = parse_duration(&config.timeout).map_err(|e| format!("timeout: {e}"))?;
        let mut pairs = Vec::new();
        for (name, values) in &config.params {
            let values = match values {
                OneOrMany::One(v) => std::slice::from_ref(v),
                OneOrMany::Many(vs) => vs.as_slice(),
            };
            for v in values {
                pairs.push(format!("{}={}", encode(name), encode(v)));
            }
        }
        Ok(Settings {
            scheme: config.scheme,
            path: config.path,
            query: pairs.join("&"),
            authorization,
            timeout,
            body_size_limit: config.body_size_limit,
            honor_timestamps: config.honor_timestamps,
        })
    }

    /// `<scheme>://<address><path>[?<params>]`.
    pub fn url(&self, address: &str) -> String {
        let mut url = format!("{}://{}{}", self.scheme, address, self.path);
        if !self.query.is_empty() {
            url.push(if self.path.contains('?') { '&' } else { '?' });
            url.push_str(&self.query);
        }
        url
    }
}

/// Parses Prometheus-style durations: `500ms`, `10s`, `1m30s`, `2h`, `1d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid =
        || format!("invalid duration {text:?} (expected e.g. \"10s\", \"1m30s\", \"500ms\")");
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total = Duration::ZERO;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let amount: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let ms_per = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            _ => return Err(invalid()),
        };
        total += Duration::from_millis(amount.checked_mul(ms_per).ok_or_else(invalid)?);
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648), for basic auth.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(json: serde_json::Value) -> Result<Settings, String> {
        Settings::from_config(serde_json::from_value(json).map_err(|e| e.to_string())?)
    }

    #[test]
    fn defaults() {
        let s = settings(serde_json::json!({})).unwrap();
        assert_eq!(s.url("127.0.0.1:9100"), "http://127.0.0.1:9100/metrics");
        assert_eq!(s.timeout, Duration::from_secs(10));
        assert_eq!(s.body_size_limit, 16 * 1024 * 1024);
        assert!(s.honor_timestamps);
        assert!(s.authorization.is_none());
    }

    #[test]
    fn url_with_params() {
        let s = settings(serde_json::json!({
            "scheme": "https",
            "path": "/probe",
            "params": {"module": ["http_2xx", "tcp"], "target": "a b&c"},
        }))
        .unwrap();
        assert_eq!(
            s.url("blackbox:9115"),
            "https://blackbox:9115/probe?module=http_2xx&module=tcp&target=a%20b%26c"
        );
    }

    #[test]
    fn authorization_headers() {
        let basic = settings(
            serde_json::json!({"basic_auth": {"username": "Aladdin", "password": "open sesame"}}),
        );
        assert_eq!(
            basic.unwrap().authorization.unwrap(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        let bearer = settings(serde_json::json!({"bearer_token": "t0k"}));
        assert_eq!(bearer.unwrap().authorization.unwrap(), "Bearer t0k");
        let both =
            settings(serde_json::json!({"bearer_token": "t", "basic_auth": {"username": "u"}}));
        assert!(both.unwrap_err().contains("not both"));
    }

    #[test]
    fn base64_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        for bad in ["", "10", "s", "1.5s", "10 s", "-1s", "3y"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn invalid_settings() {
        assert!(
            settings(serde_json::json!({"scheme": "ftp"}))
                .unwrap_err()
                .contains("scheme")
        );
        assert!(
            settings(serde_json::json!({"path": "metrics"}))
                .unwrap_err()
                .contains("path")
        );
        assert!(
            settings(serde_json::json!({"timeout": "soon"}))
                .unwrap_err()
                .contains("timeout")
        );
        assert!(settings(serde_json::json!({"tiemout": "1s"})).is_err());
    }
}
