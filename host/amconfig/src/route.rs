//! The routing tree (Alertmanager 0.25's `dispatch/route.go`) built from
//! the `route` configuration.
//!
//! * A child inherits its parent's `receiver`, `group_by` (and
//!   `group_by_all`), `group_wait`, `group_interval` and `repeat_interval`
//!   when it does not set them; the root starts from 30s / 5m / 4h and no
//!   grouping. `mute_time_intervals` and `active_time_intervals` are **not**
//!   inherited: each node has exactly the ones it lists.
//! * [`Route::match_alert`] is Alertmanager's `Match`: depth-first, left to
//!   right; a matching child without `continue` stops the search among its
//!   siblings; a node none of whose children match is itself the match.
//! * [`Route::key`] is Alertmanager's `Key()`: the matchers of each node
//!   from the root down, joined by `/` (`{}/{severity="critical"}`); group
//!   keys are `key:group-labels`.

use crate::config::RouteConfig;
use crate::matcher::{LabelSet, Matchers};
use crate::timeinterval::TimeInterval;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The effective options of a routing node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteOpts {
    /// The receiver to notify.
    pub receiver: String,
    /// The labels to group by.
    pub group_by: BTreeSet<String>,
    /// Group by all labels (`group_by: ['...']`).
    pub group_by_all: bool,
    /// Wait before the first notification of a new group.
    pub group_wait: Duration,
    /// Wait between notifications of a group when it changed.
    pub group_interval: Duration,
    /// Wait before repeating an unchanged notification.
    pub repeat_interval: Duration,
    /// Names of the time intervals during which notifications are muted.
    pub mute_time_intervals: Vec<String>,
    /// Names of the time intervals outside which notifications are muted
    /// (empty: always active).
    pub active_time_intervals: Vec<String>,
}

impl Default for RouteOpts {
    /// Alertmanager's `DefaultRouteOpts` (the root's starting point).
    fn default() -> Self {
        RouteOpts {
            receiver: String::new(),
            group_by: BTreeSet::new(),
            group_by_all: false,
            group_wait: Duration::from_secs(30),
            group_interval: Duration::from_secs(5 * 60),
            repeat_interval: Duration::from_secs(4 * 60 * 60),
            mute_time_intervals: Vec::new(),
            active_time_intervals: Vec::new(),
        }
    }
}

impl RouteOpts {
    /// The labels of `labels` that form the alert's group: all of them with
    /// `group_by_all`, else those named in `group_by`.
    pub fn group_labels(&self, labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        labels
            .iter()
            .filter(|(n, _)| self.group_by_all || self.group_by.contains(*n))
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect()
    }

    /// Whether notifications are suppressed at `now` by the node's time
    /// intervals, as Alertmanager's `TimeMuteStage` and `TimeActiveStage`
    /// decide: muted when any mute interval contains `now`, or when there are
    /// active intervals and none contains it. `lookup` resolves interval
    /// names (see [`Config::time_interval`](crate::Config::time_interval));
    /// an unknown name contains nothing.
    pub fn muted_at<'a>(
        &self,
        now: DateTime<Utc>,
        lookup: impl Fn(&str) -> Option<&'a [TimeInterval]>,
    ) -> bool {
        let within = |names: &[String]| {
            names
                .iter()
                .any(|n| lookup(n).is_some_and(|tis| tis.iter().any(|ti| ti.contains(now))))
        };
        within(&self.mute_time_intervals)
            || (!self.active_time_intervals.is_empty() && !within(&self.active_time_intervals))
    }
}

/// A node of the routing tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// The node's effective options.
    pub opts: RouteOpts,
    /// The matchers an alert must satisfy (legacy ones converted, sorted).
    pub matchers: Matchers,
    /// `continue`: keep matching later siblings after this one matched.
    pub continue_: bool,
    /// Children.
    pub routes: Vec<Route>,
    key: String,
}

