//! Keeps a plugin's repeated errors from flooding the log: a scrape of a
//! target that is down fails the same way every interval, for as long as it
//! is down. The first occurrence of an error is logged; the same error again
//! is logged at most once per [`REPEAT_EVERY`], saying how many times it
//! recurred in between. (`/health`, `up` and the plugin's self-metrics still
//! count every one.) Errors belong to a scope — an exporter's target, or the
//! plugin as a whole — and a scope that recovers forgets them: the next
//! outage is logged when it begins.

use std::time::{Duration, Instant};

/// How often an unchanged error is logged again.
pub const REPEAT_EVERY: Duration = Duration::from_secs(300);

/// Distinct errors remembered per plugin; past that, the one seen longest
/// ago is forgotten.
const REMEMBERED: usize = 64;

/// The errors one plugin reported lately.
#[derive(Debug, Default)]
pub struct Repeats {
    known: Vec<Known>,
}

#[derive(Debug)]
struct Known {
    scope: String,
    message: String,
    logged_at: Instant,
    seen_at: Instant,
    /// Occurrences since it was last logged.
    unlogged: u64,
}

impl Repeats {
    /// Whether `message`, occurring in `scope` at `now`, should be logged;
    /// if so, how many times it occurred since it was last logged (0 for a
    /// new error).
    pub fn admit(&mut self, scope: &str, message: &str, now: Instant) -> Option<u64> {
        if let Some(known) = self
            .known
            .iter_mut()
            .find(|k| k.message == message && k.scope == scope)
        {
            known.seen_at = now;
            if now.duration_since(known.logged_at) < REPEAT_EVERY {
                known.unlogged += 1;
                return None;
            }
            known.logged_at = now;
            return Some(std::mem::take(&mut known.unlogged));
        }
        if self.known.len() == REMEMBERED
            && let Some(stalest) = (0..self.known.len()).min_by_key(|&i| self.known[i].seen_at)
        {
            self.known.swap_remove(stalest);
        }
        self.known.push(Known {
            scope: scope.to_string(),
            message: message.to_string(),
            logged_at: now,
            seen_at: now,
            unlogged: 0,
        });
        Some(0)
    }

    /// `scope` works again: its errors are news the next time.
    pub fn forget(&mut self, scope: &str) {
        self.known.retain(|k| k.scope != scope);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(t0: Instant) -> impl Fn(u64) -> Instant {
        move |s| t0 + Duration::from_secs(s)
    }

    #[test]
    fn logs_a_new_error_then_its_repeats_once_per_period_with_their_count() {
        let mut repeats = Repeats::default();
        let at = seconds(Instant::now());
        assert_eq!(repeats.admit("", "refused", at(0)), Some(0));
        assert_eq!(repeats.admit("", "refused", at(15)), None);
        assert_eq!(repeats.admit("", "refused", at(30)), None);
        assert_eq!(repeats.admit("", "refused", at(299)), None);
        assert_eq!(repeats.admit("", "refused", at(300)), Some(3), "3 unlogged");
        assert_eq!(repeats.admit("", "refused", at(315)), None);
        assert_eq!(
            repeats.admit("", "timed out", at(316)),
            Some(0),
            "a new error"
        );
        assert_eq!(repeats.admit("", "refused", at(317)), None, "still known");
        assert_eq!(repeats.admit("", "timed out", at(318)), None);
    }

    #[test]
    fn a_scope_that_recovers_logs_its_next_outage_at_once() {
        let mut repeats = Repeats::default();
        let at = seconds(Instant::now());
        assert_eq!(repeats.admit("a:9100", "refused", at(0)), Some(0));
        assert_eq!(repeats.admit("b:9100", "refused", at(1)), Some(0));
        assert_eq!(repeats.admit("a:9100", "refused", at(15)), None);
        repeats.forget("a:9100");
        assert_eq!(repeats.admit("a:9100", "refused", at(180)), Some(0));
        assert_eq!(
            repeats.admit("b:9100", "refused", at(181)),
            None,
            "the other target's outage goes on"
        );
    }

    #[test]
    fn errors_seen_every_call_stay_known_while_one_off_errors_come_and_go() {
        let mut repeats = Repeats::default();
        let at = seconds(Instant::now());
        // 60 rules fail every evaluation; one more error each time is new.
        let rule = |i: usize| format!("rule {i}: query failed");
        for call in 0..10u64 {
            for i in 0..60 {
                let admitted = repeats.admit("", &rule(i), at(call * 30));
                assert_eq!(admitted, (call == 0).then_some(0), "rule {i}, call {call}");
            }
            let one_off = format!("one-off {call}");
            assert_eq!(repeats.admit("", &one_off, at(call * 30)), Some(0));
        }
    }
}
