//! Golden test against Alertmanager 0.25: each expected string is what
//! Debian's `amtool template render` printed for the same template text and
//! data (with our bundled copy of the default templates as its glob); our
//! engine must render the same, and when `amtool` is installed the test
//! re-runs it to prove it.

use super::super::alertmanager::{self, Data};
use super::{AmtoolRender, tool};

/// Alertmanager's template data in its JSON form (the webhook payload's).
const DATA: &str = r#"{"receiver":"team-mail","status":"firing","externalURL":"https://am.example.com",
 "groupLabels":{"alertname":"DiskFull","cluster":"c1"},
 "commonLabels":{"alertname":"DiskFull","cluster":"c1","severity":"page"},
 "commonAnnotations":{"summary":"disk almost full"},
 "alerts":[
  {"status":"firing","labels":{"alertname":"DiskFull","cluster":"c1","severity":"page","instance":"mx1:9100"},"annotations":{"summary":"disk almost full","description":"mx1 at 91%"},"startsAt":"2023-04-05T06:07:08.5Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"https://prom.example.com/graph?g0.expr=x","fingerprint":"aaa111"},
  {"status":"firing","labels":{"alertname":"DiskFull","cluster":"c1","severity":"page","instance":"mx2:9100"},"annotations":{"summary":"disk almost full","description":"mx2 at 95%"},"startsAt":"2023-04-05T06:09:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"https://prom.example.com/graph?g0.expr=x","fingerprint":"bbb222"},
  {"status":"resolved","labels":{"alertname":"DiskFull","cluster":"c1","severity":"page","instance":"mx3:9100"},"annotations":{"summary":"disk almost full"},"startsAt":"2023-04-05T05:00:00Z","endsAt":"2023-04-05T06:00:00Z","generatorURL":"https://prom.example.com/graph?g0.expr=x","fingerprint":"ccc333"}
 ]}"#;

/// (template text, what amtool 0.25 renders).
const CASES: &[(&str, &str)] = &[
    (
        r#"{{ template "slack.default.title" . }}"#,
        "[FIRING:2] DiskFull c1 (page)",
    ),
    (
        r#"{{ template "slack.default.fallback" . }}"#,
        "[FIRING:2] DiskFull c1 (page) | https://am.example.com/#/alerts?receiver=team-mail",
    ),
    (
        r#"{{ template "opsgenie.default.description" . }}"#,
        "disk almost full\nAlerts Firing:\nLabels:\n - alertname = DiskFull\n - cluster = c1\n - instance = mx1:9100\n - severity = page\nAnnotations:\n - description = mx1 at 91%\n - summary = disk almost full\nSource: https://prom.example.com/graph?g0.expr=x\nLabels:\n - alertname = DiskFull\n - cluster = c1\n - instance = mx2:9100\n - severity = page\nAnnotations:\n - description = mx2 at 95%\n - summary = disk almost full\nSource: https://prom.example.com/graph?g0.expr=x\n\nAlerts Resolved:\nLabels:\n - alertname = DiskFull\n - cluster = c1\n - instance = mx3:9100\n - severity = page\nAnnotations:\n - summary = disk almost full\nSource: https://prom.example.com/graph?g0.expr=x\n",
    ),
    (
        r#"{{ .CommonLabels.Remove .GroupLabels.Names }}|{{ .CommonLabels.SortedPairs.Names | join "," }}|{{ stringSlice "a" "b" | join "-" }}|{{ title "hello wORLD" }}|{{ match "^mx" "mx1" }}|{{ reReplaceAll "mx(\\d)" "host$1" "mx1 mx2" }}|{{ safeHtml "<b>" }}|{{ toUpper .Status }}|{{ len .Alerts }} {{ len .Alerts.Firing }} {{ len .Alerts.Resolved }}"#,
        "map[severity:page]|alertname,cluster,severity|a-b|Hello World|true|host1 host2|<b>|FIRING|3 2 1",
    ),
    (
        r#"{{ range .Alerts }}{{ .StartsAt }};{{ end }}|{{ (index .Alerts 0).StartsAt.Format "2006-01-02T15:04:05Z07:00" }}|{{ .GroupLabels }}|{{ .CommonLabels.SortedPairs }}|{{ .CommonLabels.nope }}|{{ .GroupLabels.Values }}"#,
        "2023-04-05 06:07:08.5 +0000 UTC;2023-04-05 06:09:00 +0000 UTC;2023-04-05 05:00:00 +0000 UTC;|2023-04-05T06:07:08Z|map[alertname:DiskFull cluster:c1]|[{alertname DiskFull} {cluster c1} {severity page}]||[DiskFull c1]",
    ),
];

fn data() -> Data {
    serde_json::from_str(DATA).unwrap()
}

#[test]
fn default_templates_render_as_alertmanager_renders_them() {
    let t = alertmanager::template().unwrap();
    for (text, want) in CASES {
        assert_eq!(
            t.execute_text(text, &data().to_value()).unwrap(),
            *want,
            "{text}"
        );
    }
}

#[test]
fn amtool_agrees_with_the_golden_strings() {
    let Some(amtool) = tool("/usr/bin/amtool", "prometheus-alertmanager") else {
        return;
    };
    let amtool = AmtoolRender::new(amtool, DATA, false);
    for (text, want) in CASES {
        let out = amtool.render(text);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), *want, "{text}");
    }
}

