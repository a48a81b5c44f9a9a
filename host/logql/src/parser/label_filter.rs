//! Parsing label filter expressions: string, IP, numeric, duration and byte
//! comparisons joined by `and`, `or`, `,` or juxtaposition, with Loki's
//! grouping of them.

use super::Parser;
use crate::ast::{CmpOp, LabelFilter, MatchOp, Matcher};
use crate::error::ParseError;
use crate::lexer::Tok;

impl Parser {
    /// A label filter expression. `or` binds loosest, then `and`; a `,` or a
    /// juxtaposed filter takes everything after it as its right side (yacc's
    /// shift preference in Loki's grammar).
    pub(crate) fn parse_label_filter(&mut self) -> Result<LabelFilter, ParseError> {
        let mut left = self.parse_label_filter_and()?;
        while self.at_keyword("or")? {
            self.bump()?;
            let right = self.parse_label_filter_and()?;
            left = LabelFilter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_label_filter_and(&mut self) -> Result<LabelFilter, ParseError> {
        let mut left = self.parse_label_filter_unit()?;
        while self.at_keyword("and")? {
            self.bump()?;
            let right = self.parse_label_filter_unit()?;
            left = LabelFilter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_label_filter_unit(&mut self) -> Result<LabelFilter, ParseError> {
        let atom = self.parse_label_filter_atom()?;
        match self.peek_kind()? {
            Tok::Comma => {
                self.bump()?;
            }
            Tok::Ident(_) | Tok::LParen => {}
            _ => return Ok(atom),
        }
        let rest = self.parse_label_filter()?;
        Ok(LabelFilter::And(Box::new(atom), Box::new(rest)))
    }

    fn parse_label_filter_atom(&mut self) -> Result<LabelFilter, ParseError> {
        if *self.peek_kind()? == Tok::LParen {
            self.bump()?;
            let inner = self.parse_label_filter()?;
            self.expect(Tok::RParen, &[")"])?;
            return Ok(inner);
        }
        let label = self.expect_ident(&["IDENTIFIER", "("])?;
        let op_tok = self.peek_kind()?.clone();
        let cmp = match op_tok {
            Tok::Eq => CmpOp::Eq,
            Tok::Neq => CmpOp::Neq,
            Tok::CmpEq => CmpOp::Eq,
            Tok::Gt => CmpOp::Gt,
            Tok::Gte => CmpOp::Gte,
            Tok::Lt => CmpOp::Lt,
            Tok::Lte => CmpOp::Lte,
            Tok::Re | Tok::Nre => {
                self.bump()?;
                let op = if op_tok == Tok::Re {
                    MatchOp::Re
                } else {
                    MatchOp::Nre
                };
                let value = self.expect_string(&["STRING"])?;
                crate::validate::check_matcher_regex(op, &value)?;
                return Ok(LabelFilter::Matcher(Matcher {
                    name: label,
                    op,
                    value,
                }));
            }
            _ => return Err(self.unexpected_here(&[])),
        };
        self.bump()?;
        let string_op = matches!(op_tok, Tok::Eq | Tok::Neq);
        match self.peek_kind()?.clone() {
            Tok::Str(_) if string_op => {
                let op = if op_tok == Tok::Eq {
                    MatchOp::Eq
                } else {
                    MatchOp::Neq
                };
                Ok(LabelFilter::Matcher(Matcher {
                    name: label,
                    op,
                    value: self.expect_string(&[])?,
                }))
            }
            Tok::Ip if string_op => {
                let pattern = self.parse_ip_call()?;
                Ok(LabelFilter::Ip {
                    label,
                    negate: op_tok == Tok::Neq,
                    pattern,
                })
            }
            Tok::Duration(nanos) => {
                self.bump()?;
                Ok(LabelFilter::Duration {
                    label,
                    op: cmp,
                    nanos,
                })
            }
            Tok::Bytes(bytes) => {
                self.bump()?;
                Ok(LabelFilter::Bytes {
                    label,
                    op: cmp,
                    bytes,
                })
            }
            Tok::Number(_) | Tok::Add | Tok::Sub => {
                let value = self.parse_literal()?;
                Ok(LabelFilter::Number {
                    label,
                    op: cmp,
                    value,
                })
            }
            _ => Err(self.unexpected_here(&[])),
        }
    }
}
