//! `GET|POST /api/v1/series`: the label sets of the series matching any
//! `match[]` selector (at least one is required) with data between `start`
//! and `end`, sorted, each once.

use super::envelope::{ApiResult, blocking, success};
use super::params::Params;
use crate::app::App;
use crate::storage::metrics::Labels;
use axum::extract::State;
use serde_json::{Map, Value};
use std::sync::Arc;

/// A label set as a JSON object (`{"__name__":"up","job":"a"}`).
pub(super) fn labels_json(labels: &Labels) -> Value {
    Value::Object(
        labels
            .iter()
            .map(|(n, v)| (n.to_string(), Value::from(v)))
            .collect::<Map<String, Value>>(),
    )
}

/// `/api/v1/series`.
pub(super) async fn series(State(app): State<Arc<App>>, params: Params) -> ApiResult {
    let (selectors, start, end) = params.required_selection()?;
    let db = Arc::clone(&app.metrics);
    let found = blocking(move || db.series(&selectors, start, end)).await?;
    success(found.iter().map(labels_json).collect::<Vec<Value>>())
}
