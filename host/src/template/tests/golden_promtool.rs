//! Golden test against Prometheus 2.42: every annotation below was
//! rendered by Debian's `promtool test rules` (the expected strings are its
//! output), our engine must render the same, and when `promtool` is
//! installed the test re-runs it with these strings as `exp_annotations`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::query::MemStore;
use crate::storage::metrics::labels::Labels;

use super::super::prometheus::{self, AlertData, PromOptions};
use super::tool;

const DB: &str = r#"test_metric{instance="db.example.com:9100",job="db"}"#;
const NODE: &str = r#"test_metric{instance="node1.example.com:9100",job="node"}"#;
const EXTERNAL_URL: &str = "https://prom.example.com/prom/";

/// (annotation, template, what Prometheus 2.42 renders for the node alert).
const CASES: &[(&str, &str, &str)] = &[
    ("value", "{{ $value }}", "1.234567891e+06"),
    (
        "labels",
        "{{ $labels.instance }} {{ .Labels.job }} [{{ $labels.nope }}] {{ len $labels }}",
        "node1.example.com:9100 node [] 3",
    ),
    (
        "ext",
        "{{ $externalLabels.cluster }}|{{ .ExternalURL }}|{{ $externalURL }}",
        "c1|https://prom.example.com/prom/|https://prom.example.com/prom/",
    ),
    (
        "dot",
        "{{ .Value }} {{ . }}",
        "1.234567891e+06 {map[__name__:test_metric instance:node1.example.com:9100 job:node] map[cluster:c1] https://prom.example.com/prom/ 1.234567891e+06}",
    ),
    (
        "humanize",
        r#"{{ humanize $value }} {{ humanize 0.0123 }} {{ humanize 0 }} {{ humanize1024 1536 }} {{ humanizePercentage 0.12345 }} {{ humanize "2048" }}"#,
        "1.235M 12.3m 0 1.5ki 12.35% 2.048k",
    ),
    (
        "duration",
        r#"{{ humanizeDuration 93784 }} {{ humanizeDuration 0.12345 }} {{ humanizeDuration 12.345 }} {{ humanizeDuration "60" }} {{ humanizeDuration -3 }}"#,
        "1d 2h 3m 4s 123.5ms 12.35s 1m 0s -3s",
    ),
    (
        "timestamp",
        "{{ humanizeTimestamp 1435065584.128 }} {{ humanizeTimestamp 0 }}",
        "2015-06-23 13:19:44.128 +0000 UTC 1970-01-01 00:00:00 +0000 UTC",
    ),
    (
        "printf",
        r#"{{ $value | printf "%.2f" }} {{ printf "%5.1f|%d|%s|%q|%x|%v|%g|%e|%08.3f|%-4d|" 3.14159 42 "s" "q" 255 1e6 0.000001 1234.5678 3.14159 7 }} {{ printf "%d %s" 1.5 }}"#,
        r#"1234567.89   3.1|42|s|"q"|ff|1e+06|1e-06|1.234568e+03|0003.142|7   | %!d(float64=1.5) %!s(MISSING)"#,
    ),
    (
        "floats",
        "{{ 1e6 }} {{ 123456789.0 }} {{ 0.1 }} {{ 100000.0 }} {{ 1e-5 }} {{ -0.5 }}",
        "1e+06 1.23456789e+08 0.1 100000 1e-05 -0.5",
    ),
    (
        "query",
        r#"{{ with query "test_metric{job='node'}" }}{{ . | first | value }}{{ end }}|{{ range query "sum by (job) (test_metric)" | sortByLabel "job" }}{{ .Labels.job }}={{ .Value }};{{ end }}|{{ query "test_metric" | sortByLabel "instance" | first | label "instance" }}|{{ query "scalar(sum(test_metric))" | first | value }}"#,
        "1.234567891e+06|db=0.5;node=1.234567891e+06;|db.example.com:9100|1.234568391e+06",
    ),
    (
        "strings",
        r#"{{ title "hello wORLD" }} {{ toUpper "abc" }} {{ toLower "ABC" }} {{ reReplaceAll "(.*):.*" "$1" $labels.instance }} {{ match "^node" $labels.instance }} {{ stripPort $labels.instance }} {{ stripDomain $labels.instance }} {{ safeHtml "<b>" }}"#,
        "Hello WORLD ABC abc node1.example.com true node1.example.com node1:9100 <b>",
    ),
    (
        "links",
        r#"{{ graphLink "rate(x[5m]) > 0.5" }} {{ tableLink "up" }}"#,
        "/graph?g0.expr=rate%28x%5B5m%5D%29+%3E+0.5&g0.tab=0 /graph?g0.expr=up&g0.tab=1",
    ),
    (
        "control",
        r#"{{ if gt $value 1000.0 }}big{{ else }}small{{ end }} {{ range $k, $e := args "a" 2 }}{{ $k }}={{ $e }},{{ end }} {{ with $labels.nope }}x{{ else }}none{{ end }}"#,
        "big arg0=a,arg1=2, none",
    ),
    (
        "builtins",
        r#"{{ or $labels.nope "dflt" }} {{ and 1 0 }} {{ not false }} {{ index $labels "job" }} {{ slice "abcdef" 1 3 }} {{ eq $labels.job "x" "node" }} {{ html "<a&'b>" }} {{ js "it's" }} {{ urlquery "a b&c" }} {{ print 1 2 "a" "b" 3 }}"#,
        r"dflt 0 true node bc true &lt;a&amp;&#39;b&gt; it\'s a+b%26c 1 2ab3",
    ),
    ("trim", "a {{- /* c */ -}} b {{- 1 -}} c", "ab1c"),
    (
        "newer",
        r#"{{ parseDuration "1h30m" }} {{ toTime 1435065584.128 }}"#,
        "5400 2015-06-23 13:19:44.128 +0000 UTC",
    ),
    (
        "err_humanize",
        r#"{{ humanize "x" }}"#,
        r#"<error expanding template: error executing template __alert_TestAlert: template: __alert_TestAlert:1:115: executing "__alert_TestAlert" at <humanize "x">: error calling humanize: strconv.ParseFloat: parsing "x": invalid syntax>"#,
    ),
    (
        "err_first",
        r#"{{ query "nonexistent" | first }}"#,
        r#"<error expanding template: error executing template __alert_TestAlert: template: __alert_TestAlert:1:137: executing "__alert_TestAlert" at <first>: error calling first: first() called on vector with no elements>"#,
    ),
    (
        "err_compare",
        "{{ gt $value 1 }}",
        r#"<error expanding template: error executing template __alert_TestAlert: template: __alert_TestAlert:1:115: executing "__alert_TestAlert" at <gt $value 1>: error calling gt: incompatible types for comparison>"#,
    ),
    (
        "err_field",
        "{{ .Labels.instance.Foo }}",
        r#"<error expanding template: error executing template __alert_TestAlert: template: __alert_TestAlert:1:122: executing "__alert_TestAlert" at <.Labels.instance.Foo>: can't evaluate field Foo in type string>"#,
    ),
    (
        "err_index",
        r#"{{ index (args 1) "arg5" }}|{{ (args 1).arg5 }}"#,
        "<no value>|<no value>",
    ),
];

