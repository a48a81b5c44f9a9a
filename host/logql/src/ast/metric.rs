//! The metric side of the syntax tree: range and vector aggregations, binary
//! operators, literals, `vector()` and `label_replace()`.

use super::{LabelFilter, LogSelector};

/// An expression that evaluates to samples.
#[derive(Clone, Debug, PartialEq)]
pub enum SampleExpr {
    /// `rate({...}[5m])`, `quantile_over_time(0.99, {...} | unwrap x [5m]) by (a)`.
    Range(RangeAggregation),
    /// `sum by (host) (...)`, `topk(5, ...)`.
    Vector(VectorAggregation),
    /// `a / b`, `a > bool 10`, `a and on (x) b`.
    Binary(BinaryExpr),
    /// A number (`10`, `-1.5`). Literal-only binary operations are folded.
    Literal(f64),
    /// `vector(1)`: one sample without labels.
    VectorLiteral(f64),
    /// `label_replace(expr, "dst", "replacement", "src", "regex")`.
    LabelReplace(LabelReplace),
}

/// A range aggregation over a log range.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeAggregation {
    /// The function.
    pub op: RangeOp,
    /// The quantile of `quantile_over_time`.
    pub param: Option<f64>,
    /// The selector, range, offset and unwrap.
    pub range: LogRange,
    /// `by`/`without` after the call (only for unwrapped functions that allow it).
    pub grouping: Option<Grouping>,
}

/// `{...} | pipeline | unwrap x [5m] offset 1h`.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRange {
    /// The selector and pipeline.
    pub selector: LogSelector,
    /// The range in nanoseconds (millisecond precision, as Prometheus durations).
    pub range_ns: i64,
    /// The offset in nanoseconds (0 when absent).
    pub offset_ns: i64,
    /// The unwrapped label, if any.
    pub unwrap: Option<Unwrap>,
}

/// `| unwrap latency`, `| unwrap duration(took) | __error__=""`.
#[derive(Clone, Debug, PartialEq)]
pub struct Unwrap {
    /// The label whose value becomes the sample.
    pub label: String,
    /// How the value is converted.
    pub conversion: Conversion,
    /// Label filters after the unwrap (applied after the conversion).
    pub post_filters: Vec<LabelFilter>,
}

/// The conversion of an unwrapped value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Conversion {
    /// `unwrap x`: a float.
    Float,
    /// `unwrap bytes(x)`: a byte size (`5MB`).
    Bytes,
    /// `unwrap duration(x)`: a Go duration, in seconds.
    Duration,
    /// `unwrap duration_seconds(x)`: the same.
    DurationSeconds,
}

impl Conversion {
    /// The name inside `unwrap name(label)`, `None` for [`Conversion::Float`].
    pub fn name(self) -> Option<&'static str> {
        match self {
            Conversion::Float => None,
            Conversion::Bytes => Some("bytes"),
            Conversion::Duration => Some("duration"),
            Conversion::DurationSeconds => Some("duration_seconds"),
        }
    }
}

/// `by (a, b)` or `without (a, b)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Grouping {
    /// `without` rather than `by`.
    pub without: bool,
    /// The label names.
    pub labels: Vec<String>,
}

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant,)* }

        impl $name {
            /// Every variant.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The name as written in a query.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// The variant written `name` (lower case).
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($text => Some($name::$variant),)* _ => None }
            }
        }
    };
}

named_enum!(
    /// A range aggregation function.
    RangeOp {
        /// `count_over_time`
        CountOverTime => "count_over_time",
        /// `rate`
        Rate => "rate",
        /// `rate_counter`
        RateCounter => "rate_counter",
        /// `bytes_over_time`
        BytesOverTime => "bytes_over_time",
        /// `bytes_rate`
        BytesRate => "bytes_rate",
        /// `avg_over_time`
        AvgOverTime => "avg_over_time",
        /// `sum_over_time`
        SumOverTime => "sum_over_time",
        /// `min_over_time`
        MinOverTime => "min_over_time",
        /// `max_over_time`
        MaxOverTime => "max_over_time",
        /// `stdvar_over_time`
        StdvarOverTime => "stdvar_over_time",
        /// `stddev_over_time`
        StddevOverTime => "stddev_over_time",
        /// `quantile_over_time`
        QuantileOverTime => "quantile_over_time",
        /// `first_over_time`
        FirstOverTime => "first_over_time",
        /// `last_over_time`
        LastOverTime => "last_over_time",
        /// `absent_over_time`
        AbsentOverTime => "absent_over_time",
    }
);

named_enum!(
    /// A vector aggregation operator.
    VectorOp {
        /// `sum`
        Sum => "sum",
        /// `avg`
        Avg => "avg",
        /// `count`
        Count => "count",
        /// `max`
        Max => "max",
        /// `min`
        Min => "min",
        /// `stddev`
        Stddev => "stddev",
        /// `stdvar`
        Stdvar => "stdvar",
        /// `bottomk`
        Bottomk => "bottomk",
        /// `topk`
        Topk => "topk",
        /// `sort`
        Sort => "sort",
        /// `sort_desc`
        SortDesc => "sort_desc",
    }
);

