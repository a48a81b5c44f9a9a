//! Go's predefined template functions: `and or not len index slice eq ne
//! lt le gt ge print printf println html js urlquery call` (`and`/`or` are
//! evaluated lazily by the evaluator; these entries are their eager forms).

use std::sync::OnceLock;

use super::format::{sprint, sprintln};
use super::func::{Func, FuncError, FuncMap, arity, arity_at_least, str_arg};
use super::printf::sprintf;
use super::value::{Kind, Value};

/// The builtin called `name`.
pub(crate) fn get(name: &str) -> Option<&'static Func> {
    static BUILTINS: OnceLock<FuncMap> = OnceLock::new();
    BUILTINS.get_or_init(builtins).get(name)
}

fn builtins() -> FuncMap {
    let mut m = FuncMap::new();
    m.insert("and", |a| {
        arity_at_least(a, 1)?;
        Ok(a.iter()
            .find(|v| !v.is_true())
            .unwrap_or(&a[a.len() - 1])
            .clone())
    });
    m.insert("or", |a| {
        arity_at_least(a, 1)?;
        Ok(a.iter()
            .find(|v| v.is_true())
            .unwrap_or(&a[a.len() - 1])
            .clone())
    });
    m.insert("not", |a| {
        arity(a, 1)?;
        Ok(Value::Bool(!a[0].is_true()))
    });
    m.insert("len", |a| {
        arity(a, 1)?;
        length(&a[0]).map(Value::Int)
    });
    m.insert("index", |a| {
        arity_at_least(a, 1)?;
        a[1..]
            .iter()
            .try_fold(a[0].clone(), |item, i| index(&item, i))
    });
    m.insert("slice", |a| {
        arity_at_least(a, 1)?;
        slice(&a[0], &a[1..])
    });
    m.insert("eq", |a| {
        arity_at_least(a, 1)?;
        eq(&a[0], &a[1..]).map(Value::Bool)
    });
    m.insert("ne", |a| {
        arity(a, 2)?;
        eq(&a[0], &a[1..]).map(|b| Value::Bool(!b))
    });
    // Go derives the others from `lt` and `eq`: with a NaN, where both
    // are false, `gt` and `ge` are true.
    m.insert("lt", |a| compare(a, |lt, _| lt));
    m.insert("le", |a| compare(a, |lt, eq| lt || eq));
    m.insert("gt", |a| compare(a, |lt, eq| !(lt || eq)));
    m.insert("ge", |a| compare(a, |lt, _| !lt));
    m.insert("print", |a| Ok(Value::str(sprint(a))));
    m.insert("println", |a| Ok(Value::str(sprintln(a))));
    m.insert("printf", |a| {
        arity_at_least(a, 1)?;
        Ok(Value::str(sprintf(str_arg(&a[0])?, &a[1..])))
    });
    m.insert("html", |a| Ok(Value::str(html_escape(&eval_args(a)))));
    m.insert("js", |a| Ok(Value::str(js_escape(&eval_args(a)))));
    m.insert("urlquery", |a| Ok(Value::str(query_escape(&eval_args(a)))));
    m.insert("call", |a| {
        arity_at_least(a, 1)?;
        match &a[0] {
            Value::Func(f) => f(&a[1..]).map_err(|e| FuncError::failed(e.to_string())),
            other => Err(FuncError::failed(format!(
                "non-function of type {}",
                other.type_name()
            ))),
        }
    });
    m
}

/// Go's `evalArgs`: a lone string as is, else `fmt.Sprint` of the args.
pub(crate) fn eval_args(args: &[Value]) -> String {
    match args {
        [Value::String(s)] => s.to_string(),
        _ => sprint(args),
    }
}

fn length(v: &Value) -> Result<i64, FuncError> {
    match v.resolved() {
        Value::String(s) => Ok(s.len() as i64),
        Value::List(l) => Ok(l.len() as i64),
        Value::Map(m) => Ok(m.len() as i64),
        Value::Nil => Err(FuncError::failed("len of nil pointer")),
        other => Err(FuncError::failed(format!(
            "len of type {}",
            other.type_name()
        ))),
    }
}

fn int_index(i: &Value) -> Result<i64, FuncError> {
    match i {
        Value::Int(n) => Ok(*n),
        Value::Nil => Err(FuncError::failed("cannot index slice/array with nil")),
        other => Err(FuncError::failed(format!(
            "cannot index slice/array with type {}",
            other.type_name()
        ))),
    }
}

