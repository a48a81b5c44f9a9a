//! Logs pushed the ways other shippers push them, read back through Loki's
//! query API: Filebeat's startup checks and `_bulk` requests (replayed with
//! Python `requests`, as Filebeat 8.11 sends them, plus Fluent Bit's `es`
//! output shape), and the real OpenTelemetry Python SDK's OTLP/HTTP logs
//! exporter behind Python's `logging`.

mod support;

use std::process::Command;
use std::time::Duration;
use support::{Server, encode, wait_for};

/// Filebeat 8.11's conversation with Elasticsearch on startup (output
/// `elasticsearch`, `setup.template` and `setup.ilm` on), then its bulk
/// requests; each check raises on a wrong answer.
const FILEBEAT: &str = r#"
import gzip, json, sys, datetime, requests
base = sys.argv[1]
s = requests.Session()
s.headers.update({"User-Agent": "Filebeat/8.11.0 (linux; amd64)", "Accept": "application/json"})

r = s.get(base + "/")
assert r.status_code == 200, r.text
info = r.json()
assert info["version"]["number"] == "8.11.0" and info["tagline"], info
assert r.headers["X-Elastic-Product"] == "Elasticsearch"
assert s.head(base + "/").status_code == 200
lic = s.get(base + "/_license?human=false").json()["license"]
assert lic["status"] == "active" and lic["type"] == "basic", lic
assert s.get(base + "/_xpack").json()["features"]["ilm"]["available"]
assert s.head(base + "/_index_template/filebeat-8.11.0").status_code == 200
r = s.put(base + "/_index_template/filebeat-8.11.0", json={"index_patterns": ["filebeat-8.11.0"], "data_stream": {}, "priority": 150, "template": {"settings": {"index.lifecycle.name": "filebeat"}}})
assert r.json() == {"acknowledged": True}, r.text
assert "filebeat" in s.get(base + "/_ilm/policy/filebeat").json()
assert s.put(base + "/_ilm/policy/filebeat", json={"policy": {"phases": {"hot": {"actions": {"rollover": {"max_age": "30d"}}}}}}).json()["acknowledged"]
assert s.put(base + "/_template/legacy", json={"index_patterns": ["x-*"]}).json()["acknowledged"]
assert s.get(base + "/_nodes/_local/ingest").json()["_nodes"]["total"] == 1

now = datetime.datetime.now(datetime.timezone.utc)
ts = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)
index = "logs-postfix-" + now.strftime("%Y.%m.%d")
def event(msg, offset):
    return {"@timestamp": ts, "message": msg,
            "log": {"offset": offset, "file": {"path": "/var/log/mail.log"}},
            "input": {"type": "filestream"}, "ecs": {"version": "8.0.0"},
            "host": {"name": "mx1", "hostname": "mx1"},
            "agent": {"type": "filebeat", "version": "8.11.0", "name": "mx1"},
            "fields": {"job": "postfix"}}
lines = []
for i, msg in enumerate(["postfix/smtpd[101]: connect from unknown[10.0.0.1]",
                         "postfix/smtp[102]: 4F2A1: to=<bob@example.org>, status=bounced"]):
    lines += [json.dumps({"create": {"_index": index}}), json.dumps(event(msg, i * 100))]
lines += [json.dumps({"create": {"_index": index}}), "{this is not json"]
body = ("\n".join(lines) + "\n").encode()
headers = {"Content-Type": "application/json"}
filter_path = "?filter_path=errors,items.*.error,items.*.status"
r = s.post(base + "/_bulk" + filter_path, data=body, headers=headers)
assert r.status_code == 200, r.text
reply = r.json()
assert reply["errors"] is True, reply
statuses = [item["create"]["status"] for item in reply["items"]]
assert statuses == [201, 201, 400], reply
assert reply["items"][2]["create"]["error"]["type"] == "document_parsing_exception", reply

# compression_level > 0: gzip.
more = [json.dumps({"create": {"_index": index}}),
        json.dumps(event("postfix/qmgr[103]: 4F2A1: removed", 300))]
