//! Query errors, classified the way Prometheus' API reports them
//! (`errorType`).

/// Why a query failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// The query or its parameters are invalid (`bad_data`, HTTP 400).
    #[error("{0}")]
    BadData(String),
    /// Evaluation failed (`execution`, HTTP 422).
    #[error("{0}")]
    Execution(String),
    /// The query ran past its timeout (`timeout`, HTTP 503).
    #[error("query timed out in {0}")]
    Timeout(&'static str),
    /// The client went away (`canceled`, HTTP 503).
    #[error("query was canceled in {0}")]
    Canceled(&'static str),
}

impl QueryError {
    /// The API's `errorType`.
    pub fn error_type(&self) -> &'static str {
        match self {
            QueryError::BadData(_) => "bad_data",
            QueryError::Execution(_) => "execution",
            QueryError::Timeout(_) => "timeout",
            QueryError::Canceled(_) => "canceled",
        }
    }

    /// The HTTP status Prometheus answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            QueryError::BadData(_) => 400,
            QueryError::Execution(_) => 422,
            QueryError::Timeout(_) | QueryError::Canceled(_) => 503,
        }
    }
}

/// Shorthand for an execution error.
pub(crate) fn exec(message: impl Into<String>) -> QueryError {
    QueryError::Execution(message.into())
}

/// The error Prometheus reports when a result would hold two series with the
/// same labels.
pub(crate) fn same_labelset() -> QueryError {
    exec("vector cannot contain metrics with the same labelset")
}
