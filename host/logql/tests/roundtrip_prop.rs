//! Property: printing any query the parser can produce and parsing the text
//! gives the same tree back (and the same text again).

use proptest::prelude::*;
use watchpost_logql::*;

const RESERVED: &[&str] = &[
    "by",
    "without",
    "bool",
    "offset",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "or",
    "and",
    "unless",
    "json",
    "regexp",
    "logfmt",
    "unpack",
    "pattern",
    "label_format",
    "line_format",
    "decolorize",
    "drop",
    "keep",
    "unwrap",
];

fn ident() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,6}".prop_filter("keyword", |s| !RESERVED.contains(&s.as_str()))
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ._:/-]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(8).collect()),
        Just("quote\"back\\slash\ttab\n".to_string()),
    ]
}

fn regex_text() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a.*", ".+", "(?i)err", "x|y", "[0-9]+", "^p\\d", ""])
        .prop_map(str::to_string)
}

fn matcher() -> impl Strategy<Value = Matcher> {
    prop_oneof![
        (ident(), text()).prop_map(|(n, v)| Matcher::new(n, MatchOp::Eq, v)),
        (ident(), text()).prop_map(|(n, v)| Matcher::new(n, MatchOp::Neq, v)),
        (ident(), regex_text()).prop_map(|(n, v)| Matcher::new(n, MatchOp::Re, v)),
        (ident(), regex_text()).prop_map(|(n, v)| Matcher::new(n, MatchOp::Nre, v)),
    ]
}

fn cmp() -> impl Strategy<Value = CmpOp> {
    prop::sample::select(vec![
        CmpOp::Eq,
        CmpOp::Neq,
        CmpOp::Gt,
        CmpOp::Gte,
        CmpOp::Lt,
        CmpOp::Lte,
    ])
}

fn label_filter() -> impl Strategy<Value = LabelFilter> {
    let leaf = prop_oneof![
        matcher().prop_map(LabelFilter::Matcher),
        (ident(), any::<bool>()).prop_map(|(label, negate)| LabelFilter::Ip {
            label,
            negate,
            pattern: "10.0.0.0/8".into()
        }),
        (ident(), cmp(), -1e12f64..1e12).prop_map(|(label, op, value)| LabelFilter::Number {
            label,
            op,
            value
        }),
        (ident(), cmp(), -(1i64 << 50)..(1i64 << 50))
            .prop_map(|(label, op, nanos)| LabelFilter::Duration { label, op, nanos }),
        (ident(), cmp(), 0u64..(1 << 50)).prop_map(|(label, op, bytes)| LabelFilter::Bytes {
            label,
            op,
            bytes
        }),
    ];
    leaf.prop_recursive(3, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| LabelFilter::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| LabelFilter::Or(Box::new(a), Box::new(b))),
        ]
    })
}

fn extraction() -> impl Strategy<Value = LabelExtraction> {
    (ident(), ident()).prop_map(|(label, expression)| LabelExtraction { label, expression })
}

fn line_filter() -> impl Strategy<Value = LineFilter> {
    prop_oneof![
        (
            prop::sample::select(vec![LineFilterOp::NotContains, LineFilterOp::NotMatch]),
            text()
        )
            .prop_map(|(op, v)| LineFilter {
                op,
                values: vec![LineFilterValue::Literal(v)]
            }),
        (prop::collection::vec(text(), 1..4), any::<bool>()).prop_map(|(vs, ip)| {
            let mut values: Vec<_> = vs.into_iter().map(LineFilterValue::Literal).collect();
            if ip {
                values.push(LineFilterValue::Ip("192.168.0.1".into()));
            }
            LineFilter {
                op: LineFilterOp::Contains,
                values,
            }
        }),
        prop::collection::vec(regex_text(), 1..3).prop_map(|vs| LineFilter {
            op: LineFilterOp::Match,
            values: vs.into_iter().map(LineFilterValue::Literal).collect()
        }),
    ]
}

fn name_or_matcher() -> impl Strategy<Value = NameOrMatcher> {
    prop_oneof![
        ident().prop_map(NameOrMatcher::Name),
        matcher().prop_map(NameOrMatcher::Matcher)
    ]
}

fn stage() -> impl Strategy<Value = Stage> {
    prop_oneof![
        line_filter().prop_map(Stage::LineFilter),
        prop::collection::vec(extraction(), 0..3).prop_map(Stage::Json),
        (
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec(extraction(), 0..3)
        )
            .prop_map(|(strict, keep_empty, extractions)| Stage::Logfmt {
                strict,
                keep_empty,
                extractions
            }),
        Just(Stage::Regexp("(?P<a>x+)".into())),
        Just(Stage::Pattern("<a> - <_> <b>".into())),
        Just(Stage::Unpack),
        label_filter().prop_map(Stage::LabelFilter),
        text().prop_map(Stage::LineFormat),
        prop::collection::vec(
            prop_oneof![
                (ident(), ident()).prop_map(|(dst, src)| LabelFormat::Rename { dst, src }),
                (ident(), text())
                    .prop_map(|(dst, template)| LabelFormat::Template { dst, template }),
            ],
            1..3
        )
        .prop_map(Stage::LabelFormat),
        prop::collection::vec(name_or_matcher(), 1..3).prop_map(Stage::Drop),
        prop::collection::vec(name_or_matcher(), 1..3).prop_map(Stage::Keep),
        Just(Stage::Decolorize),
    ]
}

