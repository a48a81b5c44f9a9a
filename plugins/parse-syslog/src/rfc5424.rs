//! RFC 5424: `VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
//! SP STRUCTURED-DATA [SP MSG]`, after the PRI. Header fields are NILVALUE
//! (`-`) when absent; structured data is `-` or `[id name="value" ...]...`
//! with `\"`, `\\` and `\]` escaped in values; MSG may start with a BOM.

use crate::Header;
use std::borrow::Cow;
use watchpost_sdk::logtime::TimeParser;

/// Whether `rest` (after the PRI) starts with a version number and a space.
pub fn has_version(rest: &str) -> bool {
    let n = rest.bytes().take_while(u8::is_ascii_digit).count();
    (1..=3).contains(&n) && !rest.starts_with('0') && rest.as_bytes().get(n) == Some(&b' ')
}

/// The header after the PRI.
pub fn parse<'a>(rest: &'a str, rfc3339: &TimeParser) -> Result<Header<'a>, String> {
    let (_version, rest) = token(rest);
    let (timestamp, rest) = token(rest);
    let (hostname, rest) = token(rest);
    let (app_name, rest) = token(rest);
    let (procid, rest) = token(rest);
    let (msgid, rest) = token(rest);
    if msgid.is_empty() {
        return Err("invalid RFC 5424 header: fewer than six fields".into());
    }
    let timestamp_ns = match nil(timestamp) {
        None => None,
        Some(t) => Some(
            rfc3339
                .parse(t)
                .ok_or_else(|| format!("invalid RFC 5424 timestamp {t:?}"))?,
        ),
    };
    let mut structured = Vec::new();
    let after_sd = match rest.strip_prefix('-') {
        Some(after) => after,
        None => structured_data(rest, &mut structured)?,
    };
    let message = match after_sd.strip_prefix(' ') {
        Some(msg) => msg.strip_prefix('\u{feff}').unwrap_or(msg),
        None if after_sd.is_empty() => "",
        None => return Err("invalid RFC 5424 structured data: expected '-' or '['".into()),
    };
    Ok(Header {
        timestamp_ns,
        hostname: nil(hostname),
        app_name: nil(app_name),
        procid: nil(procid),
        msgid: nil(msgid),
        structured,
        message,
    })
}

/// The text up to the next space, and what follows the space(s).
fn token(s: &str) -> (&str, &str) {
    match s.split_once(' ') {
        Some((t, rest)) => (t, rest.trim_start_matches(' ')),
        None => (s, ""),
    }
}

/// `None` for NILVALUE.
fn nil(field: &str) -> Option<&str> {
    (field != "-" && !field.is_empty()).then_some(field)
}

/// Reads `[id name="value" ...]` elements into `out` and returns the rest.
fn structured_data<'a>(
    mut s: &'a str,
    out: &mut Vec<(Cow<'a, str>, Cow<'a, str>)>,
) -> Result<&'a str, String> {
    let bad = |why: &str| format!("invalid RFC 5424 structured data: {why}");
    if !s.starts_with('[') {
        return Err(bad("expected '-' or '['"));
    }
    while let Some(element) = s.strip_prefix('[') {
        let id_end = element
            .find([' ', ']', '"', '='])
            .ok_or_else(|| bad("unterminated element"))?;
        let id = &element[..id_end];
        if id.is_empty() {
            return Err(bad("empty SD-ID"));
        }
        let mut rest = &element[id_end..];
        loop {
            if let Some(after) = rest.strip_prefix(']') {
                s = after;
                break;
            }
            if rest.is_empty() {
                return Err(bad(&format!("unterminated element [{id}")));
            }
            rest = rest
                .strip_prefix(' ')
                .ok_or_else(|| bad(&format!("unexpected text in [{id}]")))?;
            let eq = rest.find('=').ok_or_else(|| bad("parameter without '='"))?;
            let name = &rest[..eq];
            if name.is_empty() || name.contains([' ', ']', '"']) {
                return Err(bad(&format!("invalid parameter name in [{id}]")));
            }
            let quoted = rest[eq + 1..]
                .strip_prefix('"')
                .ok_or_else(|| bad(&format!("value of {name} is not quoted")))?;
            let (value, after) =
                param_value(quoted).ok_or_else(|| bad(&format!("unterminated value of {name}")))?;
            out.push((field_name(id, name), value));
            rest = after;
        }
    }
    Ok(s)
}

/// A parameter value after its opening quote, and the text after its
/// closing quote. `\"`, `\\` and `\]` are unescaped (copying only then); any
/// other backslash is kept, as RFC 5424 says.
fn param_value(s: &str) -> Option<(Cow<'_, str>, &str)> {
    let bytes = s.as_bytes();
    let mut owned: Option<String> = None;
    let mut copied = 0; // bytes of `s` already in `owned`
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let value = match owned {
                    Some(mut o) => {
                        o.push_str(&s[copied..i]);
                        Cow::Owned(o)
                    }
                    None => Cow::Borrowed(&s[..i]),
                };
                return Some((value, &s[i + 1..]));
            }
            b'\\' if matches!(bytes.get(i + 1), Some(b'"' | b'\\' | b']')) => {
                let o = owned.get_or_insert_with(String::new);
                o.push_str(&s[copied..i]);
                copied = i + 1; // keep the escaped character, drop the backslash
                i += 2;
            }
            _ => i += 1,
        }
    }
    None
}

/// `sd_<id>_<param>`, with characters other than ASCII letters, digits and
/// `_` replaced by `_` (`exampleSDID@32473` → `exampleSDID_32473`).
fn field_name(id: &str, param: &str) -> Cow<'static, str> {
    let mut name = String::with_capacity(4 + id.len() + param.len());
    name.push_str("sd_");
    let clean = |c: char| if c.is_ascii_alphanumeric() { c } else { '_' };
    name.extend(id.chars().map(clean));
    name.push('_');
    name.extend(param.chars().map(clean));
    Cow::Owned(name)
}
