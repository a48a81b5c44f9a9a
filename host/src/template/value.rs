//! The dynamic values a template sees, standing in for Go's reflection:
//! scalars, lists, string-keyed maps (iterated in key order, as Go's
//! templates iterate maps), functions for `call`, and host [`Object`]s that
//! expose fields and methods (Alertmanager's `KV.SortedPairs`, a sample's
//! `.Labels`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::func::Func;

/// A string-keyed map of values.
pub type Map = BTreeMap<String, Value>;

/// A value inside a template.
#[derive(Clone, Default)]
pub enum Value {
    /// Go's nil / an invalid value: prints `<no value>` from an action and
    /// `<nil>` through `print`.
    #[default]
    Nil,
    /// `bool`.
    Bool(bool),
    /// `int` (Go's integer constants and `len` results).
    Int(i64),
    /// `float64`.
    Float(f64),
    /// `string`.
    String(Arc<str>),
    /// A slice.
    List(Arc<Vec<Value>>),
    /// A map with string keys.
    Map(Arc<Map>),
    /// A host object with fields and methods.
    Object(Arc<dyn Object>),
    /// A function value, invoked by the `call` builtin.
    Func(Func),
}

/// A host value with Go-like fields and methods.
///
/// The evaluator resolves `.Name args…` on an object by trying
/// [`Object::method`] first, then [`Object::field`], then (when
/// [`Object::underlying`] is a map) the map key, as Go tries methods, then
/// struct fields, then map keys.
pub trait Object: Send + Sync {
    /// The Go type name used in error messages (`template.KV`).
    fn type_name(&self) -> String;

    /// A struct field or a zero-argument method, if the object has one.
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }

    /// A method called with arguments; `None` when there is no such method.
    fn method(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        None
    }

    /// The collection the object is (a `KV` is a map, `Alerts` a list):
    /// used by `range`, `len`, `index`, truth, comparison and printing.
    fn underlying(&self) -> Option<Value> {
        None
    }

    /// Whether the Go type has a `String` method: then `fmt` prints
    /// [`go_format`](Self::go_format) for `%v %s %q %x %X`, whatever its
    /// underlying value (a `time.Duration` is an integer but prints `1h0m0s`).
    fn is_stringer(&self) -> bool {
        false
    }

    /// How Go's `fmt` prints the object with `%v`; by default its
    /// underlying value's form.
    fn go_format(&self) -> String {
        match self.underlying() {
            Some(v) => super::format::go_format(&v),
            None => format!("{{{}}}", self.type_name()),
        }
    }

    /// The HTML, when the object is Go's `template.HTML`: trusted markup
    /// that HTML-mode execution prints unescaped in text.
    fn safe_html(&self) -> Option<&str> {
        None
    }
}

/// Go's `template.HTML` (what `safeHtml` returns): a string everywhere,
/// except that HTML-mode execution trusts it.
struct SafeHtml(Arc<str>);

impl Object for SafeHtml {
    fn type_name(&self) -> String {
        "template.HTML".into()
    }

    fn underlying(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }

    fn go_format(&self) -> String {
        self.0.to_string()
    }

    fn safe_html(&self) -> Option<&str> {
        Some(&self.0)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("Nil"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(n) => write!(f, "Int({n})"),
            Value::Float(x) => write!(f, "Float({x})"),
            Value::String(s) => write!(f, "String({s:?})"),
            Value::List(l) => f.debug_list().entries(l.iter()).finish(),
            Value::Map(m) => f.debug_map().entries(m.iter()).finish(),
            Value::Object(o) => write!(f, "Object({})", o.type_name()),
            Value::Func(_) => f.write_str("Func"),
        }
    }
}

/// Go's "basic kinds", which decide what `eq`, `lt` and friends may compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    String,
    Other,
}

impl Value {
    /// A string value.
    pub fn str(s: impl Into<Arc<str>>) -> Self {
        Value::String(s.into())
    }

    /// A list value.
    pub fn list(items: impl IntoIterator<Item = Value>) -> Self {
        Value::List(Arc::new(items.into_iter().collect()))
    }

