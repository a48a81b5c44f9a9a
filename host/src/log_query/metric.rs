//! LogQL metric queries over the log store: `rate(...)`, `count_over_time`,
//! unwrapped aggregations, `sum by`, binary operators, `label_replace`.
//!
//! Each range aggregation reads its selector's entries once for the whole
//! query (`[start - offset - range, end - offset]`, text filters pushed down
//! to the index), turns them into samples per series with the crate's
//! [`SampleExtractor`], and then every step takes its window `(t - range,
//! t]` of those samples. The rest of the tree is evaluated step by step with
//! `watchpost-logql`'s vector and binary operators, as Loki's engine does.

use super::{LineTemplates, LogQueryError, store_matchers};
use crate::storage::logs::{Direction, LogSearch, LogStore};
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use watchpost_logql::aggregate::{Sample, label_replace, vector_aggregate};
use watchpost_logql::binary::{Value, binary};
use watchpost_logql::range::{Point, RangeFunction, absent_labels, window};
use watchpost_logql::{Labels, RangeAggregation, RangeOp, SampleExpr, SampleExtractor};

/// Most series one query may produce (Loki's `max_query_series` default).
pub const MAX_SERIES: usize = 500;

/// A metric query's result.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricResult {
    /// One number per step (a query of literals only).
    Scalar(Vec<(i64, f64)>),
    /// Series with their points, sorted by labels.
    Matrix(Vec<(Labels, Vec<(i64, f64)>)>),
}

/// A range aggregation's samples, read once.
struct RangeData {
    function: RangeFunction,
    offset_ns: i64,
    series: BTreeMap<Labels, Vec<Point>>,
    absent: Option<Labels>,
}

/// Evaluates `expr` at `start, start + step, ... <= end` (ns).
pub fn eval(
    store: &LogStore,
    expr: &SampleExpr,
    start_ns: i64,
    end_ns: i64,
    step_ns: i64,
) -> Result<MetricResult, LogQueryError> {
    if step_ns <= 0 {
        return Err(LogQueryError::BadQuery(
            "zero or negative query resolution step widths are not accepted. Try a positive integer".into(),
        ));
    }
    let mut data = Vec::new();
    load(store, expr, start_ns, end_ns, &mut data)?;
    let mut scalar = Vec::new();
    let mut matrix: BTreeMap<Labels, Vec<(i64, f64)>> = BTreeMap::new();
    let mut t = start_ns;
    while t <= end_ns {
        let mut next = 0;
        match step(expr, t, &data, &mut next)? {
            Value::Scalar(v) => scalar.push((t, v)),
            Value::Vector(samples) => {
                for s in samples {
                    matrix.entry(s.labels).or_default().push((t, s.value));
                }
                if matrix.len() > MAX_SERIES {
                    return Err(LogQueryError::BadQuery(format!(
                        "maximum of series ({MAX_SERIES}) reached for a single query"
                    )));
                }
            }
        }
        t += step_ns;
    }
    Ok(if is_scalar(expr) {
        MetricResult::Scalar(scalar)
    } else {
        MetricResult::Matrix(matrix.into_iter().collect())
    })
}

fn is_scalar(expr: &SampleExpr) -> bool {
    match expr {
        SampleExpr::Literal(_) => true,
        SampleExpr::Binary(b) => is_scalar(&b.lhs) && is_scalar(&b.rhs),
        _ => false,
    }
}

/// Reads the samples of every range aggregation in `expr`, in the order
/// [`step`] visits them.
fn load(
    store: &LogStore,
    expr: &SampleExpr,
    start_ns: i64,
    end_ns: i64,
    out: &mut Vec<RangeData>,
) -> Result<(), LogQueryError> {
    match expr {
        SampleExpr::Range(agg) => out.push(read_range(store, agg, start_ns, end_ns)?),
        SampleExpr::Vector(v) => load(store, &v.expr, start_ns, end_ns, out)?,
        SampleExpr::Binary(b) => {
            load(store, &b.lhs, start_ns, end_ns, out)?;
            load(store, &b.rhs, start_ns, end_ns, out)?;
        }
        SampleExpr::LabelReplace(lr) => load(store, &lr.expr, start_ns, end_ns, out)?,
        SampleExpr::Literal(_) | SampleExpr::VectorLiteral(_) => {}
    }
    Ok(())
}

