//! `label_replace` and `label_join`: rewrite a label of every series. The
//! metric name is kept; series that end up with equal labels at the same
//! step are an error.

use crate::query::error::{QueryError, exec};
use crate::query::eval::{Evaluator, merge_same_labels};
use crate::query::functions::string_arg;
use crate::query::value::Value;
use crate::storage::metrics::labels::valid_label_name;
use promql_parser::parser::Expr;

/// `label_replace(v, dst, replacement, src, regex)`.
pub fn replace(ev: &Evaluator, args: &[Box<Expr>]) -> Result<Value, QueryError> {
    let dst = string_arg(ev, &args[1])?;
    let replacement = string_arg(ev, &args[2])?;
    let src = string_arg(ev, &args[3])?;
    let pattern = string_arg(ev, &args[4])?;
    let re = watchpost_goregex::compile_anchored(&pattern).map_err(|_| {
        exec(format!(
            "invalid regular expression in label_replace(): {pattern}"
        ))
    })?;
    if !valid_label_name(&dst) {
        return Err(exec(format!(
            "invalid destination label name in label_replace(): {dst}"
        )));
    }
    let mut series = ev.eval_vector(&args[0])?;
    for s in &mut series {
        let value = s.labels.get(&src).unwrap_or("");
        if let Some(caps) = re.captures(value) {
            let mut out = String::new();
            caps.expand(&replacement, &mut out);
            let mut b = s.labels.builder();
            b.set(&dst, &out);
            s.labels = b.build();
        }
    }
    merge_same_labels(series).map(Value::Vector)
}

/// `label_join(v, dst, separator, src...)`.
pub fn join(ev: &Evaluator, args: &[Box<Expr>]) -> Result<Value, QueryError> {
    let dst = string_arg(ev, &args[1])?;
    let separator = string_arg(ev, &args[2])?;
    let mut sources = Vec::new();
    for a in &args[3..] {
        let src = string_arg(ev, a)?;
        if !valid_label_name(&src) {
            return Err(exec(format!(
                "invalid source label name in label_join(): {src}"
            )));
        }
        sources.push(src);
    }
    if !valid_label_name(&dst) {
        return Err(exec(format!(
            "invalid destination label name in label_join(): {dst}"
        )));
    }
    let mut series = ev.eval_vector(&args[0])?;
    for s in &mut series {
        let joined = sources
            .iter()
            .map(|n| s.labels.get(n).unwrap_or(""))
            .collect::<Vec<_>>()
            .join(&separator);
        let mut b = s.labels.builder();
        b.set(&dst, &joined);
        s.labels = b.build();
    }
    merge_same_labels(series).map(Value::Vector)
}
