//! Binary operators: arithmetic and comparisons (with `bool`) between
//! scalars and vectors, vector matching (`on`/`ignoring`,
//! `group_left`/`group_right`) and the set operators `and`, `or`, `unless`.
//! Series are matched once by signature; duplicates and many-to-many errors
//! are detected per step, where Prometheus detects them.

use crate::query::error::{QueryError, exec};
use crate::query::eval::{Evaluator, merge_same_labels};
use crate::query::value::{Column, Series, Value};
use crate::storage::metrics::Labels;
use crate::storage::metrics::labels::METRIC_NAME;
use promql_parser::parser::token::{
    T_ADD, T_ATAN2, T_DIV, T_EQLC, T_GTE, T_GTR, T_LAND, T_LOR, T_LSS, T_LTE, T_LUNLESS, T_MOD,
    T_MUL, T_NEQ, T_POW, T_SUB, TokenId,
};
use promql_parser::parser::{BinaryExpr, LabelModifier, VectorMatchCardinality};
use std::collections::HashMap;

/// Evaluates a binary expression.
pub fn eval(ev: &Evaluator, bin: &BinaryExpr) -> Result<Value, QueryError> {
    let op = bin.op.id();
    let return_bool = bin.modifier.as_ref().is_some_and(|m| m.return_bool);
    let lhs = ev.eval(&bin.lhs)?;
    let rhs = ev.eval(&bin.rhs)?;
    match (lhs, rhs) {
        (Value::Scalar(l), Value::Scalar(r)) => Ok(Value::Scalar(
            l.iter()
                .zip(&r)
                .map(|(&a, &b)| {
                    let (v, keep) = apply(op, a, b);
                    if is_comparison(op) {
                        if keep { 1.0 } else { 0.0 }
                    } else {
                        v
                    }
                })
                .collect(),
        )),
        (Value::Vector(v), Value::Scalar(s)) => vector_scalar(op, v, &s, false, return_bool),
        (Value::Scalar(s), Value::Vector(v)) => vector_scalar(op, v, &s, true, return_bool),
        (Value::Vector(l), Value::Vector(r)) => {
            let matching = bin.modifier.as_ref().and_then(|m| m.matching.as_ref());
            if matches!(op, T_LAND | T_LOR | T_LUNLESS) {
                return set_operation(op, l, r, matching, ev.steps()).map(Value::Vector);
            }
            let card = bin
                .modifier
                .as_ref()
                .map_or(VectorMatchCardinality::OneToOne, |m| m.card.clone());
            vector_vector(ev, op, l, r, matching, &card, return_bool).map(Value::Vector)
        }
        (l, r) => Err(exec(format!(
            "binary expression must contain only scalar and instant vector types, got {} and {}",
            l.type_name(),
            r.type_name()
        ))),
    }
}

/// Arithmetic drops the metric name; comparisons and `atan2` keep it.
fn drops_metric_name(op: TokenId) -> bool {
    matches!(op, T_ADD | T_SUB | T_MUL | T_DIV | T_POW | T_MOD)
}

fn is_comparison(op: TokenId) -> bool {
    matches!(op, T_EQLC | T_NEQ | T_GTR | T_LSS | T_GTE | T_LTE)
}

/// `(value, keep)`: the result of `l op r`; comparisons return `l` and
/// whether the comparison holds.
fn apply(op: TokenId, l: f64, r: f64) -> (f64, bool) {
    match op {
        T_ADD => (l + r, true),
        T_SUB => (l - r, true),
        T_MUL => (l * r, true),
        T_DIV => (l / r, true),
        T_POW => (l.powf(r), true),
        T_MOD => (l % r, true),
        T_ATAN2 => (l.atan2(r), true),
        T_EQLC => (l, l == r),
        T_NEQ => (l, l != r),
        T_GTR => (l, l > r),
        T_LSS => (l, l < r),
        T_GTE => (l, l >= r),
        T_LTE => (l, l <= r),
        _ => (f64::NAN, false),
    }
}

