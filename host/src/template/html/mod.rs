//! Go's `html/template` contextual escaping, as Alertmanager 0.25 applies
//! it to HTML notification fields (`ExecuteHTMLString`: an email's `html`,
//! a Telegram `message` in `HTML` parse mode, a Pushover `message` with
//! `html: true`), through [`Template::execute_template_html`] and
//! [`Template::execute_text_html`].
//!
//! The same parsed templates run, `{{template}}` callees included, while
//! [`transition`] follows the HTML the template text writes. Text is written
//! as Go rewrites it (`<!-- comments -->` dropped, a `<` that opens no tag
//! as `&lt;`); each printing action goes through the escapers Go's
//! `escapeAction` picks for its context ([`escapers`]): HTML text and
//! `<title>`/`<textarea>` bodies, quoted and unquoted attribute values,
//! URL attributes (`urlFilter` + `urlNormalizer` at the start, the
//! normalizer in the path, `urlEscaper` after `?` or `#`), `srcset`,
//! dynamic attribute names, comments (dropped). A pipeline ending in
//! `html` or `urlquery` has it merged with an equivalent escaper, as Go
//! does, so `receiver={{ .Receiver | urlquery }}` is not escaped twice.
//! `safeHtml`'s values (Go's `template.HTML`) print unescaped in text and
//! lose their tags in attributes; nil prints as nothing, not `<no value>`.
//! A template that ends inside a tag, attribute or special element fails.
//! `tests/golden_amtool_html.rs` checks all this against `amtool template
//! render --template.type=html`, `email.default.html` included.
//!
//! Known differences from Go: the context is followed along the branches
//! executed, so templates Go rejects before running (branches ending in
//! different contexts, malformed HTML on a branch not taken) may render
//! here; JavaScript and CSS are not parsed: in `<script>`/`<style>` bodies
//! values are HTML-escaped (Go: JS/CSS value escapers) and in `on*`/`style`
//! attributes only attribute-escaped, and comments inside them are kept;
//! character references in attribute values are not decoded before the
//! URL part is tracked (`&#63;` does not start a query); `<script type=…>`
//! with a non-JavaScript type is still a script body. As in the Go 1.19
//! Alertmanager 0.25 was built with, an empty value in an unquoted
//! attribute prints nothing (Go 1.19.9 and later print `ZgotmplZ`).
//!
//! [`Template::execute_template_html`]: super::Template::execute_template_html
//! [`Template::execute_text_html`]: super::Template::execute_text_html

mod attr;
mod context;
mod escapers;
mod transition;

use context::{Context, Delim, State, UrlPart};
use escapers::Content;
use transition::escape_text;

use super::ast::{Arg, Command, Pipe};
use super::builtins;
use super::error::TemplateError;
use super::exec::Exec;
use super::format::go_format;
use super::value::Value;

/// HTML-mode execution state: where in the HTML the output is, and the
/// executed template's name (which context errors name).
pub(crate) struct Html {
    ctx: Context,
    root: String,
}

impl Html {
    /// Starting in HTML text, running template `root`.
    pub(crate) fn new(root: &str) -> Self {
        Html {
            ctx: Context::default(),
            root: root.to_string(),
        }
    }

    /// Fails unless the output ended back in HTML text (Go checks this of
    /// the template it executes, not of its callees).
    pub(crate) fn finish(&self) -> Result<(), TemplateError> {
        if self.ctx.state == State::Text {
            return Ok(());
        }
        Err(TemplateError::Escape {
            location: self.root.clone(),
            message: format!("ends in a non-text context: {}", self.ctx),
        })
    }
}

