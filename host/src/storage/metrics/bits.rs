//! Bit-level writer and reader for the chunk encodings.

/// Appends bits, most significant first.
#[derive(Debug, Clone, Default)]
pub struct BitWriter {
    bytes: Vec<u8>,
    /// Bits used in the last byte (0 means the last byte is full or absent).
    used: u8,
}

impl BitWriter {
    /// Writes the low `count` bits of `value`.
    pub fn write(&mut self, value: u64, count: u8) {
        debug_assert!(count <= 64);
        let mut remaining = count;
        while remaining > 0 {
            if self.used == 0 {
                self.bytes.push(0);
                self.used = 0;
            }
            let free = 8 - self.used;
            let take = free.min(remaining);
            let shift = remaining - take;
            let chunk = ((value >> shift) & ((1u64 << take) - 1)) as u8;
            let last = self.bytes.last_mut().expect("a byte was pushed");
            *last |= chunk << (free - take);
            self.used = (self.used + take) % 8;
            remaining -= take;
        }
    }

    /// Writes one bit.
    pub fn bit(&mut self, b: bool) {
        self.write(u64::from(b), 1);
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
