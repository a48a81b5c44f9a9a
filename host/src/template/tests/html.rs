//! HTML-mode execution (`html/template`'s contextual escaping): each
//! context's escaping, `{{template}}` callees escaped where they are
//! called, the merging of `html`/`urlquery`, the errors Go reports, and
//! Alertmanager's `email.default.html`. Expected strings are worked out
//! from Go's escaper tables and `escapeAction`.

use std::collections::BTreeMap;

use super::super::alertmanager::{self, Alert, Data, Kv};
use super::super::gotime::GoTime;
use super::super::{Template, Value};

const X: &str = r#"<b>&"'"#;
const X_ESCAPED: &str = "&lt;b&gt;&amp;&#34;&#39;";

fn data() -> Value {
    Value::map([
        ("x", Value::str(X)),
        ("p", Value::str("a+b")),
        ("q", Value::str("a b&c")),
        ("u", Value::str("javascript:alert(1)")),
        ("h", Value::str("http://h/p q?x=<1>&y")),
        ("e", Value::str("")),
        ("n", Value::Float(1.5)),
        ("list", Value::list([Value::str("a"), Value::str("<b>")])),
    ])
}

/// Parses `src` as template "t" with Alertmanager's functions and runs it
/// in HTML mode on [`data`].
fn html(src: &str) -> Result<String, String> {
    let mut t = Template::new("t").with_funcs(&alertmanager::functions());
    t.parse(src).map_err(|e| e.to_string())?;
    t.execute_template_html("t", &data())
        .map_err(|e| e.to_string())
}

fn ok(src: &str) -> String {
    html(src).unwrap_or_else(|e| panic!("{src}: {e}"))
}

