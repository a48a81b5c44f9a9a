//! [`Clock`]: the host time for year-less timestamps, read once per batch
//! rather than once per line (a host call costs more than parsing a line).

use std::cell::Cell;

thread_local! {
    /// Counts the batches [`parse_batch`](crate::parser::parse_batch) has
    /// begun, so that a [`Clock`] knows when its reading is from an earlier
    /// batch. (A guest has one thread; natively, each test has its own.)
    static BATCHES: Cell<u64> = const { Cell::new(0) };
}

/// Called by `parse_batch` before the first line of a batch.
pub(crate) fn new_batch() {
    BATCHES.with(|b| b.set(b.get().wrapping_add(1)));
}

/// The host clock ([`now_ms`](crate::now_ms)), read on first use in each
/// batch of lines and remembered for the rest of it. (A test that calls
/// `Parser::parse` directly, not through `parse_batch`, sees the time of
/// its first call.)
#[derive(Debug, Default, Clone)]
pub struct Clock {
    /// The batch of the reading, and the reading.
    read: Cell<Option<(u64, i64)>>,
}

impl Clock {
    /// A clock that has not read the host time yet.
    pub fn new() -> Self {
        Clock::default()
    }

    /// The host time in milliseconds since the epoch, as read in this batch.
    pub fn now_ms(&self) -> i64 {
        let batch = BATCHES.with(Cell::get);
        match self.read.get() {
            Some((read_in, now_ms)) if read_in == batch => now_ms,
            _ => {
                let now_ms = crate::now_ms();
                self.read.set(Some((batch, now_ms)));
                now_ms
            }
        }
    }
}
