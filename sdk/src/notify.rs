//! What Watchpost's notifier plugins share: merging settings (the
//! plugin's config under the notification's integration settings),
//! Alertmanager's `http_config` credentials, sending a request and sorting
//! its failures into retryable and permanent ones, and Alertmanager's
//! default texts (`__subject`, `__text_alert_list`, …) for settings a
//! notification does not bring.

use crate::http::{HttpError, Request, Response};
use crate::{AlertStatus, Error, Label, Notification};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Sent as `User-Agent`, as Alertmanager sends `Alertmanager/<version>`.
pub const USER_AGENT: &str = concat!("Watchpost/", env!("CARGO_PKG_VERSION"));

/// The settings for one notification: the plugin's `[plugin.config]` with
/// the notification's integration settings (its Alertmanager `*_configs`
/// entry, as JSON) laid over it key by key. A `null` keeps the config's.
pub fn settings<T: DeserializeOwned>(
    config: &Map<String, Value>,
    integration: &str,
) -> Result<T, Error> {
    let mut merged = config.clone();
    let integration = integration.trim();
    if !integration.is_empty() {
        match serde_json::from_str(integration) {
            Ok(Value::Object(map)) => {
                merged.extend(map.into_iter().filter(|(_, v)| !v.is_null()));
            }
            Ok(_) => return Err(Error::new("integration settings are not a JSON object")),
            Err(e) => return Err(Error::new(format!("integration settings: {e}"))),
        }
    }
    serde_json::from_value(Value::Object(merged))
        .map_err(|e| Error::new(format!("invalid settings: {e}")))
}

/// The `host:port` part of an `http(s)://` URL, without credentials: what
/// error messages name instead of the URL, which may hold a secret.
pub fn destination(url: &str) -> Result<&str, Error> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| Error::new("the URL must start with http:// or https://"))?;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host = authority.rsplit('@').next().unwrap_or(authority);
    if host.is_empty() {
        return Err(Error::new("the URL has no host"));
    }
    Ok(host)
}

/// The parts of Alertmanager's `http_config` a plugin applies itself (TLS
/// and proxies are the host's; other keys are ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HttpConfig {
    /// `basic_auth: {username, password}`.
    pub basic_auth: Option<BasicAuth>,
    /// `authorization: {type, credentials}` (type `Bearer` by default).
    pub authorization: Option<Authorization>,
    /// Legacy `bearer_token`.
    pub bearer_token: Option<String>,
    /// `oauth2`: not supported, refused rather than silently ignored.
    pub oauth2: Option<Value>,
}

/// `basic_auth`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BasicAuth {
    /// User.
    pub username: String,
    /// Password.
    pub password: String,
}

/// `authorization`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Authorization {
    /// Scheme, `Bearer` when empty.
    #[serde(rename = "type")]
    pub kind: String,
    /// Token.
    pub credentials: String,
}

impl HttpConfig {
    /// The `Authorization` header it asks for, if any.
    pub fn authorization(&self) -> Result<Option<String>, Error> {
        if self.oauth2.as_ref().is_some_and(|o| !o.is_null()) {
            return Err(Error::new("http_config.oauth2 is not supported"));
        }
        if let Some(b) = &self.basic_auth {
            let pair = format!("{}:{}", b.username, b.password);
            return Ok(Some(format!("Basic {}", base64(pair.as_bytes()))));
        }
        if let Some(a) = self
            .authorization
            .as_ref()
            .filter(|a| !a.credentials.is_empty())
        {
            let kind = if a.kind.trim().is_empty() {
                "Bearer"
            } else {
                a.kind.trim()
            };
            return Ok(Some(format!("{kind} {}", a.credentials)));
        }
        Ok(self
            .bearer_token
            .as_ref()
            .filter(|t| !t.is_empty())
            .map(|t| format!("Bearer {t}")))
    }

    /// `request` with the credentials added.
    pub fn apply(&self, request: Request) -> Result<Request, Error> {
        Ok(match self.authorization()? {
            Some(value) => request.header("authorization", &value),
            None => request,
        })
    }
}

/// Standard base64 with padding (RFC 4648), for `basic_auth`.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
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

/// Default request timeout of the stock notifiers, in seconds.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 10;

