//! The `[plugin.config]` table and the checked [`Settings`] built from it:
//! the request to send, the timeout, and what makes a response a success.
//! Anything that can never work is rejected here, so a probe failure at
//! collection time is always about the target, never about the config.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The plugin's settings; every key is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `method = "GET"`.
    pub method: String,
    /// `path = "/health"`: used when a target is `host:port`.
    pub path: String,
    /// `scheme = "http"` (or `"https"`): used when a target is `host:port`.
    pub scheme: String,
    /// `headers = { "x-probe" = "watchpost" }`.
    pub headers: BTreeMap<String, String>,
    /// `body = "{\"ping\": true}"`: the request body.
    pub body: String,
    /// `timeout = "5s"` (`ms`, `s` or `m`).
    pub timeout: String,
    /// `valid_status_codes = [200, 204]`; empty means any 2xx.
    pub valid_status_codes: Vec<u16>,
    /// `fail_if_body_matches = ["maintenance"]`: plain substrings.
    pub fail_if_body_matches: Vec<String>,
    /// `fail_if_body_not_matches = ["\"status\":\"ok\""]`: plain substrings.
    pub fail_if_body_not_matches: Vec<String>,
    /// `max_body = 1048576`: the largest accepted response body, in bytes.
    pub max_body: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            method: "GET".into(),
            path: "/".into(),
            scheme: "http".into(),
            headers: BTreeMap::new(),
            body: String::new(),
            timeout: "5s".into(),
            valid_status_codes: Vec::new(),
            fail_if_body_matches: Vec::new(),
            fail_if_body_not_matches: Vec::new(),
            max_body: 1 << 20,
        }
    }
}

/// Checked settings, ready to probe with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Upper-cased method.
    pub method: String,
    pub path: String,
    pub scheme: String,
    /// Request headers in config order (names as written).
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub timeout: Duration,
    /// Empty means any 2xx.
    pub valid_status_codes: Vec<u16>,
    pub fail_if_body_matches: Vec<String>,
    pub fail_if_body_not_matches: Vec<String>,
    pub max_body: usize,
}

impl Settings {
    /// Validates `config`.
    pub fn from_config(config: Config) -> Result<Self, String> {
        if config.method.is_empty() || !config.method.bytes().all(is_token_byte) {
            return Err(format!("method {:?} is not an HTTP method", config.method));
        }
        if config.scheme != "http" && config.scheme != "https" {
            return Err(format!(
                "scheme must be http or https, not {:?}",
                config.scheme
            ));
        }
        if !config.path.starts_with('/') {
            return Err(format!("path must start with '/', got {:?}", config.path));
        }
        for (name, value) in &config.headers {
            if name.is_empty() || !name.bytes().all(is_token_byte) {
                return Err(format!("header name {name:?} is not valid"));
            }
            if FORBIDDEN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                return Err(format!(
                    "header {name:?} cannot be set by a plugin (wasi:http forbids it)"
                ));
            }
            if value.contains(['\r', '\n']) {
                return Err(format!("header {name:?} has a line break in its value"));
            }
        }
        let timeout = parse_duration(&config.timeout).map_err(|e| format!("timeout: {e}"))?;
        if timeout.is_zero() {
            return Err("timeout must be longer than 0".into());
        }
        if let Some(code) = config
            .valid_status_codes
            .iter()
            .find(|c| !(100..=599).contains(*c))
        {
            return Err(format!("valid_status_codes: {code} is not an HTTP status"));
        }
        for (key, list) in [
            ("fail_if_body_matches", &config.fail_if_body_matches),
            ("fail_if_body_not_matches", &config.fail_if_body_not_matches),
        ] {
            if list.iter().any(String::is_empty) {
                return Err(format!("{key}: an empty string matches every body"));
            }
        }
        if config.max_body == 0 {
            return Err("max_body must be at least 1 byte".into());
        }
        Ok(Settings {
            method: config.method.to_ascii_uppercase(),
            path: config.path,
            scheme: config.scheme,
            headers: config.headers.into_iter().collect(),
            body: config.body,
            timeout,
            valid_status_codes: config.valid_status_codes,
            fail_if_body_matches: config.fail_if_body_matches,
            fail_if_body_not_matches: config.fail_if_body_not_matches,
            max_body: config.max_body,
        })
    }

    /// The URL to probe for a target: the target itself when it is an
    /// `http://` or `https://` URL, else `<scheme>://<target><path>`.
    pub fn url(&self, address: &str) -> Result<String, String> {
        match address.split_once("://") {
            Some(("http" | "https", rest)) if !rest.is_empty() && !rest.starts_with('/') => {
                Ok(address.to_string())
            }
            Some(_) => Err(format!(
                "target {address:?} is not an http:// or https:// URL"
            )),
            None if address.is_empty() || address.contains('/') => {
                Err(format!("target {address:?} is neither a URL nor host:port"))
            }
            None => Ok(format!("{}://{}{}", self.scheme, address, self.path)),
        }
    }
}

