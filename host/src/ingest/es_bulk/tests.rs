//! Bulk decoding, document mapping and storing: index names, timestamps,
//! labels and fields, junk lines, invalid UTF-8, huge documents.

use super::*;
use crate::storage::logs::{Direction, FieldValue, LogEntry, LogSearch, LogStore, LogStoreConfig};
use crate::storage::metrics::matcher::Matcher;
use std::ops::ControlFlow;

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

fn now_rfc3339() -> String {
    crate::util::rfc3339_ms(crate::util::now_ms())
}

#[test]
fn index_names_map_to_log_types() {
    for (es, ty) in [
        ("logs-postfix-2026.11.25", "postfix"),
        ("logs-dovecot-2026-11-25", "dovecot"),
        ("logstash-2026.11.25", "logstash"),
        ("logs-generic-default", "generic-default"),
        ("filebeat-8.11.0", "filebeat-8_11_0"),
        ("Fluent Bit", "fluent_bit"),
        ("postfix", "postfix"),
        ("-2026.11.25", "2026_11_25"),
        ("_x", "x"),
        ("", "default"),
    ] {
        assert_eq!(&*log_type(es), ty, "{es}");
    }
}

#[test]
fn timestamps_are_rfc3339_iso_or_epoch_millis() {
    let want = 1_795_597_201_500_000_000;
    for v in [
        json!("2026-11-25T09:00:01.5Z"),
        json!("2026-11-25T10:00:01.500+01:00"),
        json!("2026-11-25T09:00:01.500"),
        json!(1_795_597_201_500_i64),
        json!("1795597201500"),
    ] {
        assert_eq!(timestamp_ns(&v), Some(want), "{v}");
    }
    assert_eq!(timestamp_ns(&json!("yesterday")), None);
    assert_eq!(timestamp_ns(&json!(true)), None);
}

