//! Alertmanager 0.25's notification templates: its function set
//! (`toUpper`, `toLower`, `title`, `join`, `match`, `safeHtml`,
//! `reReplaceAll`, `stringSlice`, and 0.26's `trimSpace`), its template data
//! ([`Data`], whose `KV` maps have `SortedPairs`, `Names`, `Values` and
//! `Remove`, and whose `Alerts` have `Firing` and `Resolved`), and its
//! default templates (`slack.default.title`, …, `email.default.html`)
//! parsed as Alertmanager parses them, with `missingkey=zero`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Deserializer};

use super::error::Result;
use super::format::go_format;
use super::func::{FuncMap, arity, str_arg, strings_arg};
use super::gotime::GoTime;
use super::set::{MissingKey, Template};
use super::text;
use super::value::{Object, Value};

/// Alertmanager 0.25's `template/default.tmpl`, with its licence header.
pub const DEFAULT_TEMPLATE: &str = include_str!("alertmanager_default.tmpl");

/// Alertmanager 0.25's `template/email.tmpl` (`email.default.subject`,
/// `email.default.html`), with its licence header.
pub const EMAIL_TEMPLATE: &str = include_str!("alertmanager_email.tmpl");

/// Alertmanager's `DefaultFuncs`.
pub fn functions() -> FuncMap {
    let mut m = FuncMap::new();
    text::register(&mut m, true);
    m.insert("trimSpace", |a| {
        arity(a, 1)?;
        Ok(Value::str(str_arg(&a[0])?.trim()))
    });
    m.insert("join", |a| {
        arity(a, 2)?;
        Ok(Value::str(strings_arg(&a[1])?.join(str_arg(&a[0])?)))
    });
    m.insert("stringSlice", |a| {
        let strings: Vec<Value> = a
            .iter()
            .map(|v| str_arg(v).map(Value::str))
            .collect::<std::result::Result<_, _>>()?;
        Ok(Value::list(strings))
    });
    m
}

/// A template set as Alertmanager builds it: its functions,
/// `missingkey=zero`, and the default templates already parsed. Add
/// user template files with [`Template::parse_named`].
pub fn template() -> Result<Template> {
    let mut t = Template::new("")
        .with_funcs(&functions())
        .with_missing_key(MissingKey::Zero);
    // Alertmanager parses both files, in this order, as the body of "".
    t.parse(DEFAULT_TEMPLATE)?;
    t.parse(EMAIL_TEMPLATE)?;
    Ok(t)
}

/// Go's `regexp.QuoteMeta`, which unlike `regex::escape` leaves `-`, `#`,
/// `&` and `~` alone (a receiver `team-x` stays `team-x`).
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if r"\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A set of label or annotation pairs (Go's `template.KV`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Kv(pub BTreeMap<String, String>);

impl Kv {
    /// Pairs sorted by name, with `alertname` first.
    pub fn sorted_pairs(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> =
            self.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        if let Some(i) = pairs.iter().position(|(k, _)| k == "alertname") {
            let p = pairs.remove(i);
            pairs.insert(0, p);
        }
        pairs
    }
}

impl Object for Kv {
    fn type_name(&self) -> String {
        "template.KV".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        let pairs = || self.sorted_pairs();
        Some(match name {
            "SortedPairs" => Value::object(Pairs(pairs())),
            "Names" => Value::list(pairs().into_iter().map(|(k, _)| Value::str(k))),
            "Values" => Value::list(pairs().into_iter().map(|(_, v)| Value::str(v))),
            _ => return None,
        })
    }

    fn method(&self, name: &str, args: &[Value]) -> Option<std::result::Result<Value, String>> {
        (name == "Remove").then(|| {
            let [keys] = args else {
                return Err(format!(
                    "wrong number of args for Remove: want 1 got {}",
                    args.len()
                ));
            };
            let keys = strings_arg(keys).map_err(|e| e.to_string())?;
            let mut rest = self.0.clone();
            rest.retain(|k, _| !keys.contains(k));
            Ok(Value::object(Kv(rest)))
        })
    }

    fn underlying(&self) -> Option<Value> {
        Some(Value::string_map(&self.0))
    }
}

/// Sorted pairs (Go's `template.Pairs`).
struct Pairs(Vec<(String, String)>);

impl Object for Pairs {
    fn type_name(&self) -> String {
        "template.Pairs".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Names" => Value::list(self.0.iter().map(|(k, _)| Value::str(k.as_str()))),
            "Values" => Value::list(self.0.iter().map(|(_, v)| Value::str(v.as_str()))),
            _ => return None,
        })
    }

    fn underlying(&self) -> Option<Value> {
        Some(Value::list(
            self.0
                .iter()
                .map(|(k, v)| Value::object(Pair(k.clone(), v.clone()))),
        ))
    }
}

/// One pair: `.Name` and `.Value`.
struct Pair(String, String);

impl Object for Pair {
    fn type_name(&self) -> String {
        "template.Pair".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Name" => Some(Value::str(self.0.as_str())),
            "Value" => Some(Value::str(self.1.as_str())),
            _ => None,
        }
    }

    fn go_format(&self) -> String {
        format!("{{{} {}}}", self.0, self.1)
    }
}

