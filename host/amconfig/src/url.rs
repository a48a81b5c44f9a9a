//! URLs and `host:port` addresses as Alertmanager validates them: [`Url`]
//! (Alertmanager's `config.URL`: http or https with a host), [`SecretUrl`]
//! (the same, rendered as `<secret>`) and [`HostPort`] (`smarthost`). The
//! parser follows Go's `net/url` closely enough for configuration values:
//! control characters, the scheme, the authority (userinfo, host, numeric
//! port), percent-escapes.

use crate::secret::SECRET_TOKEN;
use crate::yaml::invalid;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// An `http`/`https` URL with a host.
#[derive(Clone, PartialEq, Eq)]
pub struct Url {
    scheme: String,
    userinfo: Option<String>,
    host: String,
    path: String,
    query: Option<String>,
    fragment: Option<String>,
}

impl Url {
    /// Parses and validates as Alertmanager's `parseURL` does.
    pub fn parse(text: &str) -> Result<Url, String> {
        let u = parse_go_url(text).map_err(|e| format!("parse {text:?}: {e}"))?;
        if u.scheme != "http" && u.scheme != "https" {
            return Err(format!("unsupported scheme {:?} for URL", u.scheme));
        }
        if u.host.is_empty() {
            return Err("missing host for URL".into());
        }
        Ok(u)
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The host, with the port if one was given.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The path as written (still percent-encoded).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query without `?`.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// Appends `/` to the path unless it already ends with one (Alertmanager
    /// does this for the OpsGenie, VictorOps and WeChat API URLs).
    pub fn ensure_trailing_slash(&mut self) {
        if !self.path.ends_with('/') {
            self.path.push('/');
        }
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        if let Some(u) = &self.userinfo {
            write!(f, "{u}@")?;
        }
        f.write_str(&self.host)?;
        f.write_str(&self.path)?;
        if let Some(q) = &self.query {
            write!(f, "?{q}")?;
        }
        if let Some(fr) = &self.fragment {
            write!(f, "#{fr}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Url({self})")
    }
}

impl std::str::FromStr for Url {
    type Err = String;
    fn from_str(s: &str) -> Result<Url, String> {
        Url::parse(s)
    }
}

impl Serialize for Url {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Url {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Url::parse(&s).map_err(invalid)
    }
}

/// A URL that is a secret (Slack and Discord webhook URLs): `Debug`,
/// `Display` and `Serialize` print `<secret>`. The literal `<secret>` is
/// accepted on input, as Alertmanager does to re-read its own output.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(Option<Url>);

impl SecretUrl {
    /// Wraps a URL.
    pub fn new(url: Url) -> Self {
        SecretUrl(Some(url))
    }

    /// The URL; `None` when the configuration held the `<secret>` token.
    pub fn expose(&self) -> Option<&Url> {
        self.0.as_ref()
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SECRET_TOKEN)
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SECRET_TOKEN)
    }
}

impl Serialize for SecretUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Some(url) if crate::secret::revealing() => url.serialize(s),
            _ => s.serialize_str(SECRET_TOKEN),
        }
    }
}

impl<'de> Deserialize<'de> for SecretUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == SECRET_TOKEN {
            return Ok(SecretUrl(None));
        }
        // Alertmanager's message quotes the URL; a secret's text stays out.
        Url::parse(&s).map(|u| SecretUrl(Some(u))).map_err(|e| {
            invalid(if e.starts_with("parse ") {
                "parse <secret>: invalid URL".to_string()
            } else {
                e
            })
        })
    }
}

/// Any URL Go's `url.Parse` accepts (no scheme or host requirement), as
/// Prometheus's common `config.URL` takes it (`proxy_url`). Serialized with
/// a password replaced by `xxxxx`, as Prometheus does.
#[derive(Clone, PartialEq, Eq)]
pub struct AnyUrl(Url);

impl AnyUrl {
    /// Parses with Go's `url.Parse` rules.
    pub fn parse(text: &str) -> Result<AnyUrl, String> {
        parse_go_url(text)
            .map(AnyUrl)
            .map_err(|e| format!("parse {text:?}: {e}"))
    }

    /// The URL (its scheme and host may be empty).
    pub fn url(&self) -> &Url {
        &self.0
    }

    /// Whether it is the empty URL.
    pub fn is_empty(&self) -> bool {
        self.0.to_go_string().is_empty()
    }

