//! OTLP metrics (gzip-compressed protobuf) from the real OpenTelemetry Python
//! SDK (PyPI `opentelemetry-sdk` + `opentelemetry-exporter-otlp-proto-http`),
//! with cumulative and with delta temporality, and OTLP/JSON, stored under
//! the names and with the values the OpenTelemetry Collector's Prometheus
//! exporter would give them.

mod support;

use std::process::Command;
use std::time::Duration;
use support::{Server, wait_for};

const SDK_SCRIPT: &str = r#"
import sys
from opentelemetry import metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

from opentelemetry.exporter.otlp.proto.http import Compression
# gzip, as the OpenTelemetry Collector's otlphttp exporter sends by default.
exporter = OTLPMetricExporter(endpoint=sys.argv[1], compression=Compression.Gzip)
reader = PeriodicExportingMetricReader(exporter, export_interval_millis=60000)
resource = Resource.create({"service.name": "email-api", "service.instance.id": "api-1", "deployment.environment": "test"})
provider = MeterProvider(resource=resource, metric_readers=[reader])
meter = provider.get_meter("watchpost-test")
sent = meter.create_counter("emails.sent", unit="{emails}", description="emails sent")
sent.add(5, {"queue": "outbound"})
sent.add(3, {"queue": "outbound"})
latency = meter.create_histogram("http.server.duration", unit="ms")
for v in [3, 7, 30, 300]:
    latency.record(v, {"http.method": "GET"})
depth = meter.create_up_down_counter("queue.depth")
depth.add(10)
depth.add(-4)
if not provider.force_flush(10000):
    sys.exit("flush failed")
provider.shutdown()
"#;

/// The SDK with delta temporality (what e.g. .NET and some vendors' SDKs
/// send by default), exporting after each step: a counter in three steps, a
/// histogram in two, and an up-down counter (non-monotonic: refused).
const DELTA_SCRIPT: &str = r#"
import sys
from opentelemetry.sdk.metrics import MeterProvider, Counter, Histogram, UpDownCounter
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

delta = AggregationTemporality.DELTA
exporter = OTLPMetricExporter(endpoint=sys.argv[1], preferred_temporality={
    Counter: delta, Histogram: delta, UpDownCounter: delta})
reader = PeriodicExportingMetricReader(exporter, export_interval_millis=600000)
provider = MeterProvider(resource=Resource.create({"service.name": "worker"}), metric_readers=[reader])
meter = provider.get_meter("watchpost-test")
sent = meter.create_counter("tasks.done")
latency = meter.create_histogram("task.runtime", unit="s")
depth = meter.create_up_down_counter("queue.depth")
for step, (n, runtimes) in enumerate([(5, [0.1, 7.0]), (3, [2.0, 30.0]), (2, [])]):
    sent.add(n, {"queue": "mail"})
    for r in runtimes:
        latency.record(r)
    depth.add(1)
    if not provider.force_flush(10000):
        sys.exit("flush failed")
provider.shutdown()
"#;

fn last_value(server: &Server, selector: &str) -> Option<String> {
    let series = server.raw(selector);
    let values = series.first()?["values"].as_array()?.clone();
    values.last().map(|v| v[1].as_str().unwrap().to_string())
}

#[test]
fn the_python_sdk_exports_into_watchpost() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_bare(dir.path());

    let out = Command::new("python3")
        .args(["-c", SDK_SCRIPT, &format!("{}/v1/metrics", server.base)])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the OpenTelemetry SDK script failed (scripts/install-peers.sh installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );

    assert!(
        wait_for(Duration::from_secs(10), || last_value(
            &server,
            "emails_sent_total"
        )
        .is_some()),
        "log:\n{}",
        server.log_text()
    );
    assert_eq!(
        last_value(
            &server,
            "emails_sent_total{job=\"email-api\",instance=\"api-1\",queue=\"outbound\"}"
        )
        .as_deref(),
        Some("8")
    );
    assert_eq!(
        last_value(&server, "queue_depth{job=\"email-api\"}").as_deref(),
        Some("6")
    );
    assert_eq!(
        last_value(
            &server,
            "http_server_duration_milliseconds_count{http_method=\"GET\"}"
        )
        .as_deref(),
        Some("4")
    );
    assert_eq!(
        last_value(&server, "http_server_duration_milliseconds_sum").as_deref(),
        Some("340")
    );
    assert_eq!(
        last_value(
            &server,
            "http_server_duration_milliseconds_bucket{le=\"+Inf\"}"
        )
        .as_deref(),
        Some("4")
    );
    assert_eq!(
        last_value(
            &server,
            "http_server_duration_milliseconds_bucket{le=\"10\"}"
        )
        .as_deref(),
        Some("2")
    );
    let info = server.raw("target_info{job=\"email-api\"}");
    assert_eq!(info[0]["metric"]["deployment_environment"], "test");
    assert_eq!(info[0]["metric"]["telemetry_sdk_language"], "python");
}