fn selector() -> impl Strategy<Value = LogSelector> {
    (ident(), "[a-z]{1,5}", prop::collection::vec(matcher(), 0..2), prop::collection::vec(stage(), 0..4)).prop_map(
        |(name, value, mut more, mut stages)| {
            more.insert(0, Matcher::new(name, MatchOp::Eq, value));
            // `| drop a != "x"` reads as a matcher in LogQL: that tree has no text.
            for i in 1..stages.len() {
                if matches!(&stages[i - 1], Stage::Drop(v) | Stage::Keep(v) if matches!(v.last(), Some(NameOrMatcher::Name(_))))
                    && matches!(&stages[i], Stage::LineFilter(f) if f.op.is_negative())
                {
                    stages[i] = Stage::Decolorize;
                }
            }
            LogSelector { matchers: more, stages }
        },
    )
}

fn grouping() -> impl Strategy<Value = Grouping> {
    (any::<bool>(), prop::collection::vec(ident(), 0..3))
        .prop_map(|(without, labels)| Grouping { without, labels })
}

fn range_aggregation() -> impl Strategy<Value = SampleExpr> {
    let unwrap = (
        ident(),
        prop::sample::select(vec![
            Conversion::Float,
            Conversion::Bytes,
            Conversion::Duration,
        ]),
        prop::collection::vec(label_filter(), 0..2),
    )
        .prop_map(|(label, conversion, post_filters)| Unwrap {
            label,
            conversion,
            post_filters,
        });
    (
        prop::sample::select(RangeOp::ALL.to_vec()),
        selector(),
        1i64..100_000,
        prop_oneof![Just(0i64), -1_000_000i64..1_000_000],
        unwrap,
        grouping(),
        0.0f64..1.0,
    )
        .prop_map(|(op, selector, ms, offset_ms, unwrap, grouping, q)| {
            let unwrap =
                (!op.allows_lines() || (op.allows_unwrap() && ms % 2 == 0)).then_some(unwrap);
            let grouping = (unwrap.is_some() && op.allows_grouping()).then_some(grouping);
            let param = (op == RangeOp::QuantileOverTime).then_some(q);
            SampleExpr::Range(RangeAggregation {
                op,
                param,
                range: LogRange {
                    selector,
                    range_ns: ms * 1_000_000,
                    offset_ns: offset_ms * 1_000_000,
                    unwrap,
                },
                grouping,
            })
        })
}

fn modifier() -> impl Strategy<Value = BinModifier> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(ident(), 0..2),
        prop::sample::select(vec![
            Cardinality::OneToOne,
            Cardinality::ManyToOne,
            Cardinality::OneToMany,
        ]),
        prop::collection::vec(ident(), 0..2),
    )
        .prop_map(|(return_bool, on, matching_labels, card, include)| {
            let include = if card == Cardinality::OneToOne {
                Vec::new()
            } else {
                include
            };
            BinModifier {
                return_bool,
                on,
                matching_labels,
                card,
                include,
            }
        })
}

fn sample_expr() -> impl Strategy<Value = SampleExpr> {
    let leaf = prop_oneof![4 => range_aggregation(), 1 => (0.0f64..100.0).prop_map(SampleExpr::VectorLiteral)];
    leaf.prop_recursive(3, 6, 2, |inner| {
        prop_oneof![
            (
                prop::sample::select(VectorOp::ALL.to_vec()),
                inner.clone(),
                1i64..10,
                grouping()
            )
                .prop_map(|(op, e, k, g)| {
                    let param = matches!(op, VectorOp::Topk | VectorOp::Bottomk).then_some(k);
                    let g = Some(g).filter(|g| {
                        (g.without || !g.labels.is_empty())
                            && !matches!(op, VectorOp::Sort | VectorOp::SortDesc)
                    });
                    SampleExpr::Vector(VectorAggregation {
                        op,
                        param,
                        grouping: g,
                        expr: Box::new(e),
                    })
                }),
            (
                prop::sample::select(BinOp::ALL.to_vec()),
                inner.clone(),
                inner.clone(),
                any::<bool>(),
                -1e6f64..1e6,
                modifier()
            )
                .prop_map(|(op, l, r, lit, v, modifier)| {
                    let r = if lit && !op.is_set() {
                        SampleExpr::Literal(v)
                    } else {
                        r
                    };
                    SampleExpr::Binary(BinaryExpr {
                        op,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                        modifier,
                    })
                }),
            (inner, ident(), ident()).prop_map(|(e, dst, src)| SampleExpr::LabelReplace(
                LabelReplace {
                    expr: Box::new(e),
                    dst,
                    replacement: "$1".into(),
                    src,
                    regex: "(.*)".into()
                }
            )),
        ]
    })
}

fn check(expr: Expr) -> Result<(), TestCaseError> {
    let text = expr.to_string();
    let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{text}\n{e}")))?;
    prop_assert_eq!(&back, &expr, "{}", text);
    prop_assert_eq!(back.to_string(), text);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn log_queries_round_trip(sel in selector()) {
        check(Expr::Log(sel))?;
    }

    #[test]
    fn metric_queries_round_trip(e in sample_expr()) {
        check(Expr::Sample(e))?;
    }
}
