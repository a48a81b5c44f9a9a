//! `GET /api/v1/alerts`: the pending and firing alerts of every rule plugin,
//! in Prometheus 2.42's shape (Grafana's alert list reads it).

use super::envelope::{ApiResult, success};
use super::params::format_rfc3339;
use crate::app::App;
use crate::rules::Alert;
use axum::extract::State;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// A time as Go's `time.Time` marshals to JSON (RFC 3339, fraction without
/// trailing zeros).
pub(super) fn go_time(ms: i64) -> String {
    let s = format_rfc3339(ms);
    let (head, fraction) = s.trim_end_matches('Z').split_once('.').unwrap_or((&s, ""));
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{head}Z")
    } else {
        format!("{head}.{fraction}Z")
    }
}

/// A value as Go's `strconv.FormatFloat(v, 'e', -1, 64)` writes it.
pub(super) fn go_exp(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    let s = format!("{v:e}");
    let (mantissa, exp) = s.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("integer exponent");
    format!(
        "{mantissa}e{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    )
}

fn label_map<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Value {
    Value::Object(
        pairs
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect::<Map<_, _>>(),
    )
}

/// One alert as the API shows it.
pub(super) fn alert_json(a: &Alert) -> Value {
    let mut v = json!({
        "labels": label_map(a.labels.iter()),
        "annotations": label_map(a.annotations.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        "state": a.state.as_str(),
        "activeAt": go_time(a.active_at),
        "value": go_exp(a.value),
    });
    if let Some(since) = a.keep_firing_since {
        v["keepFiringSince"] = Value::String(go_time(since));
    }
    v
}

pub(super) async fn alerts(State(app): State<Arc<App>>) -> ApiResult {
    let alerts: Vec<Value> = app
        .rules
        .active_alerts()
        .iter()
        .map(|(_, _, a)| alert_json(a))
        .collect();
    success(json!({ "alerts": alerts }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_formats() {
        assert_eq!(go_exp(1.0), "1e+00");
        assert_eq!(go_exp(1234.5), "1.2345e+03");
        assert_eq!(go_exp(0.00015), "1.5e-04");
        assert_eq!(go_exp(f64::NEG_INFINITY), "-Inf");
        assert_eq!(go_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(go_time(1_500), "1970-01-01T00:00:01.5Z");
        assert_eq!(go_time(1_678_000_000_123), "2023-03-05T07:06:40.123Z");
    }
}
