//! `Display` for the syntax tree: Loki's canonical form (its `String()`), which
//! [`crate::parse`] reads back to an equal tree. Strings are Go-quoted, ranges
//! print as Prometheus durations (`[5m]`), offsets and duration filters as Go
//! durations (`offset 1h0m0s`), binary operations fully parenthesised.
//!
//! One tree has no text, in Loki as here: `drop`/`keep` ending in a bare
//! name followed by a `!=`/`!~` line filter (`| drop a != "x"` reads as the
//! matcher `a!="x"`).

use std::fmt::{self, Display, Formatter, Write as _};

use crate::ast::*;
use crate::units::{
    format_bytes, format_float_f, format_go_duration, format_go_float, format_prom_duration,
    go_quote,
};

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Log(l) => l.fmt(f),
            Expr::Sample(s) => s.fmt(f),
        }
    }
}

impl Display for Matcher {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}",
            self.name,
            self.op.as_str(),
            go_quote(&self.value)
        )
    }
}

impl Display for LogSelector {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('{')?;
        for (i, m) in self.matchers.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            m.fmt(f)?;
        }
        f.write_char('}')?;
        for s in &self.stages {
            write!(f, " {s}")?;
        }
        Ok(())
    }
}

fn join<T: Display>(f: &mut Formatter<'_>, items: &[T], sep: &str) -> fmt::Result {
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        it.fmt(f)?;
    }
    Ok(())
}

impl Display for LabelExtraction {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.label, go_quote(&self.expression))
    }
}

impl Display for LineFilterValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            LineFilterValue::Literal(s) => f.write_str(&go_quote(s)),
            LineFilterValue::Ip(s) => write!(f, "ip({})", go_quote(s)),
        }
    }
}

impl Display for LineFilter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.op.as_str())?;
        join(f, &self.values, " or ")
    }
}

impl Display for NameOrMatcher {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            NameOrMatcher::Name(n) => f.write_str(n),
            NameOrMatcher::Matcher(m) => m.fmt(f),
        }
    }
}

impl Display for LabelFormat {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            LabelFormat::Rename { dst, src } => write!(f, "{dst}={src}"),
            LabelFormat::Template { dst, template } => write!(f, "{dst}={}", go_quote(template)),
        }
    }
}

impl Display for Stage {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Stage::LineFilter(l) => l.fmt(f),
            Stage::Json(ex) if ex.is_empty() => f.write_str("| json"),
            Stage::Json(ex) => {
                f.write_str("| json ")?;
                join(f, ex, ",")
            }
            Stage::Logfmt {
                strict,
                keep_empty,
                extractions,
            } => {
                f.write_str("| logfmt")?;
                if *strict {
                    f.write_str(" --strict")?;
                }
                if *keep_empty {
                    f.write_str(" --keep-empty")?;
                }
                if !extractions.is_empty() {
                    f.write_char(' ')?;
                    join(f, extractions, ",")?;
                }
                Ok(())
            }
            Stage::Regexp(re) => write!(f, "| regexp {}", go_quote(re)),
            Stage::Pattern(p) => write!(f, "| pattern {}", go_quote(p)),
            Stage::Unpack => f.write_str("| unpack"),
            Stage::LabelFilter(l) => write!(f, "| {l}"),
            Stage::LineFormat(t) => write!(f, "| line_format {}", go_quote(t)),
            Stage::LabelFormat(v) => {
                f.write_str("| label_format ")?;
                join(f, v, ",")
            }
            Stage::Drop(v) => {
                f.write_str("| drop ")?;
                join(f, v, ",")
            }
            Stage::Keep(v) => {
                f.write_str("| keep ")?;
                join(f, v, ",")
            }
            Stage::Decolorize => f.write_str("| decolorize"),
        }
    }
}