/// A JSON `POST` of `body` to `url` as every stock notifier makes it:
/// `timeout_seconds` (default [`DEFAULT_TIMEOUT_SECONDS`]), answers up to
/// 64 KiB, and the credentials of `http`.
pub fn json_post(
    url: &str,
    body: Vec<u8>,
    timeout_seconds: Option<u64>,
    http: &HttpConfig,
) -> Result<Request, Error> {
    let request = Request::post(url, "application/json", body)
        .timeout(std::time::Duration::from_secs(
            timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS),
        ))
        .max_body(64 * 1024);
    http.apply(request)
}

/// [`send_retrying`] with only 429, 5xx and transport failures retryable.
pub fn send(request: Request, to: &str) -> Result<Response, Error> {
    send_retrying(request, to, &[])
}

/// Sends `request` to `to` (its `host:port`) and sorts the outcome the way
/// the host retries: a 2xx answer is returned; 429, 5xx and transport
/// failures may succeed later (retryable); anything else will not.
/// `also` lists further statuses that may succeed later.
pub fn send_retrying(request: Request, to: &str, also: &[u16]) -> Result<Response, Error> {
    let response = request
        .header("user-agent", USER_AGENT)
        .send()
        .map_err(|e| match e {
            HttpError::Transport(why) => Error::retryable(format!("{to}: {why}")),
            HttpError::Denied(_) => Error::new(format!(
                "{to} is not granted: add it to the plugin's network capability"
            )),
            // The URL itself is not repeated: it may hold a secret.
            HttpError::InvalidUrl(_) => Error::new(format!("{to}: invalid URL")),
            HttpError::BodyTooLarge(n) => Error::new(format!("{to}: answer exceeds {n} bytes")),
        })?;
    let status = response.status;
    if (200..300).contains(&status) {
        return Ok(response);
    }
    let message = format!(
        "{to} answered HTTP status {status}: {}",
        excerpt(&response.text())
    );
    if status == 429 || (500..600).contains(&status) || also.contains(&status) {
        Err(Error::retryable(message))
    } else {
        Err(Error::new(message))
    }
}

/// The start of a response body, for error messages.
pub fn excerpt(body: &str) -> String {
    let body = body.trim();
    match body.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &body[..cut]),
        None => body.to_string(),
    }
}

/// Alertmanager's `TruncateInRunes`: at most `max` characters, the last one
/// `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some(_) if max <= 3 => text.chars().take(max).collect(),
        Some(_) => text.chars().take(max - 1).chain(['…']).collect(),
    }
}

