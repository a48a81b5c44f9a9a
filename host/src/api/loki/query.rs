//! Loki's read API in Loki's JSON shapes, for Grafana's Loki data source
//! and `logcli`: `query_range` and `query` (log queries: `streams`
//! results), `labels`, `label/<name>/values`, `series` and `index/stats`.
//! Searches run on a blocking thread.

use crate::api::prom::params::Params;
use crate::app::App;
use crate::log_query::{self, LogQueryError};
use crate::storage::logs::Direction;
use crate::storage::metrics::matcher::Matcher;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// Loki's default `limit`.
const DEFAULT_LIMIT: usize = 100;
/// Loki's default look-back when no `start` is given.
const DEFAULT_RANGE_NS: i64 = 3_600 * 1_000_000_000;

fn bad(message: impl std::fmt::Display) -> Response {
    (StatusCode::BAD_REQUEST, format!("{message}\n")).into_response()
}

/// Loki's timestamps: nanoseconds, seconds (10 digits or fewer, or with a
/// fraction) or RFC 3339.
pub(super) fn parse_time(value: &str) -> Result<i64, String> {
    if let Ok(n) = value.parse::<i64>() {
        return Ok(if value.trim_start_matches('-').len() <= 10 {
            n.saturating_mul(1_000_000_000)
        } else {
            n
        });
    }
    if let Ok(f) = value.parse::<f64>()
        && f.is_finite()
    {
        return Ok((f * 1e9) as i64);
    }
    chrono::DateTime::parse_from_rfc3339(value)
        .ok()
        .and_then(|t| t.timestamp_nanos_opt())
        .ok_or_else(|| format!("cannot parse {value:?} to a valid timestamp"))
}

/// `(start, end)` from the parameters: end defaults to now, start to an
/// hour before end.
fn range(p: &Params) -> Result<(i64, i64), String> {
    let end = match p.value("end") {
        Some(v) => parse_time(v)?,
        None => crate::util::now_ms() * 1_000_000,
    };
    let start = match p.value("start") {
        Some(v) => parse_time(v)?,
        None => end - DEFAULT_RANGE_NS,
    };
    if end < start {
        return Err("end timestamp must not be before or equal to start time".into());
    }
    Ok((start, end))
}

fn direction(p: &Params) -> Result<Direction, String> {
    match p.value("direction").map(str::to_ascii_lowercase).as_deref() {
        None | Some("backward") => Ok(Direction::Backward),
        Some("forward") => Ok(Direction::Forward),
        Some(other) => Err(format!("invalid direction {other:?}")),
    }
}

fn limit(p: &Params) -> Result<usize, String> {
    match p.value("limit") {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| format!("invalid limit {v:?}")),
    }
}

/// Loki's default step for a range: `(end - start) / 250`, at least 1 s.
fn default_step(start: i64, end: i64) -> i64 {
    ((end - start) / 250 / 1_000_000_000).max(1) * 1_000_000_000
}

/// `step` as a duration (`15s`) or float seconds.
fn parse_step(value: &str) -> Result<i64, String> {
    if let Ok(secs) = value.parse::<f64>() {
        return Ok((secs * 1e9) as i64);
    }
    crate::manifest::units::parse_duration(value)
        .map(|d| d.as_nanos() as i64)
        .map_err(|_| format!("cannot parse {value:?} to a valid duration"))
}

