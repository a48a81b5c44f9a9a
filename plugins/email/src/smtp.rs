//! A small SMTP client (RFC 5321) over `watchpost_sdk::net::connect`, the
//! subset Go's `net/smtp` gives Alertmanager: greeting, `EHLO` (falling
//! back to `HELO`), `STARTTLS`, `AUTH` (PLAIN, LOGIN, CRAM-MD5), `MAIL`,
//! `RCPT`, `DATA` with dot-stuffing, `QUIT`. Every read and write is bound
//! by one deadline for the whole exchange.

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use watchpost_sdk::net::{self, NetError};

/// Longest reply line and most reply lines accepted (RFC 5321 allows 512
/// octets a line; servers' EHLO lists are short).
const MAX_LINE: usize = 64 * 1024;
const MAX_LINES: usize = 1000;

/// Why an exchange failed, sorted for retries by [`SmtpError::retryable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmtpError {
    /// Connecting, reading, writing, a timeout or the TLS handshake: may
    /// pass later.
    Transport(String),
    /// The server answered `code text` to `command` (a 4xx may pass later,
    /// a 5xx will not).
    Reply {
        /// What was sent (`MAIL FROM`, `AUTH PLAIN`…, never credentials).
        command: String,
        /// The reply code.
        code: u16,
        /// The reply text, lines joined by `\n`.
        text: String,
    },
    /// The server's answer is not SMTP as expected.
    Protocol(String),
    /// A problem on this side (settings, addresses, the server's
    /// capabilities): trying again will not help.
    Permanent(String),
}

impl SmtpError {
    /// Whether trying again later may succeed: transport failures, 4xx
    /// replies and garbled answers may; 5xx replies and problems of the
    /// settings will not.
    pub fn retryable(&self) -> bool {
        match self {
            SmtpError::Transport(_) | SmtpError::Protocol(_) => true,
            SmtpError::Reply { code, .. } => !(500..600).contains(code),
            SmtpError::Permanent(_) => false,
        }
    }
}

impl fmt::Display for SmtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmtpError::Transport(m) | SmtpError::Protocol(m) | SmtpError::Permanent(m) => {
                f.write_str(m)
            }
            SmtpError::Reply {
                command,
                code,
                text,
            } => write!(
                f,
                "{command}: server answered {code} {}",
                text.replace('\n', " ")
            ),
        }
    }
}

/// One reply: its code and text lines (without the code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// The text of each line.
    pub lines: Vec<String>,
}

impl Reply {
    fn text(&self) -> String {
        self.lines.join("\n")
    }
}

/// The connection: plain TCP, or TLS over it.
enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
    Closed,
}

impl Stream {
    fn socket(&self) -> Option<&TcpStream> {
        match self {
            Stream::Plain(s) => Some(s),
            Stream::Tls(s) => Some(&s.sock),
            Stream::Closed => None,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
            Stream::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
            Stream::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
            Stream::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}

/// An authentication mechanism with its credentials.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// `AUTH PLAIN` (RFC 4616): identity, user, password.
    Plain {
        /// Authorization identity (usually empty).
        identity: String,
        /// User.
        username: String,
        /// Password.
        password: String,
    },
    /// `AUTH LOGIN`: user and password at the server's prompts.
    Login {
        /// User.
        username: String,
        /// Password.
        password: String,
    },
    /// `AUTH CRAM-MD5` (RFC 2195): the user and HMAC-MD5 of the challenge.
    CramMd5 {
        /// User.
        username: String,
        /// Shared secret.
        secret: String,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the credentials.
        f.write_str(self.name())
    }
}

impl Auth {
    /// The mechanism's name.
    pub fn name(&self) -> &'static str {
        match self {
            Auth::Plain { .. } => "PLAIN",
            Auth::Login { .. } => "LOGIN",
            Auth::CramMd5 { .. } => "CRAM-MD5",
        }
    }

    /// The first response, sent with the `AUTH` command (PLAIN only).
    fn initial(&self) -> Option<Vec<u8>> {
        match self {
            Auth::Plain {
                identity,
                username,
                password,
            } => Some(format!("{identity}\0{username}\0{password}").into_bytes()),
            _ => None,
        }
    }