/// The series at the test's evaluation time (5m), in our PromQL store.
fn store() -> Arc<MemStore> {
    let mut s = MemStore::new();
    let series = [
        ("db", "db.example.com:9100", 0.5),
        ("node", "node1.example.com:9100", 1234567.891),
    ];
    for (job, instance, v) in series {
        let labels = Labels::new([
            ("__name__", "test_metric"),
            ("instance", instance),
            ("job", job),
        ])
        .unwrap();
        s.add(labels, (0..=10).map(|m| (m * 60_000, v)));
    }
    Arc::new(s)
}

/// Renders every case for the alert `test_metric > 1` fires at 5m.
fn ours() -> BTreeMap<&'static str, String> {
    let query = prometheus::engine_query(store(), 5 * 60_000);
    let alert = query("test_metric > 1").unwrap().pop().unwrap();
    let data = AlertData {
        labels: alert.labels,
        external_labels: BTreeMap::from([("cluster".into(), "c1".into())]),
        external_url: EXTERNAL_URL.into(),
        value: alert.value,
    };
    let opts = PromOptions {
        query: Some(query),
        external_url: EXTERNAL_URL.into(),
    };
    CASES
        .iter()
        .map(|(name, text, _)| {
            (
                *name,
                prometheus::expand_alert_or_error("TestAlert", text, &data, &opts),
            )
        })
        .collect()
}

#[test]
fn annotations_render_as_prometheus_renders_them() {
    let ours = ours();
    for (name, _, want) in CASES {
        assert_eq!(ours[name], *want, "annotation {name}");
    }
}

#[test]
fn promtool_agrees_with_the_golden_strings() {
    let Some(promtool) = tool("/usr/bin/promtool", "prometheus") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let annotations: serde_json::Map<String, serde_json::Value> = CASES
        .iter()
        .map(|(n, t, _)| (n.to_string(), (*t).into()))
        .collect();
    let expected: serde_json::Map<String, serde_json::Value> = CASES
        .iter()
        .map(|(n, _, w)| (n.to_string(), (*w).into()))
        .collect();
    let rules = serde_json::json!({"groups": [{"name": "g", "rules": [{
        "alert": "TestAlert", "expr": "test_metric > 1", "labels": {"severity": "page"}, "annotations": annotations,
    }]}]});
    // YAML is a superset of JSON, so JSON files are valid rule and test files.
    let test = serde_json::json!({
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "external_labels": {"cluster": "c1"},
            "external_url": EXTERNAL_URL,
            "input_series": [
                {"series": DB, "values": "0.5+0x10"},
                {"series": NODE, "values": "1234567.891+0x10"},
            ],
            "alert_rule_test": [{"eval_time": "5m", "alertname": "TestAlert", "exp_alerts": [{
                "exp_labels": {"severity": "page", "instance": "node1.example.com:9100", "job": "node"},
                "exp_annotations": expected,
            }]}],
        }],
    });
    std::fs::write(dir.path().join("rules.yml"), rules.to_string()).unwrap();
    std::fs::write(dir.path().join("test.yml"), test.to_string()).unwrap();
    let out = std::process::Command::new(promtool)
        .args(["test", "rules", "test.yml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool disagrees:\n{text}");
    assert!(text.contains("SUCCESS"), "{text}");
}
