//! The syslog listener with a real client: util-linux `logger` sends RFC
//! 3164 over UDP and RFC 5424 over TCP with octet counting (RFC 6587); the
//! stock `syslog` parser plugin structures the messages, LogQL reads them
//! back.

mod support;

use std::process::Command;
use std::time::Duration;
use support::{Server, encode, free_port, wait_for};

fn logger(args: &[&str]) {
    let out = Command::new("logger")
        .args(args)
        .output()
        .expect("logger runs");
    assert!(
        out.status.success(),
        "logger {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn streams(server: &Server, query: &str) -> Vec<serde_json::Value> {
    let v = server.json(&format!(
        "/loki/api/v1/query_range?limit=1000&direction=forward&start=0&query={}",
        encode(query)
    ));
    v["data"]["result"].as_array().unwrap().clone()
}

#[test]
fn logger_messages_over_udp_and_tcp_are_parsed_and_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (port, syslog_port) = (free_port(), free_port());
    let manifest = dir.path().join("watchpost.toml");
    std::fs::write(
        &manifest,
        format!(
            r#"[server]
listen = "127.0.0.1:{port}"

[[plugin]]
name = "syslog"
kind = "parser"
path = "syslog"

[[source]]
name = "syslog"
type = "syslog"
listen_udp = "127.0.0.1:{syslog_port}"
listen_tcp = "127.0.0.1:{syslog_port}"
parser = "syslog"
labels = {{ job = "syslog" }}
"#
        ),
    )
    .unwrap();
    let server = Server::start(&manifest, port);
    let port_text = syslog_port.to_string();
    logger(&[
        "-n",
        "127.0.0.1",
        "-P",
        &port_text,
        "-d",
        "--rfc3164",
        "-t",
        "postfix/smtpd",
        "-p",
        "mail.warning",
        "warning: hostname mx.example does not resolve",
    ]);
    logger(&[
        "-n",
        "127.0.0.1",
        "-P",
        &port_text,
        "-T",
        "--octet-count",
        "--rfc5424",
        "-t",
        "dovecot",
        "-p",
        "mail.err",
        "--msgid",
        "ID47",
        "--sd-id",
        "auth@32473",
        "--sd-param",
        "user=\"bob\"",
        "imap-login: Disconnected (auth failed, 1 attempts)",
    ]);
    let both = wait_for(Duration::from_secs(20), || {
        streams(&server, r#"{job="syslog"}"#).len() >= 2
    });
    assert!(
        both,
        "both messages arrive: {:?}",
        streams(&server, r#"{job="syslog"}"#)
    );

    let udp = streams(
        &server,
        r#"{job="syslog", app_name="postfix/smtpd"} |= "does not resolve""#,
    );
    assert_eq!(udp.len(), 1, "{udp:?}");
    assert_eq!(udp[0]["stream"]["facility"], "mail");
    assert_eq!(udp[0]["stream"]["level"], "warning");

    let tcp = streams(
        &server,
        r#"{job="syslog", app_name="dovecot"} | msgid="ID47""#,
    );
    assert_eq!(tcp.len(), 1, "{tcp:?}");
    assert_eq!(tcp[0]["stream"]["level"], "error");
    assert_eq!(tcp[0]["stream"]["sd_auth_32473_user"], "bob", "{tcp:?}");
    let line = tcp[0]["values"][0][1].as_str().unwrap();
    assert!(
        line.ends_with("imap-login: Disconnected (auth failed, 1 attempts)"),
        "{line}"
    );
    assert_eq!(
        server.metric("watchpost_source_parse_errors_total{source=\"syslog\"}"),
        Some(0.0)
    );
}
