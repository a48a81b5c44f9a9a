//! Timestamps in log lines, for parsers: what the stock parsers share.
//!
//! - [`TimeParser`]: a configured format — RFC 3339 and its ISO 8601
//!   spellings, epoch numbers, strftime layouts, or `auto` (all of those and
//!   the common log layouts) — read into nanoseconds since the epoch.
//! - [`Timezone`]: a config's `timezone = "+02:00"`, a fixed UTC offset
//!   (deserialisable); [`parse_offset`] for an offset written in a line.
//! - [`Civil`] and the calendar ([`days_from_civil`], [`civil_from_days`]),
//!   with the pieces hand-written parsers read timestamps from
//!   ([`parse_iso_datetime`], [`digits`], [`two_digits`], [`fraction_ns`],
//!   [`month_from_name`]).
//! - Year-less dates (syslog's `Nov 25 10:00:01`): [`infer_year`] from a
//!   [`Clock`] that reads the host's time once per batch.
//!
//! It promises: no panics on any input, no allocation per parsed timestamp,
//! and `None` for anything it cannot read exactly (a timestamp is never
//! guessed from a partial match).
//!
//! ```
//! use watchpost_sdk::logtime::{Civil, parse_iso_datetime, parse_offset};
//!
//! let (civil, rest) = parse_iso_datetime("2026-11-25 12:00:01,5 +02:00", b' ').unwrap();
//! let offset = parse_offset(rest.trim()).unwrap();
//! assert_eq!(civil.to_ns(offset), Some(1_795_600_801_500_000_000));
//! ```

mod civil;
mod clock;
mod format;
mod layout;
mod scan;
mod zone;

pub use civil::{Civil, civil_from_days, days_from_civil, infer_year};
pub use clock::Clock;
pub(crate) use clock::new_batch;
pub use format::TimeParser;
pub use scan::{digits, fraction_ns, month_from_name, parse_iso_datetime, two_digits};
pub use zone::{Timezone, parse_offset};

/// Nanoseconds in a second.
pub const NS_PER_SEC: i64 = 1_000_000_000;

#[cfg(test)]
mod tests;
