//! Loading: defaults, global values, redaction, `${VAR}`, file paths.

use super::*;
use crate::Secret;

const STACK: &str = r#"
global:
  smtp_smarthost: 'smtp.example.org:587'
  smtp_from: 'am@example.org'
  smtp_auth_username: am
  smtp_auth_password: 'smtp-pw'
  slack_api_url: 'https://hooks.slack.com/services/T/B/SECRETPATH'
  opsgenie_api_key: 'og-key'
  http_config:
    basic_auth: {username: u, password: 'http-pw'}
route:
  receiver: default
  routes:
    - {matchers: [severity=critical], receiver: critical-ops}
receivers:
  - name: default
    slack_configs: [{channel: '#alerts'}]
  - name: critical-ops
    pagerduty_configs: [{service_key: 'pd-key', client: 'Watchpost'}]
    opsgenie_configs: [{api_url: 'https://api.eu.opsgenie.com/v2'}]
    email_configs: [{to: 'ops@example.org'}]
    webhook_configs: [{url: 'http://hook.internal/x'}]
    telegram_configs: [{bot_token: 'tg-token', chat_id: 7}]
"#;

fn load(text: &str) -> Config {
    Config::load(text).unwrap_or_else(|e| panic!("{e}"))
}

fn err(text: &str) -> String {
    Config::load(text).unwrap_err().message()
}

