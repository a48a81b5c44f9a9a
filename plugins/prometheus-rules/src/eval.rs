//! One evaluation of the loaded groups at `at`. Each group runs on its own
//! `interval` (the plugin's when unset): a group is due once per interval
//! slot, and a group that is not due is described as it last ran, so the
//! host leaves its alerts and series alone. A due group's rules run in
//! order through `query.instant`; each recording rule's output is staged
//! (`query.stage`) so the group's later rules see it, as in Prometheus. A
//! rule whose query fails, whose output breaks the group's `limit` or
//! repeats a label set is skipped and logged, as Prometheus marks such a
//! rule unhealthy and records nothing for it.

use crate::config::Language;
use crate::rulefmt::{Rule, RuleGroup};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use watchpost_sdk::query::{self, QueryError, Sample};
use watchpost_sdk::{AlertCandidate, Evaluation, Label, RecordedSample, RuleInfo, log};

/// A recorded series' labels, as (name, value) pairs in order.
type SeriesKey = Vec<(String, String)>;

/// What the plugin remembers of a group between evaluations.
struct GroupRun {
    /// The group as it was evaluated (a changed group is due at once).
    group: RuleGroup,
    /// The interval slot of its last evaluation.
    slot: Option<i64>,
    /// Its rules as last described.
    rules: Vec<RuleInfo>,
    /// Per rule, the series it recorded last time (to stage their
    /// staleness when they stop).
    recorded: Vec<BTreeSet<SeriesKey>>,
}

/// Every group's last run, by (file, group name), and the language the
/// rules query in.
#[derive(Default)]
pub struct GroupRuns(HashMap<(PathBuf, String), GroupRun>, Language);

impl GroupRuns {
    /// No runs yet; rules query in `language`.
    pub fn new(language: Language) -> GroupRuns {
        GroupRuns(HashMap::new(), language)
    }

    /// Evaluates the groups of `groups` that are due at `at_ms`; describes
    /// the others as they last ran. Groups no longer loaded are forgotten.
    pub fn evaluate<'a>(
        &mut self,
        groups: impl Iterator<Item = (&'a Path, &'a RuleGroup)>,
        at_ms: i64,
    ) -> Evaluation {
        let mut out = Evaluation {
            alerts: Vec::new(),
            samples: Vec::new(),
            rules: Vec::new(),
        };
        let mut seen = Vec::new();
        for (file, group) in groups {
            let key = (file.to_path_buf(), group.name.clone());
            let slot = slot(at_ms, group.interval_ms);
            match self.0.get(&key) {
                Some(run) if run.group == *group && slot.is_some() && run.slot == slot => {
                    out.rules.extend(run.rules.iter().cloned());
                }
                previous => {
                    let recorded = previous
                        .filter(|run| run.group.rules == group.rules)
                        .map(|run| run.recorded.clone())
                        .unwrap_or_else(|| vec![BTreeSet::new(); group.rules.len()]);
                    let run = evaluate_group(file, group, at_ms, slot, recorded, self.1, &mut out);
                    self.0.insert(key.clone(), run);
                }
            }
            seen.push(key);
        }
        self.0.retain(|key, _| seen.contains(key));
        out
    }
}

/// The interval slot `at_ms` falls in: a group runs once per slot. A group
/// without an interval has none: it runs on every evaluation.
fn slot(at_ms: i64, interval_ms: i64) -> Option<i64> {
    (interval_ms > 0).then(|| at_ms.div_euclid(interval_ms))
}

fn evaluate_group(
    file: &Path,
    group: &RuleGroup,
    at_ms: i64,
    slot: Option<i64>,
    mut recorded: Vec<BTreeSet<SeriesKey>>,
    language: Language,
    out: &mut Evaluation,
) -> GroupRun {
    let mut rules = Vec::with_capacity(group.rules.len());
    for (i, rule) in group.rules.iter().enumerate() {
        let started = std::time::Instant::now();
        let result = evaluate_rule(rule, group.limit, at_ms, language, &mut recorded[i], out);
        if let Err(e) = &result {
            log::warn(&format!(
                "{}: group {:?}, rule {} ({:?}): {e}",
                file.display(),
                group.name,
                i + 1,
                rule.name()
            ));
        }
        rules.push(info(
            file,
            group,
            rule,
            result.err(),
            started.elapsed().as_secs_f64(),
            at_ms,
        ));
    }
    out.rules.extend(rules.iter().cloned());
    GroupRun {
        group: group.clone(),
        slot,
        rules,
        recorded,
    }
}

