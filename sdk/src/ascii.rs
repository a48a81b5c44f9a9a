//! ASCII case folding for the short words parsers match per line (level
//! names, month names) without a loop over bytes: in Wasm every loop
//! iteration also checks the call's deadline.

/// `word` lower-cased (ASCII letters only) into `buffer`, eight bytes a
/// step; `None` when it is longer than the buffer.
pub(crate) fn lowercase_into<'b>(buffer: &'b mut [u8; 16], word: &str) -> Option<&'b [u8]> {
    buffer
        .get_mut(..word.len())?
        .copy_from_slice(word.as_bytes());
    let (low, high) = buffer.split_at_mut(8);
    for half in [low, high] {
        let folded = lowercase_word(u64::from_le_bytes(half.try_into().ok()?));
        half.copy_from_slice(&folded.to_le_bytes());
    }
    Some(&buffer[..word.len()])
}

/// The eight bytes of `word` with ASCII `A`-`Z` lower-cased, all at once:
/// a byte's high bit is set in `upper` when it is at least `A` and at most
/// `Z` (bytes of non-ASCII characters, high bit set, are left alone).
fn lowercase_word(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let seven = word & !HIGH;
    let at_least_a = seven + ONES * u64::from(0x80 - b'A');
    let above_z = seven + ONES * u64::from(0x80 - b'Z' - 1);
    let upper = at_least_a & !above_z & !word & HIGH;
    word | (upper >> 2)
}

/// `word` as written, upper-cased, and with every other char upper-cased:
/// the spellings the case-insensitive matchers' tests try.
#[cfg(test)]
pub(crate) fn case_spellings(word: &str) -> [String; 3] {
    let mixed = word
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    [word.to_string(), word.to_uppercase(), mixed]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lowercasing_matches_bytewise_lowercasing_for_every_byte() {
        for b in 0..=255u8 {
            for position in 0..8 {
                let mut bytes = *b"AzZ@[`a\xff";
                bytes[position] = b;
                let expected = bytes.map(|b| b.to_ascii_lowercase());
                let got = lowercase_word(u64::from_le_bytes(bytes)).to_le_bytes();
                assert_eq!(got, expected, "byte {b:#04x} at {position}");
            }
        }
    }

    #[test]
    fn words_up_to_the_buffer_are_lowercased_and_longer_ones_refused() {
        let mut buffer = [0u8; 16];
        assert_eq!(
            lowercase_into(&mut buffer, "NOVember-Ü_16"),
            Some("november-Ü_16".as_bytes())
        );
        assert_eq!(lowercase_into(&mut buffer, ""), Some(&b""[..]));
        assert_eq!(lowercase_into(&mut buffer, "seventeen bytes!!"), None);
    }
}
