//! The Prometheus HTTP API v1, answered in Prometheus 2.42's JSON shapes so
//! Grafana's Prometheus data source and scripts work unchanged. One file
//! per concern: `labels` (names, values), `series`, `metadata`, `targets`,
//! `status` (buildinfo, runtimeinfo, config, flags, tsdb), `format`
//! (`format_query`), `admin` (snapshot, delete_series, clean_tombstones),
//! `query` (`query`, `query_range`: PromQL), `exemplars` (none kept),
//! `alerts` (rule plugins' pending and firing alerts), `rules` (their
//! groups and rules);
//! `params` parses what they share (times, `match[]`, form bodies) and
//! `envelope` wraps every answer.

mod admin;
mod alerts;
pub mod envelope;
mod exemplars;
mod format;
mod labels;
mod metadata;
pub mod params;
mod query;
mod rules;
mod series;
mod status;
mod targets;

use crate::app::App;
use axum::Router;
use axum::routing::{get, post};
use std::sync::Arc;

/// The routes of this module.
pub(super) fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/api/v1/query", get(query::instant).post(query::instant))
        .route("/api/v1/query_range", get(query::range).post(query::range))
        .route(
            "/api/v1/query_exemplars",
            get(exemplars::exemplars).post(exemplars::exemplars),
        )
        .route("/api/v1/alerts", get(alerts::alerts))
        .route("/api/v1/rules", get(rules::rules))
        .route("/api/v1/labels", get(labels::names).post(labels::names))
        .route("/api/v1/label/{name}/values", get(labels::values))
        .route("/api/v1/series", get(series::series).post(series::series))
        .route("/api/v1/metadata", get(metadata::metadata))
        .route("/api/v1/targets", get(targets::targets))
        .route("/api/v1/status/buildinfo", get(status::buildinfo))
        .route("/api/v1/status/runtimeinfo", get(status::runtimeinfo))
        .route("/api/v1/status/config", get(status::config))
        .route("/api/v1/status/flags", get(status::flags))
        .route("/api/v1/status/tsdb", get(status::tsdb))
        .route(
            "/api/v1/format_query",
            get(format::format_query).post(format::format_query),
        )
        .route(
            "/api/v1/admin/tsdb/snapshot",
            post(admin::snapshot).put(admin::snapshot),
        )
        .route(
            "/api/v1/admin/tsdb/delete_series",
            post(admin::delete_series).put(admin::delete_series),
        )
        .route(
            "/api/v1/admin/tsdb/clean_tombstones",
            post(admin::clean_tombstones).put(admin::clean_tombstones),
        )
}

#[cfg(test)]
mod query_tests;
#[cfg(test)]
mod tests;