/// Template fragments over Alertmanager's data, as notification templates
/// use it: fields, label maps and their methods, times and their methods
/// and layouts, and the functions Alertmanager adds to Go's.
const FRAGMENTS: &[&str] = &[
    "{{ .Status }} {{ .Receiver }} {{ .ExternalURL }}",
    "{{ .GroupLabels.alertname }}/{{ .CommonLabels.severity | toUpper }}",
    "{{ range .Alerts }}{{ .Labels.instance }}={{ .Annotations.description }};{{ end }}",
    "{{ range $i, $a := .Alerts.Firing }}{{ $i }}:{{ $a.Fingerprint }} {{ end }}",
    "{{ (index .Alerts 0).StartsAt.Format \"Mon Jan 2 15:04:05 MST 2006\" }}",
    "{{ (index .Alerts 0).StartsAt.Format \"2006-01-02T15:04:05.000Z07:00 .999999 Monday January\" }}",
    "{{ (index .Alerts 2).EndsAt.Format \"Jan _2 03:04PM -0700 pm\" }}",
    "{{ (index .Alerts 1).StartsAt.Unix }} {{ (index .Alerts 1).StartsAt.Year }}",
    "{{ (index .Alerts 0).EndsAt }}|{{ (index .Alerts 2).EndsAt.UTC }}",
    "{{ .CommonLabels.SortedPairs.Names | join \",\" }}|{{ .CommonLabels.SortedPairs.Values }}",
    "{{ .CommonLabels.Names }} {{ .GroupLabels.Values }} {{ .CommonAnnotations }}",
    "{{ .CommonLabels.Remove (stringSlice \"cluster\" \"nope\") }}",
    "{{ title \"hello wORLD foo-bar\" }} {{ toLower \"MiXeD\" }}",
    "{{ match \"^mx[12]\" (index .Alerts 1).Labels.instance }} {{ reReplaceAll \"(\\\\w+):(\\\\d+)\" \"$2@$1\" \"mx1:9100\" }}",
    "{{ safeHtml \"<b>x</b>\" }} {{ html \"<a&b>\" }} {{ js \"it's\" }} {{ urlquery \"a b/c\" }}",
    "{{ printf \"%5s|%-5s|%q|%x\" .Status .Receiver .Status .Status }}",
    "{{ printf \"%d %03d %v %t\" (len .Alerts) 7 .GroupLabels true }}",
    "{{ if eq .Status \"firing\" }}F{{ else }}R{{ end }}{{ if gt (len .Alerts.Resolved) 0 }}+resolved{{ end }}",
    "{{ and .Receiver .Status }} {{ or .CommonAnnotations.nope \"fallback\" }} {{ not .Alerts }}",
    "{{ with .CommonLabels.cluster }}cluster {{ . }}{{ end }}{{ with .CommonLabels.nope }}never{{ else }} none{{ end }}",
    "{{ len .CommonLabels }} {{ index .CommonLabels \"alertname\" }} {{ slice .Receiver 1 4 }}",
    "{{ stringSlice \"x\" \"y\" \"z\" }} {{ join \" + \" (stringSlice \"x\" \"y\") }}",
    "{{ print 1 2 \"a\" \"b\" 3.5 }}|{{ println .Status }}",
    "{{ template \"__subject\" . }}",
    "{{ template \"email.default.subject\" . }}",
    "{{ range .Alerts.Resolved }}{{ .EndsAt.Sub .StartsAt }}{{ end }}",
    "{{ $a := index .Alerts 0 }}{{ $a.StartsAt.Month }} {{ $a.StartsAt.Day }} {{ $a.StartsAt.Weekday }} {{ $a.StartsAt.YearDay }} {{ $a.StartsAt.Hour }}:{{ $a.StartsAt.Minute }}:{{ $a.StartsAt.Second }}.{{ $a.StartsAt.Nanosecond }}",
    "{{ $a := index .Alerts 0 }}{{ $b := index .Alerts 1 }}{{ $a.StartsAt.Before $b.StartsAt }} {{ $a.StartsAt.After $b.StartsAt }} {{ $a.StartsAt.Equal $a.StartsAt }} {{ $b.StartsAt.Sub $a.StartsAt }}",
    "{{ $d := (index .Alerts 2).EndsAt.Sub (index .Alerts 2).StartsAt }}{{ $d.Minutes }} {{ $d.Seconds }} {{ $d.Milliseconds }} {{ printf \"%d %v %s\" $d $d $d }}",
    "{{ (index .Alerts 0).EndsAt.Sub (index .Alerts 0).StartsAt }} {{ (index .Alerts 0).EndsAt.IsZero }}",
];

/// Random templates built from [`FRAGMENTS`], rendered by `amtool
/// template render` and by us: the same text, to the byte, or the same
/// failure.
#[test]
fn random_templates_render_as_amtool_renders_them() {
    let Some(amtool) = tool("/usr/bin/amtool", "prometheus-alertmanager") else {
        panic!("/usr/bin/amtool is missing: install Debian's prometheus-alertmanager package");
    };
    let seed = std::env::var("TEMPLATE_RANDOM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(25);
    let mut rng = fastrand::Rng::with_seed(seed);
    let amtool = AmtoolRender::new(amtool, DATA, false);
    let t = alertmanager::template().unwrap();
    let mut disagreements = Vec::new();
    for _ in 0..40 {
        let text: Vec<&str> = (0..1 + rng.usize(..3))
            .map(|_| FRAGMENTS[rng.usize(..FRAGMENTS.len())])
            .collect();
        let text = text.join(" ## ");
        let out = amtool.render(&text);
        let theirs = out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned());
        let ours = t.execute_text(&text, &data().to_value()).ok();
        if ours != theirs {
            disagreements.push(format!(
                "{text}\n  amtool: {theirs:?}\n  ours:   {ours:?}\n  (amtool stderr: {})",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of 40 random templates render differently:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
