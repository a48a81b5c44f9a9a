//! Functions of a range vector, evaluated per series per step over the
//! samples in that step's window: `rate`, `increase`, `delta` (with
//! Prometheus' extrapolation), `irate`, `idelta`, `deriv`, `predict_linear`,
//! `holt_winters`, `changes`, `resets` and every `*_over_time`.

use crate::query::error::{QueryError, exec};
use crate::query::eval::{Evaluator, check_unique_series};
use crate::query::functions::stats::{compensated_mean, compensated_sum, kahan_inc, quantile};
use crate::query::selector::{self, Windows, window};
use crate::query::value::{Column, Series, Value};
use crate::storage::metrics::{Labels, is_stale};
use promql_parser::parser::Expr;
use rayon::prelude::*;

/// The names this module evaluates, with the index of their range argument.
pub fn range_arg(name: &str) -> Option<usize> {
    match name {
        "quantile_over_time" => Some(1),
        "rate" | "increase" | "delta" | "irate" | "idelta" | "deriv" | "predict_linear"
        | "holt_winters" | "changes" | "resets" | "avg_over_time" | "min_over_time"
        | "max_over_time" | "sum_over_time" | "count_over_time" | "stddev_over_time"
        | "stdvar_over_time" | "last_over_time" | "present_over_time" | "absent_over_time" => {
            Some(0)
        }
        _ => None,
    }
}

/// What a step's computation may need besides its samples.
struct StepContext<'a> {
    /// Scalar arguments (positions other than the range), one per step.
    scalars: &'a [Vec<f64>],
    /// The step.
    step: usize,
    /// Window `[start, end]` of the step (ms).
    start: i64,
    end: i64,
    /// Range length in seconds.
    range_secs: f64,
    /// The evaluation time of the step (ms), for `predict_linear`.
    eval_ts: i64,
    /// Counter resets in the window, when known without a scan (`rate`,
    /// `increase`: from the series' prefix counts).
    resets_in_window: Option<u32>,
}

impl StepContext<'_> {
    /// Scalar argument `i` at this step.
    fn scalar(&self, i: usize) -> f64 {
        self.scalars[i][self.step]
    }
}

/// Evaluates range-vector function `name` with arguments `args`. Series are
/// independent, so they are evaluated in parallel; over a range selector
/// (not a subquery) each series is evaluated as the store decodes it, so
/// the selected samples are never all in memory at once.
pub fn eval(ev: &Evaluator, name: &str, args: &[Box<Expr>]) -> Result<Value, QueryError> {
    let idx = range_arg(name).expect("caller checked");
    let job = |scalars| SeriesJob {
        f: step_fn(name),
        scalars,
        counts_resets: matches!(name, "rate" | "increase"),
        keeps_name: name == "last_over_time",
        steps: ev.steps(),
    };
    let out = match &*args[idx] {
        Expr::MatrixSelector(ms) => {
            let job = job(scalar_args(ev, args, idx)?);
            let (matchers, windows) = selector::matrix_windows(ev, ms)?;
            let (lo, hi) = windows.bounds();
            ev.select_map(
                &matchers,
                lo - windows.range,
                hi,
                "function evaluation",
                |labels, samples| {
                    let kept: Vec<(i64, f64)>;
                    let samples = if samples.iter().any(|(_, v)| is_stale(*v)) {
                        kept = samples
                            .iter()
                            .filter(|(_, v)| !is_stale(*v))
                            .copied()
                            .collect();
                        &kept[..]
                    } else {
                        samples
                    };
                    if samples.is_empty() {
                        return Ok(None);
                    }
                    ev.add_samples(samples.len())?;
                    job.series(ev, &windows, labels, samples)
                },
            )?
        }
        other => {
            let rv = match ev.eval(other)? {
                Value::Range(rv) => rv,
                other => {
                    return Err(exec(format!(
                        "expected type range vector in call to function {name:?}, got {}",
                        other.type_name()
                    )));
                }
            };
            let job = job(scalar_args(ev, args, idx)?);
            let windows = Windows::new(rv.window_ends, rv.range);
            let evaluated: Vec<Result<Option<Series>, QueryError>> = rv
                .series
                .par_iter()
                .enumerate()
                .map(|(n, s)| {
                    if n.is_multiple_of(256) {
                        ev.check("function evaluation")?;
                    }
                    job.series(ev, &windows, &s.labels, &s.samples)
                })
                .collect();
            let mut out = Vec::with_capacity(evaluated.len());
            for series in evaluated {
                out.extend(series?);
            }
            out
        }
    };
    if name == "absent_over_time" {
        let present: Vec<bool> = (0..ev.steps())
            .map(|i| out.iter().any(|s| s.values.is_present(i)))
            .collect();
        return Ok(Value::Vector(absent_over_time(&args[idx], &present)));
    }
    check_unique_series(&out)?;
    Ok(Value::Vector(out))
}

