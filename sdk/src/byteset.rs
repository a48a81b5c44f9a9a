//! [`ByteSet`]: a set of bytes, to check or scan text eight bytes a loop
//! step. A parser's per-line loops over bytes (is this key made of letters
//! and digits? where does it end?) cost more in a Wasm plugin than natively,
//! because every loop iteration there also checks the call's deadline;
//! looking up eight bytes per iteration pays that check once per eight.
//!
//! ```
//! use watchpost_sdk::byteset::ByteSet;
//!
//! const KEY: ByteSet = ByteSet::ALPHANUMERIC.with(b'_').with(b'-');
//! assert_eq!(KEY.leading(b"message-id=<x@y>"), 10);
//! assert!(KEY.all(b"queue_id") && !KEY.all(b"queue id"));
//! ```

/// A set of bytes (a table of 256 flags: membership is one lookup).
#[derive(Clone, Copy)]
pub struct ByteSet([bool; 256]);

impl ByteSet {
    /// No byte.
    pub const EMPTY: ByteSet = ByteSet([false; 256]);
    /// ASCII digits.
    pub const DIGITS: ByteSet = ByteSet::EMPTY.with_range(b'0', b'9');
    /// ASCII letters and digits.
    pub const ALPHANUMERIC: ByteSet = ByteSet::DIGITS
        .with_range(b'a', b'z')
        .with_range(b'A', b'Z');

    /// This set and `byte`.
    pub const fn with(mut self, byte: u8) -> ByteSet {
        self.0[byte as usize] = true;
        self
    }

    /// This set and the bytes `first..=last`.
    pub const fn with_range(mut self, first: u8, last: u8) -> ByteSet {
        let mut b = first as usize;
        while b <= last as usize {
            self.0[b] = true;
            b += 1;
        }
        self
    }

    /// This set without the bytes of `bytes`.
    pub const fn without_any(mut self, bytes: &[u8]) -> ByteSet {
        let mut i = 0;
        while i < bytes.len() {
            self.0[bytes[i] as usize] = false;
            i += 1;
        }
        self
    }

    /// Whether `byte` is in the set.
    #[inline]
    pub fn contains(&self, byte: u8) -> bool {
        self.0[usize::from(byte)]
    }

    /// How many bytes at the start of `bytes` are in the set.
    pub fn leading(&self, bytes: &[u8]) -> usize {
        let t = &self.0;
        let mut chunks = bytes.chunks_exact(8);
        let mut n = 0;
        for c in &mut chunks {
            let all = t[usize::from(c[0])]
                & t[usize::from(c[1])]
                & t[usize::from(c[2])]
                & t[usize::from(c[3])]
                & t[usize::from(c[4])]
                & t[usize::from(c[5])]
                & t[usize::from(c[6])]
                & t[usize::from(c[7])];
            if !all {
                return n + self.leading_short(c);
            }
            n += 8;
        }
        n + self.leading_short(chunks.remainder())
    }

    /// Whether every byte of `bytes` is in the set.
    pub fn all(&self, bytes: &[u8]) -> bool {
        self.leading(bytes) == bytes.len()
    }

    /// [`leading`](Self::leading) for fewer than eight bytes, or for the
    /// chunk that holds the first byte not in the set.
    #[inline]
    fn leading_short(&self, bytes: &[u8]) -> usize {
        bytes
            .iter()
            .position(|&b| !self.contains(b))
            .unwrap_or(bytes.len())
    }
}

impl std::fmt::Debug for ByteSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let members = (0..=255u8).filter(|&b| self.contains(b));
        f.debug_set()
            .entries(members.map(|b| std::ascii::escape_default(b).to_string()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: ByteSet = ByteSet::ALPHANUMERIC.with(b'_');

    #[test]
    fn leading_counts_up_to_the_first_byte_outside_at_every_position() {
        for b in 0..=255u8 {
            let inside = b.is_ascii_alphanumeric() || b == b'_';
            assert_eq!(KEY.contains(b), inside, "{b}");
            for len in [1, 7, 8, 9, 16, 17, 30] {
                for position in 0..len {
                    let mut text = vec![b'x'; len];
                    text[position] = b;
                    let expected = if inside { len } else { position };
                    assert_eq!(KEY.leading(&text), expected, "{b} at {position} of {len}");
                    assert_eq!(KEY.all(&text), inside);
                }
            }
        }
        assert_eq!(KEY.leading(b""), 0);
        assert!(KEY.all(b""));
    }

    #[test]
    fn sets_are_built_from_bytes_and_ranges() {
        let hex = ByteSet::DIGITS.with_range(b'A', b'F');
        assert!(hex.all(b"0123456789ABCDEF") && !hex.all(b"G") && !hex.all(b"a"));
        let consonants = ByteSet::ALPHANUMERIC.without_any(b"aeiouAEIOU");
        assert!(consonants.all(b"4jZdbJ2pqvz691Y") && !consonants.all(b"queue"));
        assert!(ByteSet::EMPTY.with(0xff).contains(0xff));
        assert!(!ByteSet::EMPTY.with_range(b'b', b'c').contains(b'a'));
        assert_eq!(
            format!("{:?}", ByteSet::EMPTY.with(b'a').with(b'\n')),
            r#"{"\\n", "a"}"#
        );
    }
}