fn go_time<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<GoTime, D::Error> {
    let s = String::deserialize(d)?;
    GoTime::parse_rfc3339(&s).ok_or_else(|| serde::de::Error::custom(format!("invalid time {s:?}")))
}

fn zero_time() -> GoTime {
    GoTime::from_unix(-62_135_596_800, 0)
}

/// One alert of a notification (Go's `template.Alert`; JSON as in
/// Alertmanager's webhook payload).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// `firing` or `resolved`.
    pub status: String,
    /// The alert's labels.
    #[serde(default)]
    pub labels: Kv,
    /// The alert's annotations.
    #[serde(default)]
    pub annotations: Kv,
    /// When it started.
    #[serde(deserialize_with = "go_time", default = "zero_time")]
    pub starts_at: GoTime,
    /// When it ended (zero time while firing).
    #[serde(deserialize_with = "go_time", default = "zero_time")]
    pub ends_at: GoTime,
    /// The rule's link.
    #[serde(rename = "generatorURL", default)]
    pub generator_url: String,
    /// The label set's fingerprint.
    #[serde(default)]
    pub fingerprint: String,
}

impl Object for Alert {
    fn type_name(&self) -> String {
        "template.Alert".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Status" => Value::str(self.status.as_str()),
            "Labels" => Value::object(self.labels.clone()),
            "Annotations" => Value::object(self.annotations.clone()),
            "StartsAt" => Value::object(self.starts_at),
            "EndsAt" => Value::object(self.ends_at),
            "GeneratorURL" => Value::str(self.generator_url.as_str()),
            "Fingerprint" => Value::str(self.fingerprint.as_str()),
            _ => return None,
        })
    }

    fn go_format(&self) -> String {
        let fields = [
            "Status",
            "Labels",
            "Annotations",
            "StartsAt",
            "EndsAt",
            "GeneratorURL",
            "Fingerprint",
        ];
        let parts: Vec<String> = fields
            .iter()
            .filter_map(|f| self.field(f))
            .map(|v| go_format(&v))
            .collect();
        format!("{{{}}}", parts.join(" "))
    }
}

/// The alerts of a notification (Go's `template.Alerts`).
struct Alerts(Arc<Vec<Alert>>);

impl Alerts {
    fn with_status(&self, status: &str) -> Value {
        Value::list(
            self.0
                .iter()
                .filter(|a| a.status == status)
                .cloned()
                .map(Value::object),
        )
    }
}

impl Object for Alerts {
    fn type_name(&self) -> String {
        "template.Alerts".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Firing" => Some(self.with_status("firing")),
            "Resolved" => Some(self.with_status("resolved")),
            _ => None,
        }
    }

    fn underlying(&self) -> Option<Value> {
        Some(Value::list(self.0.iter().cloned().map(Value::object)))
    }
}

/// What a notification template sees as `.` (Go's `template.Data`; JSON
/// as in Alertmanager's webhook payload).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Data {
    /// The receiver's name.
    pub receiver: String,
    /// `firing` if any alert fires, else `resolved`.
    pub status: String,
    /// The alerts.
    pub alerts: Vec<Alert>,
    /// The labels the route grouped by.
    #[serde(default)]
    pub group_labels: Kv,
    /// Labels every alert has with the same value.
    #[serde(default)]
    pub common_labels: Kv,
    /// Annotations every alert has with the same value.
    #[serde(default)]
    pub common_annotations: Kv,
    /// Alertmanager's external URL.
    #[serde(rename = "externalURL", default)]
    pub external_url: String,
}

impl Data {
    /// Assembles the data as Alertmanager's `Template.Data` does: the
    /// receiver regexp-quoted, the status, and the common labels and
    /// annotations of all alerts.
    pub fn new(receiver: &str, group_labels: Kv, alerts: Vec<Alert>, external_url: &str) -> Self {
        let firing = alerts.iter().any(|a| a.status == "firing");
        let common = |pick: fn(&Alert) -> &Kv| {
            let mut common = alerts
                .first()
                .map(|a| pick(a).0.clone())
                .unwrap_or_default();
            for a in alerts.iter().skip(1) {
                common.retain(|k, v| pick(a).0.get(k) == Some(v));
            }
            Kv(common)
        };
        Self {
            receiver: quote_meta(receiver),
            status: if firing { "firing" } else { "resolved" }.into(),
            group_labels,
            common_labels: common(|a| &a.labels),
            common_annotations: common(|a| &a.annotations),
            external_url: external_url.into(),
            alerts,
        }
    }

    /// The data as a template value.
    pub fn to_value(&self) -> Value {
        Value::object(self.clone())
    }
}

impl Object for Data {
    fn type_name(&self) -> String {
        "*template.Data".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Receiver" => Value::str(self.receiver.as_str()),
            "Status" => Value::str(self.status.as_str()),
            "Alerts" => Value::object(Alerts(Arc::new(self.alerts.clone()))),
            "GroupLabels" => Value::object(self.group_labels.clone()),
            "CommonLabels" => Value::object(self.common_labels.clone()),
            "CommonAnnotations" => Value::object(self.common_annotations.clone()),
            "ExternalURL" => Value::str(self.external_url.as_str()),
            _ => return None,
        })
    }
}
