//! Packed chunks: the compact, lossless form a closed chunk is stored in
//! (blocks, WAL checkpoints) when it is smaller than its XOR form.
//!
//! Most series hold integers (counters of requests, bytes, messages) or
//! decimals with a few digits (seconds read from `/proc`, a parsed
//! `12.5`). Such a chunk is stored as integers `m` with one decimal
//! exponent `e` per chunk, `v = m / 10^e`, exactly: a value is written in
//! this form only if the decoding division gives back its very bits, so
//! nothing is rounded (unlike VictoriaMetrics' 12-digit decimals). Values
//! that have no such form (NaN and stale markers, infinities, `-0.0`) are
//! kept raw as exceptions. Timestamps and values are stored as deltas
//! minus the chunk's smallest delta, bit-packed at one width per chunk
//! ("frame of reference"): a regular scrape interval costs no bits per
//! timestamp, and a counter's increments only the bits of their spread.
//!
//! ```text
//! 0xFF 0xFF                  marker (an XOR chunk starts with its u16 count)
//! varint n                   samples, 1..=65535
//! zigzag t0
//! [n > 1] zigzag min_dt, u8 width_t, (n-1) × (dt - min_dt) packed
//! u8 e                       decimal exponent
//! zigzag m0
//! [n > 1] zigzag min_dm, u8 width_v, (n-1) × (dm - min_dm) packed
//! varint k, k × (varint index, u64 LE bits)   raw exceptions
//! ```
//!
//! Packed fields are little-endian bit streams padded to a whole byte.

use super::codec::{ByteReader, put_varint, put_zigzag};

/// First two bytes of a packed chunk.
pub const MARKER: [u8; 2] = [0xFF, 0xFF];

/// Largest decimal exponent tried: `10^e` and every `|m| <= 2^53` are exact
/// doubles, so `m / 10^e` is one correctly rounded division.
const MAX_EXPONENT: usize = 15;
const POW10: [f64; MAX_EXPONENT + 1] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];
const MAX_MANTISSA: i64 = 1 << 53;

/// Whether `bytes` is a packed chunk (not an XOR one).
pub fn is_packed(bytes: &[u8]) -> bool {
    bytes.starts_with(&MARKER)
}

/// `v` as `(m, e)` with `m / 10^e == v` bit for bit, smallest `e` first.
fn decimal(v: f64) -> Option<(i64, usize)> {
    if !v.is_finite() || (v == 0.0 && v.is_sign_negative()) {
        return None;
    }
    for (e, scale) in POW10.iter().enumerate() {
        let m = (v * scale).round();
        if m.abs() > MAX_MANTISSA as f64 {
            return None;
        }
        if to_float(m as i64, e).to_bits() == v.to_bits() {
            return Some((m as i64, e));
        }
    }
    None
}

fn to_float(m: i64, e: usize) -> f64 {
    if e == 0 {
        m as f64
    } else {
        m as f64 / POW10[e]
    }
}

/// Encodes `samples` (strictly increasing timestamps) packed; `None` when
/// they are empty, too many, or mostly values without a decimal form (the
/// XOR form is better for those).
pub fn encode(samples: &[(i64, f64)]) -> Option<Vec<u8>> {
    let n = samples.len();
    if n == 0 || n > usize::from(u16::MAX) {
        return None;
    }
    // Each value's decimal form; exceptions keep their raw bits.
    let forms: Vec<Option<(i64, usize)>> = samples.iter().map(|&(_, v)| decimal(v)).collect();
    let exceptions = forms.iter().filter(|f| f.is_none()).count();
    if exceptions * 4 > n {
        return None;
    }
    let e = forms.iter().flatten().map(|&(_, e)| e).max().unwrap_or(0);
    let mut mantissas = Vec::with_capacity(n);
    let mut last = 0i64;
    for f in &forms {
        if let Some((m, own)) = *f {
            let scaled = m.checked_mul(10i64.pow((e - own) as u32))?;
            if scaled.abs() > MAX_MANTISSA {
                return None;
            }
            last = scaled;
        }
        // An exception repeats its neighbour: a zero delta.
        mantissas.push(last);
    }
    let mut out = Vec::with_capacity(16 + n);
    out.extend_from_slice(&MARKER);
    put_varint(&mut out, n as u64);
    put_zigzag(&mut out, samples[0].0);
    let times: Vec<i64> = samples.iter().map(|&(t, _)| t).collect();
    put_deltas(&mut out, &times);
    out.push(e as u8);
    put_zigzag(&mut out, mantissas[0]);
    put_deltas(&mut out, &mantissas);
    put_varint(&mut out, exceptions as u64);
    for (i, ((_, v), f)) in samples.iter().zip(&forms).enumerate() {
        if f.is_none() {
            put_varint(&mut out, i as u64);
            out.extend_from_slice(&v.to_bits().to_le_bytes());
        }
    }
    Some(out)
}

