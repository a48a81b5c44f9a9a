//! Template errors, worded as Go's `text/template` words them so that a
//! message a user knows from Prometheus or Alertmanager reads the same here.

use thiserror::Error;

/// One result alias for the template module.
pub type Result<T, E = TemplateError> = std::result::Result<T, E>;

/// A parse or execution failure.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TemplateError {
    /// `template: <name>:<line>: <message>` — the text is not a valid template.
    #[error("template: {name}:{line}: {message}")]
    Parse {
        /// The name the text was parsed under.
        name: String,
        /// 1-based line of the offending token.
        line: usize,
        /// What is wrong, e.g. `function "foo" not defined`.
        message: String,
    },
    /// `template: <name>:<line>:<col>: executing "<template>" at <<node>>: <message>`.
    #[error("template: {name}:{line}:{col}: executing \"{template}\" at <{context}>: {message}")]
    Exec {
        /// The name the failing text was parsed under.
        name: String,
        /// 1-based line of the failing node.
        line: usize,
        /// 0-based byte column of the failing node (as Go reports it).
        col: usize,
        /// The template being executed.
        template: String,
        /// The failing node, printed back as template source.
        context: String,
        /// What went wrong, e.g. `error calling first: ...`.
        message: String,
    },
    /// `html/template:<location>: <message>` (`html/template: <message>`
    /// for an unnamed template) — HTML-mode execution cannot escape the
    /// template: malformed HTML, a misplaced `html` or `urlquery`, or
    /// output ending inside a tag.
    #[error(
        "html/template:{location}{sep}{message}",
        sep = if .location.is_empty() { " " } else { ": " }
    )]
    Escape {
        /// The template's name, with `:<line>:<col>` for an action.
        location: String,
        /// What is wrong, e.g. `ends in a non-text context: {…}`.
        message: String,
    },
    /// Executing a template name the set does not have.
    #[error("template: no template {name:?} associated with template {set:?}")]
    NoTemplate {
        /// The requested name.
        name: String,
        /// The set's own name.
        set: String,
    },
}
