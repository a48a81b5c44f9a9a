//! The values the evaluator passes between nodes. Every node is evaluated
//! over all steps of the query at once: a scalar is one number per step, an
//! instant vector is a set of series with one optional value per step (a
//! [`Column`]), a range vector is raw samples per series plus the window each
//! step looks at.

use crate::storage::metrics::Labels;

/// Marks "no value at this step" inside a [`Column`]. A NaN payload that no
/// arithmetic produces from canonical inputs; [`Column::set`] canonicalises
/// any NaN it is given, so the marker never leaks into results.
const ABSENT_BITS: u64 = 0x7ff8_dead_beef_0a55;

/// One optional value per step, stored densely as `f64`.
#[derive(Clone, Debug, PartialEq)]
pub struct Column(Vec<f64>);

impl Column {
    /// `steps` absent values.
    pub fn absent(steps: usize) -> Column {
        Column(vec![f64::from_bits(ABSENT_BITS); steps])
    }

    /// The value at step `i`, if any.
    #[inline]
    pub fn get(&self, i: usize) -> Option<f64> {
        let v = self.0[i];
        (v.to_bits() != ABSENT_BITS).then_some(v)
    }

    /// Sets the value at step `i` (`None` clears it).
    #[inline]
    pub fn set(&mut self, i: usize, v: Option<f64>) {
        self.0[i] = match v {
            Some(v) if v.is_nan() && v.to_bits() == ABSENT_BITS => f64::NAN,
            Some(v) => v,
            None => f64::from_bits(ABSENT_BITS),
        };
    }

    /// Whether step `i` has a value.
    #[inline]
    pub fn is_present(&self, i: usize) -> bool {
        self.0[i].to_bits() != ABSENT_BITS
    }

    /// Whether any step has a value.
    pub fn any_present(&self) -> bool {
        self.0.iter().any(|v| v.to_bits() != ABSENT_BITS)
    }

    /// Number of steps with a value.
    pub fn present_count(&self) -> usize {
        self.0.iter().filter(|v| v.to_bits() != ABSENT_BITS).count()
    }

    /// Applies `f` to every present value; `None` from `f` clears the step.
    pub fn map(&mut self, mut f: impl FnMut(usize, f64) -> Option<f64>) {
        for i in 0..self.0.len() {
            if let Some(v) = self.get(i) {
                self.set(i, f(i, v));
            }
        }
    }

    /// `(step, value)` of every present value.
    pub fn iter(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        (0..self.0.len()).filter_map(|i| self.get(i).map(|v| (i, v)))
    }
}

/// One series of an instant vector: labels and a value per step.
#[derive(Clone, Debug)]
pub struct Series {
    /// The series' labels.
    pub labels: Labels,
    /// Its values, one per step.
    pub values: Column,
}

/// The raw samples of one series for a range vector (stale markers removed).
#[derive(Clone, Debug)]
pub struct RangeSeries {
    /// The series' labels.
    pub labels: Labels,
    /// Samples in time order.
    pub samples: Vec<(i64, f64)>,
}

/// A range vector: samples per series and, per step, the inclusive window
/// `[end - range, end]` that step looks at.
#[derive(Clone, Debug)]
pub struct RangeVector {
    /// The series.
    pub series: Vec<RangeSeries>,
    /// The window's end per step (the reference time after `@`/offset).
    pub window_ends: Vec<i64>,
    /// The window's length in ms.
    pub range: i64,
}

/// What a node evaluates to.
#[derive(Clone, Debug)]
pub enum Value {
    /// One number per step.
    Scalar(Vec<f64>),
    /// A string literal.
    String(String),
    /// An instant vector.
    Vector(Vec<Series>),
    /// A range vector.
    Range(RangeVector),
}

impl Value {
    /// The type name Prometheus uses in messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Scalar(_) => "scalar",
            Value::String(_) => "string",
            Value::Vector(_) => "vector",
            Value::Range(_) => "matrix",
        }
    }
}

/// One sample of an instant query's vector result.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Labels.
    pub labels: Labels,
    /// Timestamp (ms).
    pub t: i64,
    /// Value.
    pub v: f64,
}

/// One series of a matrix result.
#[derive(Clone, Debug, PartialEq)]
pub struct MatrixSeries {
    /// Labels.
    pub labels: Labels,
    /// Points in time order.
    pub points: Vec<(i64, f64)>,
}

/// A query's result, in the shapes of Prometheus' API.
#[derive(Clone, Debug, PartialEq)]
pub enum QueryValue {
    /// `[t, v]`.
    Scalar { t: i64, v: f64 },
    /// `[t, s]`.
    String { t: i64, s: String },
    /// Instant query vector, in the engine's output order.
    Vector(Vec<Sample>),
    /// Range query result, or an instant query of a range vector.
    Matrix(Vec<MatrixSeries>),
}

impl QueryValue {
    /// The `resultType` of the API.
    pub fn result_type(&self) -> &'static str {
        match self {
            QueryValue::Scalar { .. } => "scalar",
            QueryValue::String { .. } => "string",
            QueryValue::Vector(_) => "vector",
            QueryValue::Matrix(_) => "matrix",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_never_leaks_its_marker() {
        let mut c = Column::absent(3);
        assert_eq!(c.get(0), None);
        c.set(1, Some(f64::from_bits(ABSENT_BITS)));
        assert!(c.get(1).unwrap().is_nan());
        c.set(2, Some(2.5));
        assert_eq!(c.iter().count(), 2);
        c.map(|_, v| (v > 1.0).then_some(v * 2.0));
        assert_eq!(c.get(2), Some(5.0));
        assert_eq!(c.get(1), None);
    }
}
