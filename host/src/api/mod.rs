//! The HTTP API on one port (axum). Operational endpoints for now:
//! `/-/healthy`, `/-/ready`, `/health`, `/metrics`, `POST /-/reload`, and
//! `/api/v0/raw` (raw stored samples), `POST /api/v1/write` (remote write),
//! `POST /v1/metrics` (OTLP metrics), and the Prometheus HTTP API v1
//! (`prom/`), Alertmanager's API v2 (`am/`), Loki's (`loki/`), OTLP logs
//! (`POST /v1/logs`) and Elasticsearch's `_bulk` for log shippers (`es.rs`).
//! Jaeger's joins as traces land.

mod am;
mod es;
mod health;
mod loki;
mod otlp;
mod prom;
mod raw;
mod write;

pub use prom::params::selector_matchers;

use crate::app::App;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use std::sync::Arc;

/// The router for `app`.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/-/healthy", get(healthy))
        .route("/-/ready", get(ready))
        .route("/-/reload", post(reload).put(reload))
        .route("/health", get(health::health))
        .route("/metrics", get(metrics))
        .route("/api/v0/raw", get(raw::raw))
        .route(
            "/v1/metrics",
            post(otlp::metrics).layer(axum::extract::DefaultBodyLimit::max(
                crate::ingest::otlp_metrics::MAX_BODY + 1,
            )),
        )
        .route("/v1/logs", otlp::logs_route())
        .route(
            "/api/v1/import/prometheus",
            post(write::import).layer(axum::extract::DefaultBodyLimit::max(
                crate::ingest::text_import::MAX_BODY,
            )),
        )
        .route(
            "/api/v1/write",
            post(write::write).layer(axum::extract::DefaultBodyLimit::max(
                crate::ingest::remote_write::MAX_COMPRESSED + 1,
            )),
        )
        .merge(loki::router())
        .merge(prom::router())
        .merge(am::router())
        .merge(es::router())
        .with_state(app)
}

async fn healthy() -> &'static str {
    "Watchpost is Healthy.\n"
}

async fn ready(State(app): State<Arc<App>>) -> impl IntoResponse {
    if app.is_ready() {
        (StatusCode::OK, "Watchpost is Ready.\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable\n")
    }
}

async fn reload(State(app): State<Arc<App>>) -> impl IntoResponse {
    match app.reload().await {
        Ok(()) => (StatusCode::OK, String::new()),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("failed to reload config: {e:#}\n"),
        ),
    }
}

async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        with_alerting(app.telemetry.encode(), &{
            let mut more = app.alerting.metrics().encode();
            app.logs.encode_metrics(&mut more);
            app.source_metrics.encode(&mut more);
            more
        }),
    )
}

/// The host's metrics with the alert manager's before the final `# EOF`.
fn with_alerting(host: String, alerting: &str) -> String {
    match host.strip_suffix("# EOF\n") {
        Some(body) => format!("{body}{alerting}# EOF\n"),
        None => host + alerting,
    }
}
