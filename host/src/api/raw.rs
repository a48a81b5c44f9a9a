//! `GET /api/v0/raw?match=<selector>&start=<unix s>&end=<unix s>`: the raw
//! samples stored for every series a PromQL vector selector matches, in the
//! shape of a Prometheus matrix result. A verification and debugging aid
//! until the PromQL API lands; staleness markers show as `"stale"`.

use super::prom::envelope::{ApiError, ApiResult, blocking, success};
use super::prom::params::selector_matchers;
use crate::app::App;
use crate::storage::metrics::is_stale;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Deserialize)]
pub(super) struct RawParams {
    #[serde(rename = "match")]
    selector: String,
    start: Option<f64>,
    end: Option<f64>,
}

fn format_value(v: f64) -> String {
    if is_stale(v) {
        "stale".into()
    } else {
        crate::storage::metrics::scrape::format_float(v)
    }
}

pub(super) async fn raw(State(app): State<Arc<App>>, Query(params): Query<RawParams>) -> ApiResult {
    let matchers =
        selector_matchers(&params.selector).map_err(|e| ApiError::invalid_param("match", e))?;
    let start = params.start.map_or(i64::MIN, |s| (s * 1000.0) as i64);
    let end = params.end.map_or(i64::MAX, |s| (s * 1000.0) as i64);
    let db = Arc::clone(&app.metrics);
    let series = blocking(move || db.select(&matchers, start, end)).await?;
    let result: Vec<Value> = series
        .into_iter()
        .map(|(labels, samples)| {
            let metric: serde_json::Map<String, Value> = labels
                .iter()
                .map(|(n, v)| (n.to_string(), Value::from(v)))
                .collect();
            let values: Vec<Value> = samples
                .into_iter()
                .map(|(t, v)| json!([t as f64 / 1000.0, format_value(v)]))
                .collect();
            json!({"metric": metric, "values": values})
        })
        .collect();
    success(json!({"resultType": "matrix", "result": result}))
}
