//! `query`: PromQL for rule plugins, answered by the host's engine over the
//! metrics store (instant queries at the time the plugin asks for). A query
//! is bounded by the plugin's call timeout as well as `[query] timeout`: the
//! guest is blocked in the host while it runs, where epochs cannot interrupt
//! it. Log search answers `unavailable` until logs land.

use crate::query::{self, QueryValue};
use crate::runtime::bindings::types::{Label, RecordedSample};
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
