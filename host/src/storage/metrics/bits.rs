//! Bit-level writer and reader for the chunk encodings.

/// Appends bits, most significant first.
#[derive(Debug, Clone, Default)]
pub struct BitWriter {
    bytes: Vec<u8>,
    /// Bits used in the last byte (0 means the last byte is full or absent).
    used: u8,
}

impl BitWriter {
    /// Writes the low `count` bits of `value`: the rest of the partial last
    /// byte, then whole bytes, then the start of a new partial byte.
    pub fn write(&mut self, value: u64, count: u8) {
        debug_assert!(count <= 64);
        if count == 0 {
            return;
        }
        let value = if count == 64 {
            value
        } else {
            value & ((1u64 << count) - 1)
        };
        let mut remaining = count;
        if self.used != 0 {
            let free = 8 - self.used;
            let take = free.min(remaining);
            let chunk = ((value >> (remaining - take)) as u8) & (0xFFu8 >> (8 - take));
            let last = self.bytes.last_mut().expect("a partial byte exists");
            *last |= chunk << (free - take);
            self.used = (self.used + take) % 8;
            remaining -= take;
        }
        while remaining >= 8 {
            remaining -= 8;
            self.bytes.push((value >> remaining) as u8);
        }
        if remaining > 0 {
            self.bytes.push((value << (8 - remaining)) as u8);
            self.used = remaining;
        }
    }

    /// Writes one bit.
    #[inline]
    pub fn bit(&mut self, b: bool) {
        if self.used == 0 {
            self.bytes.push(u8::from(b) << 7);
            self.used = 1;
        } else {
            let last = self.bytes.last_mut().expect("a partial byte exists");
            *last |= u8::from(b) << (7 - self.used);
            self.used = (self.used + 1) % 8;
        }
    }

    /// An empty writer with room for `bytes` bytes.
    pub fn with_capacity(bytes: usize) -> BitWriter {
        BitWriter {
            bytes: Vec::with_capacity(bytes),
            used: 0,
        }
    }

    /// Releases spare capacity when it is more than an eighth of the
    /// length. A copy, not `shrink_to_fit`: allocators keep a block in
    /// place when it shrinks by less than half.
    pub fn compact(&mut self) {
        let len = self.bytes.len();
        if self.bytes.capacity() > len + len / 8 {
            self.bytes = self.bytes.as_slice().to_vec();
        }
    }

    /// The encoded bytes (the last may be partial).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Total bits written.
    #[cfg(test)]
    pub fn bit_len(&self) -> usize {
        if self.used == 0 {
            self.bytes.len() * 8
        } else {
            (self.bytes.len() - 1) * 8 + self.used as usize
        }
    }

    /// Rebuilds a writer positioned after `bit_len` bits of `bytes`.
    pub fn resume(bytes: Vec<u8>, bit_len: usize) -> BitWriter {
        let mut bytes = bytes;
        bytes.truncate(bit_len.div_ceil(8));
        BitWriter {
            bytes,
            used: (bit_len % 8) as u8,
        }
    }
}