/// A vector aggregation.
#[derive(Clone, Debug, PartialEq)]
pub struct VectorAggregation {
    /// The operator.
    pub op: VectorOp,
    /// `k` of `topk` / `bottomk`.
    pub param: Option<i64>,
    /// `by`/`without`; `None` (also for `by ()`) aggregates everything into one series.
    pub grouping: Option<Grouping>,
    /// The aggregated expression.
    pub expr: Box<SampleExpr>,
}

named_enum!(
    /// A binary operator.
    BinOp {
        /// `or`
        Or => "or",
        /// `and`
        And => "and",
        /// `unless`
        Unless => "unless",
        /// `+`
        Add => "+",
        /// `-`
        Sub => "-",
        /// `*`
        Mul => "*",
        /// `/`
        Div => "/",
        /// `%`
        Mod => "%",
        /// `^`
        Pow => "^",
        /// `==`
        Eq => "==",
        /// `!=`
        Neq => "!=",
        /// `>`
        Gt => ">",
        /// `>=`
        Gte => ">=",
        /// `<`
        Lt => "<",
        /// `<=`
        Lte => "<=",
    }
);

impl BinOp {
    /// `==`, `!=`, `>`, `>=`, `<`, `<=`.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Neq | BinOp::Gt | BinOp::Gte | BinOp::Lt | BinOp::Lte
        )
    }

    /// `and`, `or`, `unless`.
    pub fn is_set(self) -> bool {
        matches!(self, BinOp::And | BinOp::Or | BinOp::Unless)
    }

    /// Binding strength, as in Loki's grammar (higher binds tighter).
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And | BinOp::Unless => 2,
            BinOp::Eq | BinOp::Neq | BinOp::Gt | BinOp::Gte | BinOp::Lt | BinOp::Lte => 3,
            BinOp::Add | BinOp::Sub => 4,
            BinOp::Mul | BinOp::Div | BinOp::Mod => 5,
            BinOp::Pow => 6,
        }
    }
}

/// Which side of a vector match may have several series per match group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Cardinality {
    /// The default.
    #[default]
    OneToOne,
    /// `group_left`
    ManyToOne,
    /// `group_right`
    OneToMany,
}

/// The modifiers after a binary operator: `bool`, `on`/`ignoring`, `group_left`/`group_right`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct BinModifier {
    /// `bool`: comparisons return 0/1 instead of filtering.
    pub return_bool: bool,
    /// `on (...)` rather than `ignoring (...)`.
    pub on: bool,
    /// The labels of `on` / `ignoring`.
    pub matching_labels: Vec<String>,
    /// `group_left` / `group_right`.
    pub card: Cardinality,
    /// The labels in `group_left (...)` copied from the "one" side.
    pub include: Vec<String>,
}

/// A binary operation.
#[derive(Clone, Debug, PartialEq)]
pub struct BinaryExpr {
    /// The operator.
    pub op: BinOp,
    /// Left operand.
    pub lhs: Box<SampleExpr>,
    /// Right operand.
    pub rhs: Box<SampleExpr>,
    /// The modifiers.
    pub modifier: BinModifier,
}

/// `label_replace(expr, dst, replacement, src, regex)`.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelReplace {
    /// The input.
    pub expr: Box<SampleExpr>,
    /// The label to set.
    pub dst: String,
    /// The replacement, with `$1` / `${name}` references.
    pub replacement: String,
    /// The label matched.
    pub src: String,
    /// The regex (anchored when applied).
    pub regex: String,
}

impl RangeOp {
    /// Whether the function may take `by`/`without` (Loki allows it for these only).
    pub fn allows_grouping(self) -> bool {
        use RangeOp::*;
        matches!(
            self,
            AvgOverTime
                | StddevOverTime
                | StdvarOverTime
                | QuantileOverTime
                | MaxOverTime
                | MinOverTime
                | FirstOverTime
                | LastOverTime
        )
    }

    /// Whether the function accepts an unwrapped range.
    pub fn allows_unwrap(self) -> bool {
        use RangeOp::*;
        !matches!(self, CountOverTime | BytesOverTime | BytesRate)
    }

    /// Whether the function works without unwrap (on log lines).
    pub fn allows_lines(self) -> bool {
        use RangeOp::*;
        matches!(
            self,
            BytesOverTime | BytesRate | CountOverTime | Rate | AbsentOverTime
        )
    }
}

impl SampleExpr {
    /// Every range aggregation in the expression, left to right.
    pub fn range_aggregations(&self) -> Vec<&RangeAggregation> {
        let mut out = Vec::new();
        self.collect_ranges(&mut out);
        out
    }

    fn collect_ranges<'a>(&'a self, out: &mut Vec<&'a RangeAggregation>) {
        match self {
            SampleExpr::Range(r) => out.push(r),
            SampleExpr::Vector(v) => v.expr.collect_ranges(out),
            SampleExpr::Binary(b) => {
                b.lhs.collect_ranges(out);
                b.rhs.collect_ranges(out);
            }
            SampleExpr::LabelReplace(l) => l.expr.collect_ranges(out),
            SampleExpr::Literal(_) | SampleExpr::VectorLiteral(_) => {}
        }
    }
}
