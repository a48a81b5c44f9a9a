//! The error type plugin code returns; it crosses the boundary as the WIT
//! `plugin-error` record.

use std::fmt;

/// A failure of the plugin's own logic. Anything that implements
/// `std::error::Error` converts into it with `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
    retryable: bool,
}

impl Error {
    /// A permanent failure.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            retryable: false,
        }
    }
    /// A failure that may succeed if the host tries again later.
    pub fn retryable(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            retryable: true,
        }
    }
    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// Whether the host should retry.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(err: E) -> Self {
        Error::new(err.to_string())
    }
}

impl From<Error> for crate::types::PluginError {
    fn from(err: Error) -> Self {
        crate::types::PluginError {
            message: err.message,
            retryable: err.retryable,
        }
    }
}

/// `Result` with the SDK's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
