//! One test per check of `promtool check rules` (Prometheus 2.42), with the
//! messages promtool prints for the same input (minus the `file: ` prefix).

use super::*;

fn errors(text: &str) -> Vec<String> {
    parse(text, &PromqlChecks).expect_err("invalid")
}

fn one_error(text: &str) -> String {
    let errors = errors(text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap()
}

const GOOD: &str = r#"
groups:
  - name: g1
    interval: 30s
    limit: 10
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels: {team: mail}
      - alert: Down
        expr: up == 0
        for: 5m
        keep_firing_for: 1m
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.instance }} down ({{ $value }})"
"#;

#[test]
fn good_file_decodes_every_field() {
    let groups = parse(GOOD, &PromqlChecks).unwrap();
    assert_eq!(groups.rule_count(), 2);
    let g = &groups.groups[0];
    assert_eq!(
        (g.name.as_str(), g.interval_ms, g.limit),
        ("g1", 30_000, 10)
    );
    assert_eq!(g.rules[0].record, "job:up:sum");
    assert_eq!(g.rules[0].labels["team"], "mail");
    let alert = &g.rules[1];
    assert!(alert.is_alert());
    assert_eq!((alert.for_ms, alert.keep_firing_for_ms), (300_000, 60_000));
    assert_eq!(
        alert.annotations["summary"],
        "{{ $labels.instance }} down ({{ $value }})"
    );
}

#[test]
fn empty_file_and_empty_groups_have_no_rules() {
    assert_eq!(parse("", &PromqlChecks).unwrap().rule_count(), 0);
    assert_eq!(parse("groups:\n", &PromqlChecks).unwrap().rule_count(), 0);
    assert_eq!(
        parse("groups:\n  - name: g\n", &PromqlChecks)
            .unwrap()
            .rule_count(),
        0
    );
}

#[test]
fn only_the_first_document_counts() {
    let text = "groups:\n- name: g\n  rules:\n  - record: a\n    expr: up\n---\ngroups:\n- name: h\n  rules: []\n";
    assert_eq!(parse(text, &PromqlChecks).unwrap().groups.len(), 1);
}

#[test]
fn group_name_required() {
    assert_eq!(
        one_error("groups:\n  - name: \"\"\n    rules: []\n"),
        "2:5: Groupname must not be empty"
    );
}

#[test]
fn group_name_unique_per_file() {
    assert_eq!(
        one_error("groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n"),
        "4:5: groupname: \"g\" is repeated in the same file"
    );
}

#[test]
fn record_and_alert_together() {
    let text = "groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        alert: Both\n        expr: up\n";
    assert_eq!(
        one_error(text),
        "4:17: 5:16: group \"g\", rule 1, \"Both\": only one of 'record' and 'alert' must be set"
    );
}

#[test]
fn neither_record_nor_alert() {
    assert_eq!(
        one_error("groups:\n  - name: g\n    rules:\n      - expr: up\n"),
        "0:0: group \"g\", rule 1, \"\": one of 'record' or 'alert' must be set"
    );
}

#[test]
fn expr_required() {
    assert_eq!(
        one_error("groups:\n  - name: g\n    rules:\n      - record: x\n"),
        "0:0: group \"g\", rule 1, \"x\": field 'expr' must be set in rule"
    );
}

#[test]
fn expr_must_parse() {
    let e =
        one_error("groups:\n  - name: g\n    rules:\n      - record: x\n        expr: \"up +\"\n");
    assert_eq!(
        e,
        "5:15: group \"g\", rule 1, \"x\": could not parse expression: 1:5: parse error: unexpected end of input"
    );
}

#[test]
fn holt_winters_is_a_prometheus_2_42_function() {
    let text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: holt_winters(up[5m], 0.5, 0.5) > 1\n";
    assert!(parse(text, &PromqlChecks).is_ok());
}

#[test]
fn recording_rules_take_no_annotations_for_or_keep_firing_for() {
    let text = "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n        for: 5m\n        keep_firing_for: 1m\n        annotations: {a: b}\n";
    assert_eq!(
        errors(text),
        [
            "4:17: group \"g\", rule 1, \"r\": invalid field 'annotations' in recording rule",
            "4:17: group \"g\", rule 1, \"r\": invalid field 'for' in recording rule",
            "4:17: group \"g\", rule 1, \"r\": invalid field 'keep_firing_for' in recording rule",
        ]
    );
    // `for: 0s` is the zero duration: allowed, as in Prometheus.
    let text =
        "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n        for: 0s\n";
    assert!(parse(text, &PromqlChecks).is_ok());
}

#[test]
fn record_must_be_a_metric_name() {
    assert_eq!(
        one_error(
            "groups:\n  - name: g\n    rules:\n      - record: \"bad name\"\n        expr: up\n"
        ),
        "4:17: group \"g\", rule 1, \"bad name\": invalid recording rule name: bad name"
    );
    assert!(
        errors("groups:\n  - name: g\n    rules:\n      - record: \"0\"\n        expr: up\n")[0]
            .ends_with("invalid recording rule name: 0")
    );
}

