//! A block's `index` file: every series' labels and where its chunks are.
//!
//! Format 2 (written now) is compact: a sorted symbol table holds each
//! distinct label name and value once, series refer to symbols by number,
//! and chunk references are varints — the gap from the previous chunk's
//! end, the chunk's span, its length — with offsets implied, since a
//! series' chunks follow the previous series' in the `chunks` file. For a
//! two-hour block of 15 s scrapes that is ~0.1 byte per sample instead of
//! ~0.4 in format 1 (fixed-width refs, labels spelt out per series), which
//! is still read.
//!
//! ```text
//! varint symbols, each: varint len, bytes          (sorted, distinct)
//! varint series, each:
//!   varint labels, each: varint name symbol, varint value symbol
//!   varint chunks, each: zigzag(min_t - previous max_t), varint(max_t - min_t), varint len
//! ```
//!
//! The file holds that LZ4-compressed (block format, its size prepended as
//! u32 LE: label values repeat in parts, like `host-12:9100`), then the
//! CRC32 of the compressed bytes, u32 LE.
//!
//! The first chunk's "previous max_t" is 0.

use super::codec::{ByteReader, put_varint, put_zigzag};
use super::labels::Labels;
use std::collections::BTreeMap;

/// The index format [`encode`] writes, recorded in `meta.json`.
pub const FORMAT: u32 = 2;

/// Where one chunk lives in the `chunks` file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChunkRef {
    pub min_t: i64,
    pub max_t: i64,
    pub offset: u64,
    pub len: u32,
}

/// One series of a block.
#[derive(Debug, PartialEq)]
pub struct BlockSeries {
    pub labels: Labels,
    pub chunks: Vec<ChunkRef>,
}

/// Encodes `series` (chunks back to back in this order from offset 0) in
/// the current format, checksum included.
pub fn encode(series: &[BlockSeries]) -> Vec<u8> {
    let mut symbols: BTreeMap<&str, u64> = BTreeMap::new();
    for s in series {
        for (n, v) in s.labels.iter() {
            symbols.insert(n, 0);
            symbols.insert(v, 0);
        }
    }
    let mut out = Vec::new();
    put_varint(&mut out, symbols.len() as u64);
    for (i, (sym, number)) in symbols.iter_mut().enumerate() {
        *number = i as u64;
        put_varint(&mut out, sym.len() as u64);
        out.extend_from_slice(sym.as_bytes());
    }
    put_varint(&mut out, series.len() as u64);
    let mut offset = 0u64;
    for s in series {
        put_varint(&mut out, s.labels.len() as u64);
        for (n, v) in s.labels.iter() {
            put_varint(&mut out, symbols[n]);
            put_varint(&mut out, symbols[v]);
        }
        put_varint(&mut out, s.chunks.len() as u64);
        let mut previous = 0i64;
        for c in &s.chunks {
            debug_assert_eq!(c.offset, offset, "chunks must be written in index order");
            put_zigzag(&mut out, c.min_t.wrapping_sub(previous));
            put_varint(&mut out, c.max_t.wrapping_sub(c.min_t) as u64);
            put_varint(&mut out, u64::from(c.len));
            previous = c.max_t;
            offset += u64::from(c.len);
        }
    }
    let mut file = lz4_flex::block::compress_prepend_size(&out);
    let crc = crc32fast::hash(&file);
    file.extend_from_slice(&crc.to_le_bytes());
    file
}

/// Why an index could not be read.
#[derive(Debug, PartialEq)]
pub enum IndexError {
    /// The checksum does not match.
    Checksum,
    /// The bytes do not follow the format.
    Malformed,
    /// A format this build does not know.
    UnknownFormat(u32),
}

/// Decodes an index of `format` (1 when `meta.json` names none).
pub fn decode(index: &[u8], format: u32) -> Result<Vec<BlockSeries>, IndexError> {
    if index.len() < 4 {
        return Err(IndexError::Malformed);
    }
    let (body, crc) = index.split_at(index.len() - 4);
    if crc32fast::hash(body) != u32::from_le_bytes(crc.try_into().expect("4 bytes")) {
        return Err(IndexError::Checksum);
    }
    let parsed = match format {
        1 => decode_v1(&mut ByteReader(body)),
        2 => {
            let body = decompress(body).ok_or(IndexError::Malformed)?;
            decode_v2(&mut ByteReader(&body))
        }
        other => return Err(IndexError::UnknownFormat(other)),
    };
    parsed.ok_or(IndexError::Malformed)
}

/// LZ4 inflates at most ~255 times: a larger declared size is corruption,
/// refused before it is allocated.
fn decompress(compressed: &[u8]) -> Option<Vec<u8>> {
    let declared = u32::from_le_bytes(compressed.get(..4)?.try_into().ok()?) as usize;
    if declared > compressed.len().saturating_mul(255) + 64 {
        return None;
    }
    lz4_flex::block::decompress_size_prepended(compressed).ok()
}

