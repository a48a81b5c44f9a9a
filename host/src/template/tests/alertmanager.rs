//! Alertmanager data and functions beyond the golden cases.

use std::collections::BTreeMap;

use super::super::Value;
use super::super::alertmanager::{self, Alert, Data, Kv};
use super::super::gotime::GoTime;

fn alert(status: &str, labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> Alert {
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
        generator_url: String::new(),
        fingerprint: String::new(),
    }
}

#[test]
fn data_new_computes_status_common_labels_and_quotes_receiver() {
    let alerts = vec![
        alert(
            "resolved",
            &[("alertname", "A"), ("job", "x"), ("i", "1")],
            &[("s", "same"), ("d", "1")],
        ),
        alert(
            "firing",
            &[("alertname", "A"), ("job", "x"), ("i", "2")],
            &[("s", "same"), ("d", "2")],
        ),
    ];
    let d = Data::new(
        "team.mail+ops",
        Kv(BTreeMap::new()),
        alerts.clone(),
        "http://am",
    );
    assert_eq!(d.status, "firing");
    assert_eq!(d.receiver, r"team\.mail\+ops");
    // Go's regexp.QuoteMeta, not regex::escape: `-#&~` and spaces stay.
    let d2 = Data::new("a-b #c&d~ e$", Kv(BTreeMap::new()), alerts, "");
    assert_eq!(d2.receiver, r"a-b #c&d~ e\$");
    assert_eq!(
        d.common_labels.0.keys().collect::<Vec<_>>(),
        ["alertname", "job"]
    );
    assert_eq!(d.common_annotations.0.keys().collect::<Vec<_>>(), ["s"]);
}

#[test]
fn kv_methods_and_sorted_pairs_put_alertname_first() {
    let t = alertmanager::template().unwrap();
    let d = Data::new(
        "r",
        Kv(BTreeMap::new()),
        vec![alert(
            "firing",
            &[("b", "2"), ("alertname", "Z"), ("a", "1")],
            &[],
        )],
        "",
    );
    let out = t
        .execute_text(
            "{{ .CommonLabels.Names }} {{ .CommonLabels.Values }} {{ range .CommonLabels.SortedPairs }}{{ .Name }}={{ .Value }},{{ end }} {{ range $k, $v := .CommonLabels }}{{ $k }}{{ end }} {{ .CommonLabels.a }} {{ trimSpace \"  x \" }}",
            &d.to_value(),
        )
        .unwrap();
    assert_eq!(
        out,
        "[alertname a b] [Z 1 2] alertname=Z,a=1,b=2, aalertnameb 1 x"
    );
}

#[test]
fn every_default_template_renders() {
    let t = alertmanager::template().unwrap();
    let d = Data::new(
        "r",
        Kv(BTreeMap::new()),
        vec![alert("firing", &[("alertname", "A")], &[("summary", "s")])],
        "http://am",
    );
    let names: Vec<String> = t.template_names().map(str::to_string).collect();
    assert!(names.len() > 35, "{names:?}");
    // These two take a list of alerts, the others the data.
    let takes_list = ["__text_alert_list", "pagerduty.default.instances"];
    for name in names.iter().filter(|n| !takes_list.contains(&n.as_str())) {
        t.execute_template(name, &d.to_value())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let list = t
        .execute_text(
            r#"{{ template "__text_alert_list" .Alerts }}"#,
            &d.to_value(),
        )
        .unwrap();
    assert_eq!(
        list,
        "Labels:\n - alertname = A\nAnnotations:\n - summary = s\nSource: \n"
    );
    assert_eq!(t.execute_text("", &Value::Nil).unwrap(), "");
}
