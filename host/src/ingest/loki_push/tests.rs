//! Loki push decoding and storing: both JSON formats, protobuf with
//! snappy, bad input, partial refusals.

use super::*;
use crate::storage::logs::{Direction, LogSearch, LogStoreConfig};
use crate::storage::metrics::matcher::Matcher;
use std::ops::ControlFlow;

fn now_ns() -> i64 {
    crate::util::now_ms() * 1_000_000
}

fn store() -> (tempfile::TempDir, LogStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LogStore::open(LogStoreConfig::new(dir.path().to_path_buf())).unwrap();
    (dir, store)
}

fn lines(store: &LogStore, job: &str) -> Vec<LogEntry> {
    let mut out = Vec::new();
    let q = LogSearch {
        matchers: vec![Matcher::equal("job", job)],
        start_ns: 0,
        end_ns: i64::MAX / 2,
        contains: vec![],
        direction: Direction::Forward,
    };
    store
        .search(&q, &mut |e| {
            out.push(e);
            ControlFlow::Continue(())
        })
        .unwrap();
    out
}

#[test]
fn json_values_with_structured_metadata_are_stored_under_the_job() {
    let t = now_ns();
    let body = format!(
        r#"{{"streams":[{{"stream":{{"job":"Email Service","host":"web1"}},
            "values":[["{t}","GET /health 200"],["{}","POST /send 500",{{"trace_id":"abc"}}]]}}]}}"#,
        t + 1
    );
    let streams = decode_json(body.as_bytes()).unwrap();
    assert_eq!(streams[0].labels.len(), 2);
    let (_d, s) = store();
    let r = super::store(&s, streams);
    assert_eq!((r.status, r.body.as_str()), (204, ""));
    let got = lines(&s, "Email Service");
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].line, "GET /health 200");
    assert_eq!(&*got[0].index, "email-service", "index named after the job");
    assert_eq!(
        got[1].fields,
        vec![("trace_id".to_string(), FieldValue::Text("abc".into()))]
    );
}

#[test]
fn the_legacy_json_format_and_label_strings_are_understood() {
    let body = r#"{"streams":[{"labels":"{job=\"celery\", queue=\"a \\\"b\\\"\"}",
        "entries":[{"ts":"2026-11-25T10:00:01.5+01:00","line":"task received"}]}]}"#;
    let streams = decode_json(body.as_bytes()).unwrap();
    assert_eq!(
        streams[0].labels,
        vec![
            ("job".to_string(), "celery".to_string()),
            ("queue".to_string(), "a \"b\"".to_string())
        ]
    );
    assert_eq!(streams[0].entries[0].0, 1_795_597_201_500_000_000);
}

#[test]
fn protobuf_pushes_decode_and_survive_invalid_utf8() {
    let t = now_ns();
    let request = PushRequest {
        streams: vec![StreamAdapter {
            labels: br#"{job="postfix", program="smtpd"}"#.to_vec(),
            entries: vec![EntryAdapter {
                timestamp: Some(Timestamp {
                    seconds: t / 1_000_000_000,
                    nanos: (t % 1_000_000_000) as i32,
                }),
                line: b"connect from localhost\xff".to_vec(),
                structured_metadata: vec![LabelPair {
                    name: b"queue_id".to_vec(),
                    value: b"4F2A".to_vec(),
                }],
            }],
        }],
    };
    let body = snap::raw::Encoder::new()
        .compress_vec(&request.encode_to_vec())
        .unwrap();
    let streams = decode_protobuf(&body).unwrap();
    assert_eq!(streams[0].entries[0].0, t);
    assert_eq!(streams[0].entries[0].1, "connect from localhost\u{fffd}");
    let (_d, s) = store();
    assert_eq!(super::store(&s, streams).status, 204);
    assert_eq!(&*lines(&s, "postfix")[0].index, "postfix");
}

#[test]
fn bad_pushes_are_refused_with_a_reason() {
    let cases: [(&[u8], &str); 6] = [
        (b"not json", "invalid JSON"),
        (br#"{"nope":1}"#, "\"streams\" array"),
        (br#"{"streams":[{"values":[]}]}"#, "no \"stream\" object"),
        (
            br#"{"streams":[{"stream":{"a":1},"values":[]}]}"#,
            "is not a string",
        ),
        (
            br#"{"streams":[{"stream":{"a":"b"},"values":[[1,"x"]]}]}"#,
            "string of nanoseconds",
        ),
        (
            br#"{"streams":[{"labels":"job=x","entries":[]}]}"#,
            "not in braces",
        ),
    ];
    for (body, want) in cases {
        let err = decode_json(body).unwrap_err();
        assert_eq!(err.status, 400);
        assert!(
            err.body.contains(want),
            "{:?}: {}",
            String::from_utf8_lossy(body),
            err.body
        );
    }
    assert_eq!(decode_protobuf(b"\x00garbage").unwrap_err().status, 400);
}

#[test]
fn some_entries_refused_the_rest_stored() {
    let t = now_ns();
    let old = t - 40 * 86_400 * 1_000_000_000;
    let body = format!(
        r#"{{"streams":[{{"stream":{{"job":"app"}},"values":[["{t}","ok"],["{old}","ancient"]]}},
            {{"stream":{{"bad-name":"x"}},"values":[["{t}","lost"]]}}]}}"#
    );
    let (_d, s) = store();
    let r = super::store(&s, decode_json(body.as_bytes()).unwrap());
    assert_eq!(r.status, 400);
    assert!(r.body.starts_with("1 of 2 entries stored"), "{}", r.body);
    assert!(r.body.contains("too old"), "{}", r.body);
    assert!(r.body.contains("invalid label name"), "{}", r.body);
    assert_eq!(lines(&s, "app").len(), 1);
}

#[test]
fn index_names_come_from_job_service_name_or_app() {
    let l = |pairs: &[(&str, &str)]| Labels::stream(pairs.iter().copied()).unwrap();
    assert_eq!(
        &*index_for(&l(&[("job", "varlogs/Syslog")])),
        "varlogs-syslog"
    );
    assert_eq!(&*index_for(&l(&[("service_name", "api")])), "api");
    assert_eq!(&*index_for(&l(&[("app", "__x")])), "x");
    assert_eq!(&*index_for(&l(&[("host", "h")])), "default");
    assert_eq!(&*index_for(&l(&[("job", "---")])), "default");
}
