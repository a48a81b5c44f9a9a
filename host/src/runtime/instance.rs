//! One live instance of a plugin and the calls into it. Calls are
//! synchronous: an instance lives on its own thread (`runtime::worker`), so
//! a busy guest occupies that thread only, and a synchronous call costs
//! about a third less than one through wasmtime's async fibers. Every call
//! runs under the plugin's deadline (epoch interruption) and memory cap; any
//! failure (trap, panic, timeout, memory) is classified and the instance
//! must then be dropped: wasmtime cannot re-enter an instance after a trap.

use crate::runtime::bindings::exporter_api::Target;
use crate::runtime::bindings::types::{
    Evaluation, LineBatch, MetricFamily, Notification, ParsedBatch, PluginError,
};
use crate::runtime::bindings::{exporter_api, notifier_api, parser_api, rule_api};
use crate::runtime::loader::{KindExports, LoadedPlugin};
use crate::runtime::log_budget::{LINES_PER_CALL, Verdict};
use crate::runtime::store::StoreState;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::{Store, UpdateDeadline};

/// Why a call failed in a way that kills the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    /// Ran past its timeout.
    Timeout,
    /// Grew its memory past the limit.
    Memory,
    /// Rust panic inside the guest.
    Panic,
    /// Any other trap.
    Trap,
    /// Could not be instantiated.
    Instantiate,
}

impl FailureReason {
    /// The `reason` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::Timeout => "timeout",
            FailureReason::Memory => "memory",
            FailureReason::Panic => "panic",
            FailureReason::Trap => "trap",
            FailureReason::Instantiate => "instantiate",
        }
    }
}

/// A failed call.
#[derive(Debug, Clone)]
pub struct CallFailure {
    /// Classified cause.
    pub reason: FailureReason,
    /// Human-readable detail.
    pub message: String,
}

impl fmt::Display for CallFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason.as_str(), self.message)
    }
}

/// A request to a plugin; must match its kind.
#[derive(Debug, Clone)]
pub enum Call {
    /// Exporter: collect one target.
    Collect(Target),
    /// Parser: parse one batch.
    Parse(LineBatch),
    /// Rule: evaluate at a time (ms).
    Evaluate(i64),
    /// Notifier: deliver one notification.
    Deliver(Notification),
}

/// The plugin's answer, including errors its own code reported.
#[derive(Debug, Clone)]
pub enum Reply {
    /// From `collect`.
    Collect(Result<Vec<MetricFamily>, PluginError>),
    /// From `parse`.
    Parse(Result<ParsedBatch, PluginError>),
    /// From `evaluate`.
    Evaluate(Result<Evaluation, PluginError>),
    /// From `deliver`.
    Deliver(Result<(), PluginError>),
}

enum Guest {
    Exporter(exporter_api::Guest),
    Parser(parser_api::Guest),
    Rule(rule_api::Guest),
    Notifier(notifier_api::Guest),
}

/// A live instance.
pub struct PluginInstance {
    store: Store<StoreState>,
    guest: Guest,
}

/// Arms the guest's deadline `timeout` from now.
fn arm_deadline(store: &mut Store<StoreState>, timeout: Duration) {
    let data = store.data_mut();
    let deadline = Instant::now() + timeout;
    data.deadline = deadline;
    data.timed_out = false;
    store.set_epoch_deadline(1);
}

impl LoadedPlugin {
    /// Creates a fresh instance with its own store and limits. Runs the
    /// guest's initialisation, so it blocks: call it where `invoke` will run.
    pub fn instantiate(&self) -> Result<PluginInstance, CallFailure> {
        let instantiate_failure = |message: String| CallFailure {
            reason: FailureReason::Instantiate,
            message,
        };
        let data = StoreState::new(self.context.clone())
            .map_err(|e| instantiate_failure(format!("{e:#}")))?;
        let mut store = Store::new(self.pre.engine(), data);
        store.limiter(|s| &mut s.limiter);
        store.epoch_deadline_callback(|mut ctx| {
            let data = ctx.data_mut();
            if Instant::now() >= data.deadline {
                data.timed_out = true;
                Ok(UpdateDeadline::Interrupt)
            } else {
                // Still in time: check again next tick.
                Ok(UpdateDeadline::Continue(1))
            }
        });
        arm_deadline(&mut store, self.context.spec.timeout);
        let instance = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| classify(&mut store, &e))?;
        let guest = match &self.exports {
            KindExports::Exporter(i) => i.load(&mut store, &instance).map(Guest::Exporter),
            KindExports::Parser(i) => i.load(&mut store, &instance).map(Guest::Parser),
            KindExports::Rule(i) => i.load(&mut store, &instance).map(Guest::Rule),
            KindExports::Notifier(i) => i.load(&mut store, &instance).map(Guest::Notifier),
        }
        .map_err(|e| instantiate_failure(format!("{e:#}")))?;
        let mut instance = PluginInstance { store, guest };
        // What the guest logged or printed while it started.
        instance.drain_output();
        Ok(instance)
    }
}

