//! `POST /v1/metrics`: OTLP/HTTP metrics (protobuf or JSON), mapped to
//! Prometheus series the way the OpenTelemetry Collector's Prometheus exporter
//! maps them:
//!
//! - names: invalid characters become `_`; the unit is appended as a word
//!   (`s` → `_seconds`, `By` → `_bytes`, `By/s` → `_bytes_per_second`, a
//!   `1` gauge → `_ratio`, `{annotations}` dropped); monotonic sums get
//!   `_total`;
//! - `service.namespace`/`service.name` become `job`, `service.instance.id`
//!   becomes `instance`, other resource attributes go to `target_info`;
//! - histograms become `_bucket{le}` (cumulative), `_sum`, `_count`;
//!   summaries `{quantile}`, `_sum`, `_count`;
//! - a point flagged "no recorded value" becomes a staleness marker;
//! - delta monotonic sums and delta histograms are accumulated into
//!   cumulative ones first ([`DeltaToCumulative`]), as the collector does.
//!
//! Not stored (counted and reported as partial success): non-monotonic delta
//! sums (the collector drops them too) and exponential histograms.

use super::Pipeline;
use super::otlp_delta::DeltaToCumulative;
use crate::storage::metrics::{Labels, STALE_NAN, Sample};
use crate::telemetry::SelfMetrics;
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, NumberDataPoint, metric::Data, number_data_point,
};
use prost::Message;

/// Largest body accepted.
pub const MAX_BODY: usize = 32 << 20;

/// Wire format of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/x-protobuf`.
    Protobuf,
    /// `application/json`.
    Json,
}

/// The HTTP outcome.
#[derive(Debug)]
pub struct OtlpResponse {
    /// Status.
    pub status: u16,
    /// Body, in the request's format.
    pub body: Vec<u8>,
    /// Content type of `body`.
    pub content_type: &'static str,
}

impl OtlpResponse {
    /// A failure in the request's format: OTLP/JSON's `Status` object, or
    /// plain text for protobuf.
    pub fn error(format: Format, status: u16, message: String) -> OtlpResponse {
        let (body, content_type) = match format {
            Format::Json => (
                serde_json::json!({"code": 3, "message": message})
                    .to_string()
                    .into_bytes(),
                "application/json",
            ),
            Format::Protobuf => (message.into_bytes(), "text/plain"),
        };
        OtlpResponse {
            status,
            body,
            content_type,
        }
    }
}

fn unit_word(unit: &str) -> Option<String> {
    let word = |u: &str| -> Option<&'static str> {
        Some(match u {
            "d" => "days",
            "h" => "hours",
            "min" => "minutes",
            "s" => "seconds",
            "ms" => "milliseconds",
            "us" => "microseconds",
            "ns" => "nanoseconds",
            "By" => "bytes",
            "KiBy" => "kibibytes",
            "MiBy" => "mebibytes",
            "GiBy" => "gibibytes",
            "TiBy" => "tebibytes",
            "KBy" => "kilobytes",
            "MBy" => "megabytes",
            "GBy" => "gigabytes",
            "TBy" => "terabytes",
            "m" => "meters",
            "V" => "volts",
            "A" => "amperes",
            "J" => "joules",
            "W" => "watts",
            "g" => "grams",
            "Cel" => "celsius",
            "Hz" => "hertz",
            "%" => "percent",
            _ => return None,
        })
    };
    // Annotations like `{requests}` carry no unit.
    let unit = match (unit.find('{'), unit.find('}')) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &unit[..a], &unit[b + 1..]),
        _ => unit.to_string(),
    };
    let unit = unit.trim();
    if unit.is_empty() || unit == "1" {
        return None;
    }
    let clean = |u: &str| word(u).map(str::to_string).unwrap_or_else(|| sanitize(u));
    Some(match unit.split_once('/') {
        Some((a, b)) if !b.is_empty() => {
            let per = match b {
                "s" => "second".to_string(),
                "m" => "minute".to_string(),
                "h" => "hour".to_string(),
                "d" => "day".to_string(),
                other => clean(other),
            };
            if a.is_empty() {
                format!("per_{per}")
            } else {
                format!("{}_per_{per}", clean(a))
            }
        }
        _ => clean(unit),
    })
}

