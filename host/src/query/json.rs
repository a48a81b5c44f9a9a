//! Prometheus' JSON encoding of query results, byte for byte: sample values
//! as strings in Go's shortest `'f'` format (`"NaN"`, `"+Inf"`), timestamps
//! as seconds with up to millisecond decimals, labels in sorted order.

use crate::query::value::QueryValue;
use crate::storage::metrics::Labels;
use std::fmt::Write;

/// A sample value as Prometheus writes it: Go's
/// `strconv.FormatFloat(v, 'f', -1, 64)` with `+Inf`/`-Inf`/`NaN`.
pub fn value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

/// A millisecond timestamp as Prometheus writes it (seconds, `.` and three
/// digits only when there is a fraction).
pub fn timestamp(out: &mut String, t: i64) {
    if t < 0 {
        out.push('-');
    }
    let t = t.unsigned_abs();
    let _ = write!(out, "{}", t / 1000);
    let fraction = t % 1000;
    if fraction != 0 {
        let _ = write!(out, ".{fraction:03}");
    }
}

/// A JSON string literal.
fn string(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).expect("strings serialise"));
}

/// A label set as a JSON object.
pub fn labels(out: &mut String, labels: &Labels) {
    out.push('{');
    for (i, (n, v)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, n);
        out.push(':');
        string(out, v);
    }
    out.push('}');
}

fn point(out: &mut String, t: i64, v: f64) {
    out.push('[');
    timestamp(out, t);
    out.push_str(",\"");
    out.push_str(&value(v));
    out.push_str("\"]");
}

/// The `data` object of a query response:
/// `{"resultType":…,"result":…}`.
pub fn data(result: &QueryValue) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("{\"resultType\":\"");
    out.push_str(result.result_type());
    out.push_str("\",\"result\":");
    match result {
        // Scalars and strings go through Go's encoding/json in Prometheus:
        // the time is a float (`1.5`, not `1.500`).
        QueryValue::Scalar { t, v } => {
            out.push('[');
            out.push_str(&format!("{}", *t as f64 / 1000.0));
            out.push_str(",\"");
            out.push_str(&value(*v));
            out.push_str("\"]");
        }
        QueryValue::String { t, s } => {
            out.push('[');
            out.push_str(&format!("{}", *t as f64 / 1000.0));
            out.push(',');
            string(&mut out, s);
            out.push(']');
        }
        QueryValue::Vector(samples) => {
            out.push('[');
            for (i, s) in samples.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"metric\":");
                labels(&mut out, &s.labels);
                out.push_str(",\"value\":");
                point(&mut out, s.t, s.v);
                out.push('}');
            }
            out.push(']');
        }
        QueryValue::Matrix(series) => {
            out.push('[');
            for (i, s) in series.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"metric\":");
                labels(&mut out, &s.labels);
                out.push_str(",\"values\":[");
                for (j, &(t, v)) in s.points.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    point(&mut out, t, v);
                }
                out.push_str("]}");
            }
            out.push(']');
        }
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::value::{MatrixSeries, Sample};

    #[test]
    fn encodes_like_prometheus() {
        assert_eq!(value(1.5), "1.5");
        assert_eq!(value(1e21), "1000000000000000000000");
        assert_eq!(value(f64::NEG_INFINITY), "-Inf");
        let mut t = String::new();
        timestamp(&mut t, 1_500);
        timestamp(&mut t, -2_050);
        timestamp(&mut t, 3_000);
        assert_eq!(t, "1.500-2.0503");
        let l = Labels::new([("__name__", "up"), ("job", "a\"b")]).unwrap();
        let v = QueryValue::Vector(vec![Sample {
            labels: l.clone(),
            t: 1000,
            v: 1.0,
        }]);
        assert_eq!(
            data(&v),
            r#"{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a\"b"},"value":[1,"1"]}]}"#
        );
        let m = QueryValue::Matrix(vec![MatrixSeries {
            labels: l,
            points: vec![(0, f64::NAN), (15_250, 2.0)],
        }]);
        assert_eq!(
            data(&m),
            r#"{"resultType":"matrix","result":[{"metric":{"__name__":"up","job":"a\"b"},"values":[[0,"NaN"],[15.250,"2"]]}]}"#
        );
    }
}
