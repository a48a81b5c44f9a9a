//! YAML decoding with the semantics of Go's `gopkg.in/yaml.v2` in strict
//! mode, which Alertmanager uses, on top of `serde_norway` (YAML 1.2):
//!
//! * a null value (`key:` or `key: ~`) yields the zero value of the field
//!   (`""`, `false`, `0`, an empty list or map), not an error and not the
//!   text `~`;
//! * any scalar can be read as a string (`name: 123` is the name `"123"`);
//! * booleans accept YAML 1.1's words (`yes`, `no`, `on`, `off`, `y`, `n`
//!   in their usual capitalisations);
//! * maps reject duplicate keys (`key "x" already set in map`).
//!
//! It also carries the optional `${NAME}` interpolation of string values and
//! lets validation code inside `Deserialize` impls report Alertmanager's bare
//! message (see [`invalid`]), which the YAML library would otherwise prefix
//! with a path and suffix with a position.

use crate::error::{EnvError, Error, Location};
use crate::secret::resolve_env;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

/// An environment lookup for `${NAME}` references.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

enum Stashed {
    Invalid(String),
    Env(EnvError),
}

thread_local! {
    static STASH: RefCell<Option<Stashed>> = const { RefCell::new(None) };
}

/// Builds a deserialization error carrying Alertmanager's `message`; the
/// loader reports it as [`Error::Invalid`] with the bare message.
pub(crate) fn invalid<E: de::Error>(message: impl Into<String>) -> E {
    let message = message.into();
    let err = E::custom(&message);
    STASH.with(|s| *s.borrow_mut() = Some(Stashed::Invalid(message)));
    err
}

fn env_error<E: de::Error>(err: EnvError) -> E {
    let e = E::custom(&err);
    STASH.with(|s| *s.borrow_mut() = Some(Stashed::Env(err)));
    e
}

/// Decodes `text` into `T` with yaml.v2 semantics, interpolating `${NAME}`
/// in string values when `env` is given.
pub(crate) fn from_str<T: de::DeserializeOwned>(
    text: &str,
    env: Option<EnvLookup<'_>>,
) -> Result<T, Error> {
    STASH.with(|s| s.borrow_mut().take());
    let de = serde_norway::Deserializer::from_str(text);
    let result = T::deserialize(Lenient {
        de,
        ctx: Ctx { env, key: false },
    });
    let stashed = STASH.with(|s| s.borrow_mut().take());
    result.map_err(|e: serde_norway::Error| {
        let location = e.location().map(|l| Location {
            line: l.line(),
            column: l.column(),
        });
        match stashed {
            Some(Stashed::Invalid(message)) => Error::Invalid { message, location },
            Some(Stashed::Env(err)) => Error::Env(err),
            None => Error::Yaml {
                message: e.to_string(),
            },
        }
    })
}

#[derive(Clone, Copy)]
struct Ctx<'a> {
    env: Option<EnvLookup<'a>>,
    /// Decoding a map key: no interpolation.
    key: bool,
}

struct Lenient<'a, D> {
    de: D,
    ctx: Ctx<'a>,
}

struct Wrap<'a, V> {
    v: V,
    ctx: Ctx<'a>,
}

struct Seed<'a, S> {
    seed: S,
    ctx: Ctx<'a>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Lenient { de, ctx: self.ctx })
    }
}

struct Seq<'a, A> {
    a: A,
    ctx: Ctx<'a>,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Seq<'_, A> {
    type Error = A::Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.a.next_element_seed(Seed {
            seed,
            ctx: Ctx {
                key: false,
                ..self.ctx
            },
        })
    }
    fn size_hint(&self) -> Option<usize> {
        self.a.size_hint()
    }
}

