//! Vector aggregations over an instant vector (`sum`, `avg`, `count`, `min`,
//! `max`, `stddev`, `stdvar`, `topk`, `bottomk`, `sort`, `sort_desc`) and
//! `label_replace`, with Loki's (Prometheus') semantics: `by` keeps only the
//! listed labels, `without` drops them, no grouping yields one label-less
//! series; `topk`/`bottomk` keep the input labels, per group, in value order.

use crate::ast::{Grouping, LabelReplace, VectorAggregation, VectorOp};
use crate::error::EvalError;
use crate::labels::Labels;

/// One sample of an instant vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The series.
    pub labels: Labels,
    /// The value.
    pub value: f64,
}

impl Sample {
    /// A sample from its parts.
    pub fn new(labels: Labels, value: f64) -> Self {
        Self { labels, value }
    }
}

/// Applies a vector aggregation node to its evaluated input.
pub fn vector_aggregate(agg: &VectorAggregation, input: Vec<Sample>) -> Vec<Sample> {
    aggregate(agg.op, agg.param, agg.grouping.as_ref(), input)
}

/// The group key of a series.
fn group_labels(labels: &Labels, grouping: Option<&Grouping>) -> Labels {
    match grouping {
        None => Labels::new(),
        Some(g) if g.without => {
            let mut l = labels.clone();
            l.remove_all(&g.labels);
            l
        }
        Some(g) => {
            let mut l = labels.clone();
            l.keep_only(&g.labels);
            l
        }
    }
}

struct Group {
    labels: Labels,
    value: f64,
    mean: f64,
    count: f64,
    heap: Vec<Sample>,
}

/// Aggregates `input`; groups come out in order of first appearance.
pub fn aggregate(
    op: VectorOp,
    param: Option<i64>,
    grouping: Option<&Grouping>,
    input: Vec<Sample>,
) -> Vec<Sample> {
    match op {
        VectorOp::Sort | VectorOp::SortDesc => return sort(input, op == VectorOp::SortDesc),
        _ => {}
    }
    let k = param.unwrap_or(0).max(0) as usize;
    let mut groups: Vec<Group> = Vec::new();
    let mut index: std::collections::HashMap<Labels, usize> = std::collections::HashMap::new();
    for s in input {
        let key = group_labels(&s.labels, grouping);
        let i = *index.entry(key.clone()).or_insert_with(|| {
            groups.push(Group {
                labels: key,
                value: s.value,
                mean: s.value,
                count: 0.0,
                heap: Vec::new(),
            });
            groups.len() - 1
        });
        let g = &mut groups[i];
        let first = g.count == 0.0;
        g.count += 1.0;
        match op {
            VectorOp::Sum if !first => g.value += s.value,
            VectorOp::Max if !first && (g.value < s.value || g.value.is_nan()) => g.value = s.value,
            VectorOp::Min if !first && (g.value > s.value || g.value.is_nan()) => g.value = s.value,
            VectorOp::Avg if !first => {
                if g.mean.is_infinite() {
                    if s.value.is_infinite() && (g.mean > 0.0) == (s.value > 0.0) {
                        continue;
                    }
                    if !s.value.is_infinite() && !s.value.is_nan() {
                        continue;
                    }
                }
                g.mean += s.value / g.count - g.mean / g.count;
            }
            VectorOp::Stddev | VectorOp::Stdvar => {
                if first {
                    g.mean = 0.0;
                    g.value = 0.0;
                }
                let delta = s.value - g.mean;
                g.mean += delta / g.count;
                g.value += delta * (s.value - g.mean);
            }
            VectorOp::Topk => heap_offer(&mut g.heap, k, s, |a, b| a.is_nan() || a < b),
            VectorOp::Bottomk => heap_offer(&mut g.heap, k, s, |a, b| a.is_nan() || a > b),
            _ => {}
        }
    }
    let mut out = Vec::with_capacity(groups.len());
    for mut g in groups {
        match op {
            VectorOp::Topk | VectorOp::Bottomk => {
                let desc = op == VectorOp::Topk;
                g.heap.sort_by(|a, b| {
                    let o = cmp_nan_low(a.value, b.value);
                    if desc { o.reverse() } else { o }
                });
                out.extend(g.heap);
                continue;
            }
            VectorOp::Avg => g.value = g.mean,
            VectorOp::Count => g.value = g.count,
            VectorOp::Stdvar => g.value /= g.count,
            VectorOp::Stddev => g.value = (g.value / g.count).sqrt(),
            _ => {}
        }
        out.push(Sample {
            labels: g.labels,
            value: g.value,
        });
    }
    out
}