fn decode_v2(r: &mut ByteReader<'_>) -> Option<Vec<BlockSeries>> {
    let n = r.varint()? as usize;
    // Every count is checked against the bytes left, so a corrupt count
    // cannot ask for a huge allocation.
    let mut symbols: Vec<&str> = Vec::with_capacity(n.min(r.0.len()));
    for _ in 0..n {
        let len = r.varint()? as usize;
        symbols.push(std::str::from_utf8(r.take(len)?).ok()?);
    }
    let series_count = r.varint()? as usize;
    let mut series = Vec::with_capacity(series_count.min(r.0.len()));
    let mut offset = 0u64;
    for _ in 0..series_count {
        let nl = r.varint()? as usize;
        let mut pairs = Vec::with_capacity(nl.min(r.0.len()));
        for _ in 0..nl {
            let name = *symbols.get(r.varint()? as usize)?;
            let value = *symbols.get(r.varint()? as usize)?;
            pairs.push((name, value));
        }
        let nc = r.varint()? as usize;
        let mut chunks = Vec::with_capacity(nc.min(r.0.len()));
        let mut previous = 0i64;
        for _ in 0..nc {
            let min_t = previous.wrapping_add(r.zigzag()?);
            let max_t = min_t.wrapping_add(r.varint()? as i64);
            let len = u32::try_from(r.varint()?).ok()?;
            chunks.push(ChunkRef {
                min_t,
                max_t,
                offset,
                len,
            });
            offset += u64::from(len);
            previous = max_t;
        }
        series.push(BlockSeries {
            labels: Labels::new(pairs).ok()?,
            chunks,
        });
    }
    r.0.is_empty().then_some(series)
}

fn decode_v1(r: &mut ByteReader<'_>) -> Option<Vec<BlockSeries>> {
    let n = r.u32()? as usize;
    let mut series = Vec::with_capacity(n.min(1 << 20));
    for _ in 0..n {
        let nl = r.u32()? as usize;
        let mut pairs = Vec::with_capacity(nl.min(256));
        for _ in 0..nl {
            pairs.push((r.str()?, r.str()?));
        }
        let nc = r.u32()? as usize;
        let mut chunks = Vec::with_capacity(nc.min(1 << 16));
        for _ in 0..nc {
            chunks.push(ChunkRef {
                min_t: r.u64()? as i64,
                max_t: r.u64()? as i64,
                offset: r.u64()?,
                len: r.u32()?,
            });
        }
        series.push(BlockSeries {
            labels: Labels::new(pairs).ok()?,
            chunks,
        });
    }
    Some(series)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        Labels::new(pairs.iter().copied()).unwrap()
    }

    fn sample_series() -> Vec<BlockSeries> {
        let mut offset = 0;
        (0..50)
            .map(|i| {
                let chunks = (0..4)
                    .map(|c| {
                        let min_t = 1_700_000_000_000 + c * 1_800_000;
                        let r = ChunkRef {
                            min_t,
                            max_t: min_t + 1_785_000,
                            offset,
                            len: 90 + (i % 7) as u32,
                        };
                        offset += u64::from(r.len);
                        r
                    })
                    .collect();
                BlockSeries {
                    labels: labels(&[
                        ("__name__", "http_requests_total"),
                        ("instance", &format!("host-{}", i % 5)),
                        ("series", &i.to_string()),
                    ]),
                    chunks,
                }
            })
            .collect()
    }

    #[test]
    fn round_trips_and_is_compact() {
        let series = sample_series();
        let bytes = encode(&series);
        assert_eq!(decode(&bytes, FORMAT).unwrap(), series);
        // 4 chunk refs cost 28 bytes each in format 1; here ~7.
        assert!(
            bytes.len() < series.len() * (8 + 4 * 8) + 200,
            "{} bytes",
            bytes.len()
        );
    }

    #[test]
    fn reads_format_1() {
        let series = sample_series();
        let mut v1 = Vec::new();
        v1.extend_from_slice(&(series.len() as u32).to_le_bytes());
        for s in &series {
            v1.extend_from_slice(&(s.labels.len() as u32).to_le_bytes());
            for (n, v) in s.labels.iter() {
                super::super::codec::put_str(&mut v1, n);
                super::super::codec::put_str(&mut v1, v);
            }
            v1.extend_from_slice(&(s.chunks.len() as u32).to_le_bytes());
            for c in &s.chunks {
                v1.extend_from_slice(&c.min_t.to_le_bytes());
                v1.extend_from_slice(&c.max_t.to_le_bytes());
                v1.extend_from_slice(&c.offset.to_le_bytes());
                v1.extend_from_slice(&c.len.to_le_bytes());
            }
        }
        let crc = crc32fast::hash(&v1);
        v1.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(decode(&v1, 1).unwrap(), series);
    }

    #[test]
    fn corruption_is_an_error_not_a_panic() {
        let bytes = encode(&sample_series());
        let mut flipped = bytes.clone();
        flipped[10] ^= 0x40;
        assert_eq!(decode(&flipped, FORMAT), Err(IndexError::Checksum));
        assert_eq!(decode(&bytes, 9), Err(IndexError::UnknownFormat(9)));
        // Truncated bodies with a valid checksum: malformed, never a panic.
        let with_crc = |mut file: Vec<u8>| {
            let crc = crc32fast::hash(&file);
            file.extend_from_slice(&crc.to_le_bytes());
            file
        };
        let plain = lz4_flex::block::decompress_size_prepended(&bytes[..bytes.len() - 4]).unwrap();
        for cut in [0, 1, 5, 40, plain.len() / 2] {
            let file = with_crc(lz4_flex::block::compress_prepend_size(&plain[..cut]));
            assert_eq!(
                decode(&file, FORMAT),
                Err(IndexError::Malformed),
                "cut {cut}"
            );
        }
        let mut huge = Vec::new();
        put_varint(&mut huge, u64::MAX >> 1);
        let file = with_crc(lz4_flex::block::compress_prepend_size(&huge));
        assert_eq!(decode(&file, FORMAT), Err(IndexError::Malformed));
        // A declared size far beyond what LZ4 can inflate to: refused.
        let mut bomb = u32::MAX.to_le_bytes().to_vec();
        bomb.extend_from_slice(&[0u8; 16]);
        assert_eq!(decode(&with_crc(bomb), FORMAT), Err(IndexError::Malformed));
    }
}
