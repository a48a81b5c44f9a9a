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

    /// The encoded bytes (the last may be partial).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The encoded bytes and the bits used in the last one (0: all 8),
    /// giving up the writer; [`Self::from_parts`] takes them back.
    pub fn into_parts(self) -> (Vec<u8>, u8) {
        (self.bytes, self.used)
    }

    /// A writer continuing after [`Self::into_parts`]' bytes.
    pub fn from_parts(bytes: Vec<u8>, used: u8) -> BitWriter {
        BitWriter { bytes, used }
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

/// Reads bits written by [`BitWriter`] through a 64-bit buffer refilled
/// eight bytes at a time, so most reads are a shift of a register.
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    bytes: &'a [u8],
    /// Next byte to load into `acc`.
    next: usize,
    /// Buffered bits, most significant first; below the `n` valid ones lie
    /// the following bits of the stream or zeros past its end.
    acc: u64,
    /// Valid bits in `acc`.
    n: u32,
}

impl<'a> BitReader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        BitReader {
            bytes,
            next: 0,
            acc: 0,
            n: 0,
        }
    }

    /// Tops the buffer up to at least 57 valid bits (fewer at the end).
    #[inline]
    fn refill(&mut self) {
        if self.n > 56 {
            return;
        }
        if let Some(word) = self.bytes.get(self.next..self.next + 8) {
            let word = u64::from_be_bytes(word.try_into().expect("eight bytes"));
            // The bits of a byte only partly taken are the stream's own: a
            // later refill writes the same bits there again.
            self.acc |= word >> self.n;
            let whole = (64 - self.n) / 8;
            self.next += whole as usize;
            self.n += whole * 8;
        } else {
            while self.n <= 56 && self.next < self.bytes.len() {
                self.acc |= u64::from(self.bytes[self.next]) << (56 - self.n);
                self.next += 1;
                self.n += 8;
            }
        }
    }

    /// Reads `count` bits (at most 64); `None` past the end.
    #[inline]
    pub fn read(&mut self, count: u8) -> Option<u64> {
        if count > 56 {
            let high = self.read_short(count - 32)?;
            let low = self.read_short(32)?;
            return Some((high << 32) | low);
        }
        self.read_short(count)
    }

    /// [`Self::read`] of at most 56 bits (one refill is enough).
    #[inline(always)]
    fn read_short(&mut self, count: u8) -> Option<u64> {
        if count == 0 {
            return Some(0);
        }
        self.refill();
        if u32::from(count) > self.n {
            return None;
        }
        let value = self.acc >> (64 - u32::from(count));
        self.acc <<= count;
        self.n -= u32::from(count);
        Some(value)
    }

    /// The next bits, most significant first, without consuming them: at
    /// least 57 of them are the stream's (zeros past its end), so control
    /// bits and short fields decode from one load.
    #[inline]
    pub fn peek(&mut self) -> u64 {
        self.refill();
        self.acc
    }

    /// How many bits a [`Self::peek`] returned are the stream's.
    #[inline(always)]
    pub fn available(&self) -> u32 {
        self.n
    }

    /// Consumes `n` (below 64) of the bits [`Self::peek`] just returned;
    /// `None` past the end. The decoders' fast path: a shift.
    #[inline(always)]
    pub fn consume(&mut self, n: u32) -> Option<()> {
        debug_assert!(n < 64);
        if n > self.n {
            return None;
        }
        self.acc <<= n;
        self.n -= n;
        Some(())
    }

    /// Consumes `n` bits; `None` past the end.
    #[cfg(test)]
    pub fn skip(&mut self, n: usize) -> Option<()> {
        if self.position() + n > self.bytes.len() * 8 {
            return None;
        }
        let mut left = n;
        while left > 0 {
            let step = left.min(56) as u8;
            self.read(step)?;
            left -= usize::from(step);
        }
        Some(())
    }

    /// Bits consumed so far.
    pub fn position(&self) -> usize {
        self.next * 8 - self.n as usize
    }

    /// Reads one bit (the decoders peek instead; tests compare with it).
    #[cfg(test)]
    pub fn bit(&mut self) -> Option<bool> {
        self.read(1).map(|b| b == 1)
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
    fn peeking_sees_the_next_57_bits_at_every_offset_and_near_the_end() {
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
            assert_eq!(r.peek() >> 7, expected >> 7, "at bit {pos}");
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