    /// The URL with any password replaced by `xxxxx`.
    pub fn redacted(&self) -> String {
        let mut u = self.0.clone();
        if let Some(ui) = &u.userinfo
            && let Some((user, _)) = ui.split_once(':')
        {
            u.userinfo = Some(format!("{user}:xxxxx"));
        }
        u.to_go_string()
    }
}

impl fmt::Debug for AnyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AnyUrl({})", self.redacted())
    }
}

impl Serialize for AnyUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for AnyUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AnyUrl::parse(&s).map_err(invalid)
    }
}

impl Url {
    /// Go's `URL.String()` for URLs that may lack a scheme or host.
    fn to_go_string(&self) -> String {
        let mut out = String::new();
        if !self.scheme.is_empty() {
            out.push_str(&self.scheme);
            out.push(':');
        }
        if !self.host.is_empty() || self.userinfo.is_some() {
            out.push_str("//");
            if let Some(u) = &self.userinfo {
                out.push_str(u);
                out.push('@');
            }
            out.push_str(&self.host);
        }
        out.push_str(&self.path);
        if let Some(q) = &self.query {
            out.push('?');
            out.push_str(q);
        }
        if let Some(f) = &self.fragment {
            out.push('#');
            out.push_str(f);
        }
        out
    }
}

/// Go's `net/url.Parse`, reduced to what configuration values need.
fn parse_go_url(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let (rest, fragment) = match raw.split_once('#') {
        Some((r, f)) => (r, Some(f.to_string())),
        None => (raw, None),
    };
    if let Some(f) = &fragment {
        check_escapes(f)?;
    }
    // Scheme.
    let mut scheme = String::new();
    let mut rest = rest;
    for (i, c) in rest.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' => {
                if i == 0 {
                    return Err("missing protocol scheme".into());
                }
                scheme = rest[..i].to_ascii_lowercase();
                rest = &rest[i + 1..];
                break;
            }
            _ => break,
        }
    }
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q.to_string())),
        None => (rest, None),
    };
    let mut u = Url {
        scheme,
        userinfo: None,
        host: String::new(),
        path: String::new(),
        query,
        fragment,
    };
    if !rest.starts_with('/') && !u.scheme.is_empty() {
        // Opaque URL such as `mailto:x`: no host.
        u.path = rest.to_string();
        return Ok(u);
    }
    let mut rest = rest;
    if rest.starts_with("//") && (!u.scheme.is_empty() || !rest.starts_with("///")) {
        let auth_end = rest[2..].find('/').map_or(rest.len(), |i| i + 2);
        let authority = &rest[2..auth_end];
        rest = &rest[auth_end..];
        let (userinfo, host) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        if let Some(ui) = userinfo {
            if !ui.chars().all(|c| {
                c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c) || !c.is_ascii()
            }) {
                return Err("net/url: invalid userinfo".into());
            }
            check_escapes(ui)?;
            u.userinfo = Some(ui.to_string());
        }
        check_host(host)?;
        u.host = host.to_string();
    }
    check_escapes(rest)?;
    u.path = rest.to_string();
    Ok(u)
}

fn check_escapes(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let ok =
                i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit();
            if !ok {
                let end = (i + 3).min(b.len());
                return Err(format!(
                    "invalid URL escape {:?}",
                    String::from_utf8_lossy(&b[i..end])
                ));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(())
}

fn check_host(host: &str) -> Result<(), String> {
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']').ok_or("missing ']' in host")?;
        let port = &host[end + 1..];
        if !port.is_empty() && !port.starts_with(':') {
            return Err(format!("invalid port {port:?} after host"));
        }
        (&host[1..end], port)
    } else {
        match host.rfind(':') {
            Some(i) => (&host[..i], &host[i..]),
            None => (host, ""),
        }
    };
    if let Some(p) = port.strip_prefix(':')
        && !p.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("invalid port {port:?} after host"));
    }
    check_escapes(name)?;
    if !host.starts_with('[') {
        for c in name.chars() {
            let ok =
                !c.is_ascii() || c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:[]<>\"%".contains(c);
            if !ok {
                return Err(format!(
                    "invalid character {:?} in host name",
                    c.to_string()
                ));
            }
        }
    }
    Ok(())
}

