//! The configuration the alert manager applies (from an Alertmanager
//! configuration file, see `config.rs`): the routing tree, inhibition
//! rules, time intervals, receivers with their integrations, the resolve
//! timeout and the notification templates.

use super::alert::{Alert, LabelSet};
use super::receiver::Receiver;
use super::route::RouteOpts;
use super::store::AlertStore;
use crate::template::Template;
use crate::template::alertmanager::{self, Data, Kv};
use std::collections::{BTreeMap, HashMap};
use watchpost_amconfig::{Matcher, Route, RouteConfig, TimeInterval};

/// Whether all `matchers` match `labels` (a missing label is empty).
pub fn all_match(matchers: &[Matcher], labels: &LabelSet) -> bool {
    matchers
        .iter()
        .all(|m| m.matches(labels.get(m.name()).map_or("", String::as_str)))
}

/// One inhibition rule.
#[derive(Debug, Clone)]
pub struct InhibitRule {
    /// What the inhibiting alert matches.
    pub source: Vec<Matcher>,
    /// What the inhibited alert matches.
    pub target: Vec<Matcher>,
    /// Labels both must have equal (missing counts as empty).
    pub equal: Vec<String>,
}

/// The alert manager's configuration.
pub struct Policy {
    /// The routing tree.
    pub root: Route,
    /// Inhibition rules.
    pub inhibit_rules: Vec<InhibitRule>,
    /// Named time intervals.
    pub time_intervals: HashMap<String, Vec<TimeInterval>>,
    /// Receivers by name.
    pub receivers: BTreeMap<String, Receiver>,
    /// How long an alert without an end stays firing (ms).
    pub resolve_timeout_ms: i64,
    /// Where Watchpost is reached, for links.
    pub external_url: String,
    /// Alertmanager's default templates plus the configured ones.
    pub templates: Template,
    /// The configuration text with secrets hidden (`/api/v2/status`).
    pub original: String,
}

impl Policy {
    /// No configuration: one receiver, `default`, that notifies no one;
    /// alerts are still kept, grouped and listed.
    pub fn empty(external_url: &str) -> Policy {
        Policy {
            root: Route::new(&RouteConfig {
                receiver: "default".into(),
                ..RouteConfig::default()
            }),
            inhibit_rules: vec![],
            time_intervals: HashMap::new(),
            receivers: BTreeMap::from([(
                "default".to_string(),
                Receiver {
                    name: "default".into(),
                    integrations: vec![],
                },
            )]),
            resolve_timeout_ms: 300_000,
            external_url: external_url.to_string(),
            templates: alertmanager::template().expect("the default templates parse"),
            original: "route:\n  receiver: default\nreceivers:\n- name: default\n".into(),
        }
    }

    /// The routes `labels` goes to.
    pub fn routes(&self, labels: &LabelSet) -> Vec<RouteOpts> {
        self.root
            .match_alert(labels)
            .into_iter()
            .map(RouteOpts::of)
            .collect()
    }

    /// The receiver called `name`.
    pub fn receiver(&self, name: &str) -> Option<&Receiver> {
        self.receivers.get(name)
    }

    /// Every receiver's name, sorted.
    pub fn receiver_names(&self) -> Vec<String> {
        self.receivers.keys().cloned().collect()
    }

    /// How long an alert without an end stays firing (ms).
    pub fn resolve_timeout_ms(&self) -> i64 {
        self.resolve_timeout_ms
    }

    /// Where Watchpost is reached.
    pub fn external_url(&self) -> &str {
        &self.external_url
    }

    /// The configuration with secrets hidden.
    pub fn original_redacted(&self) -> &str {
        &self.original
    }

    /// Alertmanager's `Inhibitor.Mutes`: the fingerprint of the first
    /// firing alert that inhibits `labels` under some rule (an alert
    /// matching both sides of a rule cannot be inhibited by another such
    /// alert), or none.
    pub fn inhibited_by(&self, labels: &LabelSet, alerts: &AlertStore, now: i64) -> Vec<u64> {
        for rule in &self.inhibit_rules {
            if !all_match(&rule.target, labels) {
                continue;
            }
            let two_sided = all_match(&rule.source, labels);
            let mut sources: Vec<&Alert> = alerts
                .iter()
                .filter(|a| !a.resolved_at(now) && all_match(&rule.source, &a.labels))
                .filter(|a| rule.equal.iter().all(|n| a.labels.get(n) == labels.get(n)))
                .filter(|a| !(two_sided && all_match(&rule.target, &a.labels)))
                .collect();
            sources.sort_by_key(|a| a.fingerprint());
            if let Some(a) = sources.first() {
                return vec![a.fingerprint()];
            }
        }
        Vec::new()
    }

