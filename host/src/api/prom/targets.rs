//! `GET /api/v1/targets?state=active|dropped|any&scrapePool=`: every
//! exporter's targets in Prometheus' shape. The scrape pool is the plugin's
//! name; discovered labels are what target relabeling saw; a target it
//! dropped is listed under `droppedTargets`. `scrapeUrl` is the target's
//! address as the manifest gives it (what a plugin makes of an address is
//! its own business). Health, last scrape time, duration and error come
//! from the exporter sink's record of the target's last collection.

use super::envelope::{ApiResult, success};
use super::params::{Params, format_duration, format_rfc3339};
use crate::app::App;
use crate::ingest::LastScrape;
use crate::manifest::PluginSpec;
use crate::runtime::PluginKind;
use crate::scheduler::resolve_targets;
use axum::extract::State;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Go's zero `time.Time`, what Prometheus shows before the first scrape.
const NEVER: &str = "0001-01-01T00:00:00Z";

fn object<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .map(|(n, v)| (n.to_string(), Value::from(v)))
            .collect::<Map<String, Value>>(),
    )
}

/// Which lists to fill.
#[derive(Clone, Copy)]
struct Wanted {
    active: bool,
    dropped: bool,
}

/// Adds the targets of exporter `spec` to `active` and `dropped`;
/// `last(address)` is how the target's last collection went.
fn add_pool(
    spec: &PluginSpec,
    wanted: Wanted,
    last: impl Fn(&str) -> Option<LastScrape>,
    active: &mut Vec<Value>,
    dropped: &mut Vec<Value>,
) {
    for resolved in resolve_targets(spec) {
        let discovered = object(
            resolved
                .discovered
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str())),
        );
        match resolved.target {
            Some(target) if wanted.active => {
                let last = last(&target.address);
                let health = match &last {
                    None => "unknown",
                    Some(l) if l.error.is_some() => "down",
                    Some(_) => "up",
                };
                let labels = target.labels.iter();
                active.push(json!({
                    "discoveredLabels": discovered,
                    "labels": object(labels.map(|l| (l.name.as_str(), l.value.as_str()))),
                    "scrapePool": spec.name,
                    "scrapeUrl": target.address,
                    "globalUrl": target.address,
                    "lastError": last.as_ref().and_then(|l| l.error.clone()).unwrap_or_default(),
                    "lastScrape": last.as_ref().map_or(NEVER.to_string(), |l| format_rfc3339(l.at_ms)),
                    "lastScrapeDuration": last.as_ref().map_or(0.0, |l| l.took.as_secs_f64()),
                    "health": health,
                    "scrapeInterval": format_duration(spec.interval),
                    "scrapeTimeout": format_duration(spec.timeout),
                }));
            }
            None if wanted.dropped => dropped.push(json!({ "discoveredLabels": discovered })),
            _ => {}
        }
    }
}

/// `/api/v1/targets`.
pub(super) async fn targets(State(app): State<Arc<App>>, params: Params) -> ApiResult {
    let state = params.get("state").trim().to_lowercase();
    let wanted = Wanted {
        active: matches!(state.as_str(), "" | "any" | "active"),
        dropped: matches!(state.as_str(), "" | "any" | "dropped"),
    };
    let pool = params.get("scrapePool");
    let (mut active, mut dropped) = (Vec::new(), Vec::new());
    for handle in app.plugins().await {
        let spec = handle.loaded.spec();
        if spec.kind == PluginKind::Exporter && (pool.is_empty() || spec.name == pool) {
            let last = |address: &str| app.exporter_sink().last_scrape(&spec.name, address);
            add_pool(spec, wanted, last, &mut active, &mut dropped);
        }
    }
    success(json!({"activeTargets": active, "droppedTargets": dropped}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Manifest;
    use std::time::Duration;

    #[test]
    fn targets_in_prometheus_shape() {
        let manifest = Manifest::parse(
            std::path::Path::new("/tmp/watchpost.toml"),
            r#"
[[plugin]]
name = "node"
kind = "exporter"
path = "node"
interval = "15s"
timeout = "5s"
targets = ["a:9100", "b:9100", "c:9100"]
[[plugin.relabel]]
source_labels = ["__address__"]
regex = "b:.*"
action = "drop"
"#,
            &|_| None,
        )
        .unwrap();
        let last = |address: &str| match address {
            "a:9100" => Some(LastScrape {
                at_ms: 1_700_000_000_123,
                took: Duration::from_millis(250),
                error: None,
            }),
            "c:9100" => Some(LastScrape {
                at_ms: 1_700_000_000_000,
                took: Duration::from_millis(5),
                error: Some("connection refused".into()),
            }),
            _ => None,
        };
        let all = Wanted {
            active: true,
            dropped: true,
        };
        let (mut active, mut dropped) = (Vec::new(), Vec::new());
        add_pool(&manifest.plugins[0], all, last, &mut active, &mut dropped);
        assert_eq!(
            active[0],
            json!({
                "discoveredLabels": {"__address__": "a:9100", "job": "node"},
                "labels": {"instance": "a:9100", "job": "node"},
                "scrapePool": "node",
                "scrapeUrl": "a:9100",
                "globalUrl": "a:9100",
                "lastError": "",
                "lastScrape": "2023-11-14T22:13:20.123Z",
                "lastScrapeDuration": 0.25,
                "health": "up",
                "scrapeInterval": "15s",
                "scrapeTimeout": "5s",
            })
        );
        assert_eq!(active.len(), 2);
        assert_eq!(active[1]["health"], "down");
        assert_eq!(active[1]["lastError"], "connection refused");
        assert_eq!(
            dropped,
            vec![json!({"discoveredLabels": {"__address__": "b:9100", "job": "node"}})]
        );

        let only_dropped = Wanted {
            active: false,
            dropped: true,
        };
        let (mut active, mut dropped) = (Vec::new(), Vec::new());
        add_pool(
            &manifest.plugins[0],
            only_dropped,
            |_| None,
            &mut active,
            &mut dropped,
        );
        assert!(active.is_empty());
        assert_eq!(dropped.len(), 1);
    }
}