    /// The answer to a `334` challenge (already base64-decoded).
    fn next(&self, challenge: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            Auth::Plain { .. } => Err("unexpected server challenge".into()),
            Auth::Login { username, password } => {
                // Alertmanager's loginAuth matches `Username:` and
                // `Password:`; a server's prompt without the colon passes too.
                let prompt = String::from_utf8_lossy(challenge)
                    .trim()
                    .to_ascii_lowercase();
                if prompt.starts_with("username") || prompt.starts_with("user name") {
                    Ok(username.clone().into_bytes())
                } else if prompt.starts_with("password") {
                    Ok(password.clone().into_bytes())
                } else {
                    Err("unexpected server challenge".into())
                }
            }
            Auth::CramMd5 { username, secret } => {
                use hmac::{Hmac, Mac};
                let mut mac = Hmac::<md5::Md5>::new_from_slice(secret.as_bytes())
                    .map_err(|e| e.to_string())?;
                mac.update(challenge);
                let digest: String = mac
                    .finalize()
                    .into_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                Ok(format!("{username} {digest}").into_bytes())
            }
        }
    }
}

/// An SMTP session.
pub struct Client {
    stream: Stream,
    buf: Vec<u8>,
    deadline: Instant,
    /// The `EHLO` extensions: keyword (upper case) → parameters.
    pub ext: BTreeMap<String, String>,
    /// Whether the connection is encrypted.
    pub tls: bool,
}

fn transport(what: &str, e: io::Error) -> SmtpError {
    let why = match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => "timed out".to_string(),
        io::ErrorKind::UnexpectedEof => "connection closed by the server".to_string(),
        _ => e.to_string(),
    };
    SmtpError::Transport(format!("{what}: {why}"))
}

/// Go's `textproto` check of a code against what was expected: one digit
/// is a class (`2` = 2xx), two are a prefix (`25` = 25x), three exact.
fn matches(code: u16, expect: u16) -> bool {
    match expect {
        0 => true,
        1..=9 => code / 100 == expect,
        10..=99 => code / 10 == expect,
        _ => code == expect,
    }
}

