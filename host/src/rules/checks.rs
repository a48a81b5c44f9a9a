//! How the host validates rule files: PromQL through the host's parser,
//! alert templates through the host's Go template engine with Prometheus'
//! functions. Shared by `watchpost check rules` and `watchpost test rules`.

use crate::template::Template;
use crate::template::prometheus::{PromOptions, functions};
use watchpost_rulefmt::rulefmt::Checks;

/// What Prometheus puts before every alert template (`ParseTest` included).
const ALERT_DEFS: &str = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

/// PromQL through the host's parser, templates through the host's engine.
pub struct HostChecks;

impl Checks for HostChecks {
    fn expr(&self, expr: &str) -> Result<(), String> {
        crate::query::parse(expr)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn template(&self, alert: &str, text: &str) -> Result<(), String> {
        let mut t = Template::new(&format!("__alert_{alert}"))
            .with_funcs(&functions(&PromOptions::default()));
        t.parse(&format!("{ALERT_DEFS}{text}"))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
