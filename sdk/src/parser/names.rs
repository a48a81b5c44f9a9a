//! The names parsers map: level words to a [`Severity`], and keys to valid
//! field and label names.

use crate::byteset::ByteSet;
use crate::types::Severity;
use std::borrow::Cow;

/// The severity a level name stands for, case-insensitively (`warn`,
/// `WARNING`, `err`, `fatal`, `CRIT`, logrus' `ERRO`, ...); `Unknown` when
/// the name is not a level.
pub fn severity_from_name(name: &str) -> Severity {
    // Every line of a log carries a level, so this runs per line: no
    // allocation, no loop over bytes.
    let mut buffer = [0u8; 16];
    let Some(lower) = crate::ascii::lowercase_into(&mut buffer, name) else {
        return Severity::Unknown;
    };
    match lower {
        b"info" | b"information" | b"informational" => Severity::Info,
        b"error" | b"err" | b"eror" | b"erro" => Severity::Error,
        b"warn" | b"warning" => Severity::Warning,
        b"debug" | b"dbg" | b"debu" => Severity::Debug,
        b"trace" | b"trc" | b"trac" => Severity::Trace,
        b"notice" => Severity::Notice,
        b"critical" | b"crit" | b"fatal" | b"fata" | b"severe" | b"dpanic" => Severity::Critical,
        b"alert" => Severity::Alert,
        b"emerg" | b"emergency" | b"panic" | b"pani" => Severity::Emergency,
        _ => Severity::Unknown,
    }
}

/// The bytes of a valid name.
const NAME: ByteSet = ByteSet::ALPHANUMERIC.with(b'_');

/// `name` made a valid field or label name as Loki's parsers do it:
/// characters other than ASCII letters, digits and `_` become `_`, and (when
/// `leading` says the name starts a full name) a leading digit gets a `_` in
/// front; an empty name is `_`. Only a name that needs it is copied.
pub fn sanitize_name(name: Cow<'_, str>, leading: bool) -> Cow<'_, str> {
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let needs_prefix = leading && name.starts_with(|c: char| c.is_ascii_digit());
    // Bytes, not chars: every valid char is ASCII, so a name is valid when
    // each of its bytes is (no UTF-8 decoding for the common case).
    if !name.is_empty() && !needs_prefix && NAME.all(name.as_bytes()) {
        return name;
    }
    let mut clean = String::with_capacity(name.len() + 1);
    if needs_prefix || name.is_empty() {
        clean.push('_');
    }
    clean.extend(name.chars().map(|c| if valid(c) { c } else { '_' }));
    Cow::Owned(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_name_in_any_case() {
        const NAMES: &[(&str, Severity)] = &[
            ("info", Severity::Info),
            ("information", Severity::Info),
            ("informational", Severity::Info),
            ("error", Severity::Error),
            ("err", Severity::Error),
            ("eror", Severity::Error),
            ("erro", Severity::Error),
            ("warn", Severity::Warning),
            ("warning", Severity::Warning),
            ("debug", Severity::Debug),
            ("dbg", Severity::Debug),
            ("debu", Severity::Debug),
            ("trace", Severity::Trace),
            ("trc", Severity::Trace),
            ("trac", Severity::Trace),
            ("notice", Severity::Notice),
            ("critical", Severity::Critical),
            ("crit", Severity::Critical),
            ("fatal", Severity::Critical),
            ("fata", Severity::Critical),
            ("severe", Severity::Critical),
            ("dpanic", Severity::Critical),
            ("alert", Severity::Alert),
            ("emerg", Severity::Emergency),
            ("emergency", Severity::Emergency),
            ("panic", Severity::Emergency),
            ("pani", Severity::Emergency),
        ];
        for &(name, severity) in NAMES {
            for spelling in crate::ascii::case_spellings(name) {
                assert_eq!(severity_from_name(&spelling), severity, "{spelling}");
            }
            // Not a prefix, a suffix or a padded name.
            let padded = format!(" {name}");
            for near in [&name[1..], &name[..name.len() - 1], padded.as_str()] {
                if !NAMES.iter().any(|(n, _)| *n == near) {
                    assert_eq!(severity_from_name(near), Severity::Unknown, "{near:?}");
                }
            }
        }
        // Longer than any level; non-ASCII case folding is not attempted.
        assert_eq!(
            severity_from_name("informationalinformational"),
            Severity::Unknown
        );
        assert_eq!(severity_from_name("\u{130}nfo"), Severity::Unknown);
    }

    #[test]
    fn levels() {
        assert_eq!(severity_from_name("WARNING"), Severity::Warning);
        assert_eq!(severity_from_name("Err"), Severity::Error);
        assert_eq!(severity_from_name("CRITICAL"), Severity::Critical);
        assert_eq!(severity_from_name("erro"), Severity::Error);
        assert_eq!(severity_from_name("chatty"), Severity::Unknown);
        assert_eq!(severity_from_name(""), Severity::Unknown);
    }

    #[test]
    fn names() {
        let clean = |s: &str, leading| sanitize_name(Cow::Borrowed(s), leading).into_owned();
        assert!(matches!(
            sanitize_name(Cow::Borrowed("ok_1"), true),
            Cow::Borrowed(_)
        ));
        assert_eq!(clean("http.method", true), "http_method");
        assert_eq!(clean("9lives", true), "_9lives");
        assert_eq!(clean("9lives", false), "9lives");
        assert_eq!(clean("", true), "_");
        assert_eq!(clean("caf\u{e9}", true), "caf_");
    }
}
