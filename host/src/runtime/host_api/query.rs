//! `query`: PromQL and LogQL for rule plugins. The engines land with the
//! metrics-query and logs capabilities; until then both calls answer with a
//! clear `unavailable` error rather than trapping.

use crate::runtime::bindings::watchpost::plugin::query::{Host, LogEntry, QueryError, Sample};
use crate::runtime::store::StoreState;

impl Host for StoreState {
    fn instant(
        &mut self,
        _promql: String,
        _at_ms: i64,
    ) -> wasmtime::Result<Result<Vec<Sample>, QueryError>> {
        Ok(Err(QueryError::Unavailable(
            "PromQL queries are not available yet in this Watchpost build".into(),
        )))
    }

    fn search_logs(
        &mut self,
        _logql: String,
        _start_ns: i64,
        _end_ns: i64,
        _limit: u32,
    ) -> wasmtime::Result<Result<Vec<LogEntry>, QueryError>> {
        Ok(Err(QueryError::Unavailable(
            "log search is not available yet in this Watchpost build".into(),
        )))
    }
}
