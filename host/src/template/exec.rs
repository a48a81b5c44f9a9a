//! The evaluator: walks a parse tree against data, as Go's
//! `text/template` executes — pipelines, variables and their scopes, field
//! and method chains on maps and [`Object`](super::Object)s, `if`/`with`/
//! `range` (with `break`/`continue`), nested `{{template}}` calls, the
//! short-circuit `and`/`or`, and the `missingkey` option. In
//! `html/template` mode text and printing actions go through
//! [`html`](super::html) instead.

use std::fmt::Display;

use super::ast::{Arg, Branch, Command, Node, Operand, Pipe, Pos};
use super::builtins;
use super::error::TemplateError;
use super::format::action_format;
use super::func::FuncError;
use super::html::Html;
use super::set::{MissingKey, Template};
use super::value::Value;

/// Nested `{{template}}` calls allowed before execution fails (Go allows
/// 100000; our frames are on the calling thread's stack, which may be a
/// 2 MiB test or tokio worker stack, so we stop much sooner).
const MAX_DEPTH: usize = 100;

type R<T> = Result<T, TemplateError>;

/// What a walked list asks of the enclosing range.
#[derive(PartialEq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

pub(crate) struct Exec<'a> {
    pub(super) set: &'a Template,
    pub(super) parse_name: String,
    tmpl: String,
    vars: Vec<(String, Value)>,
    depth: usize,
    pub out: String,
    /// Set for `html/template` execution: where in the HTML the output is.
    pub(super) html: Option<Html>,
}

impl<'a> Exec<'a> {
    pub fn new(set: &'a Template) -> Self {
        Exec {
            set,
            parse_name: String::new(),
            tmpl: String::new(),
            vars: Vec::new(),
            depth: 0,
            out: String::new(),
            html: None,
        }
    }

    /// Runs template `name` with `dot`.
    pub fn run(&mut self, name: &str, dot: &Value, pos: Pos) -> R<()> {
        let Some(tree) = self.set.tree(name) else {
            return Err(self.error(
                pos,
                format!("{{{{template {name:?}}}}}"),
                format!("template {name:?} not defined"),
            ));
        };
        if self.depth >= MAX_DEPTH {
            return Err(self.error(
                pos,
                format!("{{{{template {name:?}}}}}"),
                format!("exceeded maximum template depth ({MAX_DEPTH})"),
            ));
        }
        let saved = (
            std::mem::replace(&mut self.parse_name, tree.parse_name.clone()),
            std::mem::replace(&mut self.tmpl, name.to_string()),
            std::mem::replace(&mut self.vars, vec![("$".into(), dot.clone())]),
        );
        self.depth += 1;
        let result = self.walk_list(dot, &tree.nodes);
        self.depth -= 1;
        (self.parse_name, self.tmpl, self.vars) = saved;
        result.map(|_| ())
    }

    pub(super) fn error(
        &self,
        pos: Pos,
        context: impl Display,
        message: impl Into<String>,
    ) -> TemplateError {
        TemplateError::Exec {
            name: self.parse_name.clone(),
            line: pos.line,
            col: pos.col,
            template: self.tmpl.clone(),
            context: context.to_string(),
            message: message.into(),
        }
    }

