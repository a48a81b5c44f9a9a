//! The handlers through the real router, without a socket: response shapes
//! and values as Prometheus 2.42 answers them.

use crate::app::App;
use crate::manifest::Manifest;
use crate::storage::metrics::metadata::MetricMetadata;
use crate::storage::metrics::{Labels, Sample};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

pub(super) async fn app(dir: &std::path::Path, extra: &str) -> Arc<App> {
    let source = format!("[storage]\ndata_dir = \"data\"\n{extra}");
    let manifest = Manifest::parse(&dir.join("watchpost.toml"), &source, &|_| None).unwrap();
    App::start(manifest).await.unwrap()
}

/// `up{job}` at 10 s and 20 s (Unix), `load{job="b",cpu="0"}` at 20 s.
pub(super) fn fill(app: &App) {
    let s = |pairs: &[(&str, &str)], t: i64| Sample {
        labels: Labels::new(pairs.iter().copied()).unwrap(),
        t,
        v: 1.0,
    };
    app.pipeline
        .append(&[
            s(&[("__name__", "up"), ("job", "a")], 10_000),
            s(&[("__name__", "up"), ("job", "b")], 20_000),
            s(&[("__name__", "load"), ("job", "b"), ("cpu", "0")], 20_000),
        ])
        .unwrap();
}

async fn call(
    app: &Arc<App>,
    method: Method,
    uri: &str,
    form: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    let body = match form {
        Some(f) => {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(f.to_string())
        }
        None => Body::empty(),
    };
    let response = crate::api::router(Arc::clone(app))
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{uri}: not JSON: {bytes:?}"))
    };
    (status, value)
}

async fn get(app: &Arc<App>, uri: &str) -> (StatusCode, Value) {
    call(app, Method::GET, uri, None).await
}

fn ok(data: Value) -> (StatusCode, Value) {
    (StatusCode::OK, json!({"status": "success", "data": data}))
}

fn bad(error: &str) -> (StatusCode, Value) {
    (
        StatusCode::BAD_REQUEST,
        json!({"status": "error", "errorType": "bad_data", "error": error}),
    )
}

#[tokio::test]
async fn labels_values_and_series() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path(), "").await;
    fill(&app);

    assert_eq!(
        get(&app, "/api/v1/labels").await,
        ok(json!(["__name__", "cpu", "job"]))
    );
    assert_eq!(
        get(&app, "/api/v1/labels?match[]=up").await,
        ok(json!(["__name__", "job"]))
    );
    assert_eq!(
        call(
            &app,
            Method::POST,
            "/api/v1/labels",
            Some("match[]=up&end=15")
        )
        .await,
        ok(json!(["__name__", "job"]))
    );
    assert_eq!(
        get(&app, "/api/v1/label/__name__/values").await,
        ok(json!(["load", "up"]))
    );
    assert_eq!(
        get(&app, "/api/v1/label/job/values?match[]=up&start=15").await,
        ok(json!(["b"]))
    );
    assert_eq!(
        get(
            &app,
            "/api/v1/label/job/values?start=1970-01-01T00:00:11Z&end=1970-01-01T00:00:19Z"
        )
        .await,
        ok(json!([]))
    );
    assert_eq!(get(&app, "/api/v1/label/nope/values").await, ok(json!([])));
    assert_eq!(
        get(
            &app,
            "/api/v1/series?match[]=up&match[]=%7Bcpu%3D%220%22%7D"
        )
        .await,
        ok(json!([
            {"__name__": "load", "cpu": "0", "job": "b"},
            {"__name__": "up", "job": "a"},
            {"__name__": "up", "job": "b"},
        ]))
    );
    assert_eq!(
        call(
            &app,
            Method::POST,
            "/api/v1/series?end=15",
            Some("match[]=up")
        )
        .await,
        ok(json!([{"__name__": "up", "job": "a"}]))
    );
    assert_eq!(
        get(&app, "/api/v1/series?match[]=up&start=5&end=4").await,
        ok(json!([]))
    );

    // Errors, worded as Prometheus words them.
    assert_eq!(
        get(&app, "/api/v1/series").await,
        bad("no match[] parameter provided")
    );
    assert_eq!(
        get(&app, "/api/v1/series?match[]=%7Bjob%3D~%22.*%22%7D").await,
        bad("invalid parameter \"match[]\": match[] must contain at least one non-empty matcher")
    );
    assert_eq!(
        get(&app, "/api/v1/labels?match[]=%7Bjob%3D~%22.*%22%7D").await,
        bad("match[] must contain at least one non-empty matcher")
    );
    assert_eq!(
        get(&app, "/api/v1/labels?start=abc").await,
        bad(
            "invalid parameter \"start\": Invalid time value for 'start': cannot parse \"abc\" to a valid timestamp"
        )
    );
    assert_eq!(
        get(&app, "/api/v1/label/1bad/values").await,
        bad("invalid label name: \"1bad\"")
    );
    let (status, body) = get(&app, "/api/v1/series?match[]=up%7B").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid parameter \"match[]\": ")
    );
}

