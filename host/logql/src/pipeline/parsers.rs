//! The `json`, `json a="path"`, `unpack` and `regexp` parser stages, adding
//! labels exactly as Loki does: nested JSON objects flatten with `_`, arrays
//! and nulls are skipped, names are sanitised (invalid characters become `_`,
//! a leading digit gets a `_`), and a name already used by a stream label
//! gets the `_extracted` suffix.

use regex::Regex;

use super::builder::{Builder, ERR_JSON};
use super::json::{JsonError, JsonType, get_value, label_value, object_each, unescape};
use crate::ast::LabelExtraction;

const DUPLICATE_SUFFIX: &str = "_extracted";

/// Loki's `sanitizeLabelKey(key, true)`.
pub(crate) fn sanitize_label_key(key: &str) -> String {
    let key = key.trim();
    let mut out = String::with_capacity(key.len() + 1);
    if key.starts_with(|c: char| c.is_ascii_digit()) {
        out.push('_');
    }
    append_sanitized_chars(&mut out, key);
    out
}

fn append_sanitized_chars(out: &mut String, key: &str) {
    out.extend(key.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        }
    }));
}

/// Whether `name` is a valid Prometheus label name.
pub(crate) fn is_valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The name under which an extracted key is set.
fn extracted_name(b: &Builder<'_>, name: String) -> String {
    if b.base_has(&name) {
        name + DUPLICATE_SUFFIX
    } else {
        name
    }
}

/// `| json`: every string, number and boolean member, nested objects flattened.
pub(crate) fn json_all(line: &str, b: &mut Builder<'_>) {
    let mut prefix = String::new();
    if let Err(e) = json_object(line.as_bytes(), &mut prefix, b) {
        b.fail(ERR_JSON, Some(e.message().to_string()));
    }
}

fn json_object(data: &[u8], prefix: &mut String, b: &mut Builder<'_>) -> Result<(), JsonError> {
    object_each(data, &mut |key, value, ty| {
        match ty {
            JsonType::String | JsonType::Number | JsonType::Boolean => {
                let name = if prefix.is_empty() {
                    sanitize_label_key(key)
                } else {
                    let mut n = prefix.clone();
                    n.push('_');
                    append_sanitized_chars(&mut n, key.trim());
                    n
                };
                if !name.is_empty() {
                    let name = extracted_name(b, name);
                    b.set(&name, label_value(value, ty));
                }
            }
            JsonType::Object => {
                let len = prefix.len();
                let key = key.trim();
                if !key.is_empty() {
                    if prefix.is_empty() {
                        prefix.push_str(&sanitize_label_key(key));
                    } else {
                        prefix.push('_');
                        append_sanitized_chars(prefix, key);
                    }
                } else if !prefix.is_empty() {
                    prefix.push('_');
                }
                let res = json_object(value, prefix, b);
                prefix.truncate(len);
                res?;
            }
            JsonType::Array | JsonType::Null => {}
        }
        Ok(())
    })
}

/// One step of a `| json label="a.b[0]"` path.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum PathElem {
    Key(String),
    Index(usize),
}

/// Parses a JSON expression (`a.b`, `a["b.c"]`, `a[0].b`) as Loki's `jsonexpr`.
pub(crate) fn parse_json_path(expr: &str) -> Result<Vec<PathElem>, String> {
    let s: Vec<char> = expr.chars().collect();
    let (mut i, mut out) = (0, Vec::new());
    let field = |i: &mut usize| -> String {
        let start = *i;
        while *i < s.len() && (s[*i].is_ascii_alphanumeric() || s[*i] == '_') {
            *i += 1;
        }
        s[start..*i].iter().collect()
    };
    while i < s.len() {
        match s[i] {
            ' ' | '\t' | '\n' => i += 1,
            '.' if !out.is_empty() => {
                i += 1;
                if !(i < s.len() && (s[i].is_ascii_alphabetic() || s[i] == '_')) {
                    return Err("syntax error: unexpected character after '.'".into());
                }
                out.push(PathElem::Key(field(&mut i)));
            }
            c if (c.is_ascii_alphabetic() || c == '_') && out.is_empty() => {
                out.push(PathElem::Key(field(&mut i)))
            }
            '[' => {
                i += 1;
                if s.get(i) == Some(&'"') {
                    let end = s[i + 1..]
                        .iter()
                        .position(|c| *c == '"')
                        .ok_or("unterminated string")?;
                    out.push(PathElem::Key(s[i + 1..i + 1 + end].iter().collect()));
                    i += end + 2;
                } else {
                    let n = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                    if n == 0 {
                        return Err(format!(
                            "unexpected char {}",
                            s.get(i).copied().unwrap_or(' ')
                        ));
                    }
                    if s.get(i + n) == Some(&'.') {
                        return Err("cannot use float as array index".into());
                    }
                    let idx = s[i..i + n]
                        .iter()
                        .collect::<String>()
                        .parse()
                        .map_err(|_| "invalid index")?;
                    out.push(PathElem::Index(idx));
                    i += n;
                }
                if s.get(i) != Some(&']') {
                    return Err("syntax error: expecting ]".into());
                }
                i += 1;
            }
            c => return Err(format!("unexpected char {c}")),
        }
    }
    if out.is_empty() {
        return Err("syntax error: unexpected $end".into());
    }
    Ok(out)
}