/// Request headers `wasi:http` refuses from a guest (wasmtime's
/// `DEFAULT_FORBIDDEN_HEADERS`): the host owns the connection, so a request
/// with one of them could never be sent.
const FORBIDDEN_HEADERS: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
    "http2-settings",
];

/// RFC 9110 `tchar`: what a method or header name may contain.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Parses one whole number with a unit: `500ms`, `5s`, `1m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("invalid duration {text:?} (expected e.g. \"5s\", \"500ms\", \"1m\")");
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (amount, unit) = text.split_at(digits);
    let amount: u64 = amount.parse().map_err(|_| invalid())?;
    let ms_per = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        _ => return Err(invalid()),
    };
    Ok(Duration::from_millis(
        amount.checked_mul(ms_per).ok_or_else(invalid)?,
    ))
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
        assert_eq!(s.method, "GET");
        assert_eq!(s.timeout, Duration::from_secs(5));
        assert_eq!(s.max_body, 1024 * 1024);
        assert!(s.valid_status_codes.is_empty());
        assert!(s.headers.is_empty() && s.body.is_empty());
        assert_eq!(s.url("127.0.0.1:5000").unwrap(), "http://127.0.0.1:5000/");
    }

    #[test]
    fn urls() {
        let s = settings(serde_json::json!({"scheme": "https", "path": "/health?deep=1"})).unwrap();
        assert_eq!(
            s.url("mail.example.com:8443").unwrap(),
            "https://mail.example.com:8443/health?deep=1"
        );
        // A URL target is used as written: scheme and path come from it.
        assert_eq!(
            s.url("http://127.0.0.1:5000/health").unwrap(),
            "http://127.0.0.1:5000/health"
        );
        for bad in ["", "ftp://host/x", "http://", "http:///x", "host:1/x"] {
            assert!(s.url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
        for bad in ["", "5", "s", "1.5s", "5 s", " 5s", "-1s", "1h", "1m30s"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        assert!(parse_duration("99999999999999999999s").is_err());
        assert!(parse_duration("18446744073709551615m").is_err());
    }

    #[test]
    fn method_is_upper_cased() {
        let s = settings(serde_json::json!({"method": "post"})).unwrap();
        assert_eq!(s.method, "POST");
    }

    #[test]
    fn invalid_settings() {
        let cases = [
            (serde_json::json!({"method": ""}), "method"),
            (serde_json::json!({"method": "GE T"}), "method"),
            (serde_json::json!({"scheme": "ftp"}), "scheme"),
            (serde_json::json!({"path": "health"}), "path"),
            (serde_json::json!({"headers": {"bad name": "x"}}), "header"),
            (
                serde_json::json!({"headers": {"x": "a\r\nb"}}),
                "line break",
            ),
            (serde_json::json!({"timeout": "soon"}), "timeout"),
            (serde_json::json!({"timeout": "0ms"}), "timeout"),
            (serde_json::json!({"valid_status_codes": [200, 99]}), "99"),
            (serde_json::json!({"fail_if_body_matches": [""]}), "empty"),
            (
                serde_json::json!({"fail_if_body_not_matches": [""]}),
                "empty",
            ),
            (serde_json::json!({"max_body": 0}), "max_body"),
            (serde_json::json!({"tiemout": "1s"}), "unknown field"),
            (
                serde_json::json!({"valid_status_codes": [-1]}),
                "invalid value",
            ),
        ];
        for (json, needle) in cases {
            let err = settings(json.clone()).unwrap_err();
            assert!(err.contains(needle), "{json}: {err}");
        }
    }
}
