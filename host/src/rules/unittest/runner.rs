//! Evaluates rule groups over an in-memory store as promtool's unit tests
//! do: at each evaluation time every group runs its rules in order;
//! recording rules' samples, and the `ALERTS` / `ALERTS_FOR_STATE` series
//! of alerting rules, are written to the store at that time (so later rules
//! and later evaluations see them), series a rule stopped producing get a
//! staleness marker; alerting rules go through the host's state machine
//! with their templates expanded (`$labels`, `$value`, `$externalLabels`,
//! `$externalURL`, `query` over the store at that time).

use super::compare::{AlertView, SampleView, pairs};
use crate::query::{MemStore, QueryOptions, QueryValue, Queryable, SelectedSeries};
use crate::rules::alerts::{AlertState, Candidate, RuleAlerts};
use crate::storage::metrics::labels::METRIC_NAME;
use crate::storage::metrics::{Labels, Matcher, STALE_NAN};
use crate::template::prometheus::{AlertData, PromOptions, engine_query, expand_alert_or_error};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, RwLock};
use watchpost_rulefmt::rulefmt::{Rule, RuleGroup};

/// The test's store, shared with the `query` template function.
#[derive(Debug, Default)]
pub struct SharedStore(RwLock<MemStore>);

impl SharedStore {
    fn add(&self, labels: Labels, samples: impl IntoIterator<Item = (i64, f64)>) {
        self.0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .add(labels, samples);
    }
}

impl Queryable for SharedStore {
    fn select(&self, matchers: &[Matcher], start: i64, end: i64) -> Vec<SelectedSeries> {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .select(matchers, start, end)
    }
}

/// What one rule carries between evaluations.
#[derive(Default)]
struct RuleState {
    alerts: RuleAlerts,
    /// The series it wrote last time (for staleness markers).
    written: HashSet<Labels>,
}

/// Rule groups evaluated over input series.
pub struct Runner {
    store: Arc<SharedStore>,
    groups: Vec<RuleGroup>,
    state: Vec<Vec<RuleState>>,
    external_labels: BTreeMap<String, String>,
    external_url: String,
    opts: QueryOptions,
}

/// A rule that failed at one evaluation: its name and the error.
pub type RuleError = (String, String);

impl Runner {
    /// A runner over `input` (labels and samples) evaluating `groups` in
    /// this order; subqueries without a step use `eval_interval_ms`.
    pub fn new(
        groups: Vec<RuleGroup>,
        input: Vec<SelectedSeries>,
        eval_interval_ms: i64,
        external_labels: BTreeMap<String, String>,
        external_url: String,
    ) -> Runner {
        let store = Arc::new(SharedStore::default());
        for (labels, samples) in input {
            store.add(labels, samples);
        }
        let state = groups
            .iter()
            .map(|g| g.rules.iter().map(|_| RuleState::default()).collect())
            .collect();
        Runner {
            store,
            groups,
            state,
            external_labels,
            external_url,
            opts: QueryOptions {
                subquery_step: eval_interval_ms.max(1),
                ..QueryOptions::default()
            },
        }
    }

    /// An instant query at `ts` (ms), a scalar as one sample without labels.
    pub fn query(&self, expr: &str, ts: i64) -> Result<Vec<SampleView>, String> {
        Ok(self
            .rule_query(expr, ts)?
            .into_iter()
            .map(|(labels, value)| SampleView {
                labels: pairs(labels.iter()),
                value,
            })
            .collect())
    }

    /// Evaluates every group at `ts` (ms); the rules that failed.
    pub fn eval(&mut self, ts: i64) -> Vec<RuleError> {
        let mut errors = Vec::new();
        for g in 0..self.groups.len() {
            for r in 0..self.groups[g].rules.len() {
                let limit = self.groups[g].limit;
                let result = if self.groups[g].rules[r].is_alert() {
                    self.eval_alert(g, r, ts, limit)
                } else {
                    self.eval_record(&self.groups[g].rules[r], ts, limit)
                };
                match result {
                    Ok(samples) => self.write(g, r, ts, samples),
                    Err(e) => errors.push((self.groups[g].rules[r].name().to_string(), e)),
                }
            }
        }
        errors
    }

    /// An instant query at `ts` as Prometheus' `EngineQueryFunc` runs a
    /// rule's: `(labels, value)` per sample.
    fn rule_query(&self, expr: &str, ts: i64) -> Result<Vec<(Labels, f64)>, String> {
        let parsed = crate::query::parse(expr).map_err(|e| e.to_string())?;
        match crate::query::instant_query(&*self.store, &parsed, ts, &self.opts, None)
            .map_err(|e| e.to_string())?
        {
            QueryValue::Vector(samples) => {
                Ok(samples.into_iter().map(|s| (s.labels, s.v)).collect())
            }
            QueryValue::Scalar { v, .. } => Ok(vec![(Labels::default(), v)]),
            _ => Err("rule result is not a vector or scalar".into()),
        }
    }