#[test]
fn text_and_attribute_values_are_escaped() {
    assert_eq!(ok("<p>{{ .x }}</p>"), format!("<p>{X_ESCAPED}</p>"));
    assert_eq!(
        ok("<title>{{ .x }}</title>"),
        format!("<title>{X_ESCAPED}</title>")
    );
    assert_eq!(
        ok(r#"<p title="{{ .x }}">"#),
        format!(r#"<p title="{X_ESCAPED}">"#)
    );
    assert_eq!(
        ok("<p title='{{ .x }}'>"),
        format!("<p title='{X_ESCAPED}'>")
    );
    assert_eq!(ok("<p title={{ .q }}>"), "<p title=a&#32;b&amp;c>");
    assert_eq!(ok("<p title={{ .e }}>"), "<p title=>");
    assert_eq!(
        ok("{{ .p }} {{ .n }} {{ .list }}"),
        "a&#43;b 1.5 [a &lt;b&gt;]"
    );
}

#[test]
fn url_attributes_are_filtered_normalized_or_query_escaped() {
    assert_eq!(
        ok(r#"<a href="{{ .h }}">"#),
        r#"<a href="http://h/p%20q?x=%3c1%3e&amp;y">"#
    );
    assert_eq!(ok(r#"<a href="{{ .u }}">"#), r##"<a href="#ZgotmplZ">"##);
    assert_eq!(ok(r#"<a href=" {{ .u }}">"#), r##"<a href=" #ZgotmplZ">"##);
    assert_eq!(ok(r#"<img src={{ .u }}>"#), r##"<img src=#ZgotmplZ>"##);
    assert_eq!(
        ok(r#"<a href="/x/{{ .u }}">"#),
        r#"<a href="/x/javascript:alert%281%29">"#
    );
    assert_eq!(
        ok(r#"<a href="/p/{{ .q }}">"#),
        r#"<a href="/p/a%20b&amp;c">"#
    );
    assert_eq!(
        ok(r#"<a href="/p?q={{ .q }}">"#),
        r#"<a href="/p?q=a%20b%26c">"#
    );
    assert_eq!(ok(r#"<a href="/p#{{ .p }}">"#), r#"<a href="/p#a%2bb">"#);
    // Only text moves the context: a value with `?` leaves the next one
    // at the start of the URL, as in Go.
    assert_eq!(
        ok(r#"<a href="{{ .h }}{{ .u }}">"#)
            .matches("#ZgotmplZ")
            .count(),
        1
    );
    assert_eq!(
        ok(r#"<img srcset="{{ .u }} 1x, /a.png 2x">"#),
        r##"<img srcset="#ZgotmplZ 1x, /a.png 2x">"##
    );
}

#[test]
fn comments_are_dropped_and_stray_brackets_escaped() {
    assert_eq!(ok("a<!-- {{ .x }} -->b<!--c-->"), "ab");
    assert_eq!(
        ok("<!DOCTYPE html>1 < 2 <{{ .p }}>"),
        "<!DOCTYPE html>1 &lt; 2 &lt;a&#43;b>"
    );
    assert_eq!(ok("<p>{{ .p }}</p >"), "<p>a&#43;b</p >");
}

#[test]
fn safe_html_and_nil_print_as_go_html_template_prints_them() {
    assert_eq!(ok(r#"{{ safeHtml "<b>x</b> &amp;" }}"#), "<b>x</b> &amp;");
    assert_eq!(
        ok(r#"<p title="{{ safeHtml "<b>x</b> & y" }}">"#),
        r#"<p title="x & y">"#
    );
    assert_eq!(
        ok(r#"<title>{{ safeHtml "<b>&amp;" }}</title>"#),
        "<title>&lt;b&gt;&amp;</title>"
    );
    // text/template prints `<no value>`; html/template's escapers skip nil.
    assert_eq!(ok("[{{ .missing }}]"), "[]");
    assert_eq!(
        super::render("[{{ .missing }}]", &data()).unwrap(),
        "[<no value>]"
    );
}

#[test]
fn attribute_names_are_filtered() {
    assert_eq!(ok(r#"<p {{ "Title" }}="x">"#), r#"<p title="x">"#);
    assert_eq!(ok(r#"<p {{ "onclick" }}="x">"#), r#"<p ZgotmplZ="x">"#);
    assert_eq!(ok(r#"<p {{ "href" }}="x">"#), r#"<p ZgotmplZ="x">"#);
}

#[test]
fn html_and_urlquery_merge_with_the_contextual_escaper() {
    // `html` takes the place of the HTML escaper, which would escape `+`.
    assert_eq!(ok("{{ .p | html }}"), "a+b");
    assert_eq!(ok("{{ html .x .p }}"), format!("{X_ESCAPED}a+b"));
    // `urlquery` replaces the query escaper; the attribute escaper runs after.
    assert_eq!(
        ok(r#"<a href="/?q={{ .q | urlquery }}">"#),
        r#"<a href="/?q=a&#43;b%26c">"#
    );
    assert_eq!(
        ok(r#"<a href="/?q={{ .p | urlquery }}">"#),
        r#"<a href="/?q=a%2Bb">"#
    );
    // Not equivalent to the text escaper: both run.
    assert_eq!(ok("{{ .q | urlquery }}"), "a&#43;b%26c");
}

#[test]
fn template_callees_are_escaped_in_the_callers_context() {
    let src = r#"{{ define "v" }}{{ .q }}{{ end }}{{ define "u" }}{{ . }}/x?y={{ . }}{{ end }}<a href="/?q={{ template "v" . }}" title="{{ template "v" . }}">{{ template "v" . }}</a><a href="{{ template "u" .u }}">"#;
    assert_eq!(
        ok(src),
        r##"<a href="/?q=a%20b%26c" title="a b&amp;c">a b&amp;c</a><a href="#ZgotmplZ/x?y=javascript%3aalert%281%29">"##
    );
    let mut t = Template::new("t");
    t.parse(src).unwrap();
    assert!(t.execute(&data()).unwrap().contains(r#"href="/?q=a b&c""#));
}

#[test]
fn malformed_html_and_misplaced_escapers_fail_as_in_go() {
    let err = |src: &str| html(src).unwrap_err();
    assert_eq!(
        err(r#"<a href="{{ .x }}"#),
        "html/template:t: ends in a non-text context: {stateURL delimDoubleQuote urlPartNone jsCtxRegexp attrURL elementNone <nil>}"
    );
    assert_eq!(
        err("<title>x"),
        "html/template:t: ends in a non-text context: {stateRCDATA delimNone urlPartNone jsCtxRegexp attrNone elementTitle <nil>}"
    );
    assert_eq!(
        err(r#"<a "x">"#),
        r#"html/template:t: "\"" in attribute name: " \"x\">""#
    );
    assert_eq!(
        err("<a title=x=y>"),
        r#"html/template:t: "=" in unquoted attr: "x=y""#
    );
    let e = err(r#"{{ .x | html | printf "%s" }}"#);
    assert!(
        e.starts_with("html/template:t:1:")
            && e.ends_with(r#": predefined escaper "html" disallowed in template"#),
        "{e}"
    );
    let e = err("<p title={{ .x | html }}>");
    assert!(
        e.ends_with(r#"predefined escaper "html" disallowed in template"#),
        "{e}"
    );
    // A callee may end anywhere; only the executed template must end in text.
    assert_eq!(
        ok(r#"{{ define "open" }}<b title="{{ end }}{{ template "open" }}x">"#),
        r#"<b title="x">"#
    );
}

fn alert(status: &str, labels: &[(&str, &str)], annotations: &[(&str, &str)], url: &str) -> Alert {
    let kv = |pairs: &[(&str, &str)]| {
        Kv(pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    };
    Alert {
        status: status.into(),
        labels: kv(labels),
        annotations: kv(annotations),
        starts_at: GoTime::from_unix(0, 0),
        ends_at: GoTime::from_unix(0, 0),
        generator_url: url.into(),
        fingerprint: String::new(),
    }
}

#[test]
fn email_default_html_escapes_label_values_and_links() {
    let t = alertmanager::template().unwrap();
    let group = Kv(BTreeMap::from([("team".to_string(), X.to_string())]));
    let d = Data::new(
        "team x",
        group,
        vec![
            alert(
                "firing",
                &[("alertname", "Disk"), ("team", X), ("instance", "a")],
                &[("summary", "a<b>")],
                "http://prom:9090/graph?g0.expr=up&g0.tab=1",
            ),
            alert(
                "resolved",
                &[("alertname", "Disk"), ("team", X), ("instance", "b")],
                &[],
                "javascript:alert(1)",
            ),
        ],
        "http://am.example",
    );
    let out = t
        .execute_template_html("email.default.html", &d.to_value())
        .unwrap();
    // The Mailgun licence comment is template text html/template drops.
    assert!(
        out.starts_with("\n\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\""),
        "{out}"
    );
    assert!(!out.contains("Mailgun") && !out.contains(X), "{out}");
    let expected = [
        format!("<title>[FIRING:1] {X_ESCAPED} (Disk)</title>"),
        format!(
            "2 alerts for \n                team={X_ESCAPED}\n              \n            </td>"
        ),
        // `urlquery` gives `team+x`; the attribute escaper then escapes `+`.
        r#"<a href="http://am.example/#/alerts?receiver=team&#43;x" class="btn-primary""#.into(),
        "View in Alertmanager</a>".into(),
        "[1] Firing</strong>".into(),
        format!("team = {X_ESCAPED}<br style="),
        "summary = a&lt;b&gt;<br style=".into(),
        r#"<a href="http://prom:9090/graph?g0.expr=up&amp;g0.tab=1" style="#.into(),
        "[1] Resolved</strong>".into(),
        r##"<a href="#ZgotmplZ" style="##.into(),
        r#"<a href="http://am.example" style="#.into(),
    ];
    for e in &expected {
        assert!(out.contains(e.as_str()), "missing {e:?} in {out}");
    }
    assert_eq!(
        t.execute_template_html("email.default.subject", &d.to_value())
            .unwrap(),
        format!("[FIRING:1] {X_ESCAPED} (Disk)")
    );
}

#[test]
fn email_default_html_without_specials_is_the_text_rendering_minus_the_comment() {
    let t = alertmanager::template().unwrap();
    let d = Data::new(
        "r",
        Kv(BTreeMap::from([("job".to_string(), "node".to_string())])),
        vec![alert(
            "firing",
            &[("alertname", "Up"), ("job", "node")],
            &[("summary", "s")],
            "http://prom/graph",
        )],
        "http://am.example",
    );
    let html = t
        .execute_template_html("email.default.html", &d.to_value())
        .unwrap();
    let text = t
        .execute_template("email.default.html", &d.to_value())
        .unwrap();
    let (before, rest) = text.split_once("<!--").unwrap();
    let (_, after) = rest.split_once("-->").unwrap();
    assert_eq!(html, format!("{before}{after}"));
}
