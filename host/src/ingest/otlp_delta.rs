//! Delta temporality → cumulative, as the OpenTelemetry Collector's
//! Prometheus exporter accumulates it: per series (resource, scope, metric
//! name, point attributes), a delta point whose start time is the previous
//! point's time is added to the running total; any other start (a restart,
//! a gap) begins a new total with its own value; a point older than the
//! latest is dropped; a "no recorded value" point forgets the series. This
//! applies to monotonic sums and explicit-bucket histograms (with the same
//! bounds; new bounds begin a new total). Non-monotonic delta sums are not
//! converted — the collector drops them — and series idle for
//! [`EXPIRY`] are forgotten. The totals live in memory only.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, DataPointFlags, HistogramDataPoint, NumberDataPoint, metric::Data,
    number_data_point::Value,
};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an idle series' running total is kept (the collector's
/// `metric_expiration` default).
pub const EXPIRY: Duration = Duration::from_secs(5 * 60);

/// One series' running total.
enum Total {
    Sum {
        start: u64,
        time: u64,
        value: Value,
    },
    Histogram {
        start: u64,
        time: u64,
        bounds: Vec<f64>,
        counts: Vec<u64>,
        count: u64,
        sum: Option<f64>,
    },
}

struct Entry {
    total: Total,
    touched: Instant,
}

/// How often idle series are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// The running totals of every delta series seen.
#[derive(Default)]
pub struct DeltaToCumulative {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    series: HashMap<String, Entry>,
    swept: Option<Instant>,
}

fn no_value(flags: u32) -> bool {
    flags & DataPointFlags::NoRecordedValueMask as u32 != 0
}

/// Attributes as one string, independent of their order.
fn attributes_key<'a>(attributes: impl Iterator<Item = &'a KeyValue>) -> String {
    let mut attrs: Vec<String> = attributes
        .map(|kv| format!("{}={:?}", kv.key, kv.value))
        .collect();
    attrs.sort();
    attrs.join("\u{0}")
}

/// The identity of a point's series.
fn key(resource: &str, scope: &str, metric: &str, attributes: &[KeyValue]) -> String {
    format!(
        "{resource}\u{0}{scope}\u{0}{metric}\u{0}{}",
        attributes_key(attributes.iter())
    )
}

fn add(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::AsInt(x), Value::AsInt(y)) => Value::AsInt(x.wrapping_add(*y)),
        (Value::AsInt(x), Value::AsDouble(y)) => Value::AsDouble(*x as f64 + y),
        (Value::AsDouble(x), Value::AsInt(y)) => Value::AsDouble(x + *y as f64),
        (Value::AsDouble(x), Value::AsDouble(y)) => Value::AsDouble(x + y),
    }
}