#[test]
fn global_values_fill_receivers() {
    let c = load(STACK);
    let ops = c.receiver("critical-ops").unwrap();
    let email = &ops.email_configs[0];
    assert_eq!(email.smarthost.to_string(), "smtp.example.org:587");
    assert_eq!(email.from, "am@example.org");
    assert_eq!(email.hello, "localhost");
    assert_eq!(email.auth_username, "am");
    assert_eq!(email.auth_password.expose(), "smtp-pw");
    assert_eq!(email.require_tls, Some(true));
    assert!(!email.send_resolved);
    let h = email.effective_headers();
    assert_eq!(h["Subject"], r#"{{ template "email.default.subject" . }}"#);
    assert_eq!(h["To"], "ops@example.org");

    let pd = &ops.pagerduty_configs[0];
    assert!(pd.send_resolved);
    assert_eq!(
        pd.url.as_ref().unwrap().to_string(),
        "https://events.pagerduty.com/v2/enqueue"
    );
    assert_eq!(pd.source, "Watchpost");
    assert_eq!(
        pd.description,
        r#"{{ template "pagerduty.default.description" .}}"#
    );
    assert_eq!(
        pd.client_url,
        r#"{{ template "pagerduty.default.clientURL" . }}"#
    );
    assert_eq!(pd.details["num_firing"], "{{ .Alerts.Firing | len }}");
    assert_eq!(pd.service_key().unwrap().unwrap().expose(), "pd-key");
    assert_eq!(
        pd.http_config
            .as_ref()
            .unwrap()
            .basic_auth
            .as_ref()
            .unwrap()
            .username,
        "u"
    );

    let og = &ops.opsgenie_configs[0];
    assert_eq!(
        og.api_url.as_ref().unwrap().to_string(),
        "https://api.eu.opsgenie.com/v2/"
    );
    assert_eq!(og.api_key.expose(), "og-key");
    assert_eq!(og.message, r#"{{ template "opsgenie.default.message" . }}"#);

    let slack = &c.receiver("default").unwrap().slack_configs[0];
    assert!(!slack.send_resolved);
    assert!(
        slack
            .webhook_url()
            .unwrap()
            .unwrap()
            .to_string()
            .ends_with("SECRETPATH")
    );
    assert_eq!(slack.title, r#"{{ template "slack.default.title" . }}"#);

    let tg = &ops.telegram_configs[0];
    assert_eq!(
        tg.api_url.as_ref().unwrap().to_string(),
        "https://api.telegram.org"
    );
    assert_eq!(tg.parse_mode, "HTML");
    assert!(ops.webhook_configs[0].send_resolved);
    assert!(ops.webhook_configs[0].http_config.is_some());
}

#[test]
fn route_defaults() {
    let c = load("route: {receiver: a}\nreceivers: [{name: a}]");
    let t = c.routing_tree();
    assert_eq!(t.opts.group_wait, std::time::Duration::from_secs(30));
    assert_eq!(t.opts.group_interval, std::time::Duration::from_secs(300));
    assert_eq!(
        t.opts.repeat_interval,
        std::time::Duration::from_secs(4 * 3600)
    );
    assert_eq!(c.global.resolve_timeout.to_string(), "5m");
    assert_eq!(
        c.global.opsgenie_api_url.as_ref().unwrap().to_string(),
        "https://api.opsgenie.com/"
    );
    assert!(c.global.smtp_require_tls);
}

#[test]
fn secrets_are_redacted() {
    let c = load(STACK);
    let yaml = c.to_yaml_redacted();
    let debug = format!("{c:?}");
    for secret in [
        "smtp-pw",
        "SECRETPATH",
        "og-key",
        "http-pw",
        "pd-key",
        "tg-token",
    ] {
        assert!(!yaml.contains(secret), "{secret} in {yaml}");
        assert!(!debug.contains(secret), "{secret} in Debug");
    }
    assert!(yaml.contains("<secret>"));
    assert!(yaml.contains("send_resolved: true"));
    // The rendering loads again, secrets now being the `<secret>` token.
    let again = load(&yaml);
    assert_eq!(again.receivers.len(), 2);
    assert_eq!(again.global.smtp_auth_password, Secret::new("<secret>"));
    assert!(c.original().contains("smtp-pw"));
}

#[test]
fn env_interpolation() {
    let text = "route: {receiver: a}\nreceivers:\n  - name: a\n    pagerduty_configs: [{routing_key: '${PD_KEY}', description: 'cost $$5 $${NOT}'}]";
    let env = |n: &str| (n == "PD_KEY").then(|| "s3cr3t: {not yaml}".to_string());
    let c = Config::load_with_env(text, &env).unwrap();
    let pd = &c.receivers[0].pagerduty_configs[0];
    assert_eq!(pd.routing_key.expose(), "s3cr3t: {not yaml}");
    assert_eq!(pd.description, "cost $$5 ${NOT}");
    // Without interpolation the reference stays as written.
    assert_eq!(
        Config::load(text).unwrap().receivers[0].pagerduty_configs[0]
            .routing_key
            .expose(),
        "${PD_KEY}"
    );
    let e = Config::load_with_env(text, &|_| None).unwrap_err();
    assert!(
        matches!(e, Error::Env(crate::EnvError::Unset { ref name }) if name == "PD_KEY"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "environment variable PD_KEY is not set (referenced as ${PD_KEY})"
    );
    // Keys are not interpolated.
    let text = "route: {receiver: a, routes: [{receiver: a, match: {'${K}': '${V}'}}]}\nreceivers: [{name: a}]";
    assert_eq!(err_env(text), r#"invalid label name "${K}""#);
}

fn err_env(text: &str) -> String {
    Config::load_with_env(text, &|n| Some(format!("v-{n}")))
        .unwrap_err()
        .message()
}

#[test]
fn errors_do_not_echo_secret_urls() {
    let text = "route: {receiver: a}\nreceivers: [{name: a, slack_configs: [{api_url: 'https://hooks/T/B/TOKEN%zz'}]}]";
    let e = Config::load(text).unwrap_err().to_string();
    assert!(!e.contains("TOKEN"), "{e}");
}

#[test]
fn validation_has_location() {
    let e = Config::load(
        "route: {receiver: a}\nreceivers:\n  - name: a\n    pagerduty_configs:\n      - {}\n",
    )
    .unwrap_err();
    match e {
        Error::Invalid { message, location } => {
            assert_eq!(
                message,
                "missing service or routing key in PagerDuty config"
            );
            assert!(location.is_some_and(|l| l.line == 5), "{location:?}");
        }
        other => panic!("{other:?}"),
    }
    let e = Config::load("route: {receiver: a, foo: 1}\nreceivers: [{name: a}]").unwrap_err();
    assert!(
        matches!(&e, Error::Yaml { message } if message.contains("unknown field `foo`")),
        "{e:?}"
    );
}

#[test]
fn check_order_follows_alertmanager() {
    // Receiver checks come before route checks, and `continue` last.
    assert_eq!(
        err(
            "route: {receiver: x, continue: true}\nreceivers: [{name: a, pagerduty_configs: [{severity: x}]}]"
        ),
        "missing service or routing key in PagerDuty config"
    );
    assert_eq!(
        err("route: {receiver: x, continue: true}\nreceivers: [{name: a}]"),
        "undefined receiver \"x\" used in route"
    );
    assert_eq!(
        err("route: {receiver: a, continue: true}\nreceivers: [{name: a}]"),
        "cannot have continue in root route"
    );
    assert_eq!(err(""), "no route provided in config");
    assert_eq!(err("{}"), "no routes provided");
}

#[test]
fn load_file_joins_relative_paths() {
    let dir = std::env::temp_dir().join(format!("amconfig-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("am.yml");
    std::fs::write(
        &path,
        "templates: ['t/*.tmpl', '/abs/x.tmpl']\nroute: {receiver: a}\nreceivers:\n  - name: a\n    webhook_configs: [{url: 'http://x/y', http_config: {tls_config: {ca_file: ca.pem}}}]\n    opsgenie_configs: [{api_key_file: key}]\n",
    )
    .unwrap();
    let c = Config::load_file(&path).unwrap();
    assert_eq!(c.templates[0], dir.join("t/*.tmpl").to_string_lossy());
    assert_eq!(c.templates[1], "/abs/x.tmpl");
    let wh = &c.receivers[0].webhook_configs[0];
    assert_eq!(
        wh.http_config.as_ref().unwrap().tls_config.ca_file.path(),
        dir.join("ca.pem").to_string_lossy()
    );
    // Receiver `*_file` secrets are kept as written, as in Alertmanager.
    assert_eq!(
        c.receivers[0].opsgenie_configs[0].api_key_file.path(),
        "key"
    );
    assert!(matches!(
        Config::load_file(dir.join("missing.yml")),
        Err(Error::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn time_interval_lookup() {
    let c = load(
        "route: {receiver: a}\nreceivers: [{name: a}]\nmute_time_intervals: [{name: old, time_intervals: [{}]}]\ntime_intervals: [{name: new, time_intervals: []}]",
    );
    assert_eq!(c.time_interval("old").map(<[_]>::len), Some(1));
    assert_eq!(c.time_interval("new").map(<[_]>::len), Some(0));
    assert!(c.time_interval("none").is_none());
}
