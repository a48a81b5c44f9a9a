//! Property tests of the PromQL engine over random data (seeded, so a
//! failure names its seed and reproduces):
//! - a range query's value at each step equals the instant query at that
//!   time (the invariant Prometheus' own test runner checks), for a corpus of
//!   expressions covering selectors, functions, aggregations and matching;
//! - the TSDB (blocks, head, out-of-order samples) answers every query as
//!   the in-memory store holding the same samples does, to the bit;
//! - aggregations agree with folding the selected samples by hand;
//! - `increase` of a counter is never negative, whatever its resets.

use std::collections::BTreeMap;
use watchpost::query::{self, MemStore, QueryOptions, QueryValue};
use watchpost::storage::metrics::{DbOptions, Labels, MetricsDb, STALE_NAN, Sample};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const JOBS: [&str; 3] = ["api", "worker", "db"];

/// [`random_series`] in a [`MemStore`].
fn random_store(rng: &mut Rng) -> MemStore {
    let mut store = MemStore::new();
    for (labels, samples) in random_series(rng) {
        store.add(labels, samples);
    }
    store
}

/// Counters (`reqs`), gauges (`temp`) and histogram buckets (`lat_bucket`)
/// with gaps, resets, occasional NaN and series that go stale.
fn random_series(rng: &mut Rng) -> Vec<(Labels, Vec<(i64, f64)>)> {
    let mut store = Vec::new();
    for job in JOBS {
        for instance in 0..3 {
            let inst = instance.to_string();
            let mut counter = 0.0f64;
            let mut gauge = 20.0f64;
            let (mut reqs, mut temp) = (Vec::new(), Vec::new());
            let stale_from = if rng.chance(30) {
                Some(rng.below(3600) as i64 * 1000)
            } else {
                None
            };
            let mut t = rng.below(30) as i64 * 1000;
            while t < 3_600_000 {
                if stale_from.is_some_and(|s| t >= s) {
                    reqs.push((t, f64::from_bits(STALE_NAN)));
                    break;
                }
                if !rng.chance(8) {
                    counter = if rng.chance(2) {
                        rng.below(5) as f64
                    } else {
                        counter + rng.below(100) as f64 / 10.0
                    };
                    reqs.push((t, counter));
                    gauge += rng.below(21) as f64 - 10.0;
                    temp.push((t, if rng.chance(1) { f64::NAN } else { gauge }));
                }
                t += 10_000 + rng.below(10) as i64 * 1000;
            }
            let l = |name: &str| {
                Labels::new([
                    ("__name__", name),
                    ("job", job),
                    ("instance", inst.as_str()),
                ])
                .unwrap()
            };
            store.push((l("reqs"), reqs));
            store.push((l("temp"), temp));
        }
        // One classic histogram per job.
        let mut counts = [0.0f64; 4];
        let mut samples: [Vec<(i64, f64)>; 4] = Default::default();
        for step in 0..240 {
            let t = step * 15_000;
            let mut add = 0.0;
            for (i, c) in counts.iter_mut().enumerate() {
                add += rng.below(5) as f64;
                *c += add;
                samples[i].push((t, *c));
                let _ = i;
            }
        }
        for (le, samples) in ["0.1", "0.5", "1", "+Inf"].iter().zip(samples) {
            store.push((
                Labels::new([("__name__", "lat_bucket"), ("job", job), ("le", le)]).unwrap(),
                samples,
            ));
        }
    }
    store
}

const EXPRESSIONS: [&str; 32] = [
    "reqs",
    "reqs offset 2m",
    "reqs @ 1800",
    "rate(reqs[5m])",
    "increase(reqs[3m] offset 1m)",
    "irate(reqs[2m])",
    "delta(temp[10m])",
    "deriv(temp[10m])",
    "predict_linear(temp[10m], 600)",
    "resets(reqs[20m])",
    "changes(temp[20m])",
    "avg_over_time(temp[7m])",
    "quantile_over_time(0.9, temp[15m])",
    "last_over_time(reqs[2m])",
    "absent_over_time(reqs{job=\"db\"}[1m])",
    "max_over_time(rate(reqs[2m])[10m:1m])",
    "sum by (job) (rate(reqs[5m]))",
    "avg without (instance) (temp)",
    "count(temp > 20)",
    "topk(2, temp)",
    "bottomk by (job) (1, reqs)",
    "quantile by (job) (0.5, temp)",
    "stddev(temp)",
    "count_values(\"v\", round(temp / 10))",
    "temp - on(job, instance) reqs",
    "temp / ignoring(instance) group_left sum by (job) (temp)",
    "reqs and on(job) (temp > 25)",
    "reqs unless temp < 15",
    "temp or reqs",
    "histogram_quantile(0.9, rate(lat_bucket[5m]))",
    "label_replace(temp, \"host\", \"h-$1\", \"instance\", \"(.*)\")",
    "clamp(temp, 0, 30) * 2 > bool 20",
];

