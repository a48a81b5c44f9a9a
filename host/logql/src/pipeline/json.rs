//! A port of the parts of `buger/jsonparser` Loki's JSON stages rely on: a
//! lenient, streaming walk over an object's members that reports values raw
//! (numbers keep their text) and fails with jsonparser's messages. Members
//! seen before an error have already been reported, as in Loki.

/// The type of a JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonType {
    String,
    Number,
    Object,
    Array,
    Boolean,
    Null,
}

/// jsonparser's errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonError {
    MalformedJson,
    MalformedObject,
    MalformedArray,
    MalformedString,
    MalformedStringEscape,
    UnknownValueType,
}

impl JsonError {
    pub(crate) fn message(self) -> &'static str {
        match self {
            JsonError::MalformedJson => "Malformed JSON error",
            JsonError::MalformedObject => {
                "Value looks like object, but can't find closing '}' symbol"
            }
            JsonError::MalformedArray => "Value is array, but can't find closing ']' symbol",
            JsonError::MalformedString => "Value is string, but can't find closing '\"' symbol",
            JsonError::MalformedStringEscape => {
                "Encountered an invalid escape sequence in a string"
            }
            JsonError::UnknownValueType => "Unknown value type",
        }
    }
}

fn next_token(data: &[u8]) -> Option<usize> {
    data.iter()
        .position(|c| !matches!(c, b' ' | b'\n' | b'\r' | b'\t'))
}

/// Index after the closing quote of a string whose opening quote was
/// consumed, and whether it contains escapes.
fn string_end(data: &[u8]) -> Option<(usize, bool)> {
    let mut escaped = false;
    for (i, &c) in data.iter().enumerate() {
        if c == b'"' {
            if !escaped {
                return Some((i + 1, false));
            }
            let backslashes = data[..i].iter().rev().take_while(|b| **b == b'\\').count();
            if backslashes % 2 == 0 {
                return Some((i + 1, true));
            }
        } else if c == b'\\' {
            escaped = true;
        }
    }
    None
}

