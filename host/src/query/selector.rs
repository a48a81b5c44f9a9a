//! Selectors: instant vectors (latest sample within the lookback window, not
//! a staleness marker), range vectors (raw samples in each step's window,
//! staleness markers dropped) and subqueries (an inner expression evaluated
//! on its own aligned grid, then windowed like a range vector).

use crate::query::error::{QueryError, exec};
use crate::query::eval::{Evaluator, offset_ms};
use crate::query::value::{Column, RangeSeries, RangeVector, Series, Value};
use crate::storage::metrics::{Labels, Matcher, is_stale};
use promql_parser::label::MatchOp;
use promql_parser::parser::{MatrixSelector, SubqueryExpr, VectorSelector};

/// Our matchers for a parsed selector (its name becomes `__name__=`).
pub fn matchers(vs: &VectorSelector) -> Result<Vec<Matcher>, QueryError> {
    if !vs.matchers.or_matchers.is_empty() {
        return Err(QueryError::BadData(
            "parse error: unexpected \"or\" in label matching".into(),
        ));
    }
    let mut out = Vec::with_capacity(vs.matchers.matchers.len() + 1);
    if let Some(name) = &vs.name {
        out.push(Matcher::equal("__name__", name));
    }
    for m in &vs.matchers.matchers {
        let op = match &m.op {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Re(_) => "=~",
            MatchOp::NotRe(_) => "!~",
        };
        out.push(Matcher::new(&m.name, op, &m.value).map_err(QueryError::BadData)?);
    }
    Ok(out)
}

/// Evaluates an instant vector selector.
pub fn vector(ev: &Evaluator, vs: &VectorSelector) -> Result<Vec<Series>, QueryError> {
    pick(ev, vs, |_, v| v)
}

/// The sample timestamps an instant vector selector picks, per step (for
/// `timestamp()`, which reports them instead of the values).
pub fn vector_timestamps(ev: &Evaluator, vs: &VectorSelector) -> Result<Vec<Series>, QueryError> {
    pick(ev, vs, |t, _| t as f64 / 1000.0)
}

/// Per series and step, the latest sample at or before the step's reference
/// time, within the lookback window and not a staleness marker, mapped by
/// `value(t, v)`.
fn pick(
    ev: &Evaluator,
    vs: &VectorSelector,
    value: impl Fn(i64, f64) -> f64 + Sync,
) -> Result<Vec<Series>, QueryError> {
    let refs = ev.ref_times(&vs.at, &vs.offset);
    let lookback = ev.opts.lookback_delta;
    let (lo, hi) = bounds(&refs);
    // Each series is reduced to its column as the store decodes it.
    ev.select_map(
        &matchers(vs)?,
        lo - lookback,
        hi,
        "series selection",
        |labels, samples| pick_series(ev, &refs, lookback, &value, labels, samples),
    )
}

/// [`pick`] for one series.
fn pick_series(
    ev: &Evaluator,
    refs: &[i64],
    lookback: i64,
    value: &impl Fn(i64, f64) -> f64,
    labels: &Labels,
    samples: &[(i64, f64)],
) -> Result<Option<Series>, QueryError> {
    let mut values = Column::absent(refs.len());
    let mut j = 0usize; // samples[..j] are at or before the current ref
    let mut present = 0;
    for (i, &r) in refs.iter().enumerate() {
        if i > 0 && r < refs[i - 1] {
            j = 0;
        }
        while j < samples.len() && samples[j].0 <= r {
            j += 1;
        }
        if j == 0 {
            continue;
        }
        let (t, v) = samples[j - 1];
        if t >= r - lookback && !is_stale(v) {
            values.set(i, Some(value(t, v)));
            present += 1;
        }
    }
    if present == 0 {
        return Ok(None);
    }
    ev.add_samples(present)?;
    Ok(Some(Series {
        labels: labels.clone(),
        values,
    }))
}

/// The windows a range vector is taken over: one per step, each
/// `(end - range, end]`.
pub struct Windows {
    /// Each step's window end (ms).
    pub ends: Vec<i64>,
    /// Window length (ms).
    pub range: i64,
    /// Whether the ends never go back (they do only with `@`).
    pub ascending: bool,
}

