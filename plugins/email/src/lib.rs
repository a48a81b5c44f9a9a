//! Watchpost's stock `email` notifier: serves the `email_configs` of an
//! Alertmanager configuration. It speaks SMTP to the `smarthost` itself,
//! through `wasi:sockets` (the host grants it that `host:port` only), the
//! way Alertmanager 0.25's `notify/email` does with Go's `net/smtp`:
//! implicit TLS on port 465, `EHLO`, `STARTTLS` when `require_tls`, `AUTH`
//! with the first mechanism the server lists that the settings allow
//! (CRAM-MD5 with `auth_secret`, PLAIN or LOGIN with `auth_password`),
//! `MAIL FROM`, one `RCPT TO` per address of `to`, `DATA` with a
//! `multipart/alternative` message (see [`message`]), `QUIT`.
//!
//! TLS is rustls with the pure-Rust RustCrypto provider (see [`tls`]).
//!
//! The host applies `send_resolved`, retries and backoff, the `global.smtp_*`
//! defaults, reads `*_file`s and expands every template (`html`, `text`,
//! each header) before the settings reach the plugin. Failures are sorted
//! for its retries: connection and TLS failures, timeouts and 4xx replies
//! may pass later; 5xx replies and problems of the settings will not.

pub mod message;
pub mod smtp;
pub mod tls;

use serde::Deserialize;
use serde_json::{Map, Value};
use smtp::{Auth, Client, SmtpError};
use std::collections::BTreeMap;
use std::time::Duration;
use tls::TlsSettings;
use watchpost_sdk::notify;
use watchpost_sdk::{AlertStatus, Error, Notification, Notifier};

/// One `email_configs` entry (Alertmanager's keys), from the notification
/// laid over the plugin's `[plugin.config]`.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Recipients: an RFC 5322 address list (`a@x, Ops <b@y>`).
    pub to: Option<String>,
    /// The sender: exactly one address.
    pub from: Option<String>,
    /// The name sent with `EHLO` (`localhost` by default, as Alertmanager).
    pub hello: Option<String>,
    /// `host:port` of the SMTP server.
    pub smarthost: Option<String>,
    /// User for `AUTH`; without it no authentication is attempted.
    pub auth_username: Option<String>,
    /// Password for PLAIN and LOGIN.
    pub auth_password: Option<String>,
    /// A file holding the password (manifest configs; the host reads it
    /// for Alertmanager configs).
    pub auth_password_file: Option<String>,
    /// Secret for CRAM-MD5.
    pub auth_secret: Option<String>,
    /// Authorization identity for PLAIN.
    pub auth_identity: Option<String>,
    /// Message headers (`Subject`, `To`, `From` default as in Alertmanager).
    pub headers: BTreeMap<String, String>,
    /// The HTML body.
    pub html: Option<String>,
    /// The plain-text body.
    pub text: Option<String>,
    /// Insist on STARTTLS (Alertmanager's default: true).
    pub require_tls: Option<bool>,
    /// TLS settings for STARTTLS and port 465.
    pub tls_config: TlsSettings,
    /// Deadline for the whole SMTP exchange (Watchpost's own key),
    /// 8 seconds by default: within the host's 10 s per notification.
    pub timeout_seconds: Option<u64>,
}

/// Like the `webhook`'s default deadline, inside the host's call timeout.
const DEFAULT_TIMEOUT: u64 = 8;

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

/// `host` and `port` of `host:port` (`[v6]:port` too).
pub fn split_smarthost(smarthost: &str) -> Result<(String, String), Error> {
    let bad = || Error::new(format!("invalid smarthost {smarthost:?}: want host:port"));
    let (host, port) = smarthost.rsplit_once(':').ok_or_else(bad)?;
    let host = match host.strip_prefix('[') {
        Some(inner) => inner.strip_suffix(']').ok_or_else(bad)?,
        None if host.contains(':') => return Err(bad()),
        None => host,
    };
    if host.is_empty() || port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    Ok((host.to_string(), port.to_string()))
}

