//! Gorilla-style compressed chunks, as Prometheus' XOR chunk: timestamps as
//! delta-of-delta in variable-width buckets, values XOR-ed with the previous
//! value storing only the meaningful bits. Regular scrapes of slowly changing
//! series cost one to two bits per timestamp and a few bits per value.

use super::bits::{BitReader, BitWriter};
use super::packed;
use std::sync::Arc;

/// Samples per chunk before a new one is cut (as Prometheus).
pub const SAMPLES_PER_CHUNK: u16 = 120;

/// An append-only compressed chunk of (timestamp ms, value) samples with
/// strictly increasing timestamps.
#[derive(Debug, Clone)]
pub struct XorChunk {
    bits: Bits,
    count: u16,
    min_t: i64,
    max_t: i64,
    last_v: u64,
    last_delta: i64,
    leading: u8,
    trailing: u8,
}

/// A chunk's bit stream: growing while the chunk takes appends, then
/// sealed (by [`XorChunk::close`]) into a shared buffer, so a query's
/// snapshot of a full chunk is a reference count, not a copy.
#[derive(Debug, Clone)]
enum Bits {
    Open(BitWriter),
    /// The bytes and the bits used in the last one (0: all 8).
    Sealed(Arc<[u8]>, u8),
}

impl Bits {
    fn bytes(&self) -> &[u8] {
        match self {
            Bits::Open(w) => w.bytes(),
            Bits::Sealed(bytes, _) => bytes,
        }
    }

    /// The writer, reopening a sealed stream (a copy; appends to a closed
    /// chunk are rare: a chunk restored from disk, say).
    fn writer(&mut self) -> &mut BitWriter {
        if let Bits::Sealed(bytes, used) = self {
            *self = Bits::Open(BitWriter::from_parts(bytes.to_vec(), *used));
        }
        match self {
            Bits::Open(w) => w,
            Bits::Sealed(..) => unreachable!("reopened above"),
        }
    }

    fn seal(&mut self) {
        if let Bits::Open(w) = self {
            let (bytes, used) = std::mem::take(w).into_parts();
            *self = Bits::Sealed(bytes.into(), used);
        }
    }
}

impl Default for XorChunk {
    fn default() -> Self {
        XorChunk {
            bits: Bits::Open(BitWriter::default()),
            count: 0,
            min_t: i64::MAX,
            max_t: i64::MIN,
            last_v: 0,
            last_delta: 0,
            leading: u8::MAX,
            trailing: 0,
        }
    }
}

impl PartialEq for XorChunk {
    fn eq(&self, other: &Self) -> bool {
        self.to_bytes() == other.to_bytes()
    }
}

fn write_varint(w: &mut BitWriter, v: i64) {
    // Zig-zag, then 7 bits per group with a continuation bit.
    let mut u = ((v << 1) ^ (v >> 63)) as u64;
    loop {
        let group = u & 0x7f;
        u >>= 7;
        w.write(group | if u != 0 { 0x80 } else { 0 }, 8);
        if u == 0 {
            break;
        }
    }
}

