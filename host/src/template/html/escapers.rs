//! Go html/template's escaping functions, byte for byte: the HTML
//! replacement tables (text, quoted and unquoted attribute values, and
//! their `Norm` forms that keep `&` for already-escaped HTML), the URL
//! filter, normalizer and query escaper, the `srcset` filter, the
//! attribute-name filter and `stripTags`.

use super::attr::{AttrContent, attr_type};
use super::context::{Context, Delim, Element, State};
use super::transition::transition;

/// What Go prints in place of a value it refuses.
pub(super) const FILTER_FAILSAFE: &str = "ZgotmplZ";

/// Whether a value is plain text or trusted HTML (Go's `template.HTML`,
/// which `safeHtml` returns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Content {
    Plain,
    Html,
}

/// `htmlReplacementTable` (`norm`: `htmlNormReplacementTable`, without `&`).
fn html_table(c: char, norm: bool) -> Option<&'static str> {
    Some(match c {
        '\0' => "\u{FFFD}",
        '"' => "&#34;",
        '&' if !norm => "&amp;",
        '\'' => "&#39;",
        '+' => "&#43;",
        '<' => "&lt;",
        '>' => "&gt;",
        _ => return None,
    })
}

/// `htmlNospaceReplacementTable` (`norm`: without `&`).
fn nospace_table(c: char, norm: bool) -> Option<&'static str> {
    Some(match c {
        '\0' => "&#xfffd;",
        '\t' => "&#9;",
        '\n' => "&#10;",
        '\u{b}' => "&#11;",
        '\u{c}' => "&#12;",
        '\r' => "&#13;",
        ' ' => "&#32;",
        '"' => "&#34;",
        '&' if !norm => "&amp;",
        '\'' => "&#39;",
        '+' => "&#43;",
        '<' => "&lt;",
        '=' => "&#61;",
        '>' => "&gt;",
        '`' => "&#96;",
        _ => return None,
    })
}

/// Go's `htmlReplacer`: replaces by `table`; unless `bad_runes`, also
/// escapes the noncharacters IE refuses in unquoted attributes.
fn html_replacer(s: &str, table: impl Fn(char) -> Option<&'static str>, bad_runes: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if let Some(r) = table(c) {
            out.push_str(r);
        } else if !bad_runes && matches!(c, '\u{fdd0}'..='\u{fdef}' | '\u{fff0}'..='\u{ffff}') {
            out.push_str(&format!("&#x{:x};", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// `htmlEscaper`: for HTML text; trusted HTML passes unchanged.
pub(super) fn html_escaper(s: &str, t: Content) -> String {
    match t {
        Content::Html => s.to_string(),
        Content::Plain => html_replacer(s, |c| html_table(c, false), true),
    }
}

/// `rcdataEscaper`: for `<title>` and `<textarea>` bodies.
pub(super) fn rcdata_escaper(s: &str, t: Content) -> String {
    html_replacer(s, |c| html_table(c, t == Content::Html), true)
}

/// `attrEscaper`: for quoted attribute values; trusted HTML loses its tags.
pub(super) fn attr_escaper(s: &str, t: Content) -> String {
    match t {
        Content::Html => html_replacer(&strip_tags(s), |c| html_table(c, true), true),
        Content::Plain => html_replacer(s, |c| html_table(c, false), true),
    }
}

/// `htmlNospaceEscaper`: for unquoted attribute values. (An empty value
/// stays empty, as in the Go 1.19 Alertmanager 0.25 was built with; Go
/// 1.19.9 and 1.20.4 print `ZgotmplZ` instead.)
pub(super) fn nospace_escaper(s: &str, t: Content) -> String {
    match t {
        Content::Html => html_replacer(&strip_tags(s), |c| nospace_table(c, true), false),
        Content::Plain => html_replacer(s, |c| nospace_table(c, false), false),
    }
}

/// `htmlNameFilter`: a dynamic attribute name must be a plain, lower-case
/// alphanumeric one.
pub(super) fn name_filter(s: &str) -> String {
    let s = s.to_lowercase();
    let plain = attr_type(&s) == AttrContent::Plain;
    if s.is_empty()
        || !plain
        || !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return FILTER_FAILSAFE.into();
    }
    s
}

/// `isSafeURL`: relative, or with scheme `http`, `https` or `mailto`.
fn is_safe_url(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, _)) if !scheme.contains('/') => ["http", "https", "mailto"]
            .iter()
            .any(|ok| scheme.eq_ignore_ascii_case(ok)),
        _ => true,
    }
}

