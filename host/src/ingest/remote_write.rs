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
use super::prompb_view::WriteRequestView;
use crate::storage::metrics::head::RejectReason;
use crate::storage::metrics::metadata::MetricMetadata;
use crate::storage::metrics::{Labels, LabelsKey, Sample, SeriesHints};
use crate::telemetry::SelfMetrics;
use std::fmt::Write;
use std::ops::Range;

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

/// Decompresses, decodes and stores one remote-write body (blocking: call
/// it off the async runtime).
pub fn receive(pipeline: &Pipeline, telemetry: &SelfMetrics, body: &[u8]) -> WriteResponse {
    let raw = match decompress_snappy(body) {
        Ok(raw) => raw,
        Err(response) => return response,
    };
    match WriteRequestView::decode(&raw) {
        Ok(request) => store(pipeline, telemetry, &request),
        Err(e) => WriteResponse::error(400, format!("protobuf: {e}")),
    }
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
pub fn store(
    pipeline: &Pipeline,
    telemetry: &SelfMetrics,
    request: &WriteRequestView<'_>,
) -> WriteResponse {
    let metadata = pipeline.db().metadata();
    for m in request
        .metadata
        .iter()
        .filter(|m| !m.metric_family_name.is_empty())
    {
        metadata.record(
            m.metric_family_name,
            MetricMetadata::from_remote_write(m.r#type, m.help, m.unit),
        );
    }
    // Series already in the store are found by their raw bytes and reuse
    // its label set: nothing is validated or built for them.
    let mut keys = Vec::new();
    let mut pairs = Vec::new();
    let spans: Vec<Option<Range<usize>>> = request
        .series
        .iter()
        .map(|series| {
            pairs.clear();
            pairs.extend_from_slice(request.labels_of(series));
            let start = keys.len();
            LabelsKey::append_encoded(&mut pairs, &mut keys).then_some(start..keys.len())
        })
        .collect();
    let (known, numbering) = pipeline.db().find_series(
        spans
            .iter()
            .map(|span| span.clone().map(|r| LabelsKey::new(&keys[r]))),
    );
    let mut samples = Vec::with_capacity(request.samples.len());
    let mut hints = SeriesHints {
        numbering,
        ids: Vec::with_capacity(request.samples.len()),
    };
    let mut problems: Vec<String> = Vec::new();
    let mut invalid = 0u64;
    let mut histograms = 0u64;
    for (series, known) in request.series.iter().zip(known) {
        histograms += series.histograms;
        let (id, labels) = match known {
            Some((id, labels)) => (Some(id), Ok(labels)),
            None => (None, new_labels(request.labels_of(series))),
        };
        match labels {
            Ok(labels) => {
                let these = request.samples_of(series);
                hints.ids.extend(std::iter::repeat_n(id, these.len()));
                samples.extend(these.iter().map(|&(t, v)| Sample {
                    labels: labels.clone(),
                    t,
                    v,
                }))
            }
            Err(e) => {
                invalid += series.samples.len() as u64;
                let shown: Vec<String> = request
                    .labels_of(series)
                    .iter()
                    .map(|(n, v)| {
                        format!(
                            "{}={:?}",
                            String::from_utf8_lossy(n),
                            String::from_utf8_lossy(v)
                        )
                    })
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
    let outcome = match pipeline.append_hinted(&samples, Some(&hints)) {
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

/// Builds and validates a label set from a request's raw pairs.
fn new_labels(pairs: &[(&[u8], &[u8])]) -> Result<Labels, String> {
    let text = |b| std::str::from_utf8(b).map_err(|_| "label is not UTF-8".to_string());
    let pairs = pairs
        .iter()
        .map(|&(n, v)| Ok((text(n)?, text(v)?)))
        .collect::<Result<Vec<_>, String>>()?;
    Labels::new(pairs).map_err(|e| e.to_string())
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
    use crate::ingest::prompb::{Label, Sample as PbSample, TimeSeries, WriteRequest};
    use crate::storage::metrics::{DbOptions, Matcher, MetricsDb};
    use prost::Message;
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
        let resp = receive(&pipeline, &telemetry, &encode(&req));
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
        let resp = receive(&pipeline, &telemetry, &encode(&again));
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
        assert_eq!(receive(&pipeline, &telemetry, &encode(&ok)).status, 204);
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
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(MetricsDb::open(dir.path(), DbOptions::default()).unwrap());
        let telemetry = Arc::new(SelfMetrics::new());
        let pipeline = Pipeline::new(Arc::clone(&db), vec![], Arc::clone(&telemetry));
        let receive = |body: &[u8]| receive(&pipeline, &telemetry, body);
        let err = receive(b"definitely not snappy");
        assert_eq!(err.status, 400);
        assert!(err.body.starts_with("snappy"), "{}", err.body);
        let not_proto = snap::raw::Encoder::new()
            .compress_vec(&[0xff, 0xff, 0xff, 0x0f])
            .unwrap();
        let err = receive(&not_proto);
        assert_eq!(err.status, 400);
        assert!(err.body.starts_with("protobuf"), "{}", err.body);
        let huge = vec![0u8; MAX_COMPRESSED + 1];
        assert_eq!(receive(&huge).status, 413);
        // A label that is not UTF-8 fails its series, not the request.
        let bad = series(&[("__name__", "up"), ("job", "PLACEHOLDER")], &[(1, 1.0)]);
        let good = series(&[("__name__", "up"), ("job", "fine")], &[(1, 1.0)]);
        let mut raw = WriteRequest {
            timeseries: vec![bad, good],
            metadata: vec![],
        }
        .encode_to_vec();
        let at = raw.windows(11).position(|w| w == b"PLACEHOLDER").unwrap();
        raw[at] = 0xFF;
        let body = snap::raw::Encoder::new().compress_vec(&raw).unwrap();
        let resp = receive(&body);
        assert_eq!(resp.status, 400);
        assert!(resp.body.contains("stored 1 samples"), "{}", resp.body);
        assert!(resp.body.contains("not UTF-8"), "{}", resp.body);
        assert_eq!(db.select(&[Matcher::equal("job", "fine")], 0, 10).len(), 1);
    }
}