/// How the rule is described to the host (for `/api/v1/rules`).
fn info(
    file: &Path,
    group: &RuleGroup,
    rule: &Rule,
    error: Option<String>,
    seconds: f64,
    at_ms: i64,
) -> RuleInfo {
    let pairs = |map: &BTreeMap<String, String>| {
        map.iter()
            .map(|(name, value)| Label {
                name: name.clone(),
                value: value.clone(),
            })
            .collect()
    };
    RuleInfo {
        group: group.name.clone(),
        file: file.display().to_string(),
        name: rule.name().to_string(),
        alerting: rule.is_alert(),
        query: rule.expr.clone(),
        for_ms: rule.for_ms,
        keep_firing_for_ms: rule.keep_firing_for_ms,
        labels: pairs(&rule.labels),
        annotations: pairs(&rule.annotations),
        error,
        evaluation_seconds: seconds,
        evaluated_at_ms: at_ms,
        group_interval_ms: group.interval_ms,
        group_limit: group.limit.max(0),
    }
}

fn evaluate_rule(
    rule: &Rule,
    limit: i64,
    at_ms: i64,
    language: Language,
    recorded_before: &mut BTreeSet<SeriesKey>,
    out: &mut Evaluation,
) -> Result<(), String> {
    let answer = match language {
        Language::Promql => query::instant(&rule.expr, at_ms),
        Language::Logql => query::instant_logs(&rule.expr, at_ms),
    };
    let samples = answer.map_err(|e| match e {
        QueryError::Unavailable(why) => format!("query unavailable: {why}"),
        QueryError::BadQuery(why) => format!("bad query: {why}"),
        QueryError::Execution(why) => format!("query failed: {why}"),
    })?;
    let over = |what: &str| {
        (limit > 0 && samples.len() as i64 > limit)
            .then(|| format!("exceeded limit of {limit} with {} {what}", samples.len()))
    };
    if rule.is_alert() {
        if let Some(e) = over("alerts") {
            return Err(e);
        }
        out.alerts
            .extend(samples.iter().map(|s| candidate(rule, s)));
        return Ok(());
    }
    if let Some(e) = over("series") {
        return Err(e);
    }
    let recorded: Vec<RecordedSample> = samples
        .iter()
        .map(|s| RecordedSample {
            name: rule.record.clone(),
            labels: with_rule_labels(&s.labels, &rule.labels),
            value: s.value,
        })
        .collect();
    let distinct: BTreeSet<SeriesKey> = recorded.iter().map(|r| key(&r.labels)).collect();
    if distinct.len() < recorded.len() {
        return Err(
            "vector contains metrics with the same labelset after applying rule labels".into(),
        );
    }
    stage(rule, &recorded, recorded_before, at_ms);
    out.samples.extend(recorded);
    Ok(())
}

fn key(labels: &[Label]) -> SeriesKey {
    labels
        .iter()
        .map(|l| (l.name.clone(), l.value.clone()))
        .collect()
}

/// Makes `recorded` visible to the group's later rules, with staleness for
/// what the rule recorded last time and not now; remembers what it recorded.
fn stage(rule: &Rule, recorded: &[RecordedSample], before: &mut BTreeSet<SeriesKey>, at_ms: i64) {
    let now: BTreeSet<SeriesKey> = recorded.iter().map(|r| key(&r.labels)).collect();
    let stale = f64::from_bits(query::STALE_NAN_BITS);
    let gone = before.difference(&now).map(|labels| RecordedSample {
        name: rule.record.clone(),
        labels: labels
            .iter()
            .map(|(name, value)| Label {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        value: stale,
    });
    let staged: Vec<RecordedSample> = recorded.iter().cloned().chain(gone).collect();
    if !staged.is_empty() {
        query::stage(&staged, at_ms);
    }
    *before = now;
}

fn candidate(rule: &Rule, sample: &Sample) -> AlertCandidate {
    AlertCandidate {
        rule: rule.alert.clone(),
        labels: with_rule_labels(&sample.labels, &rule.labels),
        annotations: rule
            .annotations
            .iter()
            .map(|(name, value)| Label {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        value: sample.value,
        for_ms: rule.for_ms,
        keep_firing_for_ms: rule.keep_firing_for_ms,
    }
}

/// The sample's labels without `__name__`, then the rule's (which win; an
/// empty value removes the label), sorted by name.
fn with_rule_labels(series: &[Label], rule: &BTreeMap<String, String>) -> Vec<Label> {
    let mut labels: BTreeMap<&str, &str> = series
        .iter()
        .filter(|l| l.name != "__name__")
        .map(|l| (l.name.as_str(), l.value.as_str()))
        .collect();
    for (name, value) in rule {
        if value.is_empty() {
            labels.remove(name.as_str());
        } else {
            labels.insert(name, value);
        }
    }
    labels
        .into_iter()
        .map(|(name, value)| Label {
            name: name.into(),
            value: value.into(),
        })
        .collect()
}