/// Appends the samples of packed chunk `bytes` that `keep` accepts to
/// `out`; `None` when the bytes are not a whole packed chunk.
pub fn decode_into(
    bytes: &[u8],
    out: &mut Vec<(i64, f64)>,
    mut keep: impl FnMut(i64) -> bool,
) -> Option<()> {
    let mut r = ByteReader(bytes.strip_prefix(&MARKER)?);
    let n = r.varint()?;
    if n == 0 || n > u64::from(u16::MAX) {
        return None;
    }
    let n = n as usize;
    let t0 = r.zigzag()?;
    let times = Deltas::read(&mut r, n)?;
    let e = r.byte()? as usize;
    if e > MAX_EXPONENT {
        return None;
    }
    let m0 = r.zigzag()?;
    let mantissas = Deltas::read(&mut r, n)?;
    let k = r.varint()?;
    let start = out.len();
    out.reserve(n);
    // Both streams decoded in one pass straight into `out`.
    let (mut t, mut m) = (t0, m0);
    let mut kept: Vec<usize> = Vec::new();
    for i in 0..n {
        if i > 0 {
            t = t.wrapping_add(times.get(i - 1));
            m = m.wrapping_add(mantissas.get(i - 1));
        }
        if keep(t) {
            out.push((t, to_float(m, e)));
            if k > 0 {
                kept.push(i);
            }
        }
    }
    for _ in 0..k {
        let i = r.varint()? as usize;
        let bits = u64::from_le_bytes(r.take(8)?.try_into().ok()?);
        if i >= n {
            return None;
        }
        // The position of sample `i` among the kept ones, if kept.
        if let Ok(at) = kept.binary_search(&i) {
            out[start + at].1 = f64::from_bits(bits);
        }
    }
    Some(())
}

/// One bit-packed delta stream, as [`put_deltas`] wrote it.
struct Deltas<'a> {
    min: i64,
    width: u32,
    mask: u64,
    packed: &'a [u8],
}

