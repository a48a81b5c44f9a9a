//! Vector selectors and what may follow an expression: label matchers
//! (regexes checked as Go compiles them), ranges, subqueries, `offset` and
//! `@`, with the checks Prometheus makes as it reads them.

use super::{Parser, Res};
use crate::promql::ast::{At, Expr, Matcher, Node, Selector};
use crate::promql::token::{Kind, Token};
use crate::promql::{goregex, literal, quote};

impl Parser {
    /// Label matchers after `{` (already read).
    pub(super) fn selector(&mut self, name: Option<String>, start: usize) -> Res<Node> {
        let mut matchers = Vec::new();
        let mut tok = self.peek()?;
        while tok.kind != Kind::RightBrace {
            matchers.push(self.matcher()?);
            tok = self.peek()?;
            match tok.kind {
                Kind::RightBrace => {}
                Kind::Comma => {
                    self.bump()?;
                    tok = self.peek()?;
                }
                _ => return self.unexpected(&tok, "label matching", "\",\" or \"}\""),
            }
        }
        self.bump()?;
        let selector = Selector {
            name,
            matchers,
            offset: false,
            at: At::None,
        };
        self.node(start, tok.end(), Expr::Vector(selector))
    }

    /// `name op "value"` inside braces.
    fn matcher(&mut self) -> Res<Matcher> {
        let label = self.peek()?;
        if label.kind != Kind::Identifier {
            return self.unexpected(&label, "label matching", "identifier or \"}\"");
        }
        self.bump()?;
        let op = self.peek()?;
        if !matches!(
            op.kind,
            Kind::Eql | Kind::Neq | Kind::EqlRegex | Kind::NeqRegex
        ) {
            return self.unexpected(&op, "label matching", "label matching operator");
        }
        self.bump()?;
        let value = self.peek()?;
        if value.kind != Kind::Str {
            return self.unexpected(&value, "label matching", "string");
        }
        self.bump()?;
        let text = literal::unquote(&value.val);
        let matches_empty = match op.kind {
            Kind::Eql => text.is_empty(),
            Kind::Neq => !text.is_empty(),
            _ => match goregex::check(&text) {
                Ok(Some(nullable)) => nullable == (op.kind == Kind::EqlRegex),
                Ok(None) => return self.give_up(),
                Err(message) => return self.fail(label.pos, message),
            },
        };
        Ok(Matcher {
            name: label.val,
            value: text,
            matches_empty,
        })
    }

    /// Ranges, subqueries, `offset` and `@` after `node`.
    pub(super) fn postfix(&mut self, mut node: Node) -> Res<Node> {
        loop {
            let tok = self.peek()?;
            node = match tok.kind {
                Kind::LeftBracket => {
                    self.bump()?;
                    self.range(node, tok.pos)?
                }
                Kind::Offset => {
                    self.bump()?;
                    self.offset(node)?
                }
                Kind::At => {
                    self.bump()?;
                    self.at(node)?
                }
                _ => return Ok(node),
            };
        }
    }

    /// A DURATION token's value check.
    fn duration(&mut self, tok: &Token) -> Res<()> {
        match literal::duration(&tok.val) {
            Ok(_) => Ok(()),
            Err(message) => self.fail(tok.pos, message),
        }
    }

