//! Watchpost's stock `prometheus-scrape` exporter: scrapes a Prometheus text
//! (0.0.4) or OpenMetrics endpoint on each target and returns its metric
//! families, the way a Prometheus `scrape_config` would.
//!
//! The request goes through the SDK's HTTP client, so the host checks the
//! plugin's `network` capability; [`lexer`] tokenizes lines and
//! [`exposition`] groups them into families.

pub mod config;
pub mod exposition;
pub mod lexer;

use config::{Config, Settings};
use lexer::Format;
use watchpost_sdk::http::Request;
use watchpost_sdk::{Error, Exporter, MetricFamily, Target};

/// What Prometheus sends: prefer the text format, accept OpenMetrics.
pub const ACCEPT: &str =
    "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.8,*/*;q=0.1";

/// The exporter: validated settings.
pub struct Scrape {
    settings: Settings,
}

impl Exporter for Scrape {
    type Config = Config;

    fn new(config: Config) -> watchpost_sdk::Result<Self> {
        let settings = Settings::from_config(config).map_err(Error::new)?;
        Ok(Scrape { settings })
    }

    fn collect(&mut self, target: &Target) -> watchpost_sdk::Result<Vec<MetricFamily>> {
        let s = &self.settings;
        let url = s.url(&target.address);
        let mut request = Request::get(&url)
            .header("accept", ACCEPT)
            .header(
                "x-prometheus-scrape-timeout-seconds",
                &format!("{}", s.timeout.as_secs_f64()),
            )
            .timeout(s.timeout)
            .max_body(s.body_size_limit);
        if let Some(auth) = &s.authorization {
            request = request.header("authorization", auth);
        }
        let response = request
            .send()
            .map_err(|e| Error::new(format!("scrape of {url} failed: {e}")))?;
        if !(200..300).contains(&response.status) {
            return Err(Error::new(format!(
                "scrape of {url} returned HTTP status {}",
                response.status
            )));
        }
        let format = format_of(response.header("content-type"));
        let body = std::str::from_utf8(&response.body)
            .map_err(|e| Error::new(format!("scrape of {url}: body is not UTF-8: {e}")))?;
        let mut families = exposition::parse(body, format)
            .map_err(|e| Error::new(format!("scrape of {url}: {e}")))?;
        if !s.honor_timestamps {
            for metric in families.iter_mut().flat_map(|f| f.metrics.iter_mut()) {
                metric.timestamp_ms = None;
            }
        }
        Ok(families)
    }
}

watchpost_sdk::export_exporter!(Scrape);

/// OpenMetrics when the target says so, the text format otherwise (as
/// Prometheus does for a missing or unknown content type).
pub fn format_of(content_type: Option<&str>) -> Format {
    match content_type {
        Some(ct)
            if ct
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("application/openmetrics-text") =>
        {
            Format::OpenMetrics
        }
        _ => Format::Text,
    }
}

#[cfg(test)]
mod tests;
