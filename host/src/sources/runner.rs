//! One task per `[[source]]`. Each round: poll the tailer (on a blocking
//! thread), hand the lines to the source's parser plugin — looked up by
//! name in the [`ParserDirectory`] for every batch, so a reloaded parser
//! takes over between batches while a batch in flight finishes on the old
//! one —, turn the records into entries, and append them together with the
//! tailer's checkpoint in one durable write. A refused append is retried
//! (the checkpoint does not move), a failing parser keeps the lines raw with
//! a parse error: no line is lost, none stored twice.

use super::entries::{LineOrigin, entry, raw_record};
use super::file::{Checkpoint, FileFormat, Multiline, TailConfig, TailRecord, Tailer};
use super::{SourceKind, SourceMetrics, SourceSpec};
use crate::runtime::PluginHandle;
use crate::runtime::bindings::types::{Label, SourceMeta};
use crate::storage::logs::{LogStore, SourceState};
use parking_lot::RwLock;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The running parser plugins by name, swapped on reload.
#[derive(Default)]
pub struct ParserDirectory {
    parsers: RwLock<BTreeMap<String, Arc<PluginHandle>>>,
}

impl ParserDirectory {
    /// Replaces the set of parsers.
    pub fn set(&self, parsers: BTreeMap<String, Arc<PluginHandle>>) {
        *self.parsers.write() = parsers;
    }

    /// The current parser named `name`.
    pub fn get(&self, name: &str) -> Option<Arc<PluginHandle>> {
        self.parsers.read().get(name).cloned()
    }
}

/// A started source; dropping it stops the task after its current batch.
pub struct RunningSource {
    /// What it runs.
    pub spec: SourceSpec,
    cancel: CancellationToken,
    _task: Option<JoinHandle<()>>,
}

impl Drop for RunningSource {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Longest wait between retries of a refused append.
const MAX_RETRY: Duration = Duration::from_secs(5);
/// Most bytes read per round.
const MAX_BATCH_BYTES: usize = 4 << 20;

fn tail_config(spec: &SourceSpec, f: &super::FileSpec) -> Result<TailConfig, String> {
    let multiline = match &f.multiline {
        Some(m) => Some(Multiline {
            start: watchpost_goregex::compile(&m.start)?,
            negate: m.negate,
            max_lines: m.max_lines,
            timeout: m.timeout,
        }),
        None => None,
    };
    Ok(TailConfig {
        include: f.include.clone(),
        exclude: f.exclude.clone(),
        start_at_end: f.start_at_end,
        max_line_bytes: spec.max_line_bytes,
        multiline,
        format: if f.docker {
            FileFormat::DockerJson
        } else {
            FileFormat::Plain
        },
        ..TailConfig::default()
    })
}

impl RunningSource {
    /// Stops the source and waits (at most 30 s) for its batch in flight
    /// to be stored, so a successor starting from the stored checkpoint
    /// does not read that batch again.
    pub async fn stop(mut self) {
        self.cancel.cancel();
        if let Some(task) = self._task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
        }
    }

    /// Starts `spec` (a file source resumes from the checkpoint the store
    /// holds for it; a listener binds its addresses first).
    pub async fn start(
        spec: SourceSpec,
        logs: LogStore,
        parsers: Arc<ParserDirectory>,
        metrics: Arc<SourceMetrics>,
    ) -> Result<RunningSource, String> {
        let cancel = CancellationToken::new();
        let task = match &spec.kind {
            SourceKind::File(f) => {
                let config = tail_config(&spec, f)?;
                Some(tokio::spawn(run(
                    spec.clone(),
                    config,
                    logs,
                    parsers,
                    metrics,
                    cancel.clone(),
                )))
            }
            SourceKind::Syslog(s) => {
                super::syslog::start(
                    spec.clone(),
                    s.clone(),
                    logs,
                    parsers,
                    metrics,
                    cancel.clone(),
                )
                .await?;
                None
            }
        };
        Ok(RunningSource {
            spec,
            cancel,
            _task: task,
        })
    }
}

fn state_key(spec: &SourceSpec) -> String {
    format!("file:{}", spec.name)
}

async fn run(
    spec: SourceSpec,
    config: TailConfig,
    logs: LogStore,
    parsers: Arc<ParserDirectory>,
    metrics: Arc<SourceMetrics>,
    cancel: CancellationToken,
) {
    let poll_interval = match &spec.kind {
        SourceKind::File(file) => file.poll_interval,
        SourceKind::Syslog(_) => unreachable!("file sources only"),
    };
    let key = state_key(&spec);
    let checkpoint: Option<Checkpoint> = logs
        .source_state(&key)
        .and_then(|b| serde_json::from_slice(&b).ok());
    let mut tailer = Some(Tailer::new(config, checkpoint));
    let index: Arc<str> = spec.index.as_str().into();
    tracing::info!(source = %spec.name, "log source started");
    while !cancel.is_cancelled() {
        let mut t = tailer.take().expect("the tailer is put back each round");
        let max_lines = spec.batch_lines;
        let (t, polled) = match tokio::task::spawn_blocking(move || {
            let p = t.poll(max_lines, MAX_BATCH_BYTES);
            (t, p)
        })
        .await
        {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(source = %spec.name, error = %e, "log source poll panicked; stopping");
                return;
            }
        };
        let records = match polled {
            Ok(p) => p.records,
            Err(e) => {
                tracing::warn!(source = %spec.name, error = %e, "log source poll failed");
                Vec::new()
            }
        };
        let state = serde_json::to_vec(&t.checkpoint()).expect("checkpoints serialise");
        tailer = Some(t);
        if records.is_empty() {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep(poll_interval) => {}
            }
            continue;
        }
        let state = SourceState {
            key: key.clone(),
            state,
        };
        if !store_batch(
            &spec,
            &index,
            &records,
            Some(state),
            &logs,
            &parsers,
            &metrics,
            &cancel,
        )
        .await
        {
            // Not stored: a restart reads these lines again.
            return;
        }
    }
    tracing::info!(source = %spec.name, "log source stopped");
}