fn index(item: &Value, i: &Value) -> Result<Value, FuncError> {
    match item.resolved() {
        Value::List(l) => {
            let n = int_index(i)?;
            usize::try_from(n)
                .ok()
                .and_then(|k| l.get(k).cloned())
                .ok_or_else(|| FuncError::failed(format!("index out of range: {n}")))
        }
        Value::String(s) => {
            let n = int_index(i)?;
            usize::try_from(n)
                .ok()
                .and_then(|k| s.as_bytes().get(k))
                .map(|b| Value::Int(i64::from(*b)))
                .ok_or_else(|| FuncError::failed(format!("index out of range: {n}")))
        }
        Value::Map(m) => match i {
            Value::String(k) => Ok(m
                .get(&**k)
                .cloned()
                .unwrap_or_else(|| Value::zero_element(&m))),
            other => Err(FuncError::failed(format!(
                "value has type {}; should be string",
                other.type_name()
            ))),
        },
        Value::Nil => Err(FuncError::failed("index of untyped nil")),
        other => Err(FuncError::failed(format!(
            "can't index item of type {}",
            other.type_name()
        ))),
    }
}

fn slice(item: &Value, idx: &[Value]) -> Result<Value, FuncError> {
    let item = item.resolved();
    let len = match &item {
        Value::String(s) => s.len(),
        Value::List(l) => l.len(),
        Value::Nil => return Err(FuncError::failed("slice of untyped nil")),
        other => {
            return Err(FuncError::failed(format!(
                "can't slice item of type {}",
                other.type_name()
            )));
        }
    };
    if idx.len() > 3 || (idx.len() == 3 && matches!(item, Value::String(_))) {
        return Err(FuncError::failed(format!(
            "too many slice indexes: {}",
            idx.len()
        )));
    }
    let mut bounds = [0, len, len];
    for (k, i) in idx.iter().enumerate() {
        let n = int_index(i)?;
        let cap = len as i64;
        if n < 0 || n > cap {
            return Err(FuncError::failed(format!("index out of range: {n}")));
        }
        bounds[k] = n as usize;
    }
    if bounds[0] > bounds[1] {
        return Err(FuncError::failed(format!(
            "invalid slice index: {} > {}",
            bounds[0], bounds[1]
        )));
    }
    Ok(match item {
        Value::String(s) => Value::str(s.get(bounds[0]..bounds[1]).unwrap_or_default()),
        Value::List(l) => Value::list(l[bounds[0]..bounds[1]].iter().cloned()),
        _ => Value::Nil,
    })
}

const BAD_COMPARISON: &str = "incompatible types for comparison";
const BAD_TYPE: &str = "invalid type for comparison";

