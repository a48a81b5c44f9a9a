//! Aggregations (`sum avg min max count group stddev stdvar topk bottomk
//! quantile count_values`, with `by`/`without`). Series are assigned to
//! their group once; each group is then folded with its members' values in
//! input order at every step, as Prometheus does (`sum min max count group`
//! read one member's column after another, the others step by step).

use crate::query::error::{QueryError, exec};
use crate::query::eval::Evaluator;
use crate::query::functions::stats::{incremental_mean, quantile};
use crate::query::functions::string_arg;
use crate::query::value::{Column, Series, Value};
use crate::storage::metrics::Labels;
use crate::storage::metrics::labels::{METRIC_NAME, valid_label_name};
use promql_parser::parser::token::TokenId;
use promql_parser::parser::token::{
    T_AVG, T_BOTTOMK, T_COUNT, T_COUNT_VALUES, T_GROUP, T_MAX, T_MIN, T_QUANTILE, T_STDDEV,
    T_STDVAR, T_SUM, T_TOPK,
};
use promql_parser::parser::{AggregateExpr, LabelModifier};
use rayon::prelude::*;
use std::collections::HashMap;

/// Evaluates an aggregation.
pub fn eval(ev: &Evaluator, agg: &AggregateExpr) -> Result<Value, QueryError> {
    let op = agg.op.id();
    let steps = ev.steps();
    if !matches!(
        op,
        T_SUM
            | T_AVG
            | T_MIN
            | T_MAX
            | T_COUNT
            | T_GROUP
            | T_STDDEV
            | T_STDVAR
            | T_TOPK
            | T_BOTTOMK
            | T_QUANTILE
            | T_COUNT_VALUES
    ) {
        return Err(QueryError::BadData(format!(
            "parse error: unknown aggregation {}",
            agg.op
        )));
    }
    if op == T_COUNT_VALUES {
        let param = agg
            .param
            .as_ref()
            .ok_or_else(|| exec("count_values needs a label"))?;
        let label = string_arg(ev, param)?;
        if !valid_label_name(&label) {
            return Err(exec(format!("invalid label name {label:?}")));
        }
        let series = ev.eval_vector(&agg.expr)?;
        return Ok(Value::Vector(count_values(
            &series,
            agg.modifier.as_ref(),
            &label,
            steps,
        )));
    }
    let param = match (&agg.param, op) {
        (Some(p), T_TOPK | T_BOTTOMK | T_QUANTILE) => Some(ev.eval_scalar(p)?),
        _ => None,
    };
    let series = ev.eval_vector(&agg.expr)?;
    let (keys, members) = group(&series, agg.modifier.as_ref(), |l| l.clone());
    if op == T_TOPK || op == T_BOTTOMK {
        let param = param.expect("parsed above");
        return top_k(&series, &members, &param, op == T_TOPK).map(Value::Vector);
    }
    // Groups are independent: folded in parallel, each exactly as alone.
    let out = keys
        .into_par_iter()
        .zip(members)
        .map(|(key, members)| fold_group(op, &series, key, &members, param.as_deref(), steps))
        .collect();
    Ok(Value::Vector(out))
}

/// One group of an aggregation other than `topk`, `bottomk` and
/// `count_values`: its members (indexes into `series`) folded at each step.
fn fold_group(
    op: TokenId,
    series: &[Series],
    key: Labels,
    members: &[usize],
    param: Option<&[f64]>,
    steps: usize,
) -> Series {
    let (s, m) = (series, members);
    let folded = match op {
        T_SUM => Some(fold_members(s, m, steps, |v| v, |a, v| a + v)),
        T_MIN => Some(fold_members(
            s,
            m,
            steps,
            |v| v,
            |a, v| {
                if a > v || a.is_nan() { v } else { a }
            },
        )),
        T_MAX => Some(fold_members(
            s,
            m,
            steps,
            |v| v,
            |a, v| {
                if a < v || a.is_nan() { v } else { a }
            },
        )),
        T_COUNT => Some(fold_members(s, m, steps, |_| 1.0, |a, _| a + 1.0)),
        T_GROUP => Some(fold_members(s, m, steps, |_| 1.0, |_, _| 1.0)),
        _ => None,
    };
    let values = folded.unwrap_or_else(|| {
        let mut values = Column::absent(steps);
        let mut scratch = Vec::new();
        for i in 0..steps {
            let mut present = members.iter().filter_map(|&m| series[m].values.get(i));
            let Some(first) = present.next() else {
                continue;
            };
            let v = match op {
                T_AVG => incremental_mean(std::iter::once(first).chain(present)),
                T_STDVAR | T_STDDEV => {
                    let var = variance(first, present);
                    if op == T_STDDEV { var.sqrt() } else { var }
                }
                T_QUANTILE => {
                    scratch.clear();
                    scratch.push(first);
                    scratch.extend(present);
                    quantile(param.expect("parsed above")[i], &mut scratch)
                }
                _ => unreachable!("checked above; the others fold by member"),
            };
            values.set(i, Some(v));
        }
        values
    });
    Series {
        labels: key,
        values,
    }
}

