//! A disk-backed FIFO of sample batches for one forwarder: a
//! [`SegmentLog`] of encoded batches whose cursor is what the receiver
//! acknowledged. A batch is synced before the append that produced it is
//! acknowledged, and only dropped from disk once the receiver said 2xx, so
//! neither a receiver outage nor a Watchpost restart loses samples.

use crate::storage::metrics::codec::{ByteReader, put_str};
use crate::storage::metrics::{Labels, Sample};
pub use crate::storage::segment_log::Position;
use crate::storage::segment_log::SegmentLog;
use std::path::Path;

/// The queue.
pub struct DiskQueue {
    log: SegmentLog,
}

fn encode(samples: &[Sample]) -> Vec<u8> {
    let mut p = Vec::with_capacity(samples.len() * 64);
    p.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    for s in samples {
        p.extend_from_slice(&(s.labels.len() as u32).to_le_bytes());
        for (n, v) in s.labels.iter() {
            put_str(&mut p, n);
            put_str(&mut p, v);
        }
        p.extend_from_slice(&s.t.to_le_bytes());
        p.extend_from_slice(&s.v.to_bits().to_le_bytes());
    }
    p
}

fn decode(payload: &[u8]) -> Option<Vec<Sample>> {
    let mut r = ByteReader(payload);
    let n = r.u32()? as usize;
    let mut out = Vec::with_capacity(n.min(1 << 16));
    for _ in 0..n {
        let nl = r.u32()? as usize;
        let mut pairs = Vec::with_capacity(nl.min(256));
        for _ in 0..nl {
            pairs.push((r.str()?, r.str()?));
        }
        let t = r.u64()? as i64;
        let v = f64::from_bits(r.u64()?);
        out.push(Sample {
            labels: Labels::new(pairs).ok()?,
            t,
            v,
        });
    }
    Some(out)
}

impl DiskQueue {
    /// Opens the queue in `dir`, holding at most `max_bytes` unacknowledged.
    pub fn open(dir: &Path, max_bytes: u64) -> std::io::Result<DiskQueue> {
        Ok(DiskQueue {
            log: SegmentLog::open(dir, max_bytes)?,
        })
    }

    /// Appends a batch and syncs it. Fails when the queue is full.
    pub fn push(&mut self, samples: &[Sample]) -> std::io::Result<()> {
        if samples.is_empty() {
            return Ok(());
        }
        self.log.append(&[encode(samples)]).map(|_| ())
    }

    /// Up to about `max_samples` samples from the cursor on (whole records),
    /// and the position after them.
    pub fn peek(&self, max_samples: usize) -> std::io::Result<Option<(Vec<Sample>, Position)>> {
        let mut pos = self.log.cursor();
        let mut out = Vec::new();
        while out.len() < max_samples {
            let Some(record) = self.log.read(pos, 1, usize::MAX)?.pop() else {
                break;
            };
            pos = record.next;
            match decode(&record.payload) {
                Some(samples) => out.extend(samples),
                None => tracing::warn!("forward queue: skipping an undecodable batch"),
            }
        }
        Ok((!out.is_empty()).then_some((out, pos)))
    }

    /// Marks everything before `pos` delivered; deletes finished segments.
    pub fn ack(&mut self, pos: Position) -> std::io::Result<()> {
        self.log.ack(pos)
    }

    /// Bytes appended but not yet acknowledged.
    pub fn pending_bytes(&self) -> u64 {
        self.log.pending_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: i64) -> Sample {
        Sample {
            labels: Labels::new([("__name__", "x"), ("job", "j")]).unwrap(),
            t,
            v: t as f64,
        }
    }

    #[test]
    fn delivers_in_order_across_restarts_until_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let mut q = DiskQueue::open(dir.path(), 1 << 30).unwrap();
        for t in 0..10 {
            q.push(&[sample(t), sample(t + 100)]).unwrap();
        }
        let (first, pos) = q.peek(5).unwrap().unwrap();
        assert_eq!(first.len(), 6, "whole records");
        assert_eq!(first[1], sample(100));
        // Not acknowledged: a restart delivers the same batch again.
        drop(q);
        let mut q = DiskQueue::open(dir.path(), 1 << 30).unwrap();
        let (again, pos2) = q.peek(5).unwrap().unwrap();
        assert_eq!((again, pos2), (first, pos));
        q.ack(pos).unwrap();
        drop(q);
        let q = DiskQueue::open(dir.path(), 1 << 30).unwrap();
        let (rest, end) = q.peek(1000).unwrap().unwrap();
        assert_eq!(rest.len(), 14);
        assert_eq!(rest[0], sample(3));
        let mut q = q;
        q.ack(end).unwrap();
        assert!(q.peek(10).unwrap().is_none());
        assert_eq!(q.pending_bytes(), 0);
    }

    #[test]
    fn a_full_queue_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let mut q = DiskQueue::open(dir.path(), 200).unwrap();
        q.push(&[sample(1)]).unwrap();
        let mut pushed = 0;
        while q.push(&[sample(2), sample(3)]).is_ok() {
            pushed += 1;
            assert!(pushed < 100, "the limit is enforced");
        }
        assert!(q.pending_bytes() > 200);
        assert_eq!(q.peek(1).unwrap().unwrap().0, vec![sample(1)]);
    }
}
