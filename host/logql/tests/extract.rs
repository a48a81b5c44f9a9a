//! Sample extraction: counts, bytes and unwrapped values, conversion errors,
//! post filters and Loki's grouping of unwrapped series.

mod common;

use common::sample;
use watchpost_logql::{Labels, parse, pipeline_error};

#[test]
fn counts_and_bytes() {
    assert_eq!(
        sample(r#"count_over_time({job="app"} |= "x" [5m])"#, "x y"),
        Some((1.0, r#"{job="app"}"#.into()))
    );
    assert_eq!(sample(r#"rate({job="app"} |= "x" [5m])"#, "nope"), None);
    // Bytes of the line after the pipeline rewrote it.
    assert_eq!(
        sample(
            r#"bytes_over_time({job="app"} | logfmt | line_format "{{.msg}}" [5m])"#,
            "msg=héllo level=info"
        ),
        Some((6.0, r#"{job="app", level="info", msg="héllo"}"#.into()))
    );
}

#[test]
fn unwrapped_values_are_converted() {
    let q = |conv: &str| format!(r#"sum_over_time({{job="app"}} | logfmt | unwrap {conv} [5m])"#);
    assert_eq!(
        sample(&q("latency"), "latency=0.25 host=a"),
        Some((0.25, r#"{host="a", job="app"}"#.into()))
    );
    assert_eq!(
        sample(&q("bytes(size)"), "size=1KiB host=a"),
        Some((1024.0, r#"{host="a", job="app"}"#.into()))
    );
    assert_eq!(
        sample(&q("bytes(size)"), "size=2.5MB"),
        Some((2_500_000.0, r#"{job="app"}"#.into()))
    );
    assert_eq!(
        sample(&q("duration(took)"), "took=1m30s"),
        Some((90.0, r#"{job="app"}"#.into()))
    );
    assert_eq!(
        sample(&q("duration_seconds(took)"), "took=250ms"),
        Some((0.25, r#"{job="app"}"#.into()))
    );
    // A missing or empty label gives no sample.
    assert_eq!(sample(&q("latency"), "host=a"), None);
    assert_eq!(sample(&q("latency"), "latency= host=a"), None);
}

#[test]
fn conversion_errors_mark_the_sample() {
    let q = r#"sum_over_time({job="app"} | logfmt | unwrap latency [5m])"#;
    let (v, labels) = sample(q, "latency=fast host=a").unwrap();
    assert_eq!(v, 0.0);
    assert_eq!(
        labels,
        r#"{__error__="SampleExtractionErr", __error_details__="strconv.ParseFloat: parsing \"fast\": invalid syntax", host="a", job="app", latency="fast"}"#
    );
    let labels = Labels::from_pairs([("__error__", "SampleExtractionErr"), ("job", "app")]);
    let msg = pipeline_error(&labels).unwrap();
    assert!(msg.starts_with(r#"pipeline error: 'SampleExtractionErr' for series: '{__error__="SampleExtractionErr", job="app"}'."#));
    assert_eq!(pipeline_error(&Labels::from_pairs([("job", "app")])), None);
    // A post filter drops them.
    assert_eq!(
        sample(
            r#"sum_over_time({job="app"} | logfmt | unwrap latency | __error__="" [5m])"#,
            "latency=fast"
        ),
        None
    );
    assert_eq!(
        sample(
            r#"sum_over_time({job="app"} | logfmt | unwrap latency | latency > 1 [5m])"#,
            "latency=0.5"
        ),
        None
    );
    assert_eq!(
        sample(r#"sum_over_time({job="app"} | logfmt | unwrap duration(took) [5m])"#, "took=10").map(|s| s.1),
        Some(
            r#"{__error__="SampleExtractionErr", __error_details__="time: missing unit in duration \"10\"", job="app", took="10"}"#
                .into()
        )
    );
}

#[test]
fn grouping_of_unwrapped_series() {
    let line = "latency=2 host=a path=/x";
    let q = |g: &str| format!(r#"max_over_time({{job="app"}} | logfmt | unwrap latency [5m]){g}"#);
    assert_eq!(
        sample(&q(""), line).unwrap().1,
        r#"{host="a", job="app", path="/x"}"#
    );
    assert_eq!(sample(&q(" by (host)"), line).unwrap().1, r#"{host="a"}"#);
    assert_eq!(sample(&q(" by ()"), line).unwrap().1, "{}");
    assert_eq!(
        sample(&q(" without (path)"), line).unwrap().1,
        r#"{host="a", job="app"}"#
    );
    assert!(
        sample(&q(" by (host)"), "latency=x host=a")
            .unwrap()
            .1
            .contains("__error__")
    );
}

#[test]
fn selectors_and_hints_for_the_host() {
    let e = parse(
        r#"sum(rate({job="postfix"} |= "reject" |~ "5\\d\\d" |~ "x|y" != "test" | line_format "{{.x}}" |= "after" [5m])) / sum(rate({job="dovecot"} |= "a" or "b" [5m]))"#,
    )
    .unwrap();
    let sels = e.selectors();
    assert_eq!(sels.len(), 2);
    assert_eq!(
        sels[0].required_substrings(),
        vec![vec!["reject".to_string()]]
    );
    assert_eq!(
        sels[1].required_substrings(),
        vec![vec!["a".to_string(), "b".to_string()]]
    );
    assert!(sels[0].has_filter());
    let m = watchpost_logql::StreamMatcher::new(&sels[0].matchers).unwrap();
    assert!(m.matches(&Labels::from_pairs([("job", "postfix"), ("host", "mx1")])));
    assert!(!m.matches(&Labels::from_pairs([("job", "dovecot")])));
}