fn vector_scalar(
    op: TokenId,
    mut series: Vec<Series>,
    scalar: &[f64],
    scalar_on_left: bool,
    return_bool: bool,
) -> Result<Value, QueryError> {
    let comparison = is_comparison(op);
    for s in &mut series {
        s.values.map(|i, v| {
            let (l, r) = if scalar_on_left {
                (scalar[i], v)
            } else {
                (v, scalar[i])
            };
            let (mut value, keep) = apply(op, l, r);
            if comparison && scalar_on_left {
                value = v;
            }
            if return_bool {
                Some(if keep { 1.0 } else { 0.0 })
            } else {
                keep.then_some(value)
            }
        });
        if drops_metric_name(op) || return_bool {
            s.labels = s.labels.without_metric_name();
        }
    }
    merge_same_labels(series).map(Value::Vector)
}

/// The matching signature of `labels`: the `on` labels, or all but the
/// `ignoring` ones and the metric name.
fn signature(labels: &Labels, matching: Option<&LabelModifier>) -> Labels {
    let mut b = labels.builder();
    match matching {
        Some(LabelModifier::Include(on)) => b.retain(|n| on.labels.iter().any(|k| k == n)),
        Some(LabelModifier::Exclude(ignoring)) => {
            b.retain(|n| n != METRIC_NAME && !ignoring.labels.iter().any(|k| k == n))
        }
        None => b.retain(|n| n != METRIC_NAME),
    };
    b.build()
}

fn set_operation(
    op: TokenId,
    lhs: Vec<Series>,
    rhs: Vec<Series>,
    matching: Option<&LabelModifier>,
    steps: usize,
) -> Result<Vec<Series>, QueryError> {
    // Per signature, the steps at which the other side has any value.
    let mut side_present: HashMap<Labels, Vec<bool>> = HashMap::new();
    let (presence_from, mut out) = match op {
        T_LOR => (&lhs, Vec::new()),
        _ => (&rhs, Vec::new()),
    };
    for s in presence_from {
        let p = side_present
            .entry(signature(&s.labels, matching))
            .or_insert_with(|| vec![false; steps]);
        for (i, _) in s.values.iter() {
            p[i] = true;
        }
    }
    let masked = |mut s: Series, keep_if_present: bool| {
        let p = side_present.get(&signature(&s.labels, matching));
        s.values.map(|i, v| {
            let there = p.is_some_and(|p| p[i]);
            (there == keep_if_present).then_some(v)
        });
        s
    };
    match op {
        T_LAND => out.extend(lhs.into_iter().map(|s| masked(s, true))),
        T_LUNLESS => out.extend(lhs.into_iter().map(|s| masked(s, false))),
        T_LOR => {
            let masked_rhs: Vec<Series> = rhs.into_iter().map(|s| masked(s, false)).collect();
            out.extend(lhs);
            out.extend(masked_rhs);
        }
        _ => unreachable!("caller checked"),
    }
    merge_same_labels(out)
}

/// The labels of a result: the "many" side's labels, minus the name for
/// arithmetic, reduced to the matching labels for one-to-one matching, plus
/// the `group_*` labels copied from the "one" side.
fn result_labels(
    many: &Labels,
    one: &Labels,
    op: TokenId,
    matching: Option<&LabelModifier>,
    card: &VectorMatchCardinality,
    return_bool: bool,
) -> Labels {
    let mut b = many.builder();
    if drops_metric_name(op) || return_bool {
        b.del(METRIC_NAME);
    }
    match card {
        VectorMatchCardinality::OneToOne => match matching {
            Some(LabelModifier::Include(on)) => {
                b.retain(|n| on.labels.iter().any(|k| k == n));
            }
            Some(LabelModifier::Exclude(ignoring)) => {
                b.retain(|n| !ignoring.labels.iter().any(|k| k == n));
            }
            None => {}
        },
        VectorMatchCardinality::ManyToOne(include) | VectorMatchCardinality::OneToMany(include) => {
            for name in &include.labels {
                match one.get(name) {
                    Some(v) => b.set(name, v),
                    None => b.del(name),
                };
            }
        }
        VectorMatchCardinality::ManyToMany => {}
    }
    b.build()
}

