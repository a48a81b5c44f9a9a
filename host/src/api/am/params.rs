//! Query parameters of the v2 endpoints: booleans with their defaults,
//! repeated `filter` matchers (Alertmanager's matcher syntax) and the
//! `receiver` regular expression.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use watchpost_amconfig::{Matcher, parse_matcher};

/// The parsed query string.
pub struct Params(Vec<(String, String)>);

impl Params {
    /// From the raw query string.
    pub fn parse(raw: Option<&str>) -> Params {
        Params(
            form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// Boolean `name`, `default` when absent.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, BadRequest> {
        match self.0.iter().rev().find(|(n, _)| n == name) {
            None => Ok(default),
            Some((_, v)) => match v.as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                other => Err(BadRequest(format!(
                    "{name} in query should be of type boolean, got {other:?}"
                ))),
            },
        }
    }

    /// Every `filter` matcher.
    pub fn filters(&self) -> Result<Vec<Matcher>, BadRequest> {
        self.0
            .iter()
            .filter(|(n, _)| n == "filter")
            .map(|(_, v)| {
                parse_matcher(v).map_err(|e| BadRequest(format!("bad matcher format: {e}")))
            })
            .collect()
    }

    /// The `receiver` regular expression (anchored), if given.
    pub fn receiver(&self) -> Result<Option<regex::Regex>, BadRequest> {
        match self.0.iter().rev().find(|(n, _)| n == "receiver") {
            None => Ok(None),
            Some((_, v)) if v.is_empty() => Ok(None),
            Some((_, v)) => watchpost_goregex::compile_anchored(v)
                .map(Some)
                .map_err(|e| BadRequest(format!("failed to parse receiver param: {e}"))),
        }
    }
}

/// A request Alertmanager would refuse: answered 400 with its message as
/// a JSON string.
#[derive(Debug)]
pub struct BadRequest(pub String);

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::Value::String(self.0)),
        )
            .into_response()
    }
}

/// A 400 answer with Alertmanager's JSON-string body.
pub fn bad_request(message: String) -> Response {
    BadRequest(message).into_response()
}
