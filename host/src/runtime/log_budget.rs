//! How much of a plugin's own logging (the `log` host interface, and what it
//! prints to stdout and stderr) reaches the host's log: at most
//! [`LINES_PER_CALL`] lines per call (or while it starts), so a plugin
//! cannot flood the log (the lines past that are counted and reported once,
//! when the call returns), and a line the plugin repeats call after call
//! (a probe of a target that stays down) is logged at most once per
//! [`REPEAT_EVERY`](super::repeats::REPEAT_EVERY); its repeats in between go
//! to debug.

use super::repeats::Repeats;
use std::time::Instant;

/// Lines one call may log.
pub const LINES_PER_CALL: u32 = 100;

/// What to do with one line.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Log it at its level; it recurred this many times since last logged.
    Log { unlogged_repeats: u64 },
    /// A recent repeat: log it at debug.
    Quiet,
    /// Past the call's budget: drop it.
    Drop,
}

/// One instance's budget.
#[derive(Debug, Default)]
pub struct LogBudget {
    lines: u32,
    dropped: u64,
    repeats: Repeats,
}

impl LogBudget {
    /// A call begins: its budget is whole again.
    pub fn start_call(&mut self) {
        self.lines = 0;
        self.dropped = 0;
    }

    /// The verdict on `message`, logged by the plugin at `now`. Debug and
    /// trace (`verbose`) lines count against the budget but are never
    /// quieted: the caller passes them only when the log shows them.
    pub fn admit(&mut self, message: &str, verbose: bool, now: Instant) -> Verdict {
        if self.lines >= LINES_PER_CALL {
            self.dropped += 1;
            return Verdict::Drop;
        }
        self.lines += 1;
        if verbose {
            return Verdict::Log {
                unlogged_repeats: 0,
            };
        }
        match self.repeats.admit("", message, now) {
            Some(unlogged_repeats) => Verdict::Log { unlogged_repeats },
            None => Verdict::Quiet,
        }
    }

    /// Lines dropped since the call began (then zero).
    pub fn take_dropped(&mut self) -> u64 {
        std::mem::take(&mut self.dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_logs_at_most_its_budget_and_counts_the_rest() {
        let mut budget = LogBudget::default();
        let now = Instant::now();
        for call in 0..2 {
            budget.start_call();
            for i in 0..LINES_PER_CALL + 50 {
                let verdict = budget.admit(&format!("line {call}-{i}"), false, now);
                if i < LINES_PER_CALL {
                    assert_eq!(
                        verdict,
                        Verdict::Log {
                            unlogged_repeats: 0
                        },
                        "{i}"
                    );
                } else {
                    assert_eq!(verdict, Verdict::Drop, "{i}");
                }
            }
            assert_eq!(budget.take_dropped(), 50);
            assert_eq!(budget.take_dropped(), 0);
        }
    }

    #[test]
    fn a_repeated_line_is_quieted_across_calls_but_debug_lines_are_not() {
        let mut budget = LogBudget::default();
        let now = Instant::now();
        budget.start_call();
        assert_eq!(
            budget.admit("probe failed", false, now),
            Verdict::Log {
                unlogged_repeats: 0
            }
        );
        budget.start_call();
        assert_eq!(budget.admit("probe failed", false, now), Verdict::Quiet);
        assert_eq!(
            budget.admit("details", true, now),
            Verdict::Log {
                unlogged_repeats: 0
            }
        );
        assert_eq!(
            budget.admit("details", true, now),
            Verdict::Log {
                unlogged_repeats: 0
            }
        );
    }
}
