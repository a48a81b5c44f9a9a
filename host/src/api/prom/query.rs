//! `GET|POST /api/v1/query` and `/api/v1/query_range`: PromQL over the TSDB,
//! answered in Prometheus' JSON shape. Evaluation runs off the async runtime
//! and is cancelled when the client goes away.

use crate::app::App;
use crate::query::{self, QueryError, QueryOptions};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Most points a range query may return per series (as Prometheus).
const MAX_POINTS: i64 = 11_000;

/// Form parameters from the query string and an urlencoded body.
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn from_request(query: Option<String>, headers: &HeaderMap, body: &Bytes) -> Params {
        let mut pairs: Vec<(String, String)> = query
            .as_deref()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            pairs.extend(form_urlencoded::parse(body).into_owned());
        }
        Params(pairs)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A time parameter: Unix seconds (with decimals) or RFC 3339, in ms.
pub(crate) fn parse_time(s: &str) -> Result<i64, String> {
    if let Ok(secs) = s.parse::<f64>()
        && secs.is_finite()
    {
        let whole = secs.trunc();
        let frac = ((secs - whole) * 1000.0).round();
        return Ok(whole as i64 * 1000 + frac as i64);
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|_| format!("cannot parse {s:?} to a valid timestamp"))
}

/// A duration parameter: seconds (with decimals) or a Prometheus duration.
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

/// The error envelope with the status Prometheus uses.
pub(crate) fn error_response(error: &QueryError) -> Response {
    let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::json!({
        "status": "error",
        "errorType": error.error_type(),
        "error": error.to_string(),
    });
    (status, axum::Json(body)).into_response()
}

fn bad_param(name: &str, message: String) -> QueryError {
    QueryError::BadData(format!("invalid parameter \"{name}\": {message}"))
}

fn success(data: String) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        format!("{{\"status\":\"success\",\"data\":{data}}}"),
    )
        .into_response()
}

/// Sets its flag when dropped: the handler future is dropped when the
/// client disconnects, which cancels the evaluation.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn options(params: &Params) -> Result<QueryOptions, QueryError> {
    let mut opts = QueryOptions::default();
    if let Some(t) = params.get("timeout") {
        let ms = parse_duration(t).map_err(|e| bad_param("timeout", e))?;
        opts.timeout = opts.timeout.min(Duration::from_millis(ms.max(0) as u64));
    }
    Ok(opts)
}

enum Request {
    Instant { time: i64 },
    Range { start: i64, end: i64, step: i64 },
}

async fn run(app: Arc<App>, text: String, request: Request, opts: QueryOptions) -> Response {
    let expr = match query::parse(&text) {
        Ok(e) => e,
        Err(e) => {
            return error_response(&QueryError::BadData(format!(
                "invalid parameter \"query\": {e}"
            )));
        }
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let _guard = CancelOnDrop(Arc::clone(&cancel));
    let db = Arc::clone(&app.metrics);
    let result = tokio::task::spawn_blocking(move || match request {
        Request::Instant { time } => query::instant_query(&*db, &expr, time, &opts, Some(&cancel)),
        Request::Range { start, end, step } => {
            query::range_query(&*db, &expr, start, end, step, &opts, Some(&cancel))
        }
    })
    .await;
    match result {
        Ok(Ok(value)) => success(query::json::data(&value)),
        Ok(Err(e)) => error_response(&e),
        Err(e) => error_response(&QueryError::Execution(format!("query panicked: {e}"))),
    }
}

pub(in crate::api) async fn instant(
    State(app): State<Arc<App>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_request(raw, &headers, &body);
    let parsed = (|| {
        let text = params.get("query").unwrap_or("").to_string();
        let time = match params.get("time") {
            Some(t) if !t.is_empty() => parse_time(t).map_err(|e| bad_param("time", e))?,
            _ => crate::util::now_ms(),
        };
        Ok::<_, QueryError>((text, time, options(&params)?))
    })();
    match parsed {
        Ok((text, time, opts)) => run(app, text, Request::Instant { time }, opts).await,
        Err(e) => error_response(&e),
    }
}

pub(in crate::api) async fn range(
    State(app): State<Arc<App>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_request(raw, &headers, &body);
    let parsed = (|| {
        let time =
            |name: &str| parse_time(params.get(name).unwrap_or("")).map_err(|e| bad_param(name, e));
        let (start, end) = (time("start")?, time("end")?);
        if end < start {
            return Err(bad_param(
                "end",
                "end timestamp must not be before start time".into(),
            ));
        }
        let step =
            parse_duration(params.get("step").unwrap_or("")).map_err(|e| bad_param("step", e))?;
        if step <= 0 {
            return Err(bad_param(
                "step",
                "zero or negative query resolution step widths are not accepted. Try a positive integer".into(),
            ));
        }
        if (end - start) / step > MAX_POINTS {
            return Err(QueryError::BadData(
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)".into(),
            ));
        }
        let text = params.get("query").unwrap_or("").to_string();
        Ok::<_, QueryError>((text, start, end, step, options(&params)?))
    })();
    match parsed {
        Ok((text, start, end, step, opts)) => {
            run(app, text, Request::Range { start, end, step }, opts).await
        }
        Err(e) => error_response(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations_as_prometheus_reads_them() {
        assert_eq!(parse_time("1435781451.781"), Ok(1_435_781_451_781));
        assert_eq!(
            parse_time("2015-07-01T20:10:51.781Z"),
            Ok(1_435_781_451_781)
        );
        assert_eq!(
            parse_time("2015-07-01T22:10:51.781+02:00"),
            Ok(1_435_781_451_781)
        );
        assert!(parse_time("yesterday").is_err());
        assert_eq!(parse_duration("15"), Ok(15_000));
        assert_eq!(parse_duration("1m30s"), Ok(90_000));
        assert_eq!(parse_duration("0.5"), Ok(500));
        assert!(parse_duration("x").is_err());
    }
}
