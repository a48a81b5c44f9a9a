//! One evaluation of the loaded groups at `at`: every rule in order, each
//! through `query.instant`. A rule whose query fails, whose output breaks
//! the group's `limit` or repeats a label set is skipped and logged, as
//! Prometheus marks such a rule unhealthy and records nothing for it.

use crate::rulefmt::{Rule, RuleGroup};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use watchpost_sdk::query::{self, QueryError, Sample};
use watchpost_sdk::{AlertCandidate, Evaluation, Label, RecordedSample, RuleInfo, log};

/// Evaluates `groups` at `at_ms`.
pub fn evaluate<'a>(
    groups: impl Iterator<Item = (&'a Path, &'a RuleGroup)>,
    at_ms: i64,
) -> Evaluation {
    let mut out = Evaluation {
        alerts: Vec::new(),
        samples: Vec::new(),
        rules: Vec::new(),
    };
    for (file, group) in groups {
        for (i, rule) in group.rules.iter().enumerate() {
            let started = std::time::Instant::now();
            let result = evaluate_rule(rule, group.limit, at_ms, &mut out);
            if let Err(e) = &result {
                log::warn(&format!(
                    "{}: group {:?}, rule {} ({:?}): {e}",
                    file.display(),
                    group.name,
                    i + 1,
                    rule.name()
                ));
            }
            out.rules.push(info(
                file,
                group,
                rule,
                result.err(),
                started.elapsed().as_secs_f64(),
            ));
        }
    }
    out
}

/// How the rule is described to the host (for `/api/v1/rules`).
fn info(
    file: &Path,
    group: &RuleGroup,
    rule: &Rule,
    error: Option<String>,
    seconds: f64,
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
    }
}

fn evaluate_rule(rule: &Rule, limit: i64, at_ms: i64, out: &mut Evaluation) -> Result<(), String> {
    let samples = query::instant(&rule.expr, at_ms).map_err(|e| match e {
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
    let distinct: BTreeSet<Vec<(&str, &str)>> = recorded
        .iter()
        .map(|r| {
            r.labels
                .iter()
                .map(|l| (l.name.as_str(), l.value.as_str()))
                .collect()
        })
        .collect();
    if distinct.len() < recorded.len() {
        return Err(
            "vector contains metrics with the same labelset after applying rule labels".into(),
        );
    }
    out.samples.extend(recorded);
    Ok(())
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
