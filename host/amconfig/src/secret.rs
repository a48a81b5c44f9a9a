//! Secrets: the [`Secret`] string that never prints its value, the
//! [`SecretFile`] path of a `*_file` field, and [`resolve_env`], the
//! `${NAME}` interpolation used by [`Config::load_with_env`].
//!
//! Interpolation runs while the YAML is decoded, on string *values* only
//! (not on keys), after the YAML syntax has been parsed: a substituted value
//! can never change the structure of the document, and a YAML error's
//! snippet never shows a substituted secret. `$${` stands for a literal
//! `${`; a `$` not followed by `{` is kept as is. Alertmanager itself does
//! not expand variables, so [`Config::load`] leaves `${...}` untouched.
//!
//! [`Config::load_with_env`]: crate::Config::load_with_env
//! [`Config::load`]: crate::Config::load

use crate::error::{EnvError, Error};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// What a secret is rendered as (Alertmanager's `<secret>`).
pub const SECRET_TOKEN: &str = "<secret>";

/// A string that must not be revealed: `Debug`, `Display` and `Serialize`
/// show `<secret>` (serialization shows nothing for an empty secret, as
/// Alertmanager's YAML marshaller does). Use [`Secret::expose`] to get the
/// value.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether it is the empty string (Alertmanager's "not set").
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SECRET_TOKEN)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SECRET_TOKEN)
    }
}

thread_local! {
    static REVEAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with secrets serialized as their values instead of
/// `<secret>` (on this thread only): for handing an integration's settings
/// to the notifier that needs them. Everywhere else they stay hidden.
pub fn revealed<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            REVEAL.with(|r| r.set(self.0));
        }
    }
    let _restore = Restore(REVEAL.with(|r| r.replace(true)));
    f()
}

/// Whether secrets are being serialized as their values (see [`revealed`]).
pub(crate) fn revealing() -> bool {
    REVEAL.with(std::cell::Cell::get)
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_empty() {
            s.serialize_none()
        } else if revealing() {
            s.serialize_str(&self.0)
        } else {
            s.serialize_str(SECRET_TOKEN)
        }
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// The path in a `*_file` field (`api_key_file`, `password_file`, ...).
/// Empty means "not set". Paths are kept as written; [`SecretFile::read`]
/// reads the file when the secret is needed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretFile(pub String);

impl SecretFile {
    /// Whether no path was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The path.
    pub fn path(&self) -> &str {
        &self.0
    }

    /// Reads the whole file as the secret (no trimming).
    pub fn read(&self) -> Result<Secret, Error> {
        std::fs::read_to_string(&self.0)
            .map(Secret)
            .map_err(|source| Error::Io {
                path: self.0.clone(),
                source,
            })
    }

    /// Reads the file with surrounding whitespace removed, as Alertmanager
    /// does for most `*_file` secrets.
    pub fn read_trimmed(&self) -> Result<Secret, Error> {
        self.read().map(|s| Secret(s.0.trim().to_string()))
    }
}

/// Picks the inline secret, else reads the file (`trim` as Alertmanager
/// does for that field); `None` when neither is set.
pub(crate) fn inline_or_file(
    inline: &Secret,
    file: &SecretFile,
    trim: bool,
) -> Result<Option<Secret>, Error> {
    if !inline.is_empty() {
        Ok(Some(inline.clone()))
    } else if file.is_empty() {
        Ok(None)
    } else if trim {
        file.read_trimmed().map(Some)
    } else {
        file.read().map(Some)
    }
}

/// Replaces every `${NAME}` in `text` with `lookup(NAME)`. `$${` is a
/// literal `${`. Errors name the variable but never show a value or `text`.
///
/// ```
/// let env = |n: &str| (n == "KEY").then(|| "s3cret".to_string());
/// assert_eq!(watchpost_amconfig::resolve_env("a ${KEY} $${KEY}", &env).unwrap(), "a s3cret ${KEY}");
/// assert!(watchpost_amconfig::resolve_env("${NOPE}", &env).unwrap_err().to_string().contains("NOPE"));
/// ```
pub fn resolve_env(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, EnvError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            let end = tail.find('}').ok_or(EnvError::Unterminated)?;
            let name = &tail[..end];
            let valid = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit());
            if !valid {
                return Err(EnvError::BadName {
                    name: name.to_string(),
                });
            }
            let value = lookup(name).ok_or_else(|| EnvError::Unset {
                name: name.to_string(),
            })?;
            out.push_str(&value);
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("s3cret".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "<secret> <secret>");
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"<secret>\"");
        assert_eq!(serde_json::to_string(&Secret::default()).unwrap(), "null");
    }

    #[test]
    fn interpolates() {
        assert_eq!(
            resolve_env("Bearer ${TOKEN}", &env).unwrap(),
            "Bearer s3cret"
        );
        assert_eq!(resolve_env("a${EMPTY}b", &env).unwrap(), "ab");
        assert_eq!(
            resolve_env("cost $5 $${TOKEN}", &env).unwrap(),
            "cost $5 ${TOKEN}"
        );
        assert_eq!(resolve_env("{{ $labels }}", &env).unwrap(), "{{ $labels }}");
    }

    #[test]
    fn errors_name_the_variable_only() {
        let e = resolve_env("${MISSING}", &env).unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment variable MISSING is not set (referenced as ${MISSING})"
        );
        assert!(matches!(
            resolve_env("${1X}", &env),
            Err(EnvError::BadName { .. })
        ));
        let e = resolve_env("abc ${TOKEN", &env).unwrap_err();
        assert_eq!(e, EnvError::Unterminated);
    }

    #[test]
    fn reads_files() {
        let dir = std::env::temp_dir().join(format!("amconfig-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("key");
        std::fs::write(&path, "  abc\n").unwrap();
        let f = SecretFile(path.to_string_lossy().into_owned());
        assert_eq!(f.read().unwrap().expose(), "  abc\n");
        assert_eq!(f.read_trimmed().unwrap().expose(), "abc");
        let missing = SecretFile("/nonexistent/amconfig".into());
        assert!(matches!(missing.read(), Err(Error::Io { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[cfg(test)]
mod reveal_tests {
    use super::*;

    #[test]
    fn secrets_are_revealed_only_inside_revealed() {
        let secret = Secret::new("hunter2");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"<secret>\"");
        let shown = revealed(|| serde_json::to_string(&secret).unwrap());
        assert_eq!(shown, "\"hunter2\"");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"<secret>\"");
    }
}
