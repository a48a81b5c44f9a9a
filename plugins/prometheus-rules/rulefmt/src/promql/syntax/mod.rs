//! A recursive-descent parser that follows Prometheus 2.42's yacc grammar
//! (`generated_parser.y`) along its error paths: it stops at the first
//! error Prometheus records, worded and positioned as Prometheus does.
//!
//! How it mirrors the LALR parser:
//! - a token is read (and a lexer error surfaces) when the grammar needs a
//!   look-ahead, and semantic actions run in yacc's order: before reading
//!   on when their rule ends in a state of its own, after otherwise (an
//!   aggregation without a trailing `by`, a trailing comma);
//! - a syntax error is caught by the innermost open rule with an `error`
//!   alternative: label matching, grouping, `offset`, `@`, brackets; in
//!   expressions, the innermost aggregation ("in aggregation"), else none;
//! - states that can shift `error` take no default reduction (goyacc), so
//!   e.g. `group_left` followed by neither `(` nor an expression fails there.
//!
//! Expressions nested deeper than [`MAX_DEPTH`], or trees higher than
//! [`MAX_HEIGHT`], are left undecided rather than risking the stack.

mod calls;
mod selector;

use super::ast::{At, Expr, Node, Selector};
use super::literal;
use super::token::{Kind, Token};

/// Parsing stopped: the first error is recorded in the parser (or it
/// gave up, see [`Parser::undecided`]).
pub struct Stop;

/// How deep the parser may recurse (parentheses, calls, operands) before
/// it gives up: beyond real queries, well within a 2 MiB stack even
/// unoptimised.
pub const MAX_DEPTH: usize = 64;

/// How high the tree may grow (nesting, operator chains, which nest their
/// left sides, chained ranges): the type checks recurse that deep.
pub const MAX_HEIGHT: usize = 250;

type Res<T> = Result<T, Stop>;

/// The parser over a token list (see the module documentation).
pub struct Parser {
    toks: Vec<Token>,
    next: usize,
    read: usize,
    last_closing: usize,
    aggregations: usize,
    depth: usize,
    /// The first error: byte position and message.
    pub error: Option<(usize, String)>,
    /// Set when the input nests too deeply to be judged here.
    pub undecided: bool,
}

/// Binary operators: yacc precedence (higher binds tighter), and whether
/// right-associative.
fn binary(kind: Kind) -> Option<(u8, bool)> {
    use Kind::*;
    Some(match kind {
        Lor => (1, false),
        Land | Lunless => (2, false),
        Eqlc | Gte | Gtr | Lss | Lte | Neq => (3, false),
        Add | Sub => (4, false),
        Mul | Div | Mod | Atan2 => (5, false),
        Pow => (6, true),
        _ => return None,
    })
}

/// Unary `+`/`-` bind like `*`: their operand takes only `^`.
const UNARY_OPERAND: u8 = 6;

/// Tokens that name a metric where an expression starts
/// (`metric_identifier`).
fn metric_identifier(kind: Kind) -> bool {
    use Kind::*;
    kind.is_aggregator()
        || matches!(
            kind,
            By | Identifier
                | Land
                | Lor
                | Lunless
                | MetricIdentifier
                | Offset
                | Without
                | Start
                | End
        )
}

/// Tokens an expression can start with.
fn starts_expr(kind: Kind) -> bool {
    use Kind::*;
    metric_identifier(kind) || matches!(kind, Number | Str | LeftParen | LeftBrace | Add | Sub)
}

impl Parser {
    /// A parser over `toks`, as [`super::lex::tokens`] makes them.
    pub fn new(toks: Vec<Token>) -> Self {
        Parser {
            toks,
            next: 0,
            read: 0,
            last_closing: 0,
            aggregations: 0,
            depth: 0,
            error: None,
            undecided: false,
        }
    }

    /// Records an error at byte `pos` (the first one stays) and stops.
    fn fail<T>(&mut self, pos: usize, message: impl Into<String>) -> Res<T> {
        if self.error.is_none() {
            self.error = Some((pos, message.into()));
        }
        Err(Stop)
    }

    /// Gives up on an input too deep (or too odd) to judge.
    fn give_up<T>(&mut self) -> Res<T> {
        self.undecided = true;
        Err(Stop)
    }

    /// A node, within [`MAX_HEIGHT`].
    fn node(&mut self, start: usize, end: usize, expr: Expr) -> Res<Node> {
        let node = Node::new(start, end, expr);
        if node.height > MAX_HEIGHT {
            return self.give_up();
        }
        Ok(node)
    }