r = s.post(base + "/_bulk", data=gzip.compress(("\n".join(more) + "\n").encode()),
           headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
assert r.status_code == 200 and r.json()["errors"] is False, r.text

# Fluent Bit's es output: x-ndjson, the index in the path, Docker's `log`.
fb = [json.dumps({"create": {}}),
      json.dumps({"@timestamp": ts, "log": "dovecot: imap-login: Login: user=<bob>", "stream": "stdout",
                  "container": {"name": "dovecot"}})]
r = s.post(base + "/logs-dovecot-" + now.strftime("%Y-%m-%d") + "/_bulk",
           data="\n".join(fb) + "\n", headers={"Content-Type": "application/x-ndjson"})
assert r.status_code == 200 and r.json()["items"][0]["create"]["status"] == 201, r.text

r = s.post(base + "/_bulk", data=body, headers={"Content-Type": "text/plain"})
assert r.status_code == 406, r.status_code
r = s.post(base + "/_bulk", data="{\"index\":{}}\n", headers=headers)
assert r.status_code == 400 and r.json()["error"]["type"] == "illegal_argument_exception", r.text
"#;

const OTEL_SDK: &str = r#"
import logging, sys
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

resource = Resource.create({"service.name": "email-api", "host.name": "web1",
                            "deployment.environment": "test"})
provider = LoggerProvider(resource=resource)
provider.add_log_record_processor(BatchLogRecordProcessor(
    OTLPLogExporter(endpoint=sys.argv[1], compression=Compression.Gzip)))
log = logging.getLogger("email.api")
log.setLevel(logging.INFO)
log.propagate = False
log.addHandler(LoggingHandler(level=logging.INFO, logger_provider=provider))
tracer = TracerProvider().get_tracer("watchpost-test")
with tracer.start_as_current_span("send"):
    log.error("send failed for %s", "bob@example.org", extra={"queue": "outbound", "attempt": 3})
log.info("GET /health 200")
if not provider.force_flush(10000):
    sys.exit("flush failed")
provider.shutdown()
"#;

/// (stream labels, lines) per result stream of a log query.
fn query(server: &Server, q: &str) -> Vec<(serde_json::Value, Vec<String>)> {
    let v = server.json(&format!(
        "/loki/api/v1/query_range?direction=forward&start=0&limit=100&query={}",
        encode(q)
    ));
    assert_eq!(v["status"], "success", "{v}");
    v["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let lines = s["values"].as_array().unwrap().iter();
            let lines = lines.map(|e| e[1].as_str().unwrap().to_string());
            (s["stream"].clone(), lines.collect())
        })
        .collect()
}

fn all_lines(server: &Server, q: &str) -> Vec<String> {
    query(server, q).into_iter().flat_map(|(_, l)| l).collect()
}

fn python(script: &str, arg: &str) {
    let out = Command::new("python3")
        .args(["-c", script, arg])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the Python client failed (scripts/install-peers.sh installs its packages): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn filebeat_requests_and_fluent_bit_bulks_are_stored_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_bare(dir.path());
    python(FILEBEAT, &server.base);

    let postfix = query(&server, r#"{job="postfix"}"#);
    let lines: Vec<&String> = postfix.iter().flat_map(|(_, l)| l).collect();
    assert_eq!(lines.len(), 3, "{postfix:?}\n{}", server.log_text());
    assert!(
        lines.iter().any(|l| l.contains("status=bounced")),
        "{lines:?}"
    );
    assert_eq!(postfix[0].0["host"], "mx1", "{postfix:?}");
    // Typed fields filter like labels.
    let bounced = all_lines(
        &server,
        r#"{job="postfix", host="mx1"} | log_file_path="/var/log/mail.log" | log_offset >= 100 | agent_type="filebeat""#,
    );
    assert_eq!(bounced.len(), 2, "{bounced:?}");
    assert!(bounced[0].contains("status=bounced"), "{bounced:?}");

    let dovecot = query(&server, r#"{job="dovecot"}"#);
    assert_eq!(
        dovecot[0].1,
        vec!["dovecot: imap-login: Login: user=<bob>"],
        "{dovecot:?}"
    );
    assert_eq!(dovecot[0].0["container"], "dovecot", "{dovecot:?}");
}

#[test]
fn the_opentelemetry_python_sdk_ships_logs_over_otlp_http() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_bare(dir.path());
    python(OTEL_SDK, &format!("{}/v1/logs", server.base));

    let selector = r#"{service_name="email-api"}"#;
    assert!(
        wait_for(Duration::from_secs(10), || all_lines(&server, selector)
            .len()
            == 2),
        "{:?}\n{}",
        query(&server, selector),
        server.log_text()
    );
    let failed = query(
        &server,
        r#"{service_name="email-api", host_name="web1", deployment_environment="test"} | level="error" | queue="outbound" | trace_id=~"[0-9a-f]{32}" | span_id=~"[0-9a-f]{16}""#,
    );
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].1, vec!["send failed for bob@example.org"]);
    let info = all_lines(&server, r#"{service_name="email-api"} | level="info""#);
    assert_eq!(info, vec!["GET /health 200"]);
    let attempt = all_lines(&server, r#"{service_name="email-api"} | attempt=3"#);
    assert_eq!(attempt.len(), 1, "{attempt:?}");
}