fn sorted(labels: &[Label]) -> Vec<&Label> {
    let mut out: Vec<&Label> = labels.iter().collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn values(labels: &[&Label]) -> String {
    labels
        .iter()
        .map(|l| l.value.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Alertmanager's `__alertmanager`, the default client or user name.
pub const ALERTMANAGER: &str = "Alertmanager";

/// Alertmanager's `__subject`: `[FIRING:2] DiskFull (a:9100 page)`.
pub fn subject(n: &Notification) -> String {
    let mut out = match n.status {
        AlertStatus::Firing => {
            let firing = n
                .alerts
                .iter()
                .filter(|a| a.status == AlertStatus::Firing)
                .count();
            format!("[FIRING:{firing}] ")
        }
        AlertStatus::Resolved => "[RESOLVED] ".to_string(),
    };
    out.push_str(&values(&sorted(&n.group_labels)));
    out.push(' ');
    if n.common_labels.len() > n.group_labels.len() {
        let rest: Vec<&Label> = sorted(&n.common_labels)
            .into_iter()
            .filter(|l| !n.group_labels.iter().any(|g| g.name == l.name))
            .collect();
        out.push_str(&format!("({})", values(&rest)));
    }
    out
}

/// Alertmanager's `__text_alert_list` over the alerts with `status`.
pub fn alert_list(n: &Notification, status: AlertStatus) -> String {
    alert_list_escaped(n, status, str::to_string)
}

/// [`alert_list`] with every value passed through `escape` (e.g.
/// [`html_escape`] for HTML parse modes).
pub fn alert_list_escaped(
    n: &Notification,
    status: AlertStatus,
    escape: fn(&str) -> String,
) -> String {
    let mut out = String::new();
    for alert in n.alerts.iter().filter(|a| a.status == status) {
        out.push_str("Labels:\n");
        for l in sorted(&alert.labels) {
            out.push_str(&format!(" - {} = {}\n", escape(&l.name), escape(&l.value)));
        }
        out.push_str("Annotations:\n");
        for l in sorted(&alert.annotations) {
            out.push_str(&format!(" - {} = {}\n", escape(&l.name), escape(&l.value)));
        }
        out.push_str(&format!("Source: {}\n", escape(&alert.generator_url)));
    }
    out
}

/// Alertmanager's `__text_alert_list_markdown` over the alerts with
/// `status`.
pub fn alert_list_markdown(n: &Notification, status: AlertStatus) -> String {
    let mut out = String::new();
    for alert in n.alerts.iter().filter(|a| a.status == status) {
        out.push_str("\nLabels:\n");
        for l in sorted(&alert.labels) {
            out.push_str(&format!("  - {} = {}\n", l.name, l.value));
        }
        out.push_str("\nAnnotations:\n");
        for l in sorted(&alert.annotations) {
            out.push_str(&format!("  - {} = {}\n", l.name, l.value));
        }
        out.push_str(&format!("\nSource: {}\n", alert.generator_url));
    }
    out.push('\n');
    out
}

/// Go's `html/template` escaping of a value in text, which Alertmanager
/// applies to template data in HTML messages.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '+' => out.push_str("&#43;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The values of `labels`, sorted by name, joined by spaces.
pub fn joined_values(labels: &[Label]) -> String {
    values(&sorted(labels))
}

/// Alertmanager's `__alertmanagerURL`: the alert list of the receiver.
pub fn alertmanager_url(n: &Notification) -> String {
    format!(
        "{}/#/alerts?receiver={}",
        n.external_url,
        query_escape(&n.receiver)
    )
}

/// Go's `url.QueryEscape` (the templates' `urlquery`).
pub fn query_escape(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub use crate::logtime::civil_from_days;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_follow_alertmanager() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abcd", 4), "abcd");
        assert_eq!(truncate("abcdef", 3), "abc");
        assert_eq!(
            destination("https://u:p@hooks.slack.com/services/x").unwrap(),
            "hooks.slack.com"
        );
        assert_eq!(
            destination("http://127.0.0.1:80?x").unwrap(),
            "127.0.0.1:80"
        );
        assert!(destination("hooks.slack.com/x").is_err());
        let auth = |json: Value| {
            serde_json::from_value::<HttpConfig>(json)
                .unwrap()
                .authorization()
                .unwrap()
        };
        assert_eq!(
            auth(serde_json::json!({"basic_auth": {"username": "am", "password": "s3cret"}}))
                .as_deref(),
            Some("Basic YW06czNjcmV0")
        );
        assert_eq!(
            auth(serde_json::json!({"authorization": {"credentials": "t"}})).as_deref(),
            Some("Bearer t")
        );
        assert_eq!(
            auth(serde_json::json!({"bearer_token": "t"})).as_deref(),
            Some("Bearer t")
        );
        assert_eq!(auth(serde_json::json!({"follow_redirects": true})), None);
    }

    #[test]
    fn default_texts_follow_alertmanager() {
        use crate::{Alert, labels};
        let alert = |status, instance: &str| Alert {
            status,
            labels: labels([
                ("alertname", "DiskFull"),
                ("instance", instance),
                ("severity", "page"),
            ]),
            annotations: labels([("summary", "full")]),
            starts_at_ms: 0,
            ends_at_ms: None,
            generator_url: "http://w/graph".into(),
            fingerprint: String::new(),
        };
        let n = Notification {
            receiver: "team ops".into(),
            status: AlertStatus::Firing,
            group_key: "{}:{alertname=\"DiskFull\"}".into(),
            group_labels: labels([("alertname", "DiskFull")]),
            common_labels: labels([("alertname", "DiskFull"), ("severity", "page")]),
            common_annotations: vec![],
            external_url: "http://w".into(),
            alerts: vec![
                alert(AlertStatus::Firing, "a"),
                alert(AlertStatus::Firing, "b"),
                alert(AlertStatus::Resolved, "c"),
            ],
            attempt: 0,
            integration: "{}".into(),
            truncated_alerts: 0,
        };
        assert_eq!(subject(&n), "[FIRING:2] DiskFull (page)");
        assert_eq!(alertmanager_url(&n), "http://w/#/alerts?receiver=team+ops");
        assert_eq!(
            alert_list(&n, AlertStatus::Resolved),
            "Labels:\n - alertname = DiskFull\n - instance = c\n - severity = page\nAnnotations:\n - summary = full\nSource: http://w/graph\n"
        );
        assert_eq!(html_escape("<a&'b'>"), "&lt;a&amp;&#39;b&#39;&gt;");
        assert_eq!(base64(b"ab"), "YWI=");
    }
}