#[test]
fn label_names_valid_sorted_by_name() {
    let text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels:\n          bad-label: x\n          __name__: y\n          \"\": z\n";
    assert_eq!(
        errors(text),
        [
            "group \"g\", rule 1, \"A\": invalid label name: ",
            "group \"g\", rule 1, \"A\": invalid label name: __name__",
            "group \"g\", rule 1, \"A\": invalid label name: bad-label",
        ]
    );
}

#[test]
fn annotation_names_valid() {
    assert_eq!(
        one_error(
            "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        annotations: {bad-ann: x}\n"
        ),
        "group \"g\", rule 1, \"A\": invalid annotation name: bad-ann"
    );
}

#[test]
fn templates_are_checked_by_the_checks_given() {
    struct NoBraces;
    impl Checks for NoBraces {
        fn expr(&self, _: &str) -> Result<(), String> {
            Ok(())
        }
        fn template(&self, alert: &str, text: &str) -> Result<(), String> {
            match text.contains("{{") {
                true => Err(format!("template: __alert_{alert}:1: unclosed action")),
                false => Ok(()),
            }
        }
    }
    let text = "groups:\n  - name: g\n    rules:\n      - alert: T\n        expr: up\n        labels: {l: \"{{ x\"}\n        annotations: {a: ok, b: \"{{\"}\n      - record: r\n        expr: up\n        labels: {l: \"{{\"}\n";
    assert_eq!(
        parse(text, &NoBraces).unwrap_err(),
        [
            "group \"g\", rule 1, \"T\": label \"l\": template: __alert_T:1: unclosed action",
            "group \"g\", rule 1, \"T\": annotation \"b\": template: __alert_T:1: unclosed action",
        ],
        "recording rules' labels are not templates"
    );
}

#[test]
fn unknown_fields_and_wrong_types_like_yaml_v3() {
    let text = "groups:\n  - name: g\n    limit: abc\n    rules:\n      - record: a\n        expr: up\n        bogus: 1\n        labels: {a: [1]}\n";
    assert_eq!(
        one_error(text),
        "yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `abc` into int\n  line 7: field bogus not found in type rulefmt.RuleNode\n  line 8: cannot unmarshal !!seq into string"
    );
    assert_eq!(
        one_error("foo: 1\n"),
        "yaml: unmarshal errors:\n  line 1: field foo not found in type rulefmt.RuleGroups"
    );
    assert_eq!(
        one_error("groups:\n  - name: g\n    foo: 1\n"),
        "yaml: unmarshal errors:\n  line 3: field foo not found in type rulefmt.RuleGroup"
    );
}

#[test]
fn a_document_that_is_not_a_mapping_fails_both_decodes() {
    assert_eq!(
        errors("- a\n- b\n"),
        [
            "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into rulefmt.RuleGroups",
            "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into rulefmt.ruleGroups",
        ]
    );
}

#[test]
fn bad_durations_end_decoding() {
    let text = "groups:\n  - name: g\n    limit: abc\n    interval: 5x\n";
    assert_eq!(errors(text), [r#"not a valid duration string: "5x""#]);
    let text =
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: \"\"\n";
    assert_eq!(errors(text), ["empty duration string"]);
}

#[test]
fn yaml_syntax_errors_are_reported_twice_like_promtool() {
    let errors = errors("groups: [\n");
    assert_eq!(errors.len(), 2);
    assert!(errors[0].starts_with("yaml: line "), "{errors:?}");
}

#[test]
fn scalars_of_any_type_are_strings_where_strings_are_expected() {
    let text = "groups:\n  - name: g\n    rules:\n      - alert: C\n        expr: up\n        labels:\n          x: 5\n          y: true\n          z:\n";
    let groups = parse(text, &PromqlChecks).unwrap();
    let labels = &groups.groups[0].rules[0].labels;
    assert_eq!(
        labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>(),
        ["x=5", "y=true", "z="]
    );
}

#[test]
fn duplicate_rules_lint_like_promtool() {
    let text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: {a: b}\n      - alert: A\n        expr: up > 1\n        labels: {a: b}\n  - name: h\n    rules:\n      - alert: A\n        expr: up > 2\n        labels: {a: b}\n      - record: r\n        expr: up\n      - record: r\n        expr: up\n      - record: r\n        expr: up\n        labels: {x: y}\n";
    let groups = parse(text, &PromqlChecks).unwrap();
    let dups = duplicates(&groups);
    assert_eq!(
        duplicates_message(&dups),
        "2 duplicate rule(s) found.\nMetric: A\nLabel(s):\n\ta: b\nMetric: r\nLabel(s):\nMight cause inconsistency while recording expressions"
    );
    assert!(duplicates(&parse(GOOD, &PromqlChecks).unwrap()).is_empty());
}
