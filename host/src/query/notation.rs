//! Prometheus' series notation, shared by the PromQL conformance runner
//! and `watchpost test rules`: a series description (`metric{a="b"}`, only
//! equality matchers) and the expanding values notation (`0+10x5 _ stale
//! 1x3 _x2`), as Prometheus 2.42's test lexer reads them.
//!
//! Expanding items: `a` (one value), `a+bxn` / `a-bxn` (n + 1 values from
//! `a`, stepping by `b`), `axn` (a repeated n + 1 times), `_` (no sample),
//! `_xn` (n steps without samples), `stale` (a staleness marker). Values
//! may be `Inf`, `-Inf`, `NaN` or any float.

use crate::storage::metrics::labels::METRIC_NAME;
use crate::storage::metrics::{Labels, STALE_NAN};
use promql_parser::label::MatchOp;
use promql_parser::parser::Expr;

/// Splits `metric{a="b", c='d'} rest` into the series description and the
/// rest (the values), respecting quotes inside the braces.
pub fn split_series(line: &str) -> (&str, &str) {
    let line = line.trim();
    let Some(open) = line.find('{') else {
        let end = line.find(char::is_whitespace).unwrap_or(line.len());
        return (&line[..end], line[end..].trim());
    };
    if line[..open].contains(char::is_whitespace) {
        let end = line.find(char::is_whitespace).unwrap_or(line.len());
        return (&line[..end], line[end..].trim());
    }
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line[open..].char_indices() {
        match (quote, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '}') => {
                let end = open + i + 1;
                return (&line[..end], line[end..].trim());
            }
            _ => {}
        }
    }
    (line, "")
}

/// Parses a series description (`metric{a="b"}`) into its labels, with
/// `__name__`, as Prometheus' `ParseMetric`.
pub fn parse_metric(text: &str) -> Result<Labels, String> {
    if text.trim() == "{}" {
        return Ok(Labels::default());
    }
    let expr = super::parse(text).map_err(|e| e.to_string())?;
    let Expr::VectorSelector(vs) = expr else {
        return Err(format!("{text:?} is not a series description"));
    };
    if vs.offset.is_some() || vs.at.is_some() || !vs.matchers.or_matchers.is_empty() {
        return Err(format!("{text:?} is not a series description"));
    }
    let mut b = Labels::default().builder();
    if let Some(name) = &vs.name {
        b.set(METRIC_NAME, name);
    }
    for m in &vs.matchers.matchers {
        if !matches!(m.op, MatchOp::Equal) {
            return Err("a series description takes only `=` matchers".into());
        }
        b.set(&m.name, &m.value);
    }
    Ok(b.build())
}

/// One value of the notation (`1.5`, `Inf`, `NaN`, `stale`).
pub fn parse_number(s: &str) -> Result<f64, String> {
    match s {
        "Inf" | "+Inf" | "inf" | "+inf" => Ok(f64::INFINITY),
        "-Inf" | "-inf" => Ok(f64::NEG_INFINITY),
        "NaN" | "nan" => Ok(f64::NAN),
        "stale" => Ok(f64::from_bits(STALE_NAN)),
        _ => s
            .parse()
            .map_err(|_| format!("invalid number {s:?} in series values")),
    }
}

/// Expands `1+2x3 _ stale 5x2 _x3` into a value (or none) per step.
pub fn expand_values(text: &str) -> Result<Vec<Option<f64>>, String> {
    let mut out = Vec::new();
    for item in text.split_whitespace() {
        if item == "_" {
            out.push(None);
            continue;
        }
        if let Some(n) = item.strip_prefix("_x") {
            let n: usize = n
                .parse()
                .map_err(|_| format!("invalid repetition in {item:?}"))?;
            out.extend(std::iter::repeat_n(None, n));
            continue;
        }
        let Some((head, times)) = item.rsplit_once('x') else {
            out.push(Some(parse_number(item)?));
            continue;
        };
        let times: usize = times
            .parse()
            .map_err(|_| format!("invalid repetition in {item:?}"))?;
        // head is `a`, `a+b` or `a-b` (a may be signed or have an exponent).
        let split = head
            .char_indices()
            .skip(1)
            .find(|&(i, c)| (c == '+' || c == '-') && !head[..i].ends_with(['e', 'E']));
        let (start, inc) = match split {
            Some((i, _)) => (parse_number(&head[..i])?, parse_number(&head[i..])?),
            None => (parse_number(head)?, 0.0),
        };
        let mut v = start;
        for _ in 0..=times {
            out.push(Some(v));
            v += inc;
        }
    }
    Ok(out)
}