/// The arguments other than the range vector, as scalars per step.
fn scalar_args(
    ev: &Evaluator,
    args: &[Box<Expr>],
    range_idx: usize,
) -> Result<Vec<Vec<f64>>, QueryError> {
    args.iter()
        .enumerate()
        .filter(|(i, _)| *i != range_idx)
        .map(|(_, a)| ev.eval_scalar(a))
        .collect()
}

/// A range function applied to one series at every step.
struct SeriesJob {
    f: StepFn,
    scalars: Vec<Vec<f64>>,
    /// `rate` and `increase`: count resets as the windows move.
    counts_resets: bool,
    /// `last_over_time` keeps the metric name; the others drop it.
    keeps_name: bool,
    steps: usize,
}

impl SeriesJob {
    /// The function's value at each step over `samples` (time order, no
    /// staleness markers); `None` when no step has a value.
    fn series(
        &self,
        ev: &Evaluator,
        windows: &Windows,
        labels: &Labels,
        samples: &[(i64, f64)],
    ) -> Result<Option<Series>, QueryError> {
        let f = self.f;
        let mut values = Column::absent(self.steps);
        // 1 when sample j is lower than the one before (a counter reset).
        let reset =
            |j: usize| u32::from(j >= 1 && j < samples.len() && samples[j].1 < samples[j - 1].1);
        // Windows only move forward (without `@`): two cursors, and the
        // resets among samples 1..=from and 1..=to-1 counted as they move,
        // so a window without one skips the reset scan.
        let (mut from, mut to) = (0usize, 0usize);
        let (mut resets_to_from, mut resets_to_last) = (0u32, 0u32);
        for i in 0..self.steps {
            let end = windows.ends[i];
            let start = end - windows.range;
            if windows.ascending {
                while from < samples.len() && samples[from].0 < start {
                    from += 1;
                    resets_to_from += reset(from);
                }
                if to < from {
                    to = from;
                    resets_to_last = resets_to_from - reset(from);
                }
                while to < samples.len() && samples[to].0 <= end {
                    resets_to_last += reset(to);
                    to += 1;
                }
            } else {
                (from, to) = window(samples, end, windows.range);
            }
            if from == to {
                continue;
            }
            let ctx = StepContext {
                scalars: &self.scalars,
                step: i,
                start,
                end,
                range_secs: windows.range as f64 / 1000.0,
                eval_ts: ev.ts(i),
                // Unknown (scan the window) when the cursors jumped.
                resets_in_window: (self.counts_resets && windows.ascending)
                    .then(|| resets_to_last - resets_to_from),
            };
            values.set(i, f(&samples[from..to], &ctx)?);
        }
        if !values.any_present() {
            return Ok(None);
        }
        let labels = if self.keeps_name {
            labels.clone()
        } else {
            labels.without_metric_name()
        };
        ev.add_samples(values.present_count())?;
        Ok(Some(Series { labels, values }))
    }
}

/// `1` at the steps where no series had a sample in its window.
fn absent_over_time(arg: &Expr, present: &[bool]) -> Vec<Series> {
    if present.iter().all(|p| *p) {
        return Vec::new();
    }
    let mut values = Column::absent(present.len());
    for (i, p) in present.iter().enumerate() {
        if !p {
            values.set(i, Some(1.0));
        }
    }
    vec![Series {
        labels: super::absent_labels(arg),
        values,
    }]
}

type StepFn = fn(&[(i64, f64)], &StepContext) -> Result<Option<f64>, QueryError>;

