//! The parser: tokens into parse trees, one per template name (the text's
//! own body plus each `{{define}}`/`{{block}}`), with Go's parse-time checks
//! (undefined functions and variables, misplaced `{{else}}`/`{{end}}`,
//! `{{break}}` outside `{{range}}`) and Go's error wording.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::ast::{Arg, Branch, Command, Node, Operand, Pipe, Pos, Tree, is_empty_tree};
use super::error::TemplateError;
use super::lexer::{self, Number, Tok, Token};
use super::value::Value;

/// The trees a text defines, by template name, in definition order.
pub(crate) type Trees = Vec<(String, Vec<Node>)>;

/// Parses `src` under `name`; `is_func` says whether a function exists.
pub(crate) fn parse(
    name: &str,
    src: &str,
    is_func: &dyn Fn(&str) -> bool,
) -> Result<Trees, TemplateError> {
    let tokens = lexer::lex(src).map_err(|(message, line)| TemplateError::Parse {
        name: name.to_string(),
        line,
        message,
    })?;
    let mut p = Parser {
        name,
        tokens,
        pos: 0,
        vars: vec!["$".into()],
        range_depth: 0,
        is_func,
        trees: Vec::new(),
    };
    let root = p.top_level()?;
    let mut trees = vec![(name.to_string(), root)];
    trees.append(&mut p.trees);
    Ok(trees)
}

/// How an item list ended.
enum End {
    End,
    Else,
}

struct Parser<'a> {
    name: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    vars: Vec<String>,
    range_depth: usize,
    is_func: &'a dyn Fn(&str) -> bool,
    trees: Trees,
}

/// A token as Go's parse errors quote it.
fn describe(tok: &Tok) -> String {
    let quoted = |s: &str| {
        if s.chars().count() > 10 {
            format!("{:?}...", s.chars().take(10).collect::<String>())
        } else {
            format!("{s:?}")
        }
    };
    match tok {
        Tok::Eof => "EOF".into(),
        Tok::Keyword(k) => format!("<{k}>"),
        Tok::Text(s) | Tok::Number(s) | Tok::Identifier(s) | Tok::Variable(s) | Tok::Str(s, _) => {
            quoted(s)
        }
        Tok::Field(s) => quoted(&format!(".{s}")),
        Tok::Bool(b) => quoted(&b.to_string()),
        Tok::LeftDelim => quoted("{{"),
        Tok::RightDelim => quoted("}}"),
        Tok::Space => quoted(" "),
        Tok::Dot => quoted("."),
        Tok::Nil => quoted("nil"),
        Tok::Pipe => quoted("|"),
        Tok::LeftParen => quoted("("),
        Tok::RightParen => quoted(")"),
        Tok::Declare => quoted(":="),
        Tok::Assign => quoted("="),
        Tok::Comma => quoted(","),
    }
}

