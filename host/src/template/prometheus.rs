//! Prometheus 2.42's rule templates: the function set of its
//! `template.NewTemplateExpander` (`humanize`, `query`, `first`, `label`,
//! `value`, `externalURL`, …), the data an alerting rule's labels and
//! annotations see (`.Labels`, `.ExternalLabels`, `.ExternalURL`,
//! `.Value`) and [`expand_alert`], which prepends the `$labels`, `$value`…
//! definitions and runs with `missingkey=zero` exactly as Prometheus does.

use std::collections::BTreeMap;
use std::sync::Arc;

use thiserror::Error;

use super::builtins::query_escape;
use super::error::TemplateError;
use super::format::{format_float, go_format};
use super::func::{FuncError, FuncMap, arity, str_arg, wrong_type};
use super::humanize::{
    float_to_time, g4, humanize, humanize_duration, humanize_timestamp, humanize1024,
};
pub use super::promquery::engine_query;
use super::set::{MissingKey, Template};
use super::text;
use super::value::{Object, Value};

/// One sample of a `query` result: `.Labels` and `.Value` in templates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QuerySample {
    /// The series' labels (with `__name__`).
    pub labels: BTreeMap<String, String>,
    /// The sample value.
    pub value: f64,
}

impl Object for QuerySample {
    fn type_name(&self) -> String {
        "*template.sample".into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Labels" => Some(Value::string_map(&self.labels)),
            "Value" => Some(Value::Float(self.value)),
            _ => None,
        }
    }

    fn go_format(&self) -> String {
        format!(
            "{{{} {}}}",
            go_format(&Value::string_map(&self.labels)),
            format_float(self.value, 'g', None)
        )
    }
}

/// Runs a PromQL instant query at the rule's evaluation time; an error is
/// the query's error text.
pub type QueryFn = Arc<dyn Fn(&str) -> Result<Vec<QuerySample>, String> + Send + Sync>;

/// What the Prometheus functions need from their host.
#[derive(Clone, Default)]
pub struct PromOptions {
    /// The `query` function's engine; without one `query` fails.
    pub query: Option<QueryFn>,
    /// Prometheus' `--web.external-url` (`externalURL`, `pathPrefix`).
    pub external_url: String,
}

/// Prometheus' `convertToFloat`: floats, integers and numeric strings.
fn to_float(v: &Value) -> Result<f64, FuncError> {
    match v {
        Value::Float(x) => Ok(*x),
        Value::Int(n) => Ok(*n as f64),
        Value::String(s) => parse_go_float(s),
        other => Err(FuncError::failed(format!(
            "can't convert {} to float",
            other.type_name()
        ))),
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal input.
fn parse_go_float(s: &str) -> Result<f64, FuncError> {
    let ok = !s.is_empty() && !s.contains('_') && !s.starts_with(['x', 'X']);
    match s.parse::<f64>() {
        Ok(x) if ok => Ok(x),
        _ => Err(FuncError::failed(format!(
            "strconv.ParseFloat: parsing {s:?}: invalid syntax"
        ))),
    }
}

/// Go's `net.SplitHostPort`, or `None` where it fails.
fn split_host_port(s: &str) -> Option<(&str, &str)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return Some((host, after.strip_prefix(':')?));
    }
    let (host, port) = s.rsplit_once(':')?;
    (!host.contains(':')).then_some((host, port))
}

fn strip_domain(host_port: &str) -> String {
    let (host, port) = split_host_port(host_port).unwrap_or((host_port, ""));
    if host.parse::<std::net::IpAddr>().is_ok() {
        return host_port.to_string();
    }
    let host = host.split('.').next().unwrap_or_default();
    if port.is_empty() {
        host.to_string()
    } else {
        format!("{host}:{port}")
    }
}

/// The path of a URL (Go's `url.URL.Path`).
fn url_path(url: &str) -> &str {
    let after_scheme = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            rest.find('/').map_or("", |j| &rest[j..])
        }
        None => url,
    };
    after_scheme.split(['?', '#']).next().unwrap_or_default()
}

fn sample_arg(v: &Value) -> Result<QuerySample, FuncError> {
    let Value::Object(o) = v else {
        return Err(wrong_type("*template.sample", v));
    };
    match (o.field("Labels"), o.field("Value")) {
        (Some(Value::Map(labels)), Some(Value::Float(value)))
            if o.type_name() == "*template.sample" =>
        {
            let labels = labels
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect();
            Ok(QuerySample { labels, value })
        }
        _ => Err(wrong_type("*template.sample", v)),
    }
}

