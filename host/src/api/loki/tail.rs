//! `GET /loki/api/v1/tail`: Loki's live tail over a WebSocket, for
//! Grafana's Explore "Live" mode and `logcli query --tail`. The socket
//! first gets up to `limit` entries since `start` (default: the last hour),
//! then every new entry the query matches, as Loki's messages:
//! `{"streams":[{"stream":{...},"values":[["<ns>","<line>"]]}],"dropped_entries":[]}`.
//!
//! New entries are found by searching forward from the newest timestamp
//! already sent, twice a second; entries at that very timestamp that were
//! already sent are recognised and skipped. `delay_for` (seconds, at most
//! 5, as Loki) holds entries back that long so late writers catch up.

use crate::api::prom::params::Params;
use crate::app::App;
use crate::log_query::{self, LogQueryResult};
use crate::storage::logs::Direction;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// How often the store is searched for new entries.
const POLL: Duration = Duration::from_millis(500);
/// Most entries per message.
const MAX_BATCH: usize = 1000;

/// The upgrade handler.
pub(super) async fn tail(State(app): State<Arc<App>>, ws: WebSocketUpgrade, p: Params) -> Response {
    let Some(query) = p.value("query").map(str::to_string) else {
        return (StatusCode::BAD_REQUEST, "query parameter is required\n").into_response();
    };
    let selector = match log_query::parse_log_query(&query) {
        Ok(s) => s,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    let limit = p
        .value("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(100);
    let now = crate::util::now_ms() * 1_000_000;
    let start = match p.value("start").map(super::query::parse_time).transpose() {
        Ok(s) => s.unwrap_or(now - 3_600 * 1_000_000_000),
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    let delay = p
        .value("delay_for")
        .and_then(|d| d.parse::<u64>().ok())
        .unwrap_or(0);
    if delay > 5 {
        return (
            StatusCode::BAD_REQUEST,
            "delay_for can't be greater than 5\n",
        )
            .into_response();
    }
    let delay_ns = delay as i64 * 1_000_000_000;
    ws.on_upgrade(move |socket| run(app, socket, selector, start, limit, delay_ns))
}

fn message(result: &LogQueryResult, order: Direction) -> Value {
    let streams: Vec<Value> = result
        .streams
        .iter()
        .map(|s| {
            let mut values: Vec<&(i64, String)> = s.values.iter().collect();
            if order == Direction::Backward {
                values.reverse();
            }
            json!({
                "stream": s.labels.iter().map(|(n, v)| (n.to_string(), Value::String(v.to_string()))).collect::<serde_json::Map<_, _>>(),
                "values": values.iter().map(|(t, l)| json!([t.to_string(), l])).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({"streams": streams, "dropped_entries": []})
}

/// The newest timestamp of `result` and the keys of its entries there.
fn newest(result: &LogQueryResult) -> Option<(i64, HashSet<(String, String)>)> {
    let max = result
        .streams
        .iter()
        .flat_map(|s| s.values.iter().map(|(t, _)| *t))
        .max()?;
    let keys = result
        .streams
        .iter()
        .flat_map(|s| {
            s.values
                .iter()
                .filter(move |(t, _)| *t == max)
                .map(move |(_, l)| (s.labels.to_string(), l.clone()))
        })
        .collect();
    Some((max, keys))
}

async fn run(
    app: Arc<App>,
    mut socket: WebSocket,
    selector: watchpost_logql::LogSelector,
    start: i64,
    limit: usize,
    delay_ns: i64,
) {
    let selector = Arc::new(selector);
    // First the newest `limit` entries since `start`, oldest first.
    let (store, sel) = (app.logs.clone(), Arc::clone(&selector));
    let upto = crate::util::now_ms() * 1_000_000 - delay_ns;
    let first = tokio::task::spawn_blocking(move || {
        log_query::select(&store, &sel, start, upto + 1, limit, Direction::Backward)
    })
    .await;
    let Ok(Ok(first)) = first else {
        let _ = socket.send(Message::Close(None)).await;
        return;
    };
    let (mut from, mut seen) = newest(&first).unwrap_or((upto, HashSet::new()));
    if !first.streams.is_empty()
        && socket
            .send(Message::Text(
                message(&first, Direction::Backward).to_string().into(),
            ))
            .await
            .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => continue,
            },
            _ = tokio::time::sleep(POLL) => {}
        }
        let (store, sel) = (app.logs.clone(), Arc::clone(&selector));
        let upto = crate::util::now_ms() * 1_000_000 - delay_ns;
        if upto < from {
            continue;
        }
        let found = tokio::task::spawn_blocking(move || {
            log_query::select(
                &store,
                &sel,
                from,
                upto + 1,
                MAX_BATCH + 64,
                Direction::Forward,
            )
        })
        .await;
        let Ok(Ok(mut result)) = found else {
            continue;
        };
        // Drop what was already sent at the boundary timestamp.
        for s in &mut result.streams {
            let key = s.labels.to_string();
            s.values
                .retain(|(t, l)| *t != from || !seen.contains(&(key.clone(), l.clone())));
        }
        result.streams.retain(|s| !s.values.is_empty());
        let Some((max, keys)) = newest(&result) else {
            continue;
        };
        if max == from {
            seen.extend(keys);
        } else {
            from = max;
            seen = keys;
        }
        if socket
            .send(Message::Text(
                message(&result, Direction::Forward).to_string().into(),
            ))
            .await
            .is_err()
        {
            return;
        }
    }
}
