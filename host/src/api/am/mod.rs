//! Alertmanager's API v2, in Alertmanager 0.25's JSON shapes, so `amtool`,
//! Grafana's Alertmanager data source and any Prometheus (as its
//! Alertmanager) work unchanged: `alerts` (GET, POST), `alerts/groups`,
//! `silences` (GET, POST), `silence/{id}` (GET, DELETE), `status` and
//! `receivers`. `json` holds the shapes, `params` the query parameters.

mod alerts;
mod json;
mod params;
mod silences;
mod status;

use crate::app::App;
use axum::Router;
use axum::routing::get;
use std::sync::Arc;

/// The routes of this module.
pub(super) fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/api/v2/alerts", get(alerts::list).post(alerts::post))
        .route("/api/v2/alerts/groups", get(alerts::groups))
        .route("/api/v2/silences", get(silences::list).post(silences::post))
        .route(
            "/api/v2/silence/{id}",
            get(silences::get_one).delete(silences::delete),
        )
        .route("/api/v2/status", get(status::status))
        .route("/api/v2/receivers", get(status::receivers))
}
