//! `POST /loki/api/v1/push`: protobuf (`application/x-protobuf`, snappy) or
//! JSON (`application/json`, optionally gzip-encoded as Fluent Bit sends
//! it). Decoding and the synced append run on a blocking thread. 204 when
//! all is stored; 400 naming refused entries (the others are stored); 429
//! when the store is behind.

use crate::app::App;
use crate::ingest::loki_push;
use crate::ingest::remote_write::WriteResponse;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use std::io::Read;
use std::sync::Arc;

pub(super) async fn push(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    let response = tokio::task::spawn_blocking(move || {
        let body = if gzip {
            match gunzip(&body) {
                Ok(b) => b,
                Err(e) => return e,
            }
        } else {
            body.to_vec()
        };
        let decoded = if content_type.starts_with("application/json") {
            loki_push::decode_json(&body)
        } else {
            // Loki treats anything but JSON as protobuf.
            loki_push::decode_protobuf(&body)
        };
        match decoded {
            Ok(streams) => loki_push::store(&app.logs, streams),
            Err(e) => e,
        }
    })
    .await
    .unwrap_or_else(|e| WriteResponse::error(500, format!("internal error: {e}")));
    if response.status >= 400 {
        tracing::debug!(status = response.status, reason = %response.body, "loki push refused");
    }
    (
        StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        response.body,
    )
}

fn gunzip(body: &[u8]) -> Result<Vec<u8>, WriteResponse> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .take(loki_push::MAX_BODY as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| WriteResponse::error(400, format!("gzip: {e}")))?;
    if out.len() > loki_push::MAX_BODY {
        return Err(WriteResponse::error(
            413,
            format!("decompressed body exceeds {} bytes", loki_push::MAX_BODY),
        ));
    }
    Ok(out)
}
