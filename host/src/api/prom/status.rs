//! `GET /api/v1/status/*`: `buildinfo`, `runtimeinfo`, `config` (the
//! manifest, secrets redacted), `flags` (the settings Prometheus has as
//! flags, from the manifest as started) and `tsdb` (head cardinality).

use super::envelope::{ApiError, ApiResult, success};
use super::params::{Params, format_bytes, format_duration, format_rfc3339};
use crate::app::App;
use axum::extract::State;
use serde_json::{Value, json};
use std::sync::Arc;

/// The Prometheus version whose HTTP API Watchpost answers like. Grafana
/// reads `version` from buildinfo to decide which API features it may use,
/// so it is reported there (as other Prometheus-compatible stores do);
/// Watchpost's own version is in `watchpostVersion`.
pub const PROMETHEUS_API_VERSION: &str = "2.42.0";

/// `/api/v1/status/buildinfo`.
pub(super) async fn buildinfo() -> ApiResult {
    success(json!({
        "version": PROMETHEUS_API_VERSION,
        "revision": "",
        "branch": "",
        "buildUser": "",
        "buildDate": "",
        "goVersion": "",
        "application": "watchpost",
        "watchpostVersion": env!("CARGO_PKG_VERSION"),
    }))
}

/// The retention as Prometheus prints it: `15d`, `15d or 10GiB`.
fn retention(app: &App) -> String {
    let storage = &app.startup.storage;
    let mut out = format_duration(storage.retention);
    if let Some(size) = storage.retention_size {
        out.push_str(" or ");
        out.push_str(&format_bytes(size));
    }
    out
}

/// `/api/v1/status/runtimeinfo`.
pub(super) async fn runtimeinfo(State(app): State<Arc<App>>) -> ApiResult {
    let reload = app.last_reload();
    let runtime = tokio::runtime::Handle::current().metrics();
    success(json!({
        "startTime": format_rfc3339(app.startup.at_ms),
        "CWD": std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default(),
        "reloadConfigSuccess": reload.as_ref().is_none_or(|r| r.ok),
        "lastConfigTime": format_rfc3339(reload.map_or(app.startup.at_ms, |r| r.at_ms)),
        "corruptionCount": 0,
        "goroutineCount": runtime.num_alive_tasks(),
        "GOMAXPROCS": runtime.num_workers(),
        "GOGC": "",
        "GODEBUG": "",
        "storageRetention": retention(&app),
    }))
}

/// `/api/v1/status/config`: `{"yaml": ...}` (the name Prometheus clients
/// read; the text is the TOML manifest).
pub(super) async fn config(State(app): State<Arc<App>>) -> ApiResult {
    let text = app.manifest().await.map(|m| m.redacted).unwrap_or_default();
    success(json!({ "yaml": text }))
}

/// `/api/v1/status/flags`: Prometheus' flag names with the values the
/// manifest gave them at start.
pub(super) async fn flags(State(app): State<Arc<App>>) -> ApiResult {
    let s = &app.startup;
    let bool_text = |b: bool| if b { "true" } else { "false" };
    success(json!({
        "config.file": app.manifest_path().display().to_string(),
        "storage.tsdb.path": s.storage.data_dir.join("metrics").display().to_string(),
        "storage.tsdb.retention.time": format_duration(s.storage.retention),
        "storage.tsdb.retention.size": format_bytes(s.storage.retention_size.unwrap_or(0)),
        "storage.tsdb.min-block-duration": "2h",
        "web.listen-address": s.server.listen.to_string(),
        "web.enable-admin-api": bool_text(s.server.enable_admin_api),
        "web.enable-remote-write-receiver": "true",
        "web.enable-lifecycle": "true",
    }))
}

fn name_values(list: Vec<(String, u64)>) -> Value {
    Value::Array(
        list.into_iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect(),
    )
}

/// `/api/v1/status/tsdb?limit=10`.
pub(super) async fn tsdb(State(app): State<Arc<App>>, params: Params) -> ApiResult {
    let limit = match params.get("limit") {
        "" => 10,
        text => text
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::bad_data("limit must be a positive number"))?,
    };
    let db = Arc::clone(&app.metrics);
    let s = super::envelope::blocking(move || db.head_stats(limit)).await?;
    success(json!({
        "headStats": {
            "numSeries": s.num_series,
            "numLabelPairs": s.num_label_pairs,
            "chunkCount": s.chunk_count,
            "minTime": s.min_time,
            "maxTime": s.max_time,
        },
        "seriesCountByMetricName": name_values(s.series_count_by_metric_name),
        "labelValueCountByLabelName": name_values(s.label_value_count_by_label_name),
        "memoryInBytesByLabelName": name_values(s.memory_in_bytes_by_label_name),
        "seriesCountByLabelValuePair": name_values(s.series_count_by_label_value_pair),
    }))
}