/// Folds each step's values over `members`: `first` of the first present
/// value, then `next(acc, value)` for the rest in member order, as folding
/// step by step does, but reading one member's column after another, in
/// order in memory, instead of every member at every step.
fn fold_members(
    series: &[Series],
    members: &[usize],
    steps: usize,
    first: impl Fn(f64) -> f64,
    next: impl Fn(f64, f64) -> f64,
) -> Column {
    let mut acc = Column::absent(steps);
    for &m in members {
        let column = &series[m].values;
        for i in 0..steps {
            if let Some(v) = column.get(i) {
                let folded = match acc.get(i) {
                    None => first(v),
                    Some(a) => next(a, v),
                };
                acc.set(i, Some(folded));
            }
        }
    }
    acc
}

/// Group keys in order of first appearance and each group's members.
fn group(
    series: &[Series],
    modifier: Option<&LabelModifier>,
    labels_of: impl Fn(&Labels) -> Labels,
) -> (Vec<Labels>, Vec<Vec<usize>>) {
    let mut index: HashMap<Labels, usize> = HashMap::new();
    let mut keys = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (n, s) in series.iter().enumerate() {
        let key = grouping_key(&labels_of(&s.labels), modifier);
        let g = *index.entry(key.clone()).or_insert_with(|| {
            keys.push(key);
            members.push(Vec::new());
            members.len() - 1
        });
        members[g].push(n);
    }
    (keys, members)
}

/// The labels of `labels`' group: `by` keeps the listed ones, `without`
/// drops them and the metric name, no clause keeps nothing.
pub fn grouping_key(labels: &Labels, modifier: Option<&LabelModifier>) -> Labels {
    match modifier {
        None => Labels::default(),
        Some(LabelModifier::Include(names)) => {
            let mut b = labels.builder();
            b.retain(|n| names.labels.iter().any(|k| k == n));
            b.build()
        }
        Some(LabelModifier::Exclude(names)) => {
            let mut b = labels.builder();
            b.retain(|n| n != METRIC_NAME && !names.labels.iter().any(|k| k == n));
            b.build()
        }
    }
}

/// Welford's population variance.
fn variance(first: f64, rest: impl Iterator<Item = f64>) -> f64 {
    // Started from the first value, as Prometheus does: a group of one is 0
    // even when its value is NaN or infinite.
    let (mut count, mut mean, mut m2) = (1.0f64, first, 0.0f64);
    for v in rest {
        count += 1.0;
        let delta = v - mean;
        mean += delta / count;
        m2 += delta * (v - mean);
    }
    m2 / count
}

/// `topk`/`bottomk`: per group and step, the `k` largest (smallest) values;
/// the output keeps the selected series' own labels.
fn top_k(
    series: &[Series],
    members: &[Vec<usize>],
    k: &[f64],
    top: bool,
) -> Result<Vec<Series>, QueryError> {
    let steps = k.len();
    let mut selected: Vec<Column> = series.iter().map(|_| Column::absent(steps)).collect();
    // Output order for instant queries: groups in order, each by rank.
    let mut order: Vec<usize> = Vec::new();
    let mut candidates: Vec<(f64, usize)> = Vec::new();
    for (i, &kf) in k.iter().enumerate() {
        if kf.is_nan() || !(-9.223_372_036_854_776e18..=9.223_372_036_854_776e18).contains(&kf) {
            return Err(exec(format!(
                "Scalar value {} overflows int64",
                crate::query::json::value(kf)
            )));
        }
        let k = kf as i64;
        if k < 1 {
            continue;
        }
        for group in members {
            candidates.clear();
            candidates.extend(
                group
                    .iter()
                    .filter_map(|&m| series[m].values.get(i).map(|v| (v, m))),
            );
            candidates.sort_by(|a, b| {
                // NaN always ranks last.
                match (a.0.is_nan(), b.0.is_nan()) {
                    (true, true) => std::cmp::Ordering::Equal,
                    (true, false) => std::cmp::Ordering::Greater,
                    (false, true) => std::cmp::Ordering::Less,
                    _ if top => b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal),
                    _ => a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal),
                }
            });
            for &(v, m) in candidates
                .iter()
                .take(k.min(candidates.len() as i64) as usize)
            {
                selected[m].set(i, Some(v));
                if i == 0 {
                    order.push(m);
                }
            }
        }
    }
    if steps == 1 {
        return Ok(order
            .into_iter()
            .map(|m| Series {
                labels: series[m].labels.clone(),
                values: selected[m].clone(),
            })
            .collect());
    }
    Ok(series
        .iter()
        .zip(selected)
        .filter(|(_, c)| c.any_present())
        .map(|(s, values)| Series {
            labels: s.labels.clone(),
            values,
        })
        .collect())
}

