//! The message Alertmanager 0.25 writes after `DATA`, byte for byte where
//! it can be: the configured headers (values Q-encoded as Go's
//! `mime.QEncoding.Encode("utf-8", v)` does), `Message-Id`, `Date`,
//! `Content-Type: multipart/alternative;  boundary=…` (two spaces, as
//! Alertmanager writes it), `MIME-Version: 1.0`, then a
//! `multipart/alternative` body with the text part first and the HTML part
//! last (RFC 2046 5.1.4: the preferred alternative last), each
//! quoted-printable (Go's `mime/quotedprintable.Writer`).
//!
//! Also here: Go's `net/mail.ParseAddressList` for the envelope addresses
//! (what `from` and `to` may hold: `a@x`, `Ops <a@x>`, comma-separated).

use watchpost_sdk::notify::civil_from_days;

use std::collections::BTreeMap;

const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";

/// What goes into one message.
#[derive(Debug, Clone)]
pub struct Parts<'a> {
    /// Header name → value (already expanded), written in this order.
    pub headers: &'a BTreeMap<String, String>,
    /// The `text/plain` alternative; none when empty.
    pub text: &'a str,
    /// The `text/html` alternative; none when empty.
    pub html: &'a str,
    /// Milliseconds since the Unix epoch, for `Date`.
    pub now_ms: i64,
    /// The domain of the `Message-Id`.
    pub id_domain: &'a str,
    /// The multipart boundary (Go: 30 random bytes in hex).
    pub boundary: &'a str,
    /// Random number of the `Message-Id`.
    pub id_random: u64,
}

/// The message as sent after `DATA`, lines ended by CRLF (before
/// dot-stuffing, which the SMTP client does).
pub fn render(p: &Parts<'_>) -> String {
    let mut out = String::new();
    for (name, value) in p.headers {
        out.push_str(&format!("{name}: {}\r\n", q_encode(value)));
    }
    if !p.headers.contains_key("Message-Id") {
        let nanos = i128::from(p.now_ms) * 1_000_000;
        out.push_str(&format!(
            "Message-Id: <{nanos}.{}@{}>\r\n",
            p.id_random, p.id_domain
        ));
    }
    if !p.headers.contains_key("Date") {
        out.push_str(&format!("Date: {}\r\n", rfc1123z(p.now_ms)));
    }
    out.push_str(&format!(
        "Content-Type: multipart/alternative;  boundary={}\r\n",
        p.boundary
    ));
    out.push_str("MIME-Version: 1.0\r\n\r\n");

    let mut first = true;
    for (body, kind) in [(p.text, "text/plain"), (p.html, "text/html")] {
        if body.is_empty() {
            continue;
        }
        // Go's multipart.Writer.CreatePart, headers sorted by name.
        if first {
            out.push_str(&format!("--{}\r\n", p.boundary));
        } else {
            out.push_str(&format!("\r\n--{}\r\n", p.boundary));
        }
        first = false;
        out.push_str("Content-Transfer-Encoding: quoted-printable\r\n");
        out.push_str(&format!("Content-Type: {kind}; charset=UTF-8\r\n\r\n"));
        out.push_str(&quoted_printable(body.as_bytes()));
    }
    out.push_str(&format!("\r\n--{}--\r\n", p.boundary));
    out
}

/// Go's `mime.QEncoding.Encode("utf-8", s)`: unchanged when every byte is
/// printable ASCII, space or tab; else RFC 2047 encoded-words of at most 75
/// characters, split between characters, separated by a space.
pub fn q_encode(s: &str) -> String {
    if !s.bytes().any(|b| !(b' '..=b'~').contains(&b) && b != b'\t') {
        return s.to_string();
    }
    const OPEN: &str = "=?utf-8?q?";
    const MAX_CONTENT: usize = 75 - "=?UTF-8?q?".len() - "?=".len();
    let mut out = String::from(OPEN);
    let mut current = 0;
    for c in s.chars() {
        let mut bytes = [0u8; 4];
        let bytes = c.encode_utf8(&mut bytes).as_bytes();
        let plain = c.is_ascii() && (' '..='~').contains(&c) && !"=?_".contains(c);
        let len = if plain { 1 } else { 3 * bytes.len() };
        if current + len > MAX_CONTENT {
            out.push_str("?= ");
            out.push_str(OPEN);
            current = 0;
        }
        for &b in bytes {
            match b {
                b' ' => out.push('_'),
                b'!'..=b'~' if !b"=?_".contains(&b) => out.push(b as char),
                _ => {
                    out.push('=');
                    out.push(UPPER_HEX[usize::from(b >> 4)] as char);
                    out.push(UPPER_HEX[usize::from(b & 15)] as char);
                }
            }
        }
        current += len;
    }
    out.push_str("?=");
    out
}

/// Go's `mime/quotedprintable.Writer` (text mode) over `body`, closed:
/// lines of at most 76 characters with soft breaks (`=`), line breaks as
/// CRLF, `=`, non-ASCII and control bytes as `=XX`, and a space or tab
/// before a line break or at the end encoded.
pub fn quoted_printable(body: &[u8]) -> String {
    let mut w = QpWriter::default();
    for &b in body {
        match b {
            b'!'..=b'~' if b != b'=' => w.write(b),
            b' ' | b'\t' | b'\n' | b'\r' => w.write(b),
            _ => w.encode(b),
        }
    }
    w.check_last_byte();
    w.flush();
    w.out
}

const LINE_MAX: usize = 76;

#[derive(Default)]
struct QpWriter {
    out: String,
    line: Vec<u8>,
    cr: bool,
}

