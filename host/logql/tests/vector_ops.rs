//! Vector aggregations, `label_replace` and binary operators against
//! hand-computed values.

use watchpost_logql::aggregate::{Sample, aggregate, label_replace};
use watchpost_logql::binary::{Value, binary};
use watchpost_logql::{
    BinModifier, BinOp, Cardinality, EvalError, Grouping, LabelReplace, Labels, SampleExpr,
    VectorOp,
};

fn s(labels: &[(&str, &str)], v: f64) -> Sample {
    Sample::new(Labels::from_pairs(labels.iter().copied()), v)
}

fn show(v: &[Sample]) -> Vec<String> {
    v.iter()
        .map(|s| format!("{} {}", s.labels, s.value))
        .collect()
}

fn input() -> Vec<Sample> {
    vec![
        s(&[("host", "a"), ("q", "1")], 1.0),
        s(&[("host", "a"), ("q", "2")], 3.0),
        s(&[("host", "b"), ("q", "1")], 5.0),
        s(&[("host", "b"), ("q", "2")], 7.0),
    ]
}

#[test]
fn vector_aggregations() {
    let by = |l: &str| {
        Some(Grouping {
            without: false,
            labels: vec![l.into()],
        })
    };
    let without = |l: &str| {
        Some(Grouping {
            without: true,
            labels: vec![l.into()],
        })
    };
    let agg = |op, g: Option<Grouping>| show(&aggregate(op, None, g.as_ref(), input()));
    assert_eq!(
        agg(VectorOp::Sum, by("host")),
        [r#"{host="a"} 4"#, r#"{host="b"} 12"#]
    );
    assert_eq!(
        agg(VectorOp::Sum, without("q")),
        [r#"{host="a"} 4"#, r#"{host="b"} 12"#]
    );
    assert_eq!(agg(VectorOp::Sum, None), ["{} 16"]);
    assert_eq!(
        agg(VectorOp::Avg, by("q")),
        [r#"{q="1"} 3"#, r#"{q="2"} 5"#]
    );
    assert_eq!(
        agg(VectorOp::Count, by("host")),
        [r#"{host="a"} 2"#, r#"{host="b"} 2"#]
    );
    assert_eq!(agg(VectorOp::Min, None), ["{} 1"]);
    assert_eq!(
        agg(VectorOp::Max, by("q")),
        [r#"{q="1"} 5"#, r#"{q="2"} 7"#]
    );
    assert_eq!(agg(VectorOp::Stdvar, None), ["{} 5"]);
    assert_eq!(
        agg(VectorOp::Stddev, by("host")),
        [r#"{host="a"} 1"#, r#"{host="b"} 1"#]
    );
    let k = |op, k, g: Option<Grouping>| show(&aggregate(op, Some(k), g.as_ref(), input()));
    assert_eq!(
        k(VectorOp::Topk, 2, None),
        [r#"{host="b", q="2"} 7"#, r#"{host="b", q="1"} 5"#]
    );
    assert_eq!(k(VectorOp::Bottomk, 1, None), [r#"{host="a", q="1"} 1"#]);
    assert_eq!(
        k(VectorOp::Topk, 1, by("host")),
        [r#"{host="a", q="2"} 3"#, r#"{host="b", q="2"} 7"#]
    );
    assert_eq!(k(VectorOp::Topk, 9, None).len(), 4);
    // Ties keep the first series seen.
    let ties = vec![
        s(&[("i", "1")], 1.0),
        s(&[("i", "2")], 1.0),
        s(&[("i", "3")], 1.0),
    ];
    assert_eq!(
        show(&aggregate(VectorOp::Topk, Some(2), None, ties)),
        [r#"{i="1"} 1"#, r#"{i="2"} 1"#]
    );
    let mut unsorted = input();
    unsorted.swap(0, 3);
    assert_eq!(
        show(&aggregate(VectorOp::Sort, None, None, unsorted.clone()))[0],
        r#"{host="a", q="1"} 1"#
    );
    assert_eq!(
        show(&aggregate(VectorOp::SortDesc, None, None, unsorted))[0],
        r#"{host="b", q="2"} 7"#
    );
}

#[test]
fn label_replace_sets_and_removes() {
    let lr = |repl: &str, re: &str| LabelReplace {
        expr: Box::new(SampleExpr::Literal(0.0)),
        dst: "mx".into(),
        replacement: repl.into(),
        src: "host".into(),
        regex: re.into(),
    };
    let input = vec![
        s(&[("host", "mx1.example.com")], 1.0),
        s(&[("host", "other"), ("mx", "keep")], 2.0),
    ];
    let out = label_replace(&lr("$1", r"(.*)\.example\.com"), input.clone()).unwrap();
    assert_eq!(
        show(&out),
        [
            r#"{host="mx1.example.com", mx="mx1"} 1"#,
            r#"{host="other", mx="keep"} 2"#
        ]
    );
    let out = label_replace(&lr("", ".*"), input).unwrap();
    assert_eq!(
        show(&out),
        [r#"{host="mx1.example.com"} 1"#, r#"{host="other"} 2"#]
    );
}

fn vecv(v: Vec<Sample>) -> Value {
    Value::Vector(v)
}

fn shown(v: Result<Value, EvalError>) -> Vec<String> {
    match v.unwrap() {
        Value::Vector(v) => show(&v),
        Value::Scalar(x) => vec![x.to_string()],
    }
}

#[test]
fn binary_operators() {
    let none = BinModifier::default();
    let lhs = vec![s(&[("host", "a")], 10.0), s(&[("host", "b")], 20.0)];
    let rhs = vec![s(&[("host", "a")], 2.0), s(&[("host", "c")], 5.0)];
    assert_eq!(
        shown(binary(
            BinOp::Div,
            &none,
            vecv(lhs.clone()),
            vecv(rhs.clone())
        )),
        [r#"{host="a"} 5"#]
    );
    assert_eq!(
        shown(binary(
            BinOp::Gt,
            &none,
            vecv(lhs.clone()),
            Value::Scalar(15.0)
        )),
        [r#"{host="b"} 20"#]
    );
    let boolean = BinModifier {
        return_bool: true,
        ..Default::default()
    };
    assert_eq!(
        shown(binary(
            BinOp::Gt,
            &boolean,
            vecv(lhs.clone()),
            Value::Scalar(15.0)
        )),
        [r#"{host="a"} 0"#, r#"{host="b"} 1"#]
    );
    assert_eq!(
        shown(binary(
            BinOp::Sub,
            &none,
            Value::Scalar(1.0),
            vecv(rhs.clone())
        ))[0],
        r#"{host="a"} -1"#
    );
    assert_eq!(
        shown(binary(
            BinOp::Lt,
            &none,
            Value::Scalar(3.0),
            vecv(rhs.clone())
        )),
        [r#"{host="c"} 5"#]
    );
    // Loki: division and modulo by zero give NaN.
    let zero = binary(BinOp::Div, &none, vecv(lhs.clone()), Value::Scalar(0.0)).unwrap();
    assert!(matches!(zero, Value::Vector(v) if v.iter().all(|s| s.value.is_nan())));
    assert_eq!(
        shown(binary(
            BinOp::Pow,
            &none,
            Value::Scalar(2.0),
            Value::Scalar(10.0)
        )),
        ["1024"]
    );
    assert_eq!(
        shown(binary(
            BinOp::And,
            &none,
            vecv(lhs.clone()),
            vecv(rhs.clone())
        )),
        [r#"{host="a"} 10"#]
    );
    assert_eq!(
        shown(binary(
            BinOp::Unless,
            &none,
            vecv(lhs.clone()),
            vecv(rhs.clone())
        )),
        [r#"{host="b"} 20"#]
    );
    assert_eq!(
        shown(binary(
            BinOp::Or,
            &none,
            vecv(lhs.clone()),
            vecv(rhs.clone())
        )),
        [r#"{host="a"} 10"#, r#"{host="b"} 20"#, r#"{host="c"} 5"#]
    );
}

#[test]
fn vector_matching() {
    let many = vec![
        s(&[("host", "a"), ("q", "1")], 10.0),
        s(&[("host", "a"), ("q", "2")], 30.0),
        s(&[("host", "b"), ("q", "1")], 8.0),
    ];
    let one = vec![
        s(&[("host", "a"), ("role", "mx")], 10.0),
        s(&[("host", "b"), ("role", "imap")], 4.0),
    ];
    let on = |card, include: &[&str]| BinModifier {
        on: true,
        matching_labels: vec!["host".into()],
        card,
        include: include.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    assert_eq!(
        shown(binary(
            BinOp::Div,
            &on(Cardinality::ManyToOne, &["role"]),
            vecv(many.clone()),
            vecv(one.clone())
        )),
        [
            r#"{host="a", q="1", role="mx"} 1"#,
            r#"{host="a", q="2", role="mx"} 3"#,
            r#"{host="b", q="1", role="imap"} 2"#
        ]
    );
    assert_eq!(
        shown(binary(
            BinOp::Div,
            &on(Cardinality::OneToMany, &[]),
            vecv(one.clone()),
            vecv(many.clone())
        )),
        [
            r#"{host="a", q="1"} 1"#,
            r#"{host="a", q="2"} 0.3333333333333333"#,
            r#"{host="b", q="1"} 0.5"#
        ]
    );
    assert_eq!(
        binary(
            BinOp::Div,
            &on(Cardinality::OneToOne, &[]),
            vecv(many.clone()),
            vecv(one.clone())
        )
        .unwrap_err(),
        EvalError::ManyToOneImplicit
    );
    assert_eq!(
        binary(
            BinOp::Div,
            &on(Cardinality::ManyToOne, &[]),
            vecv(one.clone()),
            vecv(many.clone())
        )
        .unwrap_err(),
        EvalError::DuplicateSeries { side: "right" }
    );
    // One-to-one `on` keeps only the matching labels; comparisons keep the left value.
    let ignoring = BinModifier {
        matching_labels: vec!["role".into()],
        ..Default::default()
    };
    let left = vec![s(&[("host", "a"), ("role", "x")], 3.0)];
    let right = vec![s(&[("host", "a"), ("role", "y")], 2.0)];
    assert_eq!(
        shown(binary(
            BinOp::Gt,
            &ignoring,
            vecv(left.clone()),
            vecv(right.clone())
        )),
        [r#"{host="a"} 3"#]
    );
    assert_eq!(
        shown(binary(
            BinOp::Add,
            &on(Cardinality::OneToOne, &[]),
            vecv(left),
            vecv(right)
        )),
        [r#"{host="a"} 5"#]
    );
}
