//! Tests of family grouping, on the Prometheus documentation's examples and
//! on malformed input.

use super::*;

fn text(s: &str) -> Vec<MetricFamily> {
    parse(s, Format::Text).unwrap()
}

fn family<'a>(families: &'a [MetricFamily], name: &str) -> &'a MetricFamily {
    families
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no family {name} in {:?}", names(families)))
}

fn names(families: &[MetricFamily]) -> Vec<&str> {
    families.iter().map(|f| f.name.as_str()).collect()
}

fn label_pairs(m: &Metric) -> Vec<(&str, &str)> {
    m.labels
        .iter()
        .map(|l| (l.name.as_str(), l.value.as_str()))
        .collect()
}

fn number(m: &Metric) -> f64 {
    match m.value {
        MetricValue::Number(v) => v,
        ref other => panic!("not a number: {other:?}"),
    }
}

const DOC_EXAMPLE: &str = r#"# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="0.2"} 100392
http_request_duration_seconds_bucket{le="0.5"} 129389
http_request_duration_seconds_bucket{le="1"} 133988
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320

# Finally a summary, which has a complex representation, too:
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds{quantile="0.05"} 3272
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.9"} 9001
rpc_duration_seconds{quantile="0.99"} 76656
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
"#;

#[test]
fn documentation_example() {
    let families = text(DOC_EXAMPLE);
    assert_eq!(
        names(&families),
        [
            "http_requests_total",
            "msdos_file_access_time_seconds",
            "metric_without_timestamp_and_labels",
            "something_weird",
            "http_request_duration_seconds",
            "rpc_duration_seconds",
        ]
    );
    let requests = family(&families, "http_requests_total");
    assert_eq!(requests.kind, MetricKind::Counter);
    assert_eq!(requests.help, "The total number of HTTP requests.");
    assert_eq!(requests.metrics.len(), 2);
    assert_eq!(
        label_pairs(&requests.metrics[1]),
        [("method", "post"), ("code", "400")]
    );
    assert_eq!(number(&requests.metrics[1]), 3.0);
    assert_eq!(requests.metrics[0].timestamp_ms, Some(1395066363000));

    let msdos = family(&families, "msdos_file_access_time_seconds");
    assert_eq!(msdos.kind, MetricKind::Untyped);
    assert_eq!(
        label_pairs(&msdos.metrics[0]),
        [
            ("path", "C:\\DIR\\FILE.TXT"),
            ("error", "Cannot find file:\n\"FILE.TXT\"")
        ]
    );
    let weird = &family(&families, "something_weird").metrics[0];
    assert_eq!(
        (number(weird), weird.timestamp_ms),
        (f64::INFINITY, Some(-3982045))
    );

    let hist = family(&families, "http_request_duration_seconds");
    assert_eq!(hist.kind, MetricKind::Histogram);
    assert_eq!(hist.metrics.len(), 1);
    let MetricValue::Histogram(h) = &hist.metrics[0].value else {
        panic!()
    };
    assert!(
        hist.metrics[0].labels.is_empty(),
        "le is not a series label"
    );
    assert_eq!(h.buckets.len(), 6);
    assert_eq!(
        (h.buckets[1].upper_bound, h.buckets[1].cumulative_count),
        (0.1, 33444.0)
    );
    assert_eq!(h.buckets[5].upper_bound, f64::INFINITY);
    assert_eq!((h.sum, h.count), (53423.0, 144320.0));

    let summary = family(&families, "rpc_duration_seconds");
    let MetricValue::Summary(s) = &summary.metrics[0].value else {
        panic!()
    };
    assert_eq!(s.quantiles.len(), 5);
    assert_eq!(
        (s.quantiles[2].quantile, s.quantiles[2].value),
        (0.5, 4773.0)
    );
    assert_eq!((s.sum, s.count), (1.7560473e7, 2693.0));
}

#[test]
fn histograms_group_by_label_set() {
    let families = text(
        r#"# TYPE lat histogram
lat_bucket{path="/a",le="1"} 1
lat_bucket{path="/b",le="+Inf"} 9
lat_bucket{le="+Inf",path="/a"} 4
lat_bucket{path="/a",le="0.5"} 0
lat_sum{path="/a"} 2.5
lat_count{path="/a"} 4
lat_bucket{path="/b",le="1"} 7
lat_sum{path="/b"} 30
"#,
    );
    let lat = family(&families, "lat");
    assert_eq!(lat.metrics.len(), 2);
    assert_eq!(label_pairs(&lat.metrics[0]), [("path", "/a")]);
    let MetricValue::Histogram(a) = &lat.metrics[0].value else {
        panic!()
    };
    let bounds: Vec<f64> = a.buckets.iter().map(|b| b.upper_bound).collect();
    assert_eq!(bounds, [0.5, 1.0, f64::INFINITY], "buckets are sorted");
    assert_eq!((a.sum, a.count), (2.5, 4.0));
    let MetricValue::Histogram(b) = &lat.metrics[1].value else {
        panic!()
    };
    assert_eq!(b.count, 9.0, "a missing _count comes from the +Inf bucket");
}

#[test]
fn missing_inf_bucket_is_added_from_count() {
    let families = text("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_count 5\nh_sum 1\n");
    let MetricValue::Histogram(h) = &families[0].metrics[0].value else {
        panic!()
    };
    let last = h.buckets.last().unwrap();
    assert_eq!(
        (last.upper_bound, last.cumulative_count),
        (f64::INFINITY, 5.0)
    );
}

