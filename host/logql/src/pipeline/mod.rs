//! Running a log pipeline on one entry. [`Pipeline::new`] compiles the
//! stages after a selector once (regexes, IP patterns, JSON paths, template
//! checks); [`Pipeline::process`] runs them on a line and its stream labels:
//! it returns the (maybe rewritten) line, or `None` when a filter drops it,
//! and leaves the resulting labels — extracted labels, `__error__` and
//! `__error_details__` included — in place of the stream labels. Stages run
//! in the order written. Templates are rendered by the host's
//! [`TemplateEngine`] (Go `text/template` in Watchpost).

pub(crate) mod builder;
pub(crate) mod extract;
pub(crate) mod filter;
pub(crate) mod format;
pub(crate) mod ip;
pub(crate) mod json;
pub(crate) mod logfmt;
pub(crate) mod parsers;
pub(crate) mod pattern;

use std::borrow::Cow;
use std::sync::Arc;

use builder::Builder;
use filter::{LabelFilterStep, LineFilterStep};
use format::NameOrCompiled;
use parsers::{PathElem, RegexpParser};
use pattern::Pattern;

use crate::ast::{LabelExtraction, LabelFormat, LogSelector, Stage};
use crate::error::PipelineError;
use crate::labels::Labels;

pub use builder::{
    ERR_JSON, ERR_LABEL_FILTER, ERR_LOGFMT, ERR_SAMPLE_EXTRACTION, ERR_TEMPLATE_FORMAT,
};
pub use extract::SampleExtractor;

/// Renders the Go templates of `line_format` and `label_format`. The host
/// implements it with its `text/template` engine, with Loki's template data:
/// the labels as fields (`{{.level}}`), `__line__` and `__timestamp__`.
pub trait TemplateEngine: Send + Sync {
    /// Checks a template when the pipeline is compiled (default: accept).
    fn check(&self, _template: &str) -> Result<(), String> {
        Ok(())
    }

    /// Renders `template` for one entry; the error becomes `__error_details__`.
    fn render(
        &self,
        template: &str,
        line: &str,
        ts_ns: i64,
        labels: &Labels,
    ) -> Result<String, String>;
}

/// A [`TemplateEngine`] for pipelines without templates: every render fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoTemplates;

impl TemplateEngine for NoTemplates {
    fn check(&self, _template: &str) -> Result<(), String> {
        Err("templates are not supported here".into())
    }

    fn render(&self, _: &str, _: &str, _: i64, _: &Labels) -> Result<String, String> {
        Err("templates are not supported here".into())
    }
}

/// A compiled stage.
#[derive(Clone, Debug)]
enum Step {
    LineFilter(LineFilterStep),
    Json,
    JsonPaths(Vec<(LabelExtraction, Vec<PathElem>)>),
    Logfmt {
        strict: bool,
        keep_empty: bool,
    },
    LogfmtKeys {
        strict: bool,
        extractions: Vec<LabelExtraction>,
    },
    Regexp(RegexpParser),
    Pattern(Pattern),
    Unpack,
    LabelFilter(LabelFilterStep),
    LineFormat(String),
    LabelFormat(Vec<LabelFormat>),
    Drop(Vec<NameOrCompiled>),
    Keep(Vec<NameOrCompiled>),
    Decolorize,
}