    /// The look-ahead token; reading it may surface a lexer error.
    fn peek(&mut self) -> Res<Token> {
        let Some(tok) = self.toks.get(self.next).cloned() else {
            // Past the end: the grammar never reads beyond `Eof`.
            return self.give_up();
        };
        if self.next >= self.read {
            self.read = self.next + 1;
            match tok.kind {
                Kind::Error => return self.fail(tok.pos, tok.val),
                Kind::RightBrace
                | Kind::RightParen
                | Kind::RightBracket
                | Kind::Duration
                | Kind::Number => self.last_closing = tok.end(),
                _ => {}
            }
        }
        Ok(tok)
    }

    /// Consumes the look-ahead token.
    fn bump(&mut self) -> Res<Token> {
        let tok = self.peek()?;
        self.next += 1;
        Ok(tok)
    }

    /// Go's `unexpected(context, expected)` about `tok`.
    fn unexpected<T>(&mut self, tok: &Token, context: &str, expected: &str) -> Res<T> {
        let mut message = format!("unexpected {}", tok.desc());
        if !context.is_empty() {
            message.push_str(" in ");
            message.push_str(context);
        }
        if !expected.is_empty() {
            message.push_str(", expected ");
            message.push_str(expected);
        }
        self.fail(tok.pos, message)
    }

    /// A syntax error in an expression: caught by the innermost
    /// aggregation's `error` rule, else by the start rule's.
    fn unexpected_in_expr<T>(&mut self, tok: &Token) -> Res<T> {
        let context = if self.aggregations > 0 {
            "aggregation"
        } else {
            ""
        };
        self.unexpected(tok, context, "")
    }

    /// The whole input: one expression, then the end.
    pub fn start(&mut self) -> Res<Node> {
        if self.peek()?.kind == Kind::Eof {
            return self.fail(0, "no expression found in input");
        }
        let node = self.expr(0)?;
        let tok = self.peek()?;
        if tok.kind != Kind::Eof {
            return self.unexpected_in_expr(&tok);
        }
        Ok(node)
    }

    /// An expression whose binary operators bind at least `min` tightly.
    fn expr(&mut self, min: u8) -> Res<Node> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.give_up();
        }
        let mut lhs = self.unary()?;
        loop {
            let tok = self.peek()?;
            let Some((prec, right)) = binary(tok.kind).filter(|(prec, _)| *prec >= min) else {
                self.depth -= 1;
                return Ok(lhs);
            };
            self.bump()?;
            let matching = self.bin_modifier()?;
            let rhs = self.expr(if right { prec } else { prec + 1 })?;
            lhs = self.node(
                lhs.start,
                rhs.end,
                Expr::Binary {
                    op: tok.kind,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                    matching,
                },
            )?;
        }
    }

    /// A unary expression or a primary one with its postfix modifiers.
    fn unary(&mut self) -> Res<Node> {
        let tok = self.peek()?;
        if !starts_expr(tok.kind) {
            return self.unexpected_in_expr(&tok);
        }
        if !matches!(tok.kind, Kind::Add | Kind::Sub) {
            let primary = self.primary()?;
            return self.postfix(primary);
        }
        self.bump()?;
        let operand = self.expr(UNARY_OPERAND)?;
        if matches!(operand.expr, Expr::Number) {
            // `-1` is a number literal starting at the sign.
            return Ok(Node {
                start: tok.pos,
                ..operand
            });
        }
        self.node(tok.pos, operand.end, Expr::Unary(Box::new(operand)))
    }

    /// A literal, parenthesised expression, selector, call or aggregation
    /// (the look-ahead starts one).
    fn primary(&mut self) -> Res<Node> {
        let tok = self.bump()?;
        match tok.kind {
            Kind::Number => {
                if let Err(message) = literal::number(&tok.val) {
                    return self.fail(tok.pos, message);
                }
                self.node(tok.pos, tok.end(), Expr::Number)
            }
            Kind::Str => self.node(tok.pos, tok.end(), Expr::Str),
            Kind::LeftParen => {
                let inner = self.expr(0)?;
                let close = self.peek()?;
                if close.kind != Kind::RightParen {
                    return self.unexpected_in_expr(&close);
                }
                self.bump()?;
                self.node(tok.pos, close.end(), Expr::Paren(Box::new(inner)))
            }
            Kind::LeftBrace => self.selector(None, tok.pos),
            Kind::Identifier if self.peek()?.kind == Kind::LeftParen => self.call(tok),
            k if k.is_aggregator()
                && matches!(
                    self.peek()?.kind,
                    Kind::LeftParen | Kind::By | Kind::Without
                ) =>
            {
                self.aggregation(tok)
            }
            _ => {
                if self.peek()?.kind == Kind::LeftBrace {
                    self.bump()?;
                    return self.selector(Some(tok.val), tok.pos);
                }
                self.node(
                    tok.pos,
                    tok.end(),
                    Expr::Vector(Selector {
                        name: Some(tok.val),
                        matchers: Vec::new(),
                        offset: false,
                        at: At::None,
                    }),
                )
            }
        }
    }
}
