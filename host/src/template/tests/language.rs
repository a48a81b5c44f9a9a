//! One test per language construct, with Go's expected output.

use std::sync::Arc;

use super::super::{FuncError, FuncMap, MissingKey, Value};
use super::{render, render_with};

fn ok(src: &str, data: &Value) -> String {
    render(src, data).unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn data() -> Value {
    Value::map([
        ("Name", Value::str("world")),
        ("N", Value::Int(3)),
        ("F", Value::Float(1e6)),
        ("List", Value::list(["a".into(), "b".into(), "c".into()])),
        (
            "Map",
            Value::map([("z", Value::Int(1)), ("a", Value::Int(2))]),
        ),
        (
            "Nested",
            Value::map([("Inner", Value::map([("Leaf", Value::str("deep"))]))]),
        ),
        ("Empty", Value::list([])),
    ])
}

#[test]
fn text_and_trim_markers() {
    assert_eq!(ok("a  {{- .Name -}}  b", &data()), "aworldb");
    assert_eq!(ok("a {{.Name}} b", &data()), "a world b");
    assert_eq!(
        ok("x\n  {{- /* comment */ -}}\n  y{{/* c2 */}}z", &data()),
        "xyz"
    );
    assert_eq!(ok("{{ 1 }}-{{- 2 }}", &data()), "1-2");
    assert_eq!(ok("{{ 1 }} \n {{- 2 }}", &data()), "12");
}

#[test]
fn literals_print_like_go() {
    assert_eq!(
        ok(
            r#"{{ "a\tb" }}|{{ `raw\n` }}|{{ 'a' }}|{{ 0x1F }}|{{ true }}|{{ 1.5 }}|{{ 1e6 }}|{{ -3 }}"#,
            &Value::Nil
        ),
        "a\tb|raw\\n|97|31|true|1.5|1e+06|-3"
    );
    assert_eq!(ok("{{ .F }} {{ print nil }}", &data()), "1e+06 <nil>");
}

#[test]
fn pipelines_pass_the_last_argument() {
    assert_eq!(ok(r#"{{ 3.14159 | printf "%.2f" }}"#, &Value::Nil), "3.14");
    assert_eq!(ok(r#"{{ "x" | printf "%s-%s" "y" }}"#, &Value::Nil), "y-x");
    assert_eq!(ok("{{ .List | len | printf \"%03d\" }}", &data()), "003");
    assert_eq!(ok("{{ (len .List) }}", &data()), "3");
}

#[test]
fn variables_declare_assign_and_root() {
    assert_eq!(ok("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}", &Value::Nil), "2");
    assert_eq!(
        ok("{{ with .Nested }}{{ $.Name }}{{ end }}", &data()),
        "world"
    );
    assert_eq!(
        ok("{{ $m := .Nested }}{{ $m.Inner.Leaf }}", &data()),
        "deep"
    );
    assert_eq!(
        ok(
            "{{ $x := 1 }}{{ range .List }}{{ $x = . }}{{ end }}{{ $x }}",
            &data()
        ),
        "c"
    );
}

#[test]
fn fields_and_missing_keys() {
    assert_eq!(ok("{{ .Nested.Inner.Leaf }}", &data()), "deep");
    assert_eq!(
        ok("{{ .Nope }}|{{ .Nope.Deeper }}", &data()),
        "<no value>|<no value>"
    );
    let labels = Value::map([("a", Value::str("b"))]);
    let zero = render_with("[{{ .x }}]", &labels, &FuncMap::new(), MissingKey::Zero).unwrap();
    assert_eq!(zero, "[]");
    let err = render_with("{{ .x }}", &labels, &FuncMap::new(), MissingKey::Error).unwrap_err();
    assert_eq!(
        err,
        r#"template: t:1:3: executing "t" at <.x>: map has no entry for key "x""#
    );
}

#[test]
fn if_else_if_else() {
    let t = "{{ if eq .N 1 }}one{{ else if eq .N 3 }}three{{ else }}other{{ end }}";
    assert_eq!(ok(t, &data()), "three");
    assert_eq!(ok("{{ if .Empty }}y{{ else }}n{{ end }}", &data()), "n");
    assert_eq!(
        ok("{{ if $v := .Name }}{{ $v }}{{ end }}", &data()),
        "world"
    );
}

#[test]
fn range_lists_maps_else_break_continue() {
    assert_eq!(
        ok(
            "{{ range $i, $v := .List }}{{ $i }}{{ $v }} {{ end }}",
            &data()
        ),
        "0a 1b 2c "
    );
    assert_eq!(
        ok(
            "{{ range $k, $v := .Map }}{{ $k }}={{ $v }};{{ end }}",
            &data()
        ),
        "a=2;z=1;"
    );
    assert_eq!(ok("{{ range .Map }}{{ . }}{{ end }}", &data()), "21");
    assert_eq!(
        ok("{{ range .Empty }}x{{ else }}empty{{ end }}", &data()),
        "empty"
    );
    assert_eq!(
        ok("{{ range .Nope }}x{{ else }}nil{{ end }}", &data()),
        "nil"
    );
    assert_eq!(
        ok(
            "{{ range .List }}{{ if eq . \"b\" }}{{ continue }}{{ end }}{{ . }}{{ end }}",
            &data()
        ),
        "ac"
    );
    assert_eq!(
        ok(
            "{{ range .List }}{{ if eq . \"b\" }}{{ break }}{{ end }}{{ . }}{{ end }}",
            &data()
        ),
        "a"
    );
    let err = render("{{ range .Name }}{{ end }}", &data()).unwrap_err();
    assert!(err.ends_with("range can't iterate over world"), "{err}");
}

#[test]
fn with_else() {
    assert_eq!(
        ok("{{ with .Nested.Inner }}{{ .Leaf }}{{ end }}", &data()),
        "deep"
    );
    assert_eq!(
        ok("{{ with .Nope }}x{{ else }}none{{ end }}", &data()),
        "none"
    );
}

#[test]
fn define_template_block() {
    let src = r#"{{ define "item" }}<{{ . }}>{{ end }}{{ range .List }}{{ template "item" . }}{{ end }}{{ block "b" .Name }}[{{ . }}]{{ end }}"#;
    assert_eq!(ok(src, &data()), "<a><b><c>[world]");
    assert_eq!(
        ok(
            r#"{{ define "x" }}{{ . }}{{ end }}{{ template "x" }}"#,
            &Value::Nil
        ),
        "<no value>"
    );
    let err = render(r#"{{ template "nope" }}"#, &Value::Nil).unwrap_err();
    assert_eq!(
        err,
        r#"template: t:1:12: executing "t" at <{{template "nope"}}>: template "nope" not defined"#
    );
    let err = render(
        r#"{{ define "r" }}{{ template "r" }}{{ end }}{{ template "r" }}"#,
        &Value::Nil,
    )
    .unwrap_err();
    assert!(err.contains("exceeded maximum template depth"), "{err}");
}

#[test]
fn and_or_short_circuit_and_return_arguments() {
    assert_eq!(
        ok(
            r#"{{ or .Nope "default" }}|{{ and 1 0 2 }}|{{ and 1 2 }}|{{ or 0 "" }}"#,
            &data()
        ),
        "default|0|2|"
    );
    // `and` stops before the failing call, as Go 1.18+ does.
    assert_eq!(ok("{{ and false (index .List 10) }}", &data()), "false");
    assert_eq!(ok("{{ not .Empty }} {{ not 1 }}", &data()), "true false");
}

#[test]
fn builtins_index_slice_len_compare() {
    assert_eq!(
        ok(
            "{{ index .List 1 }} {{ index .Map \"z\" }} {{ slice .List 1 }} {{ len .Map }}",
            &data()
        ),
        "b 1 [b c] 2"
    );
    assert_eq!(
        ok(
            "{{ lt 1 2 }} {{ ge 2.5 2.5 }} {{ ne \"a\" \"b\" }} {{ eq .N 1 2 3 }}",
            &data()
        ),
        "true true true true"
    );
    let err = render("{{ index .List 5 }}", &data()).unwrap_err();
    assert_eq!(
        err,
        r#"template: t:1:3: executing "t" at <index .List 5>: error calling index: index out of range: 5"#
    );
    let err = render("{{ gt .F 1 }}", &data()).unwrap_err();
    assert!(
        err.ends_with("error calling gt: incompatible types for comparison"),
        "{err}"
    );
}

#[test]
fn print_functions_and_escapers() {
    assert_eq!(
        ok(
            r#"{{ print 1 2 "a" "b" 3 }}|{{ println "x" 1 }}|{{ printf "%5.1f%%" 12.345 }}"#,
            &Value::Nil
        ),
        "1 2ab3|x 1\n| 12.3%"
    );
    assert_eq!(
        ok(
            r#"{{ html "<b>&'\"" }} {{ js "it's <x>" }} {{ urlquery "a b&c" }}"#,
            &Value::Nil
        ),
        "&lt;b&gt;&amp;&#39;&#34; it\\'s \\u003Cx\\u003E a+b%26c"
    );
}

#[test]
fn call_invokes_function_values() {
    let add = Value::Func(Arc::new(|a: &[Value]| match a {
        [Value::Int(x), Value::Int(y)] => Ok(Value::Int(x + y)),
        _ => Err(FuncError::failed("want two ints")),
    }));
    let d = Value::map([("Add", add)]);
    assert_eq!(ok("{{ call .Add 2 3 }}", &d), "5");
    let err = render("{{ call .Add 2 }}", &d).unwrap_err();
    assert!(err.ends_with("error calling call: want two ints"), "{err}");
}

#[test]
fn user_functions_and_their_errors() {
    let mut f = FuncMap::new();
    f.insert("double", |a| match a {
        [Value::Int(n)] => Ok(Value::Int(n * 2)),
        [other] => Err(super::super::wrong_type("int", other)),
        _ => Err(FuncError::Arity {
            want: "1".into(),
            got: a.len(),
        }),
    });
    let run = |src| render_with(src, &Value::Nil, &f, MissingKey::Default);
    assert_eq!(run("{{ double 4 }}").unwrap(), "8");
    assert_eq!(
        run("{{ double }}").unwrap_err(),
        r#"template: t:1:3: executing "t" at <double>: wrong number of args for double: want 1 got 0"#
    );
    assert_eq!(
        run("{{ double \"x\" }}").unwrap_err(),
        r#"template: t:1:3: executing "t" at <double "x">: wrong type for value; expected int; got string"#
    );
}

#[test]
fn parse_and_exec_errors_name_template_and_line() {
    assert_eq!(
        render("a\n\n{{ nope }}", &Value::Nil).unwrap_err(),
        r#"template: t:3: function "nope" not defined"#
    );
    assert_eq!(
        render("{{ .Name.X }}", &data()).unwrap_err(),
        r#"template: t:1:8: executing "t" at <.Name.X>: can't evaluate field X in type string"#
    );
    assert_eq!(
        render("{{ 1 2 }}", &Value::Nil).unwrap_err(),
        r#"template: t:1:3: executing "t" at <1>: can't give argument to non-function 1"#
    );
    assert!(
        render("{{ if }}{{ end }}", &Value::Nil)
            .unwrap_err()
            .contains("missing value for if")
    );
}

#[test]
fn redefinition_replaces_unless_empty() {
    let mut t = super::super::Template::new("t");
    t.parse(r#"{{ define "x" }}one{{ end }}"#).unwrap();
    t.parse_named("other", r#"{{ define "x" }}two{{ end }}"#)
        .unwrap();
    t.parse_named("third", r#"{{ define "x" }} {{ end }}"#)
        .unwrap();
    assert_eq!(t.execute_template("x", &Value::Nil).unwrap(), "two");
    assert_eq!(
        t.execute_text("{{ template \"x\" }}!", &Value::Nil)
            .unwrap(),
        "two!"
    );
    assert!(!t.has(""), "execute_text leaves the set unchanged");
}
