//! The alert manager's own metrics, named as Alertmanager names them:
//! notifications sent and failed per integration, their latency, alerts by
//! state and silences by state. Encoded after the host's on `/metrics`.

use super::receiver::Delivery;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct IntegrationLabel {
    integration: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

/// The metrics.
pub struct AlertingMetrics {
    registry: Registry,
    notifications: Family<IntegrationLabel, Counter>,
    failed: Family<IntegrationLabel, Counter>,
    latency: Family<IntegrationLabel, Histogram>,
    alerts: Family<StateLabel, Gauge>,
    silences: Family<StateLabel, Gauge>,
    received: Family<StateLabel, Counter>,
}

impl Default for AlertingMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl AlertingMetrics {
    /// Registers every metric.
    pub fn new() -> AlertingMetrics {
        let mut registry = Registry::default();
        let notifications = Family::<IntegrationLabel, Counter>::default();
        let failed = Family::<IntegrationLabel, Counter>::default();
        let latency = Family::<IntegrationLabel, Histogram>::new_with_constructor(|| {
            // Alertmanager's buckets.
            Histogram::new([1.0, 5.0, 10.0, 15.0, 20.0])
        });
        let alerts = Family::<StateLabel, Gauge>::default();
        let silences = Family::<StateLabel, Gauge>::default();
        let received = Family::<StateLabel, Counter>::default();
        registry.register(
            "alertmanager_notifications",
            "The total number of attempted notifications.",
            notifications.clone(),
        );
        registry.register(
            "alertmanager_notifications_failed",
            "The total number of failed notifications.",
            failed.clone(),
        );
        registry.register(
            "alertmanager_notification_latency_seconds",
            "The latency of notifications in seconds.",
            latency.clone(),
        );
        registry.register(
            "alertmanager_alerts",
            "How many alerts by state.",
            alerts.clone(),
        );
        registry.register(
            "alertmanager_silences",
            "How many silences by state.",
            silences.clone(),
        );
        registry.register(
            "alertmanager_alerts_received",
            "The total number of received alerts.",
            received.clone(),
        );
        AlertingMetrics {
            registry,
            notifications,
            failed,
            latency,
            alerts,
            silences,
            received,
        }
    }

    fn integration(name: &str) -> IntegrationLabel {
        IntegrationLabel {
            integration: name.into(),
        }
    }

    fn state(name: &str) -> StateLabel {
        StateLabel { state: name.into() }
    }

    /// Counts one delivery attempt.
    pub fn notified(&self, integration: &str, took: Duration, outcome: &Delivery) {
        let label = Self::integration(integration);
        self.notifications.get_or_create(&label).inc();
        self.latency
            .get_or_create(&label)
            .observe(took.as_secs_f64());
        if *outcome != Delivery::Delivered {
            self.failed.get_or_create(&label).inc();
        }
    }

    /// Makes sure an integration's series exist (at 0) before it sends.
    pub fn known_integration(&self, integration: &str) {
        let label = Self::integration(integration);
        let _ = self.notifications.get_or_create(&label);
        let _ = self.failed.get_or_create(&label);
    }

    /// Counts alerts received as `firing` or `resolved`.
    pub fn received(&self, status: &str, n: u64) {
        self.received.get_or_create(&Self::state(status)).inc_by(n);
    }

    /// Sets the alert gauges (`active`, `suppressed`).
    pub fn alerts(&self, active: usize, suppressed: usize) {
        self.alerts
            .get_or_create(&Self::state("active"))
            .set(active as i64);
        self.alerts
            .get_or_create(&Self::state("suppressed"))
            .set(suppressed as i64);
    }

    /// Sets the silence gauges.
    pub fn silences(&self, active: usize, pending: usize, expired: usize) {
        for (state, n) in [
            ("active", active),
            ("pending", pending),
            ("expired", expired),
        ] {
            self.silences
                .get_or_create(&Self::state(state))
                .set(n as i64);
        }
    }

    /// Prometheus text format, without the `# EOF` line.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode_registry(&mut out, &self.registry).is_err() {
            return String::new();
        }
        out
    }
}
