//! Comparing what the rules produced with what a test expects, and the
//! failure messages, both as `promtool test rules` (2.42) words and prints
//! them: alerts compared as sorted sets of (labels, annotations), samples
//! as sorted sets of (labels, value) compared exactly (promtool 2.42 uses
//! `reflect.DeepEqual`: no tolerance, and NaN never equals NaN), label sets
//! printed as Go prints `labels.Labels`.

use crate::template::{format_float, quote};

/// A label set or annotations as sorted pairs (Go's `labels.Labels`; empty
/// values are kept, as `labels.FromMap` keeps them).
pub type Pairs = Vec<(String, String)>;

/// One alert: labels (with `alertname`) and annotations.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AlertView {
    /// Labels, sorted.
    pub labels: Pairs,
    /// Annotations, sorted.
    pub annotations: Pairs,
}

/// One sample: labels (with `__name__`) and value.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleView {
    /// Labels, sorted.
    pub labels: Pairs,
    /// The value.
    pub value: f64,
}

/// Sorted pairs from any `(name, value)` iterator.
pub fn pairs<'a>(it: impl IntoIterator<Item = (&'a str, &'a str)>) -> Pairs {
    let mut v: Pairs = it
        .into_iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    v.sort();
    v
}

/// Go's `labels.Labels.String()`: `{a="b", c="d"}`.
pub fn labels_string(labels: &Pairs) -> String {
    let body: Vec<String> = labels
        .iter()
        .map(|(n, v)| format!("{n}={}", quote(v)))
        .collect();
    format!("{{{}}}", body.join(", "))
}

/// Go's `strconv.FormatFloat(v, 'E', -1, 64)`: `1E+00`, `3.5E-01`.
pub fn format_float_e(v: f64) -> String {
    format_float(v, 'E', None)
}

/// promtool's `indentLines`: every line but the first gets `indent`.
fn indent_lines(text: &str, indent: &str) -> String {
    text.split('\n')
        .enumerate()
        .map(|(i, l)| {
            if i > 0 {
                format!("{indent}{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// promtool's `labelsAndAnnotations.String()`.
fn alerts_string(alerts: &[AlertView]) -> String {
    if alerts.is_empty() {
        return "[]".into();
    }
    let mut s = String::from("[");
    for (i, a) in alerts.iter().enumerate() {
        let one = format!(
            "\nLabels:{}\nAnnotations:{}",
            labels_string(&a.labels),
            labels_string(&a.annotations)
        );
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("\n{i}:{}", indent_lines(&one, "  ")));
    }
    s.push_str("\n]");
    s
}

/// Compares the firing alerts of `alertname` at `time` (as printed) with
/// the expected ones; the failure message when they differ.
pub fn compare_alerts(
    test_name: &str,
    alertname: &str,
    time: &str,
    mut exp: Vec<AlertView>,
    mut got: Vec<AlertView>,
) -> Option<String> {
    exp.sort();
    got.sort();
    if exp == got {
        return None;
    }
    let name = if test_name.is_empty() {
        String::new()
    } else {
        format!("    name: {test_name},\n")
    };
    let indent = " ".repeat(12);
    Some(format!(
        "{name}    alertname: {alertname}, time: {time}, \n        exp:{}, \n        got:{}",
        indent_lines(&alerts_string(&exp), &indent),
        indent_lines(&alerts_string(&got), &indent)
    ))
}

fn samples_string(samples: &[SampleView]) -> String {
    if samples.is_empty() {
        return "nil".into();
    }
    samples
        .iter()
        .map(|s| format!("{} {}", labels_string(&s.labels), format_float_e(s.value)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compares an instant query's samples with the expected ones; the failure
/// message when they differ.
pub fn compare_samples(
    expr: &str,
    time: &str,
    mut exp: Vec<SampleView>,
    mut got: Vec<SampleView>,
) -> Option<String> {
    exp.sort_by(|a, b| a.labels.cmp(&b.labels));
    got.sort_by(|a, b| a.labels.cmp(&b.labels));
    let same = exp.len() == got.len()
        && exp
            .iter()
            .zip(&got)
            // promtool 2.42's `reflect.DeepEqual`: exact floats.
            .all(|(e, g)| e.labels == g.labels && e.value == g.value);
    (!same).then(|| {
        format!(
            "    expr: {}, time: {time},\n        exp: {}\n        got: {}",
            quote(expr),
            samples_string(&exp),
            samples_string(&got)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> AlertView {
        AlertView {
            labels: pairs(labels.iter().copied()),
            annotations: pairs(annotations.iter().copied()),
        }
    }

    #[test]
    fn floats_print_as_go_e_format() {
        assert_eq!(format_float_e(1.0), "1E+00");
        assert_eq!(
            format_float_e(0.30000000000000004),
            "3.0000000000000004E-01"
        );
        assert_eq!(format_float_e(1234.5), "1.2345E+03");
        assert_eq!(format_float_e(0.0), "0E+00");
        assert_eq!(format_float_e(1e-120), "1E-120");
        assert_eq!(format_float_e(f64::NEG_INFINITY), "-Inf");
    }

    #[test]
    fn alert_sets_compare_in_any_order_and_print_as_promtool() {
        let a = alert(&[("alertname", "A"), ("i", "1")], &[("s", "x")]);
        let b = alert(&[("alertname", "A"), ("i", "2")], &[]);
        assert_eq!(
            compare_alerts(
                "",
                "A",
                "5m",
                vec![a.clone(), b.clone()],
                vec![b.clone(), a.clone()]
            ),
            None
        );
        let msg = compare_alerts("t", "A", "5m", vec![a], vec![]).unwrap();
        assert_eq!(
            msg,
            "    name: t,\n    alertname: A, time: 5m, \n        exp:[\n            0:\n              Labels:{alertname=\"A\", i=\"1\"}\n              Annotations:{s=\"x\"}\n            ], \n        got:[]"
        );
    }

    #[test]
    fn samples_compare_exactly() {
        let s = |v| SampleView {
            labels: pairs([("__name__", "x")]),
            value: v,
        };
        assert_eq!(compare_samples("x", "1m", vec![s(0.5)], vec![s(0.5)]), None);
        // One ulp off fails, as in promtool 2.42; so does NaN against NaN.
        assert!(compare_samples("x", "1m", vec![s(0.3)], vec![s(0.1 + 0.2)]).is_some());
        assert!(compare_samples("x", "1m", vec![s(f64::NAN)], vec![s(f64::NAN)]).is_some());
        assert_eq!(
            compare_samples("x", "1m", vec![s(1.0)], vec![]).unwrap(),
            "    expr: \"x\", time: 1m,\n        exp: {__name__=\"x\"} 1E+00\n        got: nil"
        );
    }
}
