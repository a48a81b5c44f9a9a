//! `log_line_prefix` turned into a matcher: the configured prefix is split
//! once into literals and `%` escapes, then each stderr line is walked piece
//! by piece. Timestamps and numbers delimit themselves; a text escape
//! (`%u`, `%d`, `%a`, ...) runs to the literal that follows it. Everything
//! after `%q` is optional: PostgreSQL stops the prefix there for processes
//! without a session (the postmaster, the checkpointer, ...).

use watchpost_sdk::logtime;

/// One piece of a compiled prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    /// An escape letter; `padded` when written with a width (`%-10u`).
    Escape {
        letter: u8,
        padded: bool,
    },
    /// `%q`.
    SessionOnly,
}

/// A compiled `log_line_prefix`.
#[derive(Debug, Clone)]
pub struct Prefix {
    pieces: Vec<Piece>,
}

/// What a line's prefix said. Text borrows from the line.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Values<'a> {
    pub timestamp_ns: Option<i64>,
    /// `(name, value)` of every other escape, in prefix order.
    pub fields: Vec<(&'static str, Field<'a>)>,
}

/// A prefix escape's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<'a> {
    Text(&'a str),
    Integer(i64),
    Timestamp(i64),
}

impl Prefix {
    /// Compiles `prefix`; an unknown escape is an error (PostgreSQL ignores
    /// it, but here it most likely means a typo in the plugin config).
    pub fn compile(prefix: &str) -> Result<Prefix, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = prefix.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                literal.push(c);
                continue;
            }
            let mut padded = false;
            while let Some(&d) = chars.peek() {
                if d == '-' || d.is_ascii_digit() {
                    padded = true;
                    chars.next();
                } else {
                    break;
                }
            }
            let Some(letter) = chars.next() else {
                return Err("log_line_prefix ends with a lone '%'".into());
            };
            if letter == '%' {
                literal.push('%');
                continue;
            }
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            }
            match letter {
                'q' => pieces.push(Piece::SessionOnly),
                'a' | 'u' | 'd' | 'r' | 'h' | 'b' | 'p' | 'P' | 't' | 'm' | 'n' | 'i' | 'e'
                | 'c' | 'l' | 's' | 'v' | 'x' | 'Q' => pieces.push(Piece::Escape {
                    letter: letter as u8,
                    padded,
                }),
                other => return Err(format!("log_line_prefix: unknown escape %{other}")),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Prefix { pieces })
    }

    /// Matches the prefix at the start of `line`; `accept` checks the text
    /// after it (the `SEVERITY:  ` that must follow), so that the optional
    /// `%q` part is taken only when the line really has it.
    pub fn matches<'a>(
        &self,
        line: &'a str,
        offset_secs: i32,
        accept: impl Fn(&str) -> bool,
    ) -> Option<(Values<'a>, &'a str)> {
        let q = self
            .pieces
            .iter()
            .position(|p| *p == Piece::SessionOnly)
            .unwrap_or(self.pieces.len());
        let mut values = Values::default();
        let rest = walk(&self.pieces[..q], line, offset_secs, &mut values)?;
        if q < self.pieces.len() {
            let mut session = values.clone();
            if let Some(after) = walk(&self.pieces[q + 1..], rest, offset_secs, &mut session)
                && accept(after)
            {
                return Some((session, after));
            }
        }
        accept(rest).then_some((values, rest))
    }
}

fn walk<'a>(
    pieces: &[Piece],
    line: &'a str,
    offset_secs: i32,
    values: &mut Values<'a>,
) -> Option<&'a str> {
    let mut rest = line;
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Literal(text) => rest = rest.strip_prefix(text.as_str())?,
            Piece::SessionOnly => {}
            &Piece::Escape { letter, padded } => {
                let next = match pieces.get(i + 1) {
                    Some(Piece::Literal(text)) => Some(text.as_str()),
                    _ => None,
                };
                rest = escape(letter, padded, next, rest, offset_secs, values)?;
            }
        }
    }
    Some(rest)
}