impl Parser<'_> {
    fn err<T>(&self, message: impl Into<String>) -> Result<T, TemplateError> {
        let line = self
            .tokens
            .get(self.pos.saturating_sub(1))
            .map_or(1, |t| t.line);
        Err(TemplateError::Parse {
            name: self.name.to_string(),
            line,
            message: message.into(),
        })
    }

    fn next(&mut self) -> Token {
        let t = self.tokens[self.pos.min(self.tokens.len() - 1)].clone();
        self.pos = (self.pos + 1).min(self.tokens.len());
        t
    }

    fn backup(&mut self) {
        self.pos -= 1;
    }

    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn next_non_space(&mut self) -> Token {
        loop {
            let t = self.next();
            if t.tok != Tok::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Token {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn pos_of(t: &Token) -> Pos {
        Pos {
            line: t.line,
            col: t.col,
        }
    }

    fn expect_right_delim(&mut self, context: &str) -> Result<(), TemplateError> {
        let t = self.next_non_space();
        if t.tok != Tok::RightDelim {
            return self.err(format!("unexpected {} in {context}", describe(&t.tok)));
        }
        Ok(())
    }

    fn top_level(&mut self) -> Result<Vec<Node>, TemplateError> {
        let mut list = Vec::new();
        loop {
            if self.peek().tok == Tok::Eof {
                return Ok(list);
            }
            if self.peek().tok == Tok::LeftDelim {
                let save = self.pos;
                self.next();
                if self.next_non_space().tok == Tok::Keyword("define") {
                    self.definition()?;
                    continue;
                }
                self.pos = save;
            }
            match self.text_or_action()? {
                Item::Node(n) => list.push(n),
                Item::End(End::End) => return self.err("unexpected {{end}}"),
                Item::End(End::Else) => return self.err("unexpected {{else}}"),
            }
        }
    }

    /// `{{define "name"}} … {{end}}`, after the keyword.
    fn definition(&mut self) -> Result<(), TemplateError> {
        let t = self.next_non_space();
        let Tok::Str(_, name) = t.tok else {
            return self.err(format!("unexpected {} in define clause", describe(&t.tok)));
        };
        self.expect_right_delim("define clause")?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        if matches!(end, End::Else) {
            return self.err("unexpected {{else}}");
        }
        self.trees.push((name, list));
        Ok(())
    }

    /// Nodes up to the matching `{{end}}` or `{{else}}`.
    fn item_list(&mut self) -> Result<(Vec<Node>, End), TemplateError> {
        let mut list = Vec::new();
        while self.peek_non_space().tok != Tok::Eof {
            match self.text_or_action()? {
                Item::Node(n) => list.push(n),
                Item::End(end) => return Ok((list, end)),
            }
        }
        self.err("unexpected EOF")
    }

    fn text_or_action(&mut self) -> Result<Item, TemplateError> {
        let t = self.next_non_space();
        match t.tok {
            Tok::Text(s) => Ok(Item::Node(Node::Text(s))),
            Tok::LeftDelim => self.action(),
            other => self.err(format!("unexpected {} in input", describe(&other))),
        }
    }

    fn action(&mut self) -> Result<Item, TemplateError> {
        let t = self.next_non_space();
        match t.tok {
            Tok::Keyword("block") => self.block(),
            Tok::Keyword("break") | Tok::Keyword("continue") => {
                let is_break = t.tok == Tok::Keyword("break");
                let word = if is_break { "break" } else { "continue" };
                if self.range_depth == 0 {
                    return self.err(format!("{{{{{word}}}}} outside {{{{range}}}}"));
                }
                self.expect_right_delim(word)?;
                Ok(Item::Node(if is_break {
                    Node::Break
                } else {
                    Node::Continue
                }))
            }
            Tok::Keyword("else") => {
                // `{{else if …}}` / `{{else with …}}` are handled by the
                // control that owns the else; leave the keyword for it.
                let n = self.peek_non_space();
                if matches!(n.tok, Tok::Keyword("if") | Tok::Keyword("with")) {
                    return Ok(Item::End(End::Else));
                }
                self.expect_right_delim("else")?;
                Ok(Item::End(End::Else))
            }
            Tok::Keyword("end") => {
                self.expect_right_delim("end")?;
                Ok(Item::End(End::End))
            }
            Tok::Keyword("if") => self.control("if").map(|b| Item::Node(Node::If(b))),
            Tok::Keyword("with") => self.control("with").map(|b| Item::Node(Node::With(b))),
            Tok::Keyword("range") => self.control("range").map(|b| Item::Node(Node::Range(b))),
            Tok::Keyword("template") => self.template_call(),
            _ => {
                self.backup();
                let pipe = self.pipeline("command", Tok::RightDelim)?;
                Ok(Item::Node(Node::Action(pipe)))
            }
        }
    }

    /// `if`, `with` and `range` after the keyword, through `{{end}}`.
    fn control(&mut self, context: &'static str) -> Result<Branch, TemplateError> {
        let mark = self.vars.len();
        let pipe = self.pipeline(context, Tok::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, end) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let else_list = match end {
            End::End => None,
            End::Else => {
                let n = self.peek_non_space();
                let chained = match n.tok {
                    Tok::Keyword("if") if context == "if" => Some("if"),
                    Tok::Keyword("with") if context == "with" => Some("with"),
                    _ => None,
                };
                match chained {
                    // `{{else if x}}` is an else branch holding a nested `if`
                    // that consumes the shared `{{end}}`.
                    Some(kw) => {
                        self.next_non_space();
                        let nested = self.control(kw)?;
                        Some(vec![if kw == "if" {
                            Node::If(nested)
                        } else {
                            Node::With(nested)
                        }])
                    }
                    None => {
                        let (else_list, end) = self.item_list()?;
                        if matches!(end, End::Else) {
                            return self.err("expected end; found {{else}}");
                        }
                        Some(else_list)
                    }
                }
            }
        };
        self.vars.truncate(mark);
        Ok(Branch {
            pipe,
            list,
            else_list,
        })
    }

    fn template_call(&mut self) -> Result<Item, TemplateError> {
        let t = self.next_non_space();
        let pos = Self::pos_of(&t);
        let Tok::Str(_, name) = t.tok else {
            return self.err(format!(
                "unexpected {} in template clause",
                describe(&t.tok)
            ));
        };
        let pipe = if self.peek_non_space().tok != Tok::RightDelim {
            Some(self.pipeline("template clause", Tok::RightDelim)?)
        } else {
            self.next_non_space();
            None
        };
        Ok(Item::Node(Node::Template { pos, name, pipe }))
    }

    /// `{{block "name" pipeline}} T {{end}}`: defines `name` as T and runs it.
    fn block(&mut self) -> Result<Item, TemplateError> {
        let t = self.next_non_space();
        let pos = Self::pos_of(&t);
        let Tok::Str(_, name) = t.tok else {
            return self.err(format!("unexpected {} in block clause", describe(&t.tok)));
        };
        let pipe = self.pipeline("block clause", Tok::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        if matches!(end, End::Else) {
            return self.err("unexpected {{else}}");
        }
        self.trees.push((name.clone(), list));
        Ok(Item::Node(Node::Template {
            pos,
            name,
            pipe: Some(pipe),
        }))
    }

    fn pipeline(&mut self, context: &str, end: Tok) -> Result<Pipe, TemplateError> {
        let first = self.peek_non_space();
        let pos = Self::pos_of(&first);
        let mut decl = Vec::new();
        let mut is_assign = false;
        // Declarations: `$x :=`, `$x =`, and in range `$i, $v :=`.
        if let Tok::Variable(v) = &first.tok {
            let save = self.pos;
            self.next_non_space();
            let after = self.peek_non_space().tok.clone();
            match after {
                Tok::Declare | Tok::Assign => {
                    self.next_non_space();
                    is_assign = after == Tok::Assign;
                    decl.push(v.clone());
                }
                Tok::Comma if context == "range" => {
                    self.next_non_space();
                    let second = self.next_non_space();
                    let Tok::Variable(v2) = second.tok else {
                        return self.err("range can only initialize variables");
                    };
                    let op = self.next_non_space();
                    if !matches!(op.tok, Tok::Declare | Tok::Assign) {
                        return self.err("range can only initialize variables");
                    }
                    is_assign = op.tok == Tok::Assign;
                    decl.push(v.clone());
                    decl.push(v2);
                }
                _ => self.pos = save,
            }
            if is_assign {
                for v in &decl {
                    if !self.vars.contains(v) {
                        return self.err(format!("undefined variable {v:?}"));
                    }
                }
            }
        }
        let mut cmds = Vec::new();
        loop {
            let t = self.next_non_space();
            if t.tok == end {
                break;
            }
            match t.tok {
                Tok::Bool(_)
                | Tok::Number(_)
                | Tok::Str(..)
                | Tok::Dot
                | Tok::Field(_)
                | Tok::Identifier(_)
                | Tok::Keyword("nil")
                | Tok::Nil
                | Tok::Variable(_)
                | Tok::LeftParen => {
                    self.backup();
                    cmds.push(self.command(&end)?);
                }
                other => return self.err(format!("unexpected {} in {context}", describe(&other))),
            }
        }
        if cmds.is_empty() {
            return self.err(format!("missing value for {context}"));
        }
        for (i, c) in cmds.iter().enumerate().skip(1) {
            if !c.args[0].arg.is_executable() {
                return self.err(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                ));
            }
        }
        if !is_assign {
            self.vars.extend(decl.iter().cloned());
        }
        Ok(Pipe {
            pos,
            is_assign,
            decl,
            cmds,
        })
    }

    fn command(&mut self, end: &Tok) -> Result<Command, TemplateError> {
        let pos = Self::pos_of(&self.peek_non_space());
        let mut args = Vec::new();
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                args.push(op);
            }
            let t = self.next();
            match t.tok {
                Tok::Space => continue,
                ref tok if tok == end => {
                    self.backup();
                    break;
                }
                Tok::Pipe => break,
                other => return self.err(format!("unexpected {} in operand", describe(&other))),
            }
        }
        if args.is_empty() {
            return self.err("empty command");
        }
        Ok(Command { pos, args })
    }

    fn operand(&mut self) -> Result<Option<Operand>, TemplateError> {
        let Some(term) = self.term()? else {
            return Ok(None);
        };
        let mut fields = Vec::new();
        // Go positions a chain at its first trailing field, and so do its
        // execution errors.
        let chain_pos = Self::pos_of(self.peek());
        while let Tok::Field(f) = &self.peek().tok {
            fields.push(f.clone());
            self.next();
        }
        if fields.is_empty() {
            return Ok(Some(term));
        }
        let pos = match term.arg {
            Arg::Field(_) | Arg::Variable(..) => chain_pos,
            _ => term.pos,
        };
        let arg = match term.arg {
            Arg::Field(mut idents) => {
                idents.extend(fields);
                Arg::Field(idents)
            }
            Arg::Variable(name, mut idents) => {
                idents.extend(fields);
                Arg::Variable(name, idents)
            }
            Arg::Bool(_) | Arg::Str(..) | Arg::Number(..) | Arg::Nil | Arg::Dot => {
                return self.err(format!(
                    "unexpected . after term {:?}",
                    term.arg.to_string()
                ));
            }
            other => Arg::Chain(
                Box::new(Operand {
                    pos: term.pos,
                    arg: other,
                }),
                fields,
            ),
        };
        Ok(Some(Operand { pos, arg }))
    }

    fn term(&mut self) -> Result<Option<Operand>, TemplateError> {
        let t = self.next_non_space();
        let pos = Self::pos_of(&t);
        let arg = match t.tok {
            Tok::Identifier(name) => {
                if !(self.is_func)(&name) {
                    return self.err(format!("function {name:?} not defined"));
                }
                Arg::Identifier(name)
            }
            Tok::Dot => Arg::Dot,
            Tok::Nil => Arg::Nil,
            Tok::Variable(name) => {
                if !self.vars.contains(&name) {
                    return self.err(format!("undefined variable {name:?}"));
                }
                Arg::Variable(name, Vec::new())
            }
            Tok::Field(name) => Arg::Field(vec![name]),
            Tok::Bool(b) => Arg::Bool(b),
            Tok::Number(text) => {
                let value = match lexer::parse_number(&text) {
                    Some(Number::Int(n)) => Value::Int(n),
                    Some(Number::Float(x)) => Value::Float(x),
                    None => return self.err(format!("bad number syntax: {text:?}")),
                };
                Arg::Number(text, value)
            }
            Tok::LeftParen => {
                let pipe = self.pipeline("parenthesized pipeline", Tok::RightParen)?;
                Arg::Pipe(Box::new(pipe))
            }
            Tok::Str(text, value) => Arg::Str(text, value),
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some(Operand { pos, arg }))
    }
}