/// The compiled pipeline of a log query.
#[derive(Clone)]
pub struct Pipeline {
    steps: Vec<Step>,
    templates: Arc<dyn TemplateEngine>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("steps", &self.steps)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// Compiles the stages of `selector`.
    pub fn new(
        selector: &LogSelector,
        templates: Arc<dyn TemplateEngine>,
    ) -> Result<Self, PipelineError> {
        let mut steps = Vec::with_capacity(selector.stages.len());
        for stage in &selector.stages {
            let err = |msg: String| PipelineError {
                stage: stage.to_string(),
                msg,
            };
            let step = match stage {
                Stage::LineFilter(f) => {
                    let s = LineFilterStep::new(f).map_err(err)?;
                    if s.is_noop() {
                        continue;
                    }
                    Step::LineFilter(s)
                }
                Stage::Json(ex) if ex.is_empty() => Step::Json,
                Stage::Json(ex) => Step::JsonPaths(
                    ex.iter()
                        .map(|e| {
                            let path = parsers::parse_json_path(&e.expression).map_err(|m| {
                                err(format!("cannot parse expression [{}]: {m}", e.expression))
                            })?;
                            if !parsers::is_valid_label_name(&e.label) {
                                return Err(err(format!(
                                    "invalid extracted label name '{}'",
                                    e.label
                                )));
                            }
                            Ok((e.clone(), path))
                        })
                        .collect::<Result<_, _>>()?,
                ),
                Stage::Logfmt {
                    strict,
                    keep_empty,
                    extractions,
                } if extractions.is_empty() => Step::Logfmt {
                    strict: *strict,
                    keep_empty: *keep_empty,
                },
                Stage::Logfmt {
                    strict,
                    extractions,
                    ..
                } => {
                    if let Some(e) = extractions
                        .iter()
                        .find(|e| !parsers::is_valid_label_name(&e.label))
                    {
                        return Err(err(format!("invalid extracted label name '{}'", e.label)));
                    }
                    Step::LogfmtKeys {
                        strict: *strict,
                        extractions: extractions.clone(),
                    }
                }
                Stage::Regexp(re) => Step::Regexp(RegexpParser::new(re).map_err(err)?),
                Stage::Pattern(p) => Step::Pattern(Pattern::new(p).map_err(err)?),
                Stage::Unpack => Step::Unpack,
                Stage::LabelFilter(f) => {
                    let s = LabelFilterStep::new(f).map_err(err)?;
                    if s.is_noop() {
                        continue;
                    }
                    Step::LabelFilter(s)
                }
                Stage::LineFormat(t) => {
                    templates
                        .check(t)
                        .map_err(|e| err(format!("invalid line template: {e}")))?;
                    Step::LineFormat(t.clone())
                }
                Stage::LabelFormat(v) => {
                    format::check_label_formats(v, &*templates).map_err(err)?;
                    Step::LabelFormat(v.clone())
                }
                Stage::Drop(v) => Step::Drop(
                    v.iter()
                        .map(NameOrCompiled::new)
                        .collect::<Result<_, _>>()
                        .map_err(err)?,
                ),
                Stage::Keep(v) => Step::Keep(
                    v.iter()
                        .map(NameOrCompiled::new)
                        .collect::<Result<_, _>>()
                        .map_err(err)?,
                ),
                Stage::Decolorize => Step::Decolorize,
            };
            steps.push(step);
        }
        Ok(Self { steps, templates })
    }

    /// Whether the pipeline changes nothing (no stages, or only `|= ""`-like ones).
    pub fn is_noop(&self) -> bool {
        self.steps.is_empty()
    }

    /// Runs the pipeline on one entry. `labels` holds the stream labels on
    /// entry and the resulting labels on `Some`; on `None` (filtered out)
    /// they are left as they were.
    pub fn process<'l>(
        &self,
        ts_ns: i64,
        line: &'l str,
        labels: &mut Labels,
    ) -> Option<Cow<'l, str>> {
        if self.steps.is_empty() {
            return Some(Cow::Borrowed(line));
        }
        let base = std::mem::take(labels);
        let mut b = Builder::new(&base);
        let out = self.run(ts_ns, Cow::Borrowed(line), &mut b);
        let result = out.is_some().then(|| b.labels());
        drop(b);
        *labels = result.unwrap_or(base);
        out
    }

    /// Runs the stages against a builder (shared with sample extraction).
    pub(crate) fn run<'l>(
        &self,
        ts_ns: i64,
        mut line: Cow<'l, str>,
        b: &mut Builder<'_>,
    ) -> Option<Cow<'l, str>> {
        for step in &self.steps {
            match step {
                Step::LineFilter(f) => {
                    if !f.keep(&line) {
                        return None;
                    }
                }
                Step::Json => parsers::json_all(&line, b),
                Step::JsonPaths(exprs) => parsers::json_expressions(&line, exprs, b),
                Step::Logfmt { strict, keep_empty } => {
                    logfmt::logfmt_all(&line, *strict, *keep_empty, b)
                }
                Step::LogfmtKeys {
                    strict,
                    extractions,
                } => logfmt::logfmt_expressions(&line, *strict, extractions, b),
                Step::Regexp(p) => p.process(&line, b),
                Step::Pattern(p) => {
                    for (name, value) in p.names().iter().zip(p.matches(&line)) {
                        let name = if b.base_has(name) {
                            format!("{name}_extracted")
                        } else {
                            name.clone()
                        };
                        b.set(&name, value);
                    }
                }
                Step::Unpack => {
                    if let Some(entry) = parsers::unpack(&line, b) {
                        line = Cow::Owned(entry);
                    }
                }
                Step::LabelFilter(f) => {
                    if !f.keep(b) {
                        return None;
                    }
                }
                Step::LineFormat(t) => {
                    if let Some(s) = format::line_format(&*self.templates, t, ts_ns, &line, b) {
                        line = Cow::Owned(s);
                    }
                }
                Step::LabelFormat(v) => format::label_format(&*self.templates, v, ts_ns, &line, b),
                Step::Drop(v) => format::drop_labels(v, b),
                Step::Keep(v) => format::keep_labels(v, b),
                Step::Decolorize => {
                    if let Some(s) = format::decolorize(&line) {
                        line = Cow::Owned(s);
                    }
                }
            }
        }
        Some(line)
    }
}
