//! The payload of a WAL samples record. Columns, so each compresses its own
//! way: series ids as zigzag varint deltas, timestamps as zigzag varint
//! deltas from the previous sample (a batch of one scrape or one remote
//! write costs a byte each), a bitmap of the values that are exact integers,
//! then the values — those integers as zigzag varints, the rest as raw
//! `f64` bits. A counter sample typically takes 4–6 bytes instead of the
//! 24 of the first format, which replay still reads.

use super::super::codec::{ByteReader, put_varint, put_zigzag};
use super::super::head::SeriesId;

/// Encodes `samples` (series id, t ms, value).
pub fn encode(samples: &[(SeriesId, i64, f64)]) -> Vec<u8> {
    let mut p = Vec::with_capacity(8 + samples.len() * 6);
    put_varint(&mut p, samples.len() as u64);
    let mut previous = 0u64;
    for &(id, _, _) in samples {
        put_zigzag(&mut p, id.wrapping_sub(previous) as i64);
        previous = id;
    }
    let mut previous = 0i64;
    for &(_, t, _) in samples {
        put_zigzag(&mut p, t.wrapping_sub(previous));
        previous = t;
    }
    let bitmap_at = p.len();
    p.resize(bitmap_at + samples.len().div_ceil(8), 0);
    for (i, &(_, _, v)) in samples.iter().enumerate() {
        match as_integer(v) {
            Some(n) => {
                p[bitmap_at + i / 8] |= 1 << (i % 8);
                put_zigzag(&mut p, n);
            }
            None => p.extend_from_slice(&v.to_bits().to_le_bytes()),
        }
    }
    p
}

/// `v` as an integer when converting back gives the very same bits (not
/// for -0.0, NaN, infinities or fractions).
fn as_integer(v: f64) -> Option<i64> {
    let n = v as i64;
    ((n as f64).to_bits() == v.to_bits()).then_some(n)
}

/// Decodes [`encode`]'s payload; `None` when it is damaged.
pub fn decode(payload: &[u8]) -> Option<Vec<(SeriesId, i64, f64)>> {
    let mut c = ByteReader(payload);
    let n = usize::try_from(c.varint()?).ok()?;
    // Every sample takes at least two bytes: a hostile count fails here.
    if n > payload.len() / 2 {
        return None;
    }
    let mut samples = Vec::with_capacity(n);
    let mut id = 0u64;
    for _ in 0..n {
        id = id.wrapping_add(c.zigzag()? as u64);
        samples.push((id, 0, 0.0));
    }
    let mut t = 0i64;
    for s in &mut samples {
        t = t.wrapping_add(c.zigzag()?);
        s.1 = t;
    }
    let bitmap = c.take(n.div_ceil(8))?;
    for (i, s) in samples.iter_mut().enumerate() {
        s.2 = if bitmap[i / 8] & (1 << (i % 8)) != 0 {
            c.zigzag()? as f64
        } else {
            f64::from_bits(c.u64()?)
        };
    }
    c.rest().is_empty().then_some(samples)
}

/// Decodes the first format: a `u32` count, then 24 bytes per sample.
pub fn decode_v1(payload: &[u8]) -> Option<Vec<(SeriesId, i64, f64)>> {
    let mut c = ByteReader(payload);
    let n = c.u32()? as usize;
    let mut samples = Vec::with_capacity(n.min(1 << 16));
    for _ in 0..n {
        samples.push((c.u64()?, c.u64()? as i64, f64::from_bits(c.u64()?)));
    }
    Some(samples)
}

/// Encodes the first format (tests of replay of older logs).
#[cfg(test)]
pub fn encode_v1(samples: &[(SeriesId, i64, f64)]) -> Vec<u8> {
    let mut p = Vec::with_capacity(4 + samples.len() * 24);
    p.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    for (id, t, v) in samples {
        p.extend_from_slice(&id.to_le_bytes());
        p.extend_from_slice(&t.to_le_bytes());
        p.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &[(SeriesId, i64, f64)], b: &[(SeriesId, i64, f64)]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.0 == y.0 && x.1 == y.1 && x.2.to_bits() == y.2.to_bits())
    }

    #[test]
    fn round_trips_every_kind_of_value_id_and_time() {
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            1e300,
            -1e-300,
            f64::NAN,
            f64::from_bits(super::super::super::STALE_NAN),
            f64::INFINITY,
            f64::NEG_INFINITY,
            9_007_199_254_740_993.0,
            2f64.powi(63),
            -(2f64.powi(63)),
            i64::MAX as f64,
            123_456_789.0,
        ];
        let mut samples = Vec::new();
        for (i, &v) in specials.iter().enumerate() {
            let id = [0, u64::MAX, 7, 1 << 40][i % 4];
            let t = [i64::MIN, i64::MAX, 0, -5, 1_700_000_000_000][i % 5];
            samples.push((id, t, v));
        }
        let encoded = encode(&samples);
        assert!(same(&decode(&encoded).unwrap(), &samples));
        assert!(same(&decode(&encode(&[])).unwrap(), &[]));
        assert!(same(&decode_v1(&encode_v1(&samples)).unwrap(), &samples));
    }

    #[test]
    fn a_scrape_of_counters_takes_a_few_bytes_a_sample() {
        let samples: Vec<(SeriesId, i64, f64)> = (0..2000u64)
            .map(|id| (id, 1_700_000_000_000, (id * 37 % 50_000) as f64))
            .collect();
        let encoded = encode(&samples);
        assert!(encoded.len() < samples.len() * 6, "{}", encoded.len());
        assert!(same(&decode(&encoded).unwrap(), &samples));
    }

    #[test]
    fn damaged_payloads_are_refused_without_panicking() {
        let samples: Vec<(SeriesId, i64, f64)> = (0..50u64)
            .map(|id| (id, id as i64 * 1000, id as f64 / 3.0))
            .collect();
        let encoded = encode(&samples);
        for cut in 0..encoded.len() {
            assert!(decode(&encoded[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = encoded.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
        let hostile = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
        assert!(decode(&hostile).is_none());
    }
}
