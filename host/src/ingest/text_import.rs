//! `POST /api/v1/import/prometheus`: backfill from Prometheus text
//! exposition (the same path VictoriaMetrics uses). Every sample line is one
//! sample: `name{label="value",...} value [timestamp_ms]`; lines without a
//! timestamp get the request's `timestamp` (ms) or now. `#` lines are
//! skipped. Bad lines are reported by number; the good ones are stored.

use super::Pipeline;
use crate::storage::metrics::{Labels, Sample};

/// Largest body accepted.
pub const MAX_BODY: usize = 64 << 20;

/// Parses one sample line.
pub fn parse_line(line: &str, default_t: i64) -> Result<Sample, String> {
    let line = line.trim();
    let (name_end, has_labels) = match line.find(['{', ' ', '\t']) {
        Some(i) => (i, line[i..].starts_with('{')),
        None => return Err("expected a value after the metric name".into()),
    };
    let name = &line[..name_end];
    let mut pairs = vec![("__name__".to_string(), name.to_string())];
    let mut rest = &line[name_end..];
    if has_labels {
        rest = &rest[1..];
        loop {
            rest = rest.trim_start_matches([' ', ',']);
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = rest.find('=').ok_or("expected label=\"value\"")?;
            let label = rest[..eq].trim().to_string();
            rest = rest[eq + 1..]
                .trim_start()
                .strip_prefix('"')
                .ok_or("label values must be quoted")?;
            let mut value = String::new();
            let mut chars = rest.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, other)) => value.push(other),
                        None => break,
                    },
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    other => value.push(other),
                }
            }
            let end = end.ok_or("unterminated label value")?;
            rest = &rest[end + 1..];
            pairs.push((label, value));
        }
    }
    let mut fields = rest.split_whitespace();
    let value = fields.next().ok_or("missing value")?;
    let v = match value {
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        other => other
            .parse()
            .map_err(|_| format!("invalid value {other:?}"))?,
    };
    let t = match fields.next() {
        Some(ts) => ts
            .parse()
            .map_err(|_| format!("invalid timestamp {ts:?}"))?,
        None => default_t,
    };
    if fields.next().is_some() {
        return Err("unexpected text after the timestamp".into());
    }
    let labels = Labels::new(pairs).map_err(|e| e.to_string())?;
    Ok(Sample { labels, t, v })
}

/// Imports `body`; returns (HTTP status, message).
pub fn import(pipeline: &Pipeline, body: &[u8], default_t: i64) -> (u16, String) {
    let text = String::from_utf8_lossy(body);
    let mut samples = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        match parse_line(line, default_t) {
            Ok(s) => samples.push(s),
            Err(e) => problems.push(format!("line {}: {e}", n + 1)),
        }
    }
    let outcome = match pipeline.append(&samples) {
        Ok(o) => o,
        Err(e) => return (503, format!("storage error: {e}")),
    };
    for (labels, t, reason) in outcome.rejected.iter().take(10) {
        problems.push(format!("{labels} @{t}: {}", reason.as_str()));
    }
    if problems.is_empty() {
        return (204, String::new());
    }
    let shown: Vec<&str> = problems.iter().take(20).map(String::as_str).collect();
    (
        400,
        format!(
            "stored {} samples; {} problems:\n{}\n",
            outcome.appended,
            problems.len(),
            shown.join("\n")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exposition_sample_lines() {
        let s = parse_line(
            r#"http_requests_total{method="post",code="200"} 1027 1395066363000"#,
            0,
        )
        .unwrap();
        assert_eq!(
            s.labels.to_string(),
            r#"http_requests_total{code="200", method="post"}"#
        );
        assert_eq!((s.t, s.v), (1395066363000, 1027.0));
        let s = parse_line(r#"msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9"#, 7).unwrap();
        assert_eq!(s.labels.get("path"), Some(r"C:\DIR\FILE.TXT"));
        assert_eq!(
            s.labels.get("error"),
            Some("Cannot find file:\n\"FILE.TXT\"")
        );
        assert_eq!(s.t, 7);
        assert!(parse_line("x +Inf", 0).unwrap().v.is_infinite());
        for bad in [
            "x",
            "x{a=b} 1",
            "x{a=\"b} 1",
            "x abc",
            "x 1 2 3",
            "1x 1",
            "x{a=\"1\",a=\"2\"} 1",
        ] {
            assert!(parse_line(bad, 0).is_err(), "{bad}");
        }
    }
}
