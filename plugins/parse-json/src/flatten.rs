//! A JSON object as borrowed `(key, raw value)` pairs, and the flattening of
//! those pairs into typed fields: nested objects become `parent_child` names
//! (as Loki's `json` stage names them), arrays stay as their JSON text, nulls
//! are skipped. Text is borrowed from the line unless it had to be unescaped.

use memchr::{memchr, memchr3};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;
use watchpost_sdk::Value;
use watchpost_sdk::parser::sanitize_name;

/// A JSON object's members in the order written, values as raw text.
pub struct Entries<'a>(pub Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(Key(key)) = map.next_key()? {
                    let value: &'de RawValue = map.next_value()?;
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(ObjectVisitor)
    }
}

/// An object key, borrowed unless it contained escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// The text of a raw JSON string value (borrowed when it has no escapes);
/// `None` when `raw` is not a string.
pub fn string_value(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if memchr(b'\\', inner.as_bytes()).is_none() {
        return Some(Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
}

/// Flattens values into fields.
pub struct Flattener {
    pub separator: String,
    pub max_depth: usize,
}

impl Flattener {
    /// Adds the field(s) for member `key` (at nesting `depth`, 1 for the top
    /// level) with raw value `raw`, named under `prefix`.
    pub fn push<'a>(
        &self,
        fields: &mut Vec<(Cow<'a, str>, Value<'a>)>,
        prefix: Option<&str>,
        key: Cow<'a, str>,
        raw: &'a str,
        depth: usize,
    ) -> Result<(), String> {
        let name = match prefix {
            None => sanitize_name(key, true),
            Some(p) => {
                let key = sanitize_name(key, false);
                let mut name = String::with_capacity(p.len() + self.separator.len() + key.len());
                name.push_str(p);
                name.push_str(&self.separator);
                name.push_str(&key);
                Cow::Owned(name)
            }
        };
        let value = match raw.as_bytes().first() {
            Some(b'{') if depth < self.max_depth => {
                let Entries(members) = serde_json::from_str(raw)
                    .map_err(|e| format!("invalid JSON in {name:?}: {e}"))?;
                for (k, v) in members {
                    self.push(fields, Some(&name), k, v.get(), depth + 1)?;
                }
                return Ok(());
            }
            // Deeper objects and arrays: their JSON text, borrowed.
            Some(b'{' | b'[') => Value::Text(Cow::Borrowed(raw)),
            Some(b'"') => Value::Text(
                string_value(raw).ok_or_else(|| format!("invalid JSON string in {name:?}"))?,
            ),
            Some(b't') => Value::Boolean(true),
            Some(b'f') => Value::Boolean(false),
            Some(b'n') | None => return Ok(()),
            Some(_) => number(raw),
        };
        fields.push((name, value));
        Ok(())
    }
}

/// A JSON number: an integer when written without fraction or exponent and
/// within `i64`, a float otherwise; integers too large for `i64` (IDs) stay
/// text rather than lose digits.
fn number(raw: &str) -> Value<'_> {
    if memchr3(b'.', b'e', b'E', raw.as_bytes()).is_none() {
        return raw
            .parse::<i64>()
            .map_or(Value::Text(Cow::Borrowed(raw)), Value::Integer);
    }
    raw.parse::<f64>()
        .map_or(Value::Text(Cow::Borrowed(raw)), Value::Float)
}