/// `urlFilter`: `#ZgotmplZ` for a URL with any other scheme.
pub(super) fn url_filter(s: &str) -> String {
    if is_safe_url(s) {
        s.to_string()
    } else {
        format!("#{FILTER_FAILSAFE}")
    }
}

/// `urlNormalizer` (`norm`) or `urlEscaper`: percent-encodes bytes
/// outside RFC 3986's unreserved set, keeping reserved ones and valid
/// escapes when normalizing. Hex digits are lower-case, as in Go.
pub(super) fn process_url(s: &str, norm: bool) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len() + 16);
    for (i, &c) in b.iter().enumerate() {
        let keep = match c {
            b'!' | b'#' | b'$' | b'&' | b'*' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?'
            | b'@' | b'[' | b']' => norm,
            b'-' | b'.' | b'_' | b'~' => true,
            b'%' => {
                norm && i + 2 < b.len()
                    && b[i + 1].is_ascii_hexdigit()
                    && b[i + 2].is_ascii_hexdigit()
            }
            c => c.is_ascii_alphanumeric(),
        };
        if keep {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02x}"));
        }
    }
    out
}

/// `isHTMLSpace`: tab, newline, form feed, carriage return, space.
fn is_html_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// `srcsetFilterAndEscaper` for untyped values: each comma-separated
/// candidate's URL must be safe and its metadata spaces and alphanumerics.
pub(super) fn srcset_escaper(s: &str) -> String {
    let mut out = String::new();
    let mut written = 0;
    for (i, c) in s.bytes().enumerate() {
        if c == b',' {
            srcset_element(s, written, i, &mut out);
            out.push(',');
            written = i + 1;
        }
    }
    srcset_element(s, written, s.len(), &mut out);
    out
}

fn srcset_element(s: &str, left: usize, right: usize, out: &mut String) {
    let b = s.as_bytes();
    let mut start = left;
    while start < right && is_html_space(b[start]) {
        start += 1;
    }
    let end = (start..right)
        .find(|&i| is_html_space(b[i]))
        .unwrap_or(right);
    let url = &s[start..end];
    let metadata_ok = b[end..right]
        .iter()
        .all(|&c| is_html_space(c) || c.is_ascii_alphanumeric());
    if is_safe_url(url) && metadata_ok {
        out.push_str(&s[left..start]);
        out.push_str(&process_url(url, true));
        out.push_str(&s[end..right]);
    } else {
        out.push('#');
        out.push_str(FILTER_FAILSAFE);
    }
}

fn in_tag(s: State) -> bool {
    matches!(
        s,
        State::Tag | State::AttrName | State::AfterName | State::BeforeValue | State::Attr
    )
}