impl<'a> Deltas<'a> {
    /// Reads the stream of `n` values' deltas (none when `n` is 1).
    fn read(r: &mut ByteReader<'a>, n: usize) -> Option<Deltas<'a>> {
        if n < 2 {
            return Some(Deltas {
                min: 0,
                width: 0,
                mask: 0,
                packed: &[],
            });
        }
        let min = r.zigzag()?;
        let width = u32::from(r.byte()?);
        if width > 64 {
            return None;
        }
        let packed = r.take(((n - 1) * width as usize).div_ceil(8))?;
        let mask = if width == 64 {
            u64::MAX
        } else {
            (1u64 << width) - 1
        };
        Some(Deltas {
            min,
            width,
            mask,
            packed,
        })
    }

    /// Delta `i` (the caller stays below the count it was read with).
    #[inline]
    fn get(&self, i: usize) -> i64 {
        let offset = read_bits(self.packed, i * self.width as usize, self.width) & self.mask;
        self.min.wrapping_add(offset as i64)
    }
}

/// Writes `values`' deltas: the smallest one, then each minus it at one
/// bit width.
fn put_deltas(out: &mut Vec<u8>, values: &[i64]) {
    if values.len() < 2 {
        return;
    }
    let deltas: Vec<i64> = values.windows(2).map(|w| w[1].wrapping_sub(w[0])).collect();
    let min = *deltas.iter().min().expect("at least one delta");
    let offsets: Vec<u64> = deltas.iter().map(|d| d.wrapping_sub(min) as u64).collect();
    let width = offsets
        .iter()
        .map(|o| 64 - o.leading_zeros())
        .max()
        .unwrap_or(0);
    put_zigzag(out, min);
    out.push(width as u8);
    let mut acc: u128 = 0;
    let mut bits = 0u32;
    for o in offsets {
        acc |= u128::from(o) << bits;
        bits += width;
        while bits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
    if bits > 0 {
        out.push(acc as u8);
    }
}

/// The `width` bits at bit `pos` of little-endian stream `bytes` (which
/// holds them: the caller sized it).
#[inline]
fn read_bits(bytes: &[u8], pos: usize, width: u32) -> u64 {
    if width == 0 {
        return 0;
    }
    let byte = pos / 8;
    let shift = (pos % 8) as u32;
    if shift + width <= 64
        && let Some(word) = bytes.get(byte..byte + 8)
    {
        return u64::from_le_bytes(word.try_into().expect("8 bytes")) >> shift;
    }
    // Up to 16 bytes from `byte`, zero past the end.
    let mut word = [0u8; 16];
    let avail = (bytes.len() - byte).min(16);
    word[..avail].copy_from_slice(&bytes[byte..byte + avail]);
    (u128::from_le_bytes(word) >> shift) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(samples: &[(i64, f64)]) -> Vec<u8> {
        let bytes = encode(samples).expect("packable");
        let mut back = Vec::new();
        decode_into(&bytes, &mut back, |_| true).expect("decodes");
        assert_eq!(back.len(), samples.len());
        for ((t1, v1), (t2, v2)) in samples.iter().zip(&back) {
            assert_eq!(t1, t2);
            assert_eq!(v1.to_bits(), v2.to_bits(), "value at {t1}: {v1} vs {v2}");
        }
        bytes
    }

    #[test]
    fn integer_counters_cost_the_bits_of_their_spread() {
        let mut v = 1000.0;
        let samples: Vec<(i64, f64)> = (0..120)
            .map(|i| {
                v += 80.0 + (i * 37 % 41) as f64;
                (1_700_000_000_000 + i * 15_000, v)
            })
            .collect();
        let bytes = round_trip(&samples);
        // 119 increments in 80..=120 need 6 bits each; headers ~20 bytes.
        assert!(bytes.len() <= 20 + 119 * 6 / 8 + 1, "{} bytes", bytes.len());
    }

    #[test]
    fn short_decimals_are_exact() {
        let samples: Vec<(i64, f64)> = (0..100)
            .map(|i| {
                let text = format!("{}.{:02}", 12345 + i * 3, (i * 7) % 100);
                (i * 10_000, text.parse().unwrap())
            })
            .collect();
        let bytes = round_trip(&samples);
        assert!(bytes.len() < 100 * 2, "{} bytes", bytes.len());
        // Values like 0.1 + 0.2 (not a short decimal) still round-trip.
        round_trip(&[(0, 0.1 + 0.2), (1, 0.3), (2, 1e-7), (3, 123456.789)]);
    }

    #[test]
    fn special_values_are_kept_raw() {
        let stale = f64::from_bits(0x7ff0_0000_0000_0002);
        let mut samples: Vec<(i64, f64)> = (0..40).map(|i| (i * 1000, i as f64)).collect();
        samples[7].1 = -0.0;
        samples[20].1 = f64::INFINITY;
        samples[39].1 = stale;
        let bytes = round_trip(&samples);
        let mut back = Vec::new();
        decode_into(&bytes, &mut back, |t| t >= 20_000).unwrap();
        assert_eq!(back.len(), 20);
        assert_eq!(back[0].1, f64::INFINITY);
        assert_eq!(back[19].1.to_bits(), stale.to_bits());
        assert_eq!(back[1], (21_000, 21.0));
    }

    #[test]
    fn values_without_a_decimal_form_are_left_to_xor() {
        let mut x = 0.1f64;
        let noisy: Vec<(i64, f64)> = (0..50)
            .map(|i| {
                x = x * 1.000_000_1 + std::f64::consts::PI;
                (i, x)
            })
            .collect();
        assert!(encode(&noisy).is_none());
        assert!(encode(&[]).is_none());
    }

    #[test]
    fn extremes_round_trip() {
        round_trip(&[(i64::MIN + 1, 0.0)]);
        round_trip(&[(-5, 1.0), (i64::MAX, 2.0)]);
        round_trip(&[
            (0, -(MAX_MANTISSA as f64)),
            (1, MAX_MANTISSA as f64),
            (2, 0.0),
        ]);
        // Values beyond 2^53 or below 10^-15 are exceptions, a few at most.
        let mut odd: Vec<(i64, f64)> = (0..12).map(|i| (i, i as f64)).collect();
        odd.extend([(20, 1e300), (21, -1e-300), (22, 5e-324)]);
        round_trip(&odd);
        odd.extend([(23, 1e20), (24, f64::NAN)]);
        assert!(encode(&odd).is_none(), "5 exceptions in 17 samples");
        let reset: Vec<(i64, f64)> = (0..120)
            .map(|i| (i * 15_000, if i < 60 { 1e12 + i as f64 } else { i as f64 }))
            .collect();
        round_trip(&reset);
    }

    #[test]
    fn corrupt_bytes_are_refused_not_a_panic() {
        let samples: Vec<(i64, f64)> = (0..120).map(|i| (i * 15_000, i as f64 * 2.5)).collect();
        let bytes = encode(&samples).unwrap();
        for cut in 0..bytes.len() {
            let mut out = Vec::new();
            let _ = decode_into(&bytes[..cut], &mut out, |_| true);
        }
        let mut huge = MARKER.to_vec();
        put_varint(&mut huge, 1 << 40);
        assert!(decode_into(&huge, &mut Vec::new(), |_| true).is_none());
        let mut bad_width = bytes.clone();
        // n=120 (1 byte), t0=0 (1 byte), min_dt=15000 (3 bytes): the width.
        bad_width[2 + 1 + 1 + 3] = 200;
        assert!(decode_into(&bad_width, &mut Vec::new(), |_| true).is_none());
    }
}
