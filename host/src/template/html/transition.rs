//! How template text moves the [`Context`] (Go html/template's
//! `transition.go` and `escapeText`). Only template text moves it, as in
//! Go: what an action prints never does. [`escape_text`] also rewrites the
//! text as Go does: HTML comments are dropped and a `<` that starts no tag
//! becomes `&lt;`. Script and style bodies and attribute values are
//! skipped to their end without reading the JavaScript or CSS inside.

use super::attr::{AttrContent, attr_type};
use super::context::{Attr, Context, Delim, Element, State, UrlPart, attr_start_state};
use crate::template::format::quote;

/// A transition's result: the next context and the bytes consumed, or
/// html/template's complaint about malformed HTML.
type Step = Result<(Context, usize), String>;

/// Go's `%.32q`: the first 32 characters, quoted.
fn quote32(s: &str) -> String {
    quote(&s.chars().take(32).collect::<String>())
}

fn eat_white_space(b: &[u8], i: usize) -> usize {
    (i..b.len())
        .find(|&j| !matches!(b[j], b' ' | b'\t' | b'\n' | b'\x0c' | b'\r'))
        .unwrap_or(b.len())
}

/// The end of the attribute name starting at `i`.
fn eat_attr_name(s: &str, i: usize) -> Result<usize, String> {
    let b = s.as_bytes();
    for j in i..b.len() {
        match b[j] {
            b' ' | b'\t' | b'\n' | b'\x0c' | b'\r' | b'=' | b'>' => return Ok(j),
            b'\'' | b'"' | b'<' => {
                return Err(format!(
                    "{} in attribute name: {}",
                    quote(&s[j..j + 1]),
                    quote32(s)
                ));
            }
            _ => {}
        }
    }
    Ok(b.len())
}

/// The end of the tag name starting at `i` (`x-y` and `x:y` allowed).
fn eat_tag_name(s: &str, i: usize) -> (usize, Element) {
    let b = s.as_bytes();
    if i == b.len() || !b[i].is_ascii_alphabetic() {
        return (i, Element::None);
    }
    let mut j = i + 1;
    while j < b.len() {
        if b[j].is_ascii_alphanumeric() {
            j += 1;
        } else if matches!(b[j], b':' | b'-') && j + 1 < b.len() && b[j + 1].is_ascii_alphanumeric()
        {
            j += 2;
        } else {
            break;
        }
    }
    (j, Element::of_tag(&s[i..j]))
}

fn t_text(c: Context, s: &str) -> Step {
    let b = s.as_bytes();
    let mut k = 0;
    loop {
        let Some(off) = b[k..].iter().position(|&x| x == b'<') else {
            return Ok((c, b.len()));
        };
        let mut i = k + off;
        if i + 1 == b.len() {
            return Ok((c, b.len()));
        }
        if b[i..].starts_with(b"<!--") {
            let cmt = Context {
                state: State::HtmlCmt,
                ..Context::default()
            };
            return Ok((cmt, i + 4));
        }
        i += 1;
        let mut end = false;
        if b[i] == b'/' {
            if i + 1 == b.len() {
                return Ok((c, b.len()));
            }
            (end, i) = (true, i + 1);
        }
        let (j, element) = eat_tag_name(s, i);
        if j != i {
            let element = if end { Element::None } else { element };
            let tag = Context {
                state: State::Tag,
                element,
                ..Context::default()
            };
            return Ok((tag, j));
        }
        k = j;
    }
}

fn t_tag(c: Context, s: &str) -> Step {
    let b = s.as_bytes();
    let i = eat_white_space(b, 0);
    if i == b.len() {
        return Ok((c, b.len()));
    }
    if b[i] == b'>' {
        let body = Context {
            state: c.element.content_state(),
            element: c.element,
            ..Context::default()
        };
        return Ok((body, i + 1));
    }
    let j = eat_attr_name(s, i)?;
    if i == j {
        return Err(format!(
            "expected space, attr name, or end of tag, but got {}",
            quote(&s[i..])
        ));
    }
    let attr = match attr_type(&s[i..j].to_ascii_lowercase()) {
        AttrContent::Url => Attr::Url,
        AttrContent::Css => Attr::Style,
        AttrContent::Js => Attr::Script,
        AttrContent::Srcset => Attr::Srcset,
        _ => Attr::None,
    };
    let state = if j == b.len() {
        State::AttrName
    } else {
        State::AfterName
    };
    Ok((
        Context {
            state,
            element: c.element,
            attr,
            ..Context::default()
        },
        j,
    ))
}

fn t_attr_name(mut c: Context, s: &str) -> Step {
    let i = eat_attr_name(s, 0)?;
    if i != s.len() {
        c.state = State::AfterName;
    }
    Ok((c, i))
}

fn t_after_name(mut c: Context, s: &str) -> Step {
    let b = s.as_bytes();
    let i = eat_white_space(b, 0);
    if i == b.len() {
        return Ok((c, b.len()));
    }
    if b[i] != b'=' {
        // A valueless attribute or the tag's end.
        c.state = State::Tag;
        return Ok((c, i));
    }
    c.state = State::BeforeValue;
    Ok((c, i + 1))
}

fn t_before_value(mut c: Context, s: &str) -> Step {
    let b = s.as_bytes();
    let mut i = eat_white_space(b, 0);
    if i == b.len() {
        return Ok((c, b.len()));
    }
    c.delim = match b[i] {
        b'\'' => Delim::SingleQuote,
        b'"' => Delim::DoubleQuote,
        _ => Delim::SpaceOrTagEnd,
    };
    if c.delim != Delim::SpaceOrTagEnd {
        i += 1;
    }
    c.state = attr_start_state(c.attr);
    Ok((c, i))
}