/// One function of an action's escaping chain (Go's `_html_template_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escaper {
    /// `urlFilter`.
    UrlFilter,
    /// `urlNormalizer`.
    UrlNormalizer,
    /// `urlEscaper` (query escaping).
    UrlQuery,
    /// `htmlEscaper`.
    Html,
    /// `rcdataEscaper`.
    Rcdata,
    /// `attrEscaper`.
    Attr,
    /// `htmlNospaceEscaper`.
    Nospace,
    /// `htmlNameFilter`.
    NameFilter,
    /// `commentEscaper`.
    Comment,
    /// `srcsetFilterAndEscaper`.
    Srcset,
    /// The template's own `html` or `urlquery` function, merged into the
    /// chain in place of an equivalent escaper.
    Predefined(&'static str),
}

impl Escaper {
    /// The predefined function Go treats as equivalent (`equivEscapers`).
    fn equivalent(self) -> Option<&'static str> {
        match self {
            Escaper::Attr | Escaper::Html | Escaper::Rcdata => Some("html"),
            Escaper::UrlQuery | Escaper::UrlNormalizer => Some("urlquery"),
            Escaper::Predefined(name) => Some(name),
            _ => None,
        }
    }

    fn apply(self, s: &str, t: Content) -> String {
        match self {
            Escaper::UrlFilter => escapers::url_filter(s),
            Escaper::UrlNormalizer => escapers::process_url(s, true),
            Escaper::UrlQuery => escapers::process_url(s, false),
            Escaper::Html => escapers::html_escaper(s, t),
            Escaper::Rcdata => escapers::rcdata_escaper(s, t),
            Escaper::Attr => escapers::attr_escaper(s, t),
            Escaper::Nospace => escapers::nospace_escaper(s, t),
            Escaper::NameFilter => escapers::name_filter(s),
            Escaper::Comment => String::new(),
            Escaper::Srcset => escapers::srcset_escaper(s),
            Escaper::Predefined(_) => unreachable!("predefined escapers are called as functions"),
        }
    }
}

/// Go's `escapeAction`: the escapers for an action printing in (nudged)
/// context `c`, and the context after it.
fn escapers_for(mut c: Context) -> (Vec<Escaper>, Context) {
    let mut chain = Vec::with_capacity(3);
    match c.state {
        State::Url => match c.url_part {
            UrlPart::None => chain.extend([Escaper::UrlFilter, Escaper::UrlNormalizer]),
            UrlPart::PreQuery => chain.push(Escaper::UrlNormalizer),
            UrlPart::QueryOrFrag => chain.push(Escaper::UrlQuery),
        },
        // Not Go's JS/CSS escapers: see the module doc.
        State::Js | State::Css if c.delim == Delim::None => chain.push(Escaper::Html),
        State::Js | State::Css | State::Attr => {}
        State::Text => chain.push(Escaper::Html),
        State::Rcdata => chain.push(Escaper::Rcdata),
        // After `nudge` only `Tag` and `AttrName` remain of these.
        State::Tag | State::AttrName | State::AfterName | State::BeforeValue => {
            c.state = State::AttrName;
            chain.push(Escaper::NameFilter);
        }
        State::Srcset => chain.push(Escaper::Srcset),
        State::HtmlCmt => chain.push(Escaper::Comment),
    }
    match c.delim {
        Delim::None => {}
        Delim::SpaceOrTagEnd => chain.push(Escaper::Nospace),
        Delim::DoubleQuote | Delim::SingleQuote => chain.push(Escaper::Attr),
    }
    (chain, c)
}

/// Go's `stringify` of one value: trusted HTML keeps its type, nil is
/// empty, anything else prints as `fmt.Sprint` does.
fn stringify(v: &Value) -> (String, Content) {
    if let Some(html) = v.as_safe_html() {
        return (html.to_string(), Content::Html);
    }
    match v {
        Value::Nil => (String::new(), Content::Plain),
        Value::String(s) => (s.to_string(), Content::Plain),
        other => (go_format(other), Content::Plain),
    }
}

/// The predefined escaper a command calls, if any.
fn predefined(cmd: &Command) -> Option<&'static str> {
    match &cmd.args.first()?.arg {
        Arg::Identifier(name) if name == "html" => Some("html"),
        Arg::Identifier(name) if name == "urlquery" => Some("urlquery"),
        _ => None,
    }
}

