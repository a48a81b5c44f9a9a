//! Watchpost's stock `http-probe` exporter: a blackbox-style HTTP prober.
//! For each target it sends one request and returns the families
//! Prometheus' blackbox_exporter returns for its `http` prober
//! (`probe_success`, `probe_duration_seconds`, `probe_http_status_code`, ...).
//!
//! A failed probe (refused, timed out, denied, wrong status, body check) is a
//! result, not an error: `collect` returns `probe_success 0` and logs why, so
//! the target's `up` stays 1 as with blackbox_exporter. Only a target that
//! can never be probed (not a URL nor `host:port`) is an error.
//!
//! [`config`] checks the settings; [`probe`] judges a response, purely.

pub mod config;
pub mod probe;

use config::{Config, Settings};
use watchpost_sdk::http::Request;
use watchpost_sdk::{Error, Exporter, MetricFamily, Target, log, now_ms};

/// Sent unless the config sets its own `user-agent`, like blackbox_exporter's
/// `Blackbox Exporter/<version>`.
pub const USER_AGENT: &str = concat!("Watchpost http-probe/", env!("CARGO_PKG_VERSION"));

/// The exporter: validated settings.
pub struct HttpProbe {
    settings: Settings,
}

impl Exporter for HttpProbe {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        let settings = Settings::from_config(config).map_err(Error::new)?;
        Ok(HttpProbe { settings })
    }

    fn collect(&mut self, target: &Target) -> watchpost_sdk::Result<Vec<MetricFamily>> {
        let s = &self.settings;
        let url = s.url(&target.address).map_err(Error::new)?;
        let mut request = Request::new(&s.method, &url)
            .timeout(s.timeout)
            .max_body(s.max_body);
        for (name, value) in &s.headers {
            request = request.header(name, value);
        }
        if !s
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("user-agent"))
        {
            request = request.header("user-agent", USER_AGENT);
        }
        if !s.body.is_empty() {
            request = request.body(s.body.as_bytes());
        }
        // The host's clock has millisecond resolution; that is the
        // resolution of probe_duration_seconds.
        let start = now_ms();
        let result = request.send();
        let elapsed_ms = now_ms() - start;
        let probe = probe::evaluate(s, url.starts_with("https://"), &result, elapsed_ms);
        if let Some(reason) = &probe.failure {
            log::warn(&format!("probe of {url} failed: {reason}"));
        }
        Ok(probe.families())
    }
}

watchpost_sdk::export_exporter!(HttpProbe);

#[cfg(test)]
mod tests;
