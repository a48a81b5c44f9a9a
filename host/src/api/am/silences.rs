//! `GET/POST /api/v2/silences`, `GET/DELETE /api/v2/silence/{id}`.

use super::json::{PostableSilence, gettable_silence};
use super::params::{Params, bad_request};
use crate::alerting::silences::{Silence, SilenceError, SilenceState};
use crate::app::App;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::cmp::Ordering;
use std::sync::Arc;

/// Alertmanager's `SortSilences`: active ones by end, then pending ones by
/// start, then expired ones, most recently ended first.
fn order(a: &Silence, b: &Silence, now: i64) -> Ordering {
    let rank = |s: &Silence| match s.state(now) {
        SilenceState::Active => 0,
        SilenceState::Pending => 1,
        SilenceState::Expired => 2,
    };
    rank(a).cmp(&rank(b)).then_with(|| match a.state(now) {
        SilenceState::Active => a.ends_at.cmp(&b.ends_at),
        SilenceState::Pending => a.starts_at.cmp(&b.starts_at),
        SilenceState::Expired => b.ends_at.cmp(&a.ends_at),
    })
}

pub(super) async fn list(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    let filters = match Params::parse(raw.as_deref()).filters() {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let now = crate::util::now_ms();
    let mut silences: Vec<Silence> = app
        .alerting
        .lock()
        .silences()
        .iter()
        .filter(|s| {
            // A filter matches a silence by the values its matchers name.
            filters.iter().all(|f| {
                s.matchers
                    .iter()
                    .find(|m| m.name == f.name())
                    .is_some_and(|m| f.matches(&m.value))
            })
        })
        .cloned()
        .collect();
    silences.sort_by(|a, b| order(a, b, now));
    axum::Json(
        silences
            .iter()
            .map(|s| gettable_silence(s, now))
            .collect::<Vec<_>>(),
    )
    .into_response()
}

pub(super) async fn post(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let posted: PostableSilence = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({
                    "code": 400,
                    "message": format!("parsing silence body from \"\" failed, because {e}"),
                })),
            )
                .into_response();
        }
    };
    let silence = match posted.into_silence() {
        Ok(s) => s,
        Err(e) => return bad_request(e),
    };
    let now = crate::util::now_ms();
    if silence.starts_at >= silence.ends_at {
        return bad_request("Failed to create silence: start time must be before end time".into());
    }
    if silence.ends_at < now {
        return bad_request("Failed to create silence: end time can't be in the past".into());
    }
    let result = app.alerting.lock().silences_mut().set(silence, now);
    match result {
        Ok(id) => axum::Json(json!({ "silenceID": id })).into_response(),
        Err(SilenceError::NotFound) => (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::Value::String(
                SilenceError::NotFound.to_string(),
            )),
        )
            .into_response(),
        Err(e) => bad_request(e.to_string()),
    }
}

pub(super) async fn get_one(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let now = crate::util::now_ms();
    match app.alerting.lock().silences().get(&id) {
        Some(s) => axum::Json(gettable_silence(s, now)).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub(super) async fn delete(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let now = crate::util::now_ms();
    let result = app.alerting.lock().silences_mut().expire(&id, now);
    match result {
        Ok(()) => StatusCode::OK.into_response(),
        Err(SilenceError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(serde_json::Value::String(e.to_string())),
        )
            .into_response(),
    }
}
