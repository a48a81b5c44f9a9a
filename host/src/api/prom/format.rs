//! `GET|POST /api/v1/format_query?query=`: the expression pretty-printed as
//! Prometheus' `promtool`/UI formats it.

use super::envelope::{ApiError, ApiResult, success};
use super::params::Params;

/// `/api/v1/format_query`.
pub(super) async fn format_query(params: Params) -> ApiResult {
    match promql_parser::parser::parse(params.get("query")) {
        Ok(expr) => success(expr.prettify()),
        Err(e) => Err(ApiError::invalid_param("query", e)),
    }
}
