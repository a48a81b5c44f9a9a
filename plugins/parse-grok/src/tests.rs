//! Unit tests: logstash-patterns-core's own spec lines (httpd, syslog) with
//! their expected captures, the whole stock library compiling, the grok
//! syntax and its translations, config errors, hostile input, and a batch
//! through the SDK's encoder.

use super::*;
use watchpost_sdk::parser::{line_batch, parse_batch, resolve};
use watchpost_sdk::testing::{TestHost, parser_from_json, source_meta};

const NS: i64 = 1_000_000_000;

fn meta() -> SourceMeta {
    source_meta("web", "/var/log/apache2/access.log")
}

fn grok(config: serde_json::Value) -> GrokParser {
    // 2026-11-25T11:00:01Z, for year-less syslog times.
    TestHost::new().now_ms(1_795_604_401_000).install();
    parser_from_json(config).unwrap()
}

fn config_error(config: serde_json::Value) -> String {
    parser_from_json::<GrokParser>(config)
        .err()
        .expect("config accepted")
}

fn texts<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<(Cow<'a, str>, Value<'a>)> {
    pairs
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), Value::from(*v)))
        .collect()
}

#[test]
fn combined_apache_log() {
    let mut p = grok(serde_json::json!({"match": "%{COMBINEDAPACHELOG}"}));
    let line = r#"83.149.9.216 - - [24/Feb/2015:23:13:42 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36""#;
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(1_424_819_622 * NS));
    assert_eq!((r.severity, r.message.as_ref()), (Severity::Unknown, line));
    assert_eq!(
        r.fields,
        texts(&[
            ("clientip", "83.149.9.216"),
            ("ident", "-"),
            ("auth", "-"),
            ("verb", "GET"),
            (
                "request",
                "/presentations/logstash-monitorama-2013/images/kibana-search.png"
            ),
            ("httpversion", "1.1"),
            ("response", "200"),
            ("bytes", "203023"),
            (
                "referrer",
                "\"http://semicomplete.com/presentations/logstash-monitorama-2013/\""
            ),
            (
                "agent",
                "\"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36\""
            ),
        ])
    );
    // An e-mail address as the user; a `-` status is no field at all.
    let line = r#"10.0.0.1 - username@example.com [07/Apr/2016:18:42:24 +0000] "GET /bar/foo/users/1/username%40example.com/authenticate?token=blargh&client_id=15 HTTP/1.1" 400 75 "" "Mozilla/5.0""#;
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(1_460_054_544 * NS));
    assert_eq!(r.fields[2], texts(&[("auth", "username@example.com")])[0]);
    let line = r#"83.149.9.216 - a.user [11/Jan/2020:23:05:27 +0100] "OPTIONS /remote.php/ HTTP/1.1" - 7908 "-" "monitoring-client (v2.2)""#;
    let r = p.parse(line, &meta()).unwrap();
    let names: Vec<_> = r.fields.iter().map(|(n, _)| n.as_ref()).collect();
    assert_eq!(
        names,
        [
            "clientip",
            "ident",
            "auth",
            "verb",
            "request",
            "httpversion",
            "bytes",
            "referrer",
            "agent"
        ]
    );
}

#[test]
fn typed_captures() {
    let mut p = grok(serde_json::json!({
        "match": r#"%{IPORHOST:client} "%{WORD:verb} %{URIPATHPARAM:path}" %{INT:status:int} %{NUMBER:took:float} %{NUMBER:size:int}"#,
        "labels": ["verb"],
    }));
    let r = p
        .parse(
            r#"192.168.1.255 "POST /api/orders?id=7" 201 0.125 12.7"#,
            &meta(),
        )
        .unwrap();
    assert_eq!(r.labels, [("verb".into(), "POST".into())]);
    assert_eq!(
        r.fields,
        [
            ("client".into(), Value::from("192.168.1.255")),
            ("path".into(), Value::from("/api/orders?id=7")),
            ("status".into(), Value::Integer(201)),
            ("took".into(), Value::Float(0.125)),
            ("size".into(), Value::Integer(12)),
        ]
    );
}

