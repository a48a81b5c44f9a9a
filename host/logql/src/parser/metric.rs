//! Parsing the metric side: range aggregations over log ranges (every order
//! of range, offset, pipeline and unwrap Loki accepts), vector aggregations
//! with `by`/`without` before or after, `label_replace`, `vector`, with Loki's
//! checks of parameters and grouping.

use super::Parser;
use crate::ast::*;
use crate::error::ParseError;
use crate::lexer::Tok;

impl Parser {
    /// `op ( [NUMBER ,] logRange ) [grouping]`.
    pub(crate) fn parse_range_aggregation(
        &mut self,
        op: RangeOp,
    ) -> Result<SampleExpr, ParseError> {
        self.bump()?;
        self.expect(Tok::LParen, &["("])?;
        let param = match self.peek_kind()? {
            Tok::Number(n) => {
                let n = n.clone();
                self.bump()?;
                self.expect(Tok::Comma, &[","])?;
                Some(n)
            }
            _ => None,
        };
        let range = self.parse_log_range()?;
        self.expect(Tok::RParen, &[])?;
        let grouping = self.parse_grouping_opt()?;
        let param = match (op, param) {
            (RangeOp::QuantileOverTime, Some(p)) => Some(super::parse_number(&p).map_err(|e| {
                ParseError::semantic(format!(
                    "invalid parameter for operation {}: {e}",
                    op.name()
                ))
            })?),
            (RangeOp::QuantileOverTime, None) => {
                return Err(ParseError::semantic(format!(
                    "parameter required for operation {}",
                    op.name()
                )));
            }
            (_, Some(p)) => {
                return Err(ParseError::semantic(format!(
                    "parameter {p} not supported for operation {}",
                    op.name()
                )));
            }
            (_, None) => None,
        };
        if grouping.is_some() && !op.allows_grouping() {
            return Err(ParseError::semantic(format!(
                "grouping not allowed for {} aggregation",
                op.name()
            )));
        }
        if range.unwrap.is_some() && !op.allows_unwrap() {
            return Err(ParseError::semantic(format!(
                "invalid aggregation {} with unwrap",
                op.name()
            )));
        }
        if range.unwrap.is_none() && !op.allows_lines() {
            return Err(ParseError::semantic(format!(
                "invalid aggregation {} without unwrap",
                op.name()
            )));
        }
        Ok(SampleExpr::Range(RangeAggregation {
            op,
            param,
            range,
            grouping,
        }))
    }

    /// A log range: `selector [pipeline] [unwrap] RANGE [offset]`,
    /// `selector RANGE [offset] [pipeline] [unwrap]`, with the selector part
    /// optionally in parentheses, or a log range in parentheses.
    fn parse_log_range(&mut self) -> Result<LogRange, ParseError> {
        if *self.peek_kind()? != Tok::LParen {
            let matchers = self.parse_matchers()?;
            let stages = self.parse_pipeline()?;
            let unwrap = self.parse_unwrap_opt()?;
            return self.finish_log_range(matchers, stages, unwrap);
        }
        self.bump()?;
        if *self.peek_kind()? == Tok::LParen {
            let inner = self.parse_log_range()?;
            self.expect(Tok::RParen, &[")"])?;
            return Ok(inner);
        }
        let matchers = self.parse_matchers()?;
        let stages = self.parse_pipeline()?;
        let unwrap = self.parse_unwrap_opt()?;
        if *self.peek_kind()? != Tok::RParen {
            let r = self.finish_log_range(matchers, stages, unwrap)?;
            self.expect(Tok::RParen, &[")"])?;
            return Ok(r);
        }
        self.bump()?;
        let range_ns = self.expect_range()?;
        let offset_ns = self.parse_offset_opt()?;
        let unwrap = match unwrap {
            None if stages.is_empty() => self.parse_unwrap_opt()?,
            u => u,
        };
        Ok(LogRange {
            selector: LogSelector { matchers, stages },
            range_ns,
            offset_ns,
            unwrap,
        })
    }

    /// The rest of a log range once the part before `[range]` was read.
    fn finish_log_range(
        &mut self,
        matchers: Vec<Matcher>,
        mut stages: Vec<Stage>,
        mut unwrap: Option<Unwrap>,
    ) -> Result<LogRange, ParseError> {
        let range_ns = self.expect_range()?;
        let offset_ns = self.parse_offset_opt()?;
        if stages.is_empty() && unwrap.is_none() {
            stages = self.parse_pipeline()?;
            unwrap = self.parse_unwrap_opt()?;
        }
        Ok(LogRange {
            selector: LogSelector { matchers, stages },
            range_ns,
            offset_ns,
            unwrap,
        })
    }

    fn expect_range(&mut self) -> Result<i64, ParseError> {
        match self.peek_kind()? {
            Tok::Range(ns) => {
                let ns = *ns;
                self.bump()?;
                Ok(ns)
            }
            _ => Err(self.unexpected_here(&[])),
        }
    }

