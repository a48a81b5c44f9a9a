//! Applies each rule plugin evaluation: recorded samples and the `ALERTS` /
//! `ALERTS_FOR_STATE` series go into the store (with staleness markers for
//! series an evaluation no longer produces, as a Prometheus rule group
//! writes them); alert candidates update the state machine. The first
//! evaluation of a plugin after start restores `for` state from
//! `ALERTS_FOR_STATE`. A plugin's rules are identified by plugin and rule
//! name, so a reload that keeps them keeps their alerts and `activeAt`.

use super::alerts::{AlertState, Candidate, RuleAlerts};
use crate::ingest::Pipeline;
use crate::runtime::bindings::types::{AlertCandidate, Evaluation, RuleInfo};
use crate::storage::metrics::labels::{METRIC_NAME, valid_label_name, valid_metric_name};
use crate::storage::metrics::{Labels, Matcher, STALE_NAN, Sample};
use crate::template::prometheus::{AlertData, PromOptions, engine_query, expand_alert_or_error};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How far back `ALERTS_FOR_STATE` is looked for after a restart
/// (Prometheus' `--rules.alert.for-outage-tolerance`).
const OUTAGE_TOLERANCE_MS: i64 = 3_600_000;
/// Least time left before a restored alert fires
/// (`--rules.alert.for-grace-period`).
const FOR_GRACE_MS: i64 = 600_000;

/// The last evaluation of a rule plugin, for the API and `/health`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleStatus {
    /// When it ran (ms).
    pub at: i64,
    /// How long it took.
    pub took: Duration,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

#[derive(Default)]
struct State {
    /// Alerts per (plugin, rule).
    rules: BTreeMap<(String, String), RuleAlerts>,
    /// Plugins whose `for` state was restored (their first evaluation).
    restored: HashSet<String>,
    /// Series each plugin wrote last time (for staleness markers).
    written: HashMap<String, HashSet<Labels>>,
    /// Last evaluation per plugin.
    status: BTreeMap<String, RuleStatus>,
    /// The rules each plugin last described, with the evaluation time.
    described: BTreeMap<String, (i64, Vec<RuleInfo>)>,
}

/// The rule a series belongs to: `alertname` of `ALERTS*`, else its name.
fn rule_of(labels: &Labels) -> &str {
    match labels.metric_name() {
        "ALERTS" | "ALERTS_FOR_STATE" => labels.get("alertname").unwrap_or(""),
        name => name,
    }
}

/// Prometheus' `--rules.alert.resend-delay`: firing alerts are sent to
/// the alert manager again at most this often.
pub const RESEND_DELAY_MS: i64 = 60_000;

/// Receives the alerts rule plugins send (the alert manager).
pub type AlertNotifier = Arc<dyn Fn(Vec<crate::alerting::Alert>) + Send + Sync>;

/// Where rule plugins' evaluations go.
pub struct RuleSink {
    pipeline: Arc<Pipeline>,
    state: Mutex<State>,
    notifier: Mutex<Option<(AlertNotifier, String)>>,
}

/// A label set from plugin-supplied pairs, or why it is invalid.
fn labels_from(
    name: Option<&str>,
    pairs: impl IntoIterator<Item = (String, String)>,
) -> Result<Labels, String> {
    let mut b = Labels::default().builder();
    for (n, v) in pairs {
        if n == METRIC_NAME {
            continue;
        }
        if !valid_label_name(&n) {
            return Err(format!("invalid label name {n:?}"));
        }
        b.set(&n, &v);
    }
    if let Some(name) = name {
        if !valid_metric_name(name) {
            return Err(format!("invalid metric name {name:?}"));
        }
        b.set(METRIC_NAME, name);
    }
    Ok(b.build())
}

/// Expands the Go templates in a candidate's label values and annotations
/// as Prometheus does: `$labels` are the labels the rule reported, `$value`
/// its value; a template that fails to expand becomes the error text.
fn expand(
    c: &AlertCandidate,
    options: &PromOptions,
) -> (Vec<(String, String)>, BTreeMap<String, String>) {
    let data = AlertData {
        labels: c
            .labels
            .iter()
            .map(|l| (l.name.clone(), l.value.clone()))
            .collect(),
        external_labels: BTreeMap::new(),
        external_url: options.external_url.clone(),
        value: c.value,
    };
    let one = |text: &str| {
        if text.contains("{{") {
            expand_alert_or_error(&c.rule, text, &data, options)
        } else {
            text.to_string()
        }
    };
    let labels = c
        .labels
        .iter()
        .map(|l| (l.name.clone(), one(&l.value)))
        .collect();
    let annotations = c
        .annotations
        .iter()
        .map(|a| (a.name.clone(), one(&a.value)))
        .collect();
    (labels, annotations)
}