#[test]
fn httpd_error_logs() {
    let mut p = grok(serde_json::json!({"match": "%{HTTPD_ERRORLOG}"}));
    let line = "[Mon Aug 31 09:30:48.958285 2015] [proxy_fcgi:error] [pid 28787:tid 140169587934976] (70008)Partial results are valid but processing is incomplete: [client 58.13.45.166:59307] AH01075: Error dispatching request to : (reading input brigade), referer: http://example.com/index.php?id_product=11&controller=product";
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(1_441_013_448 * NS + 958_285_000));
    assert_eq!(r.severity, Severity::Error);
    assert_eq!(
        r.message,
        "Error dispatching request to : (reading input brigade), referer: http://example.com/index.php?id_product=11&controller=product"
    );
    assert_eq!(
        r.fields,
        texts(&[
            ("module", "proxy_fcgi"),
            ("pid", "28787"),
            ("tid", "140169587934976"),
            ("proxy_errorcode", "70008"),
            (
                "proxy_message",
                "Partial results are valid but processing is incomplete"
            ),
            ("clientip", "58.13.45.166"),
            ("clientport", "59307"),
            ("errorcode", "AH01075"),
        ])
    );
    // httpd 2.2: the first alternative.
    let line = "[Mon Aug 31 16:27:04 2015] [error] [client 10.17.42.3] Premature end of script headers: example.com";
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!(
        (r.timestamp_ns, r.severity),
        (Some(1_441_038_424 * NS), Severity::Error)
    );
    assert_eq!(r.message, "Premature end of script headers: example.com");
    assert_eq!(r.fields, texts(&[("clientip", "10.17.42.3")]));
    // Logstash's own "matches imperfectly" debug line.
    let line = "[Fri Feb 01 22:03:08.319124 2019] [authz_core:debug] [pid 9:tid 140597881775872] mod_authz_core.c(820): [client 172.17.0.1:50752] AH01626: authorization result of <RequireAny>: granted";
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!(r.severity, Severity::Debug);
    assert_eq!(
        r.fields[3],
        texts(&[("errorcode", "mod_authz_core.c(820)")])[0]
    );
    assert_eq!(
        r.message,
        "[client 172.17.0.1:50752] AH01626: authorization result of <RequireAny>: granted"
    );
}

#[test]
fn syslog_lines() {
    let mut p = grok(serde_json::json!({"match": ["%{SYSLOG5424LINE}", "%{SYSLOGLINE}"]}));
    let line =
        "Mar 16 00:01:25 evita postfix/smtpd[1713]: connect from camomile.cloud9.net[168.100.1.3]";
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(1_773_619_285 * NS));
    assert_eq!(r.message, "connect from camomile.cloud9.net[168.100.1.3]");
    assert_eq!(
        r.labels,
        [
            ("logsource".into(), "evita".into()),
            ("program".into(), "postfix/smtpd".into())
        ]
    );
    assert_eq!(r.fields, texts(&[("pid", "1713")]));

    let line = "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\"] An application event";
    let r = p.parse(line, &meta()).unwrap();
    assert_eq!(r.timestamp_ns, Some(1_065_910_455 * NS + 3_000_000));
    assert_eq!(r.message, "An application event");
    assert_eq!(
        r.fields,
        [
            ("syslog5424_pri".into(), Value::Integer(165)),
            ("syslog5424_ver".into(), Value::Integer(1)),
            (
                "syslog5424_host".into(),
                Value::from("mymachine.example.com")
            ),
            ("syslog5424_app".into(), Value::from("evntslog")),
            ("syslog5424_msgid".into(), Value::from("ID47")),
            (
                "syslog5424_sd".into(),
                Value::from("[exampleSDID@32473 iut=\"3\"]")
            ),
        ]
    );
}

#[test]
fn every_stock_pattern_compiles() {
    let library = Library::new(&BTreeMap::new()).unwrap();
    let mut count = 0;
    for name in library.names() {
        let expanded = library.expand(&format!("%{{{name}}}")).unwrap();
        if let Err(e) = Regex::new(&expanded.regex) {
            panic!("{name}: {}", regex_error(&e));
        }
        count += 1;
    }
    assert!(count >= 89, "{count} patterns");
}

