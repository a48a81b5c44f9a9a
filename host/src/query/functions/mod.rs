//! The PromQL function library of Prometheus 2.42, dispatched by name.
//! Range-vector functions live in `over_time`; functions of instant vectors
//! and scalars here and in `math`, `label`, `histogram` and `calendar`.
//! Functions the parser knows from later Prometheus versions are refused as
//! unknown, as 2.42 does.

mod calendar;
mod histogram;
mod label;
mod math;
pub(crate) mod over_time;
pub(crate) mod stats;

use crate::query::error::{QueryError, exec};
use crate::query::eval::{Evaluator, merge_same_labels};
use crate::query::selector;
use crate::query::value::{Column, Series, Value};
use crate::storage::metrics::{Labels, LabelsBuilder};
use promql_parser::label::MatchOp;
use promql_parser::parser::{Call, Expr};

/// Evaluates a function call.
pub fn call(ev: &Evaluator, call: &Call) -> Result<Value, QueryError> {
    let name = call.func.name;
    let args = &call.args.args;
    if over_time::range_arg(name).is_some() {
        return over_time::eval(ev, name, args);
    }
    let steps = ev.steps();
    match name {
        "time" => Ok(Value::Scalar(
            (0..steps).map(|i| ev.ts(i) as f64 / 1000.0).collect(),
        )),
        "pi" => Ok(Value::Scalar(vec![std::f64::consts::PI; steps])),
        "vector" => {
            let v = ev.eval_scalar(&args[0])?;
            Ok(Value::Vector(vec![Series {
                labels: Labels::default(),
                values: column_of(&v),
            }]))
        }
        "scalar" => {
            let series = ev.eval_vector(&args[0])?;
            Ok(Value::Scalar(
                (0..steps)
                    .map(|i| {
                        let mut present = series.iter().filter_map(|s| s.values.get(i));
                        match (present.next(), present.next()) {
                            (Some(v), None) => v,
                            _ => f64::NAN,
                        }
                    })
                    .collect(),
            ))
        }
        "absent" => {
            let series = ev.eval_vector(&args[0])?;
            let mut values = Column::absent(steps);
            for i in 0..steps {
                if !series.iter().any(|s| s.values.is_present(i)) {
                    values.set(i, Some(1.0));
                }
            }
            Ok(Value::Vector(if values.any_present() {
                vec![Series {
                    labels: absent_labels(&args[0]),
                    values,
                }]
            } else {
                vec![]
            }))
        }
        "timestamp" => {
            let series = match unwrap_parens(&args[0]) {
                Expr::VectorSelector(vs) => selector::vector_timestamps(ev, vs)?,
                other => {
                    let mut series = ev.eval_vector(other)?;
                    for s in &mut series {
                        s.values.map(|i, _| Some(ev.ts(i) as f64 / 1000.0));
                    }
                    series
                }
            };
            drop_names_and_merge(series)
        }
        "sort" | "sort_desc" => {
            let mut series = ev.eval_vector(&args[0])?;
            sort_by_value(&mut series, name == "sort_desc");
            Ok(Value::Vector(series))
        }
        "label_replace" => label::replace(ev, args),
        "label_join" => label::join(ev, args),
        "histogram_quantile" => histogram::quantile(ev, args),
        "minute" | "hour" | "day_of_week" | "day_of_month" | "day_of_year" | "days_in_month"
        | "month" | "year" => calendar::eval(ev, name, args),
        "round" | "clamp" | "clamp_min" | "clamp_max" => math::with_scalars(ev, name, args),
        _ => match math::unary(name) {
            Some(f) => {
                let mut series = ev.eval_vector(&args[0])?;
                for s in &mut series {
                    s.values.map(|_, v| Some(f(v)));
                }
                drop_names_and_merge(series)
            }
            None => Err(QueryError::BadData(format!(
                "parse error: unknown function with name {name:?}"
            ))),
        },
    }
}

/// A column with every step present.
pub(crate) fn column_of(values: &[f64]) -> Column {
    let mut c = Column::absent(values.len());
    for (i, v) in values.iter().enumerate() {
        c.set(i, Some(*v));
    }
    c
}

/// Drops `__name__` from every series and merges equal label sets (failing
/// when two have a value at the same step).
pub(crate) fn drop_names_and_merge(mut series: Vec<Series>) -> Result<Value, QueryError> {
    for s in &mut series {
        s.labels = s.labels.without_metric_name();
    }
    merge_same_labels(series).map(Value::Vector)
}

fn unwrap_parens(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => unwrap_parens(&p.expr),
        other => other,
    }
}

/// The labels `absent(...)` and `absent_over_time(...)` report: the
/// selector's equality matchers, minus names matched more than once.
pub(crate) fn absent_labels(arg: &Expr) -> Labels {
    let vs = match arg {
        Expr::VectorSelector(vs) => vs,
        Expr::MatrixSelector(ms) => &ms.vs,
        _ => return Labels::default(),
    };
    let mut b = LabelsBuilder::default();
    let mut dropped = Vec::new();
    for m in &vs.matchers.matchers {
        if m.name == "__name__" {
            continue;
        }
        if matches!(m.op, MatchOp::Equal) && b.get(&m.name).is_none() {
            b.set(&m.name, &m.value);
        } else {
            dropped.push(m.name.as_str());
        }
    }
    for name in dropped {
        b.del(name);
    }
    b.build()
}

/// Orders series by their value at the first step (instant queries): `sort`
/// puts NaN last, ascending; `sort_desc` descending with NaN last.
fn sort_by_value(series: &mut [Series], descending: bool) {
    series.sort_by(|a, b| {
        let (x, y) = (a.values.get(0), b.values.get(0));
        let (x, y) = (x.unwrap_or(f64::NAN), y.unwrap_or(f64::NAN));
        match (x.is_nan(), y.is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            _ if descending => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
            _ => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
        }
    });
}

/// Guard for a function argument the engine needs as a string literal.
pub(crate) fn string_arg(ev: &Evaluator, expr: &Expr) -> Result<String, QueryError> {
    match ev.eval(expr)? {
        Value::String(s) => Ok(s),
        other => Err(exec(format!("expected string, got {}", other.type_name()))),
    }
}
