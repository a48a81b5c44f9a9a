//! The query corpus (`tests/data/promql-diff/queries.txt`): one query a
//! line, `#` comments, times relative to the data set's base.
//!
//! ```text
//! instant @+45m: sum by (job) (rate(http_requests_total[5m]))
//! range +10m..+60m step 30s: rate(http_requests_total[5m])
//! instant @+45m: rate(http_requests_total) !error=bad_data
//! instant @+71m: http_requests_total !empty
//! instant @+60m: rate(http_requests_total[5m] @ ${+30m})
//! ```
//!
//! `${+30m}` stands for that absolute time in unix seconds (for `@`).
//!
//! Trailing markers state what Prometheus answers, so the corpus cannot
//! rot: `!error` (any error type) or `!error=<errorType>`, and `!empty` for a
//! successful query whose result is empty (without it an empty vector or
//! matrix counts as a corpus mistake, such as a misspelt metric).

/// When a query is evaluated; milliseconds relative to the data's base.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    /// `instant @<t>`.
    Instant(i64),
    /// `range <start>..<end> step <step>`.
    Range { start: i64, end: i64, step: i64 },
}

/// What Prometheus is expected to answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// Success; `empty` if the result is an empty vector or matrix.
    Success { empty: bool },
    /// An error, of this `errorType` when given.
    Error(Option<String>),
    /// Not stated: a generated query (see `random`), only compared.
    Unknown,
}

/// One corpus entry.
#[derive(Debug, Clone)]
pub struct Query {
    /// 1-based line number in the corpus file.
    pub line: usize,
    /// Evaluation time or range.
    pub when: When,
    /// The PromQL text.
    pub expr: String,
    /// The expected outcome.
    pub expect: Expect,
}

impl std::fmt::Display for When {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            When::Instant(t) => write!(f, "instant @{}", relative(*t)),
            When::Range { start, end, step } => write!(
                f,
                "range {}..{} step {}",
                relative(*start),
                relative(*end),
                relative(*step).trim_start_matches('+')
            ),
        }
    }
}

/// `+45m30s` from milliseconds.
fn relative(ms: i64) -> String {
    let mut out = String::from(if ms < 0 { "-" } else { "+" });
    let mut rest = ms.abs();
    for (unit, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    if ms == 0 {
        out.push_str("0s");
    }
    out
}

/// Replaces each `${+30m}` in `expr` by `base + 30m` in unix seconds.
pub fn expand(expr: &str, base: i64) -> String {
    let mut out = String::new();
    let mut rest = expr;
    while let Some((i, _)) = rest
        .match_indices("${")
        .find(|(i, _)| matches!(rest.as_bytes().get(i + 2), Some(b'+' | b'-')))
    {
        let Some(end) = rest[i..].find('}') else {
            break;
        };
        let ms = base + offset(&rest[i + 2..i + end]).unwrap_or_else(|e| panic!("{expr}: {e}"));
        out.push_str(&rest[..i]);
        out.push_str(&format!(
            "{}.{:03}",
            ms.div_euclid(1000),
            ms.rem_euclid(1000)
        ));
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    out
}

/// A duration such as `45m`, `1h5m`, `7s`, `250ms` or `0s`, in milliseconds.
pub fn duration(text: &str) -> Result<i64, String> {
    let mut total = 0;
    let mut rest = text;
    if rest.is_empty() {
        return Err("empty duration".into());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let n: i64 = rest[..digits]
            .parse()
            .map_err(|_| format!("bad duration {text:?}"))?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        total += n * match &rest[..unit] {
            "h" => 3_600_000,
            "m" => 60_000,
            "s" => 1000,
            "ms" => 1,
            other => return Err(format!("bad unit {other:?} in {text:?}")),
        };
        rest = &rest[unit..];
    }
    Ok(total)
}

/// A time relative to the base: `+45m` (`-` allowed).
fn offset(text: &str) -> Result<i64, String> {
    match text.as_bytes().first() {
        Some(b'+') => duration(&text[1..]),
        Some(b'-') => Ok(-duration(&text[1..])?),
        _ => Err(format!("time {text:?} must start with + or -")),
    }
}

fn when(header: &str) -> Result<When, String> {
    let words: Vec<&str> = header.split_whitespace().collect();
    match words.as_slice() {
        ["instant", t] => Ok(When::Instant(offset(
            t.strip_prefix('@')
                .ok_or("instant time must start with @")?,
        )?)),
        ["range", span, "step", step] => {
            let (start, end) = span.split_once("..").ok_or("range needs start..end")?;
            Ok(When::Range {
                start: offset(start)?,
                end: offset(end)?,
                step: duration(step)?,
            })
        }
        _ => Err(format!("bad header {header:?}")),
    }
}

/// Parses one non-comment line.
fn entry(line: usize, text: &str) -> Result<Query, String> {
    let (header, rest) = text.split_once(':').ok_or("missing ':' after the header")?;
    let mut expr = rest.trim();
    let mut expect = Expect::Success { empty: false };
    while let Some((head, marker)) = expr.rsplit_once(char::is_whitespace) {
        expect = match marker {
            "!empty" => Expect::Success { empty: true },
            "!error" => Expect::Error(None),
            m if m.starts_with("!error=") => Expect::Error(Some(m["!error=".len()..].into())),
            _ => break,
        };
        expr = head.trim_end();
    }
    if expr.is_empty() {
        return Err("empty query".into());
    }
    Ok(Query {
        line,
        when: when(header)?,
        expr: expr.to_string(),
        expect,
    })
}

/// Parses the corpus text; panics with the line of the first mistake.
pub fn parse(text: &str) -> Vec<Query> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| {
            entry(i + 1, l.trim()).unwrap_or_else(|e| panic!("corpus line {}: {e}", i + 1))
        })
        .collect()
}

