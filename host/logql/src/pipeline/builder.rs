//! The per-line label state, Loki's `LabelsBuilder`: the stream labels (the
//! base), labels added or overridden by stages, deleted names, and the error
//! and error details that become `__error__` / `__error_details__`.

use crate::labels::{ERROR_DETAILS_LABEL, ERROR_LABEL, Labels};

/// `JSONParserErr`: `| json` or `| unpack` on a line that is not JSON.
pub const ERR_JSON: &str = "JSONParserErr";
/// `LogfmtParserErr`: `| logfmt --strict` on a malformed line.
pub const ERR_LOGFMT: &str = "LogfmtParserErr";
/// `LabelFilterErr`: a label that does not convert for a numeric filter.
pub const ERR_LABEL_FILTER: &str = "LabelFilterErr";
/// `SampleExtractionErr`: an unwrapped label that does not convert.
pub const ERR_SAMPLE_EXTRACTION: &str = "SampleExtractionErr";
/// `TemplateFormatErr`: a `line_format` / `label_format` template that fails.
pub const ERR_TEMPLATE_FORMAT: &str = "TemplateFormatErr";

/// Labels of one entry while its pipeline runs.
pub(crate) struct Builder<'a> {
    base: &'a Labels,
    add: Vec<(String, String)>,
    del: Vec<String>,
    err: String,
    err_details: String,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(base: &'a Labels) -> Self {
        Self {
            base,
            add: Vec::new(),
            del: Vec::new(),
            err: String::new(),
            err_details: String::new(),
        }
    }

    /// Whether the stream labels had `name` (decides the `_extracted` suffix).
    pub(crate) fn base_has(&self, name: &str) -> bool {
        self.base.contains(name)
    }

    /// The current value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        if let Some((_, v)) = self.add.iter().find(|(n, _)| n == name) {
            return Some(v);
        }
        if self.del.iter().any(|d| d == name) {
            return None;
        }
        self.base.get(name)
    }

    /// Sets `name`, overriding a stream label of the same name.
    pub(crate) fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.add.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.add.push((name.to_string(), value)),
        }
    }

    pub(crate) fn del(&mut self, name: &str) {
        self.add.retain(|(n, _)| n != name);
        if !self.del.iter().any(|d| d == name) {
            self.del.push(name.to_string());
        }
    }

    pub(crate) fn set_err(&mut self, err: &str) {
        self.err = err.to_string();
    }

    pub(crate) fn err(&self) -> &str {
        &self.err
    }

    pub(crate) fn has_err(&self) -> bool {
        !self.err.is_empty()
    }

    pub(crate) fn reset_err(&mut self) {
        self.err.clear();
    }

    pub(crate) fn set_details(&mut self, details: impl Into<String>) {
        self.err_details = details.into();
    }

    pub(crate) fn details(&self) -> &str {
        &self.err_details
    }

    pub(crate) fn reset_details(&mut self) {
        self.err_details.clear();
    }

    /// Sets the error and its details.
    pub(crate) fn fail(&mut self, err: &str, details: Option<String>) {
        self.set_err(err);
        if let Some(d) = details {
            self.set_details(d);
        }
    }

    /// The current label set, `__error__` and `__error_details__` included.
    pub(crate) fn labels(&self) -> Labels {
        let mut pairs: Vec<(String, String)> = self
            .base
            .iter()
            .filter(|(n, _)| {
                !self.del.iter().any(|d| d == n) && !self.add.iter().any(|(a, _)| a == n)
            })
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        pairs.extend(self.add.iter().cloned());
        if !self.err.is_empty() {
            pairs.retain(|(n, _)| n != ERROR_LABEL);
            pairs.push((ERROR_LABEL.into(), self.err.clone()));
        }
        if !self.err_details.is_empty() {
            pairs.retain(|(n, _)| n != ERROR_DETAILS_LABEL);
            pairs.push((ERROR_DETAILS_LABEL.into(), self.err_details.clone()));
        }
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        Labels::from_sorted(pairs)
    }

    /// Names of the current labels except the error labels (for `keep`).
    pub(crate) fn names(&self) -> Vec<(String, String)> {
        self.labels()
            .iter()
            .filter(|(n, _)| *n != ERROR_LABEL && *n != ERROR_DETAILS_LABEL)
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }
}
