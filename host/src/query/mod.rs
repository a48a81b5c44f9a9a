//! The PromQL engine (Prometheus 2.42 semantics). Queries are parsed with
//! `promql-parser` and evaluated by our own evaluator over any
//! [`Queryable`] store.
//!
//! - `eval`: the evaluator; every node is evaluated over all steps at once.
//! - `selector`: instant/range vector selectors and subqueries.
//! - `functions`: the function library; `aggregate`, `binary`: operators.
//! - `value`: the values passed between nodes and the results.
//! - `storage`: the [`Queryable`] trait and the in-memory [`MemStore`].
//! - `json`: Prometheus' JSON encoding of results.
//! - `notation`: Prometheus' series notation (`up{a="b"} 0+1x5 _ stale`).

mod aggregate;
mod binary;
mod error;
mod eval;
mod functions;
pub mod json;
pub mod notation;
mod selector;
mod storage;
mod value;

pub use error::QueryError;
pub use selector::matchers as selector_matchers;
pub use storage::{MemStore, Overlay, Queryable, SelectedSeries};
pub use value::{MatrixSeries, QueryValue, Sample};

use eval::Evaluator;
use promql_parser::parser::Expr;
use promql_parser::parser::value::ValueType;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use value::Value;

/// Limits and defaults of query evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryOptions {
    /// How far back an instant selector looks for a sample (ms).
    pub lookback_delta: i64,
    /// Wall-clock limit of one query.
    pub timeout: Duration,
    /// Most samples a query may hold in memory at once.
    pub max_samples: usize,
    /// Most series one selector may select.
    pub max_series: usize,
    /// Step of subqueries written without one (ms): the rule evaluation
    /// interval in Prometheus.
    pub subquery_step: i64,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            lookback_delta: 5 * 60 * 1000,
            timeout: Duration::from_secs(120),
            max_samples: 50_000_000,
            max_series: 1_000_000,
            subquery_step: 60 * 1000,
        }
    }
}

/// Parses a PromQL expression (errors as `bad_data`, worded and positioned
/// as Prometheus 2.42 words them: `L:C: parse error: ...`).
pub fn parse(query: &str) -> Result<Expr, QueryError> {
    // Knows Prometheus 2.42's `holt_winters`, as the rule-file checker does.
    watchpost_rulefmt::promql::parse_expr(query).map_err(QueryError::BadData)
}

/// An instant query at `time` (ms).
pub fn instant_query(
    storage: &dyn Queryable,
    expr: &Expr,
    time: i64,
    opts: &QueryOptions,
    cancel: Option<&AtomicBool>,
) -> Result<QueryValue, QueryError> {
    let ev = evaluator(storage, opts, time, time, 1, cancel);
    Ok(match ev.eval(expr)? {
        Value::Scalar(v) => QueryValue::Scalar { t: time, v: v[0] },
        Value::String(s) => QueryValue::String { t: time, s },
        Value::Vector(series) => QueryValue::Vector(
            series
                .into_iter()
                .filter_map(|s| {
                    s.values.get(0).map(|v| Sample {
                        labels: s.labels,
                        t: time,
                        v,
                    })
                })
                .collect(),
        ),
        Value::Range(rv) => {
            let end = rv.window_ends[0];
            QueryValue::Matrix(
                rv.series
                    .into_iter()
                    .filter_map(|s| {
                        let (from, to) = selector::window(&s.samples, end, rv.range);
                        (from < to).then(|| MatrixSeries {
                            labels: s.labels,
                            points: s.samples[from..to].to_vec(),
                        })
                    })
                    .collect(),
            )
        }
    })
}

