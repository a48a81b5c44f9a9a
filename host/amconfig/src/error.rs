//! The crate's error type. Validation errors carry Alertmanager 0.25's own
//! message text (what `amtool check-config` prints after `FAILED:`), so the
//! two can be compared; YAML syntax, type and unknown-field errors carry the
//! YAML library's message with its path and line.

use thiserror::Error;

/// Where in the YAML text an error was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Everything that can go wrong loading an Alertmanager configuration.
#[derive(Debug, Error)]
pub enum Error {
    /// Not well-formed YAML, a value of the wrong type, or a field that
    /// Alertmanager does not know (it rejects unknown fields).
    #[error("{message}")]
    Yaml {
        /// The YAML library's message, with the field path and position.
        message: String,
    },
    /// The file parses but Alertmanager 0.25 would refuse it. `message` is
    /// Alertmanager's wording (see the crate docs for the known differences).
    #[error("{message}")]
    Invalid {
        /// Alertmanager's message.
        message: String,
        /// Where the offending node is, when it is known.
        location: Option<Location>,
    },
    /// A `${NAME}` reference could not be resolved. Never holds a value.
    #[error("{0}")]
    Env(#[from] EnvError),
    /// A file (the configuration or a `*_file` secret) could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A validation error with Alertmanager's `message` and no position.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid {
            message: message.into(),
            location: None,
        }
    }

    /// Alertmanager's message for validation errors, otherwise the display
    /// text.
    pub fn message(&self) -> String {
        match self {
            Error::Invalid { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

/// A failed `${NAME}` substitution. The messages name the variable, never a
/// value or the surrounding text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnvError {
    /// The variable is not set.
    #[error("environment variable {name} is not set (referenced as ${{{name}}})")]
    Unset {
        /// The variable.
        name: String,
    },
    /// `${...}` whose name is not `[A-Za-z_][A-Za-z0-9_]*`.
    #[error("invalid environment variable name ${{{name}}}")]
    BadName {
        /// What stood between the braces.
        name: String,
    },
    /// `${` without a closing `}`.
    #[error("unterminated ${{...}} reference")]
    Unterminated,
}
