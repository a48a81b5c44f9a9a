//! The deterministic data set written to Prometheus and to Watchpost: a
//! seeded generator of about two hundred series over 65 minutes at a 15 s
//! interval, all relative to a base time aligned to the minute. It holds
//! counters with resets and gaps, gauges, classic histograms, a series ended
//! by a staleness marker, one that just stops, NaN and infinities.

use crate::rng::Rng;

/// Time between two samples of a series, in milliseconds.
pub const STEP_MS: i64 = 15_000;
/// Sample slots per series: `base + 0m` to `base + 65m` inclusive.
pub const SLOTS: i64 = 261;
/// The bits of Prometheus' staleness marker (a NaN that is not `f64::NAN`).
pub const STALE_BITS: u64 = 0x7ff0_0000_0000_0002;

/// One series: sorted labels (`__name__` included) and its samples in time
/// order.
pub struct Series {
    /// Label pairs sorted by name.
    pub labels: Vec<(String, String)>,
    /// `(unix ms, value)`.
    pub samples: Vec<(i64, f64)>,
}

impl Series {
    pub fn new(name: &str, labels: &[(&str, &str)]) -> Series {
        let mut all: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        all.push(("__name__".into(), name.into()));
        all.sort();
        Series {
            labels: all,
            samples: Vec::new(),
        }
    }

    /// The metric name.
    pub fn name(&self) -> &str {
        &self.labels.iter().find(|(k, _)| k == "__name__").unwrap().1
    }
}

/// A base time about 70 minutes before now, aligned to the minute, so the
/// data ends about 5 minutes before now (inside Prometheus' head window).
pub fn base_now() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    (now - 70 * 60_000).div_euclid(60_000) * 60_000 + 60_000
}

/// Slot `i`'s timestamp, optionally jittered by up to ±400 ms.
fn at(base: i64, i: i64, rng: &mut Rng, jitter: bool) -> i64 {
    base + i * STEP_MS + if jitter { rng.int(-400, 400) } else { 0 }
}

/// A series sampled on the unjittered grid: `f(slot)` gives each sample,
/// `None` skipping it.
fn grid(
    name: &str,
    labels: &[(&str, &str)],
    base: i64,
    mut f: impl FnMut(i64) -> Option<f64>,
) -> Series {
    let mut s = Series::new(name, labels);
    s.samples = (0..SLOTS)
        .filter_map(|i| Some((base + i * STEP_MS, f(i)?)))
        .collect();
    s
}

/// Generates the whole data set for `base` (unix ms).
pub fn generate(base: i64) -> Vec<Series> {
    let mut rng = Rng(0x5eed_0f9a_7c49_0511);
    let mut out = Vec::new();
    http_requests(base, &mut rng, &mut out);
    node_cpu(base, &mut rng, &mut out);
    memory(base, &mut rng, &mut out);
    temperature(base, &mut rng, &mut out);
    histograms(base, &mut rng, &mut out);
    queues(base, &mut rng, &mut out);
    batch(base, &mut out);
    readings(base, &mut out);
    info(base, &mut out);
    out
}

const JOBS: [&str; 2] = ["api", "web"];

fn instance(job: &str, n: usize) -> String {
    match job {
        "api" => format!("10.0.1.{n}:8080"),
        "web" => format!("10.0.2.{n}:80"),
        "node" => format!("node-{n}:9100"),
        _ => format!("{job}-{n}"),
    }
}

/// `http_requests_total`: integer counters; some reset at +20m or +47m, some
/// miss +30m..+32m, one misses +12m..+25m (longer than the lookback), 2% of
/// scrapes are lost, and the `web` job's timestamps jitter.
fn http_requests(base: i64, rng: &mut Rng, out: &mut Vec<Series>) {
    let mut k = 0;
    for job in JOBS {
        for n in 1..=3 {
            let inst = instance(job, n);
            for method in ["GET", "POST"] {
                for code in ["200", "404", "500"] {
                    let labels = [
                        ("job", job),
                        ("instance", inst.as_str()),
                        ("method", method),
                        ("code", code),
                    ];
                    let mut s = Series::new("http_requests_total", &labels);
                    let per_s = match code {
                        "200" => rng.range(2.0, 20.0),
                        "404" => rng.range(0.1, 1.0),
                        _ => rng.range(0.0, 0.2),
                    };
                    let mut v = rng.int(0, 5000) as f64;
                    for i in 0..SLOTS {
                        v += (per_s * 15.0 * rng.range(0.7, 1.3)).round();
                        if (k % 5 == 0 && i == 80) || (k % 7 == 3 && i == 188) {
                            v = rng.int(0, 20) as f64;
                        }
                        let t = at(base, i, rng, job == "web");
                        let lost = rng.unit() < 0.02
                            || (k % 6 == 1 && (120..128).contains(&i))
                            || (k == 2 && (48..100).contains(&i));
                        if !lost {
                            s.samples.push((t, v));
                        }
                    }
                    out.push(s);
                    k += 1;
                }
            }
        }
    }
}