#[test]
fn untyped_and_help_without_type() {
    let families = text("# HELP a Some help.\na 1\nb{x=\"y\"} NaN\nb{x=\"z\"} -Inf\na_sum 3\n");
    assert_eq!(names(&families), ["a", "b", "a_sum"]);
    assert_eq!(families[0].help, "Some help.");
    assert_eq!(families[0].kind, MetricKind::Untyped);
    assert!(number(&families[1].metrics[0]).is_nan());
    assert_eq!(number(&families[1].metrics[1]), f64::NEG_INFINITY);
}

#[test]
fn gauges_and_counters_with_suffix_like_names() {
    let families = text("# TYPE x_count gauge\nx_count 3\n# TYPE y_sum counter\ny_sum 4\n");
    assert_eq!(family(&families, "x_count").kind, MetricKind::Gauge);
    assert_eq!(family(&families, "y_sum").kind, MetricKind::Counter);
}

#[test]
fn empty_input_and_crlf() {
    assert!(text("").is_empty());
    let families = text("# TYPE up gauge\r\nup 1\r\n");
    assert_eq!(number(&family(&families, "up").metrics[0]), 1.0);
}

const OPENMETRICS: &str = r#"# TYPE acme_http_router_request_seconds summary
# UNIT acme_http_router_request_seconds seconds
# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
# TYPE go_goroutines gauge
# HELP go_goroutines Number of goroutines that currently exist.
go_goroutines 69 1605281325.5
# TYPE process_cpu_seconds counter
# UNIT process_cpu_seconds seconds
# HELP process_cpu_seconds Total user and system CPU time spent in seconds.
process_cpu_seconds_total 4.20072246e+06
process_cpu_seconds_created 1605281325.0
# TYPE build info
build_info{version="1.2"} 1
# TYPE rpc histogram
rpc_bucket{le="0.1"} 8 # {trace_id="abc"} 0.05 1605281325.1
rpc_bucket{le="+Inf"} 10
rpc_count 10
rpc_sum 1.5
rpc_created 1605281325.0
# EOF
"#;

#[test]
fn openmetrics_basics() {
    let families = parse(OPENMETRICS, Format::OpenMetrics).unwrap();
    assert_eq!(
        names(&families),
        [
            "acme_http_router_request_seconds",
            "go_goroutines",
            "process_cpu_seconds_total",
            "build_info",
            "rpc"
        ]
    );
    let acme = family(&families, "acme_http_router_request_seconds");
    assert_eq!(
        (acme.kind, acme.unit.as_str()),
        (MetricKind::Summary, "seconds")
    );
    let MetricValue::Summary(s) = &acme.metrics[0].value else {
        panic!()
    };
    assert_eq!((s.sum, s.count, s.quantiles.len()), (9036.32, 807283.0, 0));
    assert_eq!(
        family(&families, "go_goroutines").metrics[0].timestamp_ms,
        Some(1605281325500)
    );
    let cpu = family(&families, "process_cpu_seconds_total");
    assert_eq!(
        (cpu.kind, cpu.unit.as_str()),
        (MetricKind::Counter, "seconds")
    );
    assert_eq!(cpu.metrics.len(), 1, "_created is not a series");
    assert_eq!(number(&cpu.metrics[0]), 4.20072246e6);
    assert_eq!(family(&families, "build_info").kind, MetricKind::Gauge);
    let MetricValue::Histogram(h) = &family(&families, "rpc").metrics[0].value else {
        panic!()
    };
    assert_eq!((h.buckets.len(), h.count), (2, 10.0));
}

#[test]
fn openmetrics_eof_rules() {
    let err = parse("# TYPE a gauge\na 1\n", Format::OpenMetrics).unwrap_err();
    assert_eq!(err.line, 2);
    assert!(err.message.contains("missing # EOF"), "{err}");
    let err = parse("a 1\n# EOF\na 2\n", Format::OpenMetrics).unwrap_err();
    assert_eq!(err.to_string(), "line 3: content after # EOF on line 2");
    assert!(parse("a 1\n# EOF\n", Format::OpenMetrics).is_ok());
    // In the text format `# EOF` is only a comment.
    assert_eq!(text("a 1\n# EOF\nb 2\n").len(), 2);
}

#[test]
fn errors_name_the_line() {
    let cases: &[(&str, usize, &str)] = &[
        ("a 1\nb 2\nc three\n", 3, "invalid value \"three\""),
        (
            "# TYPE a gauge\n# TYPE a counter\n",
            2,
            "second # TYPE line for a",
        ),
        ("# HELP a x\n# HELP a y\n", 2, "second # HELP line for a"),
        (
            "a 1\n# TYPE a gauge\n",
            2,
            "# TYPE line for a after its samples",
        ),
        ("# TYPE a timer\n", 1, "unknown metric type \"timer\""),
        ("# TYPE a info\n", 1, "unknown metric type \"info\""),
        (
            "# TYPE h histogram\nh_bucket 1\n",
            2,
            "h_bucket sample without a le label",
        ),
        (
            "# TYPE h histogram\nh_bucket{le=\"x\"} 1\n",
            2,
            "invalid le label \"x\"",
        ),
        (
            "# TYPE s summary\ns{quantile=\"half\"} 1\n",
            2,
            "invalid quantile label",
        ),
        ("# TYPE h histogram\nh 1\n", 2, "does not fit"),
        ("ok 1\n\nbad{a=\"1\" 2\n", 3, "expected ',' or '}'"),
    ];
    for (input, line, message) in cases {
        let err = parse(input, Format::Text).unwrap_err();
        assert_eq!(err.line, *line, "{input:?}: {err}");
        assert!(err.message.contains(message), "{input:?}: {err}");
        assert!(err.to_string().starts_with(&format!("line {line}: ")));
    }
}