fn read_varint(r: &mut BitReader<'_>) -> Option<i64> {
    let mut u = 0u64;
    let mut shift = 0;
    loop {
        let byte = r.read(8)?;
        u |= (byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
    Some(((u >> 1) as i64) ^ -((u & 1) as i64))
}

impl XorChunk {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether it holds no samples.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Time of the first sample.
    pub fn min_time(&self) -> i64 {
        self.min_t
    }

    /// Time of the last sample.
    pub fn max_time(&self) -> i64 {
        self.max_t
    }

    /// Encoded size in bytes.
    pub fn byte_len(&self) -> usize {
        self.bits.bytes().len()
    }

    /// An empty chunk with room for `bytes` encoded bytes.
    pub fn with_capacity(bytes: usize) -> XorChunk {
        XorChunk {
            bits: Bits::Open(BitWriter::with_capacity(bytes)),
            ..XorChunk::default()
        }
    }

    /// Ends appends to this chunk: seals its bytes into a shared buffer of
    /// their exact size, and returns the capacity a full chunk like it
    /// would need, for the next.
    pub fn close(&mut self) -> usize {
        self.bits.seal();
        let per_sample = self.byte_len() as f64 / f64::from(self.count.max(1));
        (per_sample * f64::from(SAMPLES_PER_CHUNK) * 1.1) as usize + 8
    }

    /// Whether the chunk should be closed before the next append.
    pub fn is_full(&self) -> bool {
        self.count >= SAMPLES_PER_CHUNK
    }

    /// Appends a sample; `t` must be greater than [`Self::max_time`].
    pub fn append(&mut self, t: i64, v: f64) {
        debug_assert!(
            self.count == 0 || t > self.max_t,
            "timestamps must increase"
        );
        let v = v.to_bits();
        match self.count {
            0 => {
                let w = self.bits.writer();
                write_varint(w, t);
                w.write(v, 64);
                self.min_t = t;
            }
            1 => {
                let delta = t - self.max_t;
                write_varint(self.bits.writer(), delta);
                self.write_value(v);
                self.last_delta = delta;
            }
            _ => {
                let delta = t - self.max_t;
                let dod = delta - self.last_delta;
                let w = self.bits.writer();
                match dod {
                    0 => w.bit(false),
                    -8191..=8192 => {
                        w.write(0b10, 2);
                        w.write(dod as u64, 14);
                    }
                    -65535..=65536 => {
                        w.write(0b110, 3);
                        w.write(dod as u64, 17);
                    }
                    -524287..=524288 => {
                        w.write(0b1110, 4);
                        w.write(dod as u64, 20);
                    }
                    _ => {
                        w.write(0b1111, 4);
                        w.write(dod as u64, 64);
                    }
                }
                self.write_value(v);
                self.last_delta = delta;
            }
        }
        self.max_t = t;
        self.last_v = v;
        self.count += 1;
    }

    fn write_value(&mut self, v: u64) {
        let xor = v ^ self.last_v;
        let w = self.bits.writer();
        if xor == 0 {
            w.bit(false);
            return;
        }
        w.bit(true);
        let leading = (xor.leading_zeros() as u8).min(31);
        let trailing = xor.trailing_zeros() as u8;
        if self.leading != u8::MAX && leading >= self.leading && trailing >= self.trailing {
            // Fits in the previous window.
            w.bit(false);
            let sig = 64 - self.leading - self.trailing;
            w.write(xor >> self.trailing, sig);
        } else {
            w.bit(true);
            let sig = 64 - leading - trailing;
            w.write(u64::from(leading), 5);
            // 64 significant bits are stored as 0 (6 bits cannot hold 64).
            w.write(u64::from(sig % 64), 6);
            w.write(xor >> trailing, sig);
            self.leading = leading;
            self.trailing = trailing;
        }
    }

    /// Iterates the samples in order.
    pub fn iter(&self) -> ChunkIter<'_> {
        ChunkIter::new(self.bits.bytes(), self.count)
    }

    /// The encoded form: sample count, then the bit stream.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + self.byte_len());
        out.extend_from_slice(&self.count.to_le_bytes());
        out.extend_from_slice(self.bits.bytes());
        out
    }

    /// Decodes [`Self::to_bytes`]; the result can be appended to.
    /// Decodes an encoded chunk (as [`Self::to_bytes`] wrote it) straight
    /// into `out`, keeping samples `keep` accepts, without rebuilding the
    /// chunk for appends. `None` when the bytes are not a whole chunk.
    pub fn decode_into(
        bytes: &[u8],
        out: &mut Vec<(i64, f64)>,
        keep: impl FnMut(i64) -> bool,
    ) -> Option<()> {
        if packed::is_packed(bytes) {
            return packed::decode_into(bytes, out, keep);
        }
        let count = u16::from_le_bytes(bytes.get(..2)?.try_into().ok()?);
        ChunkIter::new(&bytes[2..], count).decode_into(out, keep)
    }

    /// Rebuilds a chunk from its encoded form, ready for more appends.
    pub fn from_bytes(bytes: &[u8]) -> Option<XorChunk> {
        if packed::is_packed(bytes) {
            let mut samples = Vec::new();
            packed::decode_into(bytes, &mut samples, |_| true)?;
            let mut chunk = XorChunk::default();
            for (t, v) in samples {
                if !chunk.is_empty() && t <= chunk.max_t {
                    return None;
                }
                chunk.append(t, v);
            }
            return Some(chunk);
        }
        let count = u16::from_le_bytes(bytes.get(..2)?.try_into().ok()?);
        let data = &bytes[2..];
        let mut chunk = XorChunk::default();
        let mut iter = ChunkIter::new(data, count);
        let mut first = None;
        for _ in 0..count {
            let (t, _) = iter.next()?;
            first.get_or_insert(t);
        }
        if count > 0 {
            chunk.min_t = first?;
            chunk.max_t = iter.t;
            chunk.last_v = iter.v;
            chunk.last_delta = iter.delta;
            chunk.leading = if iter.window_read {
                iter.leading
            } else {
                u8::MAX
            };
            chunk.trailing = iter.trailing;
        }
        chunk.count = count;
        chunk.bits = Bits::Open(BitWriter::resume(data.to_vec(), iter.reader_pos()));
        Some(chunk)
    }
}