type R<T> = Result<T, TemplateError>;

impl Exec<'_> {
    fn html_state(&mut self) -> &mut Html {
        self.html.as_mut().expect("html mode")
    }

    /// Writes template text, moving the context along.
    pub(super) fn html_text(&mut self, text: &str) -> R<()> {
        let html = self.html_state();
        let (out, ctx) = escape_text(html.ctx, text).map_err(|message| TemplateError::Escape {
            location: html.root.clone(),
            message,
        })?;
        html.ctx = ctx;
        self.out.push_str(&out);
        Ok(())
    }

    /// Runs a printing action and writes its value escaped for the context.
    pub(super) fn html_action(&mut self, dot: &Value, pipe: &Pipe) -> R<()> {
        let ctx = self.html_state().ctx.nudge();
        let last = pipe.cmds.len().saturating_sub(1);
        for (i, cmd) in pipe.cmds.iter().enumerate() {
            if let Some(name) = predefined(cmd)
                && (i < last
                    || (ctx.state == State::Attr
                        && ctx.delim == Delim::SpaceOrTagEnd
                        && name == "html"))
            {
                return Err(TemplateError::Escape {
                    location: format!("{}:{}:{}", self.parse_name, pipe.pos.line, pipe.pos.col),
                    message: format!("predefined escaper {name:?} disallowed in template"),
                });
            }
        }
        let (mut chain, after) = escapers_for(ctx);
        let value = match self.merge_predefined(dot, pipe, &mut chain)? {
            Some(v) => v,
            None => self.eval_pipeline(dot, pipe)?,
        };
        if let Value::Func(_) = value {
            return Err(self.error(pipe.pos, pipe, "can't print value of type func"));
        }
        let mut v = value;
        for escaper in chain {
            v = match escaper {
                Escaper::Predefined(name) => self.call_predefined(name, v, pipe)?,
                e => {
                    let (s, t) = stringify(&v);
                    Value::str(e.apply(&s, t))
                }
            };
        }
        self.out.push_str(&stringify(&v).0);
        self.html_state().ctx = after;
        Ok(())
    }

    /// Go's `ensurePipelineContains`: when the pipeline ends in `html` or
    /// `urlquery` and the chain has an equivalent escaper, that function
    /// takes the escaper's place and the value is the pipeline's without
    /// it (`{{ html a b }}` giving `fmt.Sprint(a, b)`). `None`: no merge,
    /// the whole pipeline is the value.
    fn merge_predefined(
        &mut self,
        dot: &Value,
        pipe: &Pipe,
        chain: &mut [Escaper],
    ) -> R<Option<Value>> {
        let Some((cmd, head)) = pipe.cmds.split_last() else {
            return Ok(None);
        };
        let Some(name) = predefined(cmd) else {
            return Ok(None);
        };
        let mut merged = false;
        for e in chain.iter_mut().filter(|e| e.equivalent() == Some(name)) {
            *e = Escaper::Predefined(name);
            merged = true;
        }
        if !merged {
            return Ok(None);
        }
        let value = if !head.is_empty() {
            let head = Pipe {
                cmds: head.to_vec(),
                ..pipe.clone()
            };
            self.eval_pipeline(dot, &head)?
        } else if cmd.args.len() > 1 {
            let args = self.eval_args(dot, &cmd.args[1..], None)?;
            Value::str(builtins::eval_args(&args))
        } else {
            Value::str("")
        };
        Ok(Some(value))
    }

    fn call_predefined(&self, name: &str, v: Value, pipe: &Pipe) -> R<Value> {
        let f = self
            .set
            .funcs()
            .get(name)
            .or_else(|| builtins::get(name))
            .cloned()
            .expect("html and urlquery are builtins");
        let cmd = pipe.cmds.last().expect("a merged pipeline has commands");
        f(&[v]).map_err(|e| self.call_error(cmd, name, e))
    }
}