struct Map<'a, A> {
    a: A,
    ctx: Ctx<'a>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Map<'_, A> {
    type Error = A::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.a.next_key_seed(Seed {
            seed,
            ctx: Ctx {
                key: true,
                ..self.ctx
            },
        })
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.a.next_value_seed(Seed {
            seed,
            ctx: Ctx {
                key: false,
                ..self.ctx
            },
        })
    }
    fn size_hint(&self) -> Option<usize> {
        self.a.size_hint()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> { self.v.$method(v) })*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.v.expecting(f)
    }
    forward_visit!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
        visit_str(&str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_byte_buf(Vec<u8>),
        visit_borrowed_str(&'de str),
        visit_borrowed_bytes(&'de [u8]),
    );
    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.v.visit_none()
    }
    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.v.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.v.visit_some(Lenient { de, ctx: self.ctx })
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.v.visit_newtype_struct(Lenient { de, ctx: self.ctx })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<V::Value, A::Error> {
        self.v.visit_seq(Seq { a, ctx: self.ctx })
    }
    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<V::Value, A::Error> {
        self.v.visit_map(Map { a, ctx: self.ctx })
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, a: A) -> Result<V::Value, A::Error> {
        self.v.visit_enum(a)
    }
}

macro_rules! null_then {
    ($name:ident, |$v:ident| $null:expr, |$v2:ident, $ctx:ident, $de:ident| $some:expr) => {
        struct $name<'a, V> {
            v: V,
            ctx: Ctx<'a>,
        }
        impl<'de, V: Visitor<'de>> Visitor<'de> for $name<'_, V> {
            type Value = V::Value;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                self.v.expecting(f)
            }
            fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
                let $v = self.v;
                $null
            }
            fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
                let $v = self.v;
                $null
            }
            fn visit_some<D: Deserializer<'de>>(self, $de: D) -> Result<V::Value, D::Error> {
                let $v2 = self.v;
                let $ctx = self.ctx;
                $some
            }
        }
    };
}

null_then!(NullStr, |v| v.visit_str(""), |v, ctx, de| de
    .deserialize_string(Str { v, ctx }));
null_then!(NullBool, |v| v.visit_bool(false), |v, ctx, de| {
    let _ = ctx;
    de.deserialize_any(Bool { v })
});
null_then!(
    NullSeq,
    |v| v.visit_seq(de::value::SeqDeserializer::<std::iter::Empty<()>, E>::new(
        std::iter::empty()
    )),
    |v, ctx, de| de.deserialize_seq(Wrap { v, ctx })
);
null_then!(
    NullMap,
    |v| v.visit_map(
        de::value::MapDeserializer::<std::iter::Empty<((), ())>, E>::new(std::iter::empty())
    ),
    |v, ctx, de| de.deserialize_map(Wrap { v, ctx })
);
null_then!(NullI64, |v| v.visit_i64(0), |v, ctx, de| de
    .deserialize_i64(Wrap { v, ctx }));
null_then!(NullU64, |v| v.visit_u64(0), |v, ctx, de| de
    .deserialize_u64(Wrap { v, ctx }));
null_then!(NullF64, |v| v.visit_f64(0.0), |v, ctx, de| de
    .deserialize_f64(Wrap { v, ctx }));

