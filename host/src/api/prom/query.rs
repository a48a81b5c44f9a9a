//! `GET|POST /api/v1/query` and `/api/v1/query_range`: PromQL over the TSDB,
//! answered in Prometheus' JSON shape. Evaluation runs off the async runtime
//! and is cancelled when the client goes away.

use super::envelope::{ApiError, ApiResult};
use super::params::Params;
use crate::app::App;
use crate::query::{self, QueryOptions};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Most points a range query may return per series (as Prometheus).
const MAX_POINTS: i64 = 11_000;

/// A duration parameter: seconds (with decimals) or a Prometheus duration,
/// in ms.
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    if let Ok(secs) = s.parse::<f64>() {
        let ms = secs * 1000.0;
        if !ms.is_finite() || ms >= i64::MAX as f64 || ms <= i64::MIN as f64 {
            return Err(format!(
                "cannot parse {s:?} to a valid duration. It overflows int64"
            ));
        }
        return Ok(ms.round() as i64);
    }
    promql_parser::util::parse_duration(s)
        .map(|d| d.as_millis() as i64)
        .map_err(|_| format!("cannot parse {s:?} to a valid duration"))
}

/// Sets its flag when dropped: the handler future is dropped when the
/// client disconnects, which cancels the evaluation.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn options(app: &App, params: &Params) -> Result<QueryOptions, ApiError> {
    let mut opts = app.startup.query.clone();
    match params.get("timeout") {
        "" => {}
        t => {
            let ms = parse_duration(t).map_err(|e| ApiError::invalid_param("timeout", e))?;
            opts.timeout = opts.timeout.min(Duration::from_millis(ms.max(0) as u64));
        }
    }
    Ok(opts)
}

enum Request {
    Instant { time: i64 },
    Range { start: i64, end: i64, step: i64 },
}

async fn run(app: Arc<App>, text: &str, request: Request, opts: QueryOptions) -> ApiResult {
    // Prometheus 2.42 names the parameter in an instant query's parse error
    // but not in a range query's.
    let expr = query::parse(text).map_err(|e| match request {
        Request::Instant { .. } => ApiError::invalid_param("query", e),
        Request::Range { .. } => ApiError::bad_data(e.to_string()),
    })?;
    let cancel = Arc::new(AtomicBool::new(false));
    let _guard = CancelOnDrop(Arc::clone(&cancel));
    let db = Arc::clone(&app.metrics);
    let result = tokio::task::spawn_blocking(move || match request {
        Request::Instant { time } => query::instant_query(&*db, &expr, time, &opts, Some(&cancel)),
        Request::Range { start, end, step } => {
            query::range_query(&*db, &expr, start, end, step, &opts, Some(&cancel))
        }
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| ApiError::query(&e))?;
    // The result is encoded by hand, byte for byte as Prometheus does.
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        format!(
            "{{\"status\":\"success\",\"data\":{}}}",
            query::json::data(&result)
        ),
    )
        .into_response())
}

pub(super) async fn instant(State(app): State<Arc<App>>, params: Params) -> ApiResult {
    let time = params.time("time", crate::util::now_ms())?;
    let opts = options(&app, &params)?;
    run(app, params.get("query"), Request::Instant { time }, opts).await
}

pub(super) async fn range(State(app): State<Arc<App>>, params: Params) -> ApiResult {
    let start = params.time("start", i64::MIN)?;
    let end = params.time("end", i64::MIN)?;
    if params.get("start").is_empty() {
        return Err(ApiError::invalid_param(
            "start",
            "cannot parse \"\" to a valid timestamp",
        ));
    }
    if params.get("end").is_empty() {
        return Err(ApiError::invalid_param(
            "end",
            "cannot parse \"\" to a valid timestamp",
        ));
    }
    if end < start {
        return Err(ApiError::invalid_param(
            "end",
            "end timestamp must not be before start time",
        ));
    }
    let step =
        parse_duration(params.get("step")).map_err(|e| ApiError::invalid_param("step", e))?;
    if step <= 0 {
        return Err(ApiError::invalid_param(
            "step",
            "zero or negative query resolution step widths are not accepted. Try a positive integer",
        ));
    }
    if (end - start) / step > MAX_POINTS {
        return Err(ApiError::bad_data(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
        ));
    }
    let opts = options(&app, &params)?;
    run(
        app,
        params.get("query"),
        Request::Range { start, end, step },
        opts,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_prometheus_reads_them() {
        assert_eq!(parse_duration("15"), Ok(15_000));
        assert_eq!(parse_duration("1m30s"), Ok(90_000));
        assert_eq!(parse_duration("0.5"), Ok(500));
        assert!(parse_duration("x").is_err());
    }
}
