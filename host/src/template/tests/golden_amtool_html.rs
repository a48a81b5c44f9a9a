//! Golden test of HTML-mode execution against Alertmanager 0.25: each
//! expected string is what Debian's `amtool template render
//! --template.type=html` (Go 1.19's `html/template`) printed for the same
//! template text and data, with our bundled default and email templates
//! as its glob; `email_default.golden.html` is its rendering of
//! `email.default.html`. When `amtool` is installed the test re-runs it.

use super::super::alertmanager::{self, Data};
use super::{AmtoolRender, tool};

/// Template data whose values need escaping.
const DATA: &str = r#"{"receiver":"team x","status":"firing","externalURL":"http://am.example",
 "groupLabels":{"team":"<b>&\"'"},
 "commonLabels":{"alertname":"Disk","team":"<b>&\"'"},
 "commonAnnotations":{},
 "alerts":[
  {"status":"firing","labels":{"alertname":"Disk","team":"<b>&\"'","instance":"a"},"annotations":{"summary":"a<b>"},"startsAt":"2023-04-05T06:07:08.5Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom:9090/graph?g0.expr=up&g0.tab=1","fingerprint":"aaa111"},
  {"status":"resolved","labels":{"alertname":"Disk","team":"<b>&\"'","instance":"b"},"annotations":{},"startsAt":"2023-04-05T05:00:00Z","endsAt":"2023-04-05T06:00:00Z","generatorURL":"javascript:alert(1)","fingerprint":"ccc333"}
 ]}"#;

/// `{{ template "email.default.html" . }}` on [`DATA`], as amtool renders it.
const EMAIL: &str = include_str!("email_default.golden.html");