fn samples_arg(v: &Value) -> Result<Vec<QuerySample>, FuncError> {
    match v {
        Value::List(items) => items.iter().map(sample_arg).collect(),
        Value::Nil => Ok(Vec::new()),
        other => Err(wrong_type("template.queryResult", other)),
    }
}

fn samples_value(samples: Vec<QuerySample>) -> Value {
    Value::list(samples.into_iter().map(Value::object))
}

/// The functions of Prometheus' template expander.
pub fn functions(opts: &PromOptions) -> FuncMap {
    let mut m = FuncMap::new();
    text::register(&mut m, false);
    let query = opts.query.clone();
    m.insert("query", move |a| {
        arity(a, 1)?;
        let q = str_arg(&a[0])?;
        let run = query
            .as_ref()
            .ok_or_else(|| FuncError::failed("no query engine"))?;
        run(q).map(samples_value).map_err(FuncError::failed)
    });
    m.insert("first", |a| {
        arity(a, 1)?;
        let samples = samples_arg(&a[0])?;
        let first = samples.into_iter().next();
        first
            .map(Value::object)
            .ok_or_else(|| FuncError::failed("first() called on vector with no elements"))
    });
    m.insert("label", |a| {
        arity(a, 2)?;
        let s = sample_arg(&a[1])?;
        Ok(Value::str(
            s.labels.get(str_arg(&a[0])?).map_or("", String::as_str),
        ))
    });
    m.insert("value", |a| {
        arity(a, 1)?;
        Ok(Value::Float(sample_arg(&a[0])?.value))
    });
    m.insert("strvalue", |a| {
        arity(a, 1)?;
        Ok(Value::str(
            sample_arg(&a[0])?
                .labels
                .get("__value__")
                .map_or("", String::as_str),
        ))
    });
    m.insert("sortByLabel", |a| {
        arity(a, 2)?;
        let label = str_arg(&a[0])?;
        let mut samples = samples_arg(&a[1])?;
        samples.sort_by(|x, y| x.labels.get(label).cmp(&y.labels.get(label)));
        Ok(samples_value(samples))
    });
    m.insert("args", |a| {
        Ok(Value::map(
            a.iter()
                .enumerate()
                .map(|(i, v)| (format!("arg{i}"), v.clone())),
        ))
    });
    m.insert("graphLink", |a| {
        arity(a, 1)?;
        Ok(Value::str(format!(
            "/graph?g0.expr={}&g0.tab=0",
            query_escape(str_arg(&a[0])?)
        )))
    });
    m.insert("tableLink", |a| {
        arity(a, 1)?;
        Ok(Value::str(format!(
            "/graph?g0.expr={}&g0.tab=1",
            query_escape(str_arg(&a[0])?)
        )))
    });
    m.insert("stripPort", |a| {
        arity(a, 1)?;
        let hp = str_arg(&a[0])?;
        Ok(Value::str(split_host_port(hp).map_or(hp, |(h, _)| h)))
    });
    m.insert("stripDomain", |a| {
        arity(a, 1)?;
        Ok(Value::str(strip_domain(str_arg(&a[0])?)))
    });
    m.insert("humanize", |a| {
        arity(a, 1)?;
        Ok(Value::str(humanize(to_float(&a[0])?)))
    });
    m.insert("humanize1024", |a| {
        arity(a, 1)?;
        Ok(Value::str(humanize1024(to_float(&a[0])?)))
    });
    m.insert("humanizeDuration", |a| {
        arity(a, 1)?;
        Ok(Value::str(humanize_duration(to_float(&a[0])?)))
    });
    m.insert("humanizePercentage", |a| {
        arity(a, 1)?;
        Ok(Value::str(format!("{}%", g4(to_float(&a[0])? * 100.0))))
    });
    m.insert("humanizeTimestamp", |a| {
        arity(a, 1)?;
        humanize_timestamp(to_float(&a[0])?).map(Value::str)
    });
    m.insert("toTime", |a| {
        arity(a, 1)?;
        let v = to_float(&a[0])?;
        if !v.is_finite() {
            return Err(FuncError::failed("value is NaN or Inf"));
        }
        float_to_time(v).map(Value::object)
    });
    m.insert("parseDuration", |a| {
        arity(a, 1)?;
        let d = str_arg(&a[0])?;
        if d == "0" {
            return Ok(Value::Float(0.0));
        }
        crate::manifest::units::parse_duration(d)
            .map(|d| Value::Float(d.as_secs_f64()))
            .map_err(|_| FuncError::failed(format!("not a valid duration string: {d:?}")))
    });
    let url = opts.external_url.clone();
    m.insert("externalURL", move |a| {
        arity(a, 0)?;
        Ok(Value::str(url.as_str()))
    });
    let path = url_path(&opts.external_url).to_string();
    m.insert("pathPrefix", move |a| {
        arity(a, 0)?;
        Ok(Value::str(path.as_str()))
    });
    m
}

