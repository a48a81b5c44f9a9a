//! The LogQL parser: recursive descent over [`crate::lexer`] following Loki
//! 2.9's `expr.y` (operator precedence, the accepted orders of range, offset,
//! pipeline and unwrap, `or` in line filters, Loki's precedence of `and`, `or`
//! and `,` in label filters), then Loki's semantic checks. `log.rs` parses
//! selectors and pipelines, `metric.rs` the metric expressions.

mod label_filter;
mod log;
mod metric;

use std::collections::VecDeque;

use crate::ast::{BinModifier, BinOp, BinaryExpr, Cardinality, Expr, LogSelector, SampleExpr};
use crate::error::ParseError;
use crate::lexer::{Lexer, Tok, Token};
use crate::validate;

/// Loki rejects queries of this many bytes or more.
const MAX_INPUT_SIZE: usize = 5120;

/// Parses and validates a LogQL query.
pub fn parse(input: &str) -> Result<Expr, ParseError> {
    if input.len() >= MAX_INPUT_SIZE {
        return Err(ParseError::semantic(format!(
            "input size too long ({} > {MAX_INPUT_SIZE})",
            input.len()
        )));
    }
    let mut p = Parser::new(input);
    let expr = p.parse_expr(0)?;
    let t = p.peek()?;
    if t.kind != Tok::Eof {
        return Err(p.unexpected_here(&[]));
    }
    validate::validate(&expr)?;
    Ok(expr)
}

/// Parses a query that must be a log query (`{...} | ...`).
pub fn parse_log_selector(input: &str) -> Result<LogSelector, ParseError> {
    match parse(input)? {
        Expr::Log(l) => Ok(l),
        Expr::Sample(_) => Err(ParseError::semantic("only log selector is supported")),
    }
}

/// Parses a query that must be a metric query.
pub fn parse_sample_expr(input: &str) -> Result<SampleExpr, ParseError> {
    match parse(input)? {
        Expr::Sample(s) => Ok(s),
        Expr::Log(_) => Err(ParseError::semantic("only sample expression supported")),
    }
}

pub(crate) struct Parser {
    lexer: Lexer,
    buf: VecDeque<Token>,
}

impl Parser {
    fn new(input: &str) -> Self {
        Self {
            lexer: Lexer::new(input),
            buf: VecDeque::new(),
        }
    }

    fn fill(&mut self, n: usize) -> Result<(), ParseError> {
        while self.buf.len() <= n {
            let t = self.lexer.next_token()?;
            self.buf.push_back(t);
        }
        Ok(())
    }

    pub(crate) fn peek(&mut self) -> Result<&Token, ParseError> {
        self.fill(0)?;
        Ok(&self.buf[0])
    }

    pub(crate) fn peek_kind(&mut self) -> Result<&Tok, ParseError> {
        Ok(&self.peek()?.kind)
    }

    pub(crate) fn peek2_kind(&mut self) -> Result<&Tok, ParseError> {
        self.fill(1)?;
        Ok(&self.buf[1].kind)
    }

    pub(crate) fn bump(&mut self) -> Result<Token, ParseError> {
        self.fill(0)?;
        Ok(self.buf.pop_front().expect("filled"))
    }

    /// `syntax error: unexpected X[, expecting A or B]` at the next token.
    pub(crate) fn unexpected_here(&self, expecting: &[&str]) -> ParseError {
        let t = self.buf.front().expect("peeked before reporting");
        let mut msg = format!("syntax error: unexpected {}", t.kind.describe());
        if !expecting.is_empty() {
            msg.push_str(", expecting ");
            msg.push_str(&expecting.join(" or "));
        }
        ParseError::at(t.line, t.col, msg)
    }

    /// Consumes the next token if it is `kind`, else reports it.
    pub(crate) fn expect(&mut self, kind: Tok, expecting: &[&str]) -> Result<Token, ParseError> {
        if *self.peek_kind()? == kind {
            self.bump()
        } else {
            Err(self.unexpected_here(expecting))
        }
    }

    pub(crate) fn expect_string(&mut self, expecting: &[&str]) -> Result<String, ParseError> {
        match self.peek_kind()? {
            Tok::Str(_) => match self.bump()?.kind {
                Tok::Str(s) => Ok(s),
                _ => unreachable!(),
            },
            _ => Err(self.unexpected_here(expecting)),
        }
    }

    pub(crate) fn expect_ident(&mut self, expecting: &[&str]) -> Result<String, ParseError> {
        match self.peek_kind()? {
            Tok::Ident(_) => match self.bump()?.kind {
                Tok::Ident(s) => Ok(s),
                _ => unreachable!(),
            },
            _ => Err(self.unexpected_here(expecting)),
        }
    }

