//! `histogram_quantile(q, buckets)` over classic histograms: the `_bucket`
//! series of each label set (without `le`) form one histogram per step; the
//! quantile is interpolated linearly inside the bucket it falls in, exactly
//! as Prometheus 2.42 does (coalescing equal bounds, forcing monotonicity).

use crate::query::error::QueryError;
use crate::query::eval::{Evaluator, merge_same_labels};
use crate::query::value::{Column, Series, Value};
use crate::storage::metrics::Labels;
use promql_parser::parser::Expr;
use std::collections::HashMap;

/// Evaluates `histogram_quantile`.
pub fn quantile(ev: &Evaluator, args: &[Box<Expr>]) -> Result<Value, QueryError> {
    let q = ev.eval_scalar(&args[0])?;
    let series = ev.eval_vector(&args[1])?;
    let mut index: HashMap<Labels, usize> = HashMap::new();
    let mut groups: Vec<(Labels, Vec<(f64, usize)>)> = Vec::new();
    for (n, s) in series.iter().enumerate() {
        let Some(upper) = s.labels.get("le").and_then(parse_go_float) else {
            continue;
        };
        // Grouped by all labels but `le` (so histograms of two names stay
        // apart and then collide without their names, as in Prometheus).
        let mut b = s.labels.builder();
        b.del("le");
        let key = b.build();
        let g = *index.entry(key.clone()).or_insert_with(|| {
            groups.push((key.without_metric_name(), Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push((upper, n));
    }
    let steps = ev.steps();
    let mut out = Vec::with_capacity(groups.len());
    let mut buckets: Vec<(f64, f64)> = Vec::new();
    for (labels, members) in groups {
        let mut values = Column::absent(steps);
        for (i, &qi) in q.iter().enumerate() {
            buckets.clear();
            buckets.extend(
                members
                    .iter()
                    .filter_map(|&(upper, n)| series[n].values.get(i).map(|c| (upper, c))),
            );
            if !buckets.is_empty() {
                values.set(i, Some(bucket_quantile(qi, &mut buckets)));
            }
        }
        if values.any_present() {
            out.push(Series { labels, values });
        }
    }
    merge_same_labels(out).map(Value::Vector)
}

/// Parses a bucket bound as Go's `strconv.ParseFloat` does for the usual
/// spellings (`+Inf`, `1e3`, `0.5`).
fn parse_go_float(s: &str) -> Option<f64> {
    s.trim_start_matches('+').parse::<f64>().ok().or_else(|| {
        match s.to_ascii_lowercase().as_str() {
            "+inf" | "inf" | "+infinity" | "infinity" => Some(f64::INFINITY),
            "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        }
    })
}

/// The quantile of one histogram given as `(upper bound, cumulative count)`.
pub fn bucket_quantile(q: f64, buckets: &mut [(f64, f64)]) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    if buckets.last().is_none_or(|b| b.0 != f64::INFINITY) {
        return f64::NAN;
    }
    // Coalesce equal bounds.
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(buckets.len());
    for &(upper, count) in buckets.iter() {
        match merged.last_mut() {
            Some(last) if last.0 == upper => last.1 += count,
            _ => merged.push((upper, count)),
        }
    }
    // Force monotonic counts.
    let mut max = f64::NEG_INFINITY;
    for b in &mut merged {
        if b.1 > max {
            max = b.1;
        } else if b.1 < max {
            b.1 = max;
        }
    }
    if merged.len() < 2 {
        return f64::NAN;
    }
    let observations = merged[merged.len() - 1].1;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let b = merged[..merged.len() - 1].partition_point(|b| b.1 < rank);
    if b == merged.len() - 1 {
        return merged[merged.len() - 2].0;
    }
    if b == 0 && merged[0].0 <= 0.0 {
        return merged[0].0;
    }
    let (mut start, end, mut count) = (0.0, merged[b].0, merged[b].1);
    if b > 0 {
        start = merged[b - 1].0;
        count -= merged[b - 1].1;
        rank -= merged[b - 1].1;
    }
    start + (end - start) * (rank / count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_inside_the_bucket() {
        let mut b = vec![(f64::INFINITY, 100.0), (0.1, 50.0), (0.5, 90.0)];
        // rank 50 → exactly the 0.1 bucket's count.
        assert!((bucket_quantile(0.5, &mut b.clone()) - 0.1).abs() < 1e-12);
        // rank 70 → halfway through (0.1, 0.5].
        assert!((bucket_quantile(0.7, &mut b) - 0.3).abs() < 1e-12);
        assert!(bucket_quantile(0.5, &mut [(1.0, 3.0)]).is_nan());
        assert_eq!(parse_go_float("+Inf"), Some(f64::INFINITY));
    }
}