    fn parse_offset_opt(&mut self) -> Result<i64, ParseError> {
        if !self.at_keyword("offset")? {
            return Ok(0);
        }
        self.bump()?;
        match self.peek_kind()? {
            Tok::Duration(ns) => {
                let ns = *ns;
                self.bump()?;
                Ok(ns)
            }
            _ => Err(self.unexpected_here(&["DURATION"])),
        }
    }

    /// `[by|without (labels)]`.
    fn parse_grouping_opt(&mut self) -> Result<Option<Grouping>, ParseError> {
        let without = if self.at_keyword("by")? {
            false
        } else if self.at_keyword("without")? {
            true
        } else {
            return Ok(None);
        };
        self.bump()?;
        let labels = self.parse_label_list()?;
        Ok(Some(Grouping { without, labels }))
    }

    /// `op [grouping] ( [NUMBER ,] metricExpr ) [grouping]`.
    pub(crate) fn parse_vector_aggregation(
        &mut self,
        op: VectorOp,
    ) -> Result<SampleExpr, ParseError> {
        self.bump()?;
        let before = self.parse_grouping_opt()?;
        self.expect(Tok::LParen, &["("])?;
        let param = match (self.peek_kind()?.clone(), self.peek2_kind()?.clone()) {
            (Tok::Number(n), Tok::Comma) => {
                self.bump()?;
                self.bump()?;
                Some(n)
            }
            _ => None,
        };
        let expr = self.parse_metric_expr()?;
        self.expect(Tok::RParen, &[])?;
        let grouping = match before {
            Some(g) => Some(g),
            None => self.parse_grouping_opt()?,
        };
        let param = match (op, param) {
            (VectorOp::Topk | VectorOp::Bottomk, None) => {
                return Err(ParseError::semantic(format!(
                    "parameter required for operation {}",
                    op.name()
                )));
            }
            (VectorOp::Topk | VectorOp::Bottomk, Some(p)) => {
                let k: i64 = p.parse().map_err(|_| {
                    ParseError::semantic(format!("invalid parameter {}({p},", op.name()))
                })?;
                if k <= 0 {
                    return Err(ParseError::semantic(format!(
                        "invalid parameter (must be greater than 0) {}({p}",
                        op.name()
                    )));
                }
                Some(k)
            }
            (_, Some(p)) => {
                return Err(ParseError::semantic(format!(
                    "unsupported parameter for operation {}({p},",
                    op.name()
                )));
            }
            (_, None) => None,
        };
        // `by ()` is no grouping at all (Loki's `Grouping.Singleton`).
        let grouping = grouping.filter(|g| g.without || !g.labels.is_empty());
        Ok(SampleExpr::Vector(VectorAggregation {
            op,
            param,
            grouping,
            expr: Box::new(expr),
        }))
    }

    /// A metric expression where Loki's grammar wants `metricExpr`: a log
    /// query there is reported at the token after it.
    fn parse_metric_expr(&mut self) -> Result<SampleExpr, ParseError> {
        match self.parse_expr(0)? {
            Expr::Sample(s) => Ok(s),
            Expr::Log(_) => {
                self.peek()?;
                Err(self.unexpected_here(&[]))
            }
        }
    }

    /// `label_replace ( metricExpr , STRING , STRING , STRING , STRING )`.
    pub(crate) fn parse_label_replace(&mut self) -> Result<SampleExpr, ParseError> {
        self.bump()?;
        self.expect(Tok::LParen, &["("])?;
        let expr = self.parse_metric_expr()?;
        let mut args = Vec::with_capacity(4);
        for _ in 0..4 {
            self.expect(Tok::Comma, &[","])?;
            args.push(self.expect_string(&["STRING"])?);
        }
        self.expect(Tok::RParen, &[")"])?;
        let regex = args.pop().unwrap_or_default();
        let src = args.pop().unwrap_or_default();
        let replacement = args.pop().unwrap_or_default();
        let dst = args.pop().unwrap_or_default();
        if let Err(e) = watchpost_goregex::compile_anchored(&regex) {
            return Err(ParseError::semantic(format!(
                "invalid regex in label_replace: {e}"
            )));
        }
        Ok(SampleExpr::LabelReplace(LabelReplace {
            expr: Box::new(expr),
            dst,
            replacement,
            src,
            regex,
        }))
    }

    /// `vector ( NUMBER )`.
    pub(crate) fn parse_vector_literal(&mut self) -> Result<SampleExpr, ParseError> {
        self.bump()?;
        self.expect(Tok::LParen, &["("])?;
        let v = match self.peek_kind()? {
            Tok::Number(n) => {
                let n = n.clone();
                self.bump()?;
                super::parse_number(&n).map_err(|e| {
                    ParseError::semantic(format!("unable to parse vectorExpr as a float: {e}"))
                })?
            }
            _ => return Err(self.unexpected_here(&["NUMBER"])),
        };
        self.expect(Tok::RParen, &[")"])?;
        Ok(SampleExpr::VectorLiteral(v))
    }
}
