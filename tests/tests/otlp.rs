//! OTLP metrics (gzip-compressed protobuf) from the real OpenTelemetry Python SDK (PyPI
//! `opentelemetry-sdk` + `opentelemetry-exporter-otlp-proto-http`), and
//! OTLP/JSON, stored under the names the OpenTelemetry Collector's Prometheus
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
                    {"name": "tasks.done", "sum": {"aggregationTemporality": 1, "isMonotonic": true, "dataPoints": [{"asDouble": 2.5, "timeUnixNano": now_ns.to_string()}]}}
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
        "delta sum is reported: {text}"
    );
    assert_eq!(
        last_value(&server, "tasks_active_ratio{job=\"celery\"}").as_deref(),
        Some("7")
    );
    assert!(
        server.raw("tasks_done_total").is_empty(),
        "delta sums are not stored"
    );

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