impl Display for LabelFilter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            LabelFilter::Matcher(m) => m.fmt(f),
            LabelFilter::Ip {
                label,
                negate,
                pattern,
            } => {
                write!(
                    f,
                    "{label}{}ip({})",
                    if *negate { "!=" } else { "=" },
                    go_quote(pattern)
                )
            }
            LabelFilter::Number { label, op, value } => {
                write!(f, "{label}{}{}", op.as_str(), format_float_f(*value))
            }
            LabelFilter::Duration { label, op, nanos } => {
                write!(f, "{label}{}{}", op.as_str(), format_go_duration(*nanos))
            }
            LabelFilter::Bytes { label, op, bytes } => {
                write!(f, "{label}{}{}", op.as_str(), format_bytes(*bytes))
            }
            LabelFilter::And(a, b) => write!(f, "( {a} , {b} )"),
            LabelFilter::Or(a, b) => write!(f, "( {a} or {b} )"),
        }
    }
}

impl Display for Grouping {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            " {} ({})",
            if self.without { "without" } else { "by" },
            self.labels.join(",")
        )
    }
}

impl Display for Unwrap {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.conversion.name() {
            Some(conv) => write!(f, " | unwrap {conv}({})", self.label)?,
            None => write!(f, " | unwrap {}", self.label)?,
        }
        for p in &self.post_filters {
            write!(f, " | {p}")?;
        }
        Ok(())
    }
}

impl Display for LogRange {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.selector.fmt(f)?;
        if let Some(u) = &self.unwrap {
            u.fmt(f)?;
        }
        write!(f, "[{}]", format_prom_duration(self.range_ns))?;
        if self.offset_ns != 0 {
            write!(f, " offset {}", format_go_duration(self.offset_ns))?;
        }
        Ok(())
    }
}

impl Display for BinModifier {
    /// The text between the operator and the right operand, with a leading
    /// space when not empty (` bool on (a) group_left (b)`).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.return_bool {
            f.write_str(" bool")?;
        }
        if self.on || !self.matching_labels.is_empty() || self.card != Cardinality::OneToOne {
            let kw = if self.on { "on" } else { "ignoring" };
            write!(f, " {kw} ({})", self.matching_labels.join(","))?;
        }
        let group = match self.card {
            Cardinality::OneToOne => return Ok(()),
            Cardinality::ManyToOne => "group_left",
            Cardinality::OneToMany => "group_right",
        };
        write!(f, " {group}")?;
        if !self.include.is_empty() {
            write!(f, " ({})", self.include.join(","))?;
        }
        Ok(())
    }
}

impl Display for SampleExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            SampleExpr::Range(r) => {
                write!(f, "{}(", r.op.name())?;
                if let Some(p) = r.param {
                    write!(f, "{},", format_float_f(p))?;
                }
                write!(f, "{})", r.range)?;
                if let Some(g) = &r.grouping {
                    g.fmt(f)?;
                }
                Ok(())
            }
            SampleExpr::Vector(v) => {
                f.write_str(v.op.name())?;
                if let Some(g) = &v.grouping
                    && (g.without || !g.labels.is_empty())
                {
                    g.fmt(f)?;
                }
                f.write_char('(')?;
                if let Some(p) = v.param {
                    write!(f, "{p},")?;
                }
                write!(f, "{})", v.expr)
            }
            SampleExpr::Binary(b) => {
                write!(f, "({} {}{}", b.lhs, b.op.name(), b.modifier)?;
                // `group_left (` would read the right operand as the label list.
                if b.modifier.card != Cardinality::OneToOne
                    && b.modifier.include.is_empty()
                    && matches!(*b.rhs, SampleExpr::Binary(_))
                {
                    f.write_str(" ()")?;
                }
                write!(f, " {})", b.rhs)
            }
            SampleExpr::Literal(v) => f.write_str(&format_go_float(*v)),
            SampleExpr::VectorLiteral(v) => {
                // Loki prints `%f`; keep that unless it would lose digits.
                let six = format!("{v:.6}");
                if six.parse::<f64>() == Ok(*v) {
                    write!(f, "vector({six})")
                } else {
                    write!(f, "vector({v})")
                }
            }
            SampleExpr::LabelReplace(l) => write!(
                f,
                "label_replace({},{},{},{},{})",
                l.expr,
                go_quote(&l.dst),
                go_quote(&l.replacement),
                go_quote(&l.src),
                go_quote(&l.regex)
            ),
        }
    }
}