/// A load line (`metric{a="b"} 0+1x3`) as labels and samples every
/// `step_ms` from 0.
pub fn load_series(line: &str, step_ms: i64) -> Result<(Labels, Vec<(i64, f64)>), String> {
    let (desc, values) = split_series(line);
    let labels = parse_metric(desc)?;
    let samples = expand_values(values)?
        .into_iter()
        .enumerate()
        .filter_map(|(k, v)| v.map(|v| (k as i64 * step_ms, v)))
        .collect();
    Ok((labels, samples))
}

/// Whether two sample values are equal within Prometheus' test tolerance
/// (`promql/test.go`'s `almostEqual`: a relative difference under 1e-6;
/// NaN equals NaN). Expected values in test files are written in decimal,
/// and two engines may sum in different orders.
pub fn almost_equal(a: f64, b: f64) -> bool {
    const EPSILON: f64 = 0.000001;
    const MIN_NORMAL: f64 = f64::MIN_POSITIVE;
    if (a.is_nan() && b.is_nan()) || a == b {
        return true;
    }
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || diff < MIN_NORMAL {
        return diff < EPSILON * MIN_NORMAL;
    }
    diff / (a.abs() + b.abs()) < EPSILON
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_prometheus_notation() {
        let v = expand_values("0+10x2 _ stale 1x1 -2-1x1 _x2 1e3").unwrap();
        assert_eq!(v[..3], [Some(0.0), Some(10.0), Some(20.0)]);
        assert_eq!(v[3], None);
        assert!(v[4].is_some_and(|x| x.to_bits() == STALE_NAN));
        assert_eq!(
            v[5..],
            [
                Some(1.0),
                Some(1.0),
                Some(-2.0),
                Some(-3.0),
                None,
                None,
                Some(1000.0)
            ]
        );
        assert!(expand_values("1xa").is_err());
        assert!(expand_values("one").is_err());
    }

    #[test]
    fn series_descriptions() {
        let (labels, samples) = load_series(r#"up{job="a}b", i='x'} 1 _ 3"#, 60_000).unwrap();
        assert_eq!(labels.get("__name__"), Some("up"));
        assert_eq!(labels.get("job"), Some("a}b"));
        assert_eq!(labels.get("i"), Some("x"));
        assert_eq!(samples, [(0, 1.0), (120_000, 3.0)]);
        let (labels, _) = load_series("up 1", 1).unwrap();
        assert_eq!(labels.len(), 1);
        assert!(parse_metric(r#"up{a=~"b"}"#).is_err());
        assert!(parse_metric("rate(up[5m])").is_err());
    }

    #[test]
    fn property_progressions_expand_to_n_plus_one_steps() {
        let mut rng = fastrand::Rng::with_seed(42);
        for _ in 0..500 {
            let (a, b, n) = (rng.i64(-1000..1000), rng.i64(-50..50), rng.usize(0..30));
            let text = if b < 0 {
                format!("{a}{b}x{n}")
            } else {
                format!("{a}+{b}x{n}")
            };
            let v = expand_values(&text).unwrap();
            assert_eq!(v.len(), n + 1, "{text}");
            for (i, x) in v.iter().enumerate() {
                assert_eq!(*x, Some((a + i as i64 * b) as f64), "{text}");
            }
        }
    }

    #[test]
    fn property_label_values_survive_description_and_split() {
        let mut rng = fastrand::Rng::with_seed(7);
        let alphabet = ['a', 'Z', '0', ' ', '}', '{', ',', '"', '\\', '=', '\'', 'é'];
        for _ in 0..300 {
            let value: String = (0..rng.usize(0..12))
                .map(|_| alphabet[rng.usize(0..alphabet.len())])
                .collect();
            let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
            let line = format!("m{{l=\"{escaped}\", k=\"v\"}} 1 2");
            let (desc, rest) = split_series(&line);
            assert_eq!(rest, "1 2", "{line}");
            let labels = parse_metric(desc).unwrap();
            let want = if value.is_empty() {
                None
            } else {
                Some(value.as_str())
            };
            assert_eq!(labels.get("l"), want, "{line}");
        }
    }
}
