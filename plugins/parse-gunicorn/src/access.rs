//! Gunicorn's access log: `access_log_format` (Python `%(atom)s` names)
//! compiled once into literals and atoms, then matched against each line.
//! An atom's value runs to the literal after it; gunicorn writes a `"`
//! inside a value as `\"` (its `SafeAtoms`), so a quoted atom ends at the
//! first unescaped quote.

use std::borrow::Cow;
use watchpost_sdk::logtime::{self, Civil};
use watchpost_sdk::{Record, Value};

/// Gunicorn's default `access_log_format` (Apache's combined format).
pub const DEFAULT_FORMAT: &str = r#"%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s""#;
/// Apache's common format, which the default also accepts.
pub const COMMON_FORMAT: &str = r#"%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s"#;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    /// A one-letter atom (`h`, `r`, ...).
    Atom(u8),
    /// `{name}i`, `{name}o`, `{name}e`: the field name it fills.
    Variable(String),
}

/// A compiled `access_log_format`.
#[derive(Debug, Clone)]
pub struct Format {
    pieces: Vec<Piece>,
}

impl Format {
    /// Compiles a gunicorn `access_log_format`.
    pub fn compile(format: &str) -> Result<Format, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = format;
        while let Some(i) = rest.find('%') {
            literal.push_str(&rest[..i]);
            rest = &rest[i + 1..];
            if let Some(after) = rest.strip_prefix('%') {
                literal.push('%');
                rest = after;
                continue;
            }
            let body = rest.strip_prefix('(').ok_or_else(|| {
                format!("access_log_format: '%' not followed by '(' in {format:?}")
            })?;
            let close = body
                .find(")s")
                .ok_or_else(|| format!("access_log_format: unclosed %( in {format:?}"))?;
            let name = &body[..close];
            rest = &body[close + 2..];
            let piece = match name.as_bytes() {
                [letter] if b"hlutrsmUqHbBfaTDMLp".contains(letter) => Piece::Atom(*letter),
                [b'{', .., b'}', kind @ (b'i' | b'o' | b'e')] if name.len() > 3 => {
                    let key = name[1..name.len() - 2].to_ascii_lowercase();
                    let prefix = match kind {
                        b'i' => "request_header",
                        b'o' => "response_header",
                        _ => "environ",
                    };
                    Piece::Variable(format!("{prefix}.{key}"))
                }
                _ => return Err(format!("access_log_format: unknown atom %({name})s")),
            };
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            } else if pieces
                .last()
                .is_some_and(|p| !matches!(p, Piece::Literal(_)))
            {
                return Err(format!(
                    "access_log_format: %({name})s follows another atom without a separator"
                ));
            }
            pieces.push(piece);
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        if !pieces.iter().any(|p| !matches!(p, Piece::Literal(_))) {
            return Err("access_log_format has no %(atom)s".into());
        }
        Ok(Format { pieces })
    }

    /// Matches `line`, adding its fields to a new record; `None` when the
    /// line does not have this format.
    pub fn parse<'a>(&self, line: &'a str) -> Option<Record<'a>> {
        let mut record = Record::new(line);
        let mut duration: Option<(u8, f64)> = None;
        let mut rest = line;
        for (i, piece) in self.pieces.iter().enumerate() {
            let atom = match piece {
                Piece::Literal(text) => {
                    rest = rest.strip_prefix(text.as_str())?;
                    continue;
                }
                Piece::Atom(letter) => Some(*letter),
                Piece::Variable(_) => None,
            };
            // `compile` puts a literal between two atoms.
            let next = match self.pieces.get(i + 1) {
                Some(Piece::Literal(text)) => Some(text.as_str()),
                _ => None,
            };
            let quoted =
                i > 0 && matches!(&self.pieces[i - 1], Piece::Literal(t) if t.ends_with('"'));
            let end = value_end(rest, next, i + 2 == self.pieces.len(), atom == Some(b't'))?;
            let raw = &rest[..end];
            rest = &rest[end..];
            let value = if quoted && raw.contains("\\\"") {
                Cow::Owned(raw.replace("\\\"", "\""))
            } else {
                Cow::Borrowed(raw)
            };
            match piece {
                Piece::Variable(name) => {
                    if value != "-" {
                        record
                            .fields
                            .push((Cow::Owned(name.clone()), Value::Text(value)));
                    }
                }
                _ => atom_field(&mut record, atom?, value, &mut duration)?,
            }
        }
        if !rest.is_empty() {
            return None;
        }
        if let Some((_, secs)) = duration {
            record.fields.push(("duration_seconds".into(), secs.into()));
        }
        Some(record)
    }
}

/// Where the value at the start of `s` ends: at `[...]` for `%(t)s`, at the
/// last literal when it closes the line, at the first unescaped occurrence
/// of the next literal otherwise.
fn value_end(s: &str, next: Option<&str>, next_is_last: bool, time: bool) -> Option<usize> {
    if time && s.starts_with('[') {
        return s.find(']').map(|i| i + 1);
    }
    let Some(literal) = next else {
        return Some(s.len());
    };
    if next_is_last {
        return s.strip_suffix(literal).map(str::len);
    }
    let mut from = 0;
    loop {
        let at = from + s[from..].find(literal)?;
        let escaped = literal.starts_with('"') && s[..at].ends_with('\\');
        if !escaped {
            return Some(at);
        }
        from = at + 1;
    }
}

/// Adds a field unless the record has it already (`%(r)s` and `%(m)s`
/// both give the method).
fn set<'a>(record: &mut Record<'a>, name: &'static str, value: Value<'a>) {
    if !record.fields.iter().any(|(n, _)| n == name) {
        record.fields.push((name.into(), value));
    }
}

