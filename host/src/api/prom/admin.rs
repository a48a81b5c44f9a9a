//! `POST|PUT /api/v1/admin/tsdb/*`: `snapshot` (`{"name": ...}` under
//! `<data_dir>/snapshots/`), `delete_series` and `clean_tombstones` (204).
//! Served only with `[server] enable_admin_api = true` (Prometheus'
//! `--web.enable-admin-api`); otherwise answered as Prometheus answers:
//! `unavailable`, "admin APIs disabled".

use super::envelope::{ApiError, ApiResult, blocking, success};
use super::params::{Params, format_rfc3339, parse_bool};
use crate::app::App;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::json;
use std::sync::Arc;

fn enabled(app: &App) -> Result<(), ApiError> {
    if app.startup.server.enable_admin_api {
        Ok(())
    } else {
        Err(ApiError::unavailable("admin APIs disabled"))
    }
}

/// A snapshot's directory name, as Prometheus names them:
/// `20060102T150405Z-<16 hex digits>`.
fn snapshot_name(now_ms: i64) -> String {
    let iso = format_rfc3339(now_ms);
    format!(
        "{}Z-{:016x}",
        iso[..19].replace(['-', ':'], ""),
        fastrand::u64(..)
    )
}

/// `/api/v1/admin/tsdb/snapshot?skip_head=<bool>`.
pub(super) async fn snapshot(State(app): State<Arc<App>>, params: Params) -> ApiResult {
    enabled(&app)?;
    let skip_head = match params.get("skip_head") {
        "" => false,
        text => parse_bool(text).ok_or_else(|| {
            ApiError::bad_data(format!(
                "unable to parse boolean 'skip_head' argument: strconv.ParseBool: parsing {text:?}: invalid syntax"
            ))
        })?,
    };
    let name = snapshot_name(crate::util::now_ms());
    let dir = app.startup.storage.data_dir.join("snapshots").join(&name);
    let db = Arc::clone(&app.metrics);
    let report = blocking(move || db.snapshot(&dir, skip_head))
        .await?
        .map_err(|e| ApiError::internal(format!("create snapshot: {e}")))?;
    tracing::info!(snapshot = %name, blocks = report.blocks, head = report.head, "snapshot written");
    success(json!({ "name": name }))
}

/// `/api/v1/admin/tsdb/delete_series?match[]=...&start=&end=`.
pub(super) async fn delete_series(State(app): State<Arc<App>>, params: Params) -> ApiResult {
    enabled(&app)?;
    let (selectors, start, end) = params.required_selection()?;
    let db = Arc::clone(&app.metrics);
    let affected = blocking(move || db.delete_series(&selectors, start, end))
        .await?
        .map_err(ApiError::internal)?;
    tracing::info!(affected, start, end, "series data deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `/api/v1/admin/tsdb/clean_tombstones`.
pub(super) async fn clean_tombstones(State(app): State<Arc<App>>) -> ApiResult {
    enabled(&app)?;
    let db = Arc::clone(&app.metrics);
    let rewritten = blocking(move || db.clean_tombstones())
        .await?
        .map_err(ApiError::internal)?;
    tracing::info!(blocks = rewritten, "tombstones cleaned");
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot_names_look_like_prometheus_ones() {
        let name = super::snapshot_name(1_700_000_000_123);
        assert_eq!(&name[..17], "20231114T221320Z-");
        assert_eq!(name.len(), 33);
        assert!(name[17..].chars().all(|c| c.is_ascii_hexdigit()));
    }
}
