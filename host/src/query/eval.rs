//! The evaluator: walks the parsed expression and evaluates every node over
//! all steps of the query at once (see [`crate::query::value`]). Selectors
//! read the store once per query; aggregations and binary operators match
//! series once and then work step by step over columns.

use crate::query::error::{QueryError, exec, same_labelset};
use crate::query::storage::{Queryable, SeriesOutcome};
use crate::query::value::{Column, Series, Value};
use crate::query::{QueryOptions, aggregate, binary, functions, selector};
use crate::storage::metrics::{Labels, Matcher};
use promql_parser::parser::{AtModifier, Expr, Offset};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Evaluates expressions over the steps `start, start + step, …, end`.
pub(crate) struct Evaluator<'a> {
    pub storage: &'a dyn Queryable,
    pub opts: &'a QueryOptions,
    /// First step (ms).
    pub start: i64,
    /// Last step (ms).
    pub end: i64,
    /// Step width (ms, > 0).
    pub step: i64,
    /// The query's own start and end, which `@ start()` and `@ end()` mean
    /// (also inside subqueries).
    pub query_start: i64,
    pub query_end: i64,
    pub deadline: Instant,
    pub cancel: Option<&'a AtomicBool>,
    /// Samples loaded or produced so far, against `opts.max_samples`.
    pub samples: AtomicUsize,
}

impl<'a> Evaluator<'a> {
    /// Number of steps.
    pub fn steps(&self) -> usize {
        ((self.end - self.start) / self.step) as usize + 1
    }

    /// Timestamp of step `i`.
    pub fn ts(&self, i: usize) -> i64 {
        self.start + i as i64 * self.step
    }

    /// A child evaluator over another grid (subqueries), sharing limits.
    pub fn child(&self, start: i64, end: i64, step: i64) -> Evaluator<'a> {
        Evaluator {
            storage: self.storage,
            opts: self.opts,
            start,
            end,
            step,
            query_start: self.query_start,
            query_end: self.query_end,
            deadline: self.deadline,
            cancel: self.cancel,
            samples: AtomicUsize::new(self.samples.load(Ordering::Relaxed)),
        }
    }

    /// Fails when the query ran out of time or its client went away.
    pub fn check(&self, stage: &'static str) -> Result<(), QueryError> {
        if self.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(QueryError::Canceled(stage));
        }
        if Instant::now() >= self.deadline {
            return Err(QueryError::Timeout(stage));
        }
        Ok(())
    }

    /// Fails when a selector matched more series than allowed, or the query
    /// ran out of time.
    pub fn check_selected(&self, series: usize) -> Result<(), QueryError> {
        if series > self.opts.max_series {
            return Err(exec(format!(
                "query selected {series} series, more than the limit of {} ([query] max_series)",
                self.opts.max_series
            )));
        }
        self.check("series selection")
    }

    /// `f` of every series matching `matchers` with samples in
    /// `[start, end]`, called as the store decodes each (in parallel), in
    /// label order, leaving out those `f` maps to nothing. Enforces the
    /// series limit and checks the deadline as it goes; `stage` names the
    /// work in a timeout's message.
    pub fn select_map(
        &self,
        matchers: &[Matcher],
        start: i64,
        end: i64,
        stage: &'static str,
        f: impl Fn(&Labels, &[(i64, f64)]) -> SeriesOutcome + Sync,
    ) -> Result<Vec<Series>, QueryError> {
        let selected = AtomicUsize::new(0);
        let outcomes = self
            .storage
            .select_map(matchers, start, end, &|labels, samples| {
                let n = selected.fetch_add(1, Ordering::Relaxed);
                if n >= self.opts.max_series {
                    return Ok(None); // reported below, once all are counted
                }
                if n.is_multiple_of(256) {
                    self.check(stage)?;
                }
                f(labels, samples)
            });
        self.check_selected(selected.into_inner())?;
        let mut out = Vec::with_capacity(outcomes.len());
        for series in outcomes {
            out.extend(series?);
        }
        Ok(out)
    }

    /// Accounts for `n` more samples in memory.
    pub fn add_samples(&self, n: usize) -> Result<(), QueryError> {
        let total = self
            .samples
            .fetch_add(n, Ordering::Relaxed)
            .saturating_add(n);
        if total > self.opts.max_samples {
            return Err(exec(
                "query processing would load too many samples into memory in query execution",
            ));
        }
        Ok(())
    }

    /// The reference time per step of a selector with these modifiers.
    pub fn ref_times(&self, at: &Option<AtModifier>, offset: &Option<Offset>) -> Vec<i64> {
        let offset = offset_ms(offset);
        match at {
            Some(at) => vec![self.at_ms(at) - offset; self.steps()],
            None => (0..self.steps()).map(|i| self.ts(i) - offset).collect(),
        }
    }

    /// The time an `@` modifier names.
    pub fn at_ms(&self, at: &AtModifier) -> i64 {
        match at {
            AtModifier::Start => self.query_start,
            AtModifier::End => self.query_end,
            AtModifier::At(t) => system_time_ms(*t),
        }
    }

    /// Evaluates `expr`.
    pub fn eval(&self, expr: &Expr) -> Result<Value, QueryError> {
        self.check("query evaluation")?;
        match expr {
            Expr::NumberLiteral(n) => Ok(Value::Scalar(vec![n.val; self.steps()])),
            Expr::StringLiteral(s) => Ok(Value::String(s.val.clone())),
            Expr::Paren(p) => self.eval(&p.expr),
            Expr::Unary(u) => match self.eval(&u.expr)? {
                Value::Scalar(v) => Ok(Value::Scalar(v.into_iter().map(|x| -x).collect())),
                Value::Vector(mut series) => {
                    for s in &mut series {
                        s.labels = s.labels.without_metric_name();
                        s.values.map(|_, v| Some(-v));
                    }
                    check_unique_series(&series)?;
                    Ok(Value::Vector(series))
                }
                other => Err(exec(format!(
                    "unary expression only allowed on expressions of type scalar or instant vector, got {}",
                    other.type_name()
                ))),
            },
            Expr::VectorSelector(vs) => selector::vector(self, vs).map(Value::Vector),
            Expr::MatrixSelector(ms) => selector::matrix(self, ms).map(Value::Range),
            Expr::Subquery(sq) => selector::subquery(self, sq).map(Value::Range),
            Expr::Call(call) => functions::call(self, call),
            Expr::Aggregate(agg) => aggregate::eval(self, agg),
            Expr::Binary(bin) => binary::eval(self, bin),
            Expr::Extension(_) => Err(exec("unsupported expression")),
        }
    }

    /// Evaluates `expr`, which must be an instant vector.
    pub fn eval_vector(&self, expr: &Expr) -> Result<Vec<Series>, QueryError> {
        match self.eval(expr)? {
            Value::Vector(v) => Ok(v),
            other => Err(exec(format!(
                "expected instant vector, got {}",
                other.type_name()
            ))),
        }
    }

    /// Evaluates `expr`, which must be a scalar.
    pub fn eval_scalar(&self, expr: &Expr) -> Result<Vec<f64>, QueryError> {
        match self.eval(expr)? {
            Value::Scalar(v) => Ok(v),
            other => Err(exec(format!("expected scalar, got {}", other.type_name()))),
        }
    }
}

