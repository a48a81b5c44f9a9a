//! Outbound HTTP for plugins. Inside Wasm it goes through `wasi:http`, so the
//! host enforces the plugin's `network` capability and provides TLS; a request
//! to a destination the manifest does not grant fails with
//! [`HttpError::Denied`]. Natively (unit tests) it uses a plain HTTP client.
//!
//! ```no_run
//! let resp = watchpost_sdk::http::Request::get("http://127.0.0.1:9100/metrics")
//!     .timeout(std::time::Duration::from_secs(5))
//!     .send()?;
//! assert_eq!(resp.status, 200);
//! # Ok::<(), watchpost_sdk::http::HttpError>(())
//! ```

use std::fmt;
use std::time::Duration;

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// The host refused the destination: it is not in the plugin's `network`
    /// capability.
    Denied(String),
    /// The URL could not be understood.
    InvalidUrl(String),
    /// The response body was larger than the request's limit.
    BodyTooLarge(usize),
    /// Connection, TLS, timeout or protocol failure.
    Transport(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Denied(d) => write!(f, "request denied by the host: {d} is not granted"),
            HttpError::InvalidUrl(u) => write!(f, "invalid url: {u}"),
            HttpError::BodyTooLarge(n) => write!(f, "response body exceeds {n} bytes"),
            HttpError::Transport(e) => write!(f, "http request failed: {e}"),
        }
    }
}

impl std::error::Error for HttpError {}

/// A response, fully read.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
    /// The body as UTF-8 text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// An outbound request.
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) timeout: Duration,
    pub(crate) max_body: usize,
}

impl Request {
    /// A request with `method` (e.g. `"POST"`) to `url`.
    pub fn new(method: &str, url: &str) -> Self {
        Request {
            method: method.to_string(),
            url: url.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout: Duration::from_secs(10),
            max_body: 16 << 20,
        }
    }
    /// A GET request.
    pub fn get(url: &str) -> Self {
        Self::new("GET", url)
    }
    /// A POST request with a body.
    pub fn post(url: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self::new("POST", url)
            .header("content-type", content_type)
            .body(body)
    }
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
    /// Sets the connect and between-bytes timeout (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Limits the response body (default 16 MiB).
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }
    /// Sends the request and reads the whole response.
    pub fn send(self) -> Result<Response, HttpError> {
        #[cfg(target_family = "wasm")]
        return crate::http_wasi::send(self);
        #[cfg(not(target_family = "wasm"))]
        crate::http_native::send(self)
    }
}

/// The parts of a URL the client needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlParts<'a> {
    pub scheme: &'a str,
    pub authority: &'a str,
    pub path_and_query: String,
}

pub(crate) fn split_url(url: &str) -> Result<UrlParts<'_>, HttpError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| HttpError::InvalidUrl(url.to_string()))?;
    if scheme != "http" && scheme != "https" {
        return Err(HttpError::InvalidUrl(format!(
            "unsupported scheme in {url}"
        )));
    }
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(HttpError::InvalidUrl(url.to_string()));
    }
    Ok(UrlParts {
        scheme,
        authority,
        path_and_query: if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        let p = split_url("http://127.0.0.1:9100/metrics?x=1").unwrap();
        assert_eq!(p.scheme, "http");
        assert_eq!(p.authority, "127.0.0.1:9100");
        assert_eq!(p.path_and_query, "/metrics?x=1");
        assert_eq!(split_url("https://h").unwrap().path_and_query, "/");
        assert!(split_url("ftp://h/x").is_err());
        assert!(split_url("nohost").is_err());
    }
}