impl DeltaToCumulative {
    /// Rewrites every convertible delta metric of `request` as cumulative,
    /// dropping the points the collector would drop.
    pub fn convert(&self, request: &mut ExportMetricsServiceRequest) {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state
            .swept
            .is_none_or(|at| now.duration_since(at) >= SWEEP_EVERY)
        {
            state
                .series
                .retain(|_, e| now.duration_since(e.touched) < EXPIRY);
            state.swept = Some(now);
        }
        let series = &mut state.series;
        for rm in &mut request.resource_metrics {
            let resource = attributes_key(rm.resource.iter().flat_map(|r| &r.attributes));
            for sm in &mut rm.scope_metrics {
                let scope = sm
                    .scope
                    .as_ref()
                    .map_or("", |s| s.name.as_str())
                    .to_string();
                for m in &mut sm.metrics {
                    let name = m.name.clone();
                    let key = |attrs: &[KeyValue]| key(&resource, &scope, &name, attrs);
                    match &mut m.data {
                        Some(Data::Sum(s))
                            if s.is_monotonic
                                && s.aggregation_temporality
                                    == AggregationTemporality::Delta as i32 =>
                        {
                            s.data_points
                                .retain_mut(|p| accumulate_sum(series, key(&p.attributes), p, now));
                            s.aggregation_temporality = AggregationTemporality::Cumulative as i32;
                        }
                        Some(Data::Histogram(h))
                            if h.aggregation_temporality
                                == AggregationTemporality::Delta as i32 =>
                        {
                            h.data_points.retain_mut(|p| {
                                accumulate_histogram(series, key(&p.attributes), p, now)
                            });
                            h.aggregation_temporality = AggregationTemporality::Cumulative as i32;
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

impl Total {
    fn time(&self) -> u64 {
        match self {
            Total::Sum { time, .. } | Total::Histogram { time, .. } => *time,
        }
    }
}

/// The rules both kinds share: a "no recorded value" point forgets the
/// series (`Ok(None)`: the point stays as it is); a point older than the
/// total is dropped (`Err`); a contiguous one is folded in by `add` (which
/// says `None` when it cannot be: another kind, other bounds); anything
/// else starts `fresh`. Returns the new total.
fn accumulate(
    series: &mut HashMap<String, Entry>,
    key: String,
    (flags, start, time): (u32, u64, u64),
    now: Instant,
    add: impl FnOnce(&Total) -> Option<Total>,
    fresh: impl FnOnce() -> Total,
) -> Result<Option<&Total>, ()> {
    if no_value(flags) {
        series.remove(&key);
        return Ok(None);
    }
    let total = match series.get(&key) {
        Some(e) if time < e.total.time() => return Err(()),
        Some(e) if start == e.total.time() => add(&e.total).unwrap_or_else(fresh),
        _ => fresh(),
    };
    let entry = series.entry(key).insert_entry(Entry {
        total,
        touched: now,
    });
    Ok(Some(&entry.into_mut().total))
}

/// Folds `p` into its total and rewrites it as the total; `false` drops it.
fn accumulate_sum(
    series: &mut HashMap<String, Entry>,
    key: String,
    p: &mut NumberDataPoint,
    now: Instant,
) -> bool {
    let (value, time) = match p.value {
        Some(v) => (v, p.time_unix_nano),
        None if no_value(p.flags) => (Value::AsInt(0), p.time_unix_nano),
        None => return false,
    };
    let total = accumulate(
        series,
        key,
        (p.flags, p.start_time_unix_nano, time),
        now,
        |before| match before {
            Total::Sum {
                start,
                value: before,
                ..
            } => Some(Total::Sum {
                start: *start,
                time,
                value: add(before, &value),
            }),
            Total::Histogram { .. } => None,
        },
        || Total::Sum {
            start: p.start_time_unix_nano,
            time,
            value,
        },
    );
    match total {
        Err(()) => false,
        Ok(Some(Total::Sum { start, value, .. })) => {
            p.start_time_unix_nano = *start;
            p.value = Some(*value);
            true
        }
        Ok(_) => true,
    }
}

/// The histogram counterpart of [`accumulate_sum`].
fn accumulate_histogram(
    series: &mut HashMap<String, Entry>,
    key: String,
    p: &mut HistogramDataPoint,
    now: Instant,
) -> bool {
    let total = accumulate(
        series,
        key,
        (p.flags, p.start_time_unix_nano, p.time_unix_nano),
        now,
        |before| match before {
            Total::Histogram {
                start,
                bounds,
                counts,
                count,
                sum,
                ..
            } if *bounds == p.explicit_bounds && counts.len() == p.bucket_counts.len() => {
                Some(Total::Histogram {
                    start: *start,
                    time: p.time_unix_nano,
                    bounds: bounds.clone(),
                    counts: counts
                        .iter()
                        .zip(&p.bucket_counts)
                        .map(|(a, b)| a.saturating_add(*b))
                        .collect(),
                    count: count.saturating_add(p.count),
                    sum: sum.zip(p.sum).map(|(a, b)| a + b),
                })
            }
            _ => None,
        },
        || Total::Histogram {
            start: p.start_time_unix_nano,
            time: p.time_unix_nano,
            bounds: p.explicit_bounds.clone(),
            counts: p.bucket_counts.clone(),
            count: p.count,
            sum: p.sum,
        },
    );
    match total {
        Err(()) => false,
        Ok(Some(Total::Histogram {
            start,
            counts,
            count,
            sum,
            ..
        })) => {
            p.start_time_unix_nano = *start;
            p.bucket_counts = counts.clone();
            p.count = *count;
            p.sum = *sum;
            true
        }
        Ok(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{AnyValue, any_value};
    use opentelemetry_proto::tonic::metrics::v1::{
        Histogram, Metric, ResourceMetrics, ScopeMetrics, Sum,
    };

    fn attr(k: &str, v: &str) -> KeyValue {
        KeyValue {
            key: k.into(),
            value: Some(AnyValue {
                value: Some(any_value::Value::StringValue(v.into())),
            }),
            ..Default::default()
        }
    }

    fn request(metric: Metric) -> ExportMetricsServiceRequest {
        ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                scope_metrics: vec![ScopeMetrics {
                    metrics: vec![metric],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    fn delta_sum(monotonic: bool, points: &[(u64, u64, i64, &str)]) -> Metric {
        Metric {
            name: "sent".into(),
            data: Some(Data::Sum(Sum {
                data_points: points
                    .iter()
                    .map(|(start, time, v, route)| NumberDataPoint {
                        attributes: vec![attr("route", route)],
                        start_time_unix_nano: *start,
                        time_unix_nano: *time,
                        value: Some(Value::AsInt(*v)),
                        ..Default::default()
                    })
                    .collect(),
                aggregation_temporality: AggregationTemporality::Delta as i32,
                is_monotonic: monotonic,
            })),
            ..Default::default()
        }
    }

    /// The (start, value) of each point of the converted sum.
    fn sums(acc: &DeltaToCumulative, metric: Metric) -> Vec<(u64, i64)> {
        let mut r = request(metric);
        acc.convert(&mut r);
        let Some(Data::Sum(s)) = &r.resource_metrics[0].scope_metrics[0].metrics[0].data else {
            panic!()
        };
        assert_eq!(
            s.aggregation_temporality,
            AggregationTemporality::Cumulative as i32
        );
        s.data_points
            .iter()
            .map(|p| match p.value {
                Some(Value::AsInt(v)) => (p.start_time_unix_nano, v),
                _ => panic!(),
            })
            .collect()
    }

    #[test]
    fn contiguous_deltas_add_up_and_a_gap_restarts_the_total() {
        let acc = DeltaToCumulative::default();
        assert_eq!(
            sums(
                &acc,
                delta_sum(
                    true,
                    &[(10, 20, 3, "a"), (20, 30, 4, "a"), (10, 20, 5, "b")]
                )
            ),
            vec![(10, 3), (10, 7), (10, 5)]
        );
        // Across requests; an older point is dropped; a gap restarts.
        assert_eq!(
            sums(&acc, delta_sum(true, &[(30, 40, 1, "a"), (15, 25, 9, "a")])),
            vec![(10, 8)]
        );
        assert_eq!(
            sums(&acc, delta_sum(true, &[(50, 60, 2, "a")])),
            vec![(50, 2)]
        );
    }

    #[test]
    fn non_monotonic_deltas_are_left_for_the_caller_to_refuse() {
        let acc = DeltaToCumulative::default();
        let mut r = request(delta_sum(false, &[(10, 20, 3, "a")]));
        acc.convert(&mut r);
        let Some(Data::Sum(s)) = &r.resource_metrics[0].scope_metrics[0].metrics[0].data else {
            panic!()
        };
        assert_eq!(
            s.aggregation_temporality,
            AggregationTemporality::Delta as i32
        );
    }

    #[test]
    fn delta_histograms_add_bucket_by_bucket() {
        let acc = DeltaToCumulative::default();
        let hist = |start: u64, time: u64, counts: Vec<u64>, bounds: Vec<f64>| Metric {
            name: "latency".into(),
            data: Some(Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    start_time_unix_nano: start,
                    time_unix_nano: time,
                    count: counts.iter().sum(),
                    sum: Some(counts.iter().sum::<u64>() as f64 / 2.0),
                    bucket_counts: counts,
                    explicit_bounds: bounds,
                    ..Default::default()
                }],
                aggregation_temporality: AggregationTemporality::Delta as i32,
            })),
            ..Default::default()
        };
        let point = |m: Metric| {
            let mut r = request(m);
            acc.convert(&mut r);
            let Some(Data::Histogram(h)) = &r.resource_metrics[0].scope_metrics[0].metrics[0].data
            else {
                panic!()
            };
            let p = &h.data_points[0];
            (p.bucket_counts.clone(), p.count, p.sum)
        };
        point(hist(0, 10, vec![1, 2, 0], vec![0.1, 1.0]));
        assert_eq!(
            point(hist(10, 20, vec![0, 1, 1], vec![0.1, 1.0])),
            (vec![1, 3, 1], 5, Some(2.5))
        );
        assert_eq!(
            point(hist(20, 30, vec![4, 0], vec![0.5])),
            (vec![4, 0], 4, Some(2.0)),
            "new bounds begin a new total"
        );
    }
}