/// Most samples one stored chunk holds: an XOR chunk's count is a `u16`
/// and `0xFFFF` starts a packed one.
pub const MAX_STORED_SAMPLES: usize = 65_000;

/// The form chunks are stored in (blocks, WAL checkpoints) for `samples`,
/// a run of strictly increasing timestamps of at most
/// [`MAX_STORED_SAMPLES`] (stores merge their small chunks into one such
/// run): packed (see `packed.rs`) when that is smaller, else the XOR form
/// of [`XorChunk::to_bytes`]. [`XorChunk::from_bytes`] and
/// [`XorChunk::decode_into`] read both.
pub fn encode_stored(samples: &[(i64, f64)]) -> Vec<u8> {
    debug_assert!(samples.len() <= MAX_STORED_SAMPLES);
    debug_assert!(samples.windows(2).all(|w| w[0].0 < w[1].0));
    let mut xor = XorChunk::default();
    for &(t, v) in samples {
        xor.append(t, v);
    }
    smaller_of(packed::encode(samples), xor.to_bytes())
}

fn smaller_of(packed: Option<Vec<u8>>, xor: Vec<u8>) -> Vec<u8> {
    match packed {
        Some(p) if p.len() < xor.len() => p,
        _ => xor,
    }
}

/// Splits `chunks` (one series', in order) into runs of samples with
/// strictly increasing timestamps, each at most `max` samples, merging
/// adjacent chunks: stored that way they cost fewer headers and index
/// entries. Chunks that overlap (out-of-order data) start a new run.
pub fn merged_runs(chunks: &[XorChunk], max: usize) -> Vec<Vec<(i64, f64)>> {
    let mut runs: Vec<Vec<(i64, f64)>> = Vec::new();
    let mut run: Vec<(i64, f64)> = Vec::new();
    for c in chunks.iter().filter(|c| !c.is_empty()) {
        let continues = run.last().is_none_or(|&(t, _)| c.min_time() > t);
        if (!continues || run.len() + c.len() > max) && !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
        if c.len() > max {
            // Only a chunk stored bigger than `max` by an earlier build.
            runs.push(c.iter().collect());
            continue;
        }
        run.extend(c.iter());
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// Decoding iterator over a chunk.
#[derive(Debug, Clone)]
pub struct ChunkIter<'a> {
    reader: BitReader<'a>,
    remaining: u16,
    read: u16,
    t: i64,
    v: u64,
    delta: i64,
    leading: u8,
    trailing: u8,
    window_read: bool,
}

impl<'a> ChunkIter<'a> {
    /// An iterator over `count` samples encoded in `data`.
    fn new(data: &'a [u8], count: u16) -> Self {
        ChunkIter {
            reader: BitReader::new(data),
            remaining: count,
            read: 0,
            t: 0,
            v: 0,
            delta: 0,
            leading: 0,
            trailing: 0,
            window_read: false,
        }
    }

    fn reader_pos(&self) -> usize {
        self.reader.position()
    }

    /// The first sample (time and value in full) or the second (time delta,
    /// XOR-ed value): out of line, the loop is for the rest.
    #[inline(never)]
    fn read_head(&mut self) -> Option<()> {
        if self.read == 0 {
            self.t = read_varint(&mut self.reader)?;
            self.v = self.reader.read(64)?;
        } else {
            self.delta = read_varint(&mut self.reader)?;
            self.t = self.t.wrapping_add(self.delta);
            self.read_value()?;
        }
        Some(())
    }

    #[inline(always)]
    fn read_value(&mut self) -> Option<()> {
        // '0': the same value; '10': new bits in the last window; '11': a
        // window (5 bits leading zeros, 6 bits length) and its bits.
        let w = self.reader.peek();
        if w >> 63 == 0 {
            return self.reader.consume(1);
        }
        let header = if (w >> 62) & 1 == 1 {
            let leading = ((w >> 57) & 0x1f) as u8;
            let sig = match ((w >> 51) & 0x3f) as u8 {
                0 => 64,
                s => s,
            };
            // A corrupt chunk, not a panic.
            self.trailing = 64u8.checked_sub(leading)?.checked_sub(sig)?;
            self.leading = leading;
            self.window_read = true;
            13
        } else {
            2
        };
        let sig = u32::from(64 - self.leading - self.trailing);
        let bits = if header + sig < 64 && header + sig <= self.reader.available() {
            // Header and bits were both in the word peeked.
            self.reader.consume(header + sig)?;
            (w << header) >> (64 - sig)
        } else {
            self.reader.consume(header)?;
            self.reader.read(sig as u8)?
        };
        self.v ^= bits << self.trailing;
        Some(())
    }
}

impl ChunkIter<'_> {
    /// A sample after the first two: delta-of-delta time, XOR-ed value.
    /// Inlined into [`Iterator::next`] and into [`Self::decode_into`]'s loop,
    /// where the state stays in registers.
    #[inline(always)]
    fn read_tail(&mut self) -> Option<()> {
        // The delta-of-delta's prefix ('0', '10', '110', '1110', '1111') and
        // its 14-, 17- or 20-bit payload from one load.
        let w = self.reader.peek();
        // Regular scrapes: '0' (a plain branch, not the jump table below).
        let dod = if w >> 63 == 0 {
            self.reader.consume(1)?;
            0
        } else {
            self.read_dod(w)?
        };
        // Wrapping: a corrupt chunk decodes to nonsense, never a panic.
        self.delta = self.delta.wrapping_add(dod);
        self.t = self.t.wrapping_add(self.delta);
        self.read_value()
    }

    /// A non-zero delta-of-delta whose prefix starts `w`.
    #[inline(always)]
    fn read_dod(&mut self, w: u64) -> Option<i64> {
        Some(match w.leading_ones() {
            1 => {
                self.reader.consume(2 + 14)?;
                sign_extend((w << 2) >> (64 - 14), 14)
            }
            2 => {
                self.reader.consume(3 + 17)?;
                sign_extend((w << 3) >> (64 - 17), 17)
            }
            3 => {
                self.reader.consume(4 + 20)?;
                sign_extend((w << 4) >> (64 - 20), 20)
            }
            _ => {
                self.reader.consume(4)?;
                self.reader.read(64)? as i64
            }
        })
    }

    /// Decodes the remaining samples into `out`, keeping those whose time
    /// `keep` accepts; `None` (with the samples before the damage pushed)
    /// when the chunk is corrupt. The fast way to read a whole chunk.
    pub fn decode_into(
        mut self,
        out: &mut Vec<(i64, f64)>,
        mut keep: impl FnMut(i64) -> bool,
    ) -> Option<()> {
        while self.read < 2 {
            let Some((t, v)) = self.next() else {
                return (self.remaining == 0).then_some(());
            };
            if keep(t) {
                out.push((t, v));
            }
        }
        out.reserve(usize::from(self.remaining));
        let mut it = self;
        for _ in 0..it.remaining {
            it.read_tail()?;
            if keep(it.t) {
                out.push((it.t, f64::from_bits(it.v)));
            }
        }
        Some(())
    }
}

