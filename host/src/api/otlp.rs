//! `POST /v1/metrics` and `POST /v1/logs` (OTLP/HTTP): protobuf or JSON by
//! `Content-Type`, plain or gzip by `Content-Encoding`.

use crate::app::App;
use crate::ingest::otlp_logs;
use crate::ingest::otlp_metrics::{self, Format, OtlpResponse};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use std::sync::Arc;

/// Decompresses a gzip body, refusing more than `limit` bytes of output.
fn gunzip(body: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("gzip: {e}"))?;
    if out.len() > limit {
        return Err(format!(
            "decompressed body exceeds the limit of {limit} bytes"
        ));
    }
    Ok(out)
}

/// The format of an OTLP/HTTP body, and the body decompressed.
fn read_body(
    headers: &HeaderMap,
    body: Bytes,
    limit: usize,
) -> Result<(Format, Bytes), (StatusCode, String)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let format = if content_type.starts_with("application/json") {
        Format::Json
    } else {
        Format::Protobuf
    };
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .to_ascii_lowercase();
    let body = match encoding.as_str() {
        "identity" | "" => body,
        // The OpenTelemetry Collector's otlphttp exporter gzips by default.
        "gzip" => match gunzip(&body, limit) {
            Ok(b) => Bytes::from(b),
            Err(e) => return Err((StatusCode::BAD_REQUEST, e)),
        },
        other => {
            return Err((
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("unsupported content encoding {other:?}; send gzip or uncompressed OTLP"),
            ));
        }
    };
    Ok((format, body))
}

fn into_response(response: Result<OtlpResponse, tokio::task::JoinError>) -> Response {
    match response {
        Ok(r) => (
            StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [(header::CONTENT_TYPE, r.content_type)],
            r.body,
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error: {e}"),
        )
            .into_response(),
    }
}

pub(super) async fn metrics(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (format, body) = match read_body(&headers, body, otlp_metrics::MAX_BODY) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    into_response(
        tokio::task::spawn_blocking(move || {
            otlp_metrics::handle(
                &app.pipeline,
                &app.otlp_deltas,
                &app.telemetry,
                &body,
                format,
            )
        })
        .await,
    )
}

/// `POST /v1/logs` with its body limit.
pub(super) fn logs_route() -> MethodRouter<Arc<App>> {
    post(logs).layer(axum::extract::DefaultBodyLimit::max(
        otlp_logs::MAX_BODY + 1,
    ))
}

async fn logs(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let (format, body) = match read_body(&headers, body, otlp_logs::MAX_BODY) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    into_response(
        tokio::task::spawn_blocking(move || otlp_logs::handle(&app.logs, &body, format)).await,
    )
}

#[cfg(test)]
mod tests {
    use super::gunzip;
    use std::io::Write;

    #[test]
    fn gunzip_round_trips_and_enforces_the_limit() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&[7u8; 1000]).unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(gunzip(&gz, 1000).unwrap(), vec![7u8; 1000]);
        assert!(gunzip(&gz, 999).unwrap_err().contains("limit"));
        assert!(gunzip(b"not gzip", 1000).unwrap_err().starts_with("gzip"));
    }
}
