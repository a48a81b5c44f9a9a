//! Element-wise functions of an instant vector: math, trigonometry,
//! rounding and clamping. All drop the metric name.

use crate::query::error::QueryError;
use crate::query::eval::Evaluator;
use crate::query::functions::drop_names_and_merge;
use crate::query::functions::stats::{go_max, go_min};
use crate::query::value::Value;
use promql_parser::parser::Expr;

/// The one-argument function `name`, if it is one.
pub fn unary(name: &str) -> Option<fn(f64) -> f64> {
    Some(match name {
        "abs" => f64::abs,
        "ceil" => f64::ceil,
        "floor" => f64::floor,
        "exp" => f64::exp,
        "sqrt" => f64::sqrt,
        "ln" => f64::ln,
        "log2" => f64::log2,
        "log10" => f64::log10,
        "sin" => f64::sin,
        "cos" => f64::cos,
        "tan" => f64::tan,
        "asin" => f64::asin,
        "acos" => f64::acos,
        "atan" => f64::atan,
        "sinh" => f64::sinh,
        "cosh" => f64::cosh,
        "tanh" => f64::tanh,
        "asinh" => f64::asinh,
        "acosh" => f64::acosh,
        "atanh" => f64::atanh,
        "deg" => |v| v * 180.0 / std::f64::consts::PI,
        "rad" => |v| v * std::f64::consts::PI / 180.0,
        "sgn" => |v: f64| {
            if v < 0.0 {
                -1.0
            } else if v > 0.0 {
                1.0
            } else {
                v
            }
        },
        _ => return None,
    })
}

/// `round(v, to_nearest=1)`, `clamp(v, min, max)`, `clamp_min`, `clamp_max`.
pub fn with_scalars(ev: &Evaluator, name: &str, args: &[Box<Expr>]) -> Result<Value, QueryError> {
    let mut series = ev.eval_vector(&args[0])?;
    let scalars: Vec<Vec<f64>> = args[1..]
        .iter()
        .map(|a| ev.eval_scalar(a))
        .collect::<Result<_, _>>()?;
    for s in &mut series {
        match name {
            "round" => s.values.map(|i, v| {
                let inverse = 1.0 / scalars.first().map_or(1.0, |a| a[i]);
                Some((v * inverse + 0.5).floor() / inverse)
            }),
            "clamp" => s.values.map(|i, v| {
                let (min, max) = (scalars[0][i], scalars[1][i]);
                (max.partial_cmp(&min) != Some(std::cmp::Ordering::Less))
                    .then(|| go_max(min, go_min(max, v)))
            }),
            "clamp_min" => s.values.map(|i, v| Some(go_max(scalars[0][i], v))),
            "clamp_max" => s.values.map(|i, v| Some(go_min(scalars[0][i], v))),
            _ => unreachable!("dispatch lists exactly these"),
        }
    }
    drop_names_and_merge(series)
}