fn set_label<'a>(record: &mut Record<'a>, name: &'static str, value: Cow<'a, str>) {
    if !record.labels.iter().any(|(n, _)| n == name) {
        record.labels.push((name.into(), value));
    }
}

/// The field(s) of one atom's value. `None` when the value cannot be that
/// atom (a status that is no number, a malformed time).
fn atom_field<'a>(
    record: &mut Record<'a>,
    atom: u8,
    value: Cow<'a, str>,
    duration: &mut Option<(u8, f64)>,
) -> Option<()> {
    let text = |record: &mut Record<'a>, name: &'static str, value: Cow<'a, str>| {
        if value != "-" && !value.is_empty() {
            set(record, name, Value::Text(value));
        }
    };
    // Precision rank of the duration atoms: the finest one wins.
    let mut timed = |rank: u8, secs: f64| {
        if duration.is_none_or(|(r, _)| rank > r) {
            *duration = Some((rank, secs));
        }
    };
    match atom {
        b'h' => text(record, "client", value),
        b'l' => text(record, "ident", value),
        b'u' => text(record, "user", value),
        b't' => record.timestamp_ns = Some(clf_time(&value)?),
        b'r' => request(record, value),
        b'm' => {
            set_label(record, "method", value.clone());
            text(record, "method", value);
        }
        b'U' => text(record, "path", value),
        b'q' => text(record, "query", value),
        b'H' => text(record, "protocol", value),
        b's' => {
            let status: i64 = value.parse().ok().filter(|s| (100..1000).contains(s))?;
            set_label(record, "status", value);
            set(record, "status", status.into());
        }
        b'b' | b'B' => {
            if let Ok(bytes) = value.parse::<i64>() {
                set(record, "bytes", bytes.into());
            } else if value != "-" && value != "None" {
                return None;
            }
        }
        b'f' => text(record, "referer", value),
        b'a' => text(record, "user_agent", value),
        b'T' => timed(1, value.parse::<u64>().ok()? as f64),
        b'M' => timed(2, value.parse::<u64>().ok()? as f64 / 1e3),
        b'L' => timed(3, value.parse::<f64>().ok().filter(|s| s.is_finite())?),
        b'D' => timed(4, value.parse::<u64>().ok()? as f64 / 1e6),
        b'p' => {
            let pid = value.trim_start_matches('<').trim_end_matches('>');
            set(record, "pid", pid.parse::<i64>().ok()?.into());
        }
        _ => {}
    }
    Some(())
}

/// `GET /search?q=1 HTTP/1.1` → method, path, query, protocol.
fn request<'a>(record: &mut Record<'a>, value: Cow<'a, str>) {
    let parts = match &value {
        Cow::Borrowed(v) => {
            let mut words = v.splitn(3, ' ');
            match (words.next(), words.next(), words.next()) {
                (Some(m), Some(t), Some(p)) if !m.is_empty() && !t.is_empty() => Some((m, t, p)),
                _ => None,
            }
        }
        Cow::Owned(_) => None,
    };
    let Some((method, target, protocol)) = parts else {
        // Malformed, or a target with a quote in it (rare): keep it whole.
        if value != "-" && !value.is_empty() {
            set(record, "request", Value::Text(value));
        }
        return;
    };
    set_label(record, "method", method.into());
    set(record, "method", method.into());
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    set(record, "path", path.into());
    if !query.is_empty() {
        set(record, "query", query.into());
    }
    set(record, "protocol", protocol.into());
}

/// `[26/Nov/2026:01:06:03 +0000]` (Apache's common log time).
pub fn clf_time(s: &str) -> Option<i64> {
    let s = s.strip_prefix('[')?.strip_suffix(']')?;
    let (datetime, zone) = s.split_once(' ')?;
    let b = datetime.as_bytes();
    if b.len() != 20 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || !datetime.is_ascii() {
        return None;
    }
    let civil = Civil {
        year: i64::from(logtime::digits(&datetime[7..11])?),
        month: logtime::month_from_name(&datetime[3..6])?,
        day: logtime::digits(&datetime[..2])?,
        hour: logtime::digits(&datetime[12..14])?,
        minute: logtime::digits(&datetime[15..17])?,
        second: logtime::digits(&datetime[18..20])?,
        nanos: 0,
    };
    if b[14] != b':' || b[17] != b':' {
        return None;
    }
    civil.to_ns(logtime::parse_offset(zone)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_formats() {
        let f = Format::compile(DEFAULT_FORMAT).unwrap();
        assert_eq!(f.pieces.len(), 18);
        let f = Format::compile("%(h)s %({X-Request-Id}i)s %({wsgi.version}e)s 100%%").unwrap();
        assert_eq!(
            f.pieces,
            [
                Piece::Atom(b'h'),
                Piece::Literal(" ".into()),
                Piece::Variable("request_header.x-request-id".into()),
                Piece::Literal(" ".into()),
                Piece::Variable("environ.wsgi.version".into()),
                Piece::Literal(" 100%".into()),
            ]
        );
        for bad in [
            "%(z)s",
            "%(h)d",
            "%h",
            "%(h",
            "no atoms",
            "%({}i)s",
            "%(h)s%(l)s",
        ] {
            assert!(Format::compile(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times() {
        assert_eq!(
            clf_time("[26/Nov/2026:01:06:03 +0000]"),
            Some(1_795_655_163_000_000_000)
        );
        assert_eq!(
            clf_time("[26/Nov/2026:03:06:03 +0200]"),
            Some(1_795_655_163_000_000_000)
        );
        for bad in [
            "",
            "[]",
            "[26/Nov/2026:01:06:03]",
            "[26/Foo/2026:01:06:03 +0000]",
            "[26/Nov/2026 01:06:03 +0000]",
        ] {
            assert_eq!(clf_time(bad), None, "{bad}");
        }
    }
}