struct Str<'a, V> {
    v: V,
    ctx: Ctx<'a>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Str<'_, V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.v.expecting(f)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<V::Value, E> {
        match self.ctx.env {
            Some(env) if !self.ctx.key && s.contains('$') => {
                let s = resolve_env(s, env).map_err(env_error::<E>)?;
                self.v.visit_string(s)
            }
            _ => self.v.visit_str(s),
        }
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<V::Value, E> {
        if self.ctx.env.is_some() && !self.ctx.key && s.contains('$') {
            return self.visit_str(&s);
        }
        self.v.visit_string(s)
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<V::Value, E> {
        if self.ctx.env.is_some() && !self.ctx.key && s.contains('$') {
            return self.visit_str(s);
        }
        self.v.visit_borrowed_str(s)
    }
}

struct Bool<V> {
    v: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Bool<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.v.expecting(f)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<V::Value, E> {
        self.v.visit_bool(b)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<V::Value, E> {
        match s {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => self.v.visit_bool(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => self.v.visit_bool(false),
            _ => Err(E::invalid_type(de::Unexpected::Str(s), &"a boolean")),
        }
    }
}

macro_rules! forward_wrapped {
    ($($method:ident),*) => {
        $(fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            self.de.$method(Wrap { v, ctx: self.ctx })
        })*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Lenient<'_, D> {
    type Error = D::Error;

    forward_wrapped!(
        deserialize_any,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u128,
        deserialize_f32,
        deserialize_char,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_unit,
        deserialize_ignored_any
    );

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_option(NullBool { v, ctx: self.ctx })
    }
    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_option(NullI64 { v, ctx: self.ctx })
    }
    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_option(NullU64 { v, ctx: self.ctx })
    }
    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_option(NullF64 { v, ctx: self.ctx })
    }
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_option(NullStr { v, ctx: self.ctx })
    }
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_option(NullStr { v, ctx: self.ctx })
    }
    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_option(Wrap { v, ctx: self.ctx })
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.de
            .deserialize_unit_struct(name, Wrap { v, ctx: self.ctx })
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.de
            .deserialize_newtype_struct(name, Wrap { v, ctx: self.ctx })
    }
    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_option(NullSeq { v, ctx: self.ctx })
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_tuple(len, Wrap { v, ctx: self.ctx })
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.de
            .deserialize_tuple_struct(name, len, Wrap { v, ctx: self.ctx })
    }
    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_option(NullMap { v, ctx: self.ctx })
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_option(NullMap { v, ctx: self.ctx })
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_enum(name, variants, v)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_identifier(v)
    }
}

/// Deserializes a string-keyed map, rejecting duplicate keys as yaml.v2's
/// strict mode does. Use with `#[serde(deserialize_with = ...)]`.
pub(crate) fn unique_map<'de, D, V>(de: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: de::Deserialize<'de>,
{
    struct Vis<V>(PhantomData<V>);
    impl<'de, V: de::Deserialize<'de>> Visitor<'de> for Vis<V> {
        type Value = BTreeMap<String, V>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(k) = a.next_key::<String>()? {
                if out.contains_key(&k) {
                    // A decoding error in yaml.v2 too (`yaml: unmarshal errors:`).
                    return Err(de::Error::custom(format!("key {k:?} already set in map")));
                }
                let v = a.next_value()?;
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    de.deserialize_map(Vis(PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, default)]
    struct S {
        s: String,
        b: bool,
        n: i64,
        v: Vec<String>,
        #[serde(deserialize_with = "unique_map")]
        m: BTreeMap<String, String>,
        o: Option<String>,
    }

    fn parse(y: &str) -> Result<S, Error> {
        from_str(y, None)
    }

    #[test]
    fn yaml_v2_value_rules() {
        let z = parse("s: ~\nb:\nn: null\nv:\nm: ~\no: ~").unwrap();
        assert_eq!(z, S::default());
        let s = parse("s: 0x10\nb: yes\nv: [1, true, 1.50]\nm: {a: 1}").unwrap();
        assert_eq!(s.s, "0x10");
        assert!(s.b);
        assert_eq!(s.v, ["1", "true", "1.50"]);
        assert_eq!(s.m["a"], "1");
        assert!(!parse("b: Off").unwrap().b);
        assert!(matches!(parse("b: maybe"), Err(Error::Yaml { .. })));
        assert!(matches!(parse("n: '5'"), Err(Error::Yaml { .. })));
        let e = parse("m: {a: 1, a: 2}").unwrap_err().to_string();
        assert!(e.contains(r#"key "a" already set in map"#), "{e}");
        assert!(
            parse("x: 1")
                .unwrap_err()
                .to_string()
                .contains("unknown field `x`")
        );
    }

    #[test]
    fn interpolates_values_not_keys() {
        let env = |n: &str| Some(format!("<{n}>"));
        let s: S = from_str("s: '${A}'\nm: {'${K}': '${V}'}\nv: ['${B}']", Some(&env)).unwrap();
        assert_eq!(s.s, "<A>");
        assert_eq!(s.m["${K}"], "<V>");
        assert_eq!(s.v, ["<B>"]);
        let e = from_str::<S>("s: ${MISSING}", Some(&|_| None)).unwrap_err();
        assert!(matches!(e, Error::Env(EnvError::Unset { .. })));
    }
}
