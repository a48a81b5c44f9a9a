//! Rules: what the host does with a rule plugin's evaluation. Recording
//! rules' samples are stored; alert conditions go through the alert state
//! machine (`alerts`), which the host owns so that every rule plugin gets
//! Prometheus' semantics (`for`, `keep_firing_for`, resolution, `ALERTS` and
//! `ALERTS_FOR_STATE` series, `for` state restored after a restart).
//!
//! - `alerts`: the per-rule state machine.
//! - `sink`: applies evaluations, writes series, serves `/api/v1/alerts`.
//! - `checks`: rule-file validation on the host's PromQL and template engines.
//! - `unittest`: `promtool test rules` (rule unit tests over an in-memory store).

pub mod alerts;
pub mod checks;
mod sink;
pub mod unittest;

pub use alerts::{Alert, AlertState, Candidate};
pub use sink::{RuleSink, RuleStatus};
