//! Immutable on-disk blocks: the head's older chunks, written once and never
//! changed. A block is a directory holding
//!
//! - `chunks`: the compressed chunks back to back, a series' head chunks
//!   merged into runs of up to [`BLOCK_CHUNK_SAMPLES`], each stored packed
//!   or XOR, whichever is smaller (see `packed.rs`),
//! - `index`: every series' labels and its chunk references, with a CRC32
//!   (see `block_index.rs`),
//! - `meta.json`: time range, level, counts, index format,
//! - `tombstones` (optional): ranges deleted since (see `tombstones.rs`).
//!
//! It is written under a temporary name, synced, then renamed, so a crash
//! never leaves half a block. Reads load the index and fetch chunks with
//! positioned reads.

use super::block_index::{self, BlockSeries, ChunkRef, IndexError};
use super::chunk::{self, XorChunk};
use super::labels::Labels;
use super::matcher::Matcher;
use super::tombstones::{self, Tombstones};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

/// A block's `meta.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockMeta {
    /// Directory name.
    pub id: String,
    /// Earliest sample (ms, inclusive).
    pub min_t: i64,
    /// Latest sample (ms, inclusive).
    pub max_t: i64,
    /// 1 for blocks cut from the head, +1 per compaction.
    pub level: u32,
    /// Series count.
    pub series: u64,
    /// Sample count.
    pub samples: u64,
    /// Format of the `index` file (see `block_index.rs`); blocks written
    /// before formats were numbered have none: 1.
    #[serde(default = "first_format")]
    pub format: u32,
}

fn first_format() -> u32 {
    1
}

/// An open block.
#[derive(Debug)]
pub struct Block {
    dir: PathBuf,
    meta: BlockMeta,
    series: Vec<BlockSeries>,
    chunks: File,
    bytes: u64,
    /// The only mutable part: deletions, written through to disk.
    tombstones: RwLock<Tombstones>,
}

/// Most samples in one chunk of a block: the head's chunks (120 samples)
/// are merged up to this when a block is written, so a two-hour block of
/// 15 s scrapes holds one chunk per series — a fifth of the headers and
/// index entries, while a short read still decodes little.
const BLOCK_CHUNK_SAMPLES: usize = 480;

/// One series' chunks, for writing.
pub type SeriesChunks = (Labels, Vec<XorChunk>);

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

fn corrupt(dir: &Path, what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("block {}: {what}", dir.display()),
    )
}

/// Writes a block of `series` into `parent`; returns it open.
pub fn write_block(parent: &Path, level: u32, series: Vec<SeriesChunks>) -> std::io::Result<Block> {
    write_block_tagged(parent, level, series, "")
}

