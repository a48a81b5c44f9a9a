//! `POST /v1/logs`: OTLP/HTTP logs (protobuf or JSON) from the
//! OpenTelemetry Collector's `otlphttp` exporter and the SDKs, mapped as
//! Loki 3's OTLP ingestion maps them:
//!
//! - the resource attributes `service.name` (`unknown_service` when absent),
//!   `service.namespace`, `host.name` and `deployment.environment` become
//!   the stream labels `service_name`, `service_namespace`, `host_name`,
//!   `deployment_environment`; the record is filed under the log type named
//!   by `service_name` (as Loki's push files a stream under its `job`);
//! - the body → the line (a string as is, any other value as JSON);
//! - fields: `level` (from `severity_number`, else the lowercased
//!   `severity_text`), `severity_text`, the record's attributes, the other
//!   resource attributes, `scope_name`/`scope_version`, `event_name`, and
//!   `trace_id`/`span_id` in hex — names flattened with `_`
//!   (`code.lineno` → `code_lineno`), values typed;
//! - the time is `time_unix_nano`, else `observed_time_unix_nano`, else now.
//!
//! Records the store refuses are counted in the response's
//! `partial_success`, the others are stored.

use super::es_bulk::field_name;
use super::loki_push::index_for;
use super::otlp_metrics::{Format, OtlpResponse};
use crate::storage::logs::{FieldValue, LogEntry, LogStore, LogStoreError};
use crate::storage::metrics::Labels;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use prost::Message;
use serde_json::Value;

/// Largest body accepted (after decompression).
pub const MAX_BODY: usize = 32 << 20;

/// Resource attributes that become stream labels, and their label names.
const STREAM_ATTRIBUTES: &[(&str, &str)] = &[
    ("service.name", "service_name"),
    ("service.namespace", "service_namespace"),
    ("host.name", "host_name"),
    ("deployment.environment", "deployment_environment"),
];

/// Decodes a request body.
pub fn decode(body: &[u8], format: Format) -> Result<ExportLogsServiceRequest, String> {
    match format {
        Format::Protobuf => {
            ExportLogsServiceRequest::decode(body).map_err(|e| format!("protobuf: {e}"))
        }
        Format::Json => serde_json::from_slice(body).map_err(|e| format!("json: {e}")),
    }
}