/// A range query over `[start, end]` every `step` (all ms; `step > 0`).
pub fn range_query(
    storage: &dyn Queryable,
    expr: &Expr,
    start: i64,
    end: i64,
    step: i64,
    opts: &QueryOptions,
    cancel: Option<&AtomicBool>,
) -> Result<QueryValue, QueryError> {
    match expr.value_type() {
        ValueType::Vector | ValueType::Scalar => {}
        other => {
            let name = match other {
                ValueType::Matrix => "range vector",
                ValueType::String => "string",
                _ => "unknown",
            };
            return Err(QueryError::BadData(format!(
                "invalid expression type \"{name}\" for range query, must be Scalar or instant Vector"
            )));
        }
    }
    if step <= 0 {
        return Err(QueryError::BadData(
            "zero or negative query resolution step widths are not accepted. Try a positive integer".into(),
        ));
    }
    if end < start {
        return Err(QueryError::BadData(
            "end timestamp must not be before start time".into(),
        ));
    }
    let ev = evaluator(storage, opts, start, end, step, cancel);
    let mut series = match ev.eval(expr)? {
        Value::Scalar(v) => vec![MatrixSeries {
            labels: Default::default(),
            points: v
                .into_iter()
                .enumerate()
                .map(|(i, v)| (ev.ts(i), v))
                .collect(),
        }],
        Value::Vector(series) => series
            .into_iter()
            .filter_map(|s| {
                let points: Vec<(i64, f64)> = s.values.iter().map(|(i, v)| (ev.ts(i), v)).collect();
                (!points.is_empty()).then_some(MatrixSeries {
                    labels: s.labels,
                    points,
                })
            })
            .collect(),
        other => {
            return Err(QueryError::BadData(format!(
                "invalid expression type {:?} for range query, must be Scalar or instant Vector",
                other.type_name()
            )));
        }
    };
    series.sort_by(|a, b| a.labels.cmp(&b.labels));
    Ok(QueryValue::Matrix(series))
}

fn evaluator<'a>(
    storage: &'a dyn Queryable,
    opts: &'a QueryOptions,
    start: i64,
    end: i64,
    step: i64,
    cancel: Option<&'a AtomicBool>,
) -> Evaluator<'a> {
    Evaluator {
        storage,
        opts,
        start,
        end,
        step,
        query_start: start,
        query_end: end,
        deadline: Instant::now() + opts.timeout,
        cancel,
        samples: std::sync::atomic::AtomicUsize::new(0),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::storage::metrics::Labels;

    /// `m{i="0".."49"}`: 100 samples each, 15 s apart, value = index.
    fn store() -> MemStore {
        let mut s = MemStore::new();
        for i in 0..50 {
            s.add(
                Labels::new([("__name__", "m"), ("i", i.to_string().as_str())]).unwrap(),
                (0..100).map(|t| (t * 15_000, t as f64)),
            );
        }
        s
    }

    /// Evaluates `expr` at `t` (ms) over `store`, as `{labels} value` lines
    /// in output order.
    pub(crate) fn eval_lines(
        store: &MemStore,
        expr: &str,
        t: i64,
    ) -> Result<Vec<String>, QueryError> {
        let e = parse(expr)?;
        Ok(
            match instant_query(store, &e, t, &QueryOptions::default(), None)? {
                QueryValue::Vector(v) => {
                    v.iter().map(|s| format!("{} {}", s.labels, s.v)).collect()
                }
                QueryValue::Scalar { v, .. } => vec![v.to_string()],
                other => vec![format!("{other:?}")],
            },
        )
    }

    #[test]
    fn cancelled_and_timed_out_queries_stop() {
        let s = store();
        let e = parse("sum(rate(m[5m]))").unwrap();
        let cancel = AtomicBool::new(true);
        let opts = QueryOptions::default();
        assert!(matches!(
            range_query(&s, &e, 0, 1_500_000, 15_000, &opts, Some(&cancel)),
            Err(QueryError::Canceled(_))
        ));
        let opts = QueryOptions {
            timeout: Duration::ZERO,
            ..QueryOptions::default()
        };
        let err = instant_query(&s, &e, 1_000_000, &opts, None).unwrap_err();
        assert!(matches!(err, QueryError::Timeout(_)));
        assert_eq!((err.error_type(), err.http_status()), ("timeout", 503));
    }

    #[test]
    fn limits_on_series_and_samples() {
        let s = store();
        let e = parse("m").unwrap();
        assert!(instant_query(&s, &e, 1_000_000, &QueryOptions::default(), None).is_ok());
        let opts = QueryOptions {
            max_series: 10,
            ..QueryOptions::default()
        };
        let err = instant_query(&s, &e, 1_000_000, &opts, None).unwrap_err();
        assert!(err.to_string().contains("max_series"), "{err}");
        // Range functions evaluate series as they are selected: same limit.
        let rate = parse("rate(m[5m])").unwrap();
        let err = range_query(&s, &rate, 0, 1_500_000, 15_000, &opts, None).unwrap_err();
        assert!(err.to_string().contains("max_series"), "{err}");
        let opts = QueryOptions {
            max_samples: 100,
            ..QueryOptions::default()
        };
        let err = range_query(&s, &rate, 0, 1_500_000, 15_000, &opts, None).unwrap_err();
        assert!(err.to_string().contains("too many samples"), "{err}");
    }
}