impl QpWriter {
    fn write(&mut self, b: u8) {
        if b == b'\n' || b == b'\r' {
            // The CRLF was inserted at the `\r` already.
            if self.cr && b == b'\n' {
                self.cr = false;
                return;
            }
            if b == b'\r' {
                self.cr = true;
            }
            self.check_last_byte();
            self.insert_crlf();
            return;
        }
        if self.line.len() == LINE_MAX - 1 {
            self.soft_line_break();
        }
        self.line.push(b);
        self.cr = false;
    }

    fn encode(&mut self, b: u8) {
        if LINE_MAX - 1 - self.line.len() < 3 {
            self.soft_line_break();
        }
        self.line.extend_from_slice(&[
            b'=',
            UPPER_HEX[usize::from(b >> 4)],
            UPPER_HEX[usize::from(b & 15)],
        ]);
    }

    fn check_last_byte(&mut self) {
        if let Some(&b) = self.line.last()
            && (b == b' ' || b == b'\t')
        {
            self.line.pop();
            self.encode(b);
        }
    }

    fn soft_line_break(&mut self) {
        self.line.push(b'=');
        self.insert_crlf();
    }

    fn insert_crlf(&mut self) {
        self.line.extend_from_slice(b"\r\n");
        self.flush();
    }

    fn flush(&mut self) {
        // Only ASCII is ever put in a line.
        self.out.push_str(&String::from_utf8_lossy(&self.line));
        self.line.clear();
    }
}

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Go's `time.RFC1123Z` in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`.
pub fn rfc1123z(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[month as usize - 1],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Go's `textproto.CanonicalMIMEHeaderKey`: `x-mailer-id` → `X-Mailer-Id`
/// (unchanged when it holds a character that is not a token character).
pub fn canonical_header(name: &str) -> String {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if !name.bytes().all(token) {
        return name.to_string();
    }
    let mut upper = true;
    name.bytes()
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

/// The addresses of an RFC 5322 address list, as Go's
/// `mail.ParseAddressList` returns them: `a@x, Ops <b@y>, "Doe, J" <c@z>`
/// gives `a@x`, `b@y`, `c@z`. Comments `(…)` are dropped; group syntax is
/// not supported.
pub fn parse_address_list(list: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for item in split_list(list)? {
        out.push(parse_address(&item)?);
    }
    Ok(out)
}

/// Splits at the commas outside quotes, angle brackets and comments.
fn split_list(list: &str) -> Result<Vec<String>, String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut angle, mut comment, mut escaped) = (false, false, 0u32, false);
    for c in list.chars() {
        if escaped {
            escaped = false;
            current.push(c);
            continue;
        }
        match c {
            '\\' if quoted || comment > 0 => escaped = true,
            '"' if comment == 0 => quoted = !quoted,
            '(' if !quoted => comment += 1,
            ')' if !quoted && comment > 0 => comment -= 1,
            '<' if !quoted && comment == 0 => angle = true,
            '>' if !quoted && comment == 0 => angle = false,
            ',' if !quoted && !angle && comment == 0 => {
                items.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if quoted {
        return Err("mail: missing closing quote".into());
    }
    if comment > 0 {
        return Err("mail: misformatted parenthetical comment".into());
    }
    if angle {
        return Err("mail: unclosed angle-addr".into());
    }
    items.push(current);
    Ok(items)
}

/// One `name <addr>` or bare `addr`.
fn parse_address(item: &str) -> Result<String, String> {
    let item = strip_comments(item);
    let item = item.trim();
    if item.is_empty() {
        return Err("mail: no address".into());
    }
    let addr = match find_angle(item) {
        Some((start, end)) => {
            if !item[end + 1..].trim().is_empty() {
                return Err(format!("mail: expected single address in {item:?}"));
            }
            item[start + 1..end].trim()
        }
        None => item,
    };
    validate_addr_spec(addr)?;
    Ok(addr.to_string())
}

/// The `<…>` outside a quoted display name.
fn find_angle(item: &str) -> Option<(usize, usize)> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in item.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => return item[i..].find('>').map(|e| (i, i + e)),
            _ => {}
        }
    }
    None
}

fn strip_comments(item: &str) -> String {
    let mut out = String::new();
    let (mut depth, mut quoted, mut escaped) = (0u32, false, false);
    for c in item.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' if quoted || depth > 0 => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// `local@domain`: a dot-atom or quoted local part, a dot-atom or literal
/// domain, nothing that could break the SMTP command line.
fn validate_addr_spec(addr: &str) -> Result<(), String> {
    let Some((local, domain)) = addr.rsplit_once('@') else {
        return Err(format!("mail: missing @ in addr-spec {addr:?}"));
    };
    if local.is_empty() {
        return Err(format!("mail: invalid string in addr-spec {addr:?}"));
    }
    if domain.is_empty() {
        return Err(format!("mail: missing domain in addr-spec {addr:?}"));
    }
    let atext = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let dot_atom =
        |s: &str| !s.is_empty() && s.split('.').all(|p| !p.is_empty() && p.chars().all(atext));
    let local_ok = dot_atom(local)
        || (local.len() >= 2
            && local.starts_with('"')
            && local.ends_with('"')
            && !local.chars().any(|c| c.is_control()));
    let domain_ok = dot_atom(domain)
        || (domain.starts_with('[')
            && domain.ends_with(']')
            && !domain.chars().any(|c| c.is_control() || c.is_whitespace()));
    if !local_ok || !domain_ok {
        return Err(format!("mail: invalid address {addr:?}"));
    }
    Ok(())
}
