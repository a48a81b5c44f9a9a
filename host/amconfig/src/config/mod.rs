//! The whole Alertmanager 0.25 configuration file: decoding (strict, with
//! yaml.v2 semantics), the defaults Alertmanager fills in from `global`, and
//! the checks of its `Config.UnmarshalYAML` and `Load`, in the same order
//! and with the same messages.

mod global;
mod inhibit;
pub mod notifiers;
mod receiver;
mod route;

pub use global::GlobalConfig;
pub use inhibit::InhibitRuleConfig;
pub use receiver::{MuteTimeInterval, NamedTimeInterval, Receiver};
pub use route::RouteConfig;

use crate::error::Error;
use crate::timeinterval::TimeInterval;
use crate::yaml::EnvLookup;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

/// A loaded and validated Alertmanager configuration, with the global
/// defaults applied to every receiver.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// `global`.
    pub global: GlobalConfig,
    /// `route`: the root of the routing tree.
    pub route: RouteConfig,
    /// `inhibit_rules`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inhibit_rules: Vec<InhibitRuleConfig>,
    /// `receivers`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub receivers: Vec<Receiver>,
    /// `templates`: template file globs (relative ones are joined to the
    /// configuration file's directory by [`Config::load_file`]).
    pub templates: Vec<String>,
    /// Deprecated `mute_time_intervals`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mute_time_intervals: Vec<MuteTimeInterval>,
    /// `time_intervals`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub time_intervals: Vec<NamedTimeInterval>,
    #[serde(skip)]
    original: Original,
}

/// The source text; it may hold secrets, so `Debug` does not show it.
#[derive(Clone, Default, PartialEq)]
struct Original(String);

impl std::fmt::Debug for Original {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawConfig {
    global: Option<GlobalConfig>,
    route: Option<RouteConfig>,
    inhibit_rules: Vec<InhibitRuleConfig>,
    receivers: Vec<Receiver>,
    templates: Vec<String>,
    mute_time_intervals: Vec<MuteTimeInterval>,
    time_intervals: Vec<NamedTimeInterval>,
}

impl Config {
    /// Parses and validates configuration text exactly as Alertmanager 0.25
    /// does (`${...}` is left as written).
    pub fn load(text: &str) -> Result<Config, Error> {
        load(text, None)
    }