    /// Whether `route` sends nothing at `now`: inside one of its mute
    /// intervals, or outside all of its active intervals.
    pub fn time_muted(&self, route: &RouteOpts, now: i64) -> bool {
        let Some(now) = chrono::DateTime::from_timestamp_millis(now) else {
            return false;
        };
        route
            .opts
            .muted_at(now, |name| self.time_intervals.get(name).map(Vec::as_slice))
    }

    /// An integration's settings with every string holding a template
    /// expanded for this notification (Alertmanager's `ExecuteTextString`
    /// on the templated fields, `ExecuteHTMLString` on the one
    /// `html_field` names for the integration type `kind`); a failing
    /// template leaves the text as is and is logged.
    pub fn expand_settings(
        &self,
        kind: &str,
        settings: &serde_json::Value,
        receiver: &str,
        group_labels: &LabelSet,
        alerts: &[&(Alert, Option<i64>)],
        now: i64,
    ) -> serde_json::Value {
        let data = Data::new(
            receiver,
            Kv(group_labels.clone()),
            alerts
                .iter()
                .map(|(a, ends)| template_alert(a, *ends, now))
                .collect(),
            &self.external_url,
        )
        .to_value();
        let expand = |text: &str, html: bool| {
            let mut t = self.templates.clone();
            let rendered = t.parse_named("__text", text).and_then(|t| {
                if html {
                    t.execute_template_html("__text", &data)
                } else {
                    t.execute_template("__text", &data)
                }
            });
            rendered.unwrap_or_else(|e| {
                tracing::warn!(receiver, error = %e, "notification template failed");
                text.to_string()
            })
        };
        let html_key = html_field(kind, settings);
        let mut out = settings.clone();
        match out.as_object_mut() {
            Some(map) => {
                for (key, value) in map.iter_mut() {
                    let html = html_key == Some(key.as_str());
                    expand_strings(value, &mut |text| expand(text, html));
                }
            }
            None => expand_strings(&mut out, &mut |text| expand(text, false)),
        }
        out
    }
}

/// The setting Alertmanager 0.25 renders with `html/template` for an
/// integration of type `kind`: an email's `html`, a Telegram `message` when
/// `parse_mode` is `HTML`, a Pushover `message` when `html` is true.
fn html_field(kind: &str, settings: &serde_json::Value) -> Option<&'static str> {
    match kind {
        "email" => Some("html"),
        "telegram" => (settings.get("parse_mode").and_then(|m| m.as_str()) == Some("HTML"))
            .then_some("message"),
        "pushover" => {
            (settings.get("html").and_then(|h| h.as_bool()) == Some(true)).then_some("message")
        }
        _ => None,
    }
}

fn expand_strings(v: &mut serde_json::Value, f: &mut dyn FnMut(&str) -> String) {
    match v {
        serde_json::Value::String(s) if s.contains("{{") => *s = f(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| expand_strings(i, f)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|i| expand_strings(i, f)),
        _ => {}
    }
}

/// An alert as templates see it.
fn template_alert(a: &Alert, ends_at: Option<i64>, now: i64) -> alertmanager::Alert {
    use crate::template::GoTime;
    let time = |ms: i64| GoTime::from_unix(ms.div_euclid(1000), ms.rem_euclid(1000) * 1_000_000);
    alertmanager::Alert {
        status: a.status(now).as_str().into(),
        labels: Kv(a.labels.clone()),
        annotations: Kv(a.annotations.clone()),
        starts_at: time(a.starts_at),
        ends_at: ends_at.map_or(GoTime::from_unix(-62_135_596_800, 0), time),
        generator_url: a.generator_url.clone(),
        fingerprint: super::alert::fingerprint_hex(a.fingerprint()),
    }
}