impl PluginInstance {
    /// Calls the plugin with `call`, bounded by `timeout`. Blocks until the
    /// guest returns or its deadline interrupts it; a guest waiting in a host
    /// call (network I/O) is interrupted when that call returns. Call it on
    /// the instance's own thread (`runtime::worker`), never on a tokio
    /// worker: WASI's I/O blocks on the runtime, which panics there.
    pub fn invoke(&mut self, call: &Call, timeout: Duration) -> Result<Reply, CallFailure> {
        arm_deadline(&mut self.store, timeout);
        self.store.data_mut().staged.clear();
        self.store.data_mut().log_budget.start_call();
        let store = &mut self.store;
        let outcome = match (&self.guest, call) {
            (Guest::Exporter(g), Call::Collect(t)) => g.call_collect(store, t).map(Reply::Collect),
            (Guest::Parser(g), Call::Parse(b)) => g.call_parse(store, b).map(Reply::Parse),
            (Guest::Rule(g), Call::Evaluate(at)) => {
                g.call_evaluate(store, *at).map(Reply::Evaluate)
            }
            (Guest::Notifier(g), Call::Deliver(n)) => g.call_deliver(store, n).map(Reply::Deliver),
            (_, call) => Err(wasmtime::format_err!(
                "host bug: {call:?} sent to a plugin of another kind"
            )),
        };
        let result = outcome.map_err(|e| classify(&mut self.store, &e));
        self.drain_output();
        result
    }

    /// Logs whatever the guest wrote to stdout/stderr.
    fn drain_output(&mut self) {
        let data = self.store.data_mut();
        let plugin = Arc::clone(&data.plugin.name);
        let now = Instant::now();
        let streams = [("stdout", &data.stdout), ("stderr", &data.stderr)];
        let output = streams
            .into_iter()
            .filter(|(_, captured)| !captured.is_empty())
            .map(|(stream, captured)| (stream, captured.drain()))
            .collect::<Vec<_>>();
        for (stream, text) in output {
            for line in text.lines().filter(|l| !l.is_empty()) {
                match data.log_budget.admit(line, false, now) {
                    Verdict::Log { .. } if stream == "stdout" => {
                        tracing::info!(plugin = &*plugin, stream, "{line}")
                    }
                    Verdict::Log { .. } => tracing::warn!(plugin = &*plugin, stream, "{line}"),
                    Verdict::Quiet => tracing::debug!(plugin = &*plugin, stream, "{line}"),
                    Verdict::Drop => {}
                }
            }
        }
        let dropped = data.log_budget.take_dropped();
        if dropped > 0 {
            tracing::warn!(
                plugin = &*plugin,
                dropped,
                limit = LINES_PER_CALL,
                "plugin logged more lines in one call than allowed; the rest were dropped"
            );
        }
    }
}

/// Works out why a call failed from the store's flags and the error.
fn classify(store: &mut Store<StoreState>, error: &wasmtime::Error) -> CallFailure {
    let data = store.data();
    let timeout = data.plugin.spec.timeout;
    if data.timed_out {
        return CallFailure {
            reason: FailureReason::Timeout,
            message: format!("call exceeded its timeout of {timeout:?}"),
        };
    }
    if data.limiter.exceeded {
        return CallFailure {
            reason: FailureReason::Memory,
            message: format!(
                "memory limit of {} bytes exceeded",
                data.plugin.spec.memory_limit
            ),
        };
    }
    // A Rust guest prints its panic message to stderr before aborting.
    let stderr = data.stderr.drain();
    if let Some(start) = stderr.find("panicked at") {
        let message = stderr[start..]
            .lines()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        return CallFailure {
            reason: FailureReason::Panic,
            message,
        };
    }
    let trap = error
        .downcast_ref::<wasmtime::Trap>()
        .map(|t| t.to_string())
        .unwrap_or_else(|| format!("{error:#}"));
    CallFailure {
        reason: FailureReason::Trap,
        message: trap,
    }
}