enum Item {
    Node(Node),
    End(End),
}

/// Adds parsed trees to a set by name, later definitions replacing earlier
/// ones unless empty (Go's rule for redefinition).
pub(crate) fn merge(into: &mut BTreeMap<String, Arc<Tree>>, parse_name: &str, trees: Trees) {
    for (name, nodes) in trees {
        let keep_old = into.contains_key(&name) && is_empty_tree(&nodes);
        if !keep_old {
            into.insert(
                name,
                Arc::new(Tree {
                    parse_name: parse_name.to_string(),
                    nodes,
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> String {
        parse("t", src, &|f| f == "printf").unwrap_err().to_string()
    }

    #[test]
    fn defines_become_trees() {
        let trees = parse(
            "t",
            r#"a{{define "x"}}X{{end}}{{block "y" .}}Y{{end}}"#,
            &|_| false,
        )
        .unwrap();
        let names: Vec<&str> = trees.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["t", "x", "y"]);
    }

    #[test]
    fn parse_errors_match_go() {
        assert_eq!(
            err("{{ foo }}"),
            r#"template: t:1: function "foo" not defined"#
        );
        assert_eq!(
            err("a\n{{ $x }}"),
            r#"template: t:2: undefined variable "$x""#
        );
        assert_eq!(err("{{ if 1 }}"), "template: t:1: unexpected EOF");
        assert_eq!(err("{{ end }}"), "template: t:1: unexpected {{end}}");
        assert_eq!(
            err("{{ break }}"),
            "template: t:1: {{break}} outside {{range}}"
        );
        assert_eq!(
            err("{{ 1 | 2 }}"),
            "template: t:1: non executable command in pipeline stage 2"
        );
        assert_eq!(err("{{ .X"), "template: t:1: unclosed action");
        assert_eq!(err("{{ }}"), "template: t:1: missing value for command");
    }

    #[test]
    fn variables_are_scoped_to_their_control() {
        assert!(parse("t", "{{ if 1 }}{{ $x := 1 }}{{ $x }}{{ end }}", &|_| false).is_ok());
        let e = parse("t", "{{ if 1 }}{{ $x := 1 }}{{ end }}{{ $x }}", &|_| false).unwrap_err();
        assert!(e.to_string().contains("undefined variable"));
    }
}
