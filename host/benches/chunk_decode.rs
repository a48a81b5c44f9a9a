//! Chunk decoding speed, in ns per sample, for the sample shapes dashboards
//! read most: regular scrapes of counters (fractional and integer
//! increments) and of noisy gauges. Prints a table.
//!
//! ```sh
//! cargo bench -p watchpost --bench chunk_decode
//! ```

use std::time::Instant;
use watchpost::storage::metrics::chunk::{SAMPLES_PER_CHUNK, XorChunk};

fn chunks(value: impl Fn(usize) -> f64, jitter: bool) -> Vec<XorChunk> {
    let mut out = Vec::new();
    let mut c = XorChunk::default();
    for i in 0..(SAMPLES_PER_CHUNK as usize * 1000) {
        if c.is_full() {
            c.close();
            out.push(std::mem::take(&mut c));
        }
        let t =
            1_700_000_000_000 + i as i64 * 15_000 + if jitter { (i * 7 % 13) as i64 } else { 0 };
        c.append(t, value(i));
    }
    out.push(c);
    out
}

fn main() {
    let shapes: [(&str, Vec<XorChunk>); 4] = [
        ("counter +1.3/scrape", chunks(|i| i as f64 * 1.3, false)),
        ("counter +1/scrape", chunks(|i| i as f64, false)),
        (
            "gauge, noisy",
            chunks(|i| ((i * 7919) % 1000) as f64 / 3.0, false),
        ),
        ("counter, jittered t", chunks(|i| i as f64 * 0.7, true)),
    ];
    println!("{:<22} {:>10}", "shape", "ns/sample");
    let mut out = Vec::new();
    for (name, chunks) in &shapes {
        let samples: usize = chunks.iter().map(XorChunk::len).sum();
        let mut best = f64::MAX;
        for _ in 0..15 {
            let t = Instant::now();
            for c in chunks {
                out.clear();
                c.iter().decode_into(&mut out, |_| true).unwrap();
                std::hint::black_box(&out);
            }
            best = best.min(t.elapsed().as_secs_f64() * 1e9 / samples as f64);
        }
        println!("{name:<22} {best:>10.2}");
    }
}
