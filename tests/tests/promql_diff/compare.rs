//! Compares two Prometheus API answers (`/api/v1/query` or `query_range`
//! JSON): status, `errorType`, result type, the set of series keyed by
//! label set, timestamps, and values to 1e-9 relative (NaN equals NaN, an
//! infinity equals the same infinity). Result order is compared only when
//! the caller says Prometheus guarantees it, and then as the sequence of
//! values, since ties may come in any order.

use serde_json::Value;
use std::collections::BTreeMap;

/// Relative tolerance for values.
const TOLERANCE: f64 = 1e-9;
/// Problems listed per differing query.
const LISTED: usize = 3;

/// The outcome of one comparison.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// Same answer.
    Equal,
    /// Same error type, different wording (a softer check).
    MessageDiffers {
        reference: String,
        candidate: String,
    },
    /// Different answers, with a short description.
    Differs(String),
}

/// A value string of the API (`"1.5"`, `"NaN"`, `"+Inf"`, `"-Inf"`).
fn number(v: &Value) -> Option<f64> {
    match v.as_str()? {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        s => s.parse().ok(),
    }
}

/// Values equal to the tolerance.
pub fn values_equal(a: f64, b: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    a == b || (a.is_finite() && b.is_finite() && (a - b).abs() <= TOLERANCE * a.abs().max(b.abs()))
}

/// A `[t, "v"]` point's timestamp in milliseconds.
fn millis(point: &Value) -> Option<i64> {
    Some((point[0].as_f64()? * 1000.0).round() as i64)
}

/// `{a="b", c="d"}` from a `metric` object (keys sorted).
pub fn labels(metric: &Value) -> String {
    let mut pairs: Vec<(&String, &Value)> = metric
        .as_object()
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", v)).collect();
    format!("{{{}}}", body.join(", "))
}

fn describe(answer: &Value) -> String {
    match answer["status"].as_str() {
        Some("error") => format!(
            "error({}) {:?}",
            answer["errorType"].as_str().unwrap_or("?"),
            answer["error"].as_str().unwrap_or("")
        ),
        Some(s) => s.to_string(),
        None => format!("not an API answer: {}", short(&answer.to_string())),
    }
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(160).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Compares two points; `None` when equal.
fn point(r: &Value, c: &Value, text: bool) -> Option<String> {
    let (rt, ct) = (millis(r), millis(c));
    if rt.is_none() || rt != ct {
        return Some(format!("timestamp {} vs {}", r[0], c[0]));
    }
    let same = if text {
        r[1] == c[1]
    } else {
        match (number(&r[1]), number(&c[1])) {
            (Some(a), Some(b)) => values_equal(a, b),
            _ => false,
        }
    };
    (!same).then(|| format!("at {}: {} vs {}", r[0], r[1], c[1]))
}

/// The points of a vector sample or matrix series.
fn points(series: &Value) -> Vec<Value> {
    match series.get("values") {
        Some(Value::Array(values)) => values.clone(),
        _ => vec![series["value"].clone()],
    }
}

fn by_labels(result: &Value, problems: &mut Vec<String>, side: &str) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for s in result.as_array().into_iter().flatten() {
        let key = labels(&s["metric"]);
        if out.insert(key.clone(), s.clone()).is_some() {
            problems.push(format!("{side} has {key} twice"));
        }
    }
    out
}

/// Compares vector or matrix results.
fn series(r: &Value, c: &Value, ordered: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let theirs = by_labels(r, &mut problems, "reference");
    let ours = by_labels(c, &mut problems, "candidate");
    for key in theirs.keys().filter(|k| !ours.contains_key(*k)) {
        problems.push(format!("missing {key}"));
    }
    for key in ours.keys().filter(|k| !theirs.contains_key(*k)) {
        problems.push(format!("extra {key}"));
    }
    for (key, rs) in &theirs {
        let Some(cs) = ours.get(key) else { continue };
        let (rp, cp) = (points(rs), points(cs));
        if let Some(p) = rp.iter().zip(&cp).find_map(|(a, b)| point(a, b, false)) {
            problems.push(format!("{key} {p}"));
        } else if rp.len() != cp.len() {
            problems.push(format!("{key} has {} points vs {}", rp.len(), cp.len()));
        }
    }
    if ordered && problems.is_empty() {
        let (ra, ca) = (r.as_array().unwrap(), c.as_array().unwrap());
        if let Some(i) =
            (0..ra.len()).find(|&i| point(&ra[i]["value"], &ca[i]["value"], false).is_some())
        {
            problems.push(format!(
                "order differs at position {i}: {} vs {}",
                labels(&ra[i]["metric"]),
                labels(&ca[i]["metric"])
            ));
        }
    }
    problems
}

