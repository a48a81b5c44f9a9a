//! Binary operators over instant vectors and scalars with Loki's semantics:
//! Prometheus' vector matching (`on`/`ignoring`, `group_left`/`group_right`,
//! signatures, duplicate checks), comparisons that filter unless `bool`
//! (keeping the vector side's value), set operators, and Loki's own choice
//! that `x / 0` and `x % 0` are NaN.

use std::collections::{HashMap, HashSet};

use crate::aggregate::Sample;
use crate::ast::{BinModifier, BinOp, Cardinality};
use crate::error::EvalError;
use crate::labels::Labels;

/// An operand or result: a scalar (a literal) or an instant vector.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number.
    Scalar(f64),
    /// Samples.
    Vector(Vec<Sample>),
}

/// Applies `op` to two numbers. For comparisons, `filter` (no `bool`) turns
/// a false result into `None`; otherwise comparisons give 0 or 1.
pub fn scalar_op(op: BinOp, l: f64, r: f64, filter: bool) -> Option<f64> {
    let cmp = |b: bool| {
        if b {
            Some(1.0)
        } else if filter {
            None
        } else {
            Some(0.0)
        }
    };
    match op {
        BinOp::Add => Some(l + r),
        BinOp::Sub => Some(l - r),
        BinOp::Mul => Some(l * r),
        BinOp::Div => Some(if r == 0.0 { f64::NAN } else { l / r }),
        BinOp::Mod => Some(if r == 0.0 { f64::NAN } else { l % r }),
        BinOp::Pow => Some(l.powf(r)),
        BinOp::Eq => cmp(l == r),
        BinOp::Neq => cmp(l != r),
        BinOp::Gt => cmp(l > r),
        BinOp::Gte => cmp(l >= r),
        BinOp::Lt => cmp(l < r),
        BinOp::Lte => cmp(l <= r),
        BinOp::And | BinOp::Or | BinOp::Unless => None,
    }
}

/// Applies a binary operation node's operator and modifiers.
pub fn binary(
    op: BinOp,
    modifier: &BinModifier,
    lhs: Value,
    rhs: Value,
) -> Result<Value, EvalError> {
    let filter = !modifier.return_bool;
    match (lhs, rhs) {
        (Value::Scalar(l), Value::Scalar(r)) => {
            if op.is_set() {
                return Err(EvalError::SetOperandScalar(op.name().into()));
            }
            Ok(Value::Scalar(scalar_op(op, l, r, false).unwrap_or(0.0)))
        }
        (Value::Vector(v), Value::Scalar(s)) => vector_scalar(op, v, s, false, filter),
        (Value::Scalar(s), Value::Vector(v)) => vector_scalar(op, v, s, true, filter),
        (Value::Vector(l), Value::Vector(r)) => match op {
            BinOp::And => Ok(Value::Vector(and_unless(l, &r, modifier, true))),
            BinOp::Unless => Ok(Value::Vector(and_unless(l, &r, modifier, false))),
            BinOp::Or => Ok(Value::Vector(or(l, r, modifier))),
            _ => vector_vector(op, modifier, l, r, filter).map(Value::Vector),
        },
    }
}

/// Vector with a scalar; `scalar_left` when the scalar is the left operand.
/// A comparison that passes keeps the vector's value (unless `bool`).
fn vector_scalar(
    op: BinOp,
    v: Vec<Sample>,
    s: f64,
    scalar_left: bool,
    filter: bool,
) -> Result<Value, EvalError> {
    if op.is_set() {
        return Err(EvalError::SetOperandScalar(op.name().into()));
    }
    let out = v
        .into_iter()
        .filter_map(|mut sample| {
            let (l, r) = if scalar_left {
                (s, sample.value)
            } else {
                (sample.value, s)
            };
            let res = scalar_op(op, l, r, filter && op.is_comparison())?;
            if !(op.is_comparison() && filter) {
                sample.value = res;
            }
            Some(sample)
        })
        .collect();
    Ok(Value::Vector(out))
}

fn signature(l: &Labels, m: &BinModifier) -> Labels {
    l.matching_key(&m.matching_labels, m.on)
}

/// Arithmetic and comparisons between two vectors.
fn vector_vector(
    op: BinOp,
    m: &BinModifier,
    lhs: Vec<Sample>,
    rhs: Vec<Sample>,
    filter: bool,
) -> Result<Vec<Sample>, EvalError> {
    // group_right: match from the right side, swap back before applying op.
    let swapped = m.card == Cardinality::OneToMany;
    let (many, one) = if swapped { (rhs, lhs) } else { (lhs, rhs) };
    let mut one_by_sig: HashMap<Labels, Sample> = HashMap::with_capacity(one.len());
    for s in one {
        let sig = signature(&s.labels, m);
        if one_by_sig.contains_key(&sig) {
            let side = if swapped { "left" } else { "right" };
            return Err(EvalError::DuplicateSeries { side });
        }
        one_by_sig.insert(sig, s);
    }
    let mut matched: HashMap<Labels, HashSet<Labels>> = HashMap::new();
    let mut out = Vec::new();
    for s in many {
        let sig = signature(&s.labels, m);
        let Some(other) = one_by_sig.get(&sig) else {
            continue;
        };
        let labels = result_labels(&s.labels, &other.labels, m);
        let (l, r) = if swapped {
            (other.value, s.value)
        } else {
            (s.value, other.value)
        };
        let Some(res) = scalar_op(op, l, r, filter && op.is_comparison()) else {
            continue;
        };
        let value = if op.is_comparison() && filter { l } else { res };
        let seen = matched.entry(sig).or_default();
        if m.card == Cardinality::OneToOne {
            if !seen.is_empty() {
                return Err(EvalError::ManyToOneImplicit);
            }
        } else if seen.contains(&labels) {
            return Err(EvalError::NonUniqueGrouping);
        }
        seen.insert(labels.clone());
        out.push(Sample { labels, value });
    }
    Ok(out)
}

/// Prometheus' `resultMetric`: one-to-one keeps the `on` labels (or drops the
/// `ignoring` ones); `group_x (labels)` copies labels from the "one" side.
fn result_labels(many: &Labels, one: &Labels, m: &BinModifier) -> Labels {
    let mut out = many.clone();
    if m.card == Cardinality::OneToOne {
        if m.on {
            out.keep_only(&m.matching_labels);
        } else {
            out.remove_all(&m.matching_labels);
        }
    }
    for name in &m.include {
        match one.get(name) {
            Some(v) if !v.is_empty() => out.set(name.clone(), v.to_string()),
            _ => {
                out.remove(name);
            }
        }
    }
    out
}

/// `and` (keep left samples with a match) and `unless` (without a match).
fn and_unless(
    lhs: Vec<Sample>,
    rhs: &[Sample],
    m: &BinModifier,
    keep_matched: bool,
) -> Vec<Sample> {
    let sigs: HashSet<Labels> = rhs.iter().map(|s| signature(&s.labels, m)).collect();
    lhs.into_iter()
        .filter(|s| sigs.contains(&signature(&s.labels, m)) == keep_matched)
        .collect()
}

/// `or`: every left sample, then the right ones whose signature the left lacks.
fn or(lhs: Vec<Sample>, rhs: Vec<Sample>, m: &BinModifier) -> Vec<Sample> {
    let sigs: HashSet<Labels> = lhs.iter().map(|s| signature(&s.labels, m)).collect();
    let mut out = lhs;
    out.extend(
        rhs.into_iter()
            .filter(|s| !sigs.contains(&signature(&s.labels, m))),
    );
    out
}
