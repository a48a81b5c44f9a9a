//! What an HTML attribute's value holds, by the attribute's name: Go
//! html/template's `attrTypeMap` and `attrType` heuristics (`data-` and
//! namespace prefixes stripped, `on*` is script, names containing `src`,
//! `uri` or `url` are URLs). The escaper picks a URL, script or style
//! context from it, and `htmlNameFilter` refuses dynamic attribute names
//! that are not plain.

/// The kind of content an attribute value holds (Go's `contentType`, as
/// far as attribute names go).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AttrContent {
    /// Text.
    Plain,
    /// A URL (`href`, `src`, …).
    Url,
    /// CSS (`style`).
    Css,
    /// JavaScript (`on*` event handlers).
    Js,
    /// HTML (`srcdoc`).
    Html,
    /// A `srcset` list.
    Srcset,
    /// An attribute that changes how other content is interpreted or sent
    /// (`charset`, `type`, `value`, …).
    Unsafe,
}

use AttrContent::{Css, Html, Plain, Srcset, Unsafe, Url};

/// Go's `attrTypeMap`, sorted by name for binary search.
const ATTR_TYPES: &[(&str, AttrContent)] = &[
    ("accept", Plain),
    ("accept-charset", Unsafe),
    ("action", Url),
    ("alt", Plain),
    ("archive", Url),
    ("async", Unsafe),
    ("autocomplete", Plain),
    ("autofocus", Plain),
    ("autoplay", Plain),
    ("background", Url),
    ("border", Plain),
    ("challenge", Unsafe),
    ("charset", Unsafe),
    ("checked", Plain),
    ("cite", Url),
    ("class", Plain),
    ("classid", Url),
    ("codebase", Url),
    ("cols", Plain),
    ("colspan", Plain),
    ("content", Unsafe),
    ("contenteditable", Plain),
    ("contextmenu", Plain),
    ("controls", Plain),
    ("coords", Plain),
    ("crossorigin", Unsafe),
    ("data", Url),
    ("datetime", Plain),
    ("default", Plain),
    ("defer", Unsafe),
    ("dir", Plain),
    ("dirname", Plain),
    ("disabled", Plain),
    ("draggable", Plain),
    ("dropzone", Plain),
    ("enctype", Unsafe),
    ("for", Plain),
    ("form", Unsafe),
    ("formaction", Url),
    ("formenctype", Unsafe),
    ("formmethod", Unsafe),
    ("formnovalidate", Unsafe),
    ("formtarget", Plain),
    ("headers", Plain),
    ("height", Plain),
    ("hidden", Plain),
    ("high", Plain),
    ("href", Url),
    ("hreflang", Plain),
    ("http-equiv", Unsafe),
    ("icon", Url),
    ("id", Plain),
    ("ismap", Plain),
    ("keytype", Unsafe),
    ("kind", Plain),
    ("label", Plain),
    ("lang", Plain),
    ("language", Unsafe),
    ("list", Plain),
    ("longdesc", Url),
    ("loop", Plain),
    ("low", Plain),
    ("manifest", Url),
    ("max", Plain),
    ("maxlength", Plain),
    ("media", Plain),
    ("mediagroup", Plain),
    ("method", Unsafe),
    ("min", Plain),
    ("multiple", Plain),
    ("name", Plain),
    ("novalidate", Unsafe),
    ("open", Plain),
    ("optimum", Plain),
    ("pattern", Unsafe),
    ("placeholder", Plain),
    ("poster", Url),
    ("preload", Plain),
    ("profile", Url),
    ("pubdate", Plain),
    ("radiogroup", Plain),
    ("readonly", Plain),
    ("rel", Unsafe),
    ("required", Plain),
    ("reversed", Plain),
    ("rows", Plain),
    ("rowspan", Plain),
    ("sandbox", Unsafe),
    ("scope", Plain),
    ("scoped", Plain),
    ("seamless", Plain),
    ("selected", Plain),
    ("shape", Plain),
    ("size", Plain),
    ("sizes", Plain),
    ("span", Plain),
    ("spellcheck", Plain),
    ("src", Url),
    ("srcdoc", Html),
    ("srclang", Plain),
    ("srcset", Srcset),
    ("start", Plain),
    ("step", Plain),
    ("style", Css),
    ("tabindex", Plain),
    ("target", Plain),
    ("title", Plain),
    ("type", Unsafe),
    ("usemap", Url),
    ("value", Unsafe),
    ("width", Plain),
    ("wrap", Plain),
    ("xmlns", Url),
];

/// Go's `attrType`: a conservative guess at what the lower-case attribute
/// `name` holds.
pub(super) fn attr_type(name: &str) -> AttrContent {
    let name = if let Some(rest) = name.strip_prefix("data-") {
        rest
    } else if let Some((ns, local)) = name.split_once(':') {
        if ns == "xmlns" {
            return Url;
        }
        local
    } else {
        name
    };
    if let Ok(i) = ATTR_TYPES.binary_search_by(|(n, _)| (*n).cmp(name)) {
        return ATTR_TYPES[i].1;
    }
    if name.starts_with("on") {
        return AttrContent::Js;
    }
    if name.contains("src") || name.contains("uri") || name.contains("url") {
        return Url;
    }
    Plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(ATTR_TYPES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn attr_type_follows_go_heuristics() {
        assert_eq!(attr_type("href"), Url);
        assert_eq!(attr_type("data-href"), Url);
        assert_eq!(attr_type("xlink:href"), Url);
        assert_eq!(attr_type("xmlns:svg"), Url);
        assert_eq!(attr_type("onclick"), AttrContent::Js);
        assert_eq!(attr_type("style"), Css);
        assert_eq!(attr_type("data-imgsrc"), Url);
        assert_eq!(attr_type("g:tweeturl"), Url);
        assert_eq!(attr_type("valign"), Plain);
        assert_eq!(attr_type("type"), Unsafe);
    }
}