/// Compares the reference answer `r` with the candidate `c`.
pub fn compare(r: &Value, c: &Value, ordered: bool) -> Verdict {
    if r["status"] != c["status"] || r["status"].as_str().is_none() {
        return Verdict::Differs(format!("{} vs {}", describe(r), describe(c)));
    }
    if r["status"] == "error" {
        return if r["errorType"] != c["errorType"] {
            Verdict::Differs(format!("{} vs {}", describe(r), describe(c)))
        } else if r["error"] != c["error"] {
            Verdict::MessageDiffers {
                reference: r["error"].as_str().unwrap_or("").into(),
                candidate: c["error"].as_str().unwrap_or("").into(),
            }
        } else {
            Verdict::Equal
        };
    }
    let (rd, cd) = (&r["data"], &c["data"]);
    if rd["resultType"] != cd["resultType"] {
        return Verdict::Differs(format!(
            "resultType {} vs {}",
            rd["resultType"], cd["resultType"]
        ));
    }
    let problems = match rd["resultType"].as_str() {
        Some("scalar") => point(&rd["result"], &cd["result"], false)
            .into_iter()
            .collect(),
        Some("string") => point(&rd["result"], &cd["result"], true)
            .into_iter()
            .collect(),
        Some("vector" | "matrix") => series(&rd["result"], &cd["result"], ordered),
        other => vec![format!("unknown resultType {other:?}")],
    };
    if problems.is_empty() {
        return Verdict::Equal;
    }
    let mut text = problems[..problems.len().min(LISTED)].join("; ");
    if problems.len() > LISTED {
        text.push_str(&format!("; and {} more", problems.len() - LISTED));
    }
    Verdict::Differs(short(&text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vector(samples: &[(&str, &str)]) -> Value {
        let result: Vec<Value> = samples
            .iter()
            .map(|(job, v)| json!({"metric": {"job": job}, "value": [10.5, v]}))
            .collect();
        json!({"status": "success", "data": {"resultType": "vector", "result": result}})
    }

    #[test]
    fn compares_values_sets_and_order() {
        let r = vector(&[("a", "1"), ("b", "NaN"), ("c", "+Inf")]);
        assert_eq!(compare(&r, &r, true), Verdict::Equal);
        let close = vector(&[("c", "+Inf"), ("a", "1.0000000001"), ("b", "NaN")]);
        assert_eq!(compare(&r, &close, false), Verdict::Equal);
        assert!(
            matches!(compare(&r, &close, true), Verdict::Differs(d) if d.contains("order differs at position 0"))
        );
        let off = vector(&[("a", "1.00001"), ("b", "NaN"), ("c", "-Inf")]);
        assert!(
            matches!(compare(&r, &off, false), Verdict::Differs(d) if d.contains("1.00001") && d.contains("-Inf"))
        );
        let fewer = vector(&[("a", "1"), ("d", "NaN")]);
        assert!(
            matches!(compare(&r, &fewer, false), Verdict::Differs(d) if d.contains("missing {job=\"b\"}") && d.contains("extra {job=\"d\"}"))
        );
        // Ties may come in any order.
        let tie = vector(&[("a", "1"), ("b", "1")]);
        let swapped = vector(&[("b", "1"), ("a", "1")]);
        assert_eq!(compare(&tie, &swapped, true), Verdict::Equal);
        assert!(!values_equal(1.0, f64::INFINITY) && !values_equal(f64::MAX, f64::INFINITY));
        assert!(values_equal(-0.0, 0.0) && !values_equal(1e-300, 0.0));
    }

    #[test]
    fn compares_errors_and_matrices() {
        let e = |t: &str, m: &str| json!({"status": "error", "errorType": t, "error": m});
        assert!(matches!(
            compare(&e("bad_data", "x"), &e("bad_data", "y"), false),
            Verdict::MessageDiffers { .. }
        ));
        assert!(matches!(
            compare(&e("bad_data", "x"), &e("execution", "x"), false),
            Verdict::Differs(_)
        ));
        assert!(matches!(
            compare(&e("bad_data", "x"), &vector(&[]), false),
            Verdict::Differs(_)
        ));
        assert!(matches!(
            compare(&json!("404 page not found"), &vector(&[]), false),
            Verdict::Differs(_)
        ));
        let m = |points: Value| {
            json!({"status": "success", "data": {"resultType": "matrix",
            "result": [{"metric": {}, "values": points}]}})
        };
        let r = m(json!([[1, "1"], [2, "2"]]));
        assert_eq!(
            compare(&r, &m(json!([[1, "1"], [2, "2"]])), false),
            Verdict::Equal
        );
        assert!(
            matches!(compare(&r, &m(json!([[1, "1"]])), false), Verdict::Differs(d) if d.contains("2 points vs 1"))
        );
        assert!(
            matches!(compare(&r, &m(json!([[1, "1"], [3, "2"]])), false), Verdict::Differs(d) if d.contains("timestamp"))
        );
    }
}