    fn eval_record(&self, rule: &Rule, ts: i64, limit: i64) -> Result<Vec<(Labels, f64)>, String> {
        let mut out = Vec::new();
        for (labels, v) in self.rule_query(&rule.expr, ts)? {
            let mut b = labels.builder();
            b.set(METRIC_NAME, &rule.record);
            for (n, v) in &rule.labels {
                b.set(n, v);
            }
            out.push((b.build(), v));
        }
        let distinct: HashSet<&Labels> = out.iter().map(|(l, _)| l).collect();
        if distinct.len() < out.len() {
            return Err(
                "vector contains metrics with the same labelset after applying rule labels".into(),
            );
        }
        if limit > 0 && out.len() as i64 > limit {
            return Err(format!(
                "exceeded limit of {limit} with {} series",
                out.len()
            ));
        }
        Ok(out)
    }

    fn eval_alert(
        &mut self,
        g: usize,
        r: usize,
        ts: i64,
        limit: i64,
    ) -> Result<Vec<(Labels, f64)>, String> {
        let rule = &self.groups[g].rules[r];
        let options = PromOptions {
            query: Some(engine_query(Arc::clone(&self.store), ts)),
            external_url: self.external_url.clone(),
        };
        let mut candidates = Vec::new();
        for (labels, value) in self.rule_query(&rule.expr, ts)? {
            let data = AlertData {
                labels: labels
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect(),
                external_labels: self.external_labels.clone(),
                external_url: self.external_url.clone(),
                value,
            };
            let expand = |text: &str| {
                if text.contains("{{") {
                    expand_alert_or_error(&rule.alert, text, &data, &options)
                } else {
                    text.to_string()
                }
            };
            let mut b = labels.without_metric_name().builder();
            for (n, v) in &rule.labels {
                b.set(n, &expand(v));
            }
            b.set("alertname", &rule.alert);
            candidates.push(Candidate {
                labels: b.build(),
                annotations: rule
                    .annotations
                    .iter()
                    .map(|(n, v)| (n.clone(), expand(v)))
                    .collect(),
                value,
                for_ms: rule.for_ms.max(0),
                keep_firing_for_ms: rule.keep_firing_for_ms.max(0),
            });
        }
        let state = &mut self.state[g][r].alerts;
        state.apply(ts, candidates)?;
        let active: Vec<_> = state
            .alerts()
            .into_iter()
            .filter(|a| a.state != AlertState::Inactive)
            .collect();
        if limit > 0 && active.len() as i64 > limit {
            return Err(format!(
                "exceeded limit of {limit} with {} alerts",
                active.len()
            ));
        }
        let mut out = Vec::with_capacity(active.len() * 2);
        for a in active {
            let mut b = a.labels.builder();
            b.set(METRIC_NAME, "ALERTS")
                .set("alertstate", a.state.as_str());
            out.push((b.build(), 1.0));
            let mut b = a.labels.builder();
            b.set(METRIC_NAME, "ALERTS_FOR_STATE");
            out.push((b.build(), a.active_at.div_euclid(1000) as f64));
        }
        Ok(out)
    }

    /// Stores a rule's output at `ts`, with staleness markers for the
    /// series it no longer produces.
    fn write(&mut self, g: usize, r: usize, ts: i64, samples: Vec<(Labels, f64)>) {
        let now: HashSet<Labels> = samples.iter().map(|(l, _)| l.clone()).collect();
        let previous = std::mem::replace(&mut self.state[g][r].written, now);
        for (labels, v) in samples {
            self.store.add(labels, [(ts, v)]);
        }
        for gone in previous.difference(&self.state[g][r].written) {
            self.store
                .add(gone.clone(), [(ts, f64::from_bits(STALE_NAN))]);
        }
    }

    /// The firing alerts of every alerting rule named `alertname`.
    pub fn firing(&self, alertname: &str) -> Vec<AlertView> {
        self.groups
            .iter()
            .zip(&self.state)
            .flat_map(|(g, states)| g.rules.iter().zip(states))
            .filter(|(rule, _)| rule.is_alert() && rule.alert == alertname)
            .flat_map(|(_, s)| s.alerts.alerts())
            .filter(|a| a.state == AlertState::Firing)
            .map(|a| AlertView {
                labels: pairs(a.labels.iter()),
                annotations: pairs(a.annotations.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
            })
            .collect()
    }
}