impl Client {
    /// Connects to `addr` (`host:port`) within `timeout`, which also bounds
    /// the whole exchange; with `tls`, the connection is TLS from the
    /// first byte (port 465). Reads the greeting.
    pub fn connect(
        addr: &str,
        tls: Option<(Arc<ClientConfig>, ServerName<'static>)>,
        timeout: Duration,
    ) -> Result<Client, SmtpError> {
        let deadline = Instant::now() + timeout;
        // Errors are prefixed with the address by the caller.
        let socket = net::connect(addr, timeout).map_err(|e| match e {
            NetError::Denied(_) => SmtpError::Permanent(
                "connection denied by the host: not granted in the plugin's network capability"
                    .into(),
            ),
            NetError::Resolve(_, e) => SmtpError::Transport(format!("cannot resolve: {e}")),
            NetError::Connect(_, e) => transport("cannot connect", e),
        })?;
        let mut client = Client {
            stream: Stream::Plain(socket),
            buf: Vec::new(),
            deadline,
            ext: BTreeMap::new(),
            tls: false,
        };
        if let Some((config, name)) = tls {
            client.handshake(config, name)?;
        }
        client.expect("connect", 220)?;
        Ok(client)
    }

    /// Sets the socket timeouts to what is left before the deadline.
    fn arm(&mut self, what: &str) -> Result<(), SmtpError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(SmtpError::Transport(format!("{what}: timed out")));
        }
        if let Some(s) = self.stream.socket() {
            let _ = s.set_read_timeout(Some(left));
            let _ = s.set_write_timeout(Some(left));
        }
        Ok(())
    }

    /// Wraps the connection in TLS and completes the handshake.
    fn handshake(
        &mut self,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> Result<(), SmtpError> {
        if !self.buf.is_empty() {
            // Bytes sent before the handshake would be taken as if they
            // were protected (RFC 3207 section 4.2 / CVE-2011-0411).
            return Err(SmtpError::Protocol(
                "the server sent data before the TLS handshake".into(),
            ));
        }
        self.arm("TLS handshake")?;
        let Stream::Plain(mut socket) = std::mem::replace(&mut self.stream, Stream::Closed) else {
            return Err(SmtpError::Protocol("TLS is already on".into()));
        };
        let mut conn = ClientConnection::new(config, name)
            .map_err(|e| SmtpError::Permanent(format!("TLS: {e}")))?;
        while conn.is_handshaking() {
            conn.complete_io(&mut socket).map_err(|e| {
                let why = match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    Some(tls) => tls.to_string(),
                    None => return transport("TLS handshake", e),
                };
                SmtpError::Transport(format!("TLS handshake: {why}"))
            })?;
        }
        self.stream = Stream::Tls(Box::new(StreamOwned::new(conn, socket)));
        self.tls = true;
        Ok(())
    }

    fn read_line(&mut self) -> Result<String, SmtpError> {
        loop {
            if let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            if self.buf.len() > MAX_LINE {
                return Err(SmtpError::Protocol(format!(
                    "reply line longer than {MAX_LINE} bytes"
                )));
            }
            self.arm("read reply")?;
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return Err(SmtpError::Transport(
                        "read reply: connection closed by the server".into(),
                    ));
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(transport("read reply", e)),
            }
        }
    }

    /// Reads one (possibly multi-line) reply.
    pub fn read_reply(&mut self) -> Result<Reply, SmtpError> {
        let mut code = None;
        let mut lines = Vec::new();
        loop {
            let line = self.read_line()?;
            let bad = || SmtpError::Protocol(format!("not an SMTP reply: {:?}", excerpt(&line)));
            let digits = line
                .get(..3)
                .filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
            let this: u16 = digits.and_then(|d| d.parse().ok()).ok_or_else(bad)?;
            if !(100..600).contains(&this) || code.is_some_and(|c| c != this) {
                return Err(bad());
            }
            code = Some(this);
            let more = match line.as_bytes().get(3) {
                None | Some(b' ') => false,
                Some(b'-') => true,
                Some(_) => return Err(bad()),
            };
            lines.push(line.get(4..).unwrap_or_default().to_string());
            if !more {
                return Ok(Reply { code: this, lines });
            }
            if lines.len() >= MAX_LINES {
                return Err(SmtpError::Protocol(format!(
                    "reply of more than {MAX_LINES} lines"
                )));
            }
        }
    }

    /// Reads a reply and checks its code.
    fn expect(&mut self, command: &str, expect: u16) -> Result<Reply, SmtpError> {
        let reply = self.read_reply()?;
        if matches(reply.code, expect) {
            Ok(reply)
        } else {
            Err(SmtpError::Reply {
                command: command.to_string(),
                code: reply.code,
                text: reply.text(),
            })
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), SmtpError> {
        self.arm("write")?;
        self.stream
            .write_all(bytes)
            .and_then(|()| self.stream.flush())
            .map_err(|e| transport("write", e))
    }

    /// Sends `line` and checks the reply's code; `name` is what errors
    /// call the command (it never holds credentials).
    pub fn cmd(&mut self, line: &str, expect: u16, name: &str) -> Result<Reply, SmtpError> {
        if line.contains(['\r', '\n']) {
            return Err(SmtpError::Permanent(format!(
                "{name}: a line must not contain CR or LF"
            )));
        }
        self.write_all(format!("{line}\r\n").as_bytes())?;
        self.expect(name, expect)
    }

    /// `EHLO name`, falling back to `HELO` when the server does not know
    /// `EHLO` (as Go's client does); records the extensions.
    pub fn hello(&mut self, name: &str) -> Result<(), SmtpError> {
        match self.cmd(&format!("EHLO {name}"), 250, "EHLO") {
            Ok(reply) => {
                self.ext = reply
                    .lines
                    .iter()
                    .skip(1)
                    .map(|l| {
                        let (k, v) = l.split_once(' ').unwrap_or((l, ""));
                        (k.to_ascii_uppercase(), v.trim().to_string())
                    })
                    .collect();
                Ok(())
            }
            Err(SmtpError::Reply { code, .. }) if (500..600).contains(&code) => {
                self.ext.clear();
                self.cmd(&format!("HELO {name}"), 250, "HELO").map(|_| ())
            }
            Err(e) => Err(e),
        }
    }

    /// The parameters of an `EHLO` extension, if the server has it.
    pub fn extension(&self, name: &str) -> Option<&str> {
        self.ext.get(&name.to_ascii_uppercase()).map(String::as_str)
    }

    /// `STARTTLS`, the handshake, then `EHLO` again (RFC 3207: what was
    /// learnt before is forgotten).
    pub fn starttls(
        &mut self,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
        hello: &str,
    ) -> Result<(), SmtpError> {
        self.cmd("STARTTLS", 220, "STARTTLS")?;
        self.handshake(config, name)?;
        self.hello(hello)
    }

    /// `AUTH`: the mechanism's exchange, ended by `235`.
    pub fn auth(&mut self, auth: &Auth) -> Result<(), SmtpError> {
        use watchpost_sdk::notify::base64;
        let command = format!("AUTH {}", auth.name());
        let first = match auth.initial() {
            Some(initial) => format!("{command} {}", base64(&initial)),
            None => command.clone(),
        };
        let mut reply = self.cmd(&first, 0, &command)?;
        loop {
            match reply.code {
                235 => return Ok(()),
                334 => {
                    let challenge = base64_decode(reply.lines.first().map_or("", |l| l.trim()))
                        .ok_or_else(|| {
                            SmtpError::Protocol(format!("{command}: challenge is not base64"))
                        })?;
                    match auth.next(&challenge) {
                        Ok(answer) => {
                            reply = self.cmd(&base64(&answer), 0, &command)?;
                        }
                        Err(why) => {
                            // Cancel the exchange (RFC 4954).
                            let _ = self.cmd("*", 0, &command);
                            return Err(SmtpError::Protocol(format!("{command}: {why}")));
                        }
                    }
                }
                code => {
                    return Err(SmtpError::Reply {
                        command,
                        code,
                        text: reply.text(),
                    });
                }
            }
        }
    }

    /// `MAIL FROM:<from>` (with `BODY=8BITMIME` and `SMTPUTF8` when the
    /// server has them, as Go's client sends it).
    pub fn mail(&mut self, from: &str) -> Result<(), SmtpError> {
        let mut line = format!("MAIL FROM:<{from}>");
        if self.extension("8BITMIME").is_some() {
            line.push_str(" BODY=8BITMIME");
        }
        if self.extension("SMTPUTF8").is_some() {
            line.push_str(" SMTPUTF8");
        }
        self.cmd(&line, 250, "MAIL FROM").map(|_| ())
    }

    /// `RCPT TO:<to>`.
    pub fn rcpt(&mut self, to: &str) -> Result<(), SmtpError> {
        self.cmd(&format!("RCPT TO:<{to}>"), 25, "RCPT TO")
            .map(|_| ())
    }

    /// `DATA`, the message dot-stuffed, and the final `.`.
    pub fn data(&mut self, message: &str) -> Result<(), SmtpError> {
        self.cmd("DATA", 354, "DATA")?;
        let wire = dot_stuff(message);
        self.write_all(wire.as_bytes())?;
        self.expect("end of DATA", 250).map(|_| ())
    }

    /// `QUIT`, its answer awaited briefly and any failure ignored: the
    /// message is out by then, or the session failed already.
    pub fn quit(mut self) {
        let soon = Instant::now() + Duration::from_secs(2);
        self.deadline = self.deadline.min(soon);
        let _ = self.cmd("QUIT", 221, "QUIT");
        if let Stream::Tls(s) = &mut self.stream {
            s.conn.send_close_notify();
            let _ = s.conn.complete_io(&mut s.sock);
        }
    }
}

/// The message as sent after `DATA`: every line ended by CRLF, a `.` at
/// the start of a line doubled, ended by `.` alone on a line (Go's
/// `textproto.DotWriter`).
pub fn dot_stuff(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 64);
    let mut at_line_start = true;
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        if at_line_start && c == '.' {
            out.push('.');
        }
        match c {
            '\r' if chars.peek() == Some(&'\n') => {
                chars.next();
                out.push_str("\r\n");
                at_line_start = true;
            }
            '\n' => {
                out.push_str("\r\n");
                at_line_start = true;
            }
            c => {
                out.push(c);
                at_line_start = false;
            }
        }
    }
    if !at_line_start {
        out.push_str("\r\n");
    }
    out.push_str(".\r\n");
    out
}

/// Standard base64 (RFC 4648) with or without padding; `None` when it is
/// not base64.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    Some(out)
}

fn excerpt(line: &str) -> String {
    line.chars().take(80).collect()
}