    /// A map value.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Self {
        Value::Map(Arc::new(
            entries.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        ))
    }

    /// A map of strings (label sets).
    pub fn string_map(labels: &BTreeMap<String, String>) -> Self {
        Value::map(
            labels
                .iter()
                .map(|(k, v)| (k.clone(), Value::str(v.as_str()))),
        )
    }

    /// A host object.
    pub fn object(o: impl Object + 'static) -> Self {
        Value::Object(Arc::new(o))
    }

    /// Trusted HTML (Go's `template.HTML`): prints as the string, and is
    /// not escaped in HTML text by HTML-mode execution.
    pub fn safe_html(s: impl Into<Arc<str>>) -> Self {
        Value::object(SafeHtml(s.into()))
    }

    /// The HTML, if this is trusted HTML.
    pub fn as_safe_html(&self) -> Option<&str> {
        match self {
            Value::Object(o) => o.safe_html(),
            _ => None,
        }
    }

    /// The Go type name, as error messages and `%!v(type=…)` show it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float64".into(),
            Value::String(_) => "string".into(),
            Value::List(items)
                if !items.is_empty() && items.iter().all(|v| matches!(v, Value::String(_))) =>
            {
                "[]string".into()
            }
            Value::List(_) => "[]interface {}".into(),
            Value::Map(m) if m.values().all(|v| matches!(v, Value::String(_))) => {
                "map[string]string".into()
            }
            Value::Map(_) => "map[string]interface {}".into(),
            Value::Object(o) => o.type_name(),
            Value::Func(_) => "func".into(),
        }
    }

    /// Go's truth: false, 0, "", nil and empty collections are false.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(n) => *n != 0,
            Value::Float(x) => *x != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(o) => o.underlying().is_none_or(|v| v.is_true()),
            Value::Func(_) => true,
        }
    }

    /// The value itself, or an object's underlying collection.
    pub fn resolved(&self) -> Value {
        match self {
            Value::Object(o) => o.underlying().unwrap_or_else(|| self.clone()),
            other => other.clone(),
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        match self {
            Value::Nil => Kind::Invalid,
            Value::Bool(_) => Kind::Bool,
            Value::Int(_) => Kind::Int,
            Value::Float(_) => Kind::Float,
            Value::String(_) => Kind::String,
            Value::Object(o) => match o.underlying() {
                Some(v) => v.kind(),
                None => Kind::Other,
            },
            _ => Kind::Other,
        }
    }

    /// Go's `missingkey=zero` value for a map: the zero of the element
    /// type. Go knows the declared type; we know only the values, so a map
    /// of strings (or an empty map: label maps) gives `""` and any other
    /// map `nil` (Go's zero `interface{}`, printed `<no value>`).
    pub(crate) fn zero_element(map: &Map) -> Value {
        if map.values().all(|v| v.kind() == Kind::String) {
            Value::str("")
        } else {
            Value::Nil
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::str(s)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::List(Arc::new(items))
    }
}

impl From<&BTreeMap<String, String>> for Value {
    fn from(labels: &BTreeMap<String, String>) -> Self {
        Value::string_map(labels)
    }
}

/// JSON data as a template sees it after Go's `json.Unmarshal` into
/// `interface{}`: numbers are `float64`, objects are maps.
impl From<&serde_json::Value> for Value {
    fn from(json: &serde_json::Value) -> Self {
        match json {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::str(s.as_str()),
            serde_json::Value::Array(items) => Value::list(items.iter().map(Value::from)),
            serde_json::Value::Object(m) => {
                Value::map(m.iter().map(|(k, v)| (k.clone(), Value::from(v))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truth_follows_go() {
        assert!(!Value::Nil.is_true());
        assert!(!Value::Int(0).is_true());
        assert!(!Value::Float(0.0).is_true());
        assert!(!Value::str("").is_true());
        assert!(!Value::list([]).is_true());
        assert!(Value::str("x").is_true());
        assert!(Value::Float(f64::NAN).is_true());
    }

    #[test]
    fn zero_element_is_inferred_from_values() {
        let labels = BTreeMap::from([("a".to_string(), "b".to_string())]);
        let Value::Map(m) = Value::string_map(&labels) else {
            unreachable!()
        };
        assert_eq!(Value::zero_element(&m).as_str(), Some(""));
        assert!(matches!(Value::zero_element(&Map::new()), Value::String(_)));
        let args = Map::from([("arg0".into(), Value::Int(1))]);
        assert!(matches!(Value::zero_element(&args), Value::Nil));
    }

    #[test]
    fn safe_html_is_a_string_but_trusted() {
        let v = Value::safe_html("<b>");
        assert_eq!(super::super::format::action_format(&v), "<b>");
        assert_eq!(v.type_name(), "template.HTML");
        assert_eq!(v.kind(), Kind::String);
        assert!(v.is_true() && !Value::safe_html("").is_true());
        assert_eq!(v.as_safe_html(), Some("<b>"));
        assert_eq!(Value::str("<b>").as_safe_html(), None);
    }

    #[test]
    fn type_names_match_go() {
        assert_eq!(Value::Float(1.0).type_name(), "float64");
        assert_eq!(Value::list([Value::str("a")]).type_name(), "[]string");
        assert_eq!(Value::list([Value::Int(1)]).type_name(), "[]interface {}");
    }
}