/// A `host:port` address (`smtp_smarthost`, `smarthost`). Empty means unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPort {
    /// The host (without brackets for IPv6).
    pub host: String,
    /// The port (never empty when the host is set).
    pub port: String,
}

impl HostPort {
    /// Parses as Alertmanager does (Go's `net.SplitHostPort`, then a
    /// non-empty port). The empty string is the unset address.
    pub fn parse(s: &str) -> Result<HostPort, String> {
        if s.is_empty() {
            return Ok(HostPort::default());
        }
        let (host, port) = split_host_port(s).map_err(|why| format!("address {s}: {why}"))?;
        if port.is_empty() {
            return Err(format!("address {s:?}: port cannot be empty"));
        }
        Ok(HostPort { host, port })
    }

    /// Whether it is unset.
    pub fn is_empty(&self) -> bool {
        self.host.is_empty() && self.port.is_empty()
    }
}

fn split_host_port(hp: &str) -> Result<(String, String), &'static str> {
    const MISSING: &str = "missing port in address";
    let i = hp.rfind(':').ok_or(MISSING)?;
    let (host, j, k);
    if hp.starts_with('[') {
        let end = hp.find(']').ok_or("missing ']' in address")?;
        if end + 1 == hp.len() {
            return Err(MISSING);
        } else if end + 1 != i {
            return Err(if hp.as_bytes()[end + 1] == b':' {
                "too many colons in address"
            } else {
                MISSING
            });
        }
        host = &hp[1..end];
        j = 1;
        k = end + 1;
    } else {
        host = &hp[..i];
        if host.contains(':') {
            return Err("too many colons in address");
        }
        j = 0;
        k = 0;
    }
    if hp[j..].contains('[') {
        return Err("unexpected '[' in address");
    }
    if hp[k..].contains(']') {
        return Err("unexpected ']' in address");
    }
    Ok((host.to_string(), hp[i + 1..].to_string()))
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return Ok(());
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl Serialize for HostPort {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HostPort {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        HostPort::parse(&s).map_err(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("https://api.opsgenie.com/v2?x=1#f").unwrap();
        assert_eq!(
            (u.scheme(), u.host(), u.path(), u.query()),
            ("https", "api.opsgenie.com", "/v2", Some("x=1"))
        );
        assert_eq!(u.to_string(), "https://api.opsgenie.com/v2?x=1#f");
        let mut u = Url::parse("HTTP://user:pw@host:8080").unwrap();
        assert_eq!(u.scheme(), "http");
        u.ensure_trailing_slash();
        assert_eq!(u.to_string(), "http://user:pw@host:8080/");
        assert_eq!(
            Url::parse("ftp://x").unwrap_err(),
            r#"unsupported scheme "ftp" for URL"#
        );
        assert_eq!(
            Url::parse("x").unwrap_err(),
            r#"unsupported scheme "" for URL"#
        );
        assert_eq!(Url::parse("http:x").unwrap_err(), "missing host for URL");
        assert_eq!(Url::parse("http://").unwrap_err(), "missing host for URL");
        assert_eq!(
            Url::parse("://x").unwrap_err(),
            r#"parse "://x": missing protocol scheme"#
        );
        assert_eq!(
            Url::parse("http://a:b").unwrap_err(),
            r#"parse "http://a:b": invalid port ":b" after host"#
        );
        assert_eq!(
            Url::parse("http://a b").unwrap_err(),
            r#"parse "http://a b": invalid character " " in host name"#
        );
        assert_eq!(
            Url::parse("http://a/%zz").unwrap_err(),
            r#"parse "http://a/%zz": invalid URL escape "%zz""#
        );
        assert!(Url::parse("http://[::1]:9093/x").is_ok());
    }

    #[test]
    fn host_ports() {
        assert_eq!(
            HostPort::parse("smtp.example.org:587").unwrap().to_string(),
            "smtp.example.org:587"
        );
        assert_eq!(HostPort::parse("[::1]:25").unwrap().host, "::1");
        assert!(HostPort::parse("").unwrap().is_empty());
        assert_eq!(
            HostPort::parse("localhost").unwrap_err(),
            "address localhost: missing port in address"
        );
        assert_eq!(
            HostPort::parse("a:").unwrap_err(),
            r#"address "a:": port cannot be empty"#
        );
        assert_eq!(
            HostPort::parse("a:b:c").unwrap_err(),
            "address a:b:c: too many colons in address"
        );
    }
}
