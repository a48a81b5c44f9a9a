//! The Prometheus HTTP API beside the real Prometheus 2.42 (Debian's
//! `prometheus`): the same series are remote-written to both, then
//! `/api/v1/labels`, `/api/v1/label/<name>/values`, `/api/v1/series` and
//! `/api/v1/format_query` must answer identically. The same
//! `delete_series` on both removes the same samples.

mod support;

use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use support::{Peer, Server, encode, free_port, get, peer_binary, wait_for};

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A length-delimited protobuf field.
fn field(out: &mut Vec<u8>, tag: u64, bytes: &[u8]) {
    varint(out, (tag << 3) | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// A series to write: label pairs and (ms, value) samples.
type Series<'a> = (Vec<(&'a str, &'a str)>, Vec<(i64, f64)>);

/// A snappy-compressed `prometheus.WriteRequest` of `series`.
fn write_request(series: &[Series<'_>]) -> Vec<u8> {
    let mut request = Vec::new();
    for (labels, samples) in series {
        let mut ts = Vec::new();
        for (name, value) in labels {
            let mut label = Vec::new();
            field(&mut label, 1, name.as_bytes());
            field(&mut label, 2, value.as_bytes());
            field(&mut ts, 1, &label);
        }
        for (t, v) in samples {
            let mut sample = vec![0x09]; // field 1, fixed64
            sample.extend_from_slice(&v.to_le_bytes());
            sample.push(0x10); // field 2, varint
            varint(&mut sample, *t as u64);
            field(&mut ts, 2, &sample);
        }
        field(&mut request, 1, &ts);
    }
    snap::raw::Encoder::new().compress_vec(&request).unwrap()
}

fn post(url: &str, content_type: &str, body: &[u8]) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut request = agent.post(url).header("Content-Type", content_type);
    if content_type == "application/x-protobuf" {
        request = request
            .header("Content-Encoding", "snappy")
            .header("X-Prometheus-Remote-Write-Version", "0.1.0");
    }
    let mut response = request
        .send(body)
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_to_string().unwrap_or_default(),
    )
}

fn start_prometheus(dir: &Path) -> (Peer, String) {
    let port = free_port();
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, "global:\n  scrape_interval: 15s\n").unwrap();
    let args = vec![
        format!("--config.file={}", config.display()),
        format!("--storage.tsdb.path={}", dir.join("prom-data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--web.enable-remote-write-receiver".into(),
        "--web.enable-admin-api".into(),
    ];
    let peer = Peer::start(
        &peer_binary("prometheus", "prometheus"),
        &args,
        &dir.join("prometheus.log"),
    );
    let base = format!("http://127.0.0.1:{port}");
    assert!(
        wait_for(Duration::from_secs(60), || get(&format!("{base}/-/ready"))
            .is_ok_and(|(s, _)| s == 200)),
        "Prometheus did not become ready"
    );
    (peer, base)
}

fn json(base: &str, path: &str) -> Value {
    let (status, body) = get(&format!("{base}{path}")).unwrap();
    assert_eq!(status, 200, "{base}{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// Both answer `path` with equal JSON.
fn same(prometheus: &str, watchpost: &str, path: &str) -> Value {
    let theirs = json(prometheus, path);
    let ours = json(watchpost, path);
    assert_eq!(ours, theirs, "{path}: Watchpost and Prometheus differ");
    ours
}

#[test]
fn metadata_endpoints_answer_as_prometheus_does() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let manifest = dir.path().join("watchpost.toml");
    std::fs::write(
        &manifest,
        format!("[server]\nlisten = \"127.0.0.1:{port}\"\nenable_admin_api = true\n"),
    )
    .unwrap();
    let server = Server::start(&manifest, port);
    let (_prometheus, prom) = start_prometheus(dir.path());

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let samples = |n: i64| -> Vec<(i64, f64)> {
        (0..n)
            .map(|i| (now - 60_000 + i * 10_000, i as f64))
            .collect()
    };
    let mut series: Vec<Series<'_>> = Vec::new();
    for (job, instance) in [("api", "a:80"), ("api", "b:80"), ("db", "c:5432")] {
        series.push((
            vec![("__name__", "up"), ("job", job), ("instance", instance)],
            samples(6),
        ));
        series.push((
            vec![
                ("__name__", "http_requests_total"),
                ("job", job),
                ("instance", instance),
                ("code", "200"),
            ],
            samples(6),
        ));
    }
    series.push((
        vec![
            ("__name__", "queue_depth"),
            ("job", "mailer"),
            ("queue", "outbound"),
            ("zone", "eu-1"),
        ],
        samples(3),
    ));
    let body = write_request(&series);
    for base in [&prom, &server.base] {
        let (status, text) = post(
            &format!("{base}/api/v1/write"),
            "application/x-protobuf",
            &body,
        );
        assert!((200..300).contains(&status), "{base}: {status} {text}");
    }

    let names = same(&prom, &server.base, "/api/v1/labels");
    assert_eq!(names["data"].as_array().unwrap().len(), 6, "{names}");
    same(&prom, &server.base, "/api/v1/label/__name__/values");
    same(&prom, &server.base, "/api/v1/label/job/values");
    for selector in [
        "up",
        "{job=\"api\"}",
        "{__name__=~\"up|queue_depth\",job!=\"db\"}",
    ] {
        let m = encode(selector);
        same(&prom, &server.base, &format!("/api/v1/labels?match[]={m}"));
        same(
            &prom,
            &server.base,
            &format!("/api/v1/label/job/values?match[]={m}"),
        );
        same(
            &prom,
            &server.base,
            &format!("/api/v1/label/instance/values?match[]={m}"),
        );
        let found = same(&prom, &server.base, &format!("/api/v1/series?match[]={m}"));
        assert!(!found["data"].as_array().unwrap().is_empty(), "{selector}");
    }
    let two = format!(
        "match[]={}&match[]={}",
        encode("up{job=\"db\"}"),
        encode("queue_depth")
    );
    same(&prom, &server.base, &format!("/api/v1/series?{two}"));
    same(&prom, &server.base, &format!("/api/v1/labels?{two}"));
    // Time bounds: queue_depth has samples only in its first 30 s.
    let (from, to) = ((now - 20_000) as f64 / 1000.0, now as f64 / 1000.0);
    same(
        &prom,
        &server.base,
        &format!("/api/v1/series?match[]=queue_depth&start={from}&end={to}"),
    );
    same(
        &prom,
        &server.base,
        &format!("/api/v1/series?match[]=up&start={from}&end={to}"),
    );

    for query in [
        "sum(rate(http_requests_total{job=\"api\"}[5m]))by(code)",
        "up == 0",
        "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))",
        "a + on(job) group_left b",
        "-x offset 5m",
    ] {
        same(
            &prom,
            &server.base,
            &format!("/api/v1/format_query?query={}", encode(query)),
        );
    }

    // The same deletion on both.
    let delete = format!(
        "/api/v1/admin/tsdb/delete_series?match[]={}",
        encode("up{instance=\"b:80\"}")
    );
    for base in [&prom, &server.base] {
        let (status, text) = post(
            &format!("{base}{delete}"),
            "application/x-www-form-urlencoded",
            b"",
        );
        assert_eq!(status, 204, "{base}: {text}");
    }
    // Both lost the samples...
    let deleted = "up{instance=\"b:80\"}";
    let theirs = json(
        &prom,
        &format!(
            "/api/v1/query?query={}&time={}",
            encode(&format!("{deleted}[10m]")),
            now / 1000
        ),
    );
    assert_eq!(theirs["data"]["result"], serde_json::json!([]), "{theirs}");
    assert!(server.raw(deleted).is_empty());
    // ...and Watchpost no longer lists the series (Prometheus still does
    // until its head is compacted; the brief is that deleted data
    // disappears from the metadata endpoints too).
    let up = json(
        &server.base,
        &format!("/api/v1/series?match[]={}", encode("up")),
    );
    assert_eq!(
        up["data"],
        serde_json::json!([
            {"__name__": "up", "instance": "a:80", "job": "api"},
            {"__name__": "up", "instance": "c:5432", "job": "db"},
        ])
    );
    let instances = json(
        &server.base,
        &format!("/api/v1/label/instance/values?match[]={}", encode("up")),
    );
    assert_eq!(instances["data"], serde_json::json!(["a:80", "c:5432"]));

    // Deleted data stays deleted across a restart.
    drop(server);
    let server = Server::start(&manifest, port);
    let after = json(
        &server.base,
        &format!("/api/v1/series?match[]={}", encode("up")),
    );
    assert_eq!(after, up);
    assert!(server.raw(deleted).is_empty());
}