/// `node_cpu_seconds_total`: float counters; node-3 restarts at +33m.
fn node_cpu(base: i64, rng: &mut Rng, out: &mut Vec<Series>) {
    for n in 1..=3 {
        let inst = instance("node", n);
        for cpu in ["0", "1"] {
            for (mode, share) in [
                ("idle", 0.8),
                ("user", 0.12),
                ("system", 0.06),
                ("iowait", 0.02),
            ] {
                let labels = [
                    ("job", "node"),
                    ("instance", inst.as_str()),
                    ("cpu", cpu),
                    ("mode", mode),
                ];
                let mut s = Series::new("node_cpu_seconds_total", &labels);
                let mut v = rng.range(1000.0, 90000.0);
                for i in 0..SLOTS {
                    v += 15.0 * share * rng.range(0.5, 1.5);
                    if n == 3 && i == 132 {
                        v = rng.range(0.0, 2.0);
                    }
                    s.samples.push((at(base, i, rng, true), v));
                }
                out.push(s);
            }
        }
    }
}

/// `memory_usage_bytes` (a random walk) and `memory_limit_bytes` (constant
/// but for one raise at +30m): same label sets, different names.
fn memory(base: i64, rng: &mut Rng, out: &mut Vec<Series>) {
    for job in JOBS {
        for n in 1..=3 {
            let inst = instance(job, n);
            let labels = [("job", job), ("instance", inst.as_str())];
            let mut usage = Series::new("memory_usage_bytes", &labels);
            let mut limit = Series::new("memory_limit_bytes", &labels);
            let mut v = rng.range(2e8, 1e9).round();
            let cap = if n == 2 { 2e9 } else { 4e9 };
            for i in 0..SLOTS {
                v = (v + rng.range(-2e7, 2.2e7)).round().max(1e8);
                let t = at(base, i, rng, false);
                usage.samples.push((t, v));
                let raised = job == "web" && n == 1 && i >= 120;
                limit.samples.push((t, if raised { 8e9 } else { cap }));
            }
            out.push(usage);
            out.push(limit);
        }
    }
}

/// `temperature_celsius`: gauges around zero, below and far above it.
fn temperature(base: i64, rng: &mut Rng, out: &mut Vec<Series>) {
    for (location, mid, swing) in [
        ("outside", 4.0, 9.0),
        ("inside", 21.3, 0.6),
        ("freezer", -18.2, 1.5),
        ("oven", 180.0, 25.0),
    ] {
        let labels = [
            ("job", "sensors"),
            ("instance", "sensor-1"),
            ("location", location),
        ];
        out.push(grid("temperature_celsius", &labels, base, |i| {
            let v = mid + swing * (i as f64 / 40.0).sin() + rng.range(-0.3, 0.3);
            Some((v * 100.0).round() / 100.0)
        }));
    }
}

/// Bucket bounds of `http_request_duration_seconds`.
const BOUNDS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// `http_request_duration_seconds` classic histograms for three api
/// instances and two handlers; instance 3 restarts at +50m and
/// `/api/orders` on instance 1 misses +36m..+39m.
fn histograms(base: i64, rng: &mut Rng, out: &mut Vec<Series>) {
    for n in 1..=3 {
        let inst = instance("api", n);
        for (handler, scale) in [("/api/users", 0.04), ("/api/orders", 0.3)] {
            let common = [
                ("job", "api"),
                ("instance", inst.as_str()),
                ("handler", handler),
            ];
            let les: Vec<String> = BOUNDS
                .iter()
                .map(|b| b.to_string())
                .chain(["+Inf".to_string()])
                .collect();
            let mut buckets: Vec<Series> = les
                .iter()
                .map(|le| {
                    let mut l = common.to_vec();
                    l.push(("le", le));
                    Series::new("http_request_duration_seconds_bucket", &l)
                })
                .collect();
            let mut sum = Series::new("http_request_duration_seconds_sum", &common);
            let mut count = Series::new("http_request_duration_seconds_count", &common);
            let mut counts = [0u64; 12];
            let mut total = 0.0;
            for i in 0..SLOTS {
                if n == 3 && i == 200 {
                    counts = [0; 12];
                    total = 0.0;
                }
                for _ in 0..rng.int(10, 60) {
                    // Log-uniform latencies over three decades around `scale`.
                    let latency = scale * 10f64.powf(rng.range(-1.5, 1.5));
                    total += latency;
                    let first = BOUNDS.iter().position(|b| latency <= *b).unwrap_or(11);
                    for c in &mut counts[first..] {
                        *c += 1;
                    }
                }
                if n == 1 && handler == "/api/orders" && (144..156).contains(&i) {
                    continue;
                }
                let t = at(base, i, rng, false);
                for (b, c) in buckets.iter_mut().zip(counts) {
                    b.samples.push((t, c as f64));
                }
                sum.samples.push((t, total));
                count.samples.push((t, counts[11] as f64));
            }
            out.extend(buckets);
            out.push(sum);
            out.push(count);
        }
    }
}

