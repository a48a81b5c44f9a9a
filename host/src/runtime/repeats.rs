//! Keeps a plugin's repeated errors from flooding the log: a scrape of a
//! target that is down fails the same way every interval, for as long as it
//! is down. The first occurrence of an error is logged; the same error again
//! is logged at most once per [`REPEAT_EVERY`], saying how many times it
//! recurred in between. (`/health`, `up` and the plugin's self-metrics still
//! count every one.)

use std::time::{Duration, Instant};

/// How often an unchanged error is logged again.
pub const REPEAT_EVERY: Duration = Duration::from_secs(300);

/// Distinct errors remembered per plugin (an exporter's targets fail each in
/// its own words); past that, the one logged longest ago is forgotten.
const REMEMBERED: usize = 16;

/// The errors logged lately for one plugin.
#[derive(Debug, Default)]
pub struct Repeats {
    logged: Vec<Logged>,
}

#[derive(Debug)]
struct Logged {
    message: String,
    at: Instant,
    /// Occurrences since it was last logged.
    unlogged: u64,
}

impl Repeats {
    /// Whether `message`, occurring at `now`, should be logged; if so, how
    /// many times it occurred since it was last logged (0 for a new error).
    pub fn admit(&mut self, message: &str, now: Instant) -> Option<u64> {
        if let Some(known) = self.logged.iter_mut().find(|l| l.message == message) {
            if now.duration_since(known.at) < REPEAT_EVERY {
                known.unlogged += 1;
                return None;
            }
            let repeated = known.unlogged;
            known.at = now;
            known.unlogged = 0;
            return Some(repeated);
        }
        if self.logged.len() == REMEMBERED
            && let Some(oldest) = (0..self.logged.len()).min_by_key(|&i| self.logged[i].at)
        {
            self.logged.swap_remove(oldest);
        }
        self.logged.push(Logged {
            message: message.to_string(),
            at: now,
            unlogged: 0,
        });
        Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_a_new_error_then_its_repeats_once_per_period_with_their_count() {
        let mut repeats = Repeats::default();
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert_eq!(repeats.admit("refused", at(0)), Some(0));
        assert_eq!(repeats.admit("refused", at(15)), None);
        assert_eq!(repeats.admit("refused", at(30)), None);
        assert_eq!(repeats.admit("refused", at(299)), None);
        assert_eq!(repeats.admit("refused", at(300)), Some(3), "3 unlogged");
        assert_eq!(repeats.admit("refused", at(315)), None);
        assert_eq!(repeats.admit("timed out", at(316)), Some(0), "a new error");
        assert_eq!(repeats.admit("refused", at(317)), None, "still known");
        assert_eq!(repeats.admit("timed out", at(318)), None);
    }

    #[test]
    fn remembers_each_targets_error_and_forgets_the_oldest_past_its_room() {
        let mut repeats = Repeats::default();
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let target = |i: usize| format!("scrape of http://10.0.0.{i}:9100/metrics failed");
        for i in 0..REMEMBERED {
            assert_eq!(repeats.admit(&target(i), at(i as u64)), Some(0));
        }
        for i in 0..REMEMBERED {
            assert_eq!(repeats.admit(&target(i), at(100)), None, "{i}");
        }
        assert_eq!(repeats.admit("one more", at(101)), Some(0));
        assert_eq!(
            repeats.admit(&target(0), at(102)),
            Some(0),
            "the error logged longest ago was forgotten"
        );
        assert_eq!(
            repeats.admit(&target(2), at(103)),
            None,
            "the others were not"
        );
    }
}