impl Iterator for ChunkIter<'_> {
    type Item = (i64, f64);

    fn next(&mut self) -> Option<(i64, f64)> {
        if self.remaining == 0 {
            return None;
        }
        match self.read {
            0 | 1 => self.read_head()?,
            _ => self.read_tail()?,
        }
        self.read += 1;
        self.remaining -= 1;
        Some((self.t, f64::from_bits(self.v)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::from(self.remaining);
        (n, Some(n))
    }
}

fn sign_extend(v: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seeded pseudo-random sequence (xorshift64).
    fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    fn round_trip(samples: &[(i64, f64)]) -> XorChunk {
        let mut c = XorChunk::default();
        for &(t, v) in samples {
            c.append(t, v);
        }
        let back: Vec<(i64, f64)> = c.iter().collect();
        assert_eq!(back.len(), samples.len());
        for ((t1, v1), (t2, v2)) in samples.iter().zip(&back) {
            assert_eq!(t1, t2);
            assert_eq!(v1.to_bits(), v2.to_bits(), "value at {t1}");
        }
        c
    }

    fn chunk_of(samples: impl IntoIterator<Item = (i64, f64)>) -> XorChunk {
        let mut c = XorChunk::default();
        for (t, v) in samples {
            c.append(t, v);
        }
        c
    }

    #[test]
    fn closed_chunks_share_their_bytes_and_still_take_appends() {
        // Odd bit counts: the last byte of each stream is partial.
        let samples: Vec<(i64, f64)> = (0..50)
            .map(|i| (i * 15_000 + i % 3, (i * i) as f64 / 7.0))
            .collect();
        for cut in [1, 2, 3, 17, 49] {
            let mut c = chunk_of(samples[..cut].iter().copied());
            let open = c.to_bytes();
            c.close();
            assert_eq!(c.to_bytes(), open, "sealing keeps the stream");
            let snapshot = c.clone();
            let (Bits::Sealed(a, _), Bits::Sealed(b, _)) = (&c.bits, &snapshot.bits) else {
                panic!("close seals the stream")
            };
            assert!(Arc::ptr_eq(a, b), "a clone of a closed chunk shares it");
            for &(t, v) in &samples[cut..] {
                c.append(t, v);
            }
            let back: Vec<(i64, f64)> = c.iter().collect();
            assert_eq!(back, samples, "appends after close continue the stream");
            assert_eq!(snapshot.iter().count(), cut, "the snapshot is unchanged");
            assert_eq!(c, chunk_of(samples.iter().copied()));
        }
    }

    #[test]
    fn adjacent_chunks_merge_into_runs_and_overlaps_split_them() {
        let a = chunk_of((0..120).map(|i| (i, i as f64)));
        let b = chunk_of((120..240).map(|i| (i, i as f64)));
        let overlapping = chunk_of((200..260).map(|i| (i, -1.0)));
        let c = chunk_of((300..420).map(|i| (i, i as f64)));
        let runs = merged_runs(&[a.clone(), b, XorChunk::default(), overlapping, c], 300);
        let lens: Vec<usize> = runs.iter().map(Vec::len).collect();
        assert_eq!(lens, [240, 180]);
        assert_eq!(runs[1][0], (200, -1.0));
        assert_eq!(runs[1][60], (300, 300.0));
        // Runs are stored as one chunk each and read back whole.
        for run in &runs {
            let bytes = encode_stored(run);
            let mut back = Vec::new();
            XorChunk::decode_into(&bytes, &mut back, |_| true).unwrap();
            assert_eq!(&back, run);
            let rebuilt = XorChunk::from_bytes(&bytes).unwrap();
            assert_eq!(rebuilt.iter().collect::<Vec<_>>(), *run);
        }
        // A chunk bigger than the limit stays whole.
        assert_eq!(merged_runs(&[a], 100)[0].len(), 120);
    }

    #[test]
    fn stored_bytes_pick_the_smaller_form() {
        let counter = chunk_of((0..120).map(|i| (i * 15_000, (i * 97 % 13 + i * 100) as f64)));
        let stored = encode_stored(&counter.iter().collect::<Vec<_>>());
        assert!(
            stored.len() < counter.to_bytes().len() / 2,
            "{} bytes",
            stored.len()
        );
        let mut x = 0.5f64;
        let noisy = chunk_of((0..120).map(|i| {
            x = x * 1.000_001 + 0.123_456_789;
            (i * 15_000, x)
        }));
        assert_eq!(
            encode_stored(&noisy.iter().collect::<Vec<_>>()),
            noisy.to_bytes()
        );
    }

    #[test]
    fn regular_scrapes_compress_well() {
        let samples: Vec<(i64, f64)> = (0..120)
            .map(|i| (1_700_000_000_000 + i * 15_000, 1000.0 + i as f64))
            .collect();
        let c = round_trip(&samples);
        assert!(
            c.byte_len() < 120 * 3,
            "{} bytes for 120 samples",
            c.byte_len()
        );
        let constant: Vec<(i64, f64)> = (0..120).map(|i| (i * 15_000, 42.0)).collect();
        // Header (~12 bytes) plus two bits per further sample.
        assert!(round_trip(&constant).byte_len() <= 12 + 30);
    }

    #[test]
    fn irregular_and_special_values_round_trip() {
        let mut rand = xorshift(0x1234_5678_9abc_def0);
        for _ in 0..200 {
            let n = (rand() % 150) as usize;
            let mut t = (rand() % 1_000_000_000) as i64 - 500_000_000;
            let mut samples = Vec::new();
            for _ in 0..n {
                t += 1 + match rand() % 4 {
                    0 => (rand() % 10) as i64,
                    1 => (rand() % 100_000) as i64,
                    2 => (rand() % 10_000_000) as i64,
                    _ => (rand() % (1 << 40)) as i64,
                };
                let v = match rand() % 6 {
                    0 => f64::NAN,
                    1 => f64::INFINITY,
                    2 => f64::from_bits(0x7ff0_0000_0000_0002),
                    3 => (rand() % 1000) as f64,
                    4 => f64::from_bits(rand()),
                    _ => -0.0,
                };
                samples.push((t, v));
            }
            let c = round_trip(&samples);
            // The stored form decodes to the same chunk and keeps appending.
            let mut again = XorChunk::from_bytes(&c.to_bytes()).unwrap();
            assert_eq!(again.iter().count(), samples.len());
            let next_t = samples.last().map_or(0, |s| s.0) + 15_000;
            again.append(next_t, 7.5);
            let all: Vec<_> = again.iter().collect();
            assert_eq!(all.len(), samples.len() + 1);
            assert_eq!(*all.last().unwrap(), (next_t, 7.5));
        }
    }

    /// The format read one field at a time, as it is specified: what the
    /// fast decoder must agree with. The samples before any damage, and
    /// whether the chunk was whole.
    fn reference_decode(data: &[u8], count: u16) -> (Vec<(i64, u64)>, bool) {
        let mut r = BitReader::new(data);
        let (mut t, mut v, mut delta) = (0i64, 0u64, 0i64);
        let (mut leading, mut trailing) = (0u32, 0u32);
        let mut out = Vec::new();
        for i in 0..count {
            let mut sample = || -> Option<()> {
                if i == 0 {
                    t = read_varint(&mut r)?;
                    v = r.read(64)?;
                    return Some(());
                }
                if i == 1 {
                    delta = read_varint(&mut r)?;
                } else {
                    delta = delta.wrapping_add(if !r.bit()? {
                        0
                    } else if !r.bit()? {
                        sign_extend(r.read(14)?, 14)
                    } else if !r.bit()? {
                        sign_extend(r.read(17)?, 17)
                    } else if !r.bit()? {
                        sign_extend(r.read(20)?, 20)
                    } else {
                        r.read(64)? as i64
                    });
                }
                t = t.wrapping_add(delta);
                if r.bit()? {
                    if r.bit()? {
                        leading = r.read(5)? as u32;
                        let sig = match r.read(6)? as u32 {
                            0 => 64,
                            s => s,
                        };
                        trailing = 64u32.checked_sub(leading)?.checked_sub(sig)?;
                    }
                    v ^= r.read((64 - leading - trailing) as u8)? << trailing;
                }
                Some(())
            };
            if sample().is_none() {
                return (out, false);
            }
            out.push((t, v));
        }
        (out, true)
    }

    #[test]
    fn the_fast_decoder_agrees_with_the_reference_on_whole_and_damaged_chunks() {
        let mut rand = xorshift(0x0bad_cafe_f00d_d00d);
        let (mut whole, mut damaged) = (0, 0);
        for round in 0..3000 {
            let n = 1 + (rand() % 130) as usize;
            let mut c = XorChunk::default();
            let mut t = (rand() % 1_000_000) as i64;
            for i in 0..n {
                // Mostly regular scrapes (the fast paths), some jumps.
                t += match rand() % 8 {
                    0 => 1 + (rand() % (1 << 36)) as i64,
                    1 => 1 + (rand() % 100_000) as i64,
                    _ => 15_000,
                };
                let v = match rand() % 5 {
                    0 => f64::from_bits(rand()),
                    1 => (rand() % 7) as f64,
                    _ => i as f64 * 1.3,
                };
                c.append(t, v);
            }
            let mut bytes = c.to_bytes();
            if round % 2 == 1 {
                // Flip bits, or cut the stream short.
                if rand().is_multiple_of(3) {
                    bytes.truncate(2 + (rand() as usize % (bytes.len() - 1)));
                } else {
                    for _ in 0..1 + rand() % 3 {
                        let bit = rand() as usize % ((bytes.len() - 2) * 8);
                        bytes[2 + bit / 8] ^= 0x80 >> (bit % 8);
                    }
                }
            }
            let count = u16::from_le_bytes([bytes[0], bytes[1]]);
            let (want, want_whole) = reference_decode(&bytes[2..], count);
            let mut got = Vec::new();
            let ok = XorChunk::decode_into(&bytes, &mut got, |_| true).is_some();
            let got: Vec<(i64, u64)> = got.into_iter().map(|(t, v)| (t, v.to_bits())).collect();
            assert_eq!(got, want, "round {round}");
            assert_eq!(ok, want_whole, "round {round}");
            // The iterator reads the same samples.
            let iterated: Vec<(i64, u64)> = ChunkIter::new(&bytes[2..], count)
                .map(|(t, v)| (t, v.to_bits()))
                .collect();
            assert_eq!(iterated, want, "round {round}");
            if want_whole { whole += 1 } else { damaged += 1 }
        }
        assert!(
            whole > 1500 && damaged > 300,
            "{whole} whole, {damaged} damaged"
        );
    }
}

#[cfg(test)]
mod stale_tests {
    use super::*;

    #[test]
    fn nan_payloads_survive_the_round_trip() {
        let stale = f64::from_bits(crate::storage::metrics::STALE_NAN);
        for prefix in 0..70 {
            let mut c = XorChunk::default();
            let mut expect = Vec::new();
            for i in 0..prefix {
                let v = (i % 7) as f64 * 1.5 + 11.0;
                c.append(i as i64 * 1000, v);
                expect.push(v.to_bits());
            }
            c.append(prefix as i64 * 1000, stale);
            expect.push(stale.to_bits());
            let got: Vec<u64> = c.iter().map(|(_, v)| v.to_bits()).collect();
            assert_eq!(got, expect, "prefix {prefix}");
        }
    }
}