fn read_range(
    store: &LogStore,
    agg: &RangeAggregation,
    start_ns: i64,
    end_ns: i64,
) -> Result<RangeData, LogQueryError> {
    let extractor = SampleExtractor::new(agg, Arc::new(LineTemplates))
        .map_err(|e| LogQueryError::BadQuery(e.to_string()))?;
    let selector = &agg.range.selector;
    let contains = super::pushdown_literals(selector);
    let offset = agg.range.offset_ns;
    let search = LogSearch {
        matchers: store_matchers(selector)?,
        // Windows are (t - range, t]: the search range is half-open [lo, hi).
        start_ns: start_ns - offset - agg.range.range_ns + 1,
        end_ns: end_ns - offset + 1,
        contains,
        direction: Direction::Forward,
    };
    let mut series: BTreeMap<Labels, Vec<Point>> = BTreeMap::new();
    let mut too_many = false;
    store.search(&search, &mut |entry| {
        let labels = super::entry_labels(&entry);
        if let Some((value, labels)) = extractor.process(entry.ts_ns, &entry.line, &labels) {
            if !series.contains_key(&labels) && series.len() >= MAX_SERIES * 10 {
                too_many = true;
                return ControlFlow::Break(());
            }
            series.entry(labels).or_default().push((entry.ts_ns, value));
        }
        ControlFlow::Continue(())
    })?;
    if too_many {
        return Err(LogQueryError::BadQuery(format!(
            "maximum of series ({}) reached for a single query",
            MAX_SERIES * 10
        )));
    }
    for labels in series.keys() {
        if let Some(message) = watchpost_logql::pipeline_error(labels) {
            return Err(LogQueryError::BadQuery(message));
        }
    }
    Ok(RangeData {
        function: RangeFunction::new(agg),
        offset_ns: offset,
        series,
        absent: (agg.op == RangeOp::AbsentOverTime).then(|| absent_labels(&selector.matchers)),
    })
}

/// The value of `expr` at `t`; `next` walks `data` in [`load`]'s order.
fn step(
    expr: &SampleExpr,
    t: i64,
    data: &[RangeData],
    next: &mut usize,
) -> Result<Value, LogQueryError> {
    let eval_err = |e: watchpost_logql::EvalError| LogQueryError::BadQuery(e.to_string());
    Ok(match expr {
        SampleExpr::Literal(v) => Value::Scalar(*v),
        SampleExpr::VectorLiteral(v) => Value::Vector(vec![Sample::new(Labels::new(), *v)]),
        SampleExpr::Range(_) => {
            let d = &data[*next];
            *next += 1;
            let at = t - d.offset_ns;
            let mut samples = Vec::new();
            for (labels, points) in &d.series {
                let w = window(points, at, d.function.range_ns);
                if let Some(v) = d.function.apply(w) {
                    samples.push(Sample::new(labels.clone(), v));
                }
            }
            if let Some(absent) = &d.absent {
                samples = if samples.is_empty() {
                    vec![Sample::new(absent.clone(), 1.0)]
                } else {
                    Vec::new()
                };
            }
            Value::Vector(samples)
        }
        SampleExpr::Vector(agg) => match step(&agg.expr, t, data, next)? {
            Value::Vector(samples) => Value::Vector(vector_aggregate(agg, samples)),
            Value::Scalar(v) => Value::Scalar(v),
        },
        SampleExpr::Binary(b) => {
            let lhs = step(&b.lhs, t, data, next)?;
            let rhs = step(&b.rhs, t, data, next)?;
            binary(b.op, &b.modifier, lhs, rhs).map_err(eval_err)?
        }
        SampleExpr::LabelReplace(lr) => match step(&lr.expr, t, data, next)? {
            Value::Vector(samples) => Value::Vector(label_replace(lr, samples).map_err(eval_err)?),
            other => other,
        },
    })
}