#[test]
fn stock_patterns_match_what_logstash_matches() {
    let library = Library::new(&BTreeMap::new()).unwrap();
    let whole = |name: &str, text: &str| {
        let expanded = library.expand(&format!("^%{{{name}}}$")).unwrap();
        Regex::new(&expanded.regex).unwrap().is_match(text)
    };
    for (name, text) in [
        ("IPV4", "192.168.1.255"),
        ("IPV6", "2001:db8::ff00:42:8329"),
        ("IPORHOST", "example.org"),
        ("HOSTPORT", "10.0.0.1:8080"),
        ("UUID", "123e4567-e89b-12d3-a456-426614174000"),
        ("MAC", "00:1A:2b:3c:4D:5e"),
        ("QUOTEDSTRING", r#""say \"hi\"""#),
        ("QUOTEDSTRING", "''"),
        ("NUMBER", "-12.5"),
        ("TIMESTAMP_ISO8601", "2026-11-25T10:00:01.123+01:00"),
        ("HTTPDATE", "04/Mai/2015:13:17:15 +0200"),
        ("HTTPDATE", "04/March/2015:13:17:15 +0200"),
        ("SYSLOGTIMESTAMP", "Nov  5 10:00:01"),
        ("DATESTAMP", "11/25/2026 10:00:01"),
        ("LOGLEVEL", "WARNING"),
        ("URI", "https://user@example.com:8443/a/b?c=d&e"),
        ("UNIXPATH", "/var/log/app.log"),
        ("WINPATH", r"C:\Windows\System32"),
        ("EMAILADDRESS", "a.b+c@example.com"),
        ("YEAR", "2026"),
    ] {
        assert!(whole(name, text), "{name} should match {text:?}");
    }
    for (name, text) in [
        ("HTTPDATE", "04/Map/2015:13:17:15 +0200"),
        ("IPV4", "256.1.1.1"),
        ("POSINT", "0"),
        ("WORD", "a-b"),
    ] {
        assert!(!whole(name, text), "{name} should not match {text:?}");
    }
}

#[test]
fn definitions_duplicates_and_oniguruma_syntax() {
    let mut p = grok(serde_json::json!({
        "match": [
            "^%{NEVER}$",
            r"%{APPID:[app][id]} (?<user>\w++) (?>%{IP:ip}|-) %{IP:ip}",
        ],
        "pattern_definitions": {"APPID": "[a-z]+-[0-9]+", "NEVER": "x{3}"},
    }));
    let r = p.parse("shop-42 bob - 10.0.0.2", &meta()).unwrap();
    assert_eq!(
        r.fields,
        texts(&[("app_id", "shop-42"), ("user", "bob"), ("ip", "10.0.0.2")])
    );
    let r = p.parse("shop-42 bob 10.0.0.1 10.0.0.2", &meta()).unwrap();
    assert_eq!(
        r.fields[2],
        texts(&[("ip", "10.0.0.1")])[0],
        "the first capture of a name wins"
    );
    assert_eq!(
        p.parse("nothing", &meta()).unwrap_err(),
        "line matches none of the 2 grok patterns"
    );
    // Empty captures only with keep_empty_captures.
    let line = "a= b=1";
    let pattern = "a=%{DATA:a} b=%{INT:b}";
    let r = grok(serde_json::json!({"match": pattern}))
        .parse(line, &meta())
        .unwrap();
    assert_eq!(r.fields, texts(&[("b", "1")]));
    let r = grok(serde_json::json!({"match": pattern, "keep_empty_captures": true}))
        .parse(line, &meta())
        .unwrap();
    assert_eq!(r.fields, texts(&[("a", ""), ("b", "1")]));
}

#[test]
fn config_errors_name_the_problem() {
    let cases = [
        (serde_json::json!({}), "match is required"),
        (
            serde_json::json!({"match": 3}),
            "a grok pattern or a list of grok patterns",
        ),
        (
            serde_json::json!({"match": "%{NOPE:x}"}),
            "match \"%{NOPE:x}\": unknown grok pattern %{NOPE}",
        ),
        (
            serde_json::json!({"match": "%{ip:x}"}),
            "unknown grok pattern %{ip}; did you mean %{IP}?",
        ),
        (
            serde_json::json!({"match": "%{A}", "pattern_definitions": {"A": "%{B}", "B": "x%{A}"}}),
            "pattern cycle: A -> B -> A",
        ),
        (
            serde_json::json!({"match": "%{A}", "pattern_definitions": {"A": "%{MISSING}"}}),
            "unknown grok pattern %{MISSING} (used by A)",
        ),
        (
            serde_json::json!({"match": "%{INT:n:long}"}),
            "unknown type \"long\" (grok converts to int or float)",
        ),
        (
            serde_json::json!({"match": "(?<=a)%{WORD:w}"}),
            "look-around `(?<=...)` is not supported",
        ),
        (
            serde_json::json!({"match": "%{WORD:w=\\w+}"}),
            "inline definitions are not supported",
        ),
        (
            serde_json::json!({"match": "%{WORD:w"}),
            "unclosed %{ in the pattern",
        ),
        (
            serde_json::json!({"match": "%{WORD:w} (unclosed"}),
            "does not compile: unclosed group",
        ),
        (
            serde_json::json!({"match": "x", "pattern_definitions": {"MY-ID": "y"}}),
            "pattern_definitions: invalid name \"MY-ID\"",
        ),
        (
            serde_json::json!({"match": "x", "timezone": "Europe/Berlin"}),
            "Europe/Berlin",
        ),
        (
            serde_json::json!({"match": "x", "patterns": ["y"]}),
            "unknown field `patterns`",
        ),
    ];
    for (config, expected) in cases {
        let error = config_error(config.clone());
        assert!(error.contains(expected), "{config}: {error}");
    }
}

#[test]
fn junk_is_an_error_never_a_panic() {
    let mut p = grok(serde_json::json!({"match": "%{LOGLEVEL:level}: %{GREEDYDATA:message}"}));
    for line in ["", "no level", "\u{FFFD}\u{FFFD}"] {
        assert_eq!(
            p.parse(line, &meta()).unwrap_err(),
            "line does not match the grok pattern"
        );
    }
    let long = format!("ERROR: {}\u{FFFD}", "x".repeat(10_000));
    let r = p.parse(&long, &meta()).unwrap();
    assert_eq!((r.severity, r.message.len()), (Severity::Error, 10_003));
    // An unknown level spelling stays a field.
    let mut p = grok(serde_json::json!({"match": "%{WORD:level}: %{GREEDYDATA:message}"}));
    let r = p.parse("chatty: hi", &meta()).unwrap();
    assert_eq!(r.fields, texts(&[("level", "chatty")]));
}

#[test]
fn a_batch_through_the_encoder() {
    let mut p = grok(serde_json::json!({"match": "%{SYSLOGLINE}"}));
    let lines = ["Nov 25 10:00:01 web1 sshd[7]: Accepted publickey", "junk"];
    let batch = line_batch(meta(), &lines);
    let out = parse_batch(&mut p, &batch);
    assert_eq!(
        resolve(&batch.text, &out, out.records[0].message),
        "Accepted publickey"
    );
    // Names once per batch, values as offsets, and the error.
    assert_eq!(
        out.arena,
        "pidlogsourceprogramline does not match the grok pattern"
    );
}

#[test]
fn never_panics_on_random_input() {
    let mut p = grok(
        serde_json::json!({"match": ["%{SYSLOGLINE}", "%{COMBINEDAPACHELOG}", "%{HTTPD_ERRORLOG}"]}),
    );
    let lines = watchpost_sdk::testing::random_lines(
        &[
            "Nov",
            " ",
            "25",
            "10:00:01",
            "web1",
            "sshd[7]:",
            "83.149.9.216",
            "-",
            "[",
            "]",
            "24/Feb/2015:23:13:42 +0000",
            "\"GET / HTTP/1.1\"",
            "200",
            "\"",
            "é",
            "\u{FFFD}",
            "[Mon Aug 31 16:27:04 2015]",
            "[error]",
            "::1",
            "2001:db8::1%eth0",
        ],
        20_000,
    );
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let batch = line_batch(meta(), &lines);
    let out = parse_batch(&mut p, &batch);
    assert_eq!(out.records.len(), lines.len());
}