impl Route {
    /// Builds the tree from the root `route` configuration.
    pub fn new(cfg: &RouteConfig) -> Route {
        Route::build(cfg, None)
    }

    fn build(cr: &RouteConfig, parent: Option<(&RouteOpts, &str)>) -> Route {
        let mut opts = parent.map(|(o, _)| o.clone()).unwrap_or_default();
        if !cr.receiver.is_empty() {
            opts.receiver = cr.receiver.clone();
        }
        if let Some(labels) = &cr.group_by {
            opts.group_by = labels.iter().cloned().collect();
            opts.group_by_all = false;
        } else if cr.group_by_all {
            opts.group_by_all = true;
        }
        if let Some(d) = cr.group_wait {
            opts.group_wait = d.as_std();
        }
        if let Some(d) = cr.group_interval {
            opts.group_interval = d.as_std();
        }
        if let Some(d) = cr.repeat_interval {
            opts.repeat_interval = d.as_std();
        }
        opts.mute_time_intervals = cr.mute_time_intervals.clone();
        opts.active_time_intervals = cr.active_time_intervals.clone();
        let matchers = cr.all_matchers();
        let key = match parent {
            Some((_, pk)) => format!("{pk}/{matchers}"),
            None => matchers.to_string(),
        };
        let routes = cr
            .routes
            .iter()
            .map(|c| Route::build(c, Some((&opts, &key))))
            .collect();
        Route {
            opts,
            matchers,
            continue_: cr.continue_,
            routes,
            key,
        }
    }

    /// The nodes an alert with `labels` is routed to, in tree order (empty
    /// when this node's matchers do not hold).
    pub fn match_alert<L: LabelSet + ?Sized>(&self, labels: &L) -> Vec<&Route> {
        if !self.matchers.matches(labels) {
            return Vec::new();
        }
        let mut all = Vec::new();
        for child in &self.routes {
            let matches = child.match_alert(labels);
            let matched = !matches.is_empty();
            all.extend(matches);
            if matched && !child.continue_ {
                break;
            }
        }
        if all.is_empty() {
            all.push(self);
        }
        all
    }

    /// The receivers `labels` are routed to, in order, repeats kept (what
    /// `amtool config routes test` prints, comma-separated).
    pub fn receivers_for<L: LabelSet + ?Sized>(&self, labels: &L) -> Vec<&str> {
        self.match_alert(labels)
            .into_iter()
            .map(|r| r.opts.receiver.as_str())
            .collect()
    }

    /// Alertmanager's route key, e.g. `{}/{severity="critical"}`. It does
    /// not identify a node uniquely in general.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The key of the aggregation group `group_labels` belongs to on this
    /// route: `route-key:{a="1", b="2"}` (Alertmanager's format).
    pub fn group_key(&self, group_labels: &BTreeMap<String, String>) -> String {
        format!("{}:{}", self.key, label_set_string(group_labels))
    }

    /// All nodes, depth-first (Alertmanager's `Walk`).
    pub fn walk(&self) -> Vec<&Route> {
        let mut out = vec![self];
        for c in &self.routes {
            out.extend(c.walk());
        }
        out
    }
}

