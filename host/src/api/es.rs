//! Enough of Elasticsearch 8.11's HTTP API for Filebeat, Logstash's
//! `elasticsearch` output and Fluent Bit's `es` output to ship logs here:
//! `POST|PUT /_bulk` and `/{index}/_bulk` (`ingest::es_bulk`), and the
//! requests their startup checks make, answered as a cluster where every
//! template, policy, pipeline and alias already exists:
//! `GET|HEAD /` (cluster info, `version.number` 8.11.0), `/_license`,
//! `/_xpack`, `/_cluster/health`, `/_nodes[/...]`, `GET|HEAD|PUT
//! /_template/{name}`, `/_index_template/{name}`, `GET|PUT
//! /_ilm/policy/{name}`, `/_ingest/pipeline/{id}`, `GET|HEAD /_alias/{name}`.
//! Nothing of that setup is stored: the log store has its own schema.
//! Every answer carries `X-Elastic-Product: Elasticsearch`, which
//! Elastic's client libraries check.

use crate::app::App;
use crate::ingest::es_bulk::{self, BulkError, error_body};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::io::Read;
use std::sync::Arc;

const VERSION: &str = "8.11.0";
const CLUSTER_UUID: &str = "d2F0Y2hwb3N0LWNsdXN0";

/// The Elasticsearch routes.
pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(info))
        .route("/_bulk", post(bulk).put(bulk))
        .route("/{index}/_bulk", post(bulk_into).put(bulk_into))
        .route("/_license", get(license))
        .route("/_xpack", get(xpack))
        .route("/_cluster/health", get(cluster_health))
        .route("/_nodes", get(nodes))
        .route("/_nodes/{*rest}", get(nodes))
        .route("/_template/{name}", get(template).put(ack))
        .route("/_index_template/{name}", get(index_template).put(ack))
        .route("/_ilm/policy/{name}", get(ilm_policy).put(ack))
        .route("/_ingest/pipeline/{id}", get(pipeline).put(ack))
        .route("/_alias/{name}", get(alias))
        .layer(DefaultBodyLimit::max(es_bulk::MAX_BODY))
        .layer(axum::middleware::map_response(product_header))
}

async fn product_header(mut response: Response) -> Response {
    response.headers_mut().insert(
        "x-elastic-product",
        HeaderValue::from_static("Elasticsearch"),
    );
    response
}

async fn info() -> Json<Value> {
    Json(json!({
        "name": "watchpost",
        "cluster_name": "watchpost",
        "cluster_uuid": CLUSTER_UUID,
        "version": {
            "number": VERSION,
            "build_flavor": "default",
            "build_type": "docker",
            "build_hash": "d9ec3fa628c7b0ba3d25692e277ba26814820b20",
            "build_date": "2023-11-04T10:04:57.184859352Z",
            "build_snapshot": false,
            "lucene_version": "9.8.0",
            "minimum_wire_compatibility_version": "7.17.0",
            "minimum_index_compatibility_version": "7.0.0",
        },
        "tagline": "You Know, for Search",
    }))
}

async fn license() -> Json<Value> {
    Json(json!({"license": {
        "status": "active",
        "uid": "00000000-0000-0000-0000-000000000000",
        "type": "basic",
        "issue_date": "2026-01-01T00:00:00.000Z",
        "issue_date_in_millis": 1_767_225_600_000_i64,
        "max_nodes": 1000,
        "max_resource_units": null,
        "issued_to": "watchpost",
        "issuer": "elasticsearch",
        "start_date_in_millis": -1,
    }}))
}

async fn xpack() -> Json<Value> {
    let on = json!({"available": true, "enabled": true});
    Json(json!({
        "build": {"hash": "d9ec3fa628c7b0ba3d25692e277ba26814820b20", "date": "2023-11-04T10:04:57.184859352Z"},
        "license": {"uid": "00000000-0000-0000-0000-000000000000", "type": "basic", "mode": "basic", "status": "active"},
        "features": {"ilm": on, "data_streams": on, "security": {"available": true, "enabled": false}},
        "tagline": "You know, for X",
    }))
}

async fn cluster_health() -> Json<Value> {
    Json(json!({
        "cluster_name": "watchpost", "status": "green", "timed_out": false,
        "number_of_nodes": 1, "number_of_data_nodes": 1, "active_primary_shards": 0,
        "active_shards": 0, "relocating_shards": 0, "initializing_shards": 0,
        "unassigned_shards": 0, "active_shards_percent_as_number": 100.0,
    }))
}

