//! `/api/v1/query` and `/api/v1/query_range` through the real router: the
//! response bytes are exactly Prometheus 2.42's (value strings, timestamp
//! decimals, label order), and errors carry its types and statuses.

use super::tests::{app, fill};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use std::sync::Arc;
use tower::ServiceExt;

async fn raw(
    app: &Arc<crate::app::App>,
    method: Method,
    uri: &str,
    form: Option<&str>,
) -> (StatusCode, String) {
    let mut request = Request::builder().method(method).uri(uri);
    if form.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    let body = Body::from(form.unwrap_or("").to_string());
    let response = crate::api::router(Arc::clone(app))
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn results_are_byte_for_byte_prometheus_json() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path(), "").await;
    fill(&app);
    let get = |uri: &'static str| {
        let app = Arc::clone(&app);
        async move { raw(&app, Method::GET, uri, None).await }
    };
    assert_eq!(
        get("/api/v1/query?query=up&time=20").await,
        (
            StatusCode::OK,
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a"},"value":[20,"1"]},{"metric":{"__name__":"up","job":"b"},"value":[20,"1"]}]}}"#.into()
        )
    );
    assert_eq!(
        raw(
            &app,
            Method::POST,
            "/api/v1/query_range",
            Some("query=sum(up)&start=10&end=20.5&step=5")
        )
        .await,
        (
            StatusCode::OK,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[10,"1"],[15,"1"],[20,"2"]]}]}}"#.into()
        )
    );
    assert_eq!(
        get("/api/v1/query?query=sum(up)&time=20.5").await.1,
        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[20.500,"2"]}]}}"#
    );
    assert_eq!(
        get("/api/v1/query?query=1%2B1&time=1.5").await.1,
        r#"{"status":"success","data":{"resultType":"scalar","result":[1.5,"2"]}}"#
    );
    assert_eq!(
        get("/api/v1/query?query=%22hi%22&time=2.25").await.1,
        r#"{"status":"success","data":{"resultType":"string","result":[2.25,"hi"]}}"#
    );
    assert_eq!(
        get("/api/v1/query?query=up%5B15s%5D&time=20.25").await.1,
        r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","job":"a"},"values":[[10,"1"]]},{"metric":{"__name__":"up","job":"b"},"values":[[20,"1"]]}]}}"#
    );
    assert_eq!(
        get("/api/v1/query?query=up%20%2F%200&time=20").await.1,
        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"a"},"value":[20,"+Inf"]},{"metric":{"job":"b"},"value":[20,"+Inf"]}]}}"#
    );
}

#[tokio::test]
async fn errors_carry_prometheus_types_and_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path(), "").await;
    fill(&app);
    let cases: [(&str, u16, &str); 6] = [
        ("/api/v1/query?query=sum(", 400, "bad_data"),
        (
            "/api/v1/query_range?query=up&start=20&end=10&step=5",
            400,
            "bad_data",
        ),
        (
            "/api/v1/query_range?query=up&start=10&end=20&step=0",
            400,
            "bad_data",
        ),
        (
            "/api/v1/query_range?query=up%5B5m%5D&start=10&end=20&step=5",
            400,
            "bad_data",
        ),
        (
            "/api/v1/query_range?query=up&start=0&end=100000&step=1",
            400,
            "bad_data",
        ),
        (
            "/api/v1/query?query=label_replace(up,%22x%22,%22%241%22,%22job%22,%22(%22)&time=20",
            422,
            "execution",
        ),
    ];
    for (uri, status, kind) in cases {
        let (got, body) = raw(&app, Method::GET, uri, None).await;
        assert_eq!(got.as_u16(), status, "{uri}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], "error", "{uri}");
        assert_eq!(v["errorType"], kind, "{uri}: {body}");
    }
    let (_, body) = raw(&app, Method::GET, "/api/v1/query?query=sum(", None).await;
    assert!(body.contains("invalid parameter \\\"query\\\": "), "{body}");
    // A range query's parse error is bare in Prometheus 2.42.
    let uri = "/api/v1/query_range?query=sum(&start=0&end=60&step=15";
    let (status, body) = raw(&app, Method::GET, uri, None).await;
    assert_eq!(status.as_u16(), 400, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        v["error"].as_str().unwrap().starts_with("1:5: parse error"),
        "{body}"
    );
}
