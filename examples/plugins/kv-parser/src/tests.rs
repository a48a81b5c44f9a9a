//! Unit tests: the tokenizer, typing, and whole batches through the SDK's
//! encoder (as the host would call the plugin).

use super::*;
use watchpost_sdk::parser::FieldValue;
use watchpost_sdk::parser::{line_batch, parse_batch, record_fields, resolve};
use watchpost_sdk::testing::TestHost;

fn meta() -> SourceMeta {
    SourceMeta {
        source: "app".into(),
        origin: "/var/log/app.log".into(),
        labels: vec![],
    }
}

fn parser(config: serde_json::Value) -> KvParser {
    TestHost::new().install();
    KvParser::new(serde_json::from_value(config).unwrap()).unwrap()
}

const LINE: &str =
    r#"level=info msg="hello world" user=bob latency_ms=12 ratio=0.25 ok=true service=api"#;

#[test]
fn the_example_line() {
    let mut p = parser(serde_json::json!({"labels": ["service"]}));
    let r = p.parse(LINE, &meta()).unwrap();
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(r.message, "hello world");
    assert_eq!(r.labels, [(Cow::Borrowed("service"), Cow::Borrowed("api"))]);
    assert_eq!(
        r.fields,
        [
            ("user".into(), Value::Text("bob".into())),
            ("latency_ms".into(), Value::Integer(12)),
            ("ratio".into(), Value::Float(0.25)),
            ("ok".into(), Value::Boolean(true)),
        ]
    );
}

#[test]
fn borrows_from_the_line() {
    let mut p = parser(serde_json::json!({"labels": ["service"]}));
    let r = p.parse(LINE, &meta()).unwrap();
    assert!(matches!(r.message, Cow::Borrowed(_)));
    assert!(r.fields.iter().all(|(k, v)| matches!(k, Cow::Borrowed(_))
        && !matches!(v, Value::Text(Cow::Owned(_)))));
    assert!(matches!(r.labels[0].1, Cow::Borrowed(_)));
}

