//! [`Template`]: a set of named templates sharing functions and options,
//! as Go's `*template.Template` is — parse texts into it, then execute any
//! template in it by name.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::ast::{Pos, Tree};
use super::builtins;
use super::error::{Result, TemplateError};
use super::exec::Exec;
use super::func::FuncMap;
use super::html::Html;
use super::parser;
use super::value::Value;

/// What a missing map key evaluates to (Go's `missingkey` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingKey {
    /// `missingkey=default`: nil, printed `<no value>`.
    #[default]
    Default,
    /// `missingkey=zero`: the zero of the map's element type (`""` for
    /// label maps), as Prometheus and Alertmanager configure it.
    Zero,
    /// `missingkey=error`: execution fails.
    Error,
}

/// A set of named templates, their functions and options.
#[derive(Clone, Debug)]
pub struct Template {
    name: String,
    trees: BTreeMap<String, Arc<Tree>>,
    funcs: FuncMap,
    missing_key: MissingKey,
}

impl Template {
    /// An empty set whose main template is `name`; Go's builtins are
    /// always available.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            trees: BTreeMap::new(),
            funcs: FuncMap::new(),
            missing_key: MissingKey::Default,
        }
    }

    /// Adds functions (before parsing: the parser rejects unknown names).
    pub fn with_funcs(mut self, funcs: &FuncMap) -> Self {
        self.funcs.extend(funcs);
        self
    }

    /// Sets the `missingkey` option.
    pub fn with_missing_key(mut self, missing_key: MissingKey) -> Self {
        self.missing_key = missing_key;
        self
    }

    /// The main template's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Parses `text` as the body of the main template, adding its
    /// `{{define}}`s to the set. On error the set is unchanged.
    pub fn parse(&mut self, text: &str) -> Result<&mut Self> {
        let name = self.name.clone();
        self.parse_named(&name, text)
    }

    /// Parses `text` as the body of template `name` (as Go's `ParseFiles`
    /// names each file's body after the file).
    pub fn parse_named(&mut self, name: &str, text: &str) -> Result<&mut Self> {
        let funcs = &self.funcs;
        let is_func = |f: &str| funcs.contains(f) || builtins::get(f).is_some();
        let trees = parser::parse(name, text, &is_func)?;
        parser::merge(&mut self.trees, name, trees);
        Ok(self)
    }

    /// Whether the set has a template called `name`.
    pub fn has(&self, name: &str) -> bool {
        self.trees.contains_key(name)
    }

    /// The names of the templates in the set, sorted.
    pub fn template_names(&self) -> impl Iterator<Item = &str> {
        self.trees.keys().map(String::as_str)
    }

    /// Runs the main template.
    pub fn execute(&self, data: &Value) -> Result<String> {
        self.execute_template(&self.name, data)
    }

    /// Runs template `name` of the set.
    pub fn execute_template(&self, name: &str, data: &Value) -> Result<String> {
        self.run(name, data, false)
    }

    /// Runs template `name` as Go's `html/template` would after cloning
    /// the set: every printed value escaped for where it lands in the HTML
    /// (the `html` module lists the known differences from Go).
    pub fn execute_template_html(&self, name: &str, data: &Value) -> Result<String> {
        self.run(name, data, true)
    }

    /// Parses `text` as a new unnamed template beside the set's
    /// definitions and runs it, leaving the set unchanged (Alertmanager's
    /// `ExecuteTextString`; empty text renders as empty).
    pub fn execute_text(&self, text: &str, data: &Value) -> Result<String> {
        self.run_text(text, data, false)
    }

    /// [`Template::execute_text`] with `html/template`'s escaping
    /// (Alertmanager's `ExecuteHTMLString`).
    pub fn execute_text_html(&self, text: &str, data: &Value) -> Result<String> {
        self.run_text(text, data, true)
    }

    fn run(&self, name: &str, data: &Value, html: bool) -> Result<String> {
        if !self.trees.contains_key(name) {
            return Err(TemplateError::NoTemplate {
                name: name.to_string(),
                set: self.name.clone(),
            });
        }
        let mut exec = Exec::new(self);
        if html {
            exec.html = Some(Html::new(name));
        }
        exec.run(name, data, Pos::default())?;
        if let Some(h) = &exec.html {
            h.finish()?;
        }
        Ok(exec.out)
    }

    fn run_text(&self, text: &str, data: &Value, html: bool) -> Result<String> {
        if text.is_empty() {
            return Ok(String::new());
        }
        let mut scratch = self.clone();
        scratch.name = String::new();
        scratch.parse_named("", text)?;
        scratch.run("", data, html)
    }

    pub(crate) fn tree(&self, name: &str) -> Option<Arc<Tree>> {
        self.trees.get(name).cloned()
    }

    pub(crate) fn funcs(&self) -> &FuncMap {
        &self.funcs
    }

    pub(crate) fn missing_key(&self) -> MissingKey {
        self.missing_key
    }
}
