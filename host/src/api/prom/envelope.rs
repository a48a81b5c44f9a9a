//! Prometheus' response envelope: `{"status":"success","data":...}`, or
//! `{"status":"error","errorType":"bad_data","error":"..."}` with the HTTP
//! status Prometheus 2.42 uses for that error type.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

/// An error answered in Prometheus' envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
}

impl ApiError {
    /// `bad_data` (400): the request is wrong.
    pub fn bad_data(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            kind: "bad_data",
            message: message.into(),
        }
    }

    /// `bad_data` for parameter `name`: `invalid parameter "name": why`.
    pub fn invalid_param(name: &str, why: impl std::fmt::Display) -> ApiError {
        ApiError::bad_data(format!("invalid parameter {name:?}: {why}"))
    }

    /// `unavailable`: a feature switched off (Prometheus answers 500).
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            kind: "unavailable",
            message: message.into(),
        }
    }

    /// `internal` (500): the server failed.
    pub fn internal(message: impl std::fmt::Display) -> ApiError {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            kind: "internal",
            message: message.to_string(),
        }
    }

    /// A query error with the type and status Prometheus gives it.
    pub fn query(error: &crate::query::QueryError) -> ApiError {
        ApiError {
            status: StatusCode::from_u16(error.http_status())
                .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
            kind: error.error_type(),
            message: error.to_string(),
        }
    }

    /// The error message.
    #[cfg(test)]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"status": "error", "errorType": self.kind, "error": self.message})),
        )
            .into_response()
    }
}

/// A handler's outcome.
pub type ApiResult = Result<Response, ApiError>;

/// `{"status":"success","data":data}`.
pub fn success(data: impl Serialize) -> ApiResult {
    Ok(Json(json!({"status": "success", "data": data})).into_response())
}

/// Runs blocking store work off the async runtime.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)
}