/// Follows `path` from a value of type `ty`: `Ok(None)` when absent.
fn lookup<'d>(
    v: &'d [u8],
    ty: JsonType,
    path: &[PathElem],
) -> Result<Option<(&'d [u8], JsonType)>, JsonError> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(Some((v, ty)));
    };
    match (first, ty) {
        (PathElem::Key(k), JsonType::Object) => {
            let mut hit = None;
            object_each(v, &mut |key, value, t| {
                if hit.is_none() && key == k {
                    hit = Some((value, t));
                }
                Ok(())
            })?;
            match hit {
                Some((value, t)) => lookup(value, t, rest),
                None => Ok(None),
            }
        }
        (PathElem::Index(n), JsonType::Array) => match array_nth(v, *n)? {
            Some(elem) => {
                let (value, t, _) = get_value(elem)?;
                lookup(value, t, rest)
            }
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

fn array_nth(arr: &[u8], n: usize) -> Result<Option<&[u8]>, JsonError> {
    let skip_ws = |s: &[u8]| {
        s.iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(s.len())
    };
    let mut off = 1; // past '['
    let mut i = 0;
    loop {
        let rest = &arr[off..];
        if rest.get(skip_ws(rest)) == Some(&b']') {
            return Ok(None);
        }
        if i == n {
            return Ok(Some(rest));
        }
        let (_, _, end) = get_value(rest)?;
        off += end;
        let ws = skip_ws(&arr[off..]);
        if arr.get(off + ws) != Some(&b',') {
            return Ok(None);
        }
        off += ws + 1;
        i += 1;
    }
}

/// `| json a="b.c", d`: only these paths, every label set (`""` when absent).
pub(crate) fn json_expressions(
    line: &str,
    exprs: &[(LabelExtraction, Vec<PathElem>)],
    b: &mut Builder<'_>,
) {
    if line.is_empty() {
        return;
    }
    if !matches!(line.as_bytes()[0], b'"' | b'{' | b'[') {
        b.fail(ERR_JSON, None);
        return;
    }
    for (ex, path) in exprs {
        let found = get_value(line.as_bytes()).and_then(|(v, ty, _)| lookup(v, ty, path));
        match found {
            Ok(Some((v, ty))) => {
                let value = match ty {
                    JsonType::Object | JsonType::Array | JsonType::Number => {
                        String::from_utf8_lossy(v).into_owned()
                    }
                    other => label_value(v, other),
                };
                let name = extracted_name(b, ex.label.clone());
                b.set(&name, value);
            }
            Ok(None) => {}
            Err(e) => b.fail(ERR_JSON, Some(e.message().to_string())),
        }
    }
    for (ex, _) in exprs {
        if b.get(&ex.label).is_none() {
            b.set(&ex.label, "");
        }
    }
}

/// `| unpack`: string members become labels when the object has a packed
/// `_entry`, which replaces the line.
pub(crate) fn unpack(line: &str, b: &mut Builder<'_>) -> Option<String> {
    if line.is_empty() {
        return None;
    }
    if !line.starts_with('{') {
        b.fail(
            ERR_JSON,
            Some("expecting json object(6), but it is not".into()),
        );
        return None;
    }
    let (mut entry, mut pairs) = (None, Vec::new());
    let res = object_each(line.as_bytes(), &mut |key, value, ty| {
        if ty != JsonType::String {
            return Ok(());
        }
        if key == "_entry" {
            entry = Some(unescape(value).ok_or(JsonError::MalformedStringEscape)?);
            return Ok(());
        }
        pairs.push((key.to_string(), label_value(value, ty)));
        Ok(())
    });
    if let Err(e) = res {
        b.fail(ERR_JSON, Some(e.message().to_string()));
        return None;
    }
    let entry = entry?;
    for (key, value) in pairs {
        let name = extracted_name(b, key);
        b.set(&sanitize_label_key(&name), value);
    }
    Some(entry)
}

/// `| regexp "..."`: named captures of the first match become labels.
#[derive(Clone, Debug)]
pub(crate) struct RegexpParser {
    re: Regex,
    names: Vec<(usize, String)>,
}

impl RegexpParser {
    pub(crate) fn new(pattern: &str) -> Result<Self, String> {
        let re = watchpost_goregex::compile(pattern)?;
        let mut names = Vec::new();
        for (i, name) in re.capture_names().enumerate() {
            let Some(name) = name else { continue };
            if !is_valid_label_name(name) {
                return Err(format!("invalid extracted label name '{name}'"));
            }
            names.push((i, name.to_string()));
        }
        if names.is_empty() {
            return Err("at least one named capture must be supplied".into());
        }
        Ok(Self { re, names })
    }

    pub(crate) fn process(&self, line: &str, b: &mut Builder<'_>) {
        let Some(caps) = self.re.captures(line) else {
            return;
        };
        for (i, name) in &self.names {
            let value = caps.get(*i).map_or("", |m| m.as_str());
            let name = extracted_name(b, sanitize_label_key(name));
            b.set(&name, value);
        }
    }
}
