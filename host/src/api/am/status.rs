//! `GET /api/v2/status` (the configuration with secrets hidden, uptime,
//! version; clustering is disabled: Watchpost is one node) and
//! `GET /api/v2/receivers`.

use crate::app::App;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

pub(super) async fn status(State(app): State<Arc<App>>) -> Response {
    let policy = app.alerting.policy();
    axum::Json(json!({
        "cluster": {"peers": [], "status": "disabled"},
        "config": {"original": policy.original_redacted()},
        "uptime": crate::util::rfc3339_ms(app.started_ms()),
        "versionInfo": {
            "branch": "",
            "buildDate": "",
            "buildUser": "",
            "goVersion": "",
            "revision": "",
            "version": env!("CARGO_PKG_VERSION"),
        },
    }))
    .into_response()
}

pub(super) async fn receivers(State(app): State<Arc<App>>) -> Response {
    let names: Vec<_> = app
        .alerting
        .policy()
        .receiver_names()
        .into_iter()
        .map(|name| json!({ "name": name }))
        .collect();
    axum::Json(names).into_response()
}