/// `count_values(label, v)`: per group, how many series have each value.
fn count_values(
    series: &[Series],
    modifier: Option<&LabelModifier>,
    label: &str,
    steps: usize,
) -> Vec<Series> {
    let modifier = match modifier {
        Some(LabelModifier::Include(names)) => {
            let mut names = names.clone();
            names.labels.push(label.to_string());
            Some(LabelModifier::Include(names))
        }
        Some(other) => Some(other.clone()),
        None => Some(LabelModifier::Include(promql_parser::label::Labels::new(
            vec![label],
        ))),
    };
    let mut index: HashMap<Labels, usize> = HashMap::new();
    let mut out: Vec<Series> = Vec::new();
    for s in series {
        for (i, v) in s.values.iter() {
            let mut b = s.labels.builder();
            b.set(label, &crate::query::json::value(v));
            let key = grouping_key(&b.build(), modifier.as_ref());
            let g = *index.entry(key.clone()).or_insert_with(|| {
                out.push(Series {
                    labels: key,
                    values: Column::absent(steps),
                });
                out.len() - 1
            });
            let c = &mut out[g].values;
            c.set(i, Some(c.get(i).unwrap_or(0.0) + 1.0));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::query::MemStore;
    use crate::query::tests::eval_lines;
    use crate::storage::metrics::Labels;

    fn store() -> MemStore {
        let mut s = MemStore::new();
        for (job, inst, v) in [
            ("a", "1", 1.0),
            ("a", "2", 3.0),
            ("b", "1", 10.0),
            ("b", "2", f64::NAN),
        ] {
            s.add(
                Labels::new([("__name__", "x"), ("job", job), ("instance", inst)]).unwrap(),
                [(0, v)],
            );
        }
        s
    }

    #[test]
    fn grouping_by_and_without() {
        let s = store();
        assert_eq!(
            eval_lines(&s, "sum by (job) (x{job=\"a\"})", 0).unwrap(),
            [r#"{job="a"} 4"#]
        );
        assert_eq!(
            eval_lines(&s, "count without (instance) (x)", 0).unwrap(),
            [r#"{job="a"} 2"#, r#"{job="b"} 2"#]
        );
        assert_eq!(eval_lines(&s, "avg(x{job=\"a\"})", 0).unwrap(), [r#"{} 2"#]);
        assert_eq!(
            eval_lines(&s, "stddev(x{job=\"a\"})", 0).unwrap(),
            [r#"{} 1"#]
        );
        assert_eq!(
            eval_lines(&s, "quantile(0.5, x{job=\"a\"})", 0).unwrap(),
            [r#"{} 2"#]
        );
    }

    #[test]
    fn a_group_of_one_has_no_deviation_whatever_its_value() {
        let mut s = MemStore::new();
        for (i, v) in [f64::NAN, f64::INFINITY, -2.5].into_iter().enumerate() {
            let instance = i.to_string();
            s.add(
                Labels::new([("__name__", "y"), ("instance", instance.as_str())]).unwrap(),
                [(0, v)],
            );
        }
        for op in ["stddev", "stdvar"] {
            assert_eq!(
                eval_lines(&s, &format!("{op} by (instance) (y)"), 0).unwrap(),
                [
                    r#"{instance="0"} 0"#,
                    r#"{instance="1"} 0"#,
                    r#"{instance="2"} 0"#
                ],
                "{op}"
            );
            // Two or more: NaN and infinities still poison the result.
            assert_eq!(
                eval_lines(&s, &format!("{op}(y)"), 0).unwrap(),
                [r#"{} NaN"#],
                "{op}"
            );
        }
    }

    #[test]
    fn nan_never_wins_min_or_max_but_poisons_sum() {
        let s = store();
        assert_eq!(
            eval_lines(&s, "max by (job) (x)", 0).unwrap()[1],
            r#"{job="b"} 10"#
        );
        assert_eq!(
            eval_lines(&s, "min by (job) (x)", 0).unwrap()[1],
            r#"{job="b"} 10"#
        );
        assert_eq!(
            eval_lines(&s, "sum by (job) (x)", 0).unwrap()[1],
            r#"{job="b"} NaN"#
        );
    }

    #[test]
    fn topk_keeps_series_labels_and_ranks() {
        let s = store();
        assert_eq!(
            eval_lines(&s, "topk(2, x)", 0).unwrap(),
            [
                r#"x{instance="1", job="b"} 10"#,
                r#"x{instance="2", job="a"} 3"#
            ]
        );
        assert_eq!(
            eval_lines(&s, "count_values(\"v\", x{job=\"a\"})", 0).unwrap(),
            [r#"{v="1"} 1"#, r#"{v="3"} 1"#]
        );
    }
}
