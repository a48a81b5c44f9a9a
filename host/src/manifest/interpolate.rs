//! `${VAR}` interpolation of environment variables in plugin config values.
//! It runs after parsing, on string values only, so a secret never appears in
//! a parse error's source snippet. `$${` is a literal `${`.

/// Replaces every `${NAME}` in `text` using `lookup`. Returns the name of the
/// first variable that is not set, or that is malformed.
pub fn interpolate(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            let end = tail
                .find('}')
                .ok_or_else(|| format!("unterminated ${{...}} in {:?}", redact(text)))?;
            let name = &tail[..end];
            let valid = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit());
            if !valid {
                return Err(format!("invalid variable name ${{{name}}}"));
            }
            let value = lookup(name).ok_or_else(|| {
                format!("environment variable {name} is not set (referenced as ${{{name}}})")
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

/// Interpolates every string inside a TOML value, recursively.
pub fn interpolate_value(
    value: &mut toml::Value,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), String> {
    match value {
        toml::Value::String(s) => *s = interpolate(s, lookup)?,
        toml::Value::Array(items) => {
            for item in items {
                interpolate_value(item, lookup)?;
            }
        }
        toml::Value::Table(table) => {
            for (_, item) in table.iter_mut() {
                interpolate_value(item, lookup)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Config text can hold literal secrets; error messages show its shape only.
fn redact(text: &str) -> String {
    format!("<{} characters>", text.chars().count())
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
    fn replaces_and_escapes() {
        assert_eq!(
            interpolate("Bearer ${TOKEN}", &env).unwrap(),
            "Bearer s3cret"
        );
        assert_eq!(interpolate("a${EMPTY}b", &env).unwrap(), "ab");
        assert_eq!(
            interpolate("cost $5 $${TOKEN}", &env).unwrap(),
            "cost $5 ${TOKEN}"
        );
        assert_eq!(interpolate("no vars", &env).unwrap(), "no vars");
    }

    #[test]
    fn reports_missing_and_malformed() {
        let err = interpolate("${MISSING}", &env).unwrap_err();
        assert!(err.contains("MISSING") && err.contains("not set"), "{err}");
        assert!(interpolate("${1X}", &env).is_err());
        let err = interpolate("${TOKEN", &env).unwrap_err();
        assert!(!err.contains("TOKEN"), "must not echo config text: {err}");
    }
}
