//! Small helpers shared by the configuration types.

/// Implements `Deserialize` (the derived decoder, then `$validate`, whose
/// error is Alertmanager's message) and `Serialize` (the derived encoder) for
/// a type declared with `#[serde(remote = "Self")]`.
macro_rules! validated {
    ($t:ty, $validate:expr) => {
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let mut v = <$t>::deserialize(d)?;
                let check: fn(&mut $t) -> Result<(), String> = $validate;
                check(&mut v).map_err(crate::yaml::invalid)?;
                Ok(v)
            }
        }
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                <$t>::serialize(self, s)
            }
        }
    };
}
pub(crate) use validated;

/// `skip_serializing_if` helper for `false`.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

/// `skip_serializing_if` helper for zero integers.
pub(crate) fn is_zero_i64(n: &i64) -> bool {
    *n == 0
}

/// `skip_serializing_if` helper for values equal to their default.
pub(crate) fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}
