//! The `query` template function's engine: our PromQL evaluator over any
//! [`Queryable`] store, with results converted as Prometheus'
//! `EngineQueryFunc` converts them for rules (a scalar becomes one sample
//! without labels).

use std::sync::Arc;

use crate::query::{QueryOptions, QueryValue, Queryable, instant_query, parse};

use super::prometheus::{QueryFn, QuerySample};

/// A [`QueryFn`] running instant queries against `store` at `time_ms`.
pub fn engine_query<S: Queryable + Send + Sync + 'static>(store: Arc<S>, time_ms: i64) -> QueryFn {
    Arc::new(move |q: &str| {
        let expr = parse(q).map_err(|e| e.to_string())?;
        let result = instant_query(&*store, &expr, time_ms, &QueryOptions::default(), None)
            .map_err(|e| e.to_string())?;
        match result {
            QueryValue::Vector(samples) => Ok(samples
                .into_iter()
                .map(|s| QuerySample {
                    labels: s
                        .labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    value: s.v,
                })
                .collect()),
            QueryValue::Scalar { v, .. } => Ok(vec![QuerySample {
                labels: Default::default(),
                value: v,
            }]),
            _ => Err("rule result is not a vector or scalar".into()),
        }
    })
}
