//! Fields inside a PostgreSQL message text: `duration: 1503.2 ms
//! statement: SELECT ...` (`log_min_duration_statement`), `statement:`/
//! `execute <name>:` (`log_statement`), the connection and disconnection
//! lines (`log_connections`, `log_disconnections`) and an error's
//! `at character N`.
//!
//! Values are byte ranges of the message, so the caller can borrow them from
//! the line (stderr) or copy them out of an unescaped csvlog column.

use std::ops::Range;

/// A value found in a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Text(Range<usize>),
    Integer(i64),
    Float(f64),
}

/// The fields of message `msg`.
pub fn analyze(msg: &str) -> Vec<(&'static str, Val)> {
    let mut out = Vec::new();
    if let Some(after) = msg.strip_prefix("duration: ") {
        let Some(end) = after.find(" ms") else {
            return out;
        };
        if let Ok(ms) = after[..end].parse::<f64>()
            && ms.is_finite()
        {
            out.push(("duration_ms", Val::Float(ms)));
        }
        if let Some(statement) = after[end + 3..].strip_prefix("  ") {
            statement_fields(msg, statement, &mut out);
        }
        return out;
    }
    if statement_fields(msg, msg, &mut out) {
        return out;
    }
    for prefix in [
        "connection received: ",
        "connection authorized: ",
        "connection authenticated: ",
    ] {
        if let Some(pairs) = msg.strip_prefix(prefix) {
            space_pairs(msg, pairs, &mut out);
            return out;
        }
    }
    if let Some(rest) = msg.strip_prefix("disconnection: session time: ") {
        let (time, pairs) = rest.split_once(' ').unwrap_or((rest, ""));
        if let Some(secs) = session_seconds(time) {
            out.push(("session_seconds", Val::Float(secs)));
        }
        space_pairs(msg, pairs, &mut out);
        return out;
    }
    if let Some((_, pos)) = msg.rsplit_once(" at character ")
        && let Ok(pos) = pos.parse::<i64>()
    {
        out.push(("position", Val::Integer(pos)));
    }
    out
}

/// The byte range of `sub` (a slice of `msg`) in `msg`.
fn range(msg: &str, sub: &str) -> Range<usize> {
    let start = sub.as_ptr() as usize - msg.as_ptr() as usize;
    start..start + sub.len()
}

/// `statement: X`, `execute <name>: X`, `parse <name>: X`, `bind <name>: X`.
fn statement_fields(msg: &str, s: &str, out: &mut Vec<(&'static str, Val)>) -> bool {
    if let Some(statement) = s.strip_prefix("statement: ") {
        out.push(("statement", Val::Text(range(msg, statement))));
        return true;
    }
    for verb in ["execute ", "parse ", "bind "] {
        if let Some(rest) = s.strip_prefix(verb)
            && let Some((name, statement)) = rest.split_once(": ")
        {
            out.push(("statement_name", Val::Text(range(msg, name))));
            out.push(("statement", Val::Text(range(msg, statement))));
            return true;
        }
    }
    false
}

/// `host=127.0.0.1 port=55972`, `user=app database=maildb
/// application_name=psql`, `identity="app" method=scram-sha-256 (...)`.
fn space_pairs(msg: &str, s: &str, out: &mut Vec<(&'static str, Val)>) {
    for word in s.split(' ') {
        let Some((key, value)) = word.split_once('=') else {
            break;
        };
        let value = value.trim_matches('"');
        let name = match key {
            "host" => "client_host",
            "port" => {
                if let Ok(port) = value.parse() {
                    out.push(("client_port", Val::Integer(port)));
                }
                continue;
            }
            "user" => "user",
            "database" => "database",
            "application_name" => "application_name",
            "identity" => "auth_identity",
            "method" => "auth_method",
            _ => continue,
        };
        if !value.is_empty() {
            out.push((name, Val::Text(range(msg, value))));
        }
    }
}

/// `0:00:00.208` (h:mm:ss.fff) in seconds.
fn session_seconds(s: &str) -> Option<f64> {
    let mut parts = s.split(':');
    let (h, m, sec) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (h, m, sec): (u64, u64, f64) = (h.parse().ok()?, m.parse().ok()?, sec.parse().ok()?);
    sec.is_finite().then(|| (h * 3600 + m * 60) as f64 + sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(msg: &str) -> Vec<(&'static str, String)> {
        analyze(msg)
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Val::Text(r) => msg[r].to_string(),
                    Val::Integer(i) => i.to_string(),
                    Val::Float(f) => format!("{f}"),
                };
                (k, v)
            })
            .collect()
    }

    fn pairs(list: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        list.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn durations_and_statements() {
        assert_eq!(
            texts("duration: 150.661 ms  statement: select pg_sleep(0.15), 'a,b \"q\"' as x;"),
            pairs(&[
                ("duration_ms", "150.661"),
                ("statement", "select pg_sleep(0.15), 'a,b \"q\"' as x;")
            ])
        );
        assert_eq!(
            texts("duration: 0.412 ms  execute <unnamed>: SELECT id FROM users WHERE email = $1"),
            pairs(&[
                ("duration_ms", "0.412"),
                ("statement_name", "<unnamed>"),
                ("statement", "SELECT id FROM users WHERE email = $1")
            ])
        );
        assert_eq!(
            texts("duration: 12.5 ms"),
            pairs(&[("duration_ms", "12.5")])
        );
        assert_eq!(
            texts("execute S_1: COMMIT"),
            pairs(&[("statement_name", "S_1"), ("statement", "COMMIT")])
        );
        assert_eq!(texts("statement: BEGIN"), pairs(&[("statement", "BEGIN")]));
        assert_eq!(
            texts("duration: x ms  statement: y"),
            pairs(&[("statement", "y")])
        );
        assert_eq!(texts("duration: 5"), pairs(&[]));
    }

    #[test]
    fn connections() {
        assert_eq!(
            texts("connection received: host=127.0.0.1 port=55972"),
            pairs(&[("client_host", "127.0.0.1"), ("client_port", "55972")])
        );
        assert_eq!(
            texts("connection received: host=[local]"),
            pairs(&[("client_host", "[local]")])
        );
        assert_eq!(
            texts("connection authorized: user=app database=maildb application_name=psql"),
            pairs(&[
                ("user", "app"),
                ("database", "maildb"),
                ("application_name", "psql")
            ])
        );
        assert_eq!(
            texts(
                "connection authorized: user=app database=maildb SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)"
            ),
            pairs(&[("user", "app"), ("database", "maildb")])
        );
        assert_eq!(
            texts(
                "connection authenticated: identity=\"app\" method=scram-sha-256 (/etc/postgresql/15/main/pg_hba.conf:102)"
            ),
            pairs(&[("auth_identity", "app"), ("auth_method", "scram-sha-256")])
        );
        assert_eq!(
            texts(
                "disconnection: session time: 1:02:03.500 user=app database=maildb host=127.0.0.1 port=47602"
            ),
            pairs(&[
                ("session_seconds", "3723.5"),
                ("user", "app"),
                ("database", "maildb"),
                ("client_host", "127.0.0.1"),
                ("client_port", "47602")
            ])
        );
    }

    #[test]
    fn error_positions() {
        assert_eq!(
            texts("relation \"nosuch\" does not exist at character 15"),
            pairs(&[("position", "15")])
        );
        assert_eq!(texts("syntax error at or near \"selec\""), pairs(&[]));
    }
}