    fn walk_list(&mut self, dot: &Value, nodes: &[Node]) -> R<Flow> {
        for node in nodes {
            let flow = self.walk(dot, node)?;
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Value, node: &Node) -> R<Flow> {
        match node {
            Node::Text(t) if self.html.is_some() => self.html_text(t)?,
            Node::Text(t) => self.out.push_str(t),
            Node::Action(pipe) if self.html.is_some() && pipe.decl.is_empty() => {
                self.html_action(dot, pipe)?
            }
            Node::Action(pipe) => {
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    if let Value::Func(_) = v {
                        return Err(self.error(pipe.pos, pipe, "can't print value of type func"));
                    }
                    self.out.push_str(&action_format(&v));
                }
            }
            Node::If(b) | Node::With(b) => {
                let mark = self.vars.len();
                let v = self.eval_pipeline(dot, &b.pipe)?;
                let is_with = matches!(node, Node::With(_));
                let flow = if v.is_true() {
                    self.walk_list(if is_with { &v } else { dot }, &b.list)?
                } else if let Some(else_list) = &b.else_list {
                    self.walk_list(dot, else_list)?
                } else {
                    Flow::Normal
                };
                self.vars.truncate(mark);
                return Ok(flow);
            }
            Node::Range(b) => self.walk_range(dot, b)?,
            Node::Template { pos, name, pipe } => {
                let new_dot = match pipe {
                    Some(p) => {
                        let mark = self.vars.len();
                        let v = self.eval_pipeline(dot, p)?;
                        self.vars.truncate(mark);
                        v
                    }
                    None => Value::Nil,
                };
                self.run(name, &new_dot, *pos)?;
            }
            Node::Break => return Ok(Flow::Break),
            Node::Continue => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn walk_range(&mut self, dot: &Value, b: &Branch) -> R<()> {
        let mark = self.vars.len();
        let pipe_without_decl = Pipe {
            decl: Vec::new(),
            ..b.pipe.clone()
        };
        let v = self.eval_pipeline(dot, &pipe_without_decl)?;
        let items: Vec<(Value, Value)> = match v.resolved() {
            Value::List(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::Int(i as i64), v.clone()))
                .collect(),
            Value::Map(m) => m
                .iter()
                .map(|(k, v)| (Value::str(k.as_str()), v.clone()))
                .collect(),
            Value::Nil => Vec::new(),
            other => {
                return Err(self.error(
                    b.pipe.pos,
                    &b.pipe,
                    format!("range can't iterate over {}", action_format(&other)),
                ));
            }
        };
        if items.is_empty() {
            if let Some(else_list) = &b.else_list {
                self.walk_list(dot, else_list)?;
            }
            self.vars.truncate(mark);
            return Ok(());
        }
        for (key, elem) in items {
            let iteration_mark = self.vars.len();
            match b.pipe.decl.as_slice() {
                [] => {}
                [v] => self.declare(v, elem.clone(), b.pipe.is_assign),
                [k, v, ..] => {
                    self.declare(k, key, b.pipe.is_assign);
                    self.declare(v, elem.clone(), b.pipe.is_assign);
                }
            }
            let flow = self.walk_list(&elem, &b.list)?;
            self.vars.truncate(iteration_mark);
            if flow == Flow::Break {
                break;
            }
        }
        self.vars.truncate(mark);
        Ok(())
    }

    fn declare(&mut self, name: &str, v: Value, assign: bool) {
        if assign && let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            slot.1 = v;
            return;
        }
        self.vars.push((name.to_string(), v));
    }