    pub(crate) fn at_keyword(&mut self, kw: &str) -> Result<bool, ParseError> {
        Ok(matches!(self.peek_kind()?, Tok::Keyword(k) if *k == kw))
    }

    /// An expression whose binary operators bind at least `min_prec`.
    pub(crate) fn parse_expr(&mut self, min_prec: u8) -> Result<Expr, ParseError> {
        let mut lhs = self.parse_operand()?;
        while let Some(op) = binop(self.peek_kind()?) {
            let prec = op.precedence();
            if prec < min_prec {
                break;
            }
            self.bump()?;
            let modifier = self.parse_bin_modifier()?;
            let next = if op == BinOp::Pow { prec } else { prec + 1 };
            let rhs = self.parse_expr(next)?;
            lhs = Expr::Sample(make_binary(op, modifier, lhs, rhs)?);
        }
        Ok(lhs)
    }

    fn parse_operand(&mut self) -> Result<Expr, ParseError> {
        match self.peek_kind()?.clone() {
            Tok::LBrace => Ok(Expr::Log(self.parse_log_selector()?)),
            Tok::LParen => {
                self.bump()?;
                let e = self.parse_expr(0)?;
                self.expect(Tok::RParen, &[])?;
                Ok(e)
            }
            Tok::RangeFn(op) => Ok(Expr::Sample(self.parse_range_aggregation(op)?)),
            Tok::VectorFn(op) => Ok(Expr::Sample(self.parse_vector_aggregation(op)?)),
            Tok::LabelReplace => Ok(Expr::Sample(self.parse_label_replace()?)),
            Tok::Vector => Ok(Expr::Sample(self.parse_vector_literal()?)),
            Tok::Number(_) | Tok::Add | Tok::Sub => {
                Ok(Expr::Sample(SampleExpr::Literal(self.parse_literal()?)))
            }
            _ => Err(self.unexpected_here(&[])),
        }
    }

    /// `NUMBER`, `+NUMBER` or `-NUMBER`.
    pub(crate) fn parse_literal(&mut self) -> Result<f64, ParseError> {
        let sign = match self.peek_kind()? {
            Tok::Add => {
                self.bump()?;
                1.0
            }
            Tok::Sub => {
                self.bump()?;
                -1.0
            }
            _ => 1.0,
        };
        match self.peek_kind()? {
            Tok::Number(_) => {}
            _ => return Err(self.unexpected_here(&["NUMBER"])),
        }
        let Tok::Number(text) = self.bump()?.kind else {
            unreachable!()
        };
        let v = parse_number(&text).map_err(|e| {
            ParseError::semantic(format!("unable to parse literal as a float: {e}"))
        })?;
        Ok(sign * v)
    }

    /// `[bool] [on|ignoring (labels) [group_left|group_right [(labels)]]]`.
    fn parse_bin_modifier(&mut self) -> Result<BinModifier, ParseError> {
        let mut m = BinModifier::default();
        if self.at_keyword("bool")? {
            self.bump()?;
            m.return_bool = true;
        }
        let on = self.at_keyword("on")?;
        if !on && !self.at_keyword("ignoring")? {
            return Ok(m);
        }
        self.bump()?;
        m.on = on;
        m.matching_labels = self.parse_label_list()?;
        let card = if self.at_keyword("group_left")? {
            Cardinality::ManyToOne
        } else if self.at_keyword("group_right")? {
            Cardinality::OneToMany
        } else {
            return Ok(m);
        };
        self.bump()?;
        m.card = card;
        if *self.peek_kind()? == Tok::LParen {
            m.include = self.parse_label_list()?;
        }
        Ok(m)
    }

    /// `( [IDENTIFIER {, IDENTIFIER}] )`.
    pub(crate) fn parse_label_list(&mut self) -> Result<Vec<String>, ParseError> {
        self.expect(Tok::LParen, &["("])?;
        let mut out = Vec::new();
        if *self.peek_kind()? == Tok::RParen {
            self.bump()?;
            return Ok(out);
        }
        loop {
            out.push(self.expect_ident(&["IDENTIFIER"])?);
            match self.peek_kind()? {
                Tok::Comma => {
                    self.bump()?;
                }
                Tok::RParen => {
                    self.bump()?;
                    return Ok(out);
                }
                _ => return Err(self.unexpected_here(&[")", ","])),
            }
        }
    }
}

/// Parses a NUMBER token's text as Go's `strconv.ParseFloat`.
pub(crate) fn parse_number(text: &str) -> Result<f64, String> {
    crate::units::parse_go_float(text)
}

