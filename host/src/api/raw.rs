//! `GET /api/v0/raw?match=<selector>&start=<unix s>&end=<unix s>`: the raw
//! samples stored for every series a PromQL vector selector matches, in the
//! shape of a Prometheus matrix result. A verification and debugging aid
//! until the PromQL API lands; staleness markers show as `"stale"`.

use crate::app::App;
use crate::storage::metrics::{Matcher, is_stale};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use promql_parser::label::MatchOp;
use promql_parser::parser::Expr;
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

fn bad_data(message: String) -> (StatusCode, Json<Value>) {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"status": "error", "errorType": "bad_data", "error": message})),
    )
}

/// The matchers of a vector selector.
pub fn selector_matchers(selector: &str) -> Result<Vec<Matcher>, String> {
    let vs = match promql_parser::parser::parse(selector)? {
        Expr::VectorSelector(vs) => vs,
        other => {
            return Err(format!(
                "expected a series selector, got {}",
                other.prettify()
            ));
        }
    };
    let mut out = Vec::new();
    if let Some(name) = &vs.name {
        out.push(Matcher::equal("__name__", name));
    }
    for m in &vs.matchers.matchers {
        let op = match &m.op {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Re(_) => "=~",
            MatchOp::NotRe(_) => "!~",
        };
        out.push(Matcher::new(&m.name, op, &m.value)?);
    }
    Ok(out)
}

fn format_value(v: f64) -> String {
    if is_stale(v) {
        "stale".into()
    } else {
        crate::storage::metrics::scrape::format_float(v)
    }
}

pub(super) async fn raw(
    State(app): State<Arc<App>>,
    Query(params): Query<RawParams>,
) -> (StatusCode, Json<Value>) {
    let matchers = match selector_matchers(&params.selector) {
        Ok(m) => m,
        Err(e) => return bad_data(format!("invalid parameter \"match\": {e}")),
    };
    let start = params.start.map_or(i64::MIN, |s| (s * 1000.0) as i64);
    let end = params.end.map_or(i64::MAX, |s| (s * 1000.0) as i64);
    let db = Arc::clone(&app.metrics);
    let series = tokio::task::spawn_blocking(move || db.select(&matchers, start, end))
        .await
        .unwrap_or_default();
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
    (
        StatusCode::OK,
        Json(json!({"status": "success", "data": {"resultType": "matrix", "result": result}})),
    )
}