/// Go's `net/smtp` lets PLAIN send the password in the clear only to
/// these names.
fn is_localhost(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

/// The credentials of the settings.
#[derive(Default, Clone)]
pub struct Credentials {
    /// `auth_username`.
    pub username: String,
    /// `auth_password`.
    pub password: String,
    /// `auth_secret`.
    pub secret: String,
    /// `auth_identity`.
    pub identity: String,
}

impl Credentials {
    /// Alertmanager's choice among the mechanisms the server lists (in
    /// its order): CRAM-MD5 needs the secret, PLAIN and LOGIN the password.
    /// `None` without a user (no authentication). PLAIN refuses an
    /// unencrypted connection to anything but localhost, as Go's does.
    pub fn choose(
        &self,
        mechanisms: &str,
        host: &str,
        tls: bool,
    ) -> Result<Option<Auth>, SmtpError> {
        if self.username.is_empty() {
            return Ok(None);
        }
        let mut missing = Vec::new();
        for mech in mechanisms.split(' ') {
            match mech.to_ascii_uppercase().as_str() {
                "CRAM-MD5" if self.secret.is_empty() => {
                    missing.push("missing secret for CRAM-MD5 auth mechanism");
                }
                "CRAM-MD5" => {
                    return Ok(Some(Auth::CramMd5 {
                        username: self.username.clone(),
                        secret: self.secret.clone(),
                    }));
                }
                "PLAIN" if self.password.is_empty() => {
                    missing.push("missing password for PLAIN auth mechanism");
                }
                "PLAIN" if !tls && !is_localhost(host) => {
                    return Err(SmtpError::Permanent(
                        "AUTH PLAIN: unencrypted connection (the password is only sent over TLS: \
                         set require_tls or use port 465)"
                            .into(),
                    ));
                }
                "PLAIN" => {
                    return Ok(Some(Auth::Plain {
                        identity: self.identity.clone(),
                        username: self.username.clone(),
                        password: self.password.clone(),
                    }));
                }
                "LOGIN" if self.password.is_empty() => {
                    missing.push("missing password for LOGIN auth mechanism");
                }
                "LOGIN" => {
                    return Ok(Some(Auth::Login {
                        username: self.username.clone(),
                        password: self.password.clone(),
                    }));
                }
                _ => {}
            }
        }
        let why = if missing.is_empty() {
            format!("unknown auth mechanism: {mechanisms}")
        } else {
            missing.join("; ")
        };
        Err(SmtpError::Permanent(format!("find auth mechanism: {why}")))
    }
}

/// One delivery, checked and ready: where, how, to whom, what.
pub struct Mail {
    /// `host:port`.
    pub smarthost: String,
    /// Its host (for TLS names and the localhost rule).
    pub host: String,
    /// Its port.
    pub port: String,
    /// `EHLO` name.
    pub hello: String,
    /// Insist on STARTTLS.
    pub require_tls: bool,
    /// TLS settings.
    pub tls: TlsSettings,
    /// `AUTH` credentials.
    pub credentials: Credentials,
    /// Envelope sender.
    pub from: String,
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The message after `DATA`.
    pub message: String,
    /// Deadline of the exchange.
    pub timeout: Duration,
}

impl Mail {
    /// Checks the settings and renders the message for `n` at `now_ms`.
    pub fn new(s: &Settings, n: &Notification, now_ms: i64) -> Result<Mail, Error> {
        let smarthost = non_empty(&s.smarthost).ok_or_else(|| {
            Error::new(
                "no smarthost: set it in the receiver, global.smtp_smarthost or the plugin config",
            )
        })?;
        let (host, port) = split_smarthost(smarthost)?;
        let from_list = non_empty(&s.from).ok_or_else(|| {
            Error::new(
                "no from address: set it in the receiver, global.smtp_from or the plugin config",
            )
        })?;
        let to_list = non_empty(&s.to).ok_or_else(|| {
            Error::new("no to address: set it in the receiver or the plugin config")
        })?;
        let from = message::parse_address_list(from_list)
            .map_err(|e| Error::new(format!("parse 'from' addresses: {e}")))?;
        let [from] = <[String; 1]>::try_from(from).map_err(|all| {
            Error::new(format!(
                "must be exactly one 'from' address (got: {})",
                all.len()
            ))
        })?;
        let to = message::parse_address_list(to_list)
            .map_err(|e| Error::new(format!("parse 'to' addresses: {e}")))?;

        let password = match (
            non_empty(&s.auth_password),
            non_empty(&s.auth_password_file),
        ) {
            (Some(p), _) => p.to_string(),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map(|p| p.trim_end_matches(['\r', '\n']).to_string())
                .map_err(|e| Error::new(format!("auth_password_file {path}: {e}")))?,
            (None, None) => String::new(),
        };

        let mut headers: BTreeMap<String, String> = s
            .headers
            .iter()
            .map(|(k, v)| (message::canonical_header(k), v.clone()))
            .collect();
        headers
            .entry("Subject".into())
            .or_insert_with(|| notify::subject(n));
        headers
            .entry("To".into())
            .or_insert_with(|| to_list.to_string());
        headers
            .entry("From".into())
            .or_insert_with(|| from_list.to_string());

        let html = s.html.clone().unwrap_or_default();
        let mut text = s.text.clone().unwrap_or_default();
        if html.is_empty() && text.is_empty() && s.html.is_none() {
            text = default_text(n);
        }
        let mut random = [0u8; 38];
        fill_random(&mut random);
        let boundary: String = random[..30].iter().map(|b| format!("{b:02x}")).collect();
        let mut id = [0u8; 8];
        id.copy_from_slice(&random[30..]);
        let id_domain = from
            .rsplit_once('@')
            .map_or("localhost.localdomain", |(_, d)| d);
        let message = message::render(&message::Parts {
            headers: &headers,
            text: &text,
            html: &html,
            now_ms,
            id_domain,
            boundary: &boundary,
            id_random: u64::from_le_bytes(id),
        });
        Ok(Mail {
            smarthost: smarthost.to_string(),
            hello: non_empty(&s.hello).unwrap_or("localhost").to_string(),
            require_tls: s.require_tls.unwrap_or(true),
            tls: s.tls_config.clone(),
            credentials: Credentials {
                username: s.auth_username.clone().unwrap_or_default(),
                password,
                secret: s.auth_secret.clone().unwrap_or_default(),
                identity: s.auth_identity.clone().unwrap_or_default(),
            },
            host,
            port,
            from,
            to,
            message,
            timeout: Duration::from_secs(s.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT).max(1)),
        })
    }

    /// The SMTP exchange; `QUIT` is sent whatever happened, when the
    /// connection still stands.
    pub fn send(&self) -> Result<(), SmtpError> {
        let implicit = if self.port == "465" {
            Some(self.tls_pair()?)
        } else {
            None
        };
        let mut client = Client::connect(&self.smarthost, implicit, self.timeout)?;
        let result = self.session(&mut client);
        if !matches!(result, Err(SmtpError::Transport(_))) {
            client.quit();
        }
        result
    }

    fn tls_pair(
        &self,
    ) -> Result<
        (
            std::sync::Arc<rustls::ClientConfig>,
            rustls::pki_types::ServerName<'static>,
        ),
        SmtpError,
    > {
        let config = self
            .tls
            .client_config()
            .map_err(|e| SmtpError::Permanent(format!("parse TLS configuration: {e}")))?;
        let name = self
            .tls
            .server_name(&self.host)
            .map_err(SmtpError::Permanent)?;
        Ok((config, name))
    }

    fn session(&self, c: &mut Client) -> Result<(), SmtpError> {
        c.hello(&self.hello)?;
        // Alertmanager asks for STARTTLS only when `require_tls` is set,
        // and then insists on it; a connection that is TLS already (port
        // 465) needs none.
        if self.require_tls && !c.tls {
            if c.extension("STARTTLS").is_none() {
                return Err(SmtpError::Permanent(format!(
                    "'require_tls' is true (default) but {:?} does not advertise the STARTTLS extension",
                    self.smarthost
                )));
            }
            let (config, name) = self.tls_pair()?;
            c.starttls(config, name, &self.hello)?;
        }
        if let Some(mechanisms) = c.extension("AUTH").map(str::to_string)
            && let Some(auth) = self.credentials.choose(&mechanisms, &self.host, c.tls)?
        {
            c.auth(&auth)?;
        }
        c.mail(&self.from)?;
        for to in &self.to {
            c.rcpt(to)?;
        }
        c.data(&self.message)
    }
}

