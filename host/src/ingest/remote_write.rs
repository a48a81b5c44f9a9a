//! `POST /api/v1/write`: the Prometheus remote-write 1.0 receiver
//! (snappy-compressed protobuf), so any Prometheus, Grafana Agent/Alloy or
//! OpenTelemetry Collector can write to Watchpost.
//!
//! Answers as Prometheus does: `204` when everything was stored; `400` with
//! the reasons when the payload is malformed or some samples were refused
//! (the valid ones of the same request are stored and durable — a sender
//! must not retry a 4xx); `413` past the size limit; `500` when the store
//! cannot write (retryable). Metric metadata sent along is kept for
//! `/api/v1/metadata`.

use super::Pipeline;
use super::prompb::WriteRequest;
use crate::storage::metrics::head::RejectReason;
use crate::storage::metrics::metadata::MetricMetadata;
use crate::storage::metrics::{Labels, LabelsRef, Sample};
use crate::telemetry::SelfMetrics;
use prost::Message;
use std::fmt::Write;

/// Largest compressed body accepted.
pub const MAX_COMPRESSED: usize = 32 << 20;
/// Largest decompressed body accepted.
pub const MAX_DECOMPRESSED: usize = 256 << 20;
/// Rejections listed in an error response.
const MAX_LISTED: usize = 10;

/// The HTTP outcome of one write.
#[derive(Debug, PartialEq)]
pub struct WriteResponse {
    /// HTTP status.
    pub status: u16,
    /// Body (empty on success).
    pub body: String,
}

impl WriteResponse {
    /// A failure with `status`.
    pub fn error(status: u16, body: String) -> Self {
        WriteResponse { status, body }
    }
}

/// Decodes a snappy-compressed `WriteRequest`.
pub fn decode(body: &[u8]) -> Result<WriteRequest, WriteResponse> {
    let raw = decompress_snappy(body)?;
    WriteRequest::decode(raw.as_slice())
        .map_err(|e| WriteResponse::error(400, format!("protobuf: {e}")))
}

/// Snappy (block format) decompression within the size limits, as remote
/// write and Loki's push protocol use it.
pub fn decompress_snappy(body: &[u8]) -> Result<Vec<u8>, WriteResponse> {
    if body.len() > MAX_COMPRESSED {
        return Err(WriteResponse::error(
            413,
            format!(
                "body of {} bytes exceeds the limit of {MAX_COMPRESSED}",
                body.len()
            ),
        ));
    }
    let len = snap::raw::decompress_len(body)
        .map_err(|e| WriteResponse::error(400, format!("snappy: {e}")))?;
    if len > MAX_DECOMPRESSED {
        return Err(WriteResponse::error(
            413,
            format!("decompressed body of {len} bytes exceeds the limit of {MAX_DECOMPRESSED}"),
        ));
    }
    snap::raw::Decoder::new()
        .decompress_vec(body)
        .map_err(|e| WriteResponse::error(400, format!("snappy: {e}")))
}

/// Stores `request` through `pipeline` (blocking: call it off the async
/// runtime).
pub fn store(pipeline: &Pipeline, telemetry: &SelfMetrics, request: WriteRequest) -> WriteResponse {
    let metadata = pipeline.db().metadata();
    for m in request
        .metadata
        .iter()
        .filter(|m| !m.metric_family_name.is_empty())
    {
        metadata.record(
            &m.metric_family_name,
            MetricMetadata::from_remote_write(m.r#type, &m.help, &m.unit),
        );
    }
    // Series already in the store reuse its label set: no new set is
    // built or validated for them.
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut spans = Vec::with_capacity(request.timeseries.len());
    let mut buf = Vec::new();
    for ts in &request.timeseries {
        let labels = ts
            .labels
            .iter()
            .map(|l| (l.name.as_str(), l.value.as_str()));
        spans.push(Labels::sorted_ref(labels, &mut buf).map(|()| {
            pairs.extend_from_slice(&buf);
            pairs.len() - buf.len()..pairs.len()
        }));
    }
    let known = pipeline.db().find_labels(
        spans
            .iter()
            .map(|span| span.clone().map(|r| LabelsRef(&pairs[r]))),
    );
    let mut samples = Vec::with_capacity(request.timeseries.len());
    let mut problems: Vec<String> = Vec::new();
    let mut invalid = 0u64;
    let mut histograms = 0u64;
    for (ts, known) in request.timeseries.iter().zip(known) {
        histograms += ts.histograms.len() as u64;
        let labels = match known {
            Some(labels) => Ok(labels),
            None => Labels::new(
                ts.labels
                    .iter()
                    .map(|l| (l.name.as_str(), l.value.as_str())),
            ),
        };
        match labels {
            Ok(labels) => samples.extend(ts.samples.iter().map(|s| Sample {
                labels: labels.clone(),
                t: s.timestamp,
                v: s.value,
            })),
            Err(e) => {
                invalid += ts.samples.len() as u64;
                let shown: Vec<String> = ts
                    .labels
                    .iter()
                    .map(|l| format!("{}={:?}", l.name, l.value))
                    .collect();
                problems.push(format!("series {{{}}}: {e}", shown.join(", ")));
            }
        }
    }
    if invalid > 0 {
        telemetry.rejected("invalid_labels", invalid);
    }
    if histograms > 0 {
        telemetry.rejected("native_histogram_unsupported", histograms);
        problems.push(format!(
            "{histograms} native histogram samples are not supported yet"
        ));
    }
    let outcome = match pipeline.append(&samples) {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(error = %e, "remote write: cannot write to the metrics store");
            return WriteResponse::error(500, format!("storage error: {e}"));
        }
    };
    for (labels, t, reason) in &outcome.rejected {
        let what = match reason {
            RejectReason::OutOfBounds => "out of bounds (older than the out-of-order window)",
            RejectReason::DuplicateTimestamp => "duplicate sample for timestamp",
        };
        problems.push(format!("{labels} @{t}: {what}"));
    }
    WriteResponse::partial(
        format!(
            "stored {} samples; {} problems:",
            outcome.appended,
            problems.len()
        ),
        &problems,
    )
}