    /// Like [`Config::load`], but `${NAME}` in string values is replaced with
    /// `lookup(NAME)` (see [`resolve_env`](crate::resolve_env)); an unset
    /// variable is an [`Error::Env`] naming it.
    pub fn load_with_env(
        text: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, Error> {
        load(text, Some(lookup))
    }

    /// Reads and loads a file, then joins relative `templates` and
    /// `http_config` file paths to the file's directory, as Alertmanager's
    /// `LoadFile` does.
    pub fn load_file(path: impl AsRef<Path>) -> Result<Config, Error> {
        load_file(path.as_ref(), None)
    }

    /// [`Config::load_file`] with `${NAME}` interpolation.
    pub fn load_file_with_env(
        path: impl AsRef<Path>,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, Error> {
        load_file(path.as_ref(), Some(lookup))
    }

    /// The text the configuration was loaded from (may hold secrets).
    pub fn original(&self) -> &str {
        &self.original.0
    }

    /// The configuration rendered back as YAML with every secret shown as
    /// `<secret>` and defaults filled in, as Alertmanager's
    /// `/api/v2/status` shows it.
    pub fn to_yaml_redacted(&self) -> String {
        serde_norway::to_string(self)
            .unwrap_or_else(|e| format!("<error creating config string: {e}>"))
    }

    /// The receiver called `name`.
    pub fn receiver(&self, name: &str) -> Option<&Receiver> {
        self.receivers.iter().find(|r| r.name == name)
    }

    /// The intervals of the `time_intervals` (or deprecated
    /// `mute_time_intervals`) entry called `name`.
    pub fn time_interval(&self, name: &str) -> Option<&[TimeInterval]> {
        self.time_intervals
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.time_intervals.as_slice())
            .or_else(|| {
                self.mute_time_intervals
                    .iter()
                    .find(|t| t.name == name)
                    .map(|t| t.time_intervals.as_slice())
            })
    }

    /// The routing tree (see [`crate::route::Route`]).
    pub fn routing_tree(&self) -> crate::route::Route {
        crate::route::Route::new(&self.route)
    }

    /// The inhibition rules in their runtime form.
    pub fn inhibitor_rules(&self) -> Vec<crate::inhibit::InhibitRule> {
        self.inhibit_rules
            .iter()
            .map(crate::inhibit::InhibitRule::new)
            .collect()
    }

    fn set_directory(&mut self, dir: &Path) {
        for t in &mut self.templates {
            if !t.is_empty() && !Path::new(t).is_absolute() {
                *t = dir.join(&*t).to_string_lossy().into_owned();
            }
        }
        self.global.http_config.set_directory(dir);
        for r in &mut self.receivers {
            let hcs = r
                .opsgenie_configs
                .iter_mut()
                .map(|c| &mut c.http_config)
                .chain(r.pagerduty_configs.iter_mut().map(|c| &mut c.http_config))
                .chain(r.pushover_configs.iter_mut().map(|c| &mut c.http_config))
                .chain(r.slack_configs.iter_mut().map(|c| &mut c.http_config))
                .chain(r.victorops_configs.iter_mut().map(|c| &mut c.http_config))
                .chain(r.webhook_configs.iter_mut().map(|c| &mut c.http_config))
                .chain(r.wechat_configs.iter_mut().map(|c| &mut c.http_config))
                .chain(r.sns_configs.iter_mut().map(|c| &mut c.http_config))
                .chain(r.telegram_configs.iter_mut().map(|c| &mut c.http_config))
                .chain(r.discord_configs.iter_mut().map(|c| &mut c.http_config))
                .chain(r.webex_configs.iter_mut().map(|c| &mut c.http_config));
            for hc in hcs.flatten() {
                hc.set_directory(dir);
            }
        }
    }
}

fn load_file(path: &Path, env: Option<EnvLookup<'_>>) -> Result<Config, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut cfg = load(&text, env)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    cfg.set_directory(dir);
    Ok(cfg)
}

fn load(text: &str, env: Option<EnvLookup<'_>>) -> Result<Config, Error> {
    // An empty document never reaches Alertmanager's UnmarshalYAML.
    if matches!(
        serde_norway::from_str::<serde_norway::Value>(text),
        Ok(serde_norway::Value::Null)
    ) {
        return Err(Error::invalid("no route provided in config"));
    }
    let merged = expand_merge_keys(text)?;
    let raw: RawConfig = crate::yaml::from_str(merged.as_deref().unwrap_or(text), env)?;
    let cfg = finish(raw, text).map_err(Error::invalid)?;
    if cfg.route.continue_ {
        return Err(Error::invalid("cannot have continue in root route"));
    }
    Ok(cfg)
}

/// yaml.v2 applies merge keys (`<<: *anchor`); the YAML library does not.
/// When the document has any, it is rewritten with them applied (explicit
/// keys win). The rewrite loses the original positions and scalar spelling
/// (`1.50` becomes `1.5`), so it is only done when needed.
fn expand_merge_keys(text: &str) -> Result<Option<String>, Error> {
    fn has_merge(v: &serde_norway::Value) -> bool {
        match v {
            serde_norway::Value::Mapping(m) => m
                .iter()
                .any(|(k, v)| k.as_str() == Some("<<") || has_merge(v)),
            serde_norway::Value::Sequence(s) => s.iter().any(has_merge),
            serde_norway::Value::Tagged(t) => has_merge(&t.value),
            _ => false,
        }
    }
    if !text.contains("<<") {
        return Ok(None);
    }
    let Ok(mut value) = serde_norway::from_str::<serde_norway::Value>(text) else {
        // The typed decoding reports the syntax error.
        return Ok(None);
    };
    if !has_merge(&value) {
        return Ok(None);
    }
    let yaml_err = |e: serde_norway::Error| Error::Yaml {
        message: e.to_string(),
    };
    value.apply_merge().map_err(yaml_err)?;
    serde_norway::to_string(&value).map(Some).map_err(yaml_err)
}

/// Alertmanager's `Config.UnmarshalYAML` after the fields are decoded.
fn finish(raw: RawConfig, text: &str) -> Result<Config, String> {
    let g = raw.global.unwrap_or_default();
    if g.slack_api_url.is_some() && !g.slack_api_url_file.is_empty() {
        return Err("at most one of slack_api_url & slack_api_url_file must be configured".into());
    }
    if !g.opsgenie_api_key.is_empty() && !g.opsgenie_api_key_file.is_empty() {
        return Err(
            "at most one of opsgenie_api_key & opsgenie_api_key_file must be configured".into(),
        );
    }
    if !g.victorops_api_key.is_empty() && !g.victorops_api_key_file.is_empty() {
        return Err(
            "at most one of victorops_api_key & victorops_api_key_file must be configured".into(),
        );
    }
    if !g.smtp_auth_password.is_empty() && !g.smtp_auth_password_file.is_empty() {
        return Err(
            "at most one of smtp_auth_password & smtp_auth_password_file must be configured".into(),
        );
    }
    let mut receivers = raw.receivers;
    let mut names = HashSet::new();
    for rcv in &mut receivers {
        if names.contains(&rcv.name) {
            return Err(format!(
                "notification config name {:?} is not unique",
                rcv.name
            ));
        }
        apply_globals(rcv, &g)?;
        names.insert(rcv.name.clone());
    }
    let route = raw.route.ok_or("no routes provided")?;
    if route.receiver.is_empty() {
        return Err("root route must specify a default receiver".into());
    }
    if route.has_matchers() {
        return Err("root route must not have any matchers".into());
    }
    if !route.mute_time_intervals.is_empty() {
        return Err("root route must not have any mute time intervals".into());
    }
    if !route.active_time_intervals.is_empty() {
        return Err("root route must not have any active time intervals".into());
    }
    check_receivers(&route, &names)?;
    let mut ti_names = HashSet::new();
    for mt in &raw.mute_time_intervals {
        if !ti_names.insert(mt.name.as_str()) {
            return Err(format!("mute time interval {:?} is not unique", mt.name));
        }
    }
    for ti in &raw.time_intervals {
        if !ti_names.insert(ti.name.as_str()) {
            return Err(format!("time interval {:?} is not unique", ti.name));
        }
    }
    check_time_intervals(&route, &ti_names)?;
    Ok(Config {
        global: g,
        route,
        inhibit_rules: raw.inhibit_rules,
        receivers,
        templates: raw.templates,
        mute_time_intervals: raw.mute_time_intervals,
        time_intervals: raw.time_intervals,
        original: Original(text.to_string()),
    })
}

/// Fills a receiver's integrations from `global`, failing as Alertmanager
/// does when a required global default is missing.
fn apply_globals(rcv: &mut Receiver, g: &GlobalConfig) -> Result<(), String> {
    let http = || Some(g.http_config.clone());
    for wh in &mut rcv.webhook_configs {
        wh.http_config = wh.http_config.take().or_else(http);
    }
    for ec in &mut rcv.email_configs {
        if ec.smarthost.is_empty() {
            if g.smtp_smarthost.is_empty() {
                return Err("no global SMTP smarthost set".into());
            }
            ec.smarthost = g.smtp_smarthost.clone();
        }
        if ec.from.is_empty() {
            if g.smtp_from.is_empty() {
                return Err("no global SMTP from set".into());
            }
            ec.from = g.smtp_from.clone();
        }
        if ec.hello.is_empty() {
            ec.hello = g.smtp_hello.clone();
        }
        if ec.auth_username.is_empty() {
            ec.auth_username = g.smtp_auth_username.clone();
        }
        if ec.auth_password.is_empty() && ec.auth_password_file.is_empty() {
            ec.auth_password = g.smtp_auth_password.clone();
            ec.auth_password_file = g.smtp_auth_password_file.clone();
        }
        if ec.auth_secret.is_empty() {
            ec.auth_secret = g.smtp_auth_secret.clone();
        }
        if ec.auth_identity.is_empty() {
            ec.auth_identity = g.smtp_auth_identity.clone();
        }
        ec.require_tls = ec.require_tls.or(Some(g.smtp_require_tls));
    }
    for sc in &mut rcv.slack_configs {
        sc.http_config = sc.http_config.take().or_else(http);
        if sc.api_url.is_none() && sc.api_url_file.is_empty() {
            if g.slack_api_url.is_none() && g.slack_api_url_file.is_empty() {
                return Err("no global Slack API URL set either inline or in a file".into());
            }
            sc.api_url = g.slack_api_url.clone();
            sc.api_url_file = g.slack_api_url_file.clone();
        }
    }
    for pc in &mut rcv.pushover_configs {
        pc.http_config = pc.http_config.take().or_else(http);
    }
    for pd in &mut rcv.pagerduty_configs {
        pd.http_config = pd.http_config.take().or_else(http);
        if pd.url.is_none() {
            pd.url = Some(
                g.pagerduty_url
                    .clone()
                    .ok_or("no global PagerDuty URL set")?,
            );
        }
    }
    for og in &mut rcv.opsgenie_configs {
        og.http_config = og.http_config.take().or_else(http);
        let mut url = match og.api_url.take() {
            Some(u) => u,
            None => g
                .opsgenie_api_url
                .clone()
                .ok_or("no global OpsGenie URL set")?,
        };
        url.ensure_trailing_slash();
        og.api_url = Some(url);
        if og.api_key.is_empty() && og.api_key_file.is_empty() {
            if g.opsgenie_api_key.is_empty() && g.opsgenie_api_key_file.is_empty() {
                return Err("no global OpsGenie API Key set either inline or in a file".into());
            }
            og.api_key = g.opsgenie_api_key.clone();
            og.api_key_file = g.opsgenie_api_key_file.clone();
        }
    }
    for wc in &mut rcv.wechat_configs {
        wc.http_config = wc.http_config.take().or_else(http);
        let mut url = match wc.api_url.take() {
            Some(u) => u,
            None => g.wechat_api_url.clone().ok_or("no global Wechat URL set")?,
        };
        if wc.api_secret.is_empty() {
            if g.wechat_api_secret.is_empty() {
                return Err("no global Wechat ApiSecret set".into());
            }
            wc.api_secret = g.wechat_api_secret.clone();
        }
        if wc.corp_id.is_empty() {
            if g.wechat_api_corp_id.is_empty() {
                return Err("no global Wechat CorpID set".into());
            }
            wc.corp_id = g.wechat_api_corp_id.clone();
        }
        url.ensure_trailing_slash();
        wc.api_url = Some(url);
    }
    for vc in &mut rcv.victorops_configs {
        vc.http_config = vc.http_config.take().or_else(http);
        let mut url = match vc.api_url.take() {
            Some(u) => u,
            None => g
                .victorops_api_url
                .clone()
                .ok_or("no global VictorOps URL set")?,
        };
        url.ensure_trailing_slash();
        vc.api_url = Some(url);
        if vc.api_key.is_empty() && vc.api_key_file.is_empty() {
            if g.victorops_api_key.is_empty() && g.victorops_api_key_file.is_empty() {
                return Err("no global VictorOps API Key set".into());
            }
            vc.api_key = g.victorops_api_key.clone();
            vc.api_key_file = g.victorops_api_key_file.clone();
        }
    }
    for sns in &mut rcv.sns_configs {
        sns.http_config = sns.http_config.take().or_else(http);
    }
    for tc in &mut rcv.telegram_configs {
        tc.http_config = tc.http_config.take().or_else(http);
        if tc.api_url.is_none() {
            tc.api_url = g.telegram_api_url.clone();
        }
    }
    for dc in &mut rcv.discord_configs {
        dc.http_config = dc.http_config.take().or_else(http);
        if dc.webhook_url.is_none() {
            return Err("no discord webhook URL provided".into());
        }
    }
    for wx in &mut rcv.webex_configs {
        wx.http_config = wx.http_config.take().or_else(http);
        if wx.api_url.is_none() {
            wx.api_url = Some(g.webex_api_url.clone().ok_or("no global Webex URL set")?);
        }
    }
    Ok(())
}

fn check_receivers(r: &RouteConfig, names: &HashSet<String>) -> Result<(), String> {
    for child in &r.routes {
        check_receivers(child, names)?;
    }
    if !r.receiver.is_empty() && !names.contains(&r.receiver) {
        return Err(format!("undefined receiver {:?} used in route", r.receiver));
    }
    Ok(())
}

fn check_time_intervals(r: &RouteConfig, names: &HashSet<&str>) -> Result<(), String> {
    for child in &r.routes {
        check_time_intervals(child, names)?;
    }
    for ti in r.active_time_intervals.iter().chain(&r.mute_time_intervals) {
        if !names.contains(ti.as_str()) {
            return Err(format!("undefined time interval {ti:?} used in route"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