    fn variable(&self, pos: Pos, name: &str) -> R<Value> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => Err(self.error(pos, name, format!("undefined variable: {name}"))),
        }
    }

    pub(crate) fn eval_pipeline(&mut self, dot: &Value, pipe: &Pipe) -> R<Value> {
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            value = Some(self.eval_command(dot, cmd, value)?);
        }
        let value = value.unwrap_or_default();
        for name in &pipe.decl {
            self.declare(name, value.clone(), pipe.is_assign);
        }
        Ok(value)
    }

    fn eval_command(&mut self, dot: &Value, cmd: &Command, last: Option<Value>) -> R<Value> {
        let first = &cmd.args[0];
        let rest = &cmd.args[1..];
        match &first.arg {
            Arg::Field(idents) => {
                return self.eval_field_chain(dot, dot.clone(), first, idents, rest, last);
            }
            Arg::Variable(name, idents) => {
                let v = self.variable(first.pos, name)?;
                if idents.is_empty() {
                    self.not_a_function(cmd, rest, &last)?;
                    return Ok(v);
                }
                return self.eval_field_chain(dot, v, first, idents, rest, last);
            }
            Arg::Chain(inner, idents) => {
                let v = self.eval_arg(dot, inner)?;
                return self.eval_field_chain(dot, v, first, idents, rest, last);
            }
            Arg::Identifier(name) => return self.eval_function(dot, name, cmd, rest, last),
            _ => {}
        }
        self.not_a_function(cmd, rest, &last)?;
        match &first.arg {
            Arg::Nil => Err(self.error(first.pos, cmd, "nil is not a command")),
            _ => self.eval_arg(dot, first),
        }
    }

    fn not_a_function(&self, cmd: &Command, rest: &[Operand], last: &Option<Value>) -> R<()> {
        if !rest.is_empty() || last.is_some() {
            let first = &cmd.args[0];
            return Err(self.error(
                first.pos,
                &first.arg,
                format!("can't give argument to non-function {}", first.arg),
            ));
        }
        Ok(())
    }

    fn eval_arg(&mut self, dot: &Value, op: &Operand) -> R<Value> {
        Ok(match &op.arg {
            Arg::Dot => dot.clone(),
            Arg::Nil => Value::Nil,
            Arg::Bool(b) => Value::Bool(*b),
            Arg::Number(_, v) => v.clone(),
            Arg::Str(_, s) => Value::str(s.as_str()),
            Arg::Field(idents) => self.eval_field_chain(dot, dot.clone(), op, idents, &[], None)?,
            Arg::Variable(name, idents) => {
                let v = self.variable(op.pos, name)?;
                self.eval_field_chain(dot, v, op, idents, &[], None)?
            }
            Arg::Chain(inner, idents) => {
                let v = self.eval_arg(dot, inner)?;
                self.eval_field_chain(dot, v, op, idents, &[], None)?
            }
            Arg::Identifier(name) => {
                let cmd = Command {
                    pos: op.pos,
                    args: vec![op.clone()],
                };
                self.eval_function(dot, name, &cmd, &[], None)?
            }
            Arg::Pipe(p) => self.eval_pipeline(dot, p)?,
        })
    }

    pub(super) fn eval_args(
        &mut self,
        dot: &Value,
        args: &[Operand],
        last: Option<Value>,
    ) -> R<Vec<Value>> {
        let mut values = Vec::with_capacity(args.len() + 1);
        for a in args {
            values.push(self.eval_arg(dot, a)?);
        }
        values.extend(last);
        Ok(values)
    }

    fn eval_function(
        &mut self,
        dot: &Value,
        name: &str,
        cmd: &Command,
        args: &[Operand],
        last: Option<Value>,
    ) -> R<Value> {
        let user = self.set.funcs().get(name).cloned();
        if user.is_none() && (name == "and" || name == "or") {
            // `and` and `or` evaluate their arguments only as far as needed
            // and return the deciding argument itself.
            let count = args.len() + usize::from(last.is_some());
            if count == 0 {
                return Err(self.call_error(
                    cmd,
                    name,
                    FuncError::Arity {
                        want: "at least 1".into(),
                        got: 0,
                    },
                ));
            }
            let want = name == "or";
            let mut v = Value::Nil;
            for a in args {
                v = self.eval_arg(dot, a)?;
                if v.is_true() == want {
                    return Ok(v);
                }
            }
            return Ok(last.unwrap_or(v));
        }
        let Some(f) = user.or_else(|| builtins::get(name).cloned()) else {
            return Err(self.error(cmd.pos, cmd, format!("{name:?} is not a defined function")));
        };
        let values = self.eval_args(dot, args, last)?;
        f(&values).map_err(|e| self.call_error(cmd, name, e))
    }

    pub(super) fn call_error(&self, cmd: &Command, name: &str, e: FuncError) -> TemplateError {
        match e {
            FuncError::Arity { want, got } => self.error(
                cmd.pos,
                name,
                format!("wrong number of args for {name}: want {want} got {got}"),
            ),
            FuncError::Type(msg) => self.error(cmd.pos, cmd, msg),
            FuncError::Failed(msg) => {
                self.error(cmd.pos, cmd, format!("error calling {name}: {msg}"))
            }
        }
    }

    /// `.A.B.C args…`: all but the last are zero-argument lookups.
    fn eval_field_chain(
        &mut self,
        dot: &Value,
        mut receiver: Value,
        node: &Operand,
        idents: &[String],
        args: &[Operand],
        last: Option<Value>,
    ) -> R<Value> {
        let Some((final_name, path)) = idents.split_last() else {
            return Ok(receiver);
        };
        for name in path {
            receiver = self.eval_field(node, name, &receiver, Vec::new(), false)?;
        }
        let has_args = !args.is_empty() || last.is_some();
        let values = self.eval_args(dot, args, last)?;
        self.eval_field(node, final_name, &receiver, values, has_args)
    }

    fn eval_field(
        &self,
        node: &Operand,
        name: &str,
        receiver: &Value,
        args: Vec<Value>,
        has_args: bool,
    ) -> R<Value> {
        let not_method = || {
            self.error(
                node.pos,
                &node.arg,
                format!("{name} is not a method but has arguments"),
            )
        };
        match receiver {
            Value::Nil => {
                if self.set.missing_key() == MissingKey::Error {
                    return Err(self.error(
                        node.pos,
                        &node.arg,
                        format!("nil data; no entry for key {name:?}"),
                    ));
                }
                Ok(Value::Nil)
            }
            Value::Object(o) => {
                if let Some(result) = o.method(name, &args) {
                    return result.map_err(|e| {
                        self.error(node.pos, &node.arg, format!("error calling {name}: {e}"))
                    });
                }
                if let Some(v) = o.field(name) {
                    if has_args {
                        return Err(not_method());
                    }
                    return Ok(v);
                }
                match o.underlying() {
                    Some(inner @ Value::Map(_)) => {
                        self.eval_field(node, name, &inner, args, has_args)
                    }
                    _ => Err(self.error(
                        node.pos,
                        &node.arg,
                        format!("can't evaluate field {name} in type {}", o.type_name()),
                    )),
                }
            }
            Value::Map(m) => {
                if has_args {
                    return Err(not_method());
                }
                match m.get(name) {
                    Some(v) => Ok(v.clone()),
                    None => match self.set.missing_key() {
                        MissingKey::Default => Ok(Value::Nil),
                        MissingKey::Zero => Ok(Value::zero_element(m)),
                        MissingKey::Error => Err(self.error(
                            node.pos,
                            &node.arg,
                            format!("map has no entry for key {name:?}"),
                        )),
                    },
                }
            }
            other => Err(self.error(
                node.pos,
                &node.arg,
                format!("can't evaluate field {name} in type {}", other.type_name()),
            )),
        }
    }
}
