//! The function registry: [`FuncMap`] maps names to [`Func`]s, which take
//! already evaluated arguments and return a [`Value`] or a [`FuncError`].
//! Helpers check arity and argument types with Go's wording.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use thiserror::Error;

use super::value::Value;

/// A template function: evaluated arguments in, one value out.
pub type Func = Arc<dyn Fn(&[Value]) -> Result<Value, FuncError> + Send + Sync>;

/// Why a function call failed; the evaluator adds the call's position.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FuncError {
    /// Go: `wrong number of args for <name>: want <want> got <got>`.
    #[error("wrong number of args: want {want} got {got}")]
    Arity {
        /// What the function takes (`2`, `at least 1`).
        want: String,
        /// What it was given.
        got: usize,
    },
    /// An argument of the wrong type, reported as is (Go:
    /// `wrong type for value; expected string; got int`).
    #[error("{0}")]
    Type(String),
    /// The function ran and failed; reported as `error calling <name>: <msg>`.
    #[error("{0}")]
    Failed(String),
}

impl FuncError {
    /// A failure reported as `error calling <name>: <msg>`.
    pub fn failed(message: impl fmt::Display) -> Self {
        Self::Failed(message.to_string())
    }
}

/// Named functions a template may call; user functions shadow builtins.
#[derive(Clone, Default)]
pub struct FuncMap {
    funcs: BTreeMap<String, Func>,
}

impl fmt::Debug for FuncMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.funcs.keys()).finish()
    }
}

impl FuncMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces) `name`.
    pub fn insert<F>(&mut self, name: &str, f: F) -> &mut Self
    where
        F: Fn(&[Value]) -> Result<Value, FuncError> + Send + Sync + 'static,
    {
        self.funcs.insert(name.to_string(), Arc::new(f));
        self
    }

    /// Copies every function of `other` in, replacing same-named ones.
    pub fn extend(&mut self, other: &FuncMap) -> &mut Self {
        for (name, f) in &other.funcs {
            self.funcs.insert(name.clone(), f.clone());
        }
        self
    }

    /// The function called `name`, if registered.
    pub fn get(&self, name: &str) -> Option<&Func> {
        self.funcs.get(name)
    }

    /// Whether `name` is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    /// The registered names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.funcs.keys().map(String::as_str)
    }
}

/// Fails unless exactly `n` arguments were given.
pub fn arity(args: &[Value], n: usize) -> Result<(), FuncError> {
    if args.len() == n {
        Ok(())
    } else {
        Err(FuncError::Arity {
            want: n.to_string(),
            got: args.len(),
        })
    }
}

/// Fails unless at least `n` arguments were given.
pub fn arity_at_least(args: &[Value], n: usize) -> Result<(), FuncError> {
    if args.len() >= n {
        Ok(())
    } else {
        Err(FuncError::Arity {
            want: format!("at least {n}"),
            got: args.len(),
        })
    }
}

/// Go's message for an argument of the wrong type.
pub fn wrong_type(expected: &str, got: &Value) -> FuncError {
    FuncError::Type(format!(
        "wrong type for value; expected {expected}; got {}",
        got.type_name()
    ))
}

/// The argument as a string (Go: a `string` parameter).
pub fn str_arg(v: &Value) -> Result<&str, FuncError> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(wrong_type("string", other)),
    }
}

/// The argument as a list of strings (Go: a `[]string` parameter); an
/// object counts when its underlying value is such a list.
pub fn strings_arg(v: &Value) -> Result<Vec<String>, FuncError> {
    let list = match v {
        Value::Object(o) => o.underlying(),
        other => Some(other.clone()),
    };
    let Some(Value::List(items)) = list else {
        return Err(wrong_type("[]string", v));
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.to_string()),
            _ => Err(wrong_type("[]string", v)),
        })
        .collect()
}
