//! LogQL over the log store: the host half of Loki's query engine. The
//! language (parsing, pipelines, range math) is `watchpost-logql`; this
//! module turns a query's stream selector and positive line filters into a
//! store search (the filters pushed down to the full-text index), runs the
//! pipeline over what the store finds, and groups entries into result
//! streams.
//!
//! Each entry enters the pipeline with its stream labels plus its typed
//! fields as labels (Loki 2.9's structured metadata), so
//! `{job="postfix"} | status="bounced"` needs no parser stage.
//!
//! Metric queries (`rate(...)`, `sum by ...`) are evaluated by `metric.rs`.

mod metric;
mod templates;

pub use metric::{MAX_SERIES, MetricResult, eval};
pub use templates::LineTemplates;

use crate::storage::logs::{Direction, LogSearch, LogStore, LogStoreError};
use crate::storage::metrics::matcher::Matcher;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use watchpost_logql::{Expr, Labels, LogSelector, MatchOp, Pipeline};

/// Why a log query failed.
#[derive(Debug, thiserror::Error)]
pub enum LogQueryError {
    /// The query does not parse or is invalid (HTTP 400).
    #[error("{0}")]
    BadQuery(String),
    /// The store failed (HTTP 500).
    #[error(transparent)]
    Store(#[from] LogStoreError),
}

/// One result stream: its labels after the pipeline and its entries.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamResult {
    /// Labels.
    pub labels: Labels,
    /// (ns, line), in the query's direction.
    pub values: Vec<(i64, String)>,
}

/// The outcome of a log query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogQueryResult {
    /// Result streams, in the order their first entry was found.
    pub streams: Vec<StreamResult>,
    /// Entries the store handed over (before the pipeline).
    pub scanned_entries: u64,
    /// Bytes of those entries' lines.
    pub scanned_bytes: u64,
}

/// Parses a log or metric query.
pub fn parse_query(query: &str) -> Result<Expr, LogQueryError> {
    watchpost_logql::parse(query).map_err(|e| LogQueryError::BadQuery(e.to_string()))
}

/// Parses `query`, which must be a log query (a stream selector and its
/// pipeline, as `labels` and `series` take).
pub fn parse_log_query(query: &str) -> Result<LogSelector, LogQueryError> {
    match parse_query(query)? {
        Expr::Log(selector) => Ok(selector),
        Expr::Sample(_) => Err(LogQueryError::BadQuery(
            "a log query (stream selector) is expected here, not a metric query".into(),
        )),
    }
}

/// The store matchers of a selector.
pub fn store_matchers(selector: &LogSelector) -> Result<Vec<Matcher>, LogQueryError> {
    selector
        .matchers
        .iter()
        .map(|m| {
            let op = match m.op {
                MatchOp::Eq => "=",
                MatchOp::Neq => "!=",
                MatchOp::Re => "=~",
                MatchOp::Nre => "!~",
            };
            Matcher::new(&m.name, op, &m.value).map_err(LogQueryError::BadQuery)
        })
        .collect()
}

/// The strings every line a selector keeps must contain, for the index:
/// positive filters with one alternative (`|= "a" or "b"` needs either).
pub fn pushdown_literals(selector: &LogSelector) -> Vec<String> {
    selector
        .required_substrings()
        .into_iter()
        .filter(|alts| alts.len() == 1)
        .flatten()
        .collect()
}

/// Runs a log query: at most `limit` entries in `[start_ns, end_ns)`.
pub fn select(
    store: &LogStore,
    selector: &LogSelector,
    start_ns: i64,
    end_ns: i64,
    limit: usize,
    direction: Direction,
) -> Result<LogQueryResult, LogQueryError> {
    let pipeline = Pipeline::new(selector, Arc::new(LineTemplates))
        .map_err(|e| LogQueryError::BadQuery(e.to_string()))?;
    let search = LogSearch {
        matchers: store_matchers(selector)?,
        start_ns,
        end_ns,
        contains: pushdown_literals(selector),
        direction,
    };
    let mut result = LogQueryResult::default();
    let mut by_labels: HashMap<Labels, usize> = HashMap::new();
    let mut taken = 0usize;
    if limit == 0 {
        return Ok(result);
    }
    store.search(&search, &mut |entry| {
        result.scanned_entries += 1;
        result.scanned_bytes += entry.line.len() as u64;
        let mut labels = entry_labels(&entry);
        let Some(line) = pipeline.process(entry.ts_ns, &entry.line, &mut labels) else {
            return ControlFlow::Continue(());
        };
        let i = *by_labels.entry(labels.clone()).or_insert_with(|| {
            result.streams.push(StreamResult {
                labels,
                values: Vec::new(),
            });
            result.streams.len() - 1
        });
        result.streams[i]
            .values
            .push((entry.ts_ns, line.into_owned()));
        taken += 1;
        if taken >= limit {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    Ok(result)
}

/// Stream labels plus typed fields as labels (stream labels win a clash).
pub fn entry_labels(entry: &crate::storage::logs::LogEntry) -> Labels {
    let mut labels = Labels::from_pairs(entry.stream.iter());
    for (name, value) in &entry.fields {
        if !labels.contains(name) {
            labels.set(name.clone(), value.to_label_value());
        }
    }
    labels
}

#[cfg(test)]
mod tests;