/// The function name when `expr` is one call at the top level, such as
/// `sort_desc(...)` or `topk(...)` (not `topk by (job) (...)`, not `sort(a) + 1`).
pub fn top_level_call(expr: &str) -> Option<&str> {
    let expr = expr.trim();
    let name_end = expr.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let rest = expr[name_end..].trim_start();
    if name_end == 0 || !rest.starts_with('(') {
        return None;
    }
    let mut depth = 0;
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        if let Some(q) = quote {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                _ if c == q => quote = None,
                _ => {}
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return (i + 1 == rest.len()).then(|| &expr[..name_end]);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether Prometheus guarantees the order of this query's result: an
/// instant query whose top level is `sort`, `sort_desc`, or `topk`/`bottomk`
/// without grouping.
pub fn ordered(query: &Query) -> bool {
    matches!(query.when, When::Instant(_))
        && matches!(
            top_level_call(&query.expr),
            Some("sort" | "sort_desc" | "topk" | "bottomk")
        )
}

#[test]
fn parses_headers_markers_and_top_level_calls() {
    let q = parse(
        "# c\n\ninstant @+45m30s: rate(x{a!=\"b\"}[5m]) !error=bad_data\nrange +1m..+1h step 250ms: x !empty\n",
    );
    assert_eq!(q[0].line, 3);
    assert_eq!(q[0].when, When::Instant(45 * 60_000 + 30_000));
    assert_eq!(q[0].expr, "rate(x{a!=\"b\"}[5m])");
    assert_eq!(q[0].expect, Expect::Error(Some("bad_data".into())));
    assert_eq!(
        q[1].when,
        When::Range {
            start: 60_000,
            end: 3_600_000,
            step: 250
        }
    );
    assert_eq!(q[1].expect, Expect::Success { empty: true });
    assert_eq!(q[1].when.to_string(), "range +1m..+1h step 250ms");
    assert_eq!(
        expand("x @ ${+1m} + y @ ${-1s}", 1000),
        "x @ 61.000 + y @ 0.000"
    );
    assert_eq!(
        top_level_call("sort_desc(sum by (a) (x))"),
        Some("sort_desc")
    );
    assert_eq!(top_level_call("topk(3, x{a=\")\"})"), Some("topk"));
    assert_eq!(top_level_call("topk by (a) (3, x)"), None);
    assert_eq!(top_level_call("topk(3, x) by (a)"), None);
    assert_eq!(top_level_call("sort(x) + 1"), None);
}