/// (template text, what amtool 0.25 renders).
const CASES: &[(&str, &str)] = &[
    (
        r#"<p title={{ .CommonLabels.team }}>{{ .CommonLabels.team }}</p>"#,
        "<p title=&lt;b&gt;&amp;&#34;&#39;>&lt;b&gt;&amp;&#34;&#39;</p>",
    ),
    (
        r#"<a href="/p?q={{ .Receiver | urlquery }}">{{ .Receiver | urlquery }}</a>"#,
        r#"<a href="/p?q=team&#43;x">team&#43;x</a>"#,
    ),
    (r#"<p title={{ .CommonLabels.nope }}>"#, "<p title=>"),
    (r#"a<!-- {{ .Receiver }} -->b<!--c-->"#, "ab"),
    (
        r#"<!DOCTYPE html>1 < 2 <{{ "a+b" }}>"#,
        "<!DOCTYPE html>1 &lt; 2 &lt;a&#43;b>",
    ),
    (
        r#"{{ "a+b" | html }}|{{ html "<b>" "a+b" }}"#,
        "a+b|&lt;b&gt;a+b",
    ),
    (
        r#"<p title="{{ safeHtml "<b>x</b> & y" }}">{{ safeHtml "<b>&amp;" }}<title>{{ safeHtml "<b>&amp;" }}</title>"#,
        r#"<p title="x & y"><b>&amp;<title>&lt;b&gt;&amp;</title>"#,
    ),
    (
        r#"<p {{ "Title" }}="x" {{ "onclick" }}="y">"#,
        r#"<p title="x" ZgotmplZ="y">"#,
    ),
    (
        r#"<a href="{{ .ExternalURL }}/x/{{ .Receiver }}?q={{ .Receiver }}#{{ "a+b" }}" title="{{ .Receiver }}" data-x={{ .Receiver }}>"#,
        r#"<a href="http://am.example/x/team%20x?q=team%20x#a%2bb" title="team x" data-x=team&#32;x>"#,
    ),
    (
        r#"<a href="{{ .GroupLabels.team }}{{ "javascript:x" }}">"#,
        r#"<a href="%3cb%3e&amp;%22%27#ZgotmplZ">"#,
    ),
    (
        r#"<a href=" {{ "javascript:x" }}"><img src={{ "javascript:x" }}><img srcset="{{ "javascript:x" }} 1x, /a.png 2x">"#,
        r##"<a href=" #ZgotmplZ"><img src=#ZgotmplZ><img srcset="#ZgotmplZ 1x, /a.png 2x">"##,
    ),
    (
        r#"{{ define "v" }}{{ .Receiver }}{{ end }}{{ define "u" }}{{ . }}/x?y={{ . }}{{ end }}<a href="/?q={{ template "v" . }}" title="{{ template "v" . }}">{{ template "v" . }}</a><a href="{{ template "u" "javascript:alert(1)" }}">"#,
        r##"<a href="/?q=team%20x" title="team x">team x</a><a href="#ZgotmplZ/x?y=javascript%3aalert%281%29">"##,
    ),
    (
        r#"{{ define "open" }}<b title="{{ end }}{{ template "open" }}x">"#,
        r#"<b title="x">"#,
    ),
    (
        r#"{{ .Receiver | urlquery }}|{{ 1.5 }}|{{ .GroupLabels.Values }}|{{ .Alerts.Firing | len }}"#,
        "team&#43;x|1.5|[&lt;b&gt;&amp;&#34;&#39;]|1",
    ),
    (
        r#"<textarea>{{ .GroupLabels.team }}</textarea><p>{{ safeHtml "x" | html }}</p>"#,
        "<textarea>&lt;b&gt;&amp;&#34;&#39;</textarea><p>x</p>",
    ),
    (
        r#"{{ template "email.default.subject" . }}"#,
        "[FIRING:1] &lt;b&gt;&amp;&#34;&#39; (Disk)",
    ),
];

/// (template text, amtool 0.25's error).
const ERRORS: &[(&str, &str)] = &[
    (
        r#"<a href="{{ .ExternalURL }}"#,
        "html/template: ends in a non-text context: {stateURL delimDoubleQuote urlPartNone jsCtxRegexp attrURL elementNone <nil>}",
    ),
    (
        r#"<a "x">"#,
        r#"html/template: "\"" in attribute name: " \"x\">""#,
    ),
    (
        "<a title=x=y>",
        r#"html/template: "=" in unquoted attr: "x=y""#,
    ),
    (
        r#"{{ "x" | html | printf "%s" }}"#,
        r#"html/template::1:3: predefined escaper "html" disallowed in template"#,
    ),
    (
        r#"<p title={{ "x" | html }}>"#,
        r#"html/template::1:12: predefined escaper "html" disallowed in template"#,
    ),
];

/// A known difference (see the `html` module): Go escapes values in
/// script and style as JavaScript and CSS. (text, amtool, ours).
const SCRIPT: (&str, &str, &str) = (
    r#"<script>var x = {{ .Receiver }};</script><style>p { color: {{ .Receiver }} }</style><a onclick="f({{ .Receiver }})" style="color: {{ .Receiver }}">"#,
    r#"<script>var x = "team x";</script><style>p { color: team x }</style><a onclick="f(&#34;team x&#34;)" style="color: team x">"#,
    r#"<script>var x = team x;</script><style>p { color: team x }</style><a onclick="f(team x)" style="color: team x">"#,
);

const EMAIL_TEXT: &str = r#"{{ template "email.default.html" . }}"#;

fn data() -> Data {
    serde_json::from_str(DATA).unwrap()
}

#[test]
fn html_templates_render_as_alertmanager_renders_them() {
    let t = alertmanager::template().unwrap();
    let render = |text: &str| t.execute_text_html(text, &data().to_value());
    for (text, want) in CASES {
        assert_eq!(render(text).unwrap(), *want, "{text}");
    }
    for (text, want) in ERRORS {
        assert_eq!(render(text).unwrap_err().to_string(), *want, "{text}");
    }
    assert_eq!(render(SCRIPT.0).unwrap(), SCRIPT.2);
    assert_eq!(render(EMAIL_TEXT).unwrap(), EMAIL);
}

#[test]
fn amtool_agrees_with_the_html_golden_strings() {
    let Some(amtool) = tool("/usr/bin/amtool", "prometheus-alertmanager") else {
        return;
    };
    let amtool = AmtoolRender::new(amtool, DATA, true);
    let render = |text: &str| amtool.render(text);
    let wants = CASES
        .iter()
        .copied()
        .chain([(SCRIPT.0, SCRIPT.1), (EMAIL_TEXT, EMAIL)]);
    for (text, want) in wants {
        let out = render(text);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), want, "{text}");
    }
    for (text, want) in ERRORS {
        let out = render(text);
        assert!(!out.status.success(), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.trim_end(),
            format!("amtool: error: {want}"),
            "{text}"
        );
    }
}
