//! One live instance of a plugin and the calls into it. Every call runs under
//! the plugin's deadline and memory cap; any failure (trap, panic, timeout,
//! memory) is classified and the instance must then be dropped: wasmtime
//! cannot re-enter an instance after a trap.

use crate::runtime::bindings::exporter_api::Target;
use crate::runtime::bindings::types::{
    Evaluation, LineBatch, MetricFamily, Notification, ParsedBatch, PluginError,
};
use crate::runtime::bindings::{exporter_api, notifier_api, parser_api, rule_api};
use crate::runtime::loader::{KindExports, LoadedPlugin};
use crate::runtime::store::StoreState;
use std::fmt;
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::{Duration, Instant};
use wasmtime::{Store, UpdateDeadline};

/// Extra wall time allowed past the deadline when the guest is blocked in a
/// host call (where epochs cannot interrupt it).
const HOST_GRACE: Duration = Duration::from_millis(500);

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

/// Arms the guest's deadline `timeout` from now; returns that instant.
fn arm_deadline(store: &mut Store<StoreState>, timeout: Duration) -> Instant {
    let data = store.data_mut();
    let deadline = Instant::now() + timeout;
    data.deadline = deadline;
    data.timed_out = false;
    store.set_epoch_deadline(1);
    deadline
}

/// Runs `work` until `deadline`; `None` when the time ran out. Most plugin
/// calls finish on their first poll (only a guest that yields to tokio or
/// waits in a host call does not), so the timer is armed only when `work`
/// first has to wait: arming one costs more than a short call. `work` is
/// borrowed pinned, not moved: a wasmtime call future is kilobytes, and
/// copying it into this future and again onto its stack cost more than
/// an empty plugin call.
async fn within<F: Future>(deadline: Instant, mut work: Pin<&mut F>) -> Option<F::Output> {
    let deadline = tokio::time::Instant::from_std(deadline);
    let mut timer = None;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        let timer = timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}

impl LoadedPlugin {
    /// Creates a fresh instance with its own store and limits.
    pub async fn instantiate(&self) -> Result<PluginInstance, CallFailure> {
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
                // Still in time: let other tasks run, check again next tick.
                Ok(UpdateDeadline::Yield(1))
            }
        });
        let deadline = arm_deadline(&mut store, self.context.spec.timeout);
        let outcome = {
            let instantiating = pin!(self.pre.instantiate_async(&mut store));
            within(deadline + HOST_GRACE, instantiating).await
        };
        let instance = match outcome {
            Some(Ok(instance)) => instance,
            Some(Err(e)) => return Err(classify(&mut store, &e, false)),
            None => {
                return Err(classify(
                    &mut store,
                    &wasmtime::format_err!("instantiation timed out"),
                    true,
                ));
            }
        };
        let guest = match &self.exports {
            KindExports::Exporter(i) => i.load(&mut store, &instance).map(Guest::Exporter),
            KindExports::Parser(i) => i.load(&mut store, &instance).map(Guest::Parser),
            KindExports::Rule(i) => i.load(&mut store, &instance).map(Guest::Rule),
            KindExports::Notifier(i) => i.load(&mut store, &instance).map(Guest::Notifier),
        }
        .map_err(|e| instantiate_failure(format!("{e:#}")))?;
        Ok(PluginInstance { store, guest })
    }
}

impl PluginInstance {
    /// Calls the plugin with `call`, bounded by `timeout`.
    pub async fn invoke(&mut self, call: Call, timeout: Duration) -> Result<Reply, CallFailure> {
        let deadline = arm_deadline(&mut self.store, timeout);
        self.store.data_mut().staged.clear();
        let outcome = {
            let (store, guest) = (&mut self.store, &self.guest);
            // Built in place: moving a started-size call future costs as much
            // as a short call (see `within`).
            let work = pin!(async {
                match (guest, call) {
                    (Guest::Exporter(g), Call::Collect(t)) => {
                        g.call_collect(&mut *store, &t).await.map(Reply::Collect)
                    }
                    (Guest::Parser(g), Call::Parse(b)) => {
                        g.call_parse(&mut *store, &b).await.map(Reply::Parse)
                    }
                    (Guest::Rule(g), Call::Evaluate(at)) => {
                        g.call_evaluate(&mut *store, at).await.map(Reply::Evaluate)
                    }
                    (Guest::Notifier(g), Call::Deliver(n)) => {
                        g.call_deliver(&mut *store, &n).await.map(Reply::Deliver)
                    }
                    (_, call) => Err(wasmtime::format_err!(
                        "host bug: {call:?} sent to a plugin of another kind"
                    )),
                }
            });
            within(deadline + HOST_GRACE, work).await
        };
        let result = match outcome {
            Some(Ok(reply)) => Ok(reply),
            Some(Err(e)) => Err(classify(&mut self.store, &e, false)),
            None => Err(classify(
                &mut self.store,
                &wasmtime::format_err!("call did not return"),
                true,
            )),
        };
        self.drain_output();
        result
    }

    /// Logs whatever the guest wrote to stdout/stderr.
    fn drain_output(&mut self) {
        let data = self.store.data();
        if data.stdout.is_empty() && data.stderr.is_empty() {
            return;
        }
        let plugin = &*data.plugin.name;
        for line in data.stdout.drain().lines().filter(|l| !l.is_empty()) {
            tracing::info!(plugin, stream = "stdout", "{line}");
        }
        for line in data.stderr.drain().lines().filter(|l| !l.is_empty()) {
            tracing::warn!(plugin, stream = "stderr", "{line}");
        }
    }
}

/// Works out why a call failed from the store's flags and the error.
fn classify(store: &mut Store<StoreState>, error: &wasmtime::Error, elapsed: bool) -> CallFailure {
    let data = store.data();
    let timeout = data.plugin.spec.timeout;
    if elapsed || data.timed_out {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn within_bounds_work_that_waits_and_passes_through_work_that_does_not() {
        let started = Instant::now();
        assert_eq!(within(started, pin!(async { 7 })).await, Some(7));
        let stuck = within(
            started + Duration::from_millis(50),
            pin!(std::future::pending::<()>()),
        )
        .await;
        assert_eq!(stuck, None);
        assert!(started.elapsed() >= Duration::from_millis(50));
        let slow = within(
            started + Duration::from_secs(5),
            pin!(async {
                tokio::time::sleep(Duration::from_millis(10)).await;
                "done"
            }),
        )
        .await;
        assert_eq!(slow, Some("done"));
    }
}