impl RuleSink {
    /// A sink writing through `pipeline`.
    pub fn new(pipeline: Arc<Pipeline>) -> RuleSink {
        RuleSink {
            pipeline,
            state: Mutex::new(State::default()),
            notifier: Mutex::new(None),
        }
    }

    /// What alert templates get: `query` over the store at `at`.
    fn template_options(&self, at: i64) -> PromOptions {
        PromOptions {
            query: Some(engine_query(Arc::clone(self.pipeline.db()), at)),
            external_url: String::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies `evaluation` of `plugin` at `at` (ms). Every rule of the
    /// plugin is taken as evaluated: one that reported nothing resolves its
    /// alerts.
    pub fn evaluated(&self, plugin: &str, at: i64, took: Duration, evaluation: Evaluation) {
        let mut samples = Vec::new();
        let mut problems = Vec::new();
        for r in evaluation.samples {
            match labels_from(
                Some(&r.name),
                r.labels.into_iter().map(|l| (l.name, l.value)),
            ) {
                Ok(labels) => samples.push(Sample {
                    labels,
                    t: at,
                    v: r.value,
                }),
                Err(e) => problems.push(format!("recorded sample dropped: {e}")),
            }
        }
        let mut by_rule: BTreeMap<String, Vec<Candidate>> = BTreeMap::new();
        let templates = self.template_options(at);
        for c in evaluation.alerts {
            let (labels, annotations) = expand(&c, &templates);
            let pairs = labels
                .into_iter()
                .chain([("alertname".to_string(), c.rule.clone())]);
            match labels_from(None, pairs) {
                Ok(labels) => by_rule.entry(c.rule).or_default().push(Candidate {
                    labels,
                    annotations,
                    value: c.value,
                    for_ms: c.for_ms.max(0),
                    keep_firing_for_ms: c.keep_firing_for_ms.max(0),
                }),
                Err(e) => problems.push(format!("alert from rule {:?} dropped: {e}", c.rule)),
            }
        }
        let mut described = evaluation.rules;
        for r in &mut described {
            if r.evaluated_at_ms == 0 {
                r.evaluated_at_ms = at;
            }
        }
        // A rule whose evaluation failed keeps its alerts and series as they
        // were (Prometheus records nothing for it), and so does one whose
        // group was not due this time.
        let untouched: HashSet<&str> = described
            .iter()
            .filter(|r| r.error.is_some() || r.evaluated_at_ms < at)
            .map(|r| r.name.as_str())
            .collect();
        let mut state = self.lock();
        let known: Vec<String> = if described.is_empty() {
            state
                .rules
                .keys()
                .filter(|(p, _)| p == plugin)
                .map(|(_, r)| r.clone())
                .collect()
        } else {
            // Described rules are all the rules there are: forget the rest.
            let alerting: HashSet<&str> = described
                .iter()
                .filter(|r| r.alerting)
                .map(|r| r.name.as_str())
                .collect();
            state
                .rules
                .retain(|(p, r), _| p != plugin || alerting.contains(r.as_str()));
            alerting.iter().map(|r| r.to_string()).collect()
        };
        for rule in known {
            by_rule.entry(rule).or_default();
        }
        let first = state.restored.insert(plugin.to_string());
        for (rule, candidates) in by_rule {
            if untouched.contains(rule.as_str()) {
                continue;
            }
            let alerts = state
                .rules
                .entry((plugin.to_string(), rule.clone()))
                .or_default();
            if let Err(e) = alerts.apply(at, candidates) {
                problems.push(format!("rule {rule:?}: {e}"));
                continue;
            }
            if first {
                let db = self.pipeline.db();
                alerts.restore(at, FOR_GRACE_MS, |labels| {
                    let mut matchers = vec![Matcher::equal(METRIC_NAME, "ALERTS_FOR_STATE")];
                    matchers.extend(labels.iter().map(|(n, v)| Matcher::equal(n, v)));
                    let mut want = labels.builder();
                    want.set(METRIC_NAME, "ALERTS_FOR_STATE");
                    let want = want.build();
                    db.select(&matchers, at - OUTAGE_TOLERANCE_MS, at)
                        .into_iter()
                        .find(|(l, _)| *l == want)
                        .and_then(|(_, s)| s.last().copied())
                        .filter(|(_, v)| v.is_finite())
                        .map(|(t, v)| ((v * 1000.0) as i64, t))
                });
            }
            for a in alerts.alerts() {
                if a.state == AlertState::Inactive {
                    continue;
                }
                let mut b = a.labels.builder();
                b.set(METRIC_NAME, "ALERTS")
                    .set("alertstate", a.state.as_str());
                samples.push(Sample {
                    labels: b.build(),
                    t: at,
                    v: 1.0,
                });
                let mut b = a.labels.builder();
                b.set(METRIC_NAME, "ALERTS_FOR_STATE");
                samples.push(Sample {
                    labels: b.build(),
                    t: at,
                    v: (a.active_at.div_euclid(1000)) as f64,
                });
            }
        }
        // Series written last time and not now go stale, except those of
        // rules left untouched this time.
        let mut now: HashSet<Labels> = samples.iter().map(|s| s.labels.clone()).collect();
        if let Some(previous) = state.written.get(plugin) {
            now.extend(
                previous
                    .iter()
                    .filter(|l| untouched.contains(rule_of(l)))
                    .cloned(),
            );
        }
        let previous = state
            .written
            .insert(plugin.to_string(), now.clone())
            .unwrap_or_default();
        for gone in previous.difference(&now) {
            samples.push(Sample {
                labels: gone.clone(),
                t: at,
                v: f64::from_bits(STALE_NAN),
            });
        }
        state.status.insert(
            plugin.to_string(),
            RuleStatus {
                at,
                took,
                error: problems.first().cloned(),
            },
        );
        state.described.insert(plugin.to_string(), (at, described));
        drop(state);
        for p in &problems {
            tracing::warn!(plugin, problem = %p, "rule evaluation");
        }
        if let Err(e) = self.pipeline.append(&samples) {
            tracing::error!(plugin, error = %e, "cannot store rule output");
        }
    }

    /// Sends firing and resolved alerts to `notifier` from now on, with
    /// generator links under `external_url`.
    pub fn set_notifier(&self, notifier: AlertNotifier, external_url: &str) {
        *self.notifier.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((notifier, external_url.to_string()));
    }

    /// Sends `plugin`'s alerts that need sending after its evaluation at
    /// `at` (Prometheus' `sendAlerts`: firing ones every resend delay,
    /// resolved ones at once); `interval` is the plugin's.
    pub fn send_alerts(&self, plugin: &str, at: i64, interval: Duration) {
        let Some((notify, external_url)) = self
            .notifier
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        else {
            return;
        };
        let mut out = Vec::new();
        let mut guard = self.lock();
        let state = &mut *guard;
        let described: HashMap<&str, &RuleInfo> = state
            .described
            .get(plugin)
            .map(|(_, rules)| rules.iter().map(|r| (r.name.as_str(), r)).collect())
            .unwrap_or_default();
        for ((p, rule), alerts) in state.rules.iter_mut() {
            if p != plugin {
                continue;
            }
            let info = described.get(rule.as_str());
            let interval_ms = info
                .map(|r| r.group_interval_ms)
                .filter(|&ms| ms > 0)
                .unwrap_or(interval.as_millis() as i64);
            let generator_url = info.map_or(String::new(), |r| {
                format!(
                    "{external_url}/graph?g0.expr={}&g0.tab=1",
                    form_urlencoded::byte_serialize(r.query.as_bytes()).collect::<String>()
                )
            });
            for (a, ends_at) in alerts.to_send(at, RESEND_DELAY_MS, interval_ms) {
                out.push(crate::alerting::Alert {
                    labels: a
                        .labels
                        .iter()
                        .map(|(n, v)| (n.to_string(), v.to_string()))
                        .collect(),
                    annotations: a.annotations.clone(),
                    starts_at: a.fired_at.unwrap_or(a.active_at),
                    ends_at,
                    updated_at: at,
                    timeout: false,
                    generator_url: generator_url.clone(),
                });
            }
        }
        drop(guard);
        if !out.is_empty() {
            notify(out);
        }
    }

    /// Records a failed evaluation: alert state is left as it was.
    pub fn failed(&self, plugin: &str, at: i64, took: Duration, error: &str) {
        self.lock().status.insert(
            plugin.to_string(),
            RuleStatus {
                at,
                took,
                error: Some(error.to_string()),
            },
        );
    }

    /// Forgets a plugin that is no longer configured: its series go stale.
    pub fn retire(&self, plugin: &str, at: i64) {
        let gone = {
            let mut state = self.lock();
            state.rules.retain(|(p, _), _| p != plugin);
            state.restored.remove(plugin);
            state.status.remove(plugin);
            state.written.remove(plugin).unwrap_or_default()
        };
        let stale: Vec<Sample> = gone
            .into_iter()
            .map(|labels| Sample {
                labels,
                t: at,
                v: f64::from_bits(STALE_NAN),
            })
            .collect();
        if let Err(e) = self.pipeline.append(&stale) {
            tracing::error!(plugin, error = %e, "cannot mark retired rule series stale");
        }
    }

    /// Pending and firing alerts of every rule, as `(plugin, rule, alert)`.
    pub fn active_alerts(&self) -> Vec<(String, String, super::Alert)> {
        let state = self.lock();
        state
            .rules
            .iter()
            .flat_map(|((p, r), alerts)| {
                alerts
                    .alerts()
                    .into_iter()
                    .filter(|a| a.state != AlertState::Inactive)
                    .map(move |a| (p.clone(), r.clone(), a.clone()))
            })
            .collect()
    }

    /// Every rule plugin's last described rules: `(plugin, evaluated at,
    /// rules)`; a plugin that describes none appears with its alerting
    /// rules as the state machine knows them (no query).
    pub fn described(&self) -> Vec<(String, i64, Vec<RuleInfo>)> {
        let state = self.lock();
        let mut out: Vec<(String, i64, Vec<RuleInfo>)> = Vec::new();
        for (plugin, status) in &state.status {
            match state.described.get(plugin) {
                // The plugin itself failed since (trap, timeout, error):
                // every rule it described is unhealthy with that error.
                Some((at, rules)) if !rules.is_empty() && status.at > *at => {
                    let mut rules = rules.clone();
                    if let Some(error) = &status.error {
                        for r in &mut rules {
                            r.error = Some(error.clone());
                        }
                    }
                    out.push((plugin.clone(), status.at, rules))
                }
                Some((at, rules)) if !rules.is_empty() => {
                    out.push((plugin.clone(), *at, rules.clone()))
                }
                _ => {
                    let rules = state
                        .rules
                        .keys()
                        .filter(|(p, _)| p == plugin)
                        .map(|(_, name)| RuleInfo {
                            group: String::new(),
                            file: String::new(),
                            name: name.clone(),
                            alerting: true,
                            query: String::new(),
                            for_ms: 0,
                            keep_firing_for_ms: 0,
                            labels: vec![],
                            annotations: vec![],
                            error: status.error.clone(),
                            evaluation_seconds: status.took.as_secs_f64(),
                            evaluated_at_ms: status.at,
                            group_interval_ms: 0,
                            group_limit: 0,
                        })
                        .collect();
                    out.push((plugin.clone(), status.at, rules));
                }
            }
        }
        out
    }

    /// The alerts of one rule (pending, firing and recently resolved).
    pub fn rule_alerts(&self, plugin: &str, rule: &str) -> Vec<super::Alert> {
        self.lock()
            .rules
            .get(&(plugin.to_string(), rule.to_string()))
            .map(|r| r.alerts().into_iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The last evaluation of `plugin`.
    pub fn status(&self, plugin: &str) -> Option<RuleStatus> {
        self.lock().status.get(plugin).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::bindings::types::Label;
    use crate::storage::metrics::{DbOptions, MetricsDb};
    use crate::telemetry::SelfMetrics;

    fn sink(dir: &std::path::Path) -> RuleSink {
        let db = Arc::new(MetricsDb::open(dir, DbOptions::default()).unwrap());
        RuleSink::new(Arc::new(Pipeline::new(
            db,
            Vec::new(),
            Arc::new(SelfMetrics::new()),
        )))
    }

    fn rule(name: &str, error: Option<&str>) -> RuleInfo {
        RuleInfo {
            group: "g".into(),
            file: "f.yml".into(),
            name: name.into(),
            alerting: true,
            query: "up == 0".into(),
            for_ms: 0,
            keep_firing_for_ms: 0,
            labels: vec![],
            annotations: vec![],
            error: error.map(str::to_string),
            evaluation_seconds: 0.0,
            evaluated_at_ms: 0,
            group_interval_ms: 0,
            group_limit: 0,
        }
    }

    fn candidate(rule: &str) -> AlertCandidate {
        AlertCandidate {
            rule: rule.into(),
            labels: vec![Label {
                name: "instance".into(),
                value: "a".into(),
            }],
            annotations: vec![Label {
                name: "summary".into(),
                value: "{{ $labels.instance }} is {{ $value }}".into(),
            }],
            value: 3.0,
            for_ms: 0,
            keep_firing_for_ms: 0,
        }
    }

    fn eval(alerts: Vec<AlertCandidate>, rules: Vec<RuleInfo>) -> Evaluation {
        Evaluation {
            alerts,
            samples: vec![],
            rules,
        }
    }

    fn alerts_series(s: &RuleSink, at: i64) -> usize {
        let m = [Matcher::equal(METRIC_NAME, "ALERTS")];
        s.pipeline
            .db()
            .select(&m, at, at)
            .iter()
            .filter(|(_, v)| {
                v.iter()
                    .any(|(_, x)| !crate::storage::metrics::is_stale(*x))
            })
            .count()
    }

    /// `Down` fires at 1s; at 2s the plugin describes it as `second`, which
    /// must leave the alert and its series alone; at 3s it evaluates quiet
    /// and resolves. `check` looks at the sink after 2s.
    fn left_alone_at_2s(second: RuleInfo, check: impl FnOnce(&RuleSink)) {
        let dir = tempfile::tempdir().unwrap();
        let s = sink(dir.path());
        let d = Duration::ZERO;
        s.evaluated(
            "p",
            1_000,
            d,
            eval(vec![candidate("Down")], vec![rule("Down", None)]),
        );
        let firing = s.active_alerts();
        assert_eq!(firing.len(), 1);
        assert_eq!(firing[0].2.annotations["summary"], "a is 3");
        assert_eq!(alerts_series(&s, 1_000), 1);
        s.evaluated("p", 2_000, d, eval(vec![], vec![second]));
        assert_eq!(s.active_alerts().len(), 1, "not resolved");
        let m = [Matcher::equal(METRIC_NAME, "ALERTS")];
        assert!(
            s.pipeline.db().select(&m, 2_000, 2_000).is_empty(),
            "neither rewritten nor marked stale"
        );
        check(&s);
        // Evaluated with nothing: resolved, ALERTS goes stale.
        s.evaluated("p", 3_000, d, eval(vec![], vec![rule("Down", None)]));
        assert!(s.active_alerts().is_empty());
        assert_eq!(alerts_series(&s, 3_000), 0);
        assert_eq!(s.described()[0].2[0].evaluated_at_ms, 3_000);
    }

    #[test]
    fn a_failing_rule_keeps_its_alerts_and_series() {
        left_alone_at_2s(rule("Down", Some("boom")), |s| {
            assert_eq!(s.described()[0].2[0].error.as_deref(), Some("boom"));
        });
    }

    #[test]
    fn a_rule_whose_group_was_not_due_is_left_alone() {
        let mut not_due = rule("Down", None);
        not_due.evaluated_at_ms = 1_000;
        left_alone_at_2s(not_due, |s| {
            assert_eq!(s.described()[0].2[0].evaluated_at_ms, 1_000);
        });
    }

    #[test]
    fn described_rules_replace_the_known_set() {
        let dir = tempfile::tempdir().unwrap();
        let s = sink(dir.path());
        let d = Duration::ZERO;
        s.evaluated(
            "p",
            1_000,
            d,
            eval(vec![candidate("Old")], vec![rule("Old", None)]),
        );
        assert_eq!(s.active_alerts().len(), 1);
        // The rule was removed from the file: its alerts go with it.
        s.evaluated("p", 2_000, d, eval(vec![], vec![rule("New", None)]));
        assert!(s.active_alerts().is_empty());
        assert!(s.rule_alerts("p", "Old").is_empty());
        let described = s.described();
        assert_eq!(described[0].2[0].name, "New");
        // The plugin then traps: its rules are reported unhealthy.
        s.failed("p", 3_000, d, "trap: unreachable");
        let described = s.described();
        assert_eq!(described[0].1, 3_000);
        assert_eq!(
            described[0].2[0].error.as_deref(),
            Some("trap: unreachable")
        );
    }
}
