//! The pieces timestamps are made of: numbers of a fixed width, fractions of
//! a second, month names, and `YYYY-MM-DD hh:mm:ss`. Each reads only ASCII
//! where it slices, so none panics on any input.

use super::Civil;

/// A number of 1 to 9 ASCII digits, the whole of `s`.
pub fn digits(s: &str) -> Option<u32> {
    match lead_digits(s, 1, 9) {
        Some((n, "")) => u32::try_from(n).ok(),
        _ => None,
    }
}

/// Exactly two ASCII digits as a number (the month, day and time fields of
/// fixed layouts: no loop).
#[inline]
pub fn two_digits(s: &str) -> Option<u32> {
    let &[tens, ones] = s.as_bytes() else {
        return None;
    };
    let (tens, ones) = (tens.wrapping_sub(b'0'), ones.wrapping_sub(b'0'));
    (tens < 10 && ones < 10).then(|| u32::from(tens) * 10 + u32::from(ones))
}

/// Between `min` and `max` ASCII digits at the start of `s` as a number,
/// and the rest. (One plain loop: in a Wasm plugin each iteration of a loop
/// costs a deadline check, so no chain of iterator passes.)
pub(super) fn lead_digits(s: &str, min: usize, max: usize) -> Option<(i64, &str)> {
    let bytes = s.as_bytes();
    let (mut n, mut value) = (0, 0i64);
    while n < max && n < bytes.len() {
        let digit = bytes[n].wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        value = value * 10 + i64::from(digit);
        n += 1;
    }
    (n >= min).then(|| (value, &s[n..]))
}

/// [`lead_digits`] for at most 9 digits, as a civil field.
pub(super) fn lead_u32(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let (v, rest) = lead_digits(s, min, max.min(9))?;
    Some((u32::try_from(v).ok()?, rest))
}

/// The digits of a fraction of a second at the start of `s` (at least one;
/// past nanoseconds they are read and dropped) as nanoseconds, and the rest.
pub(super) fn fraction(s: &str) -> Option<(u32, &str)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return None;
    }
    let digits = s.as_bytes();
    let nanos = (0..9).fold(0u32, |acc, i| {
        acc * 10
            + digits
                .get(i)
                .filter(|_| i < n)
                .map_or(0, |b| u32::from(b - b'0'))
    });
    Some((nanos, &s[n..]))
}

/// A fraction of a second written after the point (`5`, `123`, `123456`),
/// the whole of `s`, as nanoseconds; digits past the ninth are ignored.
pub fn fraction_ns(s: &str) -> Option<u32> {
    match fraction(s) {
        Some((ns, "")) => Some(ns),
        _ => None,
    }
}

/// English (and the common German) month names and abbreviations, any case.
const MONTHS: &[(&str, u32)] = &[
    ("jan", 1),
    ("january", 1),
    ("januar", 1),
    ("feb", 2),
    ("february", 2),
    ("februar", 2),
    ("mar", 3),
    ("march", 3),
    ("mär", 3),
    ("märz", 3),
    ("mrz", 3),
    ("apr", 4),
    ("april", 4),
    ("may", 5),
    ("mai", 5),
    ("jun", 6),
    ("june", 6),
    ("juni", 6),
    ("jul", 7),
    ("july", 7),
    ("juli", 7),
    ("aug", 8),
    ("august", 8),
    ("sep", 9),
    ("sept", 9),
    ("september", 9),
    ("oct", 10),
    ("october", 10),
    ("okt", 10),
    ("oktober", 10),
    ("nov", 11),
    ("november", 11),
    ("dec", 12),
    ("december", 12),
    ("dez", 12),
    ("dezember", 12),
];

/// A month's name or abbreviation (`Nov`, `november`, `Mär`, ...: English
/// and the common German ones, any case), the whole of `word`, as 1..=12.
pub fn month_from_name(word: &str) -> Option<u32> {
    // Every syslog line starts with a month: ASCII names are matched
    // without a loop; only the German ones with `ä` take the long way.
    if word.is_ascii() {
        let mut buffer = [0u8; 16];
        return ascii_month(crate::ascii::lowercase_into(&mut buffer, word)?);
    }
    MONTHS
        .iter()
        .find(|(name, _)| word.chars().flat_map(char::to_lowercase).eq(name.chars()))
        .map(|(_, m)| *m)
}

/// The month of a lower-cased ASCII name in [`MONTHS`].
fn ascii_month(lower: &[u8]) -> Option<u32> {
    Some(match lower {
        b"jan" | b"january" | b"januar" => 1,
        b"feb" | b"february" | b"februar" => 2,
        b"mar" | b"march" | b"mrz" => 3,
        b"apr" | b"april" => 4,
        b"may" | b"mai" => 5,
        b"jun" | b"june" | b"juni" => 6,
        b"jul" | b"july" | b"juli" => 7,
        b"aug" | b"august" => 8,
        b"sep" | b"sept" | b"september" => 9,
        b"oct" | b"october" | b"okt" | b"oktober" => 10,
        b"nov" | b"november" => 11,
        b"dec" | b"december" | b"dez" | b"dezember" => 12,
        _ => return None,
    })
}

/// The month name at the start of `s` (see [`month_from_name`]) and the rest.
pub(super) fn lead_month(s: &str) -> Option<(u32, &str)> {
    let end = s.find(|c: char| !c.is_alphabetic()).unwrap_or(s.len());
    Some((month_from_name(&s[..end])?, &s[end..]))
}

/// `YYYY-MM-DD` followed by `sep` and `hh:mm:ss`, then an optional `.` or
/// `,` fraction: the civil time (not yet checked, see [`Civil::to_ns`]) and
/// the unparsed rest.
pub fn parse_iso_datetime(s: &str, sep: u8) -> Option<(Civil, &str)> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != sep
        || b[13] != b':'
        || b[16] != b':'
        || !b[..19].is_ascii()
    {
        return None;
    }
    let mut civil = Civil {
        year: i64::from(digits(&s[0..4])?),
        month: two_digits(&s[5..7])?,
        day: two_digits(&s[8..10])?,
        hour: two_digits(&s[11..13])?,
        minute: two_digits(&s[14..16])?,
        second: two_digits(&s[17..19])?,
        nanos: 0,
    };
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix(['.', ',']) {
        (civil.nanos, rest) = fraction(frac)?;
    }
    Some((civil, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table read the slow way, as every name was matched before.
    fn reference(word: &str) -> Option<u32> {
        MONTHS
            .iter()
            .find(|(name, _)| word.chars().flat_map(char::to_lowercase).eq(name.chars()))
            .map(|(_, m)| *m)
    }

    #[test]
    fn month_names_and_near_misses_match_the_table() {
        let mut words = vec![String::new(), "x".repeat(20)];
        for (name, _) in MONTHS {
            let chars: Vec<char> = name.chars().collect();
            for end in 0..=chars.len() {
                words.push(chars[..end].iter().collect());
            }
            words.push(format!("{name}x"));
            words.push(format!(" {name}"));
            for i in 0..chars.len() {
                let mut changed = chars.clone();
                changed[i] = char::from_u32(u32::from(chars[i]) + 1).unwrap();
                words.push(changed.into_iter().collect());
            }
        }
        for word in words {
            for spelling in crate::ascii::case_spellings(&word) {
                assert_eq!(
                    month_from_name(&spelling),
                    reference(&spelling),
                    "{spelling:?}"
                );
            }
        }
        assert!(
            MONTHS
                .iter()
                .all(|(name, m)| month_from_name(name) == Some(*m))
        );
    }
}