impl Windows {
    /// Windows ending at `ends`.
    pub fn new(ends: Vec<i64>, range: i64) -> Windows {
        let ascending = ends.windows(2).all(|w| w[0] <= w[1]);
        Windows {
            ends,
            range,
            ascending,
        }
    }

    /// The earliest and latest window end.
    pub fn bounds(&self) -> (i64, i64) {
        bounds(&self.ends)
    }
}

/// A range vector selector's matchers and windows.
pub fn matrix_windows(
    ev: &Evaluator,
    ms: &MatrixSelector,
) -> Result<(Vec<Matcher>, Windows), QueryError> {
    let vs = &ms.vs;
    let windows = Windows::new(
        ev.ref_times(&vs.at, &vs.offset),
        ms.range.as_millis() as i64,
    );
    Ok((matchers(vs)?, windows))
}

/// Evaluates a range vector selector.
pub fn matrix(ev: &Evaluator, ms: &MatrixSelector) -> Result<RangeVector, QueryError> {
    let (matchers, windows) = matrix_windows(ev, ms)?;
    let (lo, hi) = windows.bounds();
    let Windows {
        ends: refs, range, ..
    } = windows;
    let selected = ev.storage.select(&matchers, lo - range, hi);
    ev.check_selected(selected.len())?;
    let mut series = Vec::with_capacity(selected.len());
    for (labels, mut samples) in selected {
        samples.retain(|(_, v)| !is_stale(*v));
        if samples.is_empty() {
            continue;
        }
        ev.add_samples(samples.len())?;
        series.push(RangeSeries { labels, samples });
    }
    Ok(RangeVector {
        series,
        window_ends: refs,
        range,
    })
}

/// Evaluates a subquery into a range vector.
pub fn subquery(ev: &Evaluator, sq: &SubqueryExpr) -> Result<RangeVector, QueryError> {
    let range = sq.range.as_millis() as i64;
    let interval = match sq.step {
        Some(step) if !step.is_zero() => step.as_millis() as i64,
        _ => ev.opts.subquery_step,
    };
    let offset = offset_ms(&sq.offset);
    let refs: Vec<i64> = match &sq.at {
        Some(at) => vec![ev.at_ms(at) - offset; ev.steps()],
        None => (0..ev.steps()).map(|i| ev.ts(i) - offset).collect(),
    };
    let (lo, hi) = bounds(&refs);
    let inner_start = (lo - range).div_euclid(interval) * interval;
    let inner_start = if inner_start < lo - range {
        inner_start + interval
    } else {
        inner_start
    };
    let mut series = Vec::new();
    if inner_start <= hi {
        let inner = ev.child(inner_start, hi, interval);
        let value = inner.eval(&sq.expr)?;
        ev.samples.store(
            inner.samples.load(std::sync::atomic::Ordering::Relaxed),
            std::sync::atomic::Ordering::Relaxed,
        );
        let vectors = match value {
            Value::Vector(v) => v,
            Value::Scalar(v) => vec![Series {
                labels: Default::default(),
                values: crate::query::functions::column_of(&v),
            }],
            other => {
                return Err(exec(format!(
                    "subquery is only allowed on instant vector, got {}",
                    other.type_name()
                )));
            }
        };
        for s in vectors {
            let samples: Vec<(i64, f64)> = s.values.iter().map(|(i, v)| (inner.ts(i), v)).collect();
            if !samples.is_empty() {
                series.push(RangeSeries {
                    labels: s.labels,
                    samples,
                });
            }
        }
    }
    Ok(RangeVector {
        series,
        window_ends: refs,
        range,
    })
}

/// The samples of `samples` (time-ordered) inside `[end - range, end]`, as
/// index bounds.
#[inline]
pub fn window(samples: &[(i64, f64)], end: i64, range: i64) -> (usize, usize) {
    let from = samples.partition_point(|(t, _)| *t < end - range);
    let to = samples.partition_point(|(t, _)| *t <= end);
    (from, to.max(from))
}

fn bounds(refs: &[i64]) -> (i64, i64) {
    let lo = refs.iter().copied().min().unwrap_or(0);
    let hi = refs.iter().copied().max().unwrap_or(0);
    (lo, hi)
}