/// Parses and stores `records` (with `state`), retrying a refused append
/// until it is stored; `false` when cancelled first.
#[allow(clippy::too_many_arguments)]
pub(super) async fn store_batch(
    spec: &SourceSpec,
    index: &Arc<str>,
    records: &[TailRecord],
    state: Option<SourceState>,
    logs: &LogStore,
    parsers: &ParserDirectory,
    metrics: &SourceMetrics,
    cancel: &CancellationToken,
) -> bool {
    let entries = parse(spec, index, records, parsers, metrics).await;
    let mut wait = Duration::from_millis(100);
    loop {
        let (store, batch, st) = (logs.clone(), entries.clone(), state.clone());
        let stored = tokio::task::spawn_blocking(move || store.append_with_state(batch, st)).await;
        match stored {
            Ok(Ok(outcome)) => {
                for (_, reason) in outcome.rejected.iter().take(3) {
                    tracing::warn!(source = %spec.name, reason = %reason, "log entry refused");
                }
                metrics.update(&spec.name, |c| c.batches += 1);
                return true;
            }
            Ok(Err(e)) => {
                metrics.update(&spec.name, |c| c.append_failures += 1);
                tracing::warn!(source = %spec.name, error = %e, "storing log lines failed; retrying");
            }
            Err(e) => {
                tracing::error!(source = %spec.name, error = %e, "storing log lines panicked");
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => return false,
            _ = tokio::time::sleep(wait) => {}
        }
        wait = (wait * 2).min(MAX_RETRY);
    }
}

/// Parses `records` with the source's parser (raw when there is none or it
/// fails) into entries.
async fn parse(
    spec: &SourceSpec,
    index: &Arc<str>,
    records: &[TailRecord],
    parsers: &ParserDirectory,
    metrics: &SourceMetrics,
) -> Vec<crate::storage::logs::LogEntry> {
    let received_ns = crate::util::now_ms() * 1_000_000;
    let meta = SourceMeta {
        source: spec.name.clone(),
        origin: records
            .first()
            .map(|r| r.path.to_string())
            .unwrap_or_default(),
        labels: spec
            .labels
            .iter()
            .map(|(n, v)| Label {
                name: n.clone(),
                value: v.clone(),
            })
            .collect(),
    };
    let batch =
        crate::runtime::parsed::batch_from_lines(meta, records.iter().map(|r| r.line.as_bytes()));
    let parsed = match spec.parser.as_deref() {
        None => None,
        Some(name) => Some(match parsers.get(name) {
            None => Err(format!("parser plugin {name:?} is not running")),
            Some(handle) => match handle.parse(batch.clone()).await {
                Ok(out) => crate::runtime::parsed::decode(&batch, &out).map_err(|e| e.to_string()),
                Err(e) => Err(format!("parser {name:?} failed: {e}")),
            },
        }),
    };
    let parsed = match parsed {
        None => records
            .iter()
            .enumerate()
            .map(|(i, r)| raw_record(i as u32, &r.line, None))
            .collect(),
        Some(Ok(p)) => p,
        Some(Err(e)) => {
            tracing::warn!(source = %spec.name, error = %e, "lines kept unparsed");
            records
                .iter()
                .enumerate()
                .map(|(i, r)| raw_record(i as u32, &r.line, Some(e.clone())))
                .collect()
        }
    };
    let mut errors = 0u64;
    let mut bytes = 0u64;
    let entries = parsed
        .into_iter()
        .filter_map(|rec| {
            let r = records.get(rec.line as usize)?;
            bytes += r.line.len() as u64;
            errors += u64::from(rec.parse_error.is_some());
            let mut labels = Vec::new();
            if matches!(spec.kind, SourceKind::File(_)) {
                labels.push(("filename", r.path.to_string()));
            }
            if let Some(s) = &r.stream {
                labels.push(("stream", s.clone()));
            }
            if let Some(id) = &r.container_id {
                labels.push(("container_id", id.clone()));
            }
            if let Some(n) = &r.container_name {
                labels.push(("container_name", n.clone()));
            }
            let origin = LineOrigin {
                line: &r.line,
                received_ns,
                labels,
                time_ns: r.time_ns,
            };
            Some(entry(index, &spec.labels, &origin, rec))
        })
        .collect();
    metrics.update(&spec.name, |c| {
        c.lines += records.len() as u64;
        c.bytes += bytes;
        c.parse_errors += errors;
    });
    entries
}