#[test]
fn quoted_values_unescape_and_stay_text() {
    let pairs = pairs(r#"msg="say \"hi\"\\n" n="12" empty="" tail=x"#).unwrap();
    assert_eq!(pairs[0].value, "say \"hi\"\\n");
    assert!(matches!(pairs[0].value, Cow::Owned(_)));
    assert_eq!((pairs[1].value.as_ref(), pairs[1].quoted), ("12", true));
    assert_eq!(pairs[2].value, "");
    assert_eq!(pairs[3].value, "x");
    let mut p = parser(serde_json::json!({}));
    let r = p.parse(r#"code="404""#, &meta()).unwrap();
    assert_eq!(r.fields[0].1, Value::Text("404".into()));
}

#[test]
fn typing_rules() {
    assert_eq!(typed("-42".into()), Value::Integer(-42));
    assert_eq!(typed("1.5e3".into()), Value::Float(1500.0));
    assert_eq!(typed("false".into()), Value::Boolean(false));
    for text in ["inf", "NaN", "1e", "12ms", "-", "v1.2.3"] {
        assert_eq!(typed(text.into()), Value::Text(text.into()), "{text}");
    }
}

#[test]
fn levels() {
    let mut p = parser(serde_json::json!({}));
    for (level, severity) in [
        ("WARN", Severity::Warning),
        ("err", Severity::Error),
        ("fatal", Severity::Critical),
    ] {
        let line = format!("level={level} msg=x");
        let r = p.parse(&line, &meta()).unwrap();
        assert_eq!(r.severity, severity, "{level}");
        assert!(r.fields.is_empty());
    }
    // An unknown level is kept as a field so nothing is lost.
    let r = p.parse("level=chatty msg=x", &meta()).unwrap();
    assert_eq!(r.severity, Severity::Unknown);
    assert_eq!(r.fields, [("level".into(), Value::Text("chatty".into()))]);
}

#[test]
fn custom_keys_and_missing_message() {
    let mut p = parser(serde_json::json!({"level_key": "lvl", "message_key": "message"}));
    let line = "lvl=error message=boom";
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!((r.severity, r.message.as_ref()), (Severity::Error, "boom"));
    let line = "user=bob";
    assert_eq!(p.parse(line, &meta()).unwrap().message, line);
}

#[test]
fn lines_without_pairs_are_errors() {
    let mut p = parser(serde_json::json!({}));
    assert_eq!(
        p.parse("just some words", &meta()).unwrap_err(),
        "no key=value pair in line"
    );
    assert_eq!(
        p.parse("", &meta()).unwrap_err(),
        "no key=value pair in line"
    );
    assert!(
        p.parse("a=\"open", &meta())
            .unwrap_err()
            .contains("unterminated")
    );
    assert!(
        p.parse("=x", &meta())
            .unwrap_err()
            .contains("without a key")
    );
    // Bare words next to pairs are fine.
    assert_eq!(
        p.parse("started user=bob", &meta()).unwrap().fields.len(),
        1
    );
}

#[test]
fn a_batch_through_the_encoder() {
    let mut p = parser(serde_json::json!({"labels": ["service"]}));
    let batch = line_batch(meta(), &[LINE, "no pairs here"]);
    let out = parse_batch(&mut p, &batch);
    assert_eq!(out.records.len(), 2);
    let first = &out.records[0];
    assert_eq!(resolve(&batch.text, &out, first.message), "hello world");
    // Only the second line's error message is not a substring of the input.
    assert_eq!(out.arena, "no key=value pair in line");
    assert!(matches!(
        record_fields(&out, first)[1].value,
        FieldValue::Integer(12)
    ));
    let second = &out.records[1];
    assert_eq!(resolve(&batch.text, &out, second.message), "no pairs here");
    assert_eq!(
        resolve(&batch.text, &out, second.parse_error.unwrap()),
        "no key=value pair in line"
    );
}

/// The tokenizer as first written, char by char with `str` searches: the
/// byte scanner must split every line exactly as it does.
fn reference_pairs(line: &str) -> Result<Vec<Pair<'_>>, String> {
    fn quoted(body: &str) -> Option<(Cow<'_, str>, &str)> {
        let mut owned: Option<String> = None;
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    let value = owned.map_or(Cow::Borrowed(&body[..i]), Cow::Owned);
                    return Some((value, &body[i + 1..]));
                }
                '\\' => {
                    let buf = owned.get_or_insert_with(|| body[..i].to_string());
                    match chars.next()?.1 {
                        'n' => buf.push('\n'),
                        't' => buf.push('\t'),
                        other => buf.push(other),
                    }
                }
                c => {
                    if let Some(buf) = owned.as_mut() {
                        buf.push(c);
                    }
                }
            }
        }
        None
    }
    let mut out = Vec::new();
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        let word_end = rest.find([' ', '\t', '=']).unwrap_or(rest.len());
        let key = &rest[..word_end];
        rest = &rest[word_end..];
        let Some(after_eq) = rest.strip_prefix('=') else {
            rest = rest.trim_start();
            continue;
        };
        if key.is_empty() {
            return Err("'=' without a key".into());
        }
        let (value, quoted_, next) = match after_eq.strip_prefix('"') {
            Some(body) => {
                let (value, next) =
                    quoted(body).ok_or_else(|| format!("unterminated quoted value for {key}"))?;
                (value, true, next)
            }
            None => {
                let end = after_eq.find([' ', '\t']).unwrap_or(after_eq.len());
                (Cow::Borrowed(&after_eq[..end]), false, &after_eq[end..])
            }
        };
        out.push(Pair {
            key,
            value,
            quoted: quoted_,
        });
        rest = next.trim_start();
    }
    Ok(out)
}

#[test]
fn the_byte_scanner_splits_as_the_char_tokenizer() {
    // Delimiters, escapes, other whitespace and multi-byte characters.
    const ALPHABET: [&str; 18] = [
        "a", "b", "1", "n", "t", "=", "\"", "\\", " ", "\t", "\r", "\n", "é", "\u{a0}", "\u{3000}",
        "日本", "\u{b}", "\u{c}",
    ];
    for line in watchpost_sdk::testing::random_lines(&ALPHABET, 20_000) {
        assert_eq!(pairs(&line), reference_pairs(&line), "{line:?}");
    }
}