async fn nodes() -> Json<Value> {
    Json(json!({
        "_nodes": {"total": 1, "successful": 1, "failed": 0},
        "cluster_name": "watchpost",
        "nodes": {"d2F0Y2hwb3N0": {
            "name": "watchpost", "version": VERSION, "roles": ["data", "ingest", "master"],
        }},
    }))
}

async fn ack() -> Json<Value> {
    Json(json!({"acknowledged": true}))
}

async fn template(Path(name): Path<String>) -> Json<Value> {
    Json(json!({ name.as_str(): {
        "order": 0, "index_patterns": [format!("{name}-*")], "settings": {}, "mappings": {}, "aliases": {},
    }}))
}

async fn index_template(Path(name): Path<String>) -> Json<Value> {
    Json(json!({"index_templates": [{
        "name": name,
        "index_template": {
            "index_patterns": [format!("{name}*")],
            "composed_of": [],
            "priority": 150,
            "data_stream": {"hidden": false, "allow_custom_routing": false},
        },
    }]}))
}

async fn ilm_policy(Path(name): Path<String>) -> Json<Value> {
    Json(json!({ name.as_str(): {
        "version": 1,
        "modified_date": "2026-01-01T00:00:00.000Z",
        "policy": {"phases": {"hot": {"min_age": "0ms", "actions": {}}}},
    }}))
}

async fn pipeline(Path(id): Path<String>) -> Json<Value> {
    Json(json!({ id.as_str(): {"description": "accepted by watchpost", "processors": []} }))
}

async fn alias(Path(name): Path<String>) -> Json<Value> {
    Json(
        json!({ format!("{name}-000001"): {"aliases": { name.as_str(): {"is_write_index": true} }} }),
    )
}

async fn bulk(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    run_bulk(app, None, headers, body).await
}

async fn bulk_into(
    State(app): State<Arc<App>>,
    Path(index): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    run_bulk(app, Some(index), headers, body).await
}

fn error(status: u16, es_type: &str, reason: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, Json(error_body(status, es_type, reason))).into_response()
}

/// Whether Elasticsearch 8 takes a body of this content type.
fn content_type_ok(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    [
        "application/json",
        "application/x-ndjson",
        "application/vnd.elasticsearch+json",
        "application/vnd.elasticsearch+x-ndjson",
    ]
    .iter()
    .any(|t| essence.eq_ignore_ascii_case(t))
}

async fn run_bulk(
    app: Arc<App>,
    index: Option<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let content_type = text(header::CONTENT_TYPE);
    if !content_type_ok(&content_type) {
        let reason = format!("Content-Type header [{content_type}] is not supported");
        // Elasticsearch's own shape for this one: a bare string.
        return (
            StatusCode::NOT_ACCEPTABLE,
            Json(json!({"error": reason, "status": 406})),
        )
            .into_response();
    }
    let gzip = text(header::CONTENT_ENCODING).eq_ignore_ascii_case("gzip");
    let result = tokio::task::spawn_blocking(move || {
        let body = if gzip {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&body[..])
                .take(es_bulk::MAX_BODY as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| (400, "parse_exception", format!("gzip: {e}")))?;
            if out.len() > es_bulk::MAX_BODY {
                let reason = format!("decompressed body exceeds {} bytes", es_bulk::MAX_BODY);
                return Err((413, "content_too_long_exception", reason));
            }
            Bytes::from(out)
        } else {
            body
        };
        es_bulk::handle(&app.logs, index.as_deref(), &body)
            .map_err(|e: BulkError| (e.status(), e.es_type(), e.to_string()))
    })
    .await;
    match result {
        Ok(Ok(body)) => Json(body).into_response(),
        Ok(Err((status, es_type, reason))) => {
            tracing::debug!(status, %reason, "bulk request refused");
            error(status, es_type, &reason)
        }
        Err(e) => error(500, "exception", &format!("internal error: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::content_type_ok;

    #[test]
    fn content_types_are_those_elasticsearch_takes() {
        for ok in [
            "application/json",
            "application/x-ndjson",
            "application/json; charset=UTF-8",
            "application/vnd.elasticsearch+x-ndjson; compatible-with=8",
        ] {
            assert!(content_type_ok(ok), "{ok}");
        }
        for bad in ["", "text/plain", "application/x-www-form-urlencoded"] {
            assert!(!content_type_ok(bad), "{bad}");
        }
    }
}
