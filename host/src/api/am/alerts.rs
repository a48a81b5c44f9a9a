//! `GET/POST /api/v2/alerts` and `GET /api/v2/alerts/groups`.

use super::json::{PostableAlert, gettable_alert};
use super::params::{BadRequest, Params, bad_request};
use crate::alerting::alert::Alert;
use crate::alerting::{AlertManager, LabelSet};
use crate::app::App;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;
use watchpost_amconfig::Matcher;

/// Which alerts a listing wants.
struct Filter {
    active: bool,
    silenced: bool,
    inhibited: bool,
    matchers: Vec<Matcher>,
    receiver: Option<regex::Regex>,
}

impl Filter {
    fn parse(params: &Params) -> Result<Filter, BadRequest> {
        // `unprocessed` is accepted; every alert is processed on receipt.
        params.flag("unprocessed", true)?;
        Ok(Filter {
            active: params.flag("active", true)?,
            silenced: params.flag("silenced", true)?,
            inhibited: params.flag("inhibited", true)?,
            matchers: params.filters()?,
            receiver: params.receiver()?,
        })
    }

    /// The alert as listed, if it passes (receivers, silences, inhibitions).
    fn show(&self, manager: &AlertManager, alert: &Alert, now: i64) -> Option<Value> {
        if alert.resolved_at(now) {
            return None;
        }
        let receivers: Vec<String> = {
            let mut names: Vec<String> = manager
                .policy()
                .routes(&alert.labels)
                .into_iter()
                .map(|r| r.receiver().to_string())
                .collect();
            names.dedup();
            names
        };
        if let Some(re) = &self.receiver
            && !receivers.iter().any(|r| re.is_match(r))
        {
            return None;
        }
        let (silenced_by, inhibited_by) = manager.muted_by(&alert.labels, now);
        let suppressed = !silenced_by.is_empty() || !inhibited_by.is_empty();
        if (!self.active && !suppressed)
            || (!self.silenced && !silenced_by.is_empty())
            || (!self.inhibited && !inhibited_by.is_empty())
            || !matches(&self.matchers, &alert.labels)
        {
            return None;
        }
        Some(gettable_alert(
            alert,
            &receivers,
            &silenced_by,
            &inhibited_by,
        ))
    }
}

fn matches(matchers: &[Matcher], labels: &LabelSet) -> bool {
    matchers
        .iter()
        .all(|m| m.matches(labels.get(m.name()).map_or("", String::as_str)))
}

pub(super) async fn list(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    let filter = match Filter::parse(&Params::parse(raw.as_deref())) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let now = crate::util::now_ms();
    let manager = &app.alerting;
    let alerts: Vec<Alert> = manager.lock().alerts().iter().cloned().collect();
    let mut shown: Vec<(String, Value)> = alerts
        .iter()
        .filter_map(|a| {
            filter
                .show(manager, a, now)
                .map(|v| (v["fingerprint"].as_str().unwrap_or("").to_string(), v))
        })
        .collect();
    shown.sort_by(|a, b| a.0.cmp(&b.0));
    axum::Json(shown.into_iter().map(|(_, v)| v).collect::<Vec<_>>()).into_response()
}

pub(super) async fn post(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let posted: Vec<PostableAlert> = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({
                    "code": 400,
                    "message": format!("parsing alerts body from \"\" failed, because {e}"),
                })),
            )
                .into_response();
        }
    };
    let now = crate::util::now_ms();
    let resolve_timeout = app.alerting.policy().resolve_timeout_ms();
    let mut valid = Vec::new();
    let mut errors = Vec::new();
    for p in posted {
        match p.into_alert(now, resolve_timeout) {
            Ok(a) => valid.push(a),
            Err(e) => errors.push(e),
        }
    }
    app.alerting.put_alerts(valid, now);
    if errors.is_empty() {
        StatusCode::OK.into_response()
    } else {
        bad_request(errors.join("; "))
    }
}

pub(super) async fn groups(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    let filter = match Filter::parse(&Params::parse(raw.as_deref())) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let now = crate::util::now_ms();
    let manager = &app.alerting;
    let mut out: Vec<(String, Value)> = Vec::new();
    for group in manager.alert_groups() {
        if let Some(re) = &filter.receiver
            && !re.is_match(group.route.receiver())
        {
            continue;
        }
        let mut alerts: Vec<Alert> = group.alerts();
        alerts.sort_by(crate::alerting::group::alert_order);
        let shown: Vec<Value> = alerts
            .iter()
            .filter_map(|a| filter.show(manager, a, now))
            .collect();
        if shown.is_empty() {
            continue;
        }
        out.push((
            group.key.clone(),
            json!({
                "alerts": shown,
                "labels": group.labels,
                "receiver": {"name": group.route.receiver()},
            }),
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    axum::Json(out.into_iter().map(|(_, v)| v).collect::<Vec<_>>()).into_response()
}