#[test]
fn documents_map_to_labels_line_and_typed_fields() {
    let doc = json!({
        "@timestamp": "2026-11-25T09:00:01.5Z",
        "message": "connect from unknown[10.0.0.1]",
        "host": {"name": "mx1", "ip": ["10.0.0.2"]},
        "log": {"level": "info", "offset": 1234, "file": {"path": "/var/log/mail.log"}},
        "fields": {"job": "mail"},
        "service.name": "postfix",
        "container": {"name": "smtpd"},
        "postfix.queue_id": "4F2A1",
        "took": 0.25,
        "ok": true,
        "gone": null,
    });
    let e = to_entry("postfix".into(), doc.to_string().as_bytes(), 0).unwrap();
    assert_eq!(e.ts_ns, 1_795_597_201_500_000_000);
    assert_eq!(e.line, "connect from unknown[10.0.0.1]");
    assert_eq!(
        e.stream.to_string(),
        r#"{container="smtpd", host="mx1", job="mail", level="info", service_name="postfix"}"#
    );
    let field = |n: &str| e.field(n).cloned();
    assert_eq!(field("log_offset"), Some(FieldValue::Integer(1234)));
    assert_eq!(
        field("log_file_path"),
        Some(FieldValue::Text("/var/log/mail.log".into()))
    );
    assert_eq!(
        field("host_ip"),
        Some(FieldValue::Text(r#"["10.0.0.2"]"#.into()))
    );
    assert_eq!(
        field("postfix_queue_id"),
        Some(FieldValue::Text("4F2A1".into()))
    );
    assert_eq!(field("took"), Some(FieldValue::Float(0.25)));
    assert_eq!(field("ok"), Some(FieldValue::Boolean(true)));
    for used in [
        "message",
        "host_name",
        "log_level",
        "fields_job",
        "gone",
        "_timestamp",
    ] {
        assert_eq!(field(used), None, "{used}");
    }
}

#[test]
fn the_line_falls_back_to_log_then_the_whole_document() {
    let e = to_entry(
        "app".into(),
        br#"{"log":"raw docker line\n","stream":"stdout"}"#,
        7,
    )
    .unwrap();
    assert_eq!((e.line.as_str(), e.ts_ns), ("raw docker line\n", 7));
    assert_eq!(
        e.stream.to_string(),
        r#"{job="app"}"#,
        "job defaults to the type"
    );
    let e = to_entry("app".into(), br#"{"user":"bob","n":1}"#, 7).unwrap();
    assert_eq!(e.line, r#"{"n":1,"user":"bob"}"#);
    assert_eq!(e.field("user"), Some(&FieldValue::Text("bob".into())));
}

#[test]
fn bad_documents_are_refused_with_a_reason() {
    let err = |s: &[u8]| to_entry("x".into(), s, 0).unwrap_err();
    assert!(matches!(err(b"{nope"), DocumentError::Parse(_)));
    assert!(matches!(err(b"[1,2]"), DocumentError::Parse(_)));
    assert!(matches!(
        err(b"{\"message\":\"a\xff\"}"),
        DocumentError::Parse(_)
    ));
    assert_eq!(
        err(br#"{"@timestamp":"soon"}"#).to_string(),
        r#"failed to parse field [@timestamp] of type [date]: "\"soon\"""#
    );
}

#[test]
fn junk_sources_fail_their_item_and_the_rest_is_stored() {
    let (_d, s) = store();
    let ts = now_rfc3339();
    let body = format!(
        "{{\"index\":{{\"_index\":\"logs-postfix-2026.11.25\",\"_id\":\"a1\"}}}}\n\
         {{\"@timestamp\":\"{ts}\",\"message\":\"first\"}}\n\
         {{\"create\":{{}}}}\n\
         this is not json\n\
         {{\"create\":{{\"_index\":\"logs-postfix-2026.11.25\"}}}}\n\
         {{\"message\":\"bad @@ utf8\"}}\n\
         {{\"delete\":{{\"_index\":\"logs-postfix-2026.11.25\",\"_id\":\"a1\"}}}}\n\
         {{\"update\":{{\"_index\":\"logs-postfix-2026.11.25\",\"_id\":\"a1\"}}}}\n\
         {{\"doc\":{{\"message\":\"x\"}}}}\n\
         {{\"create\":{{\"_index\":\"logs-postfix-2026.11.25\"}}}}\n\
         {{\"@timestamp\":\"{ts}\",\"message\":\"second\"}}\n"
    );
    let mut bytes = body.into_bytes();
    // Invalid UTF-8 in one source.
    let at = bytes.windows(2).position(|w| w == b"@@").unwrap();
    bytes.splice(at..at + 2, [0xff]);
    let r = handle(&s, Some("logs-postfix-2026.11.25"), &bytes).unwrap();
    assert_eq!(r["errors"], true);
    let items = r["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    assert_eq!(items[0]["index"]["status"], 201);
    assert_eq!(items[0]["index"]["_id"], "a1");
    assert_eq!(items[0]["index"]["result"], "created");
    assert_eq!(items[0]["index"]["_index"], "logs-postfix-2026.11.25");
    assert_eq!(items[1]["create"]["status"], 400);
    assert_eq!(
        items[1]["create"]["error"]["type"],
        "document_parsing_exception"
    );
    assert_eq!(
        items[1]["create"]["_index"], "logs-postfix-2026.11.25",
        "from the path"
    );
    assert_eq!(items[2]["create"]["status"], 400);
    assert_eq!(items[3]["delete"]["status"], 400);
    assert_eq!(items[4]["update"]["status"], 400);
    assert_eq!(items[5]["create"]["status"], 201);
    assert_eq!(items[5]["create"]["_id"].as_str().unwrap().len(), 20);
    let got: Vec<String> = lines(&s, "postfix").into_iter().map(|e| e.line).collect();
    assert_eq!(got, vec!["first", "second"]);
}

#[test]
fn malformed_actions_fail_the_whole_request() {
    let (_d, s) = store();
    for (body, want) in [
        (&b""[..], "request body is required"),
        (b"\n\n", "request body is required"),
        (b"{\"index\":{}}", "source line after action line [1]"),
        (
            b"{\"index\":{}}\n{}\nnot json\n",
            "line [3], expected a JSON object",
        ),
        (b"{\"upsert\":{}}\n{}\n", "found [upsert]"),
        (
            b"{\"index\":{\"_index\":[1]}}\n{}\n",
            "simple value for field [_index]",
        ),
        (b"{\"index\":\"x\"}\n{}\n", "START_OBJECT"),
    ] {
        let e = handle(&s, Some("x"), body).unwrap_err();
        assert_eq!(e.status(), 400);
        assert!(e.to_string().contains(want), "{e} / {want}");
    }
    assert!(lines(&s, "x").is_empty());
}

#[test]
fn a_missing_index_fails_the_item() {
    let (_d, s) = store();
    let r = handle(&s, None, b"{\"index\":{}}\n{\"message\":\"m\"}\n").unwrap();
    assert_eq!(r["errors"], true);
    assert_eq!(
        r["items"][0]["index"]["error"]["type"],
        "action_request_validation_exception"
    );
}

#[test]
fn a_ten_megabyte_document_is_stored_with_a_truncated_line() {
    let (_d, s) = store();
    let big = "x".repeat(10 << 20);
    let body = format!(
        "{{\"index\":{{\"_index\":\"big\"}}}}\n{{\"message\":\"{big}\",\"other\":\"{big}\"}}\n"
    );
    let r = handle(&s, None, body.as_bytes()).unwrap();
    assert_eq!(r["errors"], false, "{}", r["items"]);
    let got = lines(&s, "big");
    assert_eq!(got.len(), 1);
    assert!(got[0].line.len() < 300 << 10, "{}", got[0].line.len());
    assert!(got[0].line.ends_with(" bytes]"));
    let FieldValue::Text(other) = got[0].field("other").unwrap() else {
        panic!("text field")
    };
    assert_eq!(other.len(), MAX_FIELD_BYTES);
}

#[test]
fn refusals_by_the_store_fail_their_item() {
    let (_d, s) = store();
    let r = handle(
        &s,
        Some("old"),
        b"{\"index\":{}}\n{\"@timestamp\":\"2001-01-01T00:00:00Z\",\"message\":\"m\"}\n",
    )
    .unwrap();
    assert_eq!(r["items"][0]["index"]["status"], 400);
    let reason = r["items"][0]["index"]["error"]["reason"].as_str().unwrap();
    assert!(reason.contains("too old"), "{reason}");
}