/// Milliseconds since the epoch (negative before it).
pub(crate) fn system_time_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

/// An offset in ms (negative offsets look forward).
pub(crate) fn offset_ms(offset: &Option<Offset>) -> i64 {
    match offset {
        None => 0,
        Some(Offset::Pos(d)) => d.as_millis() as i64,
        Some(Offset::Neg(d)) => -(d.as_millis() as i64),
    }
}

/// Fails if two series share a label set (anywhere in the range), as
/// Prometheus does after functions that drop the metric name.
pub(crate) fn check_unique_series(series: &[Series]) -> Result<(), QueryError> {
    let mut seen = std::collections::HashSet::with_capacity(series.len());
    for s in series {
        if !seen.insert(&s.labels) {
            return Err(same_labelset());
        }
    }
    Ok(())
}

/// Merges series with equal labels into one, failing if two of them have a
/// value at the same step (Prometheus' per-step labelset check). Drops
/// series with no value at all.
pub(crate) fn merge_same_labels(series: Vec<Series>) -> Result<Vec<Series>, QueryError> {
    let mut index: HashMap<crate::storage::metrics::Labels, usize> =
        HashMap::with_capacity(series.len());
    let mut out: Vec<Series> = Vec::with_capacity(series.len());
    for s in series {
        if !s.values.any_present() {
            continue;
        }
        match index.get(&s.labels) {
            None => {
                index.insert(s.labels.clone(), out.len());
                out.push(s);
            }
            Some(&i) => {
                let target: &mut Column = &mut out[i].values;
                for (step, v) in s.values.iter() {
                    if target.is_present(step) {
                        return Err(same_labelset());
                    }
                    target.set(step, Some(v));
                }
            }
        }
    }
    Ok(out)
}