/// Go's `eq arg1 arg2…`: true if arg1 equals any of the others; basic
/// kinds must match (an `int` is never equal to a `float64`).
fn eq(a: &Value, others: &[Value]) -> Result<bool, FuncError> {
    if others.is_empty() {
        return Err(FuncError::failed("missing argument for comparison"));
    }
    let (a, k1) = (a.resolved(), a.kind());
    for b in others {
        let (b, k2) = (b.resolved(), b.kind());
        let truth = if k1 != k2 {
            if k1 != Kind::Invalid && k2 != Kind::Invalid {
                return Err(FuncError::failed(BAD_COMPARISON));
            }
            false
        } else {
            match (&a, &b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x), Value::Int(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::String(x), Value::String(y)) => x == y,
                (Value::Nil, Value::Nil) => true,
                _ => {
                    return Err(FuncError::failed(format!(
                        "non-comparable type {}",
                        b.type_name()
                    )));
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `test(a < b, a == b)` of the two arguments.
fn compare(args: &[Value], test: fn(bool, bool) -> bool) -> Result<Value, FuncError> {
    arity(args, 2)?;
    let (a, b) = (args[0].resolved(), args[1].resolved());
    let (lt, eq) = match (&a, &b) {
        (Value::Int(x), Value::Int(y)) => (x < y, x == y),
        (Value::Float(x), Value::Float(y)) => (x < y, x == y),
        (Value::String(x), Value::String(y)) => (x < y, x == y),
        _ if !matches!(a.kind(), Kind::Int | Kind::Float | Kind::String)
            || !matches!(b.kind(), Kind::Int | Kind::Float | Kind::String) =>
        {
            return Err(FuncError::failed(BAD_TYPE));
        }
        _ => return Err(FuncError::failed(BAD_COMPARISON)),
    };
    Ok(Value::Bool(test(lt, eq)))
}

/// Go's `template.HTMLEscapeString`.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if (c as u32) >= 0x80 && c.is_control() => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// Go's `url.QueryEscape`: space as `+`, unreserved bytes kept, the rest
/// `%XX`.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> Result<Value, FuncError> {
        get(name).unwrap()(args)
    }

    #[test]
    fn comparisons_follow_go_kinds() {
        assert!(matches!(
            call("eq", &["a".into(), "b".into(), "a".into()]),
            Ok(Value::Bool(true))
        ));
        assert_eq!(
            call("eq", &[Value::Int(1), Value::Float(1.0)]).unwrap_err(),
            FuncError::failed(BAD_COMPARISON)
        );
        assert!(matches!(
            call("lt", &[Value::Float(1.0), Value::Float(2.0)]),
            Ok(Value::Bool(true))
        ));
        assert!(matches!(
            call("ge", &["b".into(), "a".into()]),
            Ok(Value::Bool(true))
        ));
        assert_eq!(
            call("gt", &[Value::Float(1.0), Value::Int(2)]).unwrap_err(),
            FuncError::failed(BAD_COMPARISON)
        );
        assert_eq!(
            call("lt", &[Value::Bool(true), Value::Bool(false)]).unwrap_err(),
            FuncError::failed(BAD_TYPE)
        );
        assert!(matches!(
            call("ne", &[Value::Int(1), Value::Int(2)]),
            Ok(Value::Bool(true))
        ));
        // NaN: lt, le and eq are false, so gt and ge (their negations in
        // Go) are true, and ne too.
        let nan = [Value::Float(f64::NAN), Value::Float(100.0)];
        for (f, want) in [
            ("lt", false),
            ("le", false),
            ("gt", true),
            ("ge", true),
            ("eq", false),
            ("ne", true),
        ] {
            assert!(
                matches!(call(f, &nan), Ok(Value::Bool(b)) if b == want),
                "{f}"
            );
        }
        assert!(matches!(
            call("eq", &[Value::Nil, "a".into()]),
            Ok(Value::Bool(false))
        ));
    }

    #[test]
    fn index_slice_len() {
        let l = Value::list(["a".into(), "b".into(), "c".into()]);
        assert_eq!(
            call("index", &[l.clone(), Value::Int(1)]).unwrap().as_str(),
            Some("b")
        );
        assert_eq!(
            call("index", &[l.clone(), Value::Int(5)]).unwrap_err(),
            FuncError::failed("index out of range: 5")
        );
        let m = Value::map([("k", Value::str("v"))]);
        assert_eq!(
            call("index", &[m.clone(), "k".into()]).unwrap().as_str(),
            Some("v")
        );
        assert_eq!(call("index", &[m, "x".into()]).unwrap().as_str(), Some(""));
        assert!(matches!(
            call("len", std::slice::from_ref(&l)),
            Ok(Value::Int(3))
        ));
        assert!(matches!(call("len", &["héllo".into()]), Ok(Value::Int(6))));
        let s = call("slice", &[l, Value::Int(1), Value::Int(3)]).unwrap();
        assert_eq!(super::super::format::go_format(&s), "[b c]");
        assert_eq!(
            call("slice", &["hello".into(), Value::Int(1), Value::Int(3)])
                .unwrap()
                .as_str(),
            Some("el")
        );
    }

    #[test]
    fn escapers_match_go() {
        assert_eq!(
            html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            js_escape("a'b\"c<d>=&\\\n"),
            "a\\'b\\\"c\\u003Cd\\u003E\\u003D\\u0026\\\\\\u000A"
        );
        assert_eq!(
            query_escape("rate(x[5m]) > 0.5 & é"),
            "rate%28x%5B5m%5D%29+%3E+0.5+%26+%C3%A9"
        );
        assert_eq!(
            call("urlquery", &[Value::Int(1), Value::Int(2)])
                .unwrap()
                .as_str(),
            Some("1+2")
        );
        assert_eq!(
            call("print", &[Value::Float(1e6)]).unwrap().as_str(),
            Some("1e+06")
        );
    }
}
