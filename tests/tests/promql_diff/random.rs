//! Random queries over the data set, from a seeded grammar of PromQL:
//! selectors, range functions, aggregations, binary operators with vector
//! matching, functions, offsets and subqueries, nested a few levels deep.
//! They find what a hand-written corpus does not think of; the same seed
//! gives the same queries on every run.

use crate::corpus::{Expect, Query, When};
use crate::rng::Rng;

/// Metrics of the data set with labels worth matching and grouping on.
const METRICS: &[(&str, &[&str])] = &[
    (
        "http_requests_total",
        &["job", "instance", "method", "code"],
    ),
    ("node_cpu_seconds_total", &["instance", "cpu", "mode"]),
    ("memory_usage_bytes", &["job", "instance"]),
    ("memory_limit_bytes", &["job", "instance"]),
    ("temperature_celsius", &["location", "sensor"]),
    ("queue_depth", &["queue", "instance"]),
    ("sensor_reading", &["instance"]),
    ("batch_job_progress", &["instance"]),
    ("up", &["job", "instance"]),
];

const MATCHERS: &[&str] = &[
    "",
    r#"{job=~"api|web"}"#,
    r#"{instance!~"10.*"}"#,
    r#"{job=~".+", job!~"node"}"#,
    r#"{__name__=~".*_bytes"}"#,
    r#"{job="api"}"#,
    r#"{job!="api"}"#,
    r#"{code=~"5.."}"#,
    r#"{mode="idle"}"#,
    r#"{mode!="idle"}"#,
    r#"{instance=~".*1.*"}"#,
    r#"{method="GET"}"#,
];

const RANGES: &[&str] = &["1m", "2m", "5m", "10m"];

const RANGE_FUNCTIONS: &[&str] = &[
    "rate",
    "irate",
    "increase",
    "delta",
    "idelta",
    "deriv",
    "changes",
    "resets",
    "avg_over_time",
    "min_over_time",
    "max_over_time",
    "sum_over_time",
    "count_over_time",
    "last_over_time",
    "present_over_time",
    "stddev_over_time",
    "stdvar_over_time",
    "quantile_over_time",
];

const AGGREGATIONS: &[&str] = &[
    "sum", "avg", "min", "max", "count", "stddev", "stdvar", "group",
];

const FUNCTIONS: &[&str] = &[
    "abs", "ceil", "floor", "exp", "ln", "log2", "log10", "sqrt", "sgn", "-", "sin", "cos", "atan",
    "tanh", "deg", "rad", "asinh",
];

const ARITHMETIC: &[&str] = &["+", "-", "*", "/", "%", "^", "atan2"];
const COMPARISON: &[&str] = &["==", "!=", ">", "<", ">=", "<="];
const SET: &[&str] = &["and", "or", "unless"];

/// Builds random expressions.
struct Generator {
    rng: Rng,
}

impl Generator {
    /// A metric and the labels it has.
    fn metric(&mut self) -> (&'static str, &'static [&'static str]) {
        *self.rng.pick(METRICS)
    }

    /// One of `labels`, or `job` when there are none.
    fn label(&mut self, labels: &[&str]) -> String {
        if labels.is_empty() {
            "job".into()
        } else {
            self.rng.pick(labels).to_string()
        }
    }

    fn selector(&mut self) -> (String, &'static [&'static str]) {
        let (name, labels) = self.metric();
        let matcher = self.rng.pick(MATCHERS);
        (format!("{name}{matcher}"), labels)
    }

    /// ` offset 5m`, now and then.
    fn offset(&mut self) -> String {
        if self.rng.chance(10) {
            format!(" offset {}", self.rng.pick(&["1m", "5m", "-2m"]))
        } else {
            String::new()
        }
    }

    fn scalar(&mut self) -> String {
        match self.rng.below(6) {
            0 => "time()".into(),
            1 => format!("scalar({})", self.vector(1).0),
            2 => "-1".into(),
            3 => "0".into(),
            4 => self
                .rng
                .pick(&["0.5", "NaN", "Inf", "-Inf", "1e3"])
                .to_string(),
            _ => format!("{}", self.rng.below(200) as f64 / 4.0),
        }
    }