fn binop(t: &Tok) -> Option<BinOp> {
    Some(match t {
        Tok::Keyword("or") => BinOp::Or,
        Tok::Keyword("and") => BinOp::And,
        Tok::Keyword("unless") => BinOp::Unless,
        Tok::Add => BinOp::Add,
        Tok::Sub => BinOp::Sub,
        Tok::Mul => BinOp::Mul,
        Tok::Div => BinOp::Div,
        Tok::Mod => BinOp::Mod,
        Tok::Pow => BinOp::Pow,
        Tok::CmpEq => BinOp::Eq,
        Tok::Neq => BinOp::Neq,
        Tok::Gt => BinOp::Gt,
        Tok::Gte => BinOp::Gte,
        Tok::Lt => BinOp::Lt,
        Tok::Lte => BinOp::Lte,
        _ => return None,
    })
}

/// Loki's `mustNewBinOpExpr`: both legs must be metric expressions, set
/// operators take no literal, two literals fold into one.
fn make_binary(
    op: BinOp,
    modifier: BinModifier,
    lhs: Expr,
    rhs: Expr,
) -> Result<SampleExpr, ParseError> {
    let leg = |e: Expr, side: &str| match e {
        Expr::Sample(s) => Ok(s),
        Expr::Log(l) => {
            let ty = if l.stages.is_empty() {
                "*syntax.MatchersExpr"
            } else {
                "*syntax.PipelineExpr"
            };
            Err(ParseError::semantic(format!(
                "unexpected type for {side} leg of binary operation ({}): {ty}",
                op.name()
            )))
        }
    };
    let (lhs, rhs) = (leg(lhs, "left")?, leg(rhs, "right")?);
    if op.is_set() {
        for (side, e) in [("left", &lhs), ("right", &rhs)] {
            if let SampleExpr::Literal(v) = e {
                return Err(ParseError::semantic(format!(
                    "unexpected literal for {side} leg of logical/set binary operation ({}): {v:.6}",
                    op.name()
                )));
            }
        }
    }
    if let (SampleExpr::Literal(a), SampleExpr::Literal(b)) = (&lhs, &rhs) {
        return Ok(SampleExpr::Literal(
            crate::binary::scalar_op(op, *a, *b, false).unwrap_or(0.0),
        ));
    }
    Ok(SampleExpr::Binary(BinaryExpr {
        op,
        lhs: Box::new(lhs),
        rhs: Box::new(rhs),
        modifier,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{LabelFilter, LineFilterOp, Stage};

    fn stages(q: &str) -> Vec<Stage> {
        parse_log_selector(q).unwrap().stages
    }

    #[test]
    fn label_filter_grouping_follows_lokis_grammar() {
        // `a, b or c` is `a and (b or c)`; `a or b and c` is `a or (b and c)`.
        let Stage::LabelFilter(LabelFilter::And(_, rest)) =
            &stages(r#"{a="b"} | x="1", y="2" or z="3""#)[0]
        else {
            panic!()
        };
        assert!(matches!(**rest, LabelFilter::Or(..)));
        let Stage::LabelFilter(LabelFilter::Or(_, rest)) =
            &stages(r#"{a="b"} | x="1" or y="2" and z="3""#)[0]
        else {
            panic!()
        };
        assert!(matches!(**rest, LabelFilter::And(..)));
    }

    #[test]
    fn negative_or_filters_split() {
        let s = stages(r#"{a="b"} != "x" or "y" |= "p" or "q""#);
        assert_eq!(s.len(), 3);
        assert!(
            matches!(&s[1], Stage::LineFilter(f) if f.op == LineFilterOp::NotContains && f.values.len() == 1)
        );
        assert!(matches!(&s[2], Stage::LineFilter(f) if f.values.len() == 2));
    }

    #[test]
    fn entry_points_check_the_kind() {
        assert_eq!(
            parse_log_selector("vector(1)").unwrap_err().to_string(),
            "parse error : only log selector is supported"
        );
        assert_eq!(
            parse_sample_expr(r#"{a="b"}"#).unwrap_err().to_string(),
            "parse error : only sample expression supported"
        );
        let long = format!(r#"{{a="{}"}}"#, "x".repeat(5200));
        assert_eq!(
            parse(&long).unwrap_err().msg,
            "input size too long (5206 > 5120)"
        );
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let err = parse("sum(\n  rate({a=\"é\"}[5m]) foo\n)").unwrap_err();
        assert_eq!((err.line, err.col), (2, 21));
    }

    #[test]
    fn compiled_stages_cross_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<crate::Pipeline>();
        send_sync::<crate::SampleExtractor>();
    }
}