/// NaN below everything (Prometheus' value heaps).
fn cmp_nan_low(a: f64, b: f64) -> std::cmp::Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        _ => a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
    }
}

/// Keeps the best `k` samples in a binary heap whose top is the worst kept
/// one, exactly as Prometheus' `topk`/`bottomk` use Go's `container/heap`
/// (so ties resolve the same way): `less` orders the heap (NaN first, then
/// the worst kept value on top), a new sample replaces the top when `less(top,
/// new)` holds strictly (or the top is NaN and the new one not).
fn heap_offer(heap: &mut Vec<Sample>, k: usize, s: Sample, less: impl Fn(f64, f64) -> bool) {
    if heap.len() < k {
        heap.push(s);
        let mut j = heap.len() - 1;
        while j > 0 {
            let i = (j - 1) / 2;
            if !less(heap[j].value, heap[i].value) {
                break;
            }
            heap.swap(i, j);
            j = i;
        }
        return;
    }
    let top = heap.first().map_or(f64::NAN, |h| h.value);
    let replace = (!top.is_nan() && !s.value.is_nan() && less(top, s.value))
        || (top.is_nan() && !s.value.is_nan());
    if k == 0 || !replace {
        return;
    }
    heap[0] = s;
    let n = heap.len();
    let mut i = 0;
    loop {
        let left = 2 * i + 1;
        if left >= n {
            break;
        }
        let mut j = left;
        if left + 1 < n && less(heap[left + 1].value, heap[left].value) {
            j = left + 1;
        }
        if !less(heap[j].value, heap[i].value) {
            break;
        }
        heap.swap(i, j);
        i = j;
    }
}

/// `sort` / `sort_desc`: stable, NaN last.
fn sort(mut input: Vec<Sample>, desc: bool) -> Vec<Sample> {
    input.sort_by(|a, b| match (a.value.is_nan(), b.value.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Greater,
        (false, true) => std::cmp::Ordering::Less,
        _ if desc => b
            .value
            .partial_cmp(&a.value)
            .unwrap_or(std::cmp::Ordering::Equal),
        _ => a
            .value
            .partial_cmp(&b.value)
            .unwrap_or(std::cmp::Ordering::Equal),
    });
    input
}

/// `label_replace`: where `regex` (anchored) matches the value of `src`,
/// sets `dst` to the expanded replacement (`$1`, `${name}`); an empty result
/// removes `dst`.
pub fn label_replace(lr: &LabelReplace, input: Vec<Sample>) -> Result<Vec<Sample>, EvalError> {
    let re = watchpost_goregex::compile_anchored(&lr.regex)
        .map_err(|e| EvalError::LabelReplace(format!("invalid regex in label_replace: {e}")))?;
    if !crate::pipeline::parsers::is_valid_label_name(&lr.dst) {
        return Err(EvalError::LabelReplace(format!(
            "invalid destination label name in label_replace(): {}",
            lr.dst
        )));
    }
    Ok(input
        .into_iter()
        .map(|mut s| {
            let src = s.labels.get(&lr.src).unwrap_or("").to_string();
            if let Some(caps) = re.captures(&src) {
                let mut value = String::new();
                caps.expand(&lr.replacement, &mut value);
                if value.is_empty() {
                    s.labels.remove(&lr.dst);
                } else {
                    s.labels.set(lr.dst.clone(), value);
                }
            }
            s
        })
        .collect())
}