/// What an alerting rule's label and annotation templates see as `.`.
#[derive(Debug, Clone, Default)]
pub struct AlertData {
    /// The alert's labels (`.Labels`, `$labels`).
    pub labels: BTreeMap<String, String>,
    /// The server's external labels (`$externalLabels`).
    pub external_labels: BTreeMap<String, String>,
    /// The external URL (`$externalURL`).
    pub external_url: String,
    /// The sample value (`.Value`, `$value`).
    pub value: f64,
}

impl Object for AlertData {
    fn type_name(&self) -> String {
        "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }"
            .into()
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Labels" => Value::string_map(&self.labels),
            "ExternalLabels" => Value::string_map(&self.external_labels),
            "ExternalURL" => Value::str(self.external_url.as_str()),
            "Value" => Value::Float(self.value),
            _ => return None,
        })
    }

    fn go_format(&self) -> String {
        format!(
            "{{{} {} {} {}}}",
            go_format(&Value::string_map(&self.labels)),
            go_format(&Value::string_map(&self.external_labels)),
            self.external_url,
            format_float(self.value, 'g', None)
        )
    }
}

/// The definitions Prometheus puts before every alert template.
const ALERT_DEFS: &str = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

/// An alert template that failed, worded as Prometheus wraps it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExpandError {
    /// `error parsing template __alert_<rule>: template: …`.
    #[error("error parsing template {0}: {1}")]
    Parse(String, Box<TemplateError>),
    /// `error executing template __alert_<rule>: template: …`.
    #[error("error executing template {0}: {1}")]
    Exec(String, Box<TemplateError>),
}

/// Expands one label or annotation template of alerting rule `rule`, as
/// Prometheus 2.42's `AlertingRule.Eval` does.
pub fn expand_alert(
    rule: &str,
    text: &str,
    data: &AlertData,
    opts: &PromOptions,
) -> Result<String, ExpandError> {
    let name = format!("__alert_{rule}");
    let mut t = Template::new(&name)
        .with_funcs(&functions(opts))
        .with_missing_key(MissingKey::Zero);
    t.parse(&format!("{ALERT_DEFS}{text}"))
        .map_err(|e| ExpandError::Parse(name.clone(), Box::new(e)))?;
    t.execute(&Value::object(data.clone()))
        .map_err(|e| ExpandError::Exec(name, Box::new(e)))
}

/// [`expand_alert`], with a failure rendered in place as Prometheus renders
/// it: `<error expanding template: …>`.
pub fn expand_alert_or_error(
    rule: &str,
    text: &str,
    data: &AlertData,
    opts: &PromOptions,
) -> String {
    expand_alert(rule, text, data, opts)
        .unwrap_or_else(|e| format!("<error expanding template: {e}>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_helpers() {
        assert_eq!(split_host_port("[::1]:9090"), Some(("::1", "9090")));
        assert_eq!(split_host_port("a:b:c"), None);
        assert_eq!(strip_domain("node1.example.com:9100"), "node1:9100");
        assert_eq!(strip_domain("10.0.0.1:9100"), "10.0.0.1:9100");
        assert_eq!(url_path("https://example.com/prom/?x=1"), "/prom/");
        assert_eq!(url_path("http://example.com"), "");
    }

    #[test]
    fn string_floats_parse_like_go() {
        assert_eq!(to_float(&Value::str("1e3")).unwrap(), 1000.0);
        assert!(to_float(&Value::str("+Inf")).unwrap().is_infinite());
        let err = to_float(&Value::str("one")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "strconv.ParseFloat: parsing \"one\": invalid syntax"
        );
    }
}
