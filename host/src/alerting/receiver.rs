//! Receivers and their integrations: each `*_configs` entry of an
//! Alertmanager receiver (or a notifier plugin named in the manifest) is one
//! integration, delivered through a notifier plugin. The host owns retries,
//! so an integration only says whether a failed delivery may succeed later.

use crate::runtime::bindings::types::Notification;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// How one delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The service accepted it.
    Delivered,
    /// It failed but may succeed later (network, 5xx, 429, plugin restart).
    Retryable(String),
    /// It failed for good (4xx, refused destination, bad settings).
    Failed(String),
}

/// A delivery attempt in flight.
pub type DeliveryFuture = Pin<Box<dyn Future<Output = Delivery> + Send>>;

/// Delivers one notification (a notifier plugin's `deliver`).
pub type DeliverFn = Arc<dyn Fn(Notification) -> DeliveryFuture + Send + Sync>;

/// One integration of a receiver.
#[derive(Clone)]
pub struct Integration {
    /// The integration type (`webhook`, `slack`, …) or the plugin's name.
    pub name: String,
    /// Its position among the receiver's integrations of that type.
    pub index: usize,
    /// Whether resolved alerts are notified.
    pub send_resolved: bool,
    /// Its settings (the `*_configs` entry as JSON), templates unexpanded.
    pub settings: serde_json::Value,
    /// Sends a notification.
    pub deliver: DeliverFn,
}

impl std::fmt::Debug for Integration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Settings hold secrets: never printed.
        f.debug_struct("Integration")
            .field("name", &self.name)
            .field("index", &self.index)
            .field("send_resolved", &self.send_resolved)
            .finish_non_exhaustive()
    }
}

impl Integration {
    /// Its key in the notification log (Alertmanager's receiver, integration
    /// and index).
    pub fn log_key(&self, receiver: &str) -> String {
        format!("{receiver}/{}/{}", self.name, self.index)
    }
}

/// A named receiver.
#[derive(Debug, Clone, Default)]
pub struct Receiver {
    /// Its name.
    pub name: String,
    /// Where its notifications go (none: notifications are dropped).
    pub integrations: Vec<Integration>,
}
