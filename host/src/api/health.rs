//! `GET /health`: overall status plus each component and each plugin with its
//! state, last success and last error. `ok` when every plugin's last call
//! succeeded, `degraded` when some plugin is erroring or restarting (still
//! HTTP 200: the host itself is serving).

use crate::app::{App, PluginReport, ReloadStatus};
use crate::runtime::PluginState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use std::sync::Arc;

#[derive(Serialize)]
struct Component {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    components: std::collections::BTreeMap<&'static str, Component>,
    config: Option<ReloadStatus>,
    plugins: Vec<PluginReport>,
}

pub(super) async fn health(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    let plugins = app.plugin_reports().await;
    let troubled = plugins
        .iter()
        .filter(|p| matches!(p.health.state, PluginState::Backoff | PluginState::Erroring))
        .count();
    let config = app.last_reload();
    let mut components = std::collections::BTreeMap::new();
    components.insert(
        "http",
        Component {
            status: "ok",
            detail: None,
        },
    );
    components.insert(
        "plugins",
        Component {
            status: if troubled == 0 { "ok" } else { "degraded" },
            detail: Some(format!("{} running, {troubled} failing", plugins.len())),
        },
    );
    components.insert(
        "config",
        Component {
            status: if config.as_ref().is_none_or(|c| c.ok) {
                "ok"
            } else {
                "degraded"
            },
            detail: config.as_ref().and_then(|c| c.error.clone()),
        },
    );
    let status = if components.values().all(|c| c.status == "ok") {
        "ok"
    } else {
        "degraded"
    };
    let health = Health {
        status,
        version: env!("CARGO_PKG_VERSION"),
        components,
        config,
        plugins,
    };
    Json(serde_json::to_value(health).unwrap_or_default())
}
