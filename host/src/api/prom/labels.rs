//! `GET|POST /api/v1/labels` and `GET /api/v1/label/<name>/values`: label
//! names and one label's values, sorted, over the series matching any
//! `match[]` selector (every series without one) with data between `start`
//! and `end`. Grafana's label browser and autocomplete use these.

use super::envelope::{ApiError, ApiResult, blocking, success};
use super::params::Params;
use crate::app::App;
use crate::storage::metrics::labels::valid_label_name;
use axum::extract::{Path, State};
use std::sync::Arc;

/// `/api/v1/labels`.
pub(super) async fn names(State(app): State<Arc<App>>, params: Params) -> ApiResult {
    let (start, end) = params.range()?;
    let selectors = params.selectors().map_err(ApiError::bad_data)?;
    let db = Arc::clone(&app.metrics);
    success(blocking(move || db.label_names(&selectors, start, end)).await?)
}

/// `/api/v1/label/<name>/values`.
pub(super) async fn values(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    params: Params,
) -> ApiResult {
    if !valid_label_name(&name) {
        return Err(ApiError::bad_data(format!("invalid label name: {name:?}")));
    }
    let (start, end) = params.range()?;
    let selectors = params.selectors().map_err(ApiError::bad_data)?;
    let db = Arc::clone(&app.metrics);
    success(blocking(move || db.label_values(&name, &selectors, start, end)).await?)
}