/// An OTLP value as plain JSON (bytes as hex).
pub fn any_to_json(v: &AnyValue) -> Value {
    match &v.value {
        Some(any_value::Value::StringValue(s)) => Value::String(s.clone()),
        Some(any_value::Value::BoolValue(b)) => Value::Bool(*b),
        Some(any_value::Value::IntValue(i)) => Value::from(*i),
        Some(any_value::Value::DoubleValue(d)) => Value::from(*d),
        Some(any_value::Value::ArrayValue(a)) => a.values.iter().map(any_to_json).collect(),
        Some(any_value::Value::KvlistValue(kv)) => Value::Object(
            kv.values
                .iter()
                .map(|kv| {
                    (
                        kv.key.clone(),
                        kv.value.as_ref().map_or(Value::Null, any_to_json),
                    )
                })
                .collect(),
        ),
        Some(any_value::Value::BytesValue(b)) => Value::String(hex(b)),
        Some(any_value::Value::StringValueStrindex(_)) | None => Value::Null,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn field_value(v: &AnyValue) -> Option<FieldValue> {
    Some(match v.value.as_ref()? {
        any_value::Value::StringValue(s) => FieldValue::Text(s.clone()),
        any_value::Value::BoolValue(b) => FieldValue::Boolean(*b),
        any_value::Value::IntValue(i) => FieldValue::Integer(*i),
        any_value::Value::DoubleValue(d) => FieldValue::Float(*d),
        any_value::Value::StringValueStrindex(_) => return None,
        _ => FieldValue::Text(any_to_json(v).to_string()),
    })
}

fn push_fields(attrs: &[KeyValue], out: &mut Vec<(String, FieldValue)>) {
    for kv in attrs {
        if let Some(v) = kv.value.as_ref().and_then(field_value) {
            out.push((field_name(&kv.key), v));
        }
    }
}

/// The level word for an OTLP severity number (1–24).
pub fn level_of(number: i32) -> Option<&'static str> {
    Some(match number {
        1..=4 => "trace",
        5..=8 => "debug",
        9..=12 => "info",
        13..=16 => "warn",
        17..=20 => "error",
        21..=24 => "fatal",
        _ => return None,
    })
}

/// Maps a request to entries; also returns the records refused while
/// mapping and why.
pub fn to_entries(
    request: &ExportLogsServiceRequest,
    now_ns: i64,
) -> (Vec<LogEntry>, u64, Vec<String>) {
    let mut entries = Vec::new();
    let mut rejected = 0u64;
    let mut problems = Vec::new();
    for rl in &request.resource_logs {
        let res_attrs: &[KeyValue] = rl.resource.as_ref().map_or(&[], |r| &r.attributes);
        let mut labels = vec![("service_name", "unknown_service".to_string())];
        let mut resource_fields = Vec::new();
        for kv in res_attrs {
            let label = STREAM_ATTRIBUTES.iter().find(|(k, _)| *k == kv.key);
            match (label, kv.value.as_ref()) {
                (Some((_, name)), Some(v)) => {
                    let text = match any_to_json(v) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    labels.retain(|(n, _)| n != name);
                    labels.push((name, text));
                }
                _ => push_fields(std::slice::from_ref(kv), &mut resource_fields),
            }
        }
        let count: usize = rl.scope_logs.iter().map(|s| s.log_records.len()).sum();
        let stream = match Labels::stream(labels) {
            Ok(l) => l,
            Err(e) => {
                rejected += count as u64;
                problems.push(format!("resource labels: {e}"));
                continue;
            }
        };
        let index = index_for(&stream);
        for sl in &rl.scope_logs {
            let mut scope_fields = Vec::new();
            if let Some(scope) = &sl.scope {
                for (name, value) in [
                    ("scope_name", &scope.name),
                    ("scope_version", &scope.version),
                ] {
                    if !value.is_empty() {
                        scope_fields.push((name.to_string(), FieldValue::Text(value.clone())));
                    }
                }
            }
            for r in &sl.log_records {
                let ts_ns = [r.time_unix_nano, r.observed_time_unix_nano]
                    .into_iter()
                    .find(|t| *t > 0)
                    .map_or(now_ns, |t| i64::try_from(t).unwrap_or(i64::MAX));
                let line = match r.body.as_ref().map(any_to_json) {
                    Some(Value::String(s)) => s,
                    None | Some(Value::Null) => String::new(),
                    Some(other) => other.to_string(),
                };
                // Specific before general: the store keeps the first of
                // duplicate names.
                let mut fields = Vec::new();
                let level = level_of(r.severity_number).map(str::to_string).or_else(|| {
                    (!r.severity_text.is_empty()).then(|| r.severity_text.to_lowercase())
                });
                if let Some(level) = level {
                    fields.push(("level".to_string(), FieldValue::Text(level)));
                }
                if !r.severity_text.is_empty() {
                    fields.push((
                        "severity_text".into(),
                        FieldValue::Text(r.severity_text.clone()),
                    ));
                }
                for (name, id) in [("trace_id", &r.trace_id), ("span_id", &r.span_id)] {
                    if id.iter().any(|b| *b != 0) {
                        fields.push((name.to_string(), FieldValue::Text(hex(id))));
                    }
                }
                if !r.event_name.is_empty() {
                    fields.push(("event_name".into(), FieldValue::Text(r.event_name.clone())));
                }
                push_fields(&r.attributes, &mut fields);
                fields.extend(scope_fields.iter().cloned());
                fields.extend(resource_fields.iter().cloned());
                entries.push(LogEntry {
                    index: index.clone(),
                    ts_ns,
                    stream: stream.clone(),
                    line,
                    fields,
                });
            }
        }
    }
    (entries, rejected, problems)
}

fn respond(status: u16, format: Format, response: &ExportLogsServiceResponse) -> OtlpResponse {
    let (body, content_type) = match format {
        Format::Protobuf => (response.encode_to_vec(), "application/x-protobuf"),
        Format::Json => (
            serde_json::to_vec(response).unwrap_or_else(|_| b"{}".to_vec()),
            "application/json",
        ),
    };
    OtlpResponse {
        status,
        body,
        content_type,
    }
}

/// Handles one (decompressed) request body; blocking: the append syncs.
pub fn handle(logs: &LogStore, body: &[u8], format: Format) -> OtlpResponse {
    let error = |status: u16, message: String| OtlpResponse::error(format, status, message);
    if body.len() > MAX_BODY {
        let n = body.len();
        return error(
            413,
            format!("body of {n} bytes exceeds the limit of {MAX_BODY}"),
        );
    }
    let request = match decode(body, format) {
        Ok(r) => r,
        Err(e) => return error(400, e),
    };
    let now_ns = crate::util::now_ms().saturating_mul(1_000_000);
    let (entries, mut rejected, mut problems) = to_entries(&request, now_ns);
    if !entries.is_empty() {
        match logs.append(entries) {
            Ok(outcome) => {
                rejected += outcome.rejected.len() as u64;
                problems.extend(outcome.rejected.into_iter().take(10).map(|(_, r)| r));
            }
            // 429 and 503 are the statuses OTLP exporters retry.
            Err(LogStoreError::Backpressure(m)) => {
                return error(429, format!("log store is behind: {m}"));
            }
            Err(e) => return error(503, format!("storage error: {e}")),
        }
    }
    let response = ExportLogsServiceResponse {
        partial_success: (rejected > 0).then(|| ExportLogsPartialSuccess {
            rejected_log_records: rejected as i64,
            error_message: problems.join("; "),
        }),
    };
    respond(200, format, &response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::logs::LogStoreConfig;
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, InstrumentationScope};
    use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    use opentelemetry_proto::tonic::resource::v1::Resource;

    fn s(v: &str) -> Option<AnyValue> {
        Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        })
    }

    fn kv(k: &str, value: Option<AnyValue>) -> KeyValue {
        KeyValue {
            key: k.into(),
            value,
            ..Default::default()
        }
    }

    fn request(records: Vec<LogRecord>) -> ExportLogsServiceRequest {
        ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs {
                resource: Some(Resource {
                    attributes: vec![
                        kv("service.name", s("Email API")),
                        kv("host.name", s("web1")),
                        kv("deployment.environment", s("prod")),
                        kv(
                            "process.pid",
                            Some(AnyValue {
                                value: Some(any_value::Value::IntValue(42)),
                            }),
                        ),
                    ],
                    ..Default::default()
                }),
                scope_logs: vec![ScopeLogs {
                    scope: Some(InstrumentationScope {
                        name: "email.api".into(),
                        ..Default::default()
                    }),
                    log_records: records,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn records_map_to_loki_style_labels_and_typed_fields() {
        let record = LogRecord {
            time_unix_nano: 1_795_597_201_500_000_000,
            severity_number: 17,
            severity_text: "ERROR".into(),
            body: s("send failed"),
            attributes: vec![
                kv(
                    "code.lineno",
                    Some(AnyValue {
                        value: Some(any_value::Value::IntValue(12)),
                    }),
                ),
                kv(
                    "tags",
                    Some(AnyValue {
                        value: Some(any_value::Value::ArrayValue(ArrayValue {
                            values: vec![s("a").unwrap()],
                        })),
                    }),
                ),
            ],
            trace_id: vec![0xab; 16],
            span_id: vec![0; 8],
            ..Default::default()
        };
        let (entries, rejected, _) = to_entries(&request(vec![record]), 5);
        assert_eq!(rejected, 0);
        let e = &entries[0];
        assert_eq!(
            e.stream.to_string(),
            r#"{deployment_environment="prod", host_name="web1", service_name="Email API"}"#
        );
        assert_eq!(&*e.index, "email-api");
        assert_eq!(
            (e.ts_ns, e.line.as_str()),
            (1_795_597_201_500_000_000, "send failed")
        );
        let f = |n: &str| e.field(n).cloned();
        assert_eq!(f("level"), Some(FieldValue::Text("error".into())));
        assert_eq!(f("severity_text"), Some(FieldValue::Text("ERROR".into())));
        assert_eq!(f("code_lineno"), Some(FieldValue::Integer(12)));
        assert_eq!(f("tags"), Some(FieldValue::Text(r#"["a"]"#.into())));
        assert_eq!(f("trace_id"), Some(FieldValue::Text("ab".repeat(16))));
        assert_eq!(f("span_id"), None, "all-zero ids are absent");
        assert_eq!(f("process_pid"), Some(FieldValue::Integer(42)));
        assert_eq!(f("scope_name"), Some(FieldValue::Text("email.api".into())));
    }

    #[test]
    fn bodies_times_and_levels_fall_back() {
        let kvlist = AnyValue {
            value: Some(any_value::Value::KvlistValue(
                opentelemetry_proto::tonic::common::v1::KeyValueList {
                    values: vec![kv("user", s("bob"))],
                },
            )),
        };
        let records = vec![
            LogRecord {
                observed_time_unix_nano: 9,
                severity_text: "Notice".into(),
                body: Some(kvlist),
                ..Default::default()
            },
            LogRecord::default(),
        ];
        let mut req = request(records);
        req.resource_logs[0].resource = None;
        let (entries, _, _) = to_entries(&req, 5);
        assert_eq!(
            (entries[0].ts_ns, entries[0].line.as_str()),
            (9, r#"{"user":"bob"}"#)
        );
        assert_eq!(
            entries[0].field("level"),
            Some(&FieldValue::Text("notice".into()))
        );
        assert_eq!(
            entries[0].stream.to_string(),
            r#"{service_name="unknown_service"}"#
        );
        assert_eq!(&*entries[0].index, "unknown_service");
        assert_eq!((entries[1].ts_ns, entries[1].line.as_str()), (5, ""));
        assert_eq!(entries[1].field("level"), None);
    }

    #[test]
    fn json_bodies_store_and_refusals_are_partial_successes() {
        let dir = tempfile::tempdir().unwrap();
        let logs = LogStore::open(LogStoreConfig::new(dir.path().to_path_buf())).unwrap();
        let now = crate::util::now_ms() * 1_000_000;
        let body = serde_json::json!({"resourceLogs": [{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "celery"}}]},
            "scopeLogs": [{"logRecords": [
                {"timeUnixNano": now.to_string(), "body": {"stringValue": "ok"},
                 "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174"},
                {"timeUnixNano": "1000", "body": {"stringValue": "ancient"}}
            ]}]
        }]});
        let r = handle(&logs, body.to_string().as_bytes(), Format::Json);
        assert_eq!(r.status, 200);
        let reply: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(reply["partialSuccess"]["rejectedLogRecords"], 1, "{reply}");
        assert!(
            reply["partialSuccess"]["errorMessage"]
                .as_str()
                .unwrap()
                .contains("too old")
        );
        let r = handle(&logs, &request(vec![]).encode_to_vec(), Format::Protobuf);
        assert_eq!(
            (r.status, r.body.as_slice()),
            (200, &b""[..]),
            "empty success"
        );
        for (junk, format) in [
            (&b"{nope"[..], Format::Json),
            (b"\xff\xff\xff", Format::Protobuf),
        ] {
            assert_eq!(handle(&logs, junk, format).status, 400);
        }
    }
}