/// A label set as Go's `labels.Labels.String()` prints it.
fn go_labels(labels: &Labels) -> String {
    let pairs: Vec<String> = labels
        .iter()
        .map(|(n, v)| format!("{n}={}", serde_json::to_string(v).unwrap_or_default()))
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

type Candidates = (usize, Vec<(usize, usize)>);

fn vector_vector(
    ev: &Evaluator,
    op: TokenId,
    lhs: Vec<Series>,
    rhs: Vec<Series>,
    matching: Option<&LabelModifier>,
    card: &VectorMatchCardinality,
    return_bool: bool,
) -> Result<Vec<Series>, QueryError> {
    let steps = ev.steps();
    let swapped = matches!(card, VectorMatchCardinality::OneToMany(_));
    let (many, one) = if swapped { (rhs, lhs) } else { (lhs, rhs) };
    let one_to_one = matches!(card, VectorMatchCardinality::OneToOne);

    // Signatures of the "one" side and its members.
    let mut sig_index: HashMap<Labels, usize> = HashMap::new();
    let mut sigs: Vec<Labels> = Vec::new();
    let mut one_members: Vec<Vec<usize>> = Vec::new();
    for (n, s) in one.iter().enumerate() {
        let sig = signature(&s.labels, matching);
        let g = *sig_index.entry(sig.clone()).or_insert_with(|| {
            sigs.push(sig);
            one_members.push(Vec::new());
            one_members.len() - 1
        });
        one_members[g].push(n);
    }
    // Each "many" series' group and, per candidate, its output slot.
    let mut out_index: HashMap<Labels, usize> = HashMap::new();
    let mut out: Vec<Series> = Vec::new();
    // Per "many" series: its signature group and (one-side series, output
    // slot) per candidate.
    let mut pairs: Vec<Option<Candidates>> = Vec::with_capacity(many.len());
    for s in &many {
        let Some(&g) = sig_index.get(&signature(&s.labels, matching)) else {
            pairs.push(None);
            continue;
        };
        let candidates = one_members[g]
            .iter()
            .map(|&r| {
                let labels =
                    result_labels(&s.labels, &one[r].labels, op, matching, card, return_bool);
                let slot = *out_index.entry(labels.clone()).or_insert_with(|| {
                    out.push(Series {
                        labels,
                        values: Column::absent(steps),
                    });
                    out.len() - 1
                });
                (r, slot)
            })
            .collect();
        pairs.push(Some((g, candidates)));
    }
    let side = |one_side_is_left: bool| if one_side_is_left { "left" } else { "right" };
    let mut matched_at: Vec<usize> = vec![usize::MAX; sigs.len()];
    let mut written_at: Vec<usize> = vec![usize::MAX; out.len()];
    for i in 0..steps {
        if i % 64 == 0 {
            ev.check("binary operation")?;
        }
        // A step where either side has no sample matches nothing, and
        // Prometheus looks no further: not even for duplicates.
        let has_sample = |side: &[Series]| side.iter().any(|s| s.values.is_present(i));
        if !has_sample(&many) || !has_sample(&one) {
            continue;
        }
        // The "one" side must be unique per signature at every step.
        for (g, members) in one_members.iter().enumerate() {
            let mut present = members.iter().filter(|&&r| one[r].values.is_present(i));
            if let (Some(&first), Some(&second)) = (present.next(), present.next()) {
                return Err(exec(format!(
                    "found duplicate series for the match group {} on the {} hand-side of the operation: [{}, {}];many-to-many matching not allowed: matching labels must be unique on one side",
                    go_labels(&sigs[g]),
                    side(swapped),
                    go_labels(&one[second].labels),
                    go_labels(&one[first].labels),
                )));
            }
        }
        for (m, pair) in pairs.iter().enumerate() {
            let Some((g, candidates)) = pair else {
                continue;
            };
            let Some(mv) = many[m].values.get(i) else {
                continue;
            };
            let Some(&(r, slot)) = candidates
                .iter()
                .find(|(r, _)| one[*r].values.is_present(i))
            else {
                continue;
            };
            let ov = one[r].values.get(i).expect("present");
            let (l, rv) = if swapped { (ov, mv) } else { (mv, ov) };
            let (value, keep) = apply(op, l, rv);
            let value = if return_bool {
                if keep { 1.0 } else { 0.0 }
            } else if !keep {
                continue;
            } else {
                value
            };
            if one_to_one {
                if matched_at[*g] == i {
                    return Err(exec(
                        "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
                    ));
                }
                matched_at[*g] = i;
            }
            if written_at[slot] == i {
                return Err(exec(if one_to_one {
                    "vector cannot contain metrics with the same labelset"
                } else {
                    "multiple matches for labels: grouping labels must ensure unique matches"
                }));
            }
            written_at[slot] = i;
            out[slot].values.set(i, Some(value));
        }
    }
    out.retain(|s| s.values.any_present());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::query::MemStore;
    use crate::query::tests::eval_lines;
    use crate::storage::metrics::Labels;

    fn store() -> MemStore {
        let mut s = MemStore::new();
        let mut add = |pairs: &[(&str, &str)], v: f64| {
            s.add(Labels::new(pairs.iter().copied()).unwrap(), [(0, v)]);
        };
        add(
            &[("__name__", "errors"), ("job", "a"), ("code", "500")],
            2.0,
        );
        add(
            &[("__name__", "errors"), ("job", "a"), ("code", "503")],
            3.0,
        );
        add(
            &[("__name__", "errors"), ("job", "b"), ("code", "500")],
            5.0,
        );
        add(&[("__name__", "total"), ("job", "a")], 10.0);
        add(&[("__name__", "total"), ("job", "b")], 20.0);
        add(&[("__name__", "info"), ("job", "a"), ("team", "mail")], 1.0);
        s
    }

    #[test]
    fn one_to_one_drops_the_name_and_matches_on_labels() {
        let s = store();
        assert_eq!(
            eval_lines(&s, "total / on(job) total", 0).unwrap(),
            [r#"{job="a"} 1"#, r#"{job="b"} 1"#]
        );
        // Comparisons filter; `on` keeps only the matching labels (the name
        // too goes), as in Prometheus.
        assert_eq!(
            eval_lines(&s, "total > on(job) errors{code=\"500\"} * 3", 0).unwrap(),
            [r#"{job="a"} 10"#, r#"{job="b"} 20"#]
        );
        assert_eq!(
            eval_lines(&s, "total > 15", 0).unwrap(),
            [r#"total{job="b"} 20"#]
        );
        assert_eq!(
            eval_lines(&s, "total > bool 15", 0).unwrap(),
            [r#"{job="a"} 0"#, r#"{job="b"} 1"#]
        );
    }

    #[test]
    fn group_left_copies_labels_from_the_one_side() {
        let s = store();
        assert_eq!(
            eval_lines(&s, "errors / ignoring(code) group_left total", 0).unwrap(),
            [
                r#"{code="500", job="a"} 0.2"#,
                r#"{code="500", job="b"} 0.25"#,
                r#"{code="503", job="a"} 0.3"#
            ]
        );
        assert_eq!(
            eval_lines(&s, "total * on(job) group_left(team) info", 0).unwrap(),
            [r#"{job="a", team="mail"} 10"#]
        );
    }

    #[test]
    fn many_to_many_is_an_error() {
        let s = store();
        let err = eval_lines(&s, "errors + on(job) errors", 0).unwrap_err();
        assert!(
            err.to_string()
                .contains("many-to-many matching not allowed"),
            "{err}"
        );
        let err = eval_lines(&s, "errors + ignoring(code) total", 0).unwrap_err();
        assert!(err.to_string().contains("group_left/group_right"), "{err}");
    }

    #[test]
    fn an_empty_side_matches_nothing_without_looking_for_duplicates() {
        let s = store();
        // The right side has duplicates, but the left side is empty (and
        // the other way round): Prometheus answers empty, not an error.
        for expr in [
            "missing + on(job) errors",
            "errors + on(job) missing",
            "errors{code=\"404\"} > on(job) group_left () errors",
        ] {
            assert_eq!(
                eval_lines(&s, expr, 0).unwrap(),
                Vec::<String>::new(),
                "{expr}"
            );
        }
    }

    #[test]
    fn set_operators() {
        let s = store();
        assert_eq!(
            eval_lines(&s, "total and on(job) info", 0).unwrap(),
            [r#"total{job="a"} 10"#]
        );
        assert_eq!(
            eval_lines(&s, "total unless on(job) info", 0).unwrap(),
            [r#"total{job="b"} 20"#]
        );
        assert_eq!(eval_lines(&s, "info or on(job) total", 0).unwrap().len(), 2);
    }
}