/// `queue_depth`: small integer gauges that often repeat a value.
fn queues(base: i64, rng: &mut Rng, out: &mut Vec<Series>) {
    for n in 1..=2 {
        let inst = instance("worker", n);
        for queue in ["email", "sms", "push"] {
            let labels = [
                ("job", "worker"),
                ("instance", inst.as_str()),
                ("queue", queue),
            ];
            let mut v: i64 = rng.int(0, 10);
            out.push(grid("queue_depth", &labels, base, |_| {
                if rng.unit() < 0.3 {
                    v = (v + rng.int(-3, 3)).clamp(0, 20);
                }
                Some(v as f64)
            }));
        }
    }
}

/// `batch_job_progress`: batch-1 ends at +40m with a staleness marker,
/// batch-2 runs throughout, batch-3 stops at +40m without a marker.
fn batch(base: i64, out: &mut Vec<Series>) {
    for n in 1..=3 {
        let inst = instance("batch", n);
        let labels = [("job", "batch"), ("instance", inst.as_str())];
        out.push(grid("batch_job_progress", &labels, base, |i| match i {
            160 if n == 1 => Some(f64::from_bits(STALE_BITS)),
            161.. if n != 2 => None,
            _ => Some(i as f64 / 260.0 * n as f64),
        }));
    }
}

/// `sensor_reading`: reading-1 is NaN every 7th sample, reading-2 is NaN
/// from +30m, reading-3 swings between +Inf and -Inf now and then.
fn readings(base: i64, out: &mut Vec<Series>) {
    for n in 1..=3 {
        let inst = instance("reading", n);
        let labels = [("job", "readings"), ("instance", inst.as_str())];
        out.push(grid("sensor_reading", &labels, base, |i| {
            Some(match n {
                1 if i % 7 == 3 => f64::NAN,
                2 if i >= 120 => f64::NAN,
                3 if i % 50 == 10 => f64::INFINITY,
                3 if i % 50 == 35 => f64::NEG_INFINITY,
                _ => 10.0 + (i % 13) as f64 * 0.5,
            })
        }));
    }
}

/// Constant series: `up` (web 2 is down +20m..+35m), `app_info` with a
/// version label for joins, and `event_timestamp_seconds` holding fixed
/// dates for the time functions (leap day, year ends, before 1970).
fn info(base: i64, out: &mut Vec<Series>) {
    for (job, count) in [("api", 3), ("web", 3), ("node", 3), ("worker", 2)] {
        for n in 1..=count {
            let inst = instance(job, n);
            let down = job == "web" && n == 2;
            let labels = [("job", job), ("instance", inst.as_str())];
            let up = move |i: i64| {
                Some(if down && (80..140).contains(&i) {
                    0.0
                } else {
                    1.0
                })
            };
            out.push(grid("up", &labels, base, up));
            if job == "api" || job == "web" {
                let version = if n == 3 { "1.3.0" } else { "1.2.7" };
                let labels = [
                    ("job", job),
                    ("instance", inst.as_str()),
                    ("version", version),
                ];
                out.push(grid("app_info", &labels, base, |_| Some(1.0)));
            }
        }
    }
    for (event, ts) in [
        ("leap_day", 1_709_208_000.0),
        ("new_year_eve", 1_704_067_199.0),
        ("summer", 1_689_000_000.5),
        ("epoch", 0.0),
        ("before_epoch", -86_399.0),
        ("year_2100", 4_106_376_000.0),
    ] {
        let labels = [("event", event)];
        out.push(grid("event_timestamp_seconds", &labels, base, |_| Some(ts)));
    }
}
