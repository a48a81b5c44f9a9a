//! `query`: PromQL for rule plugins, answered by the host's engine over the
//! metrics store (instant queries at the time the plugin asks for). A query
//! is bounded by the plugin's call timeout as well as `[query] timeout`: the
//! guest is blocked in the host while it runs, where epochs cannot interrupt
//! it. LogQL goes to the log store: `search-logs` (log queries) and
//! `instant-logs` (metric queries, for log-based rules).

use crate::log_query::{self, LogQueryError};
use crate::query::{self, QueryValue};
use crate::runtime::bindings::types::{Label, RecordedSample};
use crate::storage::logs::Direction;
use crate::storage::metrics::Labels;
use crate::storage::metrics::labels::METRIC_NAME;

/// Most samples one evaluation may stage: a plugin staging more is stopped
/// (it would otherwise grow the host's memory without bound).
const MAX_STAGED_SAMPLES: usize = 1_000_000;
use crate::runtime::bindings::watchpost::plugin::query::{Host, LogEntry, QueryError, Sample};
use crate::runtime::store::StoreState;

impl Host for StoreState {
    fn instant(
        &mut self,
        promql: String,
        at_ms: i64,
    ) -> wasmtime::Result<Result<Vec<Sample>, QueryError>> {
        let Some((store, options)) = self.plugin.query.get() else {
            return Ok(Err(QueryError::Unavailable(
                "no metrics store behind this runtime".into(),
            )));
        };
        let expr = match query::parse(&promql) {
            Ok(e) => e,
            Err(e) => return Ok(Err(QueryError::BadQuery(e.to_string()))),
        };
        let mut options = options.clone();
        options.timeout = options.timeout.min(self.plugin.spec.timeout);
        let overlay = query::Overlay {
            base: &**store,
            top: &self.staged,
        };
        let samples = match query::instant_query(&overlay, &expr, at_ms, &options, None) {
            Ok(QueryValue::Vector(v)) => v
                .into_iter()
                .map(|s| Sample {
                    labels: s
                        .labels
                        .iter()
                        .map(|(n, v)| Label {
                            name: n.into(),
                            value: v.into(),
                        })
                        .collect(),
                    timestamp_ms: s.t,
                    value: s.v,
                })
                .collect(),
            Ok(QueryValue::Scalar { t, v }) => vec![Sample {
                labels: vec![],
                timestamp_ms: t,
                value: v,
            }],
            Ok(other) => {
                return Ok(Err(QueryError::BadQuery(format!(
                    "expected an instant vector or a scalar, got {}",
                    other.result_type()
                ))));
            }
            Err(e @ query::QueryError::BadData(_)) => {
                return Ok(Err(QueryError::BadQuery(e.to_string())));
            }
            Err(e) => return Ok(Err(QueryError::Execution(e.to_string()))),
        };
        Ok(Ok(samples))
    }

    fn stage(&mut self, samples: Vec<RecordedSample>, at_ms: i64) -> wasmtime::Result<()> {
        if self.staged.sample_count() + samples.len() > MAX_STAGED_SAMPLES {
            wasmtime::bail!("staged more than {MAX_STAGED_SAMPLES} samples in one evaluation");
        }
        for s in samples {
            let mut b = Labels::default().builder();
            for l in s.labels {
                if l.name != METRIC_NAME && !l.value.is_empty() {
                    b.set(&l.name, &l.value);
                }
            }
            b.set(METRIC_NAME, &s.name);
            self.staged.add(b.build(), [(at_ms, s.value)]);
        }
        Ok(())
    }

    fn search_logs(
        &mut self,
        logql: String,
        start_ns: i64,
        end_ns: i64,
        limit: u32,
    ) -> wasmtime::Result<Result<Vec<LogEntry>, QueryError>> {
        let Some(logs) = self.plugin.query.logs() else {
            return Ok(Err(QueryError::Unavailable(
                "no log store behind this runtime".into(),
            )));
        };
        let selector = match log_query::parse_log_query(&logql) {
            Ok(s) => s,
            Err(e) => return Ok(Err(QueryError::BadQuery(e.to_string()))),
        };
        let result = log_query::select(
            logs,
            &selector,
            start_ns,
            end_ns,
            limit as usize,
            Direction::Backward,
        );
        Ok(match result {
            Ok(r) => {
                let mut entries: Vec<LogEntry> = r
                    .streams
                    .into_iter()
                    .flat_map(|s| {
                        let labels = labels_of(&s.labels);
                        s.values.into_iter().map(move |(t, line)| LogEntry {
                            labels: labels.clone(),
                            timestamp_ns: t,
                            line,
                        })
                    })
                    .collect();
                entries.sort_by_key(|e| std::cmp::Reverse(e.timestamp_ns));
                Ok(entries)
            }
            Err(LogQueryError::BadQuery(m)) => Err(QueryError::BadQuery(m)),
            Err(e) => Err(QueryError::Execution(e.to_string())),
        })
    }

    fn instant_logs(
        &mut self,
        logql: String,
        at_ms: i64,
    ) -> wasmtime::Result<Result<Vec<Sample>, QueryError>> {
        let Some(logs) = self.plugin.query.logs() else {
            return Ok(Err(QueryError::Unavailable(
                "no log store behind this runtime".into(),
            )));
        };
        let expr = match log_query::parse_query(&logql) {
            Ok(watchpost_logql::Expr::Sample(e)) => e,
            Ok(watchpost_logql::Expr::Log(_)) => {
                return Ok(Err(QueryError::BadQuery(
                    "a metric query is expected (e.g. count_over_time(...)), not a log query"
                        .into(),
                )));
            }
            Err(e) => return Ok(Err(QueryError::BadQuery(e.to_string()))),
        };
        let at_ns = at_ms.saturating_mul(1_000_000);
        Ok(match log_query::eval(logs, &expr, at_ns, at_ns, 1) {
            Ok(log_query::MetricResult::Scalar(points)) => Ok(points
                .into_iter()
                .map(|(_, v)| Sample {
                    labels: Vec::new(),
                    timestamp_ms: at_ms,
                    value: v,
                })
                .collect()),
            Ok(log_query::MetricResult::Matrix(series)) => Ok(series
                .into_iter()
                .filter_map(|(labels, points)| {
                    let (_, v) = points.last()?;
                    Some(Sample {
                        labels: labels_of(&labels),
                        timestamp_ms: at_ms,
                        value: *v,
                    })
                })
                .collect()),
            Err(LogQueryError::BadQuery(m)) => Err(QueryError::BadQuery(m)),
            Err(e) => Err(QueryError::Execution(e.to_string())),
        })
    }
}

fn labels_of(labels: &watchpost_logql::Labels) -> Vec<Label> {
    labels
        .iter()
        .map(|(n, v)| Label {
            name: n.into(),
            value: v.into(),
        })
        .collect()
}
