//! Elasticsearch's bulk API (`POST /_bulk`, `POST /{index}/_bulk`) for
//! Filebeat, Logstash's `elasticsearch` output and Fluent Bit's `es` output:
//! NDJSON action/source pairs → log entries, answered in Elasticsearch's
//! bulk shape (`{"took","errors","items":[{"index":{...,"status":201}}]}`).
//!
//! As in Elasticsearch, the action lines are all checked first: a malformed
//! one fails the whole request (400, nothing stored). Sources are mapped one
//! by one (`document.rs`): a source that is not a JSON object, or has a bad
//! `@timestamp`, fails its item (400 `document_parsing_exception`) and the
//! others are stored. `index` and `create` store; `delete` and `update` are
//! answered per item with 400 (the store is append-only). All stored items
//! go to the store as one batch: one synced WAL record.

mod document;

pub use document::{DocumentError, MAX_FIELD_BYTES, field_name, log_type, timestamp_ns, to_entry};

use crate::storage::logs::{LogStore, LogStoreError};
use serde_json::{Value, json};
use std::time::Instant;

/// Largest body accepted (Elasticsearch's default `http.max_content_length`).
pub const MAX_BODY: usize = 100 << 20;

/// Why a whole bulk request failed.
#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    /// No actions at all.
    #[error("request body is required")]
    Empty,
    /// An action line that is not `{"<action>":{...}}`.
    #[error("malformed action/metadata line [{line}], {reason}")]
    MalformedAction {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// An `index`, `create` or `update` action on the last line.
    #[error("the bulk request must be terminated by a source line after action line [{0}]")]
    MissingSource(usize),
    /// The store is not keeping up.
    #[error("rejected execution: {0}")]
    Backpressure(String),
    /// The store failed.
    #[error("log store: {0}")]
    Store(#[from] LogStoreError),
}

impl BulkError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            BulkError::Empty | BulkError::MalformedAction { .. } | BulkError::MissingSource(_) => {
                400
            }
            BulkError::Backpressure(_) => 429,
            BulkError::Store(_) => 500,
        }
    }

    /// Elasticsearch's `error.type`.
    pub fn es_type(&self) -> &'static str {
        match self {
            BulkError::Empty => "action_request_validation_exception",
            BulkError::MalformedAction { .. } | BulkError::MissingSource(_) => {
                "illegal_argument_exception"
            }
            BulkError::Backpressure(_) => "es_rejected_execution_exception",
            BulkError::Store(_) => "exception",
        }
    }
}

/// Elasticsearch's error body: `{"error":{"root_cause":[..],"type","reason"},"status"}`.
pub fn error_body(status: u16, es_type: &str, reason: &str) -> Value {
    json!({
        "error": {
            "root_cause": [{"type": es_type, "reason": reason}],
            "type": es_type,
            "reason": reason,
        },
        "status": status,
    })
}

/// One parsed action.
#[derive(Debug)]
struct Action<'a> {
    /// `index`, `create`, `delete` or `update`.
    kind: String,
    es_index: Option<String>,
    id: Option<String>,
    source: Option<&'a [u8]>,
}

/// Splits a bulk body into actions (checking every action line).
fn parse(body: &[u8]) -> Result<Vec<Action<'_>>, BulkError> {
    let mut lines = body
        .split(|b| *b == b'\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix(b"\r").unwrap_or(l)))
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace));
    let mut out = Vec::new();
    while let Some((n, line)) = lines.next() {
        let bad = |reason: String| BulkError::MalformedAction { line: n, reason };
        let v: Value = serde_json::from_slice(line)
            .map_err(|e| bad(format!("expected a JSON object: {e}")))?;
        let Some(map) = v.as_object().filter(|m| m.len() == 1) else {
            return Err(bad("expected an object with exactly one action".into()));
        };
        let (kind, meta) = map.iter().next().expect("one entry");
        if !["index", "create", "delete", "update"].contains(&kind.as_str()) {
            return Err(bad(format!(
                "expected field [create], [delete], [index] or [update] but found [{kind}]"
            )));
        }
        let meta = meta
            .as_object()
            .ok_or_else(|| bad(format!("expected START_OBJECT after [{kind}]")))?;
        let text = |key: &str| -> Result<Option<String>, BulkError> {
            match meta.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(_) => Err(bad(format!("expected a simple value for field [{key}]"))),
            }
        };
        let (es_index, id) = (text("_index")?, text("_id")?);
        let source = if kind == "delete" {
            None
        } else {
            Some(lines.next().ok_or(BulkError::MissingSource(n))?.1)
        };
        out.push(Action {
            kind: kind.clone(),
            es_index,
            id,
            source,
        });
    }
    if out.is_empty() {
        return Err(BulkError::Empty);
    }
    Ok(out)
}

