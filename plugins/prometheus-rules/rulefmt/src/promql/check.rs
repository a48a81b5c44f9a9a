//! Prometheus 2.42's type checks (`checkAST` in `promql/parser/parse.go`),
//! run when the expression parsed: in Go's order, first error only, at the
//! position of the node Go points to. The recursion keeps its frames small
//! (each node's own checks are separate functions): trees may be deep.

use super::ast::{Expr, Matching, Node, Selector, ValueType};
use super::functions::Function;
use super::quote;
use super::token::Kind;

/// A type error: byte position and message.
type Error = (usize, String);

/// The first type error of `node`.
pub fn check(input: &str, node: &Node) -> Result<ValueType, Error> {
    Checker { input }.check(node)
}

struct Checker<'a> {
    input: &'a str,
}

impl Checker<'_> {
    /// Checks `node` and its children; returns its type (Go's `Type()`).
    fn check(&self, node: &Node) -> Result<ValueType, Error> {
        Ok(match &node.expr {
            Expr::Aggregate { op, param, expr } => {
                self.expect(expr, ValueType::Vector, "aggregation expression")?;
                let wanted = match op {
                    Kind::Topk | Kind::Bottomk | Kind::Quantile => Some(ValueType::Scalar),
                    Kind::CountValues => Some(ValueType::String),
                    _ => None,
                };
                if let (Some(param), Some(wanted)) = (param, wanted) {
                    self.expect(param, wanted, "aggregation parameter")?;
                }
                ValueType::Vector
            }
            Expr::Binary {
                op,
                lhs,
                rhs,
                matching,
            } => {
                let types = (self.check(lhs)?, self.check(rhs)?);
                self.binary(node, *op, matching, types)?
            }
            Expr::Call { func, args } => {
                call_arity(node, func, args.len())?;
                for (i, arg) in args.iter().enumerate() {
                    let Some(wanted) = arg_type(func, i) else {
                        break;
                    };
                    self.expect(arg, wanted, &call_context(func))?;
                }
                func.return_type
            }
            Expr::Paren(inner) => self.check(inner)?,
            Expr::Unary(inner) => unary(node, self.check(inner)?)?,
            Expr::Subquery { expr, .. } => subquery(node, self.check(expr)?)?,
            Expr::Matrix(inner) => {
                self.check(inner)?;
                ValueType::Matrix
            }
            Expr::Vector(s) => selector(node, s)?,
            Expr::Number => ValueType::Scalar,
            Expr::Str => ValueType::String,
        })
    }

    /// Go's `expectType`.
    fn expect(&self, node: &Node, want: ValueType, context: &str) -> Result<(), Error> {
        let got = self.check(node)?;
        if got == want {
            return Ok(());
        }
        let message = format!(
            "expected type {} in {context}, got {}",
            want.documented(),
            got.documented()
        );
        Err((node.start, message))
    }

    /// Where a binary expression's operator starts: after the left side,
    /// past white space (Go's `opRange`).
    fn operator_start(&self, lhs: &Node) -> usize {
        let bytes = self.input.as_bytes();
        let mut at = lhs.end;
        while bytes
            .get(at)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            at += 1;
        }
        at
    }

    /// A binary expression's own checks, its sides' types known.
    fn binary(
        &self,
        node: &Node,
        op: Kind,
        matching: &Matching,
        (lt, rt): (ValueType, ValueType),
    ) -> Result<ValueType, Error> {
        let Expr::Binary { lhs, rhs, .. } = &node.expr else {
            return Ok(ValueType::Vector);
        };
        if matching.return_bool && !op.is_comparison() {
            let message = "bool modifier can only be used on comparison operators";
            return Err((self.operator_start(lhs), message.into()));
        }
        let scalars = lt == ValueType::Scalar && rt == ValueType::Scalar;
        if op.is_comparison() && !matching.return_bool && scalars {
            let message = "comparisons between scalars must use BOOL modifier";
            return Err((self.operator_start(lhs), message.into()));
        }
        if matching.on
            && let Some(l) = matching
                .labels
                .iter()
                .find(|l| matching.include.contains(l))
        {
            let message = format!(
                "label {} must not occur in ON and GROUP clause at once",
                quote::string(l)
            );
            return Err((self.operator_start(lhs), message));
        }
        let operand = "binary expression must contain only scalar and instant vector types";
        if !matches!(lt, ValueType::Scalar | ValueType::Vector) {
            return Err((lhs.start, operand.into()));
        }
        if !matches!(rt, ValueType::Scalar | ValueType::Vector) {
            return Err((rhs.start, operand.into()));
        }
        let name = op.keyword();
        if lt != ValueType::Vector || rt != ValueType::Vector {
            if !matching.labels.is_empty() {
                let message = "vector matching only allowed between instant vectors";
                return Err((node.start, message.into()));
            }
        } else if op.is_set_operator() && matching.grouped {
            let message = format!("no grouping allowed for \"{name}\" operation");
            return Err((node.start, message));
        }
        if (lt == ValueType::Scalar || rt == ValueType::Scalar) && op.is_set_operator() {
            let message =
                format!("set operator \"{name}\" not allowed in binary scalar expression");
            return Err((node.start, message));
        }
        Ok(if scalars {
            ValueType::Scalar
        } else {
            ValueType::Vector
        })
    }
}