    /// `[range]` or `[range:step]` after `node`; `[` is read.
    fn range(&mut self, node: Node, bracket: usize) -> Res<Node> {
        let tok = self.peek()?;
        if tok.kind != Kind::Duration {
            return self.unexpected(&tok, "subquery selector", "duration");
        }
        self.bump()?;
        self.duration(&tok)?;
        let tok = self.peek()?;
        match tok.kind {
            Kind::RightBracket => {
                self.bump()?;
                let problem = match &node.expr {
                    Expr::Vector(s) if s.offset => Some("no offset modifiers allowed before range"),
                    Expr::Vector(s) if s.at == At::Timestamp => {
                        Some("no @ modifiers allowed before range")
                    }
                    Expr::Vector(_) => None,
                    _ => Some("ranges only allowed for vector selectors"),
                };
                if let Some(message) = problem {
                    return self.fail(bracket, message);
                }
                self.node(node.start, self.last_closing, Expr::Matrix(Box::new(node)))
            }
            Kind::Colon => {
                self.bump()?;
                let mut tok = self.peek()?;
                if tok.kind == Kind::Duration {
                    self.bump()?;
                    self.duration(&tok)?;
                    tok = self.peek()?;
                    if tok.kind != Kind::RightBracket {
                        return self.unexpected(&tok, "subquery selector", "\"]\"");
                    }
                } else if tok.kind != Kind::RightBracket {
                    return self.unexpected(&tok, "subquery selector", "duration or \"]\"");
                }
                self.bump()?;
                self.node(
                    node.start,
                    tok.pos + 1,
                    Expr::Subquery {
                        expr: Box::new(node),
                        offset: false,
                        at: At::None,
                    },
                )
            }
            _ => self.unexpected(&tok, "subquery or range", "\":\" or \"]\""),
        }
    }

    /// `offset [-]duration` after `node`; `offset` is read.
    fn offset(&mut self, mut node: Node) -> Res<Node> {
        let mut tok = self.peek()?;
        if tok.kind == Kind::Sub {
            self.bump()?;
            tok = self.peek()?;
        }
        if tok.kind != Kind::Duration {
            return self.unexpected(&tok, "offset", "duration");
        }
        self.bump()?;
        self.duration(&tok)?;
        let start = node.start;
        let set = match &mut node.expr {
            Expr::Vector(s) => &mut s.offset,
            Expr::Matrix(inner) => match &mut inner.expr {
                Expr::Vector(s) => &mut s.offset,
                _ => return self.fail(start, "ranges only allowed for vector selectors"),
            },
            Expr::Subquery { offset, .. } => offset,
            _ => {
                return self.fail(
                    start,
                    "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
                );
            }
        };
        if *set {
            return self.fail(start, "offset may not be set multiple times");
        }
        *set = true;
        node.end = self.last_closing;
        Ok(node)
    }

    /// `@ timestamp`, `@ start()` or `@ end()` after `node`; `@` is read.
    fn at(&mut self, mut node: Node) -> Res<Node> {
        let tok = self.bump()?;
        let kind = match tok.kind {
            Kind::Number | Kind::Add | Kind::Sub => {
                let number = if tok.kind == Kind::Number {
                    tok.clone()
                } else {
                    let number = self.peek()?;
                    if number.kind != Kind::Number {
                        return self.unexpected(&number, "@", "timestamp");
                    }
                    self.bump()?
                };
                let value = match literal::number(&number.val) {
                    Ok(v) if tok.kind == Kind::Sub => -v,
                    Ok(v) => v,
                    Err(message) => return self.fail(number.pos, message),
                };
                if !value.is_finite() || value >= i64::MAX as f64 || value <= i64::MIN as f64 {
                    let message = format!(
                        "timestamp out of bounds for @ modifier: {}",
                        quote::float(value)
                    );
                    return self.fail(node.start, message);
                }
                At::Timestamp
            }
            Kind::Start | Kind::End => {
                for wanted in [Kind::LeftParen, Kind::RightParen] {
                    let next = self.peek()?;
                    if next.kind != wanted {
                        return self.unexpected(&next, "@", "timestamp");
                    }
                    self.bump()?;
                }
                At::Preprocessor
            }
            _ => return self.unexpected(&tok, "@", "timestamp"),
        };
        let start = node.start;
        let set = match &mut node.expr {
            Expr::Vector(s) => &mut s.at,
            Expr::Matrix(inner) => match &mut inner.expr {
                Expr::Vector(s) => &mut s.at,
                _ => return self.fail(start, "ranges only allowed for vector selectors"),
            },
            Expr::Subquery { at, .. } => at,
            _ => {
                return self.fail(
                    start,
                    "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
                );
            }
        };
        if *set != At::None {
            return self.fail(start, "@ <timestamp> may not be set multiple times");
        }
        *set = kind;
        node.end = self.last_closing;
        Ok(node)
    }
}