impl WriteResponse {
    /// 204 when there are no `problems`; else 400 with `summary` and the
    /// first few problems, one per line.
    pub fn partial(summary: String, problems: &[String]) -> WriteResponse {
        if problems.is_empty() {
            return WriteResponse {
                status: 204,
                body: String::new(),
            };
        }
        let mut body = summary;
        body.push('\n');
        for p in problems.iter().take(MAX_LISTED) {
            let _ = writeln!(body, "{p}");
        }
        if problems.len() > MAX_LISTED {
            let _ = writeln!(body, "... and {} more", problems.len() - MAX_LISTED);
        }
        WriteResponse::error(400, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::prompb::{Label, Sample as PbSample, TimeSeries};
    use crate::storage::metrics::{DbOptions, Matcher, MetricsDb};
    use std::sync::Arc;

    fn series(labels: &[(&str, &str)], samples: &[(i64, f64)]) -> TimeSeries {
        TimeSeries {
            labels: labels
                .iter()
                .map(|(n, v)| Label {
                    name: n.to_string(),
                    value: v.to_string(),
                })
                .collect(),
            samples: samples
                .iter()
                .map(|&(timestamp, value)| PbSample { value, timestamp })
                .collect(),
            exemplars: vec![],
            histograms: vec![],
        }
    }

    fn encode(req: &WriteRequest) -> Vec<u8> {
        snap::raw::Encoder::new()
            .compress_vec(&req.encode_to_vec())
            .unwrap()
    }

    #[test]
    fn stores_valid_series_and_reports_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(MetricsDb::open(dir.path(), DbOptions::default()).unwrap());
        let telemetry = Arc::new(SelfMetrics::new());
        let pipeline = Pipeline::new(Arc::clone(&db), vec![], Arc::clone(&telemetry));
        let req = WriteRequest {
            timeseries: vec![
                series(
                    &[("__name__", "up"), ("job", "a")],
                    &[(1000, 1.0), (2000, f64::NAN)],
                ),
                series(&[("__name__", "up"), ("bad-name", "x")], &[(1000, 1.0)]),
                series(
                    &[("__name__", "up"), ("job", "b"), ("job", "c")],
                    &[(1000, 1.0)],
                ),
            ],
            metadata: vec![],
        };
        let decoded = decode(&encode(&req)).unwrap();
        let resp = store(&pipeline, &telemetry, decoded);
        assert_eq!(resp.status, 400);
        assert!(resp.body.contains("stored 2 samples"), "{}", resp.body);
        assert!(
            resp.body.contains("invalid label name \"bad-name\""),
            "{}",
            resp.body
        );
        assert!(
            resp.body.contains("duplicate label name \"job\""),
            "{}",
            resp.body
        );
        let stored = db.select(&[Matcher::equal("job", "a")], 0, i64::MAX);
        assert_eq!(stored[0].1.len(), 2);
        assert!(stored[0].1[1].1.is_nan());
        // Re-sending is idempotent; an old sample is refused and named.
        let again = WriteRequest {
            timeseries: vec![series(
                &[("__name__", "up"), ("job", "a")],
                &[(1000, 1.0), (1500, 2.0)],
            )],
            metadata: vec![],
        };
        let resp = store(&pipeline, &telemetry, again);
        assert_eq!(resp.status, 400);
        assert!(resp.body.contains("out of bounds"), "{}", resp.body);
        let ok = WriteRequest {
            timeseries: vec![series(&[("__name__", "up"), ("job", "a")], &[(3000, 1.0)])],
            metadata: vec![crate::ingest::prompb::MetricMetadata {
                r#type: 1,
                metric_family_name: "http_requests_total".into(),
                help: "Requests served.".into(),
                unit: String::new(),
            }],
        };
        assert_eq!(store(&pipeline, &telemetry, ok).status, 204);
        assert_eq!(
            db.metadata().list(None, None),
            vec![(
                "http_requests_total".to_string(),
                MetricMetadata::from_remote_write(1, "Requests served.", "")
            )],
            "metadata is kept even in a request without its series"
        );
    }

    #[test]
    fn malformed_payloads_are_refused_with_a_reason() {
        let err = decode(b"definitely not snappy").unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err.body.starts_with("snappy"), "{}", err.body);
        let not_proto = snap::raw::Encoder::new()
            .compress_vec(&[0xff, 0xff, 0xff, 0x0f])
            .unwrap();
        let err = decode(&not_proto).unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err.body.starts_with("protobuf"), "{}", err.body);
        let huge = vec![0u8; MAX_COMPRESSED + 1];
        assert_eq!(decode(&huge).unwrap_err().status, 413);
    }
}
