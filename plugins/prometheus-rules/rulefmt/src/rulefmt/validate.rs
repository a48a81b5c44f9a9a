//! Prometheus 2.42's `RuleGroups.Validate`: group names present and unique,
//! exactly one of `record`/`alert`, `expr` present and valid PromQL,
//! recording rules without `annotations`, `for` or `keep_firing_for` and
//! with a valid metric name, valid label and annotation names, and alerting
//! rules' label and annotation templates that parse. Errors carry the
//! `line:column` of the node they are about, as Prometheus prints them.
//!
//! Checking PromQL and templates is behind [`Checks`]: the plugin uses
//! [`PromqlChecks`] ([`crate::promql`], templates left to the host that
//! expands them); `watchpost check rules` plugs in the host's query parser
//! (the same PromQL parsing and messages) and Go template engine.

use super::{Rule, RuleGroups};
use crate::names::{is_label_name, is_metric_name};
use crate::yaml::Pos;
use std::collections::BTreeSet;

/// The checks that need a PromQL parser or a template engine.
pub trait Checks {
    /// `Err(message)` when `expr` is not valid PromQL.
    fn expr(&self, expr: &str) -> Result<(), String>;
    /// `Err(message)` when `text`, a label or annotation of alerting rule
    /// `alert`, is not a valid template (`template: __alert_<alert>:1: ...`).
    fn template(&self, alert: &str, text: &str) -> Result<(), String>;
}

/// PromQL checked with [`crate::promql::parse`] (Prometheus 2.42's
/// messages); templates are not checked here (the host, which expands
/// them, reports a template that does not parse).
pub struct PromqlChecks;

impl Checks for PromqlChecks {
    fn expr(&self, expr: &str) -> Result<(), String> {
        crate::promql::parse(expr)
    }

    fn template(&self, _alert: &str, _text: &str) -> Result<(), String> {
        Ok(())
    }
}

/// Every validation error of `groups`, in Prometheus' order and words.
pub fn validate(groups: &RuleGroups, checks: &dyn Checks) -> Vec<String> {
    let mut errors = Vec::new();
    let mut names = BTreeSet::new();
    for group in &groups.groups {
        if group.name.is_empty() {
            errors.push(format!("{}: Groupname must not be empty", group.pos));
        }
        if !names.insert(group.name.as_str()) {
            errors.push(format!(
                "{}: groupname: \"{}\" is repeated in the same file",
                group.pos, group.name
            ));
        }
        for (i, rule) in group.rules.iter().enumerate() {
            for e in validate_rule(rule, checks) {
                let at = match (e.node, e.alt) {
                    (Some(node), Some(alt)) => format!("{node}: {alt}: "),
                    (Some(node), None) => format!("{node}: "),
                    _ => String::new(),
                };
                errors.push(format!(
                    "{at}group {:?}, rule {}, {:?}: {}",
                    group.name,
                    i + 1,
                    rule.name(),
                    e.message
                ));
            }
        }
    }
    errors
}

/// One problem with a rule and the nodes it is about.
struct RuleError {
    message: String,
    node: Option<Pos>,
    alt: Option<Pos>,
}

fn at(node: Pos, message: impl Into<String>) -> RuleError {
    RuleError {
        message: message.into(),
        node: Some(node),
        alt: None,
    }
}

fn bare(message: impl Into<String>) -> RuleError {
    RuleError {
        message: message.into(),
        node: None,
        alt: None,
    }
}

fn validate_rule(rule: &Rule, checks: &dyn Checks) -> Vec<RuleError> {
    let mut out = Vec::new();
    let both = |message: &str| RuleError {
        message: message.into(),
        node: Some(rule.pos.record),
        alt: Some(rule.pos.alert),
    };
    match (rule.record.is_empty(), rule.alert.is_empty()) {
        (false, false) => out.push(both("only one of 'record' and 'alert' must be set")),
        // Prometheus points this one at `record` only.
        (true, true) => out.push(at(
            rule.pos.record,
            "one of 'record' or 'alert' must be set",
        )),
        _ => {}
    }
    if rule.expr.is_empty() {
        out.push(at(rule.pos.expr, "field 'expr' must be set in rule"));
    } else if let Err(e) = checks.expr(&rule.expr) {
        out.push(at(
            rule.pos.expr,
            format!("could not parse expression: {e}"),
        ));
    }
    if !rule.record.is_empty() {
        let record = rule.pos.record;
        if !rule.annotations.is_empty() {
            out.push(at(record, "invalid field 'annotations' in recording rule"));
        }
        if rule.for_ms != 0 {
            out.push(at(record, "invalid field 'for' in recording rule"));
        }
        if rule.keep_firing_for_ms != 0 {
            out.push(at(
                record,
                "invalid field 'keep_firing_for' in recording rule",
            ));
        }
        if !is_metric_name(&rule.record) {
            out.push(at(
                record,
                format!("invalid recording rule name: {}", rule.record),
            ));
        }
    }
    // Prometheus walks Go maps (random order); ours are sorted by name.
    for name in rule.labels.keys() {
        if !is_label_name(name) || name == "__name__" {
            out.push(bare(format!("invalid label name: {name}")));
        }
    }
    for name in rule.annotations.keys() {
        if !is_label_name(name) {
            out.push(bare(format!("invalid annotation name: {name}")));
        }
    }
    if rule.is_alert() {
        for (kind, map) in [("label", &rule.labels), ("annotation", &rule.annotations)] {
            for (name, text) in map {
                if let Err(e) = checks.template(&rule.alert, text) {
                    out.push(bare(format!("{kind} {name:?}: {e}")));
                }
            }
        }
    }
    out
}