/// Replaces every character Prometheus does not allow by `_`, collapsing runs.
fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let ok = c.is_ascii_alphanumeric() || c == '_' || c == ':';
        if ok {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out
}

/// The Prometheus metric name for an OTLP metric.
pub fn metric_name(name: &str, unit: &str, monotonic_sum: bool, gauge: bool) -> String {
    let mut n = sanitize(name);
    if n.starts_with(|c: char| c.is_ascii_digit()) {
        n = format!("_{n}");
    }
    if let Some(word) = unit_word(unit)
        && !n.split('_').any(|part| part == word)
    {
        n = format!("{n}_{word}");
    }
    if gauge && unit.trim() == "1" && !n.ends_with("_ratio") {
        n.push_str("_ratio");
    }
    if monotonic_sum {
        if let Some(stripped) = n.strip_suffix("_total") {
            n = stripped.to_string();
        }
        n.push_str("_total");
    }
    n
}

/// The Prometheus label name for an attribute key.
pub fn label_name(key: &str) -> String {
    let n = sanitize(key);
    if n.starts_with(|c: char| c.is_ascii_digit()) {
        format!("key_{n}")
    } else if n.starts_with('_') && !n.starts_with("__") {
        format!("key{n}")
    } else {
        n
    }
}

fn value_string(v: &Option<AnyValue>) -> String {
    match v.as_ref().and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a KeyValue> {
    attrs.iter().find(|kv| kv.key == key)
}

struct Builder<'a> {
    target: &'a [(String, String)],
    samples: Vec<Sample>,
    invalid: u64,
    problems: Vec<String>,
}

impl Builder<'_> {
    /// Pushes gauge or sum points; returns the latest timestamp seen.
    fn push_numbers(&mut self, name: &str, points: &[NumberDataPoint]) -> u64 {
        let mut latest = 0;
        for p in points {
            latest = latest.max(p.time_unix_nano);
            self.push(
                name,
                &p.attributes,
                None,
                p.time_unix_nano,
                number(&p.value),
                p.flags,
            );
        }
        latest
    }

    fn push(
        &mut self,
        name: &str,
        attrs: &[KeyValue],
        extra: Option<(&str, String)>,
        t_nanos: u64,
        v: f64,
        flags: u32,
    ) {
        let mut pairs: Vec<(String, String)> = Vec::with_capacity(attrs.len() + 4);
        pairs.push(("__name__".into(), name.into()));
        for kv in attrs {
            pairs.push((label_name(&kv.key), value_string(&kv.value)));
        }
        pairs.extend(self.target.iter().cloned());
        if let Some((n, v)) = extra {
            pairs.push((n.into(), v));
        }
        // Attributes whose sanitised names collide are merged with `;`, as the
        // collector does.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut merged: Vec<(String, String)> = Vec::with_capacity(pairs.len());
        for (n, v) in pairs {
            match merged.last_mut() {
                Some((last, value)) if *last == n => {
                    value.push(';');
                    value.push_str(&v);
                }
                _ => merged.push((n, v)),
            }
        }
        let v = if flags & 1 == 1 {
            f64::from_bits(STALE_NAN)
        } else {
            v
        };
        match Labels::new(merged) {
            Ok(labels) => self.samples.push(Sample {
                labels,
                t: (t_nanos / 1_000_000) as i64,
                v,
            }),
            Err(e) => {
                self.invalid += 1;
                if self.problems.len() < 10 {
                    self.problems.push(format!("{name}: {e}"));
                }
            }
        }
    }
}

/// Decodes a request body.
pub fn decode(body: &[u8], format: Format) -> Result<ExportMetricsServiceRequest, String> {
    match format {
        Format::Protobuf => {
            ExportMetricsServiceRequest::decode(body).map_err(|e| format!("protobuf: {e}"))
        }
        Format::Json => serde_json::from_slice(body).map_err(|e| format!("json: {e}")),
    }
}