/// Runs `query` over `[start, end]`: a log query returns streams, a metric
/// query a matrix (range) or a vector (`instant`).
async fn run_query(app: Arc<App>, p: Params, start: i64, end: i64, instant: bool) -> Response {
    let Some(query) = p.value("query").map(str::to_string) else {
        return bad("query parameter is required");
    };
    let (limit, direction) = match (limit(&p), direction(&p)) {
        (Ok(l), Ok(d)) => (l, d),
        (Err(e), _) | (_, Err(e)) => return bad(e),
    };
    let step = match p.value("step").map(parse_step).transpose() {
        Ok(s) => s.unwrap_or_else(|| default_step(start, end)),
        Err(e) => return bad(e),
    };
    let started = std::time::Instant::now();
    let result = tokio::task::spawn_blocking(move || -> Result<String, LogQueryError> {
        match log_query::parse_query(&query)? {
            watchpost_logql::Expr::Log(selector) => {
                // Loki's range is [start, end) with end exclusive.
                let r = log_query::select(&app.logs, &selector, start, end, limit, direction)?;
                Ok(streams_json(&r, started.elapsed().as_secs_f64()))
            }
            watchpost_logql::Expr::Sample(expr) => {
                // An instant query's `end` is its time plus 1 ns (see `query`).
                let (from, to, step) = if instant {
                    (end - 1, end - 1, 1)
                } else {
                    (start, end, step)
                };
                let r = log_query::eval(&app.logs, &expr, from, to, step)?;
                Ok(metric_json(&r, instant, started.elapsed().as_secs_f64()))
            }
        }
    })
    .await;
    match result {
        Ok(Ok(body)) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Ok(Err(LogQueryError::BadQuery(m))) => bad(m),
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

fn stats_json(bytes: u64, lines: u64, entries: usize, secs: f64) -> Value {
    let per_sec = |n: u64| {
        if secs > 0.0 {
            (n as f64 / secs) as u64
        } else {
            0
        }
    };
    json!({
        "summary": {
            "bytesProcessedPerSecond": per_sec(bytes),
            "linesProcessedPerSecond": per_sec(lines),
            "totalBytesProcessed": bytes,
            "totalLinesProcessed": lines,
            "execTime": secs,
            "queueTime": 0,
            "subqueries": 0,
            "totalEntriesReturned": entries,
        },
    })
}

fn labels_json(labels: &watchpost_logql::Labels) -> Value {
    Value::Object(
        labels
            .iter()
            .map(|(n, v)| (n.to_string(), Value::String(v.to_string())))
            .collect(),
    )
}

pub(super) fn streams_json(result: &log_query::LogQueryResult, secs: f64) -> String {
    let entries: usize = result.streams.iter().map(|s| s.values.len()).sum();
    let streams: Vec<Value> = result
        .streams
        .iter()
        .map(|s| {
            json!({
                "stream": labels_json(&s.labels),
                "values": s.values.iter().map(|(t, l)| json!([t.to_string(), l])).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "status": "success",
        "data": {
            "resultType": "streams",
            "result": streams,
            "stats": stats_json(result.scanned_bytes, result.scanned_entries, entries, secs),
        },
    })
    .to_string()
}

/// A point as Prometheus (and so Loki) writes it: `[<seconds>, "<value>"]`.
fn point(out: &mut String, t_ns: i64, v: f64) {
    out.push('[');
    crate::query::json::timestamp(out, t_ns.div_euclid(1_000_000));
    out.push_str(",\"");
    out.push_str(&crate::query::json::value(v));
    out.push_str("\"]");
}

pub(super) fn metric_json(result: &log_query::MetricResult, instant: bool, secs: f64) -> String {
    let mut out = String::from(r#"{"status":"success","data":{"resultType":"#);
    match result {
        log_query::MetricResult::Scalar(points) => {
            out.push_str(r#""scalar","result":"#);
            match points.last() {
                Some((t, v)) => point(&mut out, *t, *v),
                None => out.push_str("null"),
            }
        }
        log_query::MetricResult::Matrix(series) => {
            out.push_str(if instant {
                r#""vector","result":["#
            } else {
                r#""matrix","result":["#
            });
            for (i, (labels, points)) in series.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(r#"{"metric":"#);
                out.push_str(&labels_json(labels).to_string());
                if instant {
                    out.push_str(r#","value":"#);
                    if let Some((t, v)) = points.last() {
                        point(&mut out, *t, *v);
                    }
                } else {
                    out.push_str(r#","values":["#);
                    for (j, (t, v)) in points.iter().enumerate() {
                        if j > 0 {
                            out.push(',');
                        }
                        point(&mut out, *t, *v);
                    }
                    out.push(']');
                }
                out.push('}');
            }
            out.push(']');
        }
    }
    out.push_str(r#","stats":"#);
    out.push_str(&stats_json(0, 0, 0, secs).to_string());
    out.push_str("}}");
    out
}

/// `GET|POST /loki/api/v1/query_range`.
pub(super) async fn query_range(State(app): State<Arc<App>>, p: Params) -> Response {
    let (start, end) = match range(&p) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    run_query(app, p, start, end, false).await
}

/// `GET|POST /loki/api/v1/query`: a log query over the range ending at
/// `time` (Loki answers log queries at an instant the same way).
pub(super) async fn query(State(app): State<Arc<App>>, p: Params) -> Response {
    let time = match p.value("time").map(parse_time).transpose() {
        Ok(t) => t.unwrap_or_else(|| crate::util::now_ms() * 1_000_000),
        Err(e) => return bad(e),
    };
    run_query(app, p, time - DEFAULT_RANGE_NS, time + 1, true).await
}

fn selector_matchers(query: Option<&str>) -> Result<Vec<Matcher>, String> {
    match query {
        None | Some("") => Ok(Vec::new()),
        Some(q) => log_query::parse_log_query(q)
            .and_then(|s| log_query::store_matchers(&s))
            .map_err(|e| e.to_string()),
    }
}

/// The time range and the `query` selector's matchers of a metadata call.
fn range_and_selector(p: &Params) -> Result<(i64, i64, Vec<Matcher>), String> {
    let (start, end) = range(p)?;
    Ok((start, end, selector_matchers(p.value("query"))?))
}

fn envelope(data: Value) -> Response {
    Json(json!({"status": "success", "data": data})).into_response()
}

/// `GET|POST /loki/api/v1/labels`.
pub(super) async fn labels(State(app): State<Arc<App>>, p: Params) -> Response {
    let (start, end, matchers) = match range_and_selector(&p) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    let names =
        tokio::task::spawn_blocking(move || app.logs.label_names(&matchers, start, end + 1))
            .await
            .unwrap_or_default();
    envelope(json!(names))
}

/// `GET|POST /loki/api/v1/label/<name>/values`.
pub(super) async fn label_values(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    p: Params,
) -> Response {
    let (start, end, matchers) = match range_and_selector(&p) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    let values = tokio::task::spawn_blocking(move || {
        app.logs.label_values(&name, &matchers, start, end + 1)
    })
    .await
    .unwrap_or_default();
    envelope(json!(values))
}

/// `GET|POST /loki/api/v1/series`: the streams of each `match[]`.
pub(super) async fn series(State(app): State<Arc<App>>, p: Params) -> Response {
    let (start, end) = match range(&p) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    let mut selectors = Vec::new();
    for m in p.all("match[]").into_iter().chain(p.all("match")) {
        match selector_matchers(Some(m)) {
            Ok(ms) => selectors.push(ms),
            Err(e) => return bad(e),
        }
    }
    if selectors.is_empty() {
        selectors.push(Vec::new());
    }
    let series = tokio::task::spawn_blocking(move || {
        let mut all = std::collections::BTreeSet::new();
        for ms in selectors {
            all.extend(app.logs.series(&ms, start, end + 1));
        }
        all
    })
    .await
    .unwrap_or_default();
    envelope(json!(
        series
            .iter()
            .map(|l| l
                .iter()
                .map(|(n, v)| (n.to_string(), Value::String(v.to_string())))
                .collect::<serde_json::Map<_, _>>())
            .collect::<Vec<_>>()
    ))
}

/// `GET|POST /loki/api/v1/index/stats`.
pub(super) async fn index_stats(State(app): State<Arc<App>>, p: Params) -> Response {
    let (start, end, matchers) = match range_and_selector(&p) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    let stats = tokio::task::spawn_blocking(move || {
        app.logs.stats(&crate::storage::logs::LogSearch {
            matchers,
            start_ns: start,
            end_ns: end + 1,
            contains: Vec::new(),
            direction: Direction::Forward,
        })
    })
    .await;
    match stats {
        Ok(Ok(s)) => Json(json!({
            "streams": s.streams, "chunks": s.chunks, "entries": s.entries, "bytes": s.bytes,
        }))
        .into_response(),
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}