/// Reads one escape's value at the start of `s`; returns the rest.
fn escape<'a>(
    letter: u8,
    padded: bool,
    next: Option<&str>,
    s: &'a str,
    offset_secs: i32,
    values: &mut Values<'a>,
) -> Option<&'a str> {
    let s = if padded { s.trim_start_matches(' ') } else { s };
    match letter {
        b'm' | b't' | b's' => {
            let (ns, rest) = timestamp(s, offset_secs)?;
            if letter == b's' {
                values.fields.push(("session_start", Field::Timestamp(ns)));
            } else {
                values.timestamp_ns = Some(ns);
            }
            Some(rest)
        }
        b'n' => {
            let end = s
                .find(|c: char| !c.is_ascii_digit() && c != '.')
                .unwrap_or(s.len());
            let (secs, frac) = s[..end].split_once('.').unwrap_or((&s[..end], ""));
            let secs: i64 = secs.parse().ok()?;
            let nanos = if frac.is_empty() {
                0
            } else {
                logtime::fraction_ns(frac)?
            };
            values.timestamp_ns = Some(
                secs.checked_mul(logtime::NS_PER_SEC)?
                    .checked_add(i64::from(nanos))?,
            );
            Some(&s[end..])
        }
        b'p' | b'l' | b'P' | b'x' | b'Q' => {
            let digits_start = usize::from(s.starts_with('-'));
            let end = s[digits_start..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(s.len(), |i| i + digits_start);
            let rest = &s[end..];
            let rest = if padded {
                rest.trim_start_matches(' ')
            } else {
                rest
            };
            let Ok(n) = s[..end].parse::<i64>() else {
                // An empty value: `%P` of a process that is no parallel
                // worker, `%x` outside a transaction (written as 0 or nothing).
                return Some(rest);
            };
            let name = match letter {
                b'p' => "pid",
                b'l' => "session_line",
                b'P' => "leader_pid",
                b'x' => "xid",
                _ => "query_id",
            };
            if n != 0 || letter == b'l' || letter == b'p' {
                values.fields.push((name, Field::Integer(n)));
            }
            Some(rest)
        }
        _ => {
            let end = match next {
                Some(literal) => s.find(literal)?,
                None => s.find(' ').unwrap_or(s.len()),
            };
            let value = s[..end].trim_end_matches(' ');
            let value = if padded {
                value.trim_start_matches(' ')
            } else {
                value
            };
            text_value(letter, value, values);
            Some(&s[end..])
        }
    }
}

fn text_value<'a>(letter: u8, value: &'a str, values: &mut Values<'a>) {
    // `[unknown]` is PostgreSQL's placeholder before authentication.
    if value.is_empty() || value == "[unknown]" || value == "[local]" && letter != b'h' {
        return;
    }
    let name = match letter {
        b'u' => "user",
        b'd' => "database",
        b'a' => "application_name",
        b'h' => "client_host",
        b'r' => {
            // `host(port)`.
            if let Some((host, port)) = value.strip_suffix(')').and_then(|v| v.split_once('(')) {
                values.fields.push(("client_host", Field::Text(host)));
                if let Ok(port) = port.parse() {
                    values.fields.push(("client_port", Field::Integer(port)));
                }
                return;
            }
            "client_host"
        }
        b'e' => "sql_state",
        b'c' => "session_id",
        b'i' => "command_tag",
        b'v' => "vxid",
        b'b' => "backend_type",
        _ => return,
    };
    values.fields.push((name, Field::Text(value)));
}

/// `2026-11-25 10:00:01.123 UTC` (`%m`) or `2026-11-25 10:00:01 UTC`
/// (`%t`, `%s`): the zone is an abbreviation of `log_timezone` or a numeric
/// offset; an abbreviation this parser does not know is read as
/// `offset_secs`.
pub fn timestamp(s: &str, offset_secs: i32) -> Option<(i64, &str)> {
    let (civil, rest) = logtime::parse_iso_datetime(s, b' ')?;
    let rest = rest.strip_prefix(' ')?;
    let end = rest.find(' ').unwrap_or(rest.len());
    let zone = &rest[..end];
    if zone.is_empty() {
        return None;
    }
    let offset = zone_offset(zone).unwrap_or(offset_secs);
    Some((civil.to_ns(offset)?, &rest[end..]))
}