/// Converts a request to samples. Returns (samples, rejected points, reasons).
pub fn to_samples(request: &ExportMetricsServiceRequest) -> (Vec<Sample>, u64, Vec<String>) {
    let mut all = Vec::new();
    let mut rejected = 0u64;
    let mut problems = Vec::new();
    for rm in &request.resource_metrics {
        let res_attrs: &[KeyValue] = rm
            .resource
            .as_ref()
            .map(|r| r.attributes.as_slice())
            .unwrap_or(&[]);
        let service = attr(res_attrs, "service.name").map(|kv| value_string(&kv.value));
        let namespace = attr(res_attrs, "service.namespace").map(|kv| value_string(&kv.value));
        let job = match (namespace, service) {
            (Some(ns), Some(s)) if !ns.is_empty() => format!("{ns}/{s}"),
            (_, Some(s)) => s,
            _ => String::new(),
        };
        let instance = attr(res_attrs, "service.instance.id")
            .map(|kv| value_string(&kv.value))
            .unwrap_or_default();
        let target = vec![("job".to_string(), job), ("instance".to_string(), instance)];
        let mut b = Builder {
            target: &target,
            samples: Vec::new(),
            invalid: 0,
            problems: Vec::new(),
        };
        let mut latest = 0u64;
        for sm in &rm.scope_metrics {
            for m in &sm.metrics {
                match &m.data {
                    Some(Data::Gauge(g)) => {
                        let name = metric_name(&m.name, &m.unit, false, true);
                        latest = latest.max(b.push_numbers(&name, &g.data_points));
                    }
                    Some(Data::Sum(s)) => {
                        if s.aggregation_temporality == AggregationTemporality::Delta as i32 {
                            rejected += s.data_points.len() as u64;
                            problems.push(format!(
                                "{}: a non-monotonic sum with delta temporality has no cumulative form",
                                m.name
                            ));
                            continue;
                        }
                        let name = metric_name(&m.name, &m.unit, s.is_monotonic, !s.is_monotonic);
                        latest = latest.max(b.push_numbers(&name, &s.data_points));
                    }
                    Some(Data::Histogram(h)) => {
                        if h.aggregation_temporality == AggregationTemporality::Delta as i32 {
                            rejected += h.data_points.len() as u64;
                            problems.push(format!("{}: delta histogram left unconverted", m.name));
                            continue;
                        }
                        let name = metric_name(&m.name, &m.unit, false, false);
                        for p in &h.data_points {
                            latest = latest.max(p.time_unix_nano);
                            let mut cumulative = 0u64;
                            for (i, count) in p.bucket_counts.iter().enumerate() {
                                cumulative += count;
                                let le = p.explicit_bounds.get(i).map_or("+Inf".to_string(), |b| {
                                    crate::storage::metrics::scrape::format_float(*b)
                                });
                                b.push(
                                    &format!("{name}_bucket"),
                                    &p.attributes,
                                    Some(("le", le)),
                                    p.time_unix_nano,
                                    cumulative as f64,
                                    p.flags,
                                );
                            }
                            if p.bucket_counts.len() <= p.explicit_bounds.len() {
                                b.push(
                                    &format!("{name}_bucket"),
                                    &p.attributes,
                                    Some(("le", "+Inf".into())),
                                    p.time_unix_nano,
                                    p.count as f64,
                                    p.flags,
                                );
                            }
                            if let Some(sum) = p.sum {
                                b.push(
                                    &format!("{name}_sum"),
                                    &p.attributes,
                                    None,
                                    p.time_unix_nano,
                                    sum,
                                    p.flags,
                                );
                            }
                            b.push(
                                &format!("{name}_count"),
                                &p.attributes,
                                None,
                                p.time_unix_nano,
                                p.count as f64,
                                p.flags,
                            );
                        }
                    }
                    Some(Data::Summary(s)) => {
                        let name = metric_name(&m.name, &m.unit, false, false);
                        for p in &s.data_points {
                            latest = latest.max(p.time_unix_nano);
                            for q in &p.quantile_values {
                                b.push(
                                    &name,
                                    &p.attributes,
                                    Some((
                                        "quantile",
                                        crate::storage::metrics::scrape::format_float(q.quantile),
                                    )),
                                    p.time_unix_nano,
                                    q.value,
                                    p.flags,
                                );
                            }
                            b.push(
                                &format!("{name}_sum"),
                                &p.attributes,
                                None,
                                p.time_unix_nano,
                                p.sum,
                                p.flags,
                            );
                            b.push(
                                &format!("{name}_count"),
                                &p.attributes,
                                None,
                                p.time_unix_nano,
                                p.count as f64,
                                p.flags,
                            );
                        }
                    }
                    Some(Data::ExponentialHistogram(h)) => {
                        rejected += h.data_points.len() as u64;
                        problems.push(format!(
                            "{}: exponential histograms are not supported yet",
                            m.name
                        ));
                    }
                    None => {}
                }
            }
        }
        // Resource attributes other than the ones that became job/instance.
        let info: Vec<KeyValue> = res_attrs
            .iter()
            .filter(|kv| {
                !["service.name", "service.namespace", "service.instance.id"]
                    .contains(&kv.key.as_str())
            })
            .cloned()
            .collect();
        if !info.is_empty() && latest > 0 {
            b.push("target_info", &info, None, latest, 1.0, 0);
        }
        rejected += b.invalid;
        problems.extend(b.problems);
        all.extend(b.samples);
    }
    (all, rejected, problems)
}