fn step_fn(name: &str) -> StepFn {
    match name {
        "rate" => |s, c| Ok(extrapolated_rate(s, c, true, true)),
        "increase" => |s, c| Ok(extrapolated_rate(s, c, true, false)),
        "delta" => |s, c| Ok(extrapolated_rate(s, c, false, false)),
        "irate" => |s, _| Ok(instant_value(s, true)),
        "idelta" => |s, _| Ok(instant_value(s, false)),
        "deriv" => |s, _| Ok((s.len() >= 2).then(|| linear_regression(s, s[0].0).0)),
        "predict_linear" => |s, c| {
            Ok((s.len() >= 2).then(|| {
                let (slope, intercept) = linear_regression(s, c.eval_ts);
                intercept + slope * c.scalar(0)
            }))
        },
        "holt_winters" => holt_winters,
        "changes" => |s, _| {
            let n = s
                .windows(2)
                .filter(|w| w[1].1 != w[0].1 && !(w[1].1.is_nan() && w[0].1.is_nan()))
                .count();
            Ok(Some(n as f64))
        },
        "resets" => |s, _| Ok(Some(s.windows(2).filter(|w| w[1].1 < w[0].1).count() as f64)),
        "avg_over_time" => |s, _| Ok(Some(compensated_mean(s.iter().map(|(_, v)| *v)))),
        "min_over_time" => |s, _| {
            Ok(Some(s.iter().skip(1).fold(s[0].1, |m, &(_, v)| {
                if v < m || m.is_nan() { v } else { m }
            })))
        },
        "max_over_time" => |s, _| {
            Ok(Some(s.iter().skip(1).fold(s[0].1, |m, &(_, v)| {
                if v > m || m.is_nan() { v } else { m }
            })))
        },
        "sum_over_time" => |s, _| Ok(Some(compensated_sum(s.iter().map(|(_, v)| *v)))),
        "count_over_time" => |s, _| Ok(Some(s.len() as f64)),
        "stddev_over_time" => |s, _| Ok(Some(variance(s).sqrt())),
        "stdvar_over_time" => |s, _| Ok(Some(variance(s))),
        "last_over_time" => |s, _| Ok(Some(s[s.len() - 1].1)),
        "present_over_time" | "absent_over_time" => |_, _| Ok(Some(1.0)),
        "quantile_over_time" => |s, c| {
            let mut values: Vec<f64> = s.iter().map(|(_, v)| *v).collect();
            Ok(Some(quantile(c.scalar(0), &mut values)))
        },
        _ => unreachable!("range_arg lists exactly these"),
    }
}

/// `rate`, `increase` and `delta`: the change over the window, corrected for
/// counter resets and extrapolated to the window's edges (Prometheus 2.x).
fn extrapolated_rate(
    s: &[(i64, f64)],
    c: &StepContext,
    is_counter: bool,
    is_rate: bool,
) -> Option<f64> {
    if s.len() < 2 {
        return None;
    }
    let (first_t, first_v) = s[0];
    let (last_t, last_v) = s[s.len() - 1];
    let mut result = last_v - first_v;
    if is_counter && c.resets_in_window != Some(0) {
        let mut prev = first_v;
        for &(_, v) in &s[1..] {
            if v < prev {
                result += prev;
            }
            prev = v;
        }
    }
    let mut duration_to_start = (first_t - c.start) as f64 / 1000.0;
    let duration_to_end = (c.end - last_t) as f64 / 1000.0;
    let sampled_interval = (last_t - first_t) as f64 / 1000.0;
    let average_between = sampled_interval / (s.len() - 1) as f64;
    if is_counter && result > 0.0 && first_v >= 0.0 {
        let duration_to_zero = sampled_interval * (first_v / result);
        if duration_to_zero < duration_to_start {
            duration_to_start = duration_to_zero;
        }
    }
    let threshold = average_between * 1.1;
    let mut extrapolate_to = sampled_interval;
    extrapolate_to += if duration_to_start < threshold {
        duration_to_start
    } else {
        average_between / 2.0
    };
    extrapolate_to += if duration_to_end < threshold {
        duration_to_end
    } else {
        average_between / 2.0
    };
    let mut factor = extrapolate_to / sampled_interval;
    if is_rate {
        factor /= c.range_secs;
    }
    Some(result * factor)
}

/// `irate` and `idelta`: from the last two samples.
fn instant_value(s: &[(i64, f64)], is_rate: bool) -> Option<f64> {
    if s.len() < 2 {
        return None;
    }
    let (prev_t, prev_v) = s[s.len() - 2];
    let (last_t, last_v) = s[s.len() - 1];
    let mut result = if is_rate && last_v < prev_v {
        last_v
    } else {
        last_v - prev_v
    };
    let interval = last_t - prev_t;
    if interval == 0 {
        return None;
    }
    if is_rate {
        result /= interval as f64 / 1000.0;
    }
    Some(result)
}