fn by_labels(samples: impl IntoIterator<Item = (Labels, f64)>) -> BTreeMap<Labels, f64> {
    samples.into_iter().collect()
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

fn instant(store: &MemStore, expr: &str, t: i64) -> Result<BTreeMap<Labels, f64>, String> {
    let e = query::parse(expr).map_err(|e| e.to_string())?;
    match query::instant_query(store, &e, t, &QueryOptions::default(), None) {
        Ok(QueryValue::Vector(v)) => Ok(by_labels(v.into_iter().map(|s| (s.labels, s.v)))),
        Ok(QueryValue::Scalar { v, .. }) => Ok(by_labels([(Labels::default(), v)])),
        Ok(other) => Err(format!("unexpected {}", other.result_type())),
        Err(e) => Err(e.to_string()),
    }
}

#[test]
fn range_queries_agree_with_instant_queries_at_every_step() {
    let mut compared = 0usize;
    for seed in 1..=6u64 {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed);
        let store = random_store(&mut rng);
        let (start, end, step) = (600_000 + rng.below(60) as i64 * 1000, 3_300_000, 37_000);
        for expr in EXPRESSIONS {
            let e = query::parse(expr).unwrap();
            let range =
                query::range_query(&store, &e, start, end, step, &QueryOptions::default(), None);
            let mut t = start;
            while t <= end {
                let want = instant(&store, expr, t);
                match (&range, want) {
                    (Ok(QueryValue::Matrix(series)), Ok(want)) => {
                        let got = by_labels(series.iter().filter_map(|s| {
                            s.points
                                .iter()
                                .find(|(pt, _)| *pt == t)
                                .map(|&(_, v)| (s.labels.clone(), v))
                        }));
                        assert_eq!(
                            got.keys().collect::<Vec<_>>(),
                            want.keys().collect::<Vec<_>>(),
                            "seed {seed}, {expr} at {t}: series differ"
                        );
                        compared += want.len();
                        for (l, v) in &want {
                            assert!(
                                same(got[l], *v),
                                "seed {seed}, {expr} at {t}, {l}: {} vs {v}",
                                got[l]
                            );
                        }
                    }
                    // An error in range mode must also happen at some step.
                    (Err(_), _) => break,
                    (r, w) => panic!("seed {seed}, {expr} at {t}: range {r:?} vs instant {w:?}"),
                }
                t += step;
            }
        }
    }
    // Guard against a vacuous pass (every query failing in range mode).
    assert!(compared > 20_000, "only {compared} values compared");
}

/// The same series written to the TSDB: the first half of the hour cut into
/// blocks, the rest in the head, and a few recent samples held back and
/// appended out of order.
fn tsdb_of(series: &[(Labels, Vec<(i64, f64)>)], dir: &std::path::Path) -> MetricsDb {
    let db = MetricsDb::open(
        dir,
        DbOptions {
            out_of_order_window_ms: 3_600_000,
            block_range_ms: 900_000,
            ..DbOptions::default()
        },
    )
    .unwrap();
    let mut samples: Vec<Sample> = series
        .iter()
        .flat_map(|(labels, points)| {
            points.iter().map(|&(t, v)| Sample {
                labels: labels.clone(),
                t,
                v,
            })
        })
        .collect();
    samples.sort_by_key(|s| s.t);
    let held_back = |s: &Sample| s.t > 3_000_000 && s.t % 7 == 0;
    let (late, in_order): (Vec<Sample>, Vec<Sample>) = samples.into_iter().partition(held_back);
    let split = in_order.partition_point(|s| s.t < 1_900_000);
    let mut blocks_cut = 0;
    for part in [&in_order[..split], &in_order[split..], &late[..]] {
        for batch in part.chunks(500) {
            let outcome = db.append(batch).unwrap();
            assert!(outcome.rejected.is_empty(), "{:?}", outcome.rejected);
            assert_eq!(outcome.appended, batch.len());
        }
        blocks_cut += db.maintain(3_600_000).unwrap().blocks_cut;
    }
    assert!(blocks_cut > 0 && !late.is_empty());
    db
}

