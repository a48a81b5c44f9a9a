//! How scraped series meet their target's labels, against Prometheus 2.42
//! scraping the same endpoint with the same configuration: exposed labels
//! that clash with `job`/`instance` become `exported_<name>` (prefixed again
//! while taken) without `honor_labels` and win with it, and `hashmod`
//! shards a target and a series label as Prometheus' MD5 does. The stored
//! label sets must be identical.

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;
use support::{Server, wait_for};

const EXPOSITION: &str = "\
# TYPE demo_jobs gauge
demo_jobs{job=\"inner\",instance=\"exposed:1\",exported_job=\"taken\"} 1
demo_jobs{job=\"inner2\",zone=\"a\"} 2
# TYPE demo_requests_total counter
demo_requests_total{path=\"/api/messages\"} 3
demo_requests_total{path=\"/health\"} 4
";

/// Serves [`EXPOSITION`] to every request on a loopback port.
fn serve_metrics() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{EXPOSITION}",
                EXPOSITION.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    port
}

/// Every `demo_*` label set stored at `base`, as sorted JSON objects.
fn stored(base: &str) -> BTreeSet<String> {
    let url = format!(
        "{base}/api/v1/series?match[]={}",
        support::encode(r#"{__name__=~"demo_.*"}"#)
    );
    let (status, body) = support::get(&url).unwrap();
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let sorted: std::collections::BTreeMap<&str, &str> = s
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
                .collect();
            serde_json::to_string(&sorted).unwrap()
        })
        .collect()
}

#[test]
fn exported_labels_honor_labels_and_hashmod_agree_with_prometheus() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = serve_metrics();
    let target = format!("127.0.0.1:{metrics}");
    let prometheus_config = format!(
        r#"global:
  scrape_interval: 1s
scrape_configs:
  - job_name: plain
    static_configs: [{{targets: ["{target}"]}}]
    relabel_configs:
      - source_labels: [__address__]
        action: hashmod
        modulus: 8
        target_label: shard
    metric_relabel_configs:
      - source_labels: [path]
        action: hashmod
        modulus: 4
        target_label: path_shard
  - job_name: honored
    honor_labels: true
    static_configs: [{{targets: ["{target}"]}}]
"#
    );
    let (_prometheus, prometheus) = support::start_prometheus(dir.path(), &prometheus_config);

    let server = Server::start_with(
        dir.path(),
        &format!(
            r#"[[plugin]]
name = "plain"
kind = "exporter"
path = "prometheus-scrape"
interval = "1s"
targets = ["{target}"]
[plugin.capabilities]
network = ["{target}"]
[[plugin.relabel]]
source_labels = ["__address__"]
action = "hashmod"
modulus = 8
target_label = "shard"
[[plugin.metric_relabel]]
source_labels = ["path"]
action = "hashmod"
modulus = 4
target_label = "path_shard"

[[plugin]]
name = "honored"
kind = "exporter"
path = "prometheus-scrape"
interval = "1s"
targets = ["{target}"]
honor_labels = true
[plugin.capabilities]
network = ["{target}"]
"#
        ),
    );

    // Both jobs scraped by both: 4 series per job.
    let complete = |base: &str| stored(base).len() >= 8;
    assert!(
        wait_for(Duration::from_secs(30), || complete(&prometheus)
            && complete(&server.base)),
        "prometheus {:#?}\nwatchpost {:#?}\n{}",
        stored(&prometheus),
        stored(&server.base),
        server.log_text()
    );
    let (ours, theirs) = (stored(&server.base), stored(&prometheus));
    assert_eq!(ours, theirs, "log:\n{}", server.log_text());
    // The cases are there: a doubly exported job, an honored one, shards.
    let all = ours.iter().cloned().collect::<Vec<_>>().join("\n");
    for expected in [
        r#""exported_exported_job":"inner""#,
        r#""instance":"exposed:1","job":"inner""#,
        r#""path_shard":"#,
        r#""shard":"#,
    ] {
        assert!(all.contains(expected), "{expected} missing from\n{all}");
    }
}
