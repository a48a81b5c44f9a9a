//! Tombstones: time ranges deleted from a block's series. A block is
//! immutable, so a deletion is recorded beside it in a `tombstones` file
//! (series index → merged, inclusive intervals) that reads filter through;
//! compaction and `clean_tombstones` rewrite the data without them.
//!
//! File: `count: u32 | (series: u32 | n: u32 | (min: i64 | max: i64)*)* |
//! crc32: u32`, all little-endian, replaced atomically by rename.

use super::chunk::XorChunk;
use super::codec::ByteReader;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::Path;

/// An inclusive time range in ms.
pub type Interval = (i64, i64);

/// File name inside a block directory.
pub const FILE: &str = "tombstones";

/// Deleted intervals per series index of one block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tombstones(BTreeMap<usize, Vec<Interval>>);

/// Whether `t` falls in one of `intervals`.
pub fn deleted(intervals: &[Interval], t: i64) -> bool {
    intervals.iter().any(|&(lo, hi)| lo <= t && t <= hi)
}

/// Whether `intervals` (merged, sorted) cover all of `[min, max]`.
pub fn covers(intervals: &[Interval], min: i64, max: i64) -> bool {
    let mut from = min;
    for &(lo, hi) in intervals {
        if lo > from {
            return false;
        }
        if hi >= from {
            if hi >= max {
                return true;
            }
            from = hi + 1;
        }
    }
    false
}

/// Adds `iv` to a sorted list, merging overlapping and adjacent intervals.
pub fn merge_into(list: &mut Vec<Interval>, iv: Interval) {
    list.push(iv);
    list.sort_unstable();
    let mut merged: Vec<Interval> = Vec::with_capacity(list.len());
    for &(lo, hi) in list.iter() {
        match merged.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    *list = merged;
}

/// `chunks` without the samples inside `intervals` (chunks untouched by any
/// interval are kept as they are).
pub fn filter_chunks(chunks: Vec<XorChunk>, intervals: &[Interval]) -> Vec<XorChunk> {
    if intervals.is_empty() {
        return chunks;
    }
    let mut out = Vec::with_capacity(chunks.len());
    for c in chunks.into_iter().filter(|c| !c.is_empty()) {
        let touched = intervals
            .iter()
            .any(|&(lo, hi)| lo <= c.max_time() && c.min_time() <= hi);
        if !touched {
            out.push(c);
            continue;
        }
        let mut kept = XorChunk::default();
        for (t, v) in c.iter().filter(|(t, _)| !deleted(intervals, *t)) {
            kept.append(t, v);
        }
        if !kept.is_empty() {
            out.push(kept);
        }
    }
    out
}

impl Tombstones {
    /// Records that `iv` of series `series` is deleted.
    pub fn add(&mut self, series: usize, iv: Interval) {
        merge_into(self.0.entry(series).or_default(), iv);
    }

    /// The deleted intervals of series `series` (sorted, merged).
    pub fn get(&self, series: usize) -> &[Interval] {
        self.0.get(&series).map_or(&[], Vec::as_slice)
    }

    /// Whether nothing is deleted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Series with deletions.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Reads `dir/tombstones`; a missing file means none.
    pub fn read(dir: &Path) -> std::io::Result<Tombstones> {
        let bytes = match std::fs::read(dir.join(FILE)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Tombstones::default()),
            Err(e) => return Err(e),
        };
        let invalid = || {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: malformed tombstones", dir.join(FILE).display()),
            )
        };
        if bytes.len() < 4 {
            return Err(invalid());
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        if crc32fast::hash(body) != u32::from_le_bytes(crc.try_into().expect("4 bytes")) {
            return Err(invalid());
        }
        let mut r = ByteReader(body);
        let parse = |r: &mut ByteReader<'_>| -> Option<Tombstones> {
            let mut out = Tombstones::default();
            for _ in 0..r.u32()? {
                let series = r.u32()? as usize;
                for _ in 0..r.u32()? {
                    out.add(series, (r.u64()? as i64, r.u64()? as i64));
                }
            }
            Some(out)
        };
        parse(&mut r).ok_or_else(invalid)
    }

    /// Writes `dir/tombstones` atomically (or removes it when empty).
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        if self.is_empty() {
            return match std::fs::remove_file(dir.join(FILE)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(self.0.len() as u32).to_le_bytes());
        for (series, intervals) in &self.0 {
            out.extend_from_slice(&(*series as u32).to_le_bytes());
            out.extend_from_slice(&(intervals.len() as u32).to_le_bytes());
            for (lo, hi) in intervals {
                out.extend_from_slice(&lo.to_le_bytes());
                out.extend_from_slice(&hi.to_le_bytes());
            }
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        let tmp = dir.join(format!("{FILE}.tmp"));
        let mut f = File::create(&tmp)?;
        f.write_all(&out)?;
        f.sync_all()?;
        std::fs::rename(&tmp, dir.join(FILE))?;
        File::open(dir)?.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_merge_and_cover() {
        let mut list = Vec::new();
        merge_into(&mut list, (10, 20));
        merge_into(&mut list, (30, 40));
        assert_eq!(list, vec![(10, 20), (30, 40)]);
        merge_into(&mut list, (21, 29));
        assert_eq!(list, vec![(10, 40)]);
        merge_into(&mut list, (0, 5));
        assert!(covers(&list, 12, 40) && !covers(&list, 5, 12) && !covers(&list, 30, 41));
        assert!(deleted(&list, 5) && !deleted(&list, 6) && deleted(&list, 40));
    }

    #[test]
    fn round_trips_through_the_file_and_filters_chunks() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Tombstones::read(dir.path()).unwrap().is_empty());
        let mut t = Tombstones::default();
        t.add(3, (100, 200));
        t.add(0, (i64::MIN, i64::MAX));
        t.write(dir.path()).unwrap();
        assert_eq!(Tombstones::read(dir.path()).unwrap(), t);
        assert_eq!(t.get(3), &[(100, 200)]);
        assert!(t.get(1).is_empty());

        let mut c = XorChunk::default();
        for ts in (0..400).step_by(50) {
            c.append(ts, ts as f64);
        }
        let kept = filter_chunks(vec![c], t.get(3));
        let left: Vec<i64> = kept.iter().flat_map(|c| c.iter()).map(|(t, _)| t).collect();
        assert_eq!(left, vec![0, 50, 250, 300, 350]);

        Tombstones::default().write(dir.path()).unwrap();
        assert!(!dir.path().join(FILE).exists());
        std::fs::write(dir.path().join(FILE), b"junk").unwrap();
        assert!(Tombstones::read(dir.path()).is_err());
    }
}