/// Reads bits written by [`BitWriter`].
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> BitReader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        BitReader { bytes, pos: 0 }
    }

    /// Reads `count` bits; `None` past the end.
    #[inline]
    pub fn read(&mut self, count: u8) -> Option<u64> {
        if self.pos + count as usize > self.bytes.len() * 8 {
            return None;
        }
        // Fast path: the bits lie within one big-endian 8-byte load.
        let byte = self.pos / 8;
        let offset = (self.pos % 8) as u32;
        if count > 0 && offset + u32::from(count) <= 64 && byte + 8 <= self.bytes.len() {
            let word =
                u64::from_be_bytes(self.bytes[byte..byte + 8].try_into().expect("eight bytes"));
            self.pos += count as usize;
            return Some((word << offset) >> (64 - u32::from(count)));
        }
        let mut value = 0u64;
        let mut remaining = count;
        while remaining > 0 {
            let byte = self.bytes[self.pos / 8];
            let offset = (self.pos % 8) as u8;
            let avail = 8 - offset;
            let take = avail.min(remaining);
            let bits = (byte >> (avail - take)) & (((1u16 << take) - 1) as u8);
            value = (value << take) | u64::from(bits);
            self.pos += take as usize;
            remaining -= take;
        }
        Some(value)
    }

    /// The next 64 bits, most significant first, zeros past the end,
    /// without consuming them: control bits and short fields are decoded
    /// from one load instead of bit by bit.
    #[inline]
    pub fn peek64(&self) -> u64 {
        let byte = self.pos / 8;
        let offset = (self.pos % 8) as u32;
        let (hi, next) = if byte + 9 <= self.bytes.len() {
            (
                u64::from_be_bytes(self.bytes[byte..byte + 8].try_into().expect("eight bytes")),
                u64::from(self.bytes[byte + 8]),
            )
        } else {
            let mut buf = [0u8; 9];
            let avail = self.bytes.len().saturating_sub(byte).min(9);
            buf[..avail].copy_from_slice(&self.bytes[byte..byte + avail]);
            (
                u64::from_be_bytes(buf[..8].try_into().expect("eight bytes")),
                u64::from(buf[8]),
            )
        };
        if offset == 0 {
            hi
        } else {
            (hi << offset) | (next >> (8 - offset))
        }
    }

    /// Consumes `n` bits; `None` past the end.
    #[inline]
    pub fn skip(&mut self, n: usize) -> Option<()> {
        if self.pos + n > self.bytes.len() * 8 {
            return None;
        }
        self.pos += n;
        Some(())
    }

    /// Bits consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Reads one bit (the decoders peek instead; tests compare with it).
    #[cfg(test)]
    pub fn bit(&mut self) -> Option<bool> {
        let byte = *self.bytes.get(self.pos / 8)?;
        let b = (byte >> (7 - self.pos % 8)) & 1 == 1;
        self.pos += 1;
        Some(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_same_bits_as_one_bit_at_a_time() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut w = BitWriter::default();
        let mut reference: Vec<bool> = Vec::new();
        for _ in 0..5000 {
            let count = (next() % 65) as u8;
            let value = next();
            if count == 1 && value % 2 == 0 {
                w.bit(value & 4 != 0);
                reference.push(value & 4 != 0);
                continue;
            }
            w.write(value, count);
            reference.extend((0..count).rev().map(|i| value >> i & 1 == 1));
        }
        assert_eq!(w.bit_len(), reference.len());
        for (i, want) in reference.iter().enumerate() {
            let got = w.bytes()[i / 8] >> (7 - i % 8) & 1 == 1;
            assert_eq!(got, *want, "bit {i}");
        }
        // Unused bits of the last byte are zero.
        let tail = reference.len() % 8;
        if tail != 0 {
            assert_eq!(w.bytes().last().unwrap() & (0xFF >> tail), 0);
        }
    }

    #[test]
    fn round_trips_mixed_widths() {
        let mut w = BitWriter::default();
        let items: Vec<(u64, u8)> = vec![
            (1, 1),
            (0b101, 3),
            (u64::MAX, 64),
            (0, 7),
            (12345, 17),
            (1, 1),
            (0xdead_beef, 32),
        ];
        for &(v, n) in &items {
            w.write(v, n);
        }
        assert_eq!(
            w.bit_len(),
            items.iter().map(|(_, n)| *n as usize).sum::<usize>()
        );
        let mut r = BitReader::new(w.bytes());
        for &(v, n) in &items {
            assert_eq!(
                r.read(n),
                Some(v & if n == 64 { u64::MAX } else { (1 << n) - 1 })
            );
        }
        assert_eq!(r.read(8), None);
    }

    #[test]
    fn peeking_sees_the_next_64_bits_at_every_offset_and_near_the_end() {
        let bytes: Vec<u8> = (0..20u8).map(|i| i.wrapping_mul(37) ^ 0xa5).collect();
        let total = bytes.len() * 8;
        for pos in 0..=total {
            let mut r = BitReader::new(&bytes);
            r.skip(pos).unwrap();
            let left = total - pos;
            // Bit by bit, with zeros past the end.
            let mut expected = 0u64;
            let mut bits = BitReader::new(&bytes);
            bits.skip(pos).unwrap();
            for i in 0..64 {
                let b = if i < left { bits.bit().unwrap() } else { false };
                expected = (expected << 1) | u64::from(b);
            }
            assert_eq!(r.peek64(), expected, "at bit {pos}");
            assert_eq!(r.position(), pos, "peeking does not move");
        }
        let mut r = BitReader::new(&bytes);
        assert_eq!(r.skip(total + 1), None);
        assert_eq!(r.skip(total), Some(()));
    }

    #[test]
    fn resumes_after_a_partial_byte() {
        let mut w = BitWriter::default();
        w.write(0b101, 3);
        let mut resumed = BitWriter::resume(w.bytes().to_vec(), w.bit_len());
        resumed.write(0b11, 2);
        let mut r = BitReader::new(resumed.bytes());
        assert_eq!(r.read(5), Some(0b10111));
    }
}
