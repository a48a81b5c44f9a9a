//! Function calls, aggregations and the grouping labels of `by`,
//! `without`, `on`, `ignoring` and `group_left`/`group_right`, with their
//! semantic checks in yacc's order (a trailing comma, an unknown function,
//! an aggregation's argument count).

use super::{Parser, Res, starts_expr};
use crate::promql::ast::{Expr, Matching, Node};
use crate::promql::token::{Kind, Token};
use crate::promql::{functions, quote};

/// Tokens a grouping label can be (`maybe_label`).
fn maybe_label(kind: Kind) -> bool {
    use Kind::*;
    kind.is_aggregator()
        || matches!(
            kind,
            Bool | By
                | GroupLeft
                | GroupRight
                | Identifier
                | Ignoring
                | Land
                | Lor
                | Lunless
                | MetricIdentifier
                | Offset
                | On
                | Start
                | End
                | Atan2
        )
}

fn is_label(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

impl Parser {
    /// `(args)` of a call or an aggregation; `(` is the look-ahead.
    fn call_args(&mut self) -> Res<Vec<Node>> {
        self.bump()?;
        let mut args = Vec::new();
        if self.peek()?.kind == Kind::RightParen {
            self.bump()?;
            return Ok(args);
        }
        args.push(self.expr(0)?);
        loop {
            let tok = self.bump_if_punctuation()?;
            match tok.kind {
                Kind::RightParen => return Ok(args),
                Kind::Comma => {
                    if !starts_expr(self.peek()?.kind) {
                        return self
                            .fail(tok.pos, "trailing commas not allowed in function call args");
                    }
                    args.push(self.expr(0)?);
                }
                _ => return self.unexpected_in_expr(&tok),
            }
        }
    }

    /// Reads the look-ahead; consumes it when it is `,` or `)`.
    fn bump_if_punctuation(&mut self) -> Res<Token> {
        let tok = self.peek()?;
        if matches!(tok.kind, Kind::Comma | Kind::RightParen) {
            self.bump()?;
        }
        Ok(tok)
    }

    /// A function call; `(` is the look-ahead.
    pub(super) fn call(&mut self, name: Token) -> Res<Node> {
        let args = self.call_args()?;
        let Some(func) = functions::get(&name.val) else {
            let message = format!("unknown function with name {}", quote::string(&name.val));
            return self.fail(name.pos, message);
        };
        self.node(name.pos, self.last_closing, Expr::Call { func, args })
    }

    /// An aggregation; `(`, `by` or `without` is the look-ahead.
    pub(super) fn aggregation(&mut self, op: Token) -> Res<Node> {
        self.aggregations += 1;
        let args = if matches!(self.peek()?.kind, Kind::By | Kind::Without) {
            self.bump()?;
            self.grouping()?;
            let tok = self.peek()?;
            if tok.kind != Kind::LeftParen {
                return self.unexpected_in_expr(&tok);
            }
            self.call_args()?
        } else {
            let args = self.call_args()?;
            if matches!(self.peek()?.kind, Kind::By | Kind::Without) {
                self.bump()?;
                self.grouping()?;
            }
            args
        };
        self.aggregations -= 1;
        let start = op.pos;
        if args.is_empty() {
            return self.fail(start, "no arguments for aggregate expression provided");
        }
        let with_param = matches!(
            op.kind,
            Kind::Topk | Kind::Bottomk | Kind::CountValues | Kind::Quantile
        );
        let wanted = if with_param { 2 } else { 1 };
        if args.len() != wanted {
            let message = format!(
                "wrong number of arguments for aggregate expression provided, expected {wanted}, got {}",
                args.len()
            );
            return self.fail(start, message);
        }
        let mut args = args.into_iter();
        let param = if with_param { args.next() } else { None };
        let Some(expr) = args.next() else {
            return self.fail(start, "no arguments for aggregate expression provided");
        };
        let aggregate = Expr::Aggregate {
            op: op.kind,
            param: param.map(Box::new),
            expr: Box::new(expr),
        };
        self.node(start, self.last_closing, aggregate)
    }

    /// `(label, ...)` after `by`, `without`, `on`, `ignoring`, `group_*`.
    fn grouping(&mut self) -> Res<Vec<String>> {
        let open = self.peek()?;
        if open.kind != Kind::LeftParen {
            return self.unexpected(&open, "grouping opts", "\"(\"");
        }
        self.bump()?;
        let mut labels = Vec::new();
        let mut tok = self.peek()?;
        while tok.kind != Kind::RightParen {
            if !maybe_label(tok.kind) {
                return self.unexpected(&tok, "grouping opts", "label");
            }
            self.bump()?;
            if !is_label(&tok.val) {
                return self.unexpected(&tok, "grouping opts", "label");
            }
            labels.push(tok.val);
            tok = self.peek()?;
            match tok.kind {
                Kind::RightParen => {}
                Kind::Comma => {
                    self.bump()?;
                    tok = self.peek()?;
                }
                _ => return self.unexpected(&tok, "grouping opts", "\",\" or \")\""),
            }
        }
        self.bump()?;
        Ok(labels)
    }

    /// `bool`, `on`/`ignoring (...)`, `group_left`/`group_right [(...)]`.
    pub(super) fn bin_modifier(&mut self) -> Res<Matching> {
        let mut m = Matching::default();
        if self.peek()?.kind == Kind::Bool {
            self.bump()?;
            m.return_bool = true;
        }
        let tok = self.peek()?;
        if !matches!(tok.kind, Kind::On | Kind::Ignoring) {
            return Ok(m);
        }
        self.bump()?;
        m.on = tok.kind == Kind::On;
        m.labels = self.grouping()?;
        if !matches!(self.peek()?.kind, Kind::GroupLeft | Kind::GroupRight) {
            return Ok(m);
        }
        self.bump()?;
        m.grouped = true;
        let next = self.peek()?;
        if next.kind == Kind::LeftParen {
            m.include = self.grouping()?;
        } else if !starts_expr(next.kind) {
            return self.unexpected(&next, "grouping opts", "\"(\"");
        }
        Ok(m)
    }
}
