//! Range aggregation math, as Loki's `range_vector.go`: given the samples of
//! one series inside a window — `(timestamp_ns, value)` in time order, where a
//! log line counts 1 (or its byte length for the `bytes_*` functions) and an
//! unwrapped line counts its value — compute the function's value. The host
//! steps over time and picks each window with [`window`].

use crate::ast::{MatchOp, Matcher, RangeAggregation, RangeOp};
use crate::labels::Labels;

/// One sample: timestamp in nanoseconds and value.
pub type Point = (i64, f64);

/// The samples in `(end_ns - range_ns, end_ns]` (Loki excludes the start).
pub fn window(samples: &[Point], end_ns: i64, range_ns: i64) -> &[Point] {
    let start = end_ns - range_ns;
    let lo = samples.partition_point(|p| p.0 <= start);
    let hi = samples.partition_point(|p| p.0 <= end_ns);
    &samples[lo..hi.max(lo)]
}

/// A range function ready to apply to windows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RangeFunction {
    /// The function.
    pub op: RangeOp,
    /// The quantile of `quantile_over_time`.
    pub param: f64,
    /// The range in nanoseconds.
    pub range_ns: i64,
    /// Whether the samples are unwrapped values (changes `rate`).
    pub unwrapped: bool,
}

impl RangeFunction {
    /// The function of a range aggregation.
    pub fn new(agg: &RangeAggregation) -> Self {
        Self {
            op: agg.op,
            param: agg.param.unwrap_or(0.0),
            range_ns: agg.range.range_ns,
            unwrapped: agg.range.unwrap.is_some(),
        }
    }

    /// The value over the samples of one window; `None` for an empty window
    /// (the series is absent from that step).
    pub fn apply(&self, samples: &[Point]) -> Option<f64> {
        if samples.is_empty() {
            return None;
        }
        let secs = self.range_ns as f64 / 1e9;
        Some(match self.op {
            RangeOp::CountOverTime => samples.len() as f64,
            RangeOp::Rate if !self.unwrapped => samples.len() as f64 / secs,
            RangeOp::Rate | RangeOp::BytesRate => sum_over_time(samples) / secs,
            RangeOp::RateCounter => rate_counter(samples, self.range_ns),
            RangeOp::BytesOverTime | RangeOp::SumOverTime => sum_over_time(samples),
            RangeOp::AvgOverTime => avg_over_time(samples),
            RangeOp::MinOverTime => min_over_time(samples),
            RangeOp::MaxOverTime => max_over_time(samples),
            RangeOp::StdvarOverTime => stdvar_over_time(samples),
            RangeOp::StddevOverTime => stdvar_over_time(samples).sqrt(),
            RangeOp::QuantileOverTime => {
                quantile(self.param, samples.iter().map(|p| p.1).collect())
            }
            RangeOp::FirstOverTime => samples[0].1,
            RangeOp::LastOverTime => samples[samples.len() - 1].1,
            // A present series; the absent case is `absent_labels`.
            RangeOp::AbsentOverTime => 1.0,
        })
    }
}

/// The sum of the values.
pub fn sum_over_time(samples: &[Point]) -> f64 {
    samples.iter().map(|p| p.1).sum()
}

/// The mean, computed incrementally with Prometheus' care for infinities.
pub fn avg_over_time(samples: &[Point]) -> f64 {
    let (mut mean, mut count) = (0.0f64, 0.0f64);
    for &(_, v) in samples {
        count += 1.0;
        if mean.is_infinite() {
            if v.is_infinite() && (mean > 0.0) == (v > 0.0) {
                continue;
            }
            if !v.is_infinite() && !v.is_nan() {
                continue;
            }
        }
        mean += v / count - mean / count;
    }
    mean
}

/// The largest value (NaN only if all are NaN).
pub fn max_over_time(samples: &[Point]) -> f64 {
    samples.iter().fold(
        samples[0].1,
        |m, p| if p.1 > m || m.is_nan() { p.1 } else { m },
    )
}

/// The smallest value (NaN only if all are NaN).
pub fn min_over_time(samples: &[Point]) -> f64 {
    samples.iter().fold(
        samples[0].1,
        |m, p| if p.1 < m || m.is_nan() { p.1 } else { m },
    )
}

/// The population variance (Welford).
pub fn stdvar_over_time(samples: &[Point]) -> f64 {
    let (mut aux, mut count, mut mean) = (0.0, 0.0, 0.0);
    for &(_, v) in samples {
        count += 1.0;
        let delta = v - mean;
        mean += delta / count;
        aux += delta * (v - mean);
    }
    aux / count
}

/// Prometheus' quantile: linear interpolation between the closest ranks;
/// `q < 0` gives -Inf, `q > 1` +Inf, no values NaN.
pub fn quantile(q: f64, mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    // NaN sorts first, as Loki's value heap orders it.
    values.sort_by(|a, b| match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        _ => a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal),
    });
    let n = values.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0);
    let upper = (lower + 1.0).min(n - 1.0);
    let weight = rank - rank.floor();
    values[lower as usize] * (1.0 - weight) + values[upper as usize] * weight
}

/// `rate_counter`: Prometheus' extrapolated rate with counter resets, as
/// Loki 2.9 computes it. Loki feeds nanosecond timestamps to code written for
/// milliseconds, so the window's start is taken `range` *milliseconds*
/// before the first sample and the end at the last sample; the result is
/// therefore almost exactly the counter increase divided by the range. This
/// reproduces that arithmetic.
pub fn rate_counter(samples: &[Point], range_ns: i64) -> f64 {
    if samples.len() < 2 {
        return 0.0;
    }
    let (first, last) = (samples[0], samples[samples.len() - 1]);
    let range_ms = range_ns / 1_000_000;
    let range_start = first.0 - range_ms;
    let range_end = last.0;
    let mut result = last.1 - first.1;
    let mut prev = 0.0;
    for &(_, v) in samples {
        if v < prev {
            result += prev;
        }
        prev = v;
    }
    let mut to_start = (first.0 - range_start) as f64 / 1000.0;
    let to_end = (range_end - last.0) as f64 / 1000.0;
    let sampled = (last.0 - first.0) as f64 / 1000.0;
    let avg_between = sampled / (samples.len() - 1) as f64;
    if result > 0.0 && first.1 >= 0.0 {
        let to_zero = sampled * (first.1 / result);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    let threshold = avg_between * 1.1;
    let mut interval = sampled;
    interval += if to_start < threshold {
        to_start
    } else {
        avg_between / 2.0
    };
    interval += if to_end < threshold {
        to_end
    } else {
        avg_between / 2.0
    };
    result * (interval / sampled) / (range_ns as f64 / 1e9)
}

/// The labels of `absent_over_time`'s sample when no series has samples in
/// the window: the equality matchers of the selector (a name matched twice,
/// or by another operator, is left out), as Prometheus' `absent`.
pub fn absent_labels(matchers: &[Matcher]) -> Labels {
    let mut out = Labels::new();
    let mut dropped = Vec::new();
    for m in matchers {
        if m.op == MatchOp::Eq && !out.contains(&m.name) {
            out.set(m.name.clone(), m.value.clone());
        } else {
            dropped.push(m.name.clone());
        }
    }
    out.remove_all(&dropped);
    out
}