fn t_html_cmt(c: Context, s: &str) -> Step {
    Ok(match s.find("-->") {
        Some(i) => (Context::default(), i + 3),
        None => (c, s.len()),
    })
}

/// Where the end tag of element `tag` starts (`</title` followed by a
/// space, `/` or `>`, any case).
fn index_tag_end(s: &str, tag: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(off) = s[from..].find("</") {
        let i = from + off;
        let name_end = i + 2 + tag.len();
        if b.len() > name_end
            && b[i + 2..name_end].eq_ignore_ascii_case(tag.as_bytes())
            && matches!(b[name_end], b'>' | b' ' | b'\t' | b'\n' | b'\x0c' | b'/')
        {
            return Some(i);
        }
        from = i + 2;
    }
    None
}

fn t_special_tag_end(c: Context, s: &str) -> Step {
    if let Some(tag) = c.element.end_marker()
        && let Some(i) = index_tag_end(s, tag)
    {
        return Ok((Context::default(), i));
    }
    Ok((c, s.len()))
}

fn t_url(mut c: Context, s: &str) -> Step {
    if s.contains(['#', '?']) {
        c.url_part = UrlPart::QueryOrFrag;
    } else if eat_white_space(s.as_bytes(), 0) != s.len() && c.url_part == UrlPart::None {
        c.url_part = UrlPart::PreQuery;
    }
    Ok((c, s.len()))
}

/// The transition function of `state` (Go's `transitionFunc`), applied
/// to context `c`. Script and style are read as opaque text.
pub(super) fn transition(state: State, c: Context, s: &str) -> Step {
    match state {
        State::Text => t_text(c, s),
        State::Tag => t_tag(c, s),
        State::AttrName => t_attr_name(c, s),
        State::AfterName => t_after_name(c, s),
        State::BeforeValue => t_before_value(c, s),
        State::HtmlCmt => t_html_cmt(c, s),
        State::Rcdata => t_special_tag_end(c, s),
        State::Url | State::Srcset => t_url(c, s),
        State::Attr | State::Js | State::Css => Ok((c, s.len())),
    }
}

/// Go's `contextAfterText`: the context after some of `s`'s leading
/// bytes, and how many were read.
fn context_after_text(c: Context, s: &str) -> Step {
    if c.delim == Delim::None {
        let (c1, i) = t_special_tag_end(c, s)?;
        if i == 0 {
            // The body's end tag is next: it is read as text.
            return Ok((c1, 0));
        }
        return transition(c.state, c, &s[..i]);
    }
    // Inside an attribute value.
    let b = s.as_bytes();
    let i = b
        .iter()
        .position(|&x| c.delim.ends_with(x))
        .unwrap_or(b.len());
    if c.delim == Delim::SpaceOrTagEnd
        && let Some(j) = b[..i].iter().position(|x| b"\"'<=`".contains(x))
    {
        return Err(format!(
            "{} in unquoted attr: {}",
            quote(&s[j..j + 1]),
            quote(&s[..i])
        ));
    }
    if i == b.len() {
        // The value goes on. (Go decodes character references first.)
        let (mut c, mut rest) = (c, s);
        while !rest.is_empty() {
            let (c1, n) = transition(c.state, c, rest)?;
            if n == 0 && c1 == c {
                break;
            }
            (c, rest) = (c1, &rest[n..]);
        }
        return Ok((c, s.len()));
    }
    let consumed = if c.delim == Delim::SpaceOrTagEnd {
        i
    } else {
        i + 1
    };
    let tag = Context {
        state: State::Tag,
        element: c.element,
        ..Context::default()
    };
    Ok((tag, consumed))
}

/// Go's `escapeText`: template text `s` read from context `c`, rewritten
/// as html/template rewrites it (comments dropped, stray `<` escaped),
/// and the context after it.
pub(super) fn escape_text(mut c: Context, s: &str) -> Result<(String, Context), String> {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let (mut written, mut i) = (0, 0);
    while i != b.len() {
        let (c1, n) = context_after_text(c, &s[i..])?;
        let i1 = i + n;
        if matches!(c.state, State::Text | State::Rcdata) {
            let mut end = i1;
            if c1.state != c.state {
                end = (i..i1).rev().find(|&j| b[j] == b'<').unwrap_or(end);
            }
            for j in i..end {
                let doctype = b.len() - j >= 9 && b[j..j + 9].eq_ignore_ascii_case(b"<!DOCTYPE");
                if b[j] == b'<' && !doctype {
                    out.push_str(&s[written..j]);
                    out.push_str("&lt;");
                    written = j + 1;
                }
            }
        } else if c.state == State::HtmlCmt {
            // Comment text is dropped.
            written = i1;
        }
        if c1.state == State::HtmlCmt && c.state != State::HtmlCmt {
            // Keep what precedes the `<!--`.
            out.push_str(&s[written..i1 - 4]);
            written = i1;
        }
        if n == 0 && c1 == c {
            return Err(format!("no progress reading {} in {c}", quote32(&s[i..])));
        }
        (c, i) = (c1, i1);
    }
    if c.state != State::HtmlCmt {
        out.push_str(&s[written..]);
    }
    Ok((out, c))
}