#[tokio::test]
async fn metadata_format_and_status() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path(), "[server]\nlisten = \"127.0.0.1:9999\"\n").await;
    fill(&app);
    let metadata = app.metrics.metadata();
    metadata.record("up", MetricMetadata::from_remote_write(2, "Target up.", ""));
    metadata.record(
        "http_total",
        MetricMetadata::from_remote_write(1, "Requests.", ""),
    );
    assert_eq!(
        get(&app, "/api/v1/metadata").await,
        ok(json!({
            "http_total": [{"type": "counter", "help": "Requests.", "unit": ""}],
            "up": [{"type": "gauge", "help": "Target up.", "unit": ""}],
        }))
    );
    assert_eq!(
        get(&app, "/api/v1/metadata?limit=1&limit_per_metric=5")
            .await
            .1["data"]
            .as_object()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(get(&app, "/api/v1/metadata?limit=0").await, ok(json!({})));
    assert_eq!(
        get(&app, "/api/v1/metadata?metric=nope").await,
        ok(json!({}))
    );
    assert_eq!(
        get(&app, "/api/v1/metadata?metric=up").await.1["data"]["up"][0]["type"],
        "gauge"
    );
    assert_eq!(
        get(&app, "/api/v1/metadata?limit=x").await,
        bad("limit must be a number")
    );

    assert_eq!(
        get(
            &app,
            "/api/v1/format_query?query=sum(rate(x%5B5m%5D))by(job)"
        )
        .await,
        ok(json!("sum by (job) (rate(x[5m]))"))
    );
    assert_eq!(
        call(
            &app,
            Method::POST,
            "/api/v1/format_query",
            Some("query=up%7Bjob%3D%22a%22%7D")
        )
        .await,
        ok(json!("up{job=\"a\"}"))
    );
    let (status, body) = get(&app, "/api/v1/format_query?query=sum(").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid parameter \"query\": ")
    );

    let (_, build) = get(&app, "/api/v1/status/buildinfo").await;
    assert_eq!(build["data"]["version"], "2.42.0");
    for key in ["revision", "branch", "buildUser", "buildDate", "goVersion"] {
        assert!(build["data"][key].is_string(), "{key}");
    }
    let (_, runtime) = get(&app, "/api/v1/status/runtimeinfo").await;
    assert_eq!(runtime["data"]["storageRetention"], "15d");
    assert_eq!(runtime["data"]["reloadConfigSuccess"], true);
    assert!(
        runtime["data"]["startTime"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let (_, flags) = get(&app, "/api/v1/status/flags").await;
    assert_eq!(flags["data"]["web.listen-address"], "127.0.0.1:9999");
    assert_eq!(flags["data"]["web.enable-admin-api"], "false");
    assert_eq!(flags["data"]["storage.tsdb.retention.time"], "15d");
    let (_, config) = get(&app, "/api/v1/status/config").await;
    assert!(
        config["data"]["yaml"]
            .as_str()
            .unwrap()
            .contains("listen = \"127.0.0.1:9999\"")
    );

    let (status, tsdb) = get(&app, "/api/v1/status/tsdb").await;
    assert_eq!(status, StatusCode::OK);
    let data = &tsdb["data"];
    assert_eq!(
        data["headStats"],
        json!({"numSeries": 3, "numLabelPairs": 5, "chunkCount": 3, "minTime": 10_000, "maxTime": 20_000})
    );
    assert_eq!(
        data["seriesCountByMetricName"],
        json!([{"name": "up", "value": 2}, {"name": "load", "value": 1}])
    );
    assert_eq!(
        data["seriesCountByLabelValuePair"],
        json!([{"name": "__name__=up", "value": 2}, {"name": "job=b", "value": 2}, {"name": "__name__=load", "value": 1}, {"name": "cpu=0", "value": 1}, {"name": "job=a", "value": 1}])
    );
    assert_eq!(
        data["labelValueCountByLabelName"][0],
        json!({"name": "__name__", "value": 2})
    );
    assert!(data["memoryInBytesByLabelName"].is_array());

    assert_eq!(
        get(&app, "/api/v1/targets").await,
        ok(json!({"activeTargets": [], "droppedTargets": []}))
    );
}

#[tokio::test]
async fn admin_endpoints_are_gated_and_work() {
    let dir = tempfile::tempdir().unwrap();
    let off = app(dir.path(), "").await;
    let disabled = (
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({"status": "error", "errorType": "unavailable", "error": "admin APIs disabled"}),
    );
    for path in ["snapshot", "delete_series?match[]=up", "clean_tombstones"] {
        let uri = format!("/api/v1/admin/tsdb/{path}");
        assert_eq!(
            call(&off, Method::POST, &uri, None).await,
            disabled,
            "{path}"
        );
    }
    drop(off);

    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path(), "[server]\nenable_admin_api = true\n").await;
    fill(&app);
    let (status, body) = call(&app, Method::POST, "/api/v1/admin/tsdb/snapshot", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let name = body["data"]["name"].as_str().unwrap();
    let snapshot = dir.path().join("data/snapshots").join(name).join("blocks");
    assert_eq!(
        std::fs::read_dir(&snapshot).unwrap().count(),
        1,
        "the head as a block"
    );
    let (status, _) = call(
        &app,
        Method::PUT,
        "/api/v1/admin/tsdb/snapshot?skip_head=true",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        call(
            &app,
            Method::POST,
            "/api/v1/admin/tsdb/snapshot?skip_head=maybe",
            None
        )
        .await,
        bad(
            "unable to parse boolean 'skip_head' argument: strconv.ParseBool: parsing \"maybe\": invalid syntax"
        )
    );

    assert_eq!(
        call(&app, Method::POST, "/api/v1/admin/tsdb/delete_series", None).await,
        bad("no match[] parameter provided")
    );
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/admin/tsdb/delete_series",
        Some("match[]=up%7Bjob%3D%22a%22%7D"),
    )
    .await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    assert_eq!(
        get(&app, "/api/v1/label/job/values?match[]=up").await,
        ok(json!(["b"]))
    );
    assert_eq!(
        get(&app, "/api/v1/series?match[]=up").await,
        ok(json!([{"__name__": "up", "job": "b"}]))
    );
    let (status, _) = call(
        &app,
        Method::PUT,
        "/api/v1/admin/tsdb/clean_tombstones",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}
