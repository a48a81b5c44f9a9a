//! `GET /api/v1/rules`: rule plugins' groups and rules in Prometheus 2.42's
//! shape (Grafana's rule list). Rules are what each plugin described with
//! its last evaluation (group, file, query, `for`, labels, annotations,
//! health); alerting rules carry their active alerts from the host's state
//! machine. `type=alert|record` filters as Prometheus does.

use super::alerts::{alert_json, go_time};
use super::envelope::{ApiError, ApiResult, success};
use super::params::Params;
use crate::app::App;
use crate::rules::AlertState;
use crate::runtime::bindings::types::Label;
use axum::extract::State;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// (plugin, file, group name).
type GroupKey = (String, String, String);
/// One group of the answer, gathered from its rules.
struct GroupBody {
    /// Its last evaluation (ms).
    evaluated: i64,
    /// The sum of its rules' evaluation times.
    seconds: f64,
    interval: f64,
    limit: i64,
    rules: Vec<Value>,
}

fn label_map(labels: &[Label]) -> Value {
    Value::Object(
        labels
            .iter()
            .map(|l| (l.name.clone(), Value::String(l.value.clone())))
            .collect::<Map<_, _>>(),
    )
}

pub(super) async fn rules(State(app): State<Arc<App>>, params: Params) -> ApiResult {
    let (alerting, recording) = match params.get("type") {
        "" => (true, true),
        "alert" => (true, false),
        "record" => (false, true),
        other => {
            return Err(ApiError::invalid_param(
                "type",
                format!("not supported value {other:?}"),
            ));
        }
    };
    let intervals: BTreeMap<String, f64> = app
        .plugins()
        .await
        .iter()
        .map(|h| {
            let spec = h.loaded.spec();
            (spec.name.clone(), spec.interval.as_secs_f64())
        })
        .collect();
    // Groups in order of (plugin, file, group name).
    let mut groups: BTreeMap<GroupKey, GroupBody> = BTreeMap::new();
    for (plugin, at, rules) in app.rules.described() {
        for r in rules {
            if (r.alerting && !alerting) || (!r.alerting && !recording) {
                continue;
            }
            let group_name = if r.group.is_empty() {
                plugin.clone()
            } else {
                r.group.clone()
            };
            let file = if r.file.is_empty() {
                plugin.clone()
            } else {
                r.file.clone()
            };
            let health = if r.error.is_some() { "err" } else { "ok" };
            // Rules of a group that was not due last time carry their own
            // last evaluation; 0 is from a plugin evaluated as a whole.
            let evaluated = if r.evaluated_at_ms > 0 {
                r.evaluated_at_ms
            } else {
                at
            };
            let mut rule = if r.alerting {
                let alerts = app.rules.rule_alerts(&plugin, &r.name);
                let active: Vec<_> = alerts
                    .iter()
                    .filter(|a| a.state != AlertState::Inactive)
                    .collect();
                let state = if active.iter().any(|a| a.state == AlertState::Firing) {
                    "firing"
                } else if active.is_empty() {
                    "inactive"
                } else {
                    "pending"
                };
                json!({
                    "state": state,
                    "name": r.name,
                    "query": r.query,
                    "duration": r.for_ms as f64 / 1000.0,
                    "labels": label_map(&r.labels),
                    "annotations": label_map(&r.annotations),
                    "alerts": active.iter().map(|a| alert_json(a)).collect::<Vec<_>>(),
                    "health": health,
                    "evaluationTime": r.evaluation_seconds,
                    "lastEvaluation": go_time(evaluated),
                    "type": "alerting",
                })
            } else {
                let mut v = json!({
                    "name": r.name,
                    "query": r.query,
                    "health": health,
                    "evaluationTime": r.evaluation_seconds,
                    "lastEvaluation": go_time(evaluated),
                    "type": "recording",
                });
                if !r.labels.is_empty() {
                    v["labels"] = label_map(&r.labels);
                }
                v
            };
            if let Some(e) = &r.error {
                rule["lastError"] = Value::String(e.clone());
            }
            let interval = if r.group_interval_ms > 0 {
                r.group_interval_ms as f64 / 1000.0
            } else {
                intervals.get(&plugin).copied().unwrap_or(0.0)
            };
            let entry = groups
                .entry((plugin.clone(), file, group_name))
                .or_insert(GroupBody {
                    evaluated,
                    seconds: 0.0,
                    interval,
                    limit: r.group_limit,
                    rules: Vec::new(),
                });
            entry.evaluated = entry.evaluated.max(evaluated);
            entry.seconds += r.evaluation_seconds;
            entry.rules.push(rule);
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|((_, file, name), g)| {
            json!({
                "name": name,
                "file": file,
                "rules": g.rules,
                "interval": g.interval,
                "limit": g.limit,
                "evaluationTime": g.seconds,
                "lastEvaluation": go_time(g.evaluated),
            })
        })
        .collect();
    success(json!({ "groups": groups }))
}