/// The body of a notifier configured in the manifest only, which brings
/// neither `html` nor `text`: the subject, the link to the alerts and the
/// alert lists (Alertmanager's `__text_alert_list`).
pub fn default_text(n: &Notification) -> String {
    let mut out = format!(
        "{}\n\nView in Alertmanager: {}\n",
        notify::subject(n),
        notify::alertmanager_url(n)
    );
    for (status, title) in [
        (AlertStatus::Firing, "Firing"),
        (AlertStatus::Resolved, "Resolved"),
    ] {
        let count = n.alerts.iter().filter(|a| a.status == status).count();
        if count > 0 {
            out.push_str(&format!("\n[{count}] {title}\n"));
            out.push_str(&notify::alert_list(n, status));
        }
    }
    out
}

/// Random bytes for the boundary and `Message-Id` (not secrets).
fn fill_random(buf: &mut [u8]) {
    if getrandom::getrandom(buf).is_err() {
        let seed = watchpost_sdk::now_ms() as u64;
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (seed.rotate_left(i as u32 * 7) >> (i % 8)) as u8;
        }
    }
}

/// The error the host sees: the smarthost named, credentials never
/// repeated (not even if a server echoes them).
fn to_error(e: &SmtpError, mail: &Mail) -> Error {
    let mut message = format!("{}: {e}", mail.smarthost);
    for secret in [&mail.credentials.password, &mail.credentials.secret] {
        if secret.len() >= 4 {
            message = message.replace(secret.as_str(), "<secret>");
        }
    }
    if e.retryable() {
        Error::retryable(message)
    } else {
        Error::new(message)
    }
}

/// The notifier: its `[plugin.config]`, the base of every notification's
/// settings.
pub struct Email {
    config: Map<String, Value>,
}

impl Notifier for Email {
    type Config = Map<String, Value>;

    fn new(config: Map<String, Value>) -> watchpost_sdk::Result<Self> {
        let s: Settings = notify::settings(&config, "")?;
        if let Some(smarthost) = non_empty(&s.smarthost) {
            split_smarthost(smarthost)?;
        }
        if config.contains_key("tls_config") {
            s.tls_config.client_config().map_err(Error::new)?;
        }
        Ok(Email { config })
    }

    fn deliver(&mut self, n: &Notification) -> watchpost_sdk::Result<()> {
        let s: Settings = notify::settings(&self.config, &n.integration)?;
        let mail = Mail::new(&s, n, watchpost_sdk::now_ms())?;
        mail.send().map_err(|e| to_error(&e, &mail))
    }
}

watchpost_sdk::export_notifier!(Email);

#[cfg(test)]
mod tests;