/// [`write_block`], with `tag` appended to the directory name: a rewrite of
/// a block (same range and level) must not take its directory.
pub fn write_block_tagged(
    parent: &Path,
    level: u32,
    series: Vec<SeriesChunks>,
    tag: &str,
) -> std::io::Result<Block> {
    let (mut min_t, mut max_t, mut samples) = (i64::MAX, i64::MIN, 0u64);
    let mut chunk_bytes: Vec<u8> = Vec::new();
    let mut entries: Vec<BlockSeries> = Vec::with_capacity(series.len());
    for (labels, chunks) in series {
        let mut refs = Vec::new();
        for run in chunk::merged_runs(&chunks, BLOCK_CHUNK_SAMPLES) {
            let bytes = chunk::encode_stored(&run);
            let (first, last) = (run[0].0, run[run.len() - 1].0);
            min_t = min_t.min(first);
            max_t = max_t.max(last);
            samples += run.len() as u64;
            refs.push(ChunkRef {
                min_t: first,
                max_t: last,
                offset: chunk_bytes.len() as u64,
                len: bytes.len() as u32,
            });
            chunk_bytes.extend_from_slice(&bytes);
        }
        if !refs.is_empty() {
            entries.push(BlockSeries {
                labels,
                chunks: refs,
            });
        }
    }
    let index = block_index::encode(&entries);

    let id = format!("{:016x}-{:016x}-{level}{tag}", min_t as u64, max_t as u64);
    let meta = BlockMeta {
        id: id.clone(),
        min_t,
        max_t,
        level,
        series: entries.len() as u64,
        samples,
        format: block_index::FORMAT,
    };
    std::fs::create_dir_all(parent)?;
    let tmp = parent.join(format!("{id}.tmp"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)?;
    for (name, data) in [
        ("chunks", chunk_bytes),
        ("index", index),
        (
            "meta.json",
            serde_json::to_vec_pretty(&meta).map_err(std::io::Error::other)?,
        ),
    ] {
        let mut f = File::create(tmp.join(name))?;
        f.write_all(&data)?;
        f.sync_all()?;
    }
    sync_dir(&tmp)?;
    let dir = parent.join(&id);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::rename(&tmp, &dir)?;
    sync_dir(parent)?;
    Block::open(&dir)
}

impl Block {
    /// Opens the block in `dir`.
    pub fn open(dir: &Path) -> std::io::Result<Block> {
        let meta: BlockMeta = serde_json::from_slice(&std::fs::read(dir.join("meta.json"))?)
            .map_err(|e| corrupt(dir, &format!("meta.json: {e}")))?;
        let index = std::fs::read(dir.join("index"))?;
        let series = block_index::decode(&index, meta.format).map_err(|e| match e {
            IndexError::Checksum => corrupt(dir, "index checksum mismatch"),
            IndexError::Malformed => corrupt(dir, "malformed index"),
            IndexError::UnknownFormat(f) => corrupt(
                dir,
                &format!("index format {f} is newer than this build reads"),
            ),
        })?;
        let chunks = File::open(dir.join("chunks"))?;
        let bytes = ["chunks", "index", "meta.json"]
            .iter()
            .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
            .map(|m| m.len())
            .sum();
        let tombstones = RwLock::new(Tombstones::read(dir)?);
        Ok(Block {
            dir: dir.to_path_buf(),
            meta,
            series,
            chunks,
            bytes,
            tombstones,
        })
    }

    /// Its metadata.
    pub fn meta(&self) -> &BlockMeta {
        &self.meta
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Bytes on disk.
    pub fn size(&self) -> u64 {
        self.bytes
    }

    /// Indexes of the series matching every matcher.
    pub fn select(&self, matchers: &[Matcher]) -> Vec<usize> {
        (0..self.series.len())
            .filter(|&i| {
                let labels = &self.series[i].labels;
                matchers
                    .iter()
                    .all(|m| m.matches(labels.get(&m.name).unwrap_or("")))
            })
            .collect()
    }

    /// The labels of series `i`.
    pub fn labels(&self, i: usize) -> &Labels {
        &self.series[i].labels
    }

    fn read_chunk(&self, r: &ChunkRef) -> std::io::Result<XorChunk> {
        let mut buf = vec![0u8; r.len as usize];
        self.chunks.read_exact_at(&mut buf, r.offset)?;
        XorChunk::from_bytes(&buf).ok_or_else(|| corrupt(&self.dir, "undecodable chunk"))
    }

    /// The chunks of series `i` as stored, deleted samples included.
    pub fn chunks(&self, i: usize) -> std::io::Result<Vec<XorChunk>> {
        self.series[i]
            .chunks
            .iter()
            .map(|r| self.read_chunk(r))
            .collect()
    }

    /// The chunks of series `i` without its deleted samples (for
    /// compaction and rewrites).
    pub fn live_chunks(&self, i: usize) -> std::io::Result<Vec<XorChunk>> {
        let deleted = self.deleted(i);
        Ok(tombstones::filter_chunks(self.chunks(i)?, &deleted))
    }

    fn deleted(&self, i: usize) -> Vec<tombstones::Interval> {
        self.tombstones
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(i)
            .to_vec()
    }

    /// Samples of series `i` in `[start, end]`, deleted ones left out. The
    /// chunks a read needs are usually adjacent in the file (a series'
    /// chunks are written together): they are read with one call and
    /// decoded in place.
    pub fn samples(&self, i: usize, start: i64, end: i64) -> std::io::Result<Vec<(i64, f64)>> {
        let mut out = Vec::new();
        self.samples_into(i, start, end, &mut out)?;
        // Overlapping chunks (out-of-order samples, or a chunk a cut copied
        // while it was still growing) come back in time order, each
        // timestamp once.
        if !out.is_sorted_by(|a, b| a.0 < b.0) {
            out.sort_by_key(|(t, _)| *t);
            out.dedup_by_key(|(t, _)| *t);
        }
        Ok(out)
    }

    /// Appends the samples of series `i` in `[start, end]` to `out`, chunk
    /// by chunk as stored (overlapping chunks are not merged: the caller
    /// sorts once it has every part of the series).
    pub fn samples_into(
        &self,
        i: usize,
        start: i64,
        end: i64,
        out: &mut Vec<(i64, f64)>,
    ) -> std::io::Result<()> {
        let deleted = self.deleted(i);
        let refs: Vec<&ChunkRef> = self.series[i]
            .chunks
            .iter()
            .filter(|r| r.max_t >= start && r.min_t <= end)
            .filter(|r| !tombstones::covers(&deleted, r.min_t, r.max_t))
            .collect();
        let keep = |t: i64| t >= start && t <= end && !tombstones::deleted(&deleted, t);
        let adjacent = refs
            .windows(2)
            .all(|w| w[0].offset + u64::from(w[0].len) == w[1].offset);
        let mut decode = |bytes: &[u8]| {
            XorChunk::decode_into(bytes, out, keep)
                .ok_or_else(|| corrupt(&self.dir, "undecodable chunk"))
        };
        match (refs.first(), refs.last()) {
            (Some(first), Some(last)) if adjacent => {
                let span = (last.offset + u64::from(last.len) - first.offset) as usize;
                let mut buf = vec![0u8; span];
                self.chunks.read_exact_at(&mut buf, first.offset)?;
                for r in &refs {
                    let at = (r.offset - first.offset) as usize;
                    decode(&buf[at..at + r.len as usize])?;
                }
            }
            _ => {
                for r in &refs {
                    let mut buf = vec![0u8; r.len as usize];
                    self.chunks.read_exact_at(&mut buf, r.offset)?;
                    decode(&buf)?;
                }
            }
        }
        Ok(())
    }

    /// Whether series `i` has a chunk overlapping `[start, end]` whose
    /// overlap is not wholly deleted. Decided from the index alone (chunk
    /// time ranges), as Prometheus decides which series a range touches.
    pub fn has_data(&self, i: usize, start: i64, end: i64) -> bool {
        let deleted = self.deleted(i);
        self.series[i].chunks.iter().any(|r| {
            r.max_t >= start
                && r.min_t <= end
                && !tombstones::covers(&deleted, r.min_t.max(start), r.max_t.min(end))
        })
    }

    /// Deletes `[start, end]` of every series matching all of `matchers`
    /// that has data there; the tombstones are on disk when this returns.
    /// Returns how many series were affected.
    pub fn delete(&self, matchers: &[Matcher], start: i64, end: i64) -> std::io::Result<usize> {
        let hit: Vec<usize> = self
            .select(matchers)
            .into_iter()
            .filter(|&i| self.has_data(i, start, end))
            .collect();
        if hit.is_empty() {
            return Ok(0);
        }
        let mut tombstones = self.tombstones.write().unwrap_or_else(|p| p.into_inner());
        let mut updated = tombstones.clone();
        for &i in &hit {
            updated.add(i, (start, end));
        }
        updated.write(&self.dir)?;
        *tombstones = updated;
        Ok(hit.len())
    }

    /// Whether any of its data is deleted.
    pub fn has_tombstones(&self) -> bool {
        !self
            .tombstones
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    /// Number of series.
    pub fn series_len(&self) -> usize {
        self.series.len()
    }
}

/// Opens every block under `parent`, removing leftovers of interrupted writes.
pub fn open_all(parent: &Path) -> std::io::Result<Vec<Block>> {
    let mut blocks = Vec::new();
    let entries = match std::fs::read_dir(parent) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(blocks),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|e| e == "tmp" || e == "deleting")
        {
            let _ = std::fs::remove_dir_all(&path);
            continue;
        }
        if path.is_dir() {
            match Block::open(&path) {
                Ok(b) => blocks.push(b),
                Err(e) => {
                    tracing::error!(block = %path.display(), error = %e, "skipping unreadable block")
                }
            }
        }
    }
    blocks.sort_by_key(|b| (b.meta.min_t, b.meta.max_t));
    Ok(blocks)
}

/// Removes a block directory (renamed first so a crash cannot leave half of one).
pub fn delete(block: &Block) -> std::io::Result<()> {
    let doomed = block.dir.with_extension("deleting");
    std::fs::rename(&block.dir, &doomed)?;
    std::fs::remove_dir_all(&doomed)
}

/// Merges series with equal labels across `sources`, in label order.
pub fn merge_series(sources: Vec<Vec<SeriesChunks>>) -> Vec<SeriesChunks> {
    let mut merged: BTreeMap<Labels, Vec<XorChunk>> = BTreeMap::new();
    for source in sources {
        for (labels, chunks) in source {
            merged.entry(labels).or_default().extend(chunks);
        }
    }
    merged
        .into_iter()
        .map(|(l, mut c)| {
            c.sort_by_key(XorChunk::min_time);
            (l, c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(samples: &[(i64, f64)]) -> XorChunk {
        let mut c = XorChunk::default();
        for &(t, v) in samples {
            c.append(t, v);
        }
        c
    }

    #[test]
    fn writes_reads_and_selects() {
        let dir = tempfile::tempdir().unwrap();
        let a = Labels::new([("__name__", "up"), ("job", "a")]).unwrap();
        let b = Labels::new([("__name__", "up"), ("job", "b")]).unwrap();
        let block = write_block(
            dir.path(),
            1,
            vec![
                (
                    a.clone(),
                    vec![chunk(&[(1000, 1.0), (2000, 2.0)]), chunk(&[(3000, 3.0)])],
                ),
                (b.clone(), vec![chunk(&[(1500, 5.0)])]),
            ],
        )
        .unwrap();
        assert_eq!(
            (block.meta().min_t, block.meta().max_t, block.meta().samples),
            (1000, 3000, 4)
        );
        let reopened = open_all(dir.path()).unwrap();
        assert_eq!(reopened.len(), 1);
        let blk = &reopened[0];
        let ids = blk.select(&[Matcher::equal("job", "a")]);
        assert_eq!(ids.len(), 1);
        assert_eq!(blk.labels(ids[0]), &a);
        assert_eq!(
            blk.samples(ids[0], 1500, 3000).unwrap(),
            vec![(2000, 2.0), (3000, 3.0)]
        );
        delete(blk).unwrap();
        assert!(open_all(dir.path()).unwrap().is_empty());
    }

    #[test]
    fn a_corrupt_index_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = Labels::new([("__name__", "up")]).unwrap();
        let block = write_block(dir.path(), 1, vec![(a, vec![chunk(&[(1, 1.0)])])]).unwrap();
        let index = block.dir().join("index");
        let mut bytes = std::fs::read(&index).unwrap();
        bytes[5] ^= 0xff;
        std::fs::write(&index, bytes).unwrap();
        assert!(Block::open(block.dir()).is_err());
        assert!(open_all(dir.path()).unwrap().is_empty());
    }
}
