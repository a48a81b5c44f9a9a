//! The requests Grafana's Prometheus data source sends, replayed against
//! Prometheus and Watchpost loaded with the same data: the health check
//! (`buildinfo`, a `1+1` query), the label browser (`labels`, label
//! values with and without `match[]`, `series`), metric autocomplete
//! (`__name__` values, `metadata`), exemplars, and panel queries — range
//! queries with `$__rate_interval` expanded the way Grafana writes it
//! (`1m0s`), start/end aligned to the step, as POST forms, and the instant
//! "table" query.

use crate::compare::{self, Verdict};
use serde_json::Value;

/// One request: path, form parameters (sent as a POST form when `post`),
/// and whether its answer is compared exactly (else only its shape).
struct Replay {
    what: &'static str,
    path: &'static str,
    params: Vec<(&'static str, String)>,
    post: bool,
}

fn send(agent: &ureq::Agent, base: &str, r: &Replay) -> Value {
    let url = format!("{base}{}", r.path);
    let response = if r.post {
        agent
            .post(&url)
            .send_form(r.params.iter().map(|(k, v)| (*k, v.as_str())))
    } else {
        let mut req = agent.get(&url);
        for (k, v) in &r.params {
            req = req.query(*k, v);
        }
        req.call()
    };
    let mut response = response.expect("request");
    let body = response.body_mut().read_to_string().unwrap_or_default();
    serde_json::from_str(&body).unwrap_or(Value::String(body))
}

/// Sorts list answers (label values, series) so order does not matter
/// where Prometheus gives none.
fn normalised(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(list) = v["data"].as_array_mut() {
        list.sort_by_key(|x| x.to_string());
    }
    v
}

/// Replays Grafana's requests over `[start, end]` (Unix seconds); returns
/// one line per difference.
pub fn replay(
    agent: &ureq::Agent,
    prometheus: &str,
    candidate: &str,
    start: i64,
    end: i64,
) -> Vec<String> {
    let (s, e) = (start.to_string(), end.to_string());
    let step = 15;
    // Grafana aligns range queries to the step.
    let (rs, re) = (
        (start / step * step).to_string(),
        (end / step * step).to_string(),
    );
    let range = |what, query: &str, step: &str| Replay {
        what,
        path: "/api/v1/query_range",
        params: vec![
            ("query", query.to_string()),
            ("start", rs.clone()),
            ("end", re.clone()),
            ("step", step.to_string()),
        ],
        post: true,
    };
    let replays = vec![
        Replay {
            what: "health check query",
            path: "/api/v1/query",
            params: vec![("query", "1+1".into()), ("time", e.clone())],
            post: true,
        },
        Replay {
            what: "label browser: names",
            path: "/api/v1/labels",
            params: vec![("start", s.clone()), ("end", e.clone())],
            post: false,
        },
        Replay {
            what: "autocomplete: metric names",
            path: "/api/v1/label/__name__/values",
            params: vec![("start", s.clone()), ("end", e.clone())],
            post: false,
        },
        Replay {
            what: "label browser: job values",
            path: "/api/v1/label/job/values",
            params: vec![("start", s.clone()), ("end", e.clone())],
            post: false,
        },
        Replay {
            what: "label browser: values for a metric",
            path: "/api/v1/label/instance/values",
            params: vec![
                (
                    "match[]",
                    "{__name__=\"http_requests_total\",job=\"api\"}".into(),
                ),
                ("start", s.clone()),
                ("end", e.clone()),
            ],
            post: false,
        },
        Replay {
            what: "label browser: series",
            path: "/api/v1/series",
            params: vec![
                (
                    "match[]",
                    "{__name__=\"node_cpu_seconds_total\",mode=\"idle\"}".into(),
                ),
                ("start", s.clone()),
                ("end", e.clone()),
            ],
            post: true,
        },
        Replay {
            what: "autocomplete: metadata",
            path: "/api/v1/metadata",
            params: vec![],
            post: false,
        },
        Replay {
            what: "exemplars",
            path: "/api/v1/query_exemplars",
            params: vec![
                ("query", "http_requests_total".into()),
                ("start", rs.clone()),
                ("end", re.clone()),
            ],
            post: false,
        },
        range(
            "panel: rate by job ($__rate_interval)",
            "sum by (job) (rate(http_requests_total{job=~\"api|web\"}[1m0s]))",
            "15",
        ),
        range(
            "panel: CPU busy %",
            "100 - (avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[2m0s])) * 100)",
            "30",
        ),
        range(
            "panel: latency p95",
            "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[1m0s])))",
            "15",
        ),
        range(
            "panel: error ratio",
            "sum(rate(http_requests_total{code=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m]))",
            "60",
        ),
        Replay {
            what: "table panel: instant topk",
            path: "/api/v1/query",
            params: vec![
                (
                    "query",
                    "topk(3, sum by (instance) (increase(http_requests_total[5m])))".into(),
                ),
                ("time", e.clone()),
            ],
            post: true,
        },
    ];
    let mut diffs = Vec::new();
    for r in &replays {
        let (want, got) = (send(agent, prometheus, r), send(agent, candidate, r));
        let verdict = if r.path.contains("query") && !r.path.ends_with("exemplars") {
            compare::compare(&want, &got, r.what.contains("topk"))
        } else if normalised(&want) == normalised(&got) {
            Verdict::Equal
        } else {
            Verdict::Differs(format!("{want} vs {got}"))
        };
        match verdict {
            Verdict::Equal => {}
            Verdict::MessageDiffers {
                reference,
                candidate,
            } => diffs.push(format!(
                "{}: error wording {reference} vs {candidate}",
                r.what
            )),
            Verdict::Differs(d) => diffs.push(format!("{}: {d}", r.what)),
        }
    }
    println!(
        "grafana: {} requests replayed, {} answered differently",
        replays.len(),
        diffs.len()
    );
    // Grafana reads the version from buildinfo to pick API features.
    let info = send(
        agent,
        candidate,
        &Replay {
            what: "buildinfo",
            path: "/api/v1/status/buildinfo",
            params: vec![],
            post: false,
        },
    );
    if info["status"] != "success" || !info["data"]["version"].is_string() {
        diffs.push(format!("buildinfo: {info}"));
    }
    diffs
}
