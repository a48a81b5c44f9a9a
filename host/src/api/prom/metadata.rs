//! `GET /api/v1/metadata`: type, help and unit per metric family, as
//! exporters and remote-write senders last described them; `metric` picks
//! one family, `limit` caps the families, `limit_per_metric` the entries per
//! family (Watchpost keeps one: the latest).

use super::envelope::{ApiError, ApiResult, success};
use super::params::Params;
use crate::app::App;
use axum::extract::State;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// A Go `strconv.Atoi` parameter: `-1` (no limit) when absent.
fn number(params: &Params, name: &str) -> Result<i64, ApiError> {
    match params.get(name) {
        "" => Ok(-1),
        text => text
            .parse()
            .map_err(|_| ApiError::bad_data(format!("{name} must be a number"))),
    }
}

/// `/api/v1/metadata`.
pub(super) async fn metadata(State(app): State<Arc<App>>, params: Params) -> ApiResult {
    let limit = number(&params, "limit")?;
    // Validated only: with one entry per family, any limit keeps it.
    number(&params, "limit_per_metric")?;
    let metric = Some(params.get("metric")).filter(|m| !m.is_empty());
    let families = app
        .metrics
        .metadata()
        .list(metric, usize::try_from(limit).ok());
    let data: Map<String, Value> = families
        .into_iter()
        .map(|(name, m)| (name, json!([m])))
        .collect();
    success(data)
}
