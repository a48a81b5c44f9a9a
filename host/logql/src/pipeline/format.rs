//! The stages that rewrite lines and labels: `line_format` and `label_format`
//! (templates rendered by the host's [`TemplateEngine`]), `drop`, `keep` and
//! `decolorize`.

use std::sync::LazyLock;

use regex::Regex;

use super::TemplateEngine;
use super::builder::{Builder, ERR_TEMPLATE_FORMAT};
use crate::ast::{LabelFormat, NameOrMatcher};
use crate::labels::{ERROR_DETAILS_LABEL, ERROR_LABEL};
use crate::matcher::CompiledMatcher;

/// `| line_format`: the rendered template replaces the line; on a template
/// error the line stays and `__error__="TemplateFormatErr"` is set.
pub(crate) fn line_format(
    engine: &dyn TemplateEngine,
    template: &str,
    ts_ns: i64,
    line: &str,
    b: &mut Builder<'_>,
) -> Option<String> {
    match engine.render(template, line, ts_ns, &b.labels()) {
        Ok(s) => Some(s),
        Err(e) => {
            b.fail(ERR_TEMPLATE_FORMAT, Some(e));
            None
        }
    }
}

/// Checks a `label_format` stage as Loki does before running it.
pub(crate) fn check_label_formats(
    formats: &[LabelFormat],
    engine: &dyn TemplateEngine,
) -> Result<(), String> {
    let mut seen: Vec<&str> = Vec::new();
    for f in formats {
        let dst = match f {
            LabelFormat::Rename { dst, .. } => dst,
            LabelFormat::Template { dst, template } => {
                engine
                    .check(template)
                    .map_err(|e| format!("invalid template for label '{dst}': {e}"))?;
                dst
            }
        };
        if dst == ERROR_LABEL {
            return Err(format!("{dst} cannot be formatted"));
        }
        if seen.contains(&dst.as_str()) {
            return Err(format!(
                "multiple label name '{dst}' not allowed in a single format operation"
            ));
        }
        seen.push(dst);
    }
    Ok(())
}

/// `| label_format`: renames move a label, templates set one. Every
/// template of the stage sees the labels as they were at its first template.
pub(crate) fn label_format(
    engine: &dyn TemplateEngine,
    formats: &[LabelFormat],
    ts_ns: i64,
    line: &str,
    b: &mut Builder<'_>,
) {
    let mut snapshot = None;
    for f in formats {
        match f {
            LabelFormat::Rename { dst, src } => {
                if let Some(v) = b.get(src).map(str::to_string) {
                    b.set(dst, v);
                    b.del(src);
                }
            }
            LabelFormat::Template { dst, template } => {
                let labels = snapshot.get_or_insert_with(|| b.labels());
                match engine.render(template, line, ts_ns, labels) {
                    Ok(v) => b.set(dst, v),
                    Err(e) => b.fail(ERR_TEMPLATE_FORMAT, Some(e)),
                }
            }
        }
    }
}

/// A compiled `drop` / `keep` item.
#[derive(Clone, Debug)]
pub(crate) enum NameOrCompiled {
    Name(String),
    Matcher(CompiledMatcher),
}

impl NameOrCompiled {
    pub(crate) fn new(item: &NameOrMatcher) -> Result<Self, String> {
        Ok(match item {
            NameOrMatcher::Name(n) => NameOrCompiled::Name(n.clone()),
            NameOrMatcher::Matcher(m) => NameOrCompiled::Matcher(CompiledMatcher::new(m)?),
        })
    }
}

/// `| drop`: removes named labels, or labels whose value matches; dropping
/// `__error__` / `__error_details__` clears the error.
pub(crate) fn drop_labels(items: &[NameOrCompiled], b: &mut Builder<'_>) {
    for item in items {
        let (name, matcher) = match item {
            NameOrCompiled::Name(n) => (n.as_str(), None),
            NameOrCompiled::Matcher(m) => (m.name.as_str(), Some(m)),
        };
        let value = match name {
            ERROR_LABEL => b.err().to_string(),
            ERROR_DETAILS_LABEL => b.details().to_string(),
            _ => match b.get(name) {
                Some(v) => v.to_string(),
                None if matcher.is_none() => continue,
                None => String::new(),
            },
        };
        if matcher.is_some_and(|m| !m.matches(&value)) {
            continue;
        }
        match name {
            ERROR_LABEL => b.reset_err(),
            ERROR_DETAILS_LABEL => b.reset_details(),
            _ => b.del(name),
        }
    }
}

/// `| keep`: removes every label not named (or not matching); the error
/// labels always stay.
pub(crate) fn keep_labels(items: &[NameOrCompiled], b: &mut Builder<'_>) {
    if items.is_empty() {
        return;
    }
    for (name, value) in b.names() {
        let keep = items.iter().any(|item| match item {
            NameOrCompiled::Name(n) => *n == name,
            NameOrCompiled::Matcher(m) => m.name == name && m.matches(&value),
        });
        if !keep {
            b.del(&name);
        }
    }
}

/// ANSI escape sequences, as Loki's decolorizer (`acarl005/stripansi`).
static ANSI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        "[\u{1b}\u{9b}][\\[\\]()#;?]*(?:(?:(?:[a-zA-Z0-9]*(?:;[a-zA-Z0-9]*)*)?\u{7})|(?:(?:[0-9]{1,4}(?:;[0-9]{0,4})*)?[0-9A-PRZcf-ntqry=><~]))",
    )
    .expect("valid ANSI regex")
});

/// `| decolorize`: the line without ANSI colour codes.
pub(crate) fn decolorize(line: &str) -> Option<String> {
    match ANSI.replace_all(line, "") {
        std::borrow::Cow::Borrowed(_) => None,
        std::borrow::Cow::Owned(s) => Some(s),
    }
}