/// Least-squares slope and intercept at `intercept_time`.
pub fn linear_regression(s: &[(i64, f64)], intercept_time: i64) -> (f64, f64) {
    let (mut n, mut sum_x, mut c_x, mut sum_y, mut c_y) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut sum_xy, mut c_xy, mut sum_x2, mut c_x2) = (0.0, 0.0, 0.0, 0.0);
    let init_y = s[0].1;
    let mut const_y = true;
    for (i, &(t, v)) in s.iter().enumerate() {
        if const_y && i > 0 && v != init_y {
            const_y = false;
        }
        n += 1.0;
        let x = (t - intercept_time) as f64 / 1e3;
        (sum_x, c_x) = kahan_inc(x, sum_x, c_x);
        (sum_y, c_y) = kahan_inc(v, sum_y, c_y);
        (sum_xy, c_xy) = kahan_inc(x * v, sum_xy, c_xy);
        (sum_x2, c_x2) = kahan_inc(x * x, sum_x2, c_x2);
    }
    if const_y {
        if init_y.is_infinite() {
            return (f64::NAN, f64::NAN);
        }
        return (0.0, init_y);
    }
    let (sum_x, sum_y, sum_xy, sum_x2) = (sum_x + c_x, sum_y + c_y, sum_xy + c_xy, sum_x2 + c_x2);
    let cov_xy = sum_xy - sum_x * sum_y / n;
    let var_x = sum_x2 - sum_x * sum_x / n;
    let slope = cov_xy / var_x;
    (slope, sum_y / n - slope * sum_x / n)
}

fn holt_winters(s: &[(i64, f64)], c: &StepContext) -> Result<Option<f64>, QueryError> {
    let (sf, tf) = (c.scalar(0), c.scalar(1));
    if sf <= 0.0 || sf >= 1.0 {
        return Err(exec(format!(
            "invalid smoothing factor. Expected: 0 < sf < 1, got: {sf:.6}"
        )));
    }
    if tf <= 0.0 || tf >= 1.0 {
        return Err(exec(format!(
            "invalid trend factor. Expected: 0 < tf < 1, got: {tf:.6}"
        )));
    }
    if s.len() < 2 {
        return Ok(None);
    }
    let (mut s0, mut s1) = (0.0, s[0].1);
    let mut b = s[1].1 - s[0].1;
    for (i, &(_, v)) in s.iter().enumerate().skip(1) {
        let x = sf * v;
        if i > 1 {
            b = tf * (s1 - s0) + (1.0 - tf) * b;
        }
        let y = (1.0 - sf) * (s1 + b);
        (s0, s1) = (s1, x + y);
    }
    Ok(Some(s1))
}

/// Population variance with compensated sums.
fn variance(s: &[(i64, f64)]) -> f64 {
    let (mut count, mut mean, mut c_mean, mut aux, mut c_aux) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &(_, v) in s {
        count += 1.0;
        let delta = v - (mean + c_mean);
        (mean, c_mean) = kahan_inc(delta / count, mean, c_mean);
        (aux, c_aux) = kahan_inc(delta * (v - (mean + c_mean)), aux, c_aux);
    }
    (aux + c_aux) / count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(start: i64, end: i64) -> StepContext<'static> {
        StepContext {
            scalars: &[],
            step: 0,
            start,
            end,
            range_secs: (end - start) as f64 / 1000.0,
            eval_ts: end,
            resets_in_window: None,
        }
    }

    #[test]
    fn rate_extrapolates_to_the_window_edges() {
        // 0,10,20,...: 1/s, samples 10 s apart inside a 60 s window.
        let s: Vec<(i64, f64)> = (1..=5).map(|i| (i * 10_000, i as f64 * 10.0)).collect();
        let r = extrapolated_rate(&s, &ctx(0, 60_000), true, true).unwrap();
        assert!((r - 1.0).abs() < 1e-12, "{r}");
    }

    #[test]
    fn counter_resets_are_added_back() {
        let s = vec![(0, 10.0), (10_000, 20.0), (20_000, 5.0), (30_000, 15.0)];
        let inc = extrapolated_rate(&s, &ctx(0, 30_000), true, false).unwrap();
        // 10 + 5 + 10 = 25 over the sampled 30 s, no extrapolation needed.
        assert!((inc - 25.0).abs() < 1e-12, "{inc}");
        assert_eq!(
            extrapolated_rate(&s, &ctx(0, 30_000), false, false),
            Some(5.0)
        );
    }

    #[test]
    fn regression_of_a_line() {
        let s: Vec<(i64, f64)> = (0..10).map(|i| (i * 1000, 3.0 + 2.0 * i as f64)).collect();
        let (slope, intercept) = linear_regression(&s, 0);
        assert!((slope - 2.0).abs() < 1e-12 && (intercept - 3.0).abs() < 1e-12);
    }
}