/// Go's `stripTags`: the text content of an HTML snippet, for trusted HTML
/// printed into an attribute (`<b>&iexcl;Hi!</b>` → `&iexcl;Hi!`).
pub(super) fn strip_tags(html: &str) -> String {
    let b = html.as_bytes();
    let mut out = String::new();
    let (mut c, mut i, mut all_text) = (Context::default(), 0, true);
    while i != b.len() {
        if c.delim == Delim::None {
            let mut state = c.state;
            // Element bodies are read as RCDATA rather than JS or CSS.
            if c.element != Element::None && !in_tag(state) {
                state = State::Rcdata;
            }
            let Ok((d, n)) = transition(state, c, &html[i..]) else {
                all_text = false;
                break;
            };
            let i1 = i + n;
            if matches!(c.state, State::Text | State::Rcdata) {
                // Emit the text up to the start of the tag or comment.
                let mut j = i1;
                if d.state != c.state {
                    j = (i..j).rev().find(|&k| b[k] == b'<').unwrap_or(j);
                }
                out.push_str(&html[i..j]);
            } else {
                all_text = false;
            }
            if n == 0 && d == c {
                break;
            }
            (c, i) = (d, i1);
            continue;
        }
        let Some(end) = b[i..].iter().position(|x| c.delim.ends_with(*x)) else {
            break;
        };
        let mut i1 = i + end;
        if c.delim != Delim::SpaceOrTagEnd {
            i1 += 1; // the closing quote
        }
        c = Context {
            state: State::Tag,
            element: c.element,
            ..Context::default()
        };
        i = i1;
    }
    if all_text {
        return html.to_string();
    }
    if matches!(c.state, State::Text | State::Rcdata) {
        out.push_str(&html[i..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text_table_matches_go() {
        assert_eq!(
            html_escaper("\0\"&'+<>=` \tx", Content::Plain),
            "\u{FFFD}&#34;&amp;&#39;&#43;&lt;&gt;=` \tx"
        );
        assert_eq!(html_escaper("<b>&amp;</b>", Content::Html), "<b>&amp;</b>");
        assert_eq!(rcdata_escaper("<b>&amp;", Content::Html), "&lt;b&gt;&amp;");
        assert_eq!(
            rcdata_escaper("<b>&amp;", Content::Plain),
            "&lt;b&gt;&amp;amp;"
        );
    }

    #[test]
    fn unquoted_attribute_table_matches_go() {
        assert_eq!(
            nospace_escaper("\0\t\n\u{b}\u{c}\r \"&'+<=>`a", Content::Plain),
            "&#xfffd;&#9;&#10;&#11;&#12;&#13;&#32;&#34;&amp;&#39;&#43;&lt;&#61;&gt;&#96;a"
        );
        assert_eq!(
            nospace_escaper("\u{fdd0}\u{ffff}é", Content::Plain),
            "&#xfdd0;&#xffff;é"
        );
        assert_eq!(nospace_escaper("", Content::Plain), "");
        assert_eq!(
            nospace_escaper("<b>a b</b>&amp;", Content::Html),
            "a&#32;b&amp;"
        );
    }

    #[test]
    fn quoted_attribute_strips_tags_of_trusted_html() {
        assert_eq!(
            attr_escaper("<b>&iexcl;Hi!</b> <script>x</script>", Content::Html),
            "&iexcl;Hi! "
        );
        assert_eq!(
            attr_escaper("I <3 Ponies!", Content::Html),
            "I &lt;3 Ponies!"
        );
        assert_eq!(
            attr_escaper("<div title=\"1>2\">x</div>", Content::Html),
            "x"
        );
        assert_eq!(attr_escaper("a\"b&", Content::Plain), "a&#34;b&amp;");
    }

    #[test]
    fn url_functions_match_go() {
        let all: String = (0x20u8..0x7f).map(char::from).collect();
        assert_eq!(
            process_url(&all, false),
            "%20%21%22%23%24%25%26%27%28%29%2a%2b%2c-.%2f0123456789%3a%3b%3c%3d%3e%3f%40ABCDEFGHIJKLMNOPQRSTUVWXYZ%5b%5c%5d%5e_%60abcdefghijklmnopqrstuvwxyz%7b%7c%7d~"
        );
        assert_eq!(
            process_url(&all, true),
            "%20!%22#$%25&%27%28%29*+,-./0123456789:;%3c=%3e?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[%5c]%5e_%60abcdefghijklmnopqrstuvwxyz%7b%7c%7d~"
        );
        assert_eq!(process_url("%41%4g%", true), "%41%254g%25");
        assert_eq!(process_url("é", true), "%c3%a9");
        assert_eq!(url_filter("javascript:alert(1)"), "#ZgotmplZ");
        assert_eq!(url_filter("HTTPS://x"), "HTTPS://x");
        assert_eq!(url_filter("mailto:a@b"), "mailto:a@b");
        assert_eq!(url_filter("/a:b"), "/a:b");
        assert_eq!(url_filter("data:x"), "#ZgotmplZ");
    }

    #[test]
    fn srcset_and_name_filters_match_go() {
        assert_eq!(
            srcset_escaper("/a.png 2x, javascript:x 1x"),
            "/a.png 2x,#ZgotmplZ"
        );
        assert_eq!(srcset_escaper("/a b.png"), "#ZgotmplZ");
        assert_eq!(
            srcset_escaper(" /a.png 2x, /b%20c.png"),
            " /a.png 2x, /b%20c.png"
        );
        assert_eq!(name_filter("Title"), "title");
        assert_eq!(name_filter("href"), FILTER_FAILSAFE);
        assert_eq!(name_filter("onclick"), FILTER_FAILSAFE);
        assert_eq!(name_filter("a-b"), FILTER_FAILSAFE);
        assert_eq!(name_filter(""), FILTER_FAILSAFE);
    }
}