fn number(v: &Option<number_data_point::Value>) -> f64 {
    match v {
        Some(number_data_point::Value::AsDouble(d)) => *d,
        Some(number_data_point::Value::AsInt(i)) => *i as f64,
        None => f64::NAN,
    }
}

fn respond(status: u16, format: Format, response: &ExportMetricsServiceResponse) -> OtlpResponse {
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

/// Handles one request body (blocking: it syncs to disk).
pub fn handle(
    pipeline: &Pipeline,
    deltas: &DeltaToCumulative,
    telemetry: &SelfMetrics,
    body: &[u8],
    format: Format,
) -> OtlpResponse {
    let error = |status: u16, message: String| OtlpResponse::error(format, status, message);
    if body.len() > MAX_BODY {
        return error(
            413,
            format!(
                "body of {} bytes exceeds the limit of {MAX_BODY}",
                body.len()
            ),
        );
    }
    let mut request = match decode(body, format) {
        Ok(r) => r,
        Err(e) => return error(400, e),
    };
    deltas.convert(&mut request);
    let (samples, mut rejected, mut problems) = to_samples(&request);
    if rejected > 0 {
        telemetry.rejected("otlp_unsupported", rejected);
    }
    match pipeline.append(&samples) {
        Ok(outcome) => {
            rejected += outcome.rejected.len() as u64;
            for (labels, t, reason) in outcome.rejected.iter().take(10) {
                problems.push(format!("{labels} @{t}: {}", reason.as_str()));
            }
        }
        Err(e) => return error(503, format!("storage error: {e}")),
    }
    let response = ExportMetricsServiceResponse {
        partial_success: (rejected > 0).then(|| ExportMetricsPartialSuccess {
            rejected_data_points: rejected as i64,
            error_message: problems.join("; "),
        }),
    };
    respond(200, format, &response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_collector() {
        assert_eq!(
            metric_name("http.server.duration", "ms", false, false),
            "http_server_duration_milliseconds"
        );
        assert_eq!(
            metric_name("http.server.requests", "{requests}", true, false),
            "http_server_requests_total"
        );
        assert_eq!(
            metric_name("requests_total", "1", true, false),
            "requests_total"
        );
        assert_eq!(
            metric_name("cpu.utilization", "1", false, true),
            "cpu_utilization_ratio"
        );
        assert_eq!(
            metric_name("net.io", "By/s", false, true),
            "net_io_bytes_per_second"
        );
        assert_eq!(
            metric_name("queue.wait_seconds", "s", false, false),
            "queue_wait_seconds"
        );
        assert_eq!(metric_name("2xx.rate", "", false, true), "_2xx_rate");
        assert_eq!(label_name("http.method"), "http_method");
        assert_eq!(label_name("1st"), "key_1st");
        assert_eq!(label_name("_private"), "key_private");
    }
}