/// The argument count of a call.
fn call_arity(node: &Node, func: &Function, count: usize) -> Result<(), Error> {
    let declared = func.arg_types.len();
    let name = quote::string(func.name);
    let message = if func.variadic == 0 {
        if declared == count {
            return Ok(());
        }
        format!("expected {declared} argument(s) in call to {name}, got {count}")
    } else {
        let least = declared.saturating_sub(1);
        let most = least as i64 + i64::from(func.variadic);
        if least > count {
            format!("expected at least {least} argument(s) in call to {name}, got {count}")
        } else if func.variadic > 0 && most < count as i64 {
            format!("expected at most {most} argument(s) in call to {name}, got {count}")
        } else {
            return Ok(());
        }
    };
    Err((node.start, message))
}

/// The type argument `i` must have; `None` past a fixed argument list.
fn arg_type(func: &Function, i: usize) -> Option<ValueType> {
    match func.arg_types.get(i) {
        Some(t) => Some(*t),
        None if func.variadic == 0 => None,
        None => func.arg_types.last().copied(),
    }
}

fn call_context(func: &Function) -> String {
    format!("call to function {}", quote::string(func.name))
}

fn unary(node: &Node, t: ValueType) -> Result<ValueType, Error> {
    if matches!(t, ValueType::Scalar | ValueType::Vector) {
        return Ok(t);
    }
    let message = format!(
        "unary expression only allowed on expressions of type scalar or instant vector, got {}",
        quote::string(t.documented())
    );
    Err((node.start, message))
}

fn subquery(node: &Node, t: ValueType) -> Result<ValueType, Error> {
    if t == ValueType::Vector {
        return Ok(ValueType::Matrix);
    }
    let message = format!(
        "subquery is only allowed on instant vector, got {} instead",
        t.raw()
    );
    Err((node.start, message))
}

fn selector(node: &Node, s: &Selector) -> Result<ValueType, Error> {
    if let Some(name) = &s.name {
        if let Some(m) = s.matchers.iter().find(|m| m.name == "__name__") {
            let message = format!(
                "metric name must not be set twice: {} or {}",
                quote::string(name),
                quote::string(&m.value)
            );
            return Err((node.start, message));
        }
    } else if s.matchers.iter().all(|m| m.matches_empty) {
        let message = "vector selector must contain at least one non-empty matcher";
        return Err((node.start, message.into()));
    }
    Ok(ValueType::Vector)
}
