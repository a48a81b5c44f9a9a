//! Go's `regexp/syntax` escapes and character classes: `\\x{41}`, octal,
//! `\\pL` and `\\p{Greek}` (Go 1.19's Unicode 13 tables), `[a-z]`,
//! `[[:alpha:]]`, each error quoting what Go quotes.

use super::{GoError, cut, err, next_rune};

const INVALID_CHAR_RANGE: &str = "invalid character class range";
pub(super) const INVALID_ESCAPE: &str = "invalid escape sequence";

/// Go's `parseEscape`: one escaped character; `s` starts with `\`.
pub(super) fn parse_escape(s: &str) -> Result<(char, &str), GoError> {
    let t = &s[1..];
    if t.is_empty() {
        return err("trailing backslash at end of expression", "");
    }
    let (c, mut t) = next_rune(t)?;
    let c = c.unwrap_or('\u{FFFD}');
    let octal = |t: &str| t.bytes().next().is_some_and(|b| (b'0'..=b'7').contains(&b));
    match c {
        '1'..='7' if !octal(t) => {}
        '0'..='7' => {
            let mut value = c as u32 - '0' as u32;
            for _ in 1..3 {
                if !octal(t) {
                    break;
                }
                value = value * 8 + u32::from(t.as_bytes()[0] - b'0');
                t = &t[1..];
            }
            return Ok((char::from_u32(value).unwrap_or('\u{FFFD}'), t));
        }
        'x' if !t.is_empty() => {
            let (c, rest) = next_rune(t)?;
            t = rest;
            let hex = |c: Option<char>| c.and_then(|c| c.to_digit(16));
            if c == Some('{') {
                let mut value: u32 = 0;
                let mut digits = 0;
                loop {
                    if t.is_empty() {
                        return err(INVALID_ESCAPE, cut(s, t));
                    }
                    let (c, rest) = next_rune(t)?;
                    t = rest;
                    if c == Some('}') {
                        break;
                    }
                    let Some(v) = hex(c) else {
                        return err(INVALID_ESCAPE, cut(s, t));
                    };
                    value = value * 16 + v;
                    if value > 0x10FFFF {
                        return err(INVALID_ESCAPE, cut(s, t));
                    }
                    digits += 1;
                }
                if digits == 0 {
                    return err(INVALID_ESCAPE, cut(s, t));
                }
                return Ok((char::from_u32(value).unwrap_or('\u{FFFD}'), t));
            }
            let (c2, rest) = next_rune(t)?;
            t = rest;
            if let (Some(x), Some(y)) = (hex(c), hex(c2)) {
                return Ok((char::from_u32(x * 16 + y).unwrap_or('\u{FFFD}'), t));
            }
        }
        'a' => return Ok(('\u{7}', t)),
        'f' => return Ok(('\u{c}', t)),
        'n' => return Ok(('\n', t)),
        'r' => return Ok(('\r', t)),
        't' => return Ok(('\t', t)),
        'v' => return Ok(('\u{b}', t)),
        _ if c.is_ascii() && !c.is_ascii_alphanumeric() => return Ok((c, t)),
        _ => {}
    }
    err(INVALID_ESCAPE, cut(s, t))
}

/// Go 1.19's `unicode.Categories` names.
const CATEGORIES: [&str; 36] = [
    "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N",
    "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So",
    "Z", "Zl", "Zp", "Zs",
];

/// Go 1.19's `unicode.Scripts` names (Unicode 13).
const SCRIPTS: [&str; 156] = [
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Ugaritic",
    "Vai",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
];

/// Go's `parseUnicodeClass`: `\pL`, `\p{Greek}`, `\P{^Greek}`.
pub(super) fn unicode_class(s: &str) -> Result<&str, GoError> {
    let (c, t) = next_rune(&s[2..])?;
    let (seq, name, rest) = if c == Some('{') {
        let Some(end) = s.find('}') else {
            return err(INVALID_CHAR_RANGE, s);
        };
        (&s[..=end], &s[3..end], &s[end + 1..])
    } else {
        let seq = cut(s, t);
        (seq, &seq[2..], t)
    };
    let name = name.strip_prefix('^').unwrap_or(name);
    if name == "Any" || CATEGORIES.contains(&name) || SCRIPTS.contains(&name) {
        Ok(rest)
    } else {
        err(INVALID_CHAR_RANGE, seq)
    }
}

/// Go's POSIX class names (`[:alpha:]`, `[:^alpha:]`).
const POSIX: [&str; 14] = [
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// Go's `parseClass`; `s` starts with `[`. Returns the rest after `]`.
pub(super) fn class(s: &str) -> Result<&str, GoError> {
    let mut t = &s[1..];
    if let Some(rest) = t.strip_prefix('^') {
        t = rest;
    }
    let mut first = true;
    while t.is_empty() || !t.starts_with(']') || first {
        first = false;
        if t.len() > 2
            && t.starts_with("[:")
            && let Some(i) = t[2..].find(":]")
        {
            let name = &t[..i + 4];
            let bare = &name[2..name.len() - 2];
            if !POSIX.contains(&bare.strip_prefix('^').unwrap_or(bare)) {
                return err(INVALID_CHAR_RANGE, name);
            }
            t = &t[i + 4..];
            continue;
        }
        let b = t.as_bytes();
        if b.len() >= 2 && b[0] == b'\\' {
            if matches!(b[1], b'p' | b'P') {
                t = unicode_class(t)?;
                continue;
            }
            if matches!(b[1], b'd' | b'D' | b's' | b'S' | b'w' | b'W') {
                t = &t[2..];
                continue;
            }
        }
        let range = t;
        let (lo, rest) = class_char(t, s)?;
        t = rest;
        if t.len() >= 2 && t.starts_with('-') && t.as_bytes()[1] != b']' {
            let (hi, rest) = class_char(&t[1..], s)?;
            t = rest;
            if hi < lo {
                return err(INVALID_CHAR_RANGE, cut(range, t));
            }
        }
    }
    Ok(&t[1..])
}

/// Go's `parseClassChar`: one (possibly escaped) character of a class.
fn class_char<'a>(t: &'a str, whole: &str) -> Result<(char, &'a str), GoError> {
    if t.is_empty() {
        return err("missing closing ]", whole);
    }
    if t.starts_with('\\') {
        return parse_escape(t);
    }
    let (c, rest) = next_rune(t)?;
    Ok((c.unwrap_or('\u{FFFD}'), rest))
}
