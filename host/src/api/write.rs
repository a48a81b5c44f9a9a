//! `POST /api/v1/write` (remote write) and `POST /api/v1/import/prometheus`
//! (text backfill): each hands the body to its receiver on a blocking thread
//! (decoding and the synced append are CPU and disk work).

use crate::app::App;
use crate::ingest::remote_write;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use std::sync::Arc;

pub(super) async fn write(State(app): State<Arc<App>>, body: Bytes) -> impl IntoResponse {
    let response = tokio::task::spawn_blocking(move || {
        remote_write::receive(&app.pipeline, &app.telemetry, &body)
    })
    .await
    .unwrap_or_else(|e| remote_write::WriteResponse {
        status: 500,
        body: format!("internal error: {e}"),
    });
    if response.status >= 400 {
        tracing::debug!(status = response.status, reason = %response.body, "remote write refused");
    }
    (
        StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        response.body,
    )
}

#[derive(serde::Deserialize)]
pub(super) struct ImportParams {
    /// Default timestamp (ms) for lines without one.
    timestamp: Option<i64>,
}

/// `POST /api/v1/import/prometheus`: text-format backfill.
pub(super) async fn import(
    State(app): State<Arc<App>>,
    axum::extract::Query(params): axum::extract::Query<ImportParams>,
    body: Bytes,
) -> impl IntoResponse {
    let t = params.timestamp.unwrap_or_else(crate::util::now_ms);
    let (status, message) = tokio::task::spawn_blocking(move || {
        crate::ingest::text_import::import(&app.pipeline, &body, t)
    })
    .await
    .unwrap_or_else(|e| (500, format!("internal error: {e}")));
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        message,
    )
}