#[test]
fn the_tsdb_answers_as_the_in_memory_store() {
    let mut compared = 0usize;
    for seed in 1..=4u64 {
        let mut rng = Rng(0x6a09_e667_f3bc_c909 ^ seed);
        let series = random_series(&mut rng);
        let mut mem = MemStore::new();
        for (labels, samples) in &series {
            mem.add(labels.clone(), samples.iter().copied());
        }
        let dir = tempfile::tempdir().unwrap();
        let db = tsdb_of(&series, dir.path());
        let (start, end, step) = (rng.below(600) as i64 * 1000, 3_600_000, 29_000);
        for expr in EXPRESSIONS {
            let e = query::parse(expr).unwrap();
            let opts = QueryOptions::default();
            let want = query::range_query(&mem, &e, start, end, step, &opts, None);
            let got = query::range_query(&db, &e, start, end, step, &opts, None);
            match (want, got) {
                (Ok(QueryValue::Matrix(want)), Ok(QueryValue::Matrix(got))) => {
                    assert_eq!(got.len(), want.len(), "seed {seed}, {expr}: series");
                    for (g, w) in got.iter().zip(&want) {
                        assert_eq!(g.labels, w.labels, "seed {seed}, {expr}");
                        assert_eq!(g.points.len(), w.points.len(), "seed {seed}, {expr}");
                        for (gp, wp) in g.points.iter().zip(&w.points) {
                            assert!(
                                gp.0 == wp.0 && gp.1.to_bits() == wp.1.to_bits(),
                                "seed {seed}, {expr}, {}: {gp:?} vs {wp:?}",
                                g.labels
                            );
                            compared += 1;
                        }
                    }
                }
                (want, got) => assert_eq!(
                    format!("{got:?}"),
                    format!("{want:?}"),
                    "seed {seed}, {expr}"
                ),
            }
        }
    }
    assert!(compared > 20_000, "only {compared} values compared");
}

#[test]
fn aggregations_fold_the_selected_samples() {
    for seed in 1..=6u64 {
        let mut rng = Rng(0x51_7cc1_b727_220a ^ seed);
        let store = random_store(&mut rng);
        for _ in 0..20 {
            let t = 300_000 + rng.below(3_200) as i64 * 1000;
            let temps = instant(&store, "temp", t).unwrap();
            let finite: Vec<f64> = temps.values().copied().collect();
            let sum = instant(&store, "sum(temp)", t).unwrap();
            let count = instant(&store, "count(temp)", t).unwrap();
            if finite.is_empty() {
                assert!(sum.is_empty() && count.is_empty());
                continue;
            }
            assert!(
                same(sum[&Labels::default()], finite.iter().sum()),
                "seed {seed} at {t}"
            );
            assert_eq!(count[&Labels::default()], finite.len() as f64);
            let by_job = instant(&store, "sum by (job) (temp)", t).unwrap();
            for (labels, v) in &by_job {
                let job = labels.get("job").unwrap();
                let want: f64 = temps
                    .iter()
                    .filter(|(l, _)| l.get("job") == Some(job))
                    .map(|(_, v)| *v)
                    .sum();
                assert!(same(*v, want), "seed {seed} at {t}: {job} {v} vs {want}");
            }
            let max = instant(&store, "max(temp)", t).unwrap()[&Labels::default()];
            if finite.iter().all(|v| !v.is_nan()) {
                assert_eq!(max, finite.iter().copied().fold(f64::MIN, f64::max));
            }
        }
    }
}

#[test]
fn increase_is_never_negative() {
    for seed in 1..=6u64 {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ seed);
        let store = random_store(&mut rng);
        for window in ["1m", "5m", "17m"] {
            let e = query::parse(&format!("increase(reqs[{window}])")).unwrap();
            let Ok(QueryValue::Matrix(series)) = query::range_query(
                &store,
                &e,
                0,
                3_600_000,
                30_000,
                &QueryOptions::default(),
                None,
            ) else {
                panic!("range query failed");
            };
            for s in series {
                for (t, v) in s.points {
                    assert!(
                        v >= 0.0,
                        "seed {seed}: increase {v} < 0 at {t} for {}",
                        s.labels
                    );
                }
            }
        }
    }
}
