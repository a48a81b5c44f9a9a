//! Numeric helpers shared by functions and aggregations, matching
//! Prometheus' arithmetic: compensated (Kahan–Neumaier) sums, the
//! `quantile` interpolation, and Go's `math.Max`/`math.Min` NaN rules.

/// One step of a Kahan–Neumaier sum: returns the new sum and compensation.
#[inline]
pub fn kahan_inc(inc: f64, sum: f64, c: f64) -> (f64, f64) {
    let t = sum + inc;
    let c = if sum.abs() >= inc.abs() {
        c + ((sum - t) + inc)
    } else {
        c + ((inc - t) + sum)
    };
    (t, c)
}

/// The `q`-quantile of `values` with linear interpolation between closest
/// ranks (sorts `values`).
pub fn quantile(q: f64, values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    values.sort_by(|a, b| {
        // NaNs first, as Go's sort with `a < b || (isNaN(a) && !isNaN(b))`.
        match (a.is_nan(), b.is_nan()) {
            (true, false) => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
            _ => a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal),
        }
    });
    let n = values.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0);
    let upper = (lower + 1.0).min(n - 1.0);
    let weight = rank - rank.floor();
    values[lower as usize] * (1.0 - weight) + values[upper as usize] * weight
}

/// `sum_over_time` as Prometheus computes it: a compensated sum (an
/// infinite sum is returned as is, not plus its NaN compensation).
pub fn compensated_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut sum, mut c) = (0.0f64, 0.0f64);
    for v in values {
        (sum, c) = kahan_inc(v, sum, c);
    }
    if sum.is_infinite() { sum } else { sum + c }
}

/// `avg_over_time` as Prometheus computes it: the incremental mean below,
/// its increments summed with compensation (to the last bit: `15.2`, not
/// `15.200000000000001`, for ten small integers).
pub fn compensated_mean(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut mean, mut c, mut count) = (0.0f64, 0.0f64, 0.0f64);
    for v in values {
        count += 1.0;
        if keeps_infinite_mean(mean, v) {
            continue;
        }
        (mean, c) = kahan_inc(v / count - mean / count, mean, c);
    }
    if mean.is_infinite() { mean } else { mean + c }
}

/// The mean, computed incrementally so huge values do not overflow, as
/// Prometheus' `avg` aggregation does (an infinite mean stays put unless a
/// NaN or an infinity of the other sign arrives).
pub fn incremental_mean(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut mean, mut count) = (0.0f64, 0.0f64);
    for v in values {
        count += 1.0;
        if keeps_infinite_mean(mean, v) {
            continue;
        }
        mean += v / count - mean / count;
    }
    mean
}

/// An infinite mean stays put unless a NaN or an infinity of the other sign
/// arrives (the update would make it NaN).
fn keeps_infinite_mean(mean: f64, v: f64) -> bool {
    mean.is_infinite()
        && ((v.is_infinite() && (mean > 0.0) == (v > 0.0)) || (!v.is_infinite() && !v.is_nan()))
}

/// Go's `math.Max`: NaN wins, then +Inf.
pub fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a == 0.0 && a.is_sign_negative() {
            b
        } else {
            a
        }
    } else if a > b {
        a
    } else {
        b
    }
}

/// Go's `math.Min`: NaN wins, then -Inf.
pub fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a == 0.0 && a.is_sign_negative() {
            a
        } else {
            b
        }
    } else if a < b {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_interpolates() {
        let mut v = vec![4.0, 1.0, 3.0, 2.0];
        assert_eq!(quantile(0.5, &mut v), 2.5);
        assert_eq!(quantile(0.0, &mut v), 1.0);
        assert_eq!(quantile(1.0, &mut v), 4.0);
        assert_eq!(quantile(2.0, &mut v), f64::INFINITY);
        assert!(quantile(0.5, &mut []).is_nan());
    }

    #[test]
    fn go_min_max_propagate_nan() {
        assert!(go_max(1.0, f64::NAN).is_nan());
        assert_eq!(go_max(1.0, 2.0), 2.0);
        assert_eq!(go_min(1.0, 2.0), 1.0);
        assert!(go_min(f64::NAN, 2.0).is_nan());
    }

    #[test]
    fn the_compensated_mean_is_exact_where_the_plain_one_is_not() {
        // Answers of Prometheus 2.42 to `avg_over_time` of these.
        let values = [20.0, 20.0, 14.0, 11.0, 11.0, 11.0, 12.0, 17.0, 18.0, 18.0];
        assert_eq!(compensated_mean(values), 15.2);
        assert_eq!(incremental_mean(values), 15.200000000000001);
        let values = [18.0, 20.0, 20.0, 19.0, 15.0, 18.0, 15.0, 13.0, 11.0, 8.0];
        assert_eq!(compensated_mean(values), 15.700000000000001);
        assert_eq!(compensated_mean([f64::INFINITY, 1.0]), f64::INFINITY);
        assert!(compensated_mean([f64::INFINITY, f64::NEG_INFINITY]).is_nan());
        assert!(compensated_mean([1.0, f64::NAN]).is_nan());
    }

    #[test]
    fn the_compensated_sum_matches_prometheus() {
        // 0.1 + 0.2 + 0.3 is 0.6000000000000001 added plainly.
        assert_eq!([0.1, 0.2, 0.3].iter().sum::<f64>(), 0.6000000000000001);
        assert_eq!(compensated_sum([0.1, 0.2, 0.3]), 0.6);
        assert_eq!(compensated_sum([f64::INFINITY, 1.0]), f64::INFINITY);
        assert!(compensated_sum([f64::INFINITY, f64::NEG_INFINITY]).is_nan());
    }

    #[test]
    fn kahan_keeps_small_terms() {
        let (mut s, mut c) = (0.0, 0.0);
        for x in [1e100, 1.0, -1e100] {
            (s, c) = kahan_inc(x, s, c);
        }
        assert_eq!(s + c, 1.0);
    }
}