#[test]
fn delta_temporality_is_accumulated_as_the_collector_does() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_bare(dir.path());
    let out = Command::new("python3")
        .args(["-c", DELTA_SCRIPT, &format!("{}/v1/metrics", server.base)])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the OpenTelemetry SDK script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let values = |selector: &str| -> Vec<String> {
        server
            .raw(selector)
            .first()
            .and_then(|s| s["values"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .map(|v| v[1].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        wait_for(Duration::from_secs(10), || values(
            "tasks_done_total{job=\"worker\",queue=\"mail\"}"
        )
        .len()
            == 3),
        "log:\n{}",
        server.log_text()
    );
    assert_eq!(
        values("tasks_done_total{job=\"worker\",queue=\"mail\"}"),
        ["5", "8", "10"],
        "each delta added to the running total"
    );
    assert_eq!(
        last_value(&server, "task_runtime_seconds_count").as_deref(),
        Some("4")
    );
    assert_eq!(
        last_value(&server, "task_runtime_seconds_sum").as_deref(),
        Some("39.1")
    );
    // The SDK's default bounds: 0, 5, 10, 25, 50, …
    for (le, count) in [("5", "2"), ("10", "3"), ("25", "3"), ("50", "4")] {
        assert_eq!(
            last_value(
                &server,
                &format!("task_runtime_seconds_bucket{{le=\"{le}\"}}")
            )
            .as_deref(),
            Some(count),
            "le={le}"
        );
    }
    assert!(
        server.raw("queue_depth").is_empty(),
        "a non-monotonic delta sum has no cumulative form"
    );
}

#[test]
fn otlp_json_and_bad_payloads() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_bare(dir.path());
    let now_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let body = serde_json::json!({
        "resourceMetrics": [{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "celery"}}]},
            "scopeMetrics": [{
                "metrics": [
                    {"name": "tasks.active", "unit": "1", "gauge": {"dataPoints": [{"asInt": "7", "timeUnixNano": now_ns.to_string()}]}},
                    {"name": "tasks.done", "sum": {"aggregationTemporality": 1, "isMonotonic": true, "dataPoints": [{"asDouble": 2.5, "timeUnixNano": now_ns.to_string()}]}},
                    {"name": "queue.depth", "sum": {"aggregationTemporality": 1, "isMonotonic": false, "dataPoints": [{"asInt": "-2", "timeUnixNano": now_ns.to_string()}]}}
                ]
            }]
        }]
    });
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("{}/v1/metrics", server.base);
    let mut resp = agent
        .post(&url)
        .header("content-type", "application/json")
        .send(body.to_string())
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap();
    assert_eq!(status, 200, "{text}");
    let reply: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(
        reply["partialSuccess"]["rejectedDataPoints"]
            .as_i64()
            .unwrap_or(0)
            >= 1,
        "the non-monotonic delta sum is reported: {text}"
    );
    assert_eq!(
        last_value(&server, "tasks_active_ratio{job=\"celery\"}").as_deref(),
        Some("7")
    );
    assert_eq!(
        last_value(&server, "tasks_done_total{job=\"celery\"}").as_deref(),
        Some("2.5"),
        "a monotonic delta sum starts its running total"
    );
    assert!(server.raw("queue_depth").is_empty());

    let resp = agent
        .post(&url)
        .header("content-type", "application/x-protobuf")
        .send(&b"\xff\xff\xff"[..])
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let resp = agent
        .post(&url)
        .header("content-type", "application/json")
        .send("{not json")
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
}