/// The UTC offset of a zone as PostgreSQL prints it in log timestamps.
pub fn zone_offset(zone: &str) -> Option<i32> {
    if let Some(offset) = logtime::parse_offset(zone) {
        return Some(offset);
    }
    const H: i32 = 3600;
    // Common unambiguous abbreviations of the tz database.
    let offset = match zone {
        "UCT" | "WET" => 0,
        "CET" | "WEST" | "BST" => H,
        "CEST" | "EET" | "SAST" => 2 * H,
        "EEST" | "MSK" => 3 * H,
        "WIB" => 7 * H,
        "AWST" | "HKT" => 8 * H,
        "JST" | "KST" => 9 * H,
        "ACST" => 9 * H + H / 2,
        "AEST" => 10 * H,
        "ACDT" => 10 * H + H / 2,
        "AEDT" => 11 * H,
        "NZST" => 12 * H,
        "NZDT" => 13 * H,
        "EDT" => -4 * H,
        "EST" | "CDT" => -5 * H,
        "CST" | "MDT" => -6 * H,
        "MST" | "PDT" => -7 * H,
        "PST" | "AKDT" => -8 * H,
        "AKST" => -9 * H,
        "HST" => -10 * H,
        _ => return None,
    };
    Some(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_level(s: &str) -> bool {
        s.starts_with("LOG:  ") || s.starts_with("ERROR:  ")
    }

    #[test]
    fn debian_default_prefix() {
        let p = Prefix::compile("%m [%p] %q%u@%d ").unwrap();
        let (v, rest) = p
            .matches(
                "2026-11-26 01:05:44.800 UTC [8001] app@maildb ERROR:  x",
                0,
                is_level,
            )
            .unwrap();
        assert_eq!(v.timestamp_ns, Some(1_795_655_144_800_000_000));
        assert_eq!(
            v.fields,
            [
                ("pid", Field::Integer(8001)),
                ("user", Field::Text("app")),
                ("database", Field::Text("maildb")),
            ]
        );
        assert_eq!(rest, "ERROR:  x");
        // No session: the prefix stops at %q.
        let (v, rest) = p
            .matches(
                "2026-11-26 01:05:28.623 UTC [7926] LOG:  starting",
                0,
                is_level,
            )
            .unwrap();
        assert_eq!(v.fields, [("pid", Field::Integer(7926))]);
        assert_eq!(rest, "LOG:  starting");
        // Before authentication.
        let (v, _) = p
            .matches(
                "2026-11-26 01:05:35.058 UTC [7951] [unknown]@[unknown] LOG:  x",
                0,
                is_level,
            )
            .unwrap();
        assert_eq!(v.fields, [("pid", Field::Integer(7951))]);
        assert!(
            p.matches("2026-11-26 01:05:28.623 UTC 7926 LOG:  x", 0, is_level)
                .is_none()
        );
        assert!(p.matches("", 0, is_level).is_none());
    }

    #[test]
    fn other_escapes() {
        let p = Prefix::compile("%t [%p-%l] %q%a %r %e %c %x %v %i %s %%%b|").unwrap();
        let line = "2026-11-25 11:00:01 CET [42-3] psql 10.0.0.9(51234) 42P01 6b0785e8.1f41 0 3/18 SELECT 2026-11-25 10:59:00 CET %client backend|ERROR:  x";
        let (v, rest) = p.matches(line, 0, is_level).unwrap();
        assert_eq!(v.timestamp_ns, Some(1_795_600_801_000_000_000));
        assert_eq!(
            v.fields,
            [
                ("pid", Field::Integer(42)),
                ("session_line", Field::Integer(3)),
                ("application_name", Field::Text("psql")),
                ("client_host", Field::Text("10.0.0.9")),
                ("client_port", Field::Integer(51234)),
                ("sql_state", Field::Text("42P01")),
                ("session_id", Field::Text("6b0785e8.1f41")),
                ("vxid", Field::Text("3/18")),
                ("command_tag", Field::Text("SELECT")),
                ("session_start", Field::Timestamp(1_795_600_740_000_000_000)),
                ("backend_type", Field::Text("client backend")),
            ]
        );
        assert_eq!(rest, "ERROR:  x");
        let p = Prefix::compile("%n|%-8u|%d|").unwrap();
        let (v, _) = p
            .matches("1795600801.250|bob     |maildb|LOG:  x", 0, is_level)
            .unwrap();
        assert_eq!(v.timestamp_ns, Some(1_795_600_801_250_000_000));
        assert_eq!(
            v.fields,
            [
                ("user", Field::Text("bob")),
                ("database", Field::Text("maildb"))
            ]
        );
        assert!(Prefix::compile("%m %z").is_err());
        assert!(Prefix::compile("%m %").is_err());
    }

    #[test]
    fn zones() {
        let (utc, _) = timestamp("2026-11-25 10:00:01.000 UTC", 0).unwrap();
        assert_eq!(timestamp("2026-11-25 11:00:01.000 CET", 0).unwrap().0, utc);
        assert_eq!(timestamp("2026-11-25 13:00:01.000 +03", 0).unwrap().0, utc);
        assert_eq!(timestamp("2026-11-25 05:00:01 EST", 0).unwrap().0, utc);
        // Unknown abbreviation: the configured offset.
        assert_eq!(timestamp("2026-11-25 12:00:01 XYZT", 7200).unwrap().0, utc);
        assert!(timestamp("2026-11-25 12:00:01", 0).is_none());
    }
}
