//! Sends the data set over Prometheus remote write 1.0: a hand-encoded
//! `prometheus.WriteRequest` protobuf (four small messages, so no codegen),
//! snappy block compressed, posted in time-ordered batches so no sample is
//! out of order or older than a receiver's head window allows.

use super::data::{STEP_MS, Series};

/// Samples per series per request (5 minutes of data).
const SLOTS_PER_BATCH: i64 = 20;

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A length-delimited field.
fn bytes_field(out: &mut Vec<u8>, field: u64, body: &[u8]) {
    varint(out, field << 3 | 2);
    varint(out, body.len() as u64);
    out.extend_from_slice(body);
}

/// `TimeSeries { labels = 1; samples = 2 }` with `Label { name = 1; value =
/// 2 }` and `Sample { double value = 1; int64 timestamp = 2 }`.
fn time_series(series: &Series, samples: &[(i64, f64)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in &series.labels {
        let mut label = Vec::new();
        bytes_field(&mut label, 1, name.as_bytes());
        bytes_field(&mut label, 2, value.as_bytes());
        bytes_field(&mut out, 1, &label);
    }
    for (t, v) in samples {
        let mut sample = vec![1 << 3 | 1];
        // `to_bits` keeps the staleness marker's exact NaN payload.
        sample.extend_from_slice(&v.to_bits().to_le_bytes());
        varint(&mut sample, 2 << 3);
        varint(&mut sample, *t as u64);
        bytes_field(&mut out, 2, &sample);
    }
    out
}

/// The snappy-compressed `WriteRequest` bodies, oldest first.
pub fn batches(series: &[Series], base: i64) -> Vec<Vec<u8>> {
    let window = SLOTS_PER_BATCH * STEP_MS;
    let last = series
        .iter()
        .filter_map(|s| s.samples.last())
        .map(|(t, _)| *t)
        .max()
        .unwrap_or(base);
    let mut out = Vec::new();
    // Jittered samples may sit a little before `base`; start one window early.
    let mut from = base - window;
    while from <= last {
        let to = from + window;
        let mut request = Vec::new();
        for s in series {
            let samples: Vec<(i64, f64)> = s
                .samples
                .iter()
                .filter(|(t, _)| (from..to).contains(t))
                .copied()
                .collect();
            if !samples.is_empty() {
                bytes_field(&mut request, 1, &time_series(s, &samples));
            }
        }
        if !request.is_empty() {
            out.push(snap::raw::Encoder::new().compress_vec(&request).unwrap());
        }
        from = to;
    }
    out
}

/// Posts every batch to `url` (`.../api/v1/write`); panics unless each one is
/// accepted with a 2xx.
pub fn send(url: &str, batches: &[Vec<u8>]) {
    let agent = crate::support::agent();
    for (i, body) in batches.iter().enumerate() {
        let mut resp = agent
            .post(url)
            .header("Content-Encoding", "snappy")
            .header("Content-Type", "application/x-protobuf")
            .header("X-Prometheus-Remote-Write-Version", "0.1.0")
            .send(&body[..])
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        assert!(
            (200..300).contains(&status),
            "{url}: batch {i} refused with {status}: {text}"
        );
    }
}