/// An item's outcome: Ok(sequence number) or Err((type, reason)).
type Outcome = Result<u64, (&'static str, String)>;

fn item(action: &Action<'_>, es_index: &str, id: String, outcome: Outcome) -> Value {
    let body = match outcome {
        Ok(seq_no) => json!({
            "_index": es_index,
            "_id": id,
            "_version": 1,
            "result": "created",
            "_shards": {"total": 1, "successful": 1, "failed": 0},
            "_seq_no": seq_no,
            "_primary_term": 1,
            "status": 201,
        }),
        Err((es_type, reason)) => json!({
            "_index": es_index,
            "_id": id,
            "status": 400,
            "error": {"type": es_type, "reason": reason},
        }),
    };
    json!({ action.kind.as_str(): body })
}

/// A generated document id (20 characters, as Elasticsearch's are).
fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..20].to_string()
}

/// Handles one bulk body (blocking: the append syncs to disk). `path_index`
/// is `{index}` of `/{index}/_bulk`, the default `_index`. Returns the
/// response body (HTTP 200) or the whole request's error.
pub fn handle(logs: &LogStore, path_index: Option<&str>, body: &[u8]) -> Result<Value, BulkError> {
    let started = Instant::now();
    let actions = parse(body)?;
    let now_ns = crate::util::now_ms().saturating_mul(1_000_000);
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(actions.len());
    let mut entries = Vec::new();
    // (item, entry) positions, to map the store's refusals back.
    let mut stored_as: Vec<usize> = Vec::new();
    for (i, a) in actions.iter().enumerate() {
        let es_index = a.es_index.as_deref().or(path_index);
        let outcome = match (a.kind.as_str(), es_index, a.source) {
            ("delete" | "update", _, _) => Err((
                "illegal_argument_exception",
                format!(
                    "[{}] is not supported: watchpost's log store is append-only",
                    a.kind
                ),
            )),
            (_, None, _) => Err((
                "action_request_validation_exception",
                "Validation Failed: 1: index is missing;".to_string(),
            )),
            (_, Some(es_index), Some(source)) => {
                match to_entry(log_type(es_index), source, now_ns) {
                    Ok(entry) => {
                        entries.push(entry);
                        stored_as.push(i);
                        Ok(0)
                    }
                    Err(e) => Err((e.es_type(), e.to_string())),
                }
            }
            (_, Some(_), None) => Err(("illegal_argument_exception", "no source".into())),
        };
        outcomes.push(outcome);
    }
    if !entries.is_empty() {
        let outcome = logs.append(entries).map_err(|e| match e {
            LogStoreError::Backpressure(m) => BulkError::Backpressure(m),
            e => BulkError::Store(e),
        })?;
        for (pos, reason) in outcome.rejected {
            outcomes[stored_as[pos]] = Err(("illegal_argument_exception", reason));
        }
    }
    let mut seq_no = 0;
    let mut errors = false;
    let items: Vec<Value> = actions
        .iter()
        .zip(outcomes)
        .map(|(a, outcome)| {
            let outcome = outcome.map(|_| {
                seq_no += 1;
                seq_no - 1
            });
            errors |= outcome.is_err();
            let es_index = a.es_index.as_deref().or(path_index).unwrap_or("");
            item(a, es_index, a.id.clone().unwrap_or_else(new_id), outcome)
        })
        .collect();
    Ok(json!({
        "took": started.elapsed().as_millis() as u64,
        "errors": errors,
        "items": items,
    }))
}

#[cfg(test)]
mod tests;
