//! A plugin instance on a thread of its own. The thread builds the instance
//! and then runs its calls one at a time, synchronously; the async side
//! hands it a call and awaits the answer, so tokio's threads never run
//! guest code. A CPU-bound guest occupies only its own thread until its
//! deadline interrupts it. A guest blocked in a host call (network I/O,
//! which epochs cannot interrupt) is abandoned once its deadline and a grace
//! period have passed: the caller gets a timeout at once, and the thread
//! ends by itself when that host call returns. Both sides watch for the
//! other for 50 µs before they sleep: waking a sleeping thread cost
//! 15-45 µs a call on an idle machine, watching brings it to about 3 µs.

use crate::runtime::instance::{Call, CallFailure, FailureReason, Reply};
use crate::runtime::loader::LoadedPlugin;
use std::sync::{Arc, mpsc};
use std::time::Duration;
use tokio::sync::oneshot;

/// Extra wall time allowed past the deadline when the guest is blocked in a
/// host call (where epochs cannot interrupt it).
const HOST_GRACE: Duration = Duration::from_millis(500);

/// Stack of a plugin thread: guest frames (wasmtime caps them at 512 KiB)
/// and the host code its imports run, such as a rule's queries.
const THREAD_STACK: usize = 8 << 20;

/// How long each side of a hand-over watches for the other before it
/// sleeps: the caller for the answer, the thread for the next call (a
/// parser fed batch after batch). Waking a sleeping thread costs tens of
/// microseconds on an idle machine.
const STAY_AWAKE: Duration = Duration::from_micros(50);

type Answer<T> = oneshot::Sender<Result<T, CallFailure>>;

struct Job {
    call: Call,
    timeout: Duration,
    answer: Answer<Reply>,
}

/// A live instance on its thread. Dropping it lets the thread end (after
/// the call in flight, if any).
pub struct Worker {
    jobs: mpsc::Sender<Job>,
}

impl Worker {
    /// Starts a thread and builds an instance of `loaded` on it. I/O the
    /// guest does through WASI runs on the tokio runtime the caller is on.
    pub async fn start(loaded: Arc<LoadedPlugin>) -> Result<Worker, CallFailure> {
        let timeout = loaded.spec().timeout;
        let (ready, started) = oneshot::channel();
        let (jobs, queue) = mpsc::channel();
        let runtime = tokio::runtime::Handle::try_current().ok();
        std::thread::Builder::new()
            .name(format!("plugin {}", loaded.context.name))
            .stack_size(THREAD_STACK)
            .spawn(move || {
                let _entered = runtime.as_ref().map(tokio::runtime::Handle::enter);
                serve(&loaded, ready, &queue);
            })
            .map_err(|e| CallFailure {
                reason: FailureReason::Instantiate,
                message: format!("cannot start the plugin's thread: {e}"),
            })?;
        answer_within(started, timeout).await?;
        Ok(Worker { jobs })
    }

    /// Runs `call` on the instance, bounded by `timeout`.
    pub async fn call(&self, call: Call, timeout: Duration) -> Result<Reply, CallFailure> {
        let (answer, mut answered) = oneshot::channel();
        self.jobs
            .send(Job {
                call,
                timeout,
                answer,
            })
            .map_err(|_| thread_ended())?;
        // Most calls are short: wait for them briefly right here rather
        // than let tokio put this thread to sleep and wake it again.
        let quick = watch(|| match answered.try_recv() {
            Ok(result) => Some(result),
            Err(oneshot::error::TryRecvError::Closed) => Some(Err(thread_ended())),
            Err(oneshot::error::TryRecvError::Empty) => None,
        });
        match quick {
            Some(result) => result,
            None => answer_within(answered, timeout).await,
        }
    }
}

/// The thread's body: instantiate, report, then serve calls until the
/// worker is dropped or a call kills the instance.
fn serve(loaded: &LoadedPlugin, ready: Answer<()>, queue: &mpsc::Receiver<Job>) {
    let mut instance = match loaded.instantiate() {
        Ok(instance) => instance,
        Err(failure) => {
            let _ = ready.send(Err(failure));
            return;
        }
    };
    if ready.send(Ok(())).is_err() {
        return;
    }
    while let Some(job) = next_job(queue) {
        let result = instance.invoke(&job.call, job.timeout);
        let dead = result.is_err();
        let _ = job.answer.send(result);
        if dead {
            return;
        }
    }
}

/// The next call, or `None` once the worker is dropped.
fn next_job(queue: &mpsc::Receiver<Job>) -> Option<Job> {
    watch(|| match queue.try_recv() {
        Ok(job) => Some(Some(job)),
        Err(mpsc::TryRecvError::Disconnected) => Some(None),
        Err(mpsc::TryRecvError::Empty) => None,
    })
    .unwrap_or_else(|| queue.recv().ok())
}

/// Tries `ready` until it gives an answer or [`STAY_AWAKE`] has passed.
fn watch<T>(mut ready: impl FnMut() -> Option<T>) -> Option<T> {
    let watching = std::time::Instant::now();
    while watching.elapsed() < STAY_AWAKE {
        if let Some(answer) = ready() {
            return Some(answer);
        }
        std::hint::spin_loop();
    }
    None
}

/// Awaits the thread's answer for at most `timeout` plus the grace period.
async fn answer_within<T>(
    answered: oneshot::Receiver<Result<T, CallFailure>>,
    timeout: Duration,
) -> Result<T, CallFailure> {
    match tokio::time::timeout(timeout + HOST_GRACE, answered).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(thread_ended()),
        Err(_) => Err(CallFailure {
            reason: FailureReason::Timeout,
            message: format!(
                "call exceeded its timeout of {timeout:?} while blocked in a host call; abandoned"
            ),
        }),
    }
}

fn thread_ended() -> CallFailure {
    CallFailure {
        reason: FailureReason::Trap,
        message: "the plugin's thread ended without answering (a host error; see the log)".into(),
    }
}
