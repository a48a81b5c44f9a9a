//! Where in an HTML document the output is (Go html/template's
//! `context.go`): in text, in a tag, in an attribute's name or value
//! (quoted either way or unquoted, and which kind of value: text, URL and
//! how far into it, `srcset`, script, style), in a comment, or in the body
//! of `<title>`, `<textarea>`, `<script>` or `<style>`. The
//! [`transition`](super::transition) module moves it along template text.

use std::fmt;

/// The high-level parser state (Go's `state`, minus JS/CSS sub-states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum State {
    #[default]
    Text,
    Tag,
    AttrName,
    AfterName,
    BeforeValue,
    HtmlCmt,
    Rcdata,
    Attr,
    Url,
    Srcset,
    Js,
    Css,
}

/// What ends the current attribute value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Delim {
    #[default]
    None,
    DoubleQuote,
    SingleQuote,
    SpaceOrTagEnd,
}

impl Delim {
    /// Whether byte `b` ends a value with this delimiter (Go's `delimEnds`).
    pub(super) fn ends_with(self, b: u8) -> bool {
        match self {
            Delim::None => false,
            Delim::DoubleQuote => b == b'"',
            Delim::SingleQuote => b == b'\'',
            Delim::SpaceOrTagEnd => matches!(b, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r' | b'>'),
        }
    }
}

/// How far into a URL attribute value the output is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum UrlPart {
    /// At the start (where a scheme may still come).
    #[default]
    None,
    /// In the scheme, authority or path.
    PreQuery,
    /// After a `?` or `#`.
    QueryOrFrag,
}

/// The kind of attribute being read (Go's `attr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Attr {
    #[default]
    None,
    Script,
    Style,
    Url,
    Srcset,
}

/// The special element whose tag or body the output is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Element {
    #[default]
    None,
    Script,
    Style,
    Textarea,
    Title,
}

impl Element {
    pub(super) fn of_tag(name: &str) -> Element {
        match name.to_ascii_lowercase().as_str() {
            "script" => Element::Script,
            "style" => Element::Style,
            "textarea" => Element::Textarea,
            "title" => Element::Title,
            _ => Element::None,
        }
    }

    /// The name whose end tag closes the body.
    pub(super) fn end_marker(self) -> Option<&'static str> {
        match self {
            Element::None => None,
            Element::Script => Some("script"),
            Element::Style => Some("style"),
            Element::Textarea => Some("textarea"),
            Element::Title => Some("title"),
        }
    }

    /// The state of the element's body once its start tag ends.
    pub(super) fn content_state(self) -> State {
        match self {
            Element::None => State::Text,
            Element::Script => State::Js,
            Element::Style => State::Css,
            Element::Textarea | Element::Title => State::Rcdata,
        }
    }
}

/// The output's place in the document; the default is HTML text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Context {
    pub state: State,
    pub delim: Delim,
    pub url_part: UrlPart,
    pub attr: Attr,
    pub element: Element,
}

/// As Go prints a context in `ends in a non-text context: {…}`.
impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Text => "stateText",
            State::Tag => "stateTag",
            State::AttrName => "stateAttrName",
            State::AfterName => "stateAfterName",
            State::BeforeValue => "stateBeforeValue",
            State::HtmlCmt => "stateHTMLCmt",
            State::Rcdata => "stateRCDATA",
            State::Attr => "stateAttr",
            State::Url => "stateURL",
            State::Srcset => "stateSrcset",
            State::Js => "stateJS",
            State::Css => "stateCSS",
        };
        let delim = match self.delim {
            Delim::None => "delimNone",
            Delim::DoubleQuote => "delimDoubleQuote",
            Delim::SingleQuote => "delimSingleQuote",
            Delim::SpaceOrTagEnd => "delimSpaceOrTagEnd",
        };
        let url_part = match self.url_part {
            UrlPart::None => "urlPartNone",
            UrlPart::PreQuery => "urlPartPreQuery",
            UrlPart::QueryOrFrag => "urlPartQueryOrFrag",
        };
        let attr = match self.attr {
            Attr::None => "attrNone",
            Attr::Script => "attrScript",
            Attr::Style => "attrStyle",
            Attr::Url => "attrURL",
            Attr::Srcset => "attrSrcset",
        };
        let element = match self.element {
            Element::None => "elementNone",
            Element::Script => "elementScript",
            Element::Style => "elementStyle",
            Element::Textarea => "elementTextarea",
            Element::Title => "elementTitle",
        };
        write!(
            f,
            "{{{state} {delim} {url_part} jsCtxRegexp {attr} {element} <nil>}}"
        )
    }
}

impl Context {
    /// The context an action really starts in (Go's `nudge`): `<a {{.}}`
    /// prints an attribute name, `<a href={{.}}` an unquoted value.
    pub(super) fn nudge(mut self) -> Context {
        match self.state {
            State::Tag => self.state = State::AttrName,
            State::AfterName => {
                self.state = State::AttrName;
                self.attr = Attr::None;
            }
            State::BeforeValue => {
                self.state = attr_start_state(self.attr);
                self.delim = Delim::SpaceOrTagEnd;
                self.attr = Attr::None;
            }
            _ => {}
        }
        self
    }
}

/// The state of an attribute value of kind `attr`.
pub(super) fn attr_start_state(attr: Attr) -> State {
    match attr {
        Attr::None => State::Attr,
        Attr::Script => State::Js,
        Attr::Style => State::Css,
        Attr::Url => State::Url,
        Attr::Srcset => State::Srcset,
    }
}
