//! Loki's HTTP API on Watchpost's port, for Promtail/Alloy/Fluent Bit
//! (push) and Grafana's Loki data source (queries, labels, series, live
//! tail over a WebSocket).

mod push;
mod query;
mod tail;

#[cfg(test)]
mod golden;

use crate::app::App;
use axum::Router;
use axum::routing::{get, post};
use std::sync::Arc;

/// The Loki routes.
pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/loki/api/v1/push",
            post(push::push).layer(axum::extract::DefaultBodyLimit::max(
                crate::ingest::loki_push::MAX_BODY,
            )),
        )
        .route(
            "/loki/api/v1/query_range",
            get(query::query_range).post(query::query_range),
        )
        .route("/loki/api/v1/query", get(query::query).post(query::query))
        .route(
            "/loki/api/v1/labels",
            get(query::labels).post(query::labels),
        )
        .route(
            "/loki/api/v1/label/{name}/values",
            get(query::label_values).post(query::label_values),
        )
        .route(
            "/loki/api/v1/series",
            get(query::series).post(query::series),
        )
        .route("/loki/api/v1/tail", get(tail::tail))
        .route(
            "/loki/api/v1/index/stats",
            get(query::index_stats).post(query::index_stats),
        )
}