/// Prometheus's `LabelSet.String()`: `{a="1", b="2"}`, values Go-quoted.
pub fn label_set_string(labels: &BTreeMap<String, String>) -> String {
    let parts: Vec<String> = labels
        .iter()
        .map(|(n, v)| format!("{n}={}", go_quote(v)))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    const CFG: &str = r#"
route:
  receiver: default
  group_by: [alertname]
  group_wait: 10s
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      group_by: ['...']
      continue: true
      mute_time_intervals: [nights]
      routes:
        - match: {team: db}
          receiver: db-pager
          repeat_interval: 1h
    - match_re: {service: 'api|web'}
      receiver: web
      group_by: [alertname, service]
    - matchers: ['severity=~"warning|critical"']
      receiver: tickets
receivers: [{name: default}, {name: pager}, {name: db-pager}, {name: web}, {name: tickets}]
time_intervals:
  - name: nights
    time_intervals: [{times: [{start_time: '00:00', end_time: '06:00'}]}]
"#;

    fn tree() -> (Config, Route) {
        let c = Config::load(CFG).unwrap();
        let t = c.routing_tree();
        (c, t)
    }

    #[test]
    fn continue_semantics() {
        let (_, t) = tree();
        let r = |l: &[(&str, &str)]| t.receivers_for(l).join(",");
        assert_eq!(r(&[("severity", "critical")]), "pager,tickets");
        assert_eq!(
            r(&[("severity", "critical"), ("team", "db")]),
            "db-pager,tickets"
        );
        assert_eq!(
            r(&[("severity", "critical"), ("service", "api")]),
            "pager,web"
        );
        assert_eq!(r(&[("severity", "warning")]), "tickets");
        assert_eq!(r(&[("service", "web")]), "web");
        assert_eq!(r(&[("service", "webx")]), "default");
        assert_eq!(r(&[]), "default");
    }

    #[test]
    fn inheritance() {
        let (_, t) = tree();
        assert_eq!(t.opts.group_wait, Duration::from_secs(10));
        assert_eq!(t.opts.group_interval, Duration::from_secs(300));
        let pager = &t.routes[0];
        assert!(pager.opts.group_by_all);
        assert_eq!(pager.opts.group_wait, Duration::from_secs(10));
        let db = &pager.routes[0];
        assert!(db.opts.group_by_all);
        assert_eq!(db.opts.receiver, "db-pager");
        assert_eq!(db.opts.repeat_interval, Duration::from_secs(3600));
        // Time intervals are not inherited.
        assert_eq!(pager.opts.mute_time_intervals, vec!["nights".to_string()]);
        assert!(db.opts.mute_time_intervals.is_empty());
        let web = &t.routes[1];
        assert!(!web.opts.group_by_all);
        assert_eq!(
            web.opts.group_by.iter().cloned().collect::<Vec<_>>(),
            ["alertname", "service"]
        );
        assert_eq!(t.routes[2].opts.group_by.len(), 1);
    }

    #[test]
    fn keys() {
        let (_, t) = tree();
        assert_eq!(t.key(), "{}");
        assert_eq!(t.routes[0].key(), r#"{}/{severity="critical"}"#);
        assert_eq!(
            t.routes[0].routes[0].key(),
            r#"{}/{severity="critical"}/{team="db"}"#
        );
        assert_eq!(t.routes[1].key(), r#"{}/{service=~"^(?:api|web)$"}"#);
        let labels: BTreeMap<String, String> = [("alertname", "X"), ("env", "p\"1")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let g = t.opts.group_labels(&labels);
        assert_eq!(t.group_key(&g), r#"{}:{alertname="X"}"#);
        let g = t.routes[0].opts.group_labels(&labels);
        assert_eq!(
            t.routes[0].group_key(&g),
            r#"{}/{severity="critical"}:{alertname="X", env="p\"1"}"#
        );
        assert_eq!(t.walk().len(), 5);
    }

    #[test]
    fn muting() {
        let (c, t) = tree();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let pager = &t.routes[0].opts;
        assert!(pager.muted_at(at("2024-01-01T03:00:00Z"), |n| c.time_interval(n)));
        assert!(!pager.muted_at(at("2024-01-01T12:00:00Z"), |n| c.time_interval(n)));
        let mut active = pager.clone();
        active.mute_time_intervals.clear();
        active.active_time_intervals = vec!["nights".into()];
        assert!(active.muted_at(at("2024-01-01T12:00:00Z"), |n| c.time_interval(n)));
        assert!(!active.muted_at(at("2024-01-01T01:00:00Z"), |n| c.time_interval(n)));
    }

    #[test]
    fn quoting() {
        assert_eq!(go_quote("a\"b\\c\n\u{1}é"), r#""a\"b\\c\n\x01é""#);
    }
}
