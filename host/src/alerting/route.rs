//! What the dispatcher needs of a matched route: the routing node's options
//! (receiver, grouping, timers, time intervals: `watchpost-amconfig`'s
//! `RouteOpts`, inheritance applied), its key for group keys, and an
//! identity, since Alertmanager keeps groups per route node.

use super::alert::LabelSet;
use watchpost_amconfig::Route;

/// A route an alert matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteOpts {
    /// Unique among the nodes of one routing tree (groups are per node).
    pub id: String,
    /// Alertmanager's `Route.Key()`, e.g. `{}/{severity="critical"}`, the
    /// first half of group keys.
    pub key: String,
    /// The node's options.
    pub opts: watchpost_amconfig::RouteOpts,
}

fn ms(d: std::time::Duration) -> i64 {
    d.as_millis() as i64
}

impl RouteOpts {
    /// The options of `node`, a node of a tree that outlives the groups
    /// built on it (a new tree rebuilds every group).
    pub fn of(node: &Route) -> RouteOpts {
        RouteOpts {
            id: format!("{:p}", node as *const Route),
            key: node.key().to_string(),
            opts: node.opts.clone(),
        }
    }

    /// The receiver's name.
    pub fn receiver(&self) -> &str {
        &self.opts.receiver
    }

    /// Wait before the first notification of a group (ms).
    pub fn group_wait_ms(&self) -> i64 {
        ms(self.opts.group_wait)
    }

    /// Wait between notifications of a changed group (ms).
    pub fn group_interval_ms(&self) -> i64 {
        ms(self.opts.group_interval)
    }

    /// Wait before repeating an unchanged notification (ms).
    pub fn repeat_interval_ms(&self) -> i64 {
        ms(self.opts.repeat_interval)
    }

    /// The labels of `alert_labels` this route groups by.
    pub fn group_labels(&self, alert_labels: &LabelSet) -> LabelSet {
        self.opts.group_labels(alert_labels)
    }

    /// The key of the group `group_labels` forms on this route, as
    /// Alertmanager writes it (`{}/{severity="critical"}:{alertname="X"}`).
    pub fn group_key(&self, group_labels: &LabelSet) -> String {
        format!(
            "{}:{}",
            self.key,
            watchpost_amconfig::route::label_set_string(group_labels)
        )
    }
}
