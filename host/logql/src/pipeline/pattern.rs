//! `| pattern "<ip> - <_> [<ts>] <msg>"`, as Loki's `pattern` package: a
//! pattern alternates literals and captures (`<name>`, `<_>` unnamed); a
//! capture takes everything up to the next literal, the last one the rest of
//! the line. A line that does not start with a leading literal yields nothing;
//! a literal not found ends matching with the captures so far plus the rest.

/// One element of a pattern.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Literal(String),
    Capture(String),
}

/// A compiled pattern.
#[derive(Clone, Debug)]
pub(crate) struct Pattern {
    nodes: Vec<Node>,
    names: Vec<String>,
}

impl Pattern {
    pub(crate) fn new(src: &str) -> Result<Self, String> {
        let chars: Vec<char> = src.chars().collect();
        let mut nodes: Vec<Node> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '<'
                && let Some(len) = capture_len(&chars[i..])
            {
                nodes.push(Node::Capture(chars[i + 1..i + len - 1].iter().collect()));
                i += len;
                continue;
            }
            match nodes.last_mut() {
                Some(Node::Literal(l)) => l.push(chars[i]),
                _ => nodes.push(Node::Literal(chars[i].to_string())),
            }
            i += 1;
        }
        if nodes.is_empty() {
            return Err("syntax error: unexpected $end, expecting IDENTIFIER or LITERAL".into());
        }
        let names: Vec<String> = nodes
            .iter()
            .filter_map(|n| match n {
                Node::Capture(c) if c != "_" => Some(c.clone()),
                _ => None,
            })
            .collect();
        if names.is_empty() {
            return Err("at least one capture is required".into());
        }
        if nodes
            .windows(2)
            .any(|w| matches!(w, [Node::Capture(_), Node::Capture(_)]))
        {
            return Err("found consecutive capture: invalid expression".into());
        }
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(format!("duplicate capture name ({n}): invalid expression"));
            }
        }
        Ok(Self { nodes, names })
    }

    /// The named captures, in order.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// The values of the named captures that matched, in order (maybe fewer
    /// than the names).
    pub(crate) fn matches<'l>(&self, mut line: &'l str) -> Vec<&'l str> {
        let mut out = Vec::new();
        if line.is_empty() {
            return out;
        }
        let mut nodes = self.nodes.as_slice();
        if let Some(Node::Literal(l)) = nodes.first() {
            if !line.starts_with(l.as_str()) {
                return out;
            }
            line = &line[l.len()..];
            nodes = &nodes[1..];
        }
        while let Some(Node::Capture(name)) = nodes.first() {
            let named = name != "_";
            let Some(Node::Literal(lit)) = nodes.get(1) else {
                if named {
                    out.push(line);
                }
                return out;
            };
            nodes = &nodes[2..];
            let Some(i) = line.find(lit.as_str()) else {
                if named {
                    out.push(line);
                }
                return out;
            };
            if named {
                out.push(&line[..i]);
            }
            line = &line[i + lit.len()..];
        }
        out
    }
}

/// Length of `<ident>` at the start of `s`, if it is one.
fn capture_len(s: &[char]) -> Option<usize> {
    let first = *s.get(1)?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    let body = s[1..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
        .count();
    (s.get(1 + body) == Some(&'>')).then_some(body + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_loki() {
        let p =
            Pattern::new(r#"<ip> - <user> [<_>] "<method> <path> <_>" <status> <size>"#).unwrap();
        let line =
            r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326"#;
        assert_eq!(
            p.matches(line),
            vec!["127.0.0.1", "frank", "GET", "/a.gif", "200", "2326"]
        );
        assert_eq!(
            p.names(),
            ["ip", "user", "method", "path", "status", "size"]
        );
        let q = Pattern::new("status=<code> took <t>").unwrap();
        assert!(q.matches("other line").is_empty());
        assert_eq!(q.matches("status=500 in 3s"), vec!["500 in 3s"]);
        assert!(Pattern::new("<a><b>").is_err());
        assert!(
            Pattern::new("<_> x")
                .unwrap_err()
                .contains("at least one capture")
        );
        assert!(Pattern::new("<a> <a>").unwrap_err().contains("duplicate"));
    }
}