    /// A vector expression and the labels its series may carry.
    fn vector(&mut self, depth: u32) -> (String, &'static [&'static str]) {
        let leaf = depth == 0 || self.rng.chance(25);
        if leaf {
            return if self.rng.chance(50) {
                let (sel, labels) = self.selector();
                (format!("{sel}{}", self.offset()), labels)
            } else {
                let (sel, labels) = self.selector();
                let f = self.rng.pick(RANGE_FUNCTIONS);
                let (range, offset) = (self.rng.pick(RANGES), self.offset());
                if *f == "quantile_over_time" {
                    (format!("{f}(0.5, {sel}[{range}]{offset})"), labels)
                } else {
                    (format!("{f}({sel}[{range}]{offset})"), labels)
                }
            };
        }
        match self.rng.below(12) {
            0 | 1 => {
                let (inner, labels) = self.vector(depth - 1);
                let op = self.rng.pick(AGGREGATIONS);
                match self.rng.below(3) {
                    0 => (format!("{op}({inner})"), &[]),
                    1 => {
                        let by = self.label(labels);
                        (format!("{op} by ({by}) ({inner})"), labels)
                    }
                    _ => {
                        let without = self.label(labels);
                        (format!("{op} without ({without}) ({inner})"), labels)
                    }
                }
            }
            2 => {
                let (inner, labels) = self.vector(depth - 1);
                // No topk/bottomk: Prometheus breaks their ties in the
                // order of a Go map, which differs from run to run. No
                // count_values either: that order also decides the last
                // bits of an aggregated value, which it turns into a label.
                if self.rng.chance(50) {
                    (format!("quantile(0.75, {inner})"), &[])
                } else {
                    (
                        format!("quantile by ({}) (0.1, {inner})", self.label(labels)),
                        labels,
                    )
                }
            }
            3 => {
                let (inner, labels) = self.vector(depth - 1);
                let f = self.rng.pick(FUNCTIONS);
                match self.rng.below(5) {
                    0 => (format!("clamp({inner}, 0, 100)"), labels),
                    1 => (format!("round({inner}, 0.5)"), labels),
                    2 => (format!("timestamp({inner})"), labels),
                    _ if *f == "-" => (format!("-({inner})"), labels),
                    _ => (format!("{f}({inner})"), labels),
                }
            }
            4 | 5 => {
                let (left, labels) = self.vector(depth - 1);
                let scalar = self.scalar();
                let op = if self.rng.chance(70) {
                    self.rng.pick(ARITHMETIC).to_string()
                } else {
                    let bool = if self.rng.chance(50) { " bool" } else { "" };
                    format!("{}{bool}", self.rng.pick(COMPARISON))
                };
                if self.rng.chance(50) {
                    (format!("({left}) {op} {scalar}"), labels)
                } else {
                    (format!("{scalar} {op} ({left})"), labels)
                }
            }
            6 | 7 => {
                let (left, labels) = self.vector(depth - 1);
                let (right, _) = self.vector(depth - 1);
                let op = match self.rng.below(3) {
                    0 => self.rng.pick(ARITHMETIC).to_string(),
                    1 => self.rng.pick(COMPARISON).to_string(),
                    _ => self.rng.pick(SET).to_string(),
                };
                let label = self.label(labels);
                let matching = match self.rng.below(4) {
                    0 => String::new(),
                    1 => format!(" on ({label})"),
                    2 => format!(" ignoring ({label})"),
                    _ if !SET.contains(&op.as_str()) => format!(" on ({label}) group_left ()"),
                    _ => format!(" on ({label})"),
                };
                (format!("({left}) {op}{matching} ({right})"), labels)
            }
            9 => {
                let (inner, labels) = self.vector(depth - 1);
                let label = self.label(labels);
                match self.rng.below(2) {
                    0 => (
                        format!(r#"label_replace({inner}, "dst", "x$1", "{label}", "(.+)-(.*)")"#),
                        labels,
                    ),
                    _ => (
                        format!(r#"label_join({inner}, "dst", "-", "{label}", "job")"#),
                        labels,
                    ),
                }
            }
            10 => {
                let (inner, labels) = self.vector(depth - 1);
                let (sel, sel_labels) = self.selector();
                match self.rng.below(12) {
                    0 => (format!("absent({inner})"), &[]),
                    1 => (format!("absent_over_time({sel}[5m])"), &[]),
                    2 => {
                        let q = self.rng.pick(&["0.5", "0.9", "0.99", "1", "0", "-1", "2"]);
                        let by = self.rng.pick(&["", "job, ", "handler, "]);
                        (
                            format!(
                                "histogram_quantile({q}, sum by ({by}le) (rate(http_request_duration_seconds_bucket[5m])))"
                            ),
                            &["job", "handler"],
                        )
                    }
                    3 => (format!("hour(timestamp({inner}))"), labels),
                    4 => (format!("minute({inner})"), labels),
                    5 => (format!("day_of_week({inner})"), labels),
                    6 => (format!("predict_linear({sel}[10m], 120)"), sel_labels),
                    7 => (format!("holt_winters({sel}[10m], 0.3, 0.6)"), sel_labels),
                    8 => (format!("clamp_min({inner}, 1)"), labels),
                    9 => (format!("clamp_max({inner}, 10)"), labels),
                    // Not sort or sort_desc: their order of ties is Go's
                    // map order in Prometheus.
                    10 => (format!("round({inner})"), labels),
                    _ => (format!("vector({})", self.scalar()), &[]),
                }
            }
            11 => {
                let (left, labels) = self.vector(depth - 1);
                let (right, _) = self.vector(depth - 1);
                let (a, b) = (self.label(labels), self.label(labels));
                let op = self.rng.pick(&["*", "/", "+", ">", "<="]);
                match self.rng.below(4) {
                    0 => (
                        format!("({left}) {op} on ({a}) group_right () ({right})"),
                        labels,
                    ),
                    1 => (
                        format!("({left}) {op} ignoring ({a}) group_left ({b}) ({right})"),
                        labels,
                    ),
                    2 => {
                        let (sel, labels) = self.selector();
                        let at = self.rng.pick(&["${+30m}", "start()", "end()", "${+50m}"]);
                        (format!("{sel} @ {at}"), labels)
                    }
                    _ => (format!("({left}) {op} bool on () ({right})"), labels),
                }
            }
            _ => {
                let (inner, labels) = self.vector(depth - 1);
                let f = self
                    .rng
                    .pick(&["max_over_time", "avg_over_time", "rate", "deriv"]);
                let (range, step) = *self.rng.pick(&[("10m", "1m"), ("5m", "30s"), ("3m", "")]);
                (format!("{f}(({inner})[{range}:{step}])"), labels)
            }
        }
    }
}

/// `expr` with one small random edit: a character dropped, doubled or
/// replaced by a piece of PromQL syntax. Most results are invalid: they
/// test that both parsers refuse the same queries, with the same words.
fn mutate(rng: &mut Rng, expr: &str) -> String {
    const PIECES: &[&str] = &[
        "(",
        ")",
        "{",
        "}",
        "[",
        "]",
        ",",
        "=",
        "!",
        "~",
        "\"",
        "'",
        "`",
        " ",
        "by",
        "on",
        "offset",
        "@",
        ":",
        "5m",
        "-",
        "^",
        "bool",
        "1e",
        "0x",
        "#",
        "\\",
        "group_left",
    ];
    let chars: Vec<char> = expr.chars().collect();
    let mut at = rng.below(chars.len().max(1));
    // Never inside a `${+30m}` time, which the corpus expands first.
    let text: String = chars[..at].iter().collect();
    if text
        .rfind("${")
        .is_some_and(|open| !text[open..].contains('}'))
    {
        at = text.rfind("${").expect("just found").saturating_sub(1);
    }
    let mut out: String = chars[..at].iter().collect();
    match rng.below(3) {
        0 => {}
        1 => out.extend(chars.get(at).into_iter().chain(chars.get(at))),
        _ => out.push_str(PIECES[rng.below(PIECES.len())]),
    }
    out.extend(chars.iter().skip(at + 1));
    out
}

/// `n` random queries, alternately instant and range, numbered from
/// `first_line` so a difference can be told apart from corpus lines.
/// With `mutated`, each has one small random edit (see `mutate`).
pub fn queries(seed: u64, n: usize, first_line: usize, mutated: bool) -> Vec<Query> {
    let mut generator = Generator { rng: Rng(seed) };
    (0..n)
        .map(|i| {
            let mut expr = generator.vector(3).0;
            if mutated {
                expr = mutate(&mut generator.rng, &expr);
            }
            let when = if i % 2 == 0 {
                When::Instant(generator.rng.below(66) as i64 * 60_000 + 7_000)
            } else {
                let start = generator.rng.below(40) as i64 * 60_000;
                When::Range {
                    start,
                    end: start + 25 * 60_000,
                    step: *generator
                        .rng
                        .pick(&[7_000, 15_000, 60_000, 100_000, 300_000]),
                }
            };
            Query {
                line: first_line + i,
                when,
                expr,
                expect: Expect::Unknown,
            }
        })
        .collect()
}