fn block_end(data: &[u8], open: u8, close: u8) -> Option<usize> {
    let (mut level, mut i) = (0i32, 0);
    while i < data.len() {
        match data[i] {
            b'"' => i += string_end(&data[i + 1..])?.0,
            c if c == open => level += 1,
            c if c == close => {
                level -= 1;
                if level == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn token_end(data: &[u8]) -> usize {
    data.iter()
        .position(|c| matches!(c, b' ' | b'\n' | b'\r' | b'\t' | b',' | b'}' | b']'))
        .unwrap_or(data.len())
}

/// The first value in `data`: its raw bytes (strings without quotes), type
/// and the offset just after it.
pub(crate) fn get_value(data: &[u8]) -> Result<(&[u8], JsonType, usize), JsonError> {
    let off = next_token(data).ok_or(JsonError::MalformedJson)?;
    let rest = &data[off..];
    let (ty, end) = match rest[0] {
        b'"' => (
            JsonType::String,
            string_end(&rest[1..]).ok_or(JsonError::MalformedString)?.0 + 1,
        ),
        b'[' => (
            JsonType::Array,
            block_end(rest, b'[', b']').ok_or(JsonError::MalformedArray)?,
        ),
        b'{' => (
            JsonType::Object,
            block_end(rest, b'{', b'}').ok_or(JsonError::MalformedObject)?,
        ),
        first => {
            let end = token_end(rest);
            let word = &rest[..end];
            let ty = match first {
                b't' | b'f' if word == b"true" || word == b"false" => JsonType::Boolean,
                b'n' | b'u' if word == b"null" => JsonType::Null,
                b'0'..=b'9' | b'-' => JsonType::Number,
                _ => return Err(JsonError::UnknownValueType),
            };
            (ty, end)
        }
    };
    let value = if ty == JsonType::String {
        &rest[1..end - 1]
    } else {
        &rest[..end]
    };
    Ok((value, ty, off + end))
}

/// The callback of [`object_each`]: key, raw value, type.
pub(crate) type MemberFn<'d, 'f> =
    dyn FnMut(&str, &'d [u8], JsonType) -> Result<(), JsonError> + 'f;

/// Calls `f(key, value, type)` for each member of the object in `data`.
/// `f` may stop the walk with an error.
pub(crate) fn object_each<'d>(data: &'d [u8], f: &mut MemberFn<'d, '_>) -> Result<(), JsonError> {
    let mut off = next_token(data).ok_or(JsonError::MalformedObject)?;
    if data[off] != b'{' {
        return Err(JsonError::MalformedObject);
    }
    off += 1;
    off += next_token(&data[off..]).ok_or(JsonError::MalformedJson)?;
    if data[off] == b'}' {
        return Ok(());
    }
    while off < data.len() {
        match data[off] {
            b'"' => off += 1,
            b'}' => return Ok(()),
            _ => return Err(JsonError::MalformedObject),
        }
        let (end, escaped) = string_end(&data[off..]).ok_or(JsonError::MalformedJson)?;
        let raw_key = &data[off..off + end - 1];
        off += end;
        let key = if escaped {
            unescape(raw_key).ok_or(JsonError::MalformedStringEscape)?
        } else {
            String::from_utf8_lossy(raw_key).into_owned()
        };
        off += next_token(&data[off..]).ok_or(JsonError::MalformedJson)?;
        if data[off] != b':' {
            return Err(JsonError::MalformedJson);
        }
        off += 1;
        let (value, ty, end) = get_value(&data[off..])?;
        f(&key, value, ty)?;
        off += end;
        off += next_token(&data[off..]).ok_or(JsonError::MalformedArray)?;
        match data[off] {
            b'}' => return Ok(()),
            b',' => off += 1,
            _ => return Err(JsonError::MalformedObject),
        }
        off += next_token(&data[off..]).ok_or(JsonError::MalformedArray)?;
    }
    Err(JsonError::MalformedObject)
}

/// Unescapes the inside of a JSON string; `None` on an invalid escape.
pub(crate) fn unescape(raw: &[u8]) -> Option<String> {
    if !raw.contains(&b'\\') {
        return Some(String::from_utf8_lossy(raw).into_owned());
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        let c = *raw.get(i + 1)?;
        i += 2;
        let simple = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let (ch, used) = decode_unicode(&raw[i..])?;
                i += used;
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                continue;
            }
            _ => return None,
        };
        out.push(simple);
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Decodes `XXXX` (after `\u`), or a surrogate pair `XXXX\uYYYY`.
fn decode_unicode(s: &[u8]) -> Option<(char, usize)> {
    let hex4 = |b: &[u8]| -> Option<u32> {
        u32::from_str_radix(std::str::from_utf8(b.get(..4)?).ok()?, 16).ok()
    };
    let hi = hex4(s)?;
    if !(0xD800..0xE000).contains(&hi) {
        return Some((char::from_u32(hi)?, 4));
    }
    if s.get(4..6)? != b"\\u" {
        return None;
    }
    let lo = hex4(&s[6..])?;
    if !(0xDC00..0xE000).contains(&lo) || hi >= 0xDC00 {
        return None;
    }
    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    Some((char::from_u32(c)?, 10))
}

/// A value as Loki's `| json` reports it: strings unescaped (`""` when the
/// escape is invalid or yields U+FFFD), numbers as written, booleans.
pub(crate) fn label_value(raw: &[u8], ty: JsonType) -> String {
    match ty {
        JsonType::String => match unescape(raw) {
            Some(s) if !s.contains('\u{fffd}') => s,
            _ => String::new(),
        },
        JsonType::Boolean => if raw == b"true" { "true" } else { "false" }.into(),
        JsonType::Null => String::new(),
        _ => String::from_utf8_lossy(raw).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(s: &str) -> Result<Vec<(String, String, JsonType)>, JsonError> {
        let mut out = Vec::new();
        object_each(s.as_bytes(), &mut |k, v, t| {
            out.push((k.to_string(), String::from_utf8_lossy(v).into_owned(), t));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn walks_members() {
        let m =
            members(r#" {"a": 1.50, "b":"x\"y", "c":{"d":[1,2]}, "e":null, "f":true} trailing"#)
                .unwrap();
        assert_eq!(m[0], ("a".into(), "1.50".into(), JsonType::Number));
        assert_eq!(m[1], ("b".into(), "x\\\"y".into(), JsonType::String));
        assert_eq!(
            m[2],
            ("c".into(), r#"{"d":[1,2]}"#.into(), JsonType::Object)
        );
        assert_eq!(m[3].2, JsonType::Null);
        assert_eq!(m[4].2, JsonType::Boolean);
    }

    #[test]
    fn errors() {
        assert_eq!(members("not json"), Err(JsonError::MalformedObject));
        assert_eq!(members(r#"{"a":"b"#), Err(JsonError::MalformedString));
        assert_eq!(members(r#"{"a":x}"#), Err(JsonError::UnknownValueType));
        assert_eq!(unescape(br"\u00e9\ud83d\ude00").as_deref(), Some("é😀"));
        assert_eq!(unescape(br"\q"), None);
    }
}
