//! Loki's push API (`POST /loki/api/v1/push`) for Promtail, Grafana Alloy,
//! Fluent Bit and Loki's client libraries: snappy-compressed protobuf
//! (`logproto.PushRequest`) or JSON (`{"streams":[{"stream":{...},
//! "values":[["<ns>","<line>",{metadata}]]}]}`, and the older
//! `{"labels":"{...}","entries":[{"ts":"<RFC 3339>","line":"..."}]}`).
//!
//! Each stream's entries are filed under the log type named by its `job`
//! label (else `service_name`, else `app`), made a valid index name, or
//! `default`: Promtail's `job="postfix"` lands in `logs-postfix-<date>`.
//! Structured metadata becomes the entries' text fields.

use crate::ingest::remote_write::{WriteResponse, decompress_snappy};
use crate::storage::logs::{AppendOutcome, FieldValue, LogEntry, LogStore};
use crate::storage::metrics::Labels;
use prost::Message;
use std::sync::Arc;

/// Largest JSON body accepted.
pub const MAX_BODY: usize = 64 << 20;

#[derive(Clone, PartialEq, Message)]
struct PushRequest {
    #[prost(message, repeated, tag = "1")]
    streams: Vec<StreamAdapter>,
}

#[derive(Clone, PartialEq, Message)]
struct StreamAdapter {
    // `bytes` rather than `string`: Go senders may put invalid UTF-8 here,
    // which must not cost the whole request.
    #[prost(bytes = "vec", tag = "1")]
    labels: Vec<u8>,
    #[prost(message, repeated, tag = "2")]
    entries: Vec<EntryAdapter>,
}

#[derive(Clone, PartialEq, Message)]
struct EntryAdapter {
    #[prost(message, optional, tag = "1")]
    timestamp: Option<Timestamp>,
    #[prost(bytes = "vec", tag = "2")]
    line: Vec<u8>,
    #[prost(message, repeated, tag = "3")]
    structured_metadata: Vec<LabelPair>,
}

#[derive(Clone, PartialEq, Message)]
struct Timestamp {
    #[prost(int64, tag = "1")]
    seconds: i64,
    #[prost(int32, tag = "2")]
    nanos: i32,
}

#[derive(Clone, PartialEq, Message)]
struct LabelPair {
    #[prost(bytes = "vec", tag = "1")]
    name: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    value: Vec<u8>,
}

/// One pushed entry: (ns, line, structured metadata).
pub type PushEntry = (i64, String, Vec<(String, String)>);

/// One pushed stream, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct PushStream {
    /// The stream's labels as sent.
    pub labels: Vec<(String, String)>,
    /// The stream's entries.
    pub entries: Vec<PushEntry>,
}

fn lossy(b: Vec<u8>) -> String {
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Decodes a snappy-compressed protobuf push.
pub fn decode_protobuf(body: &[u8]) -> Result<Vec<PushStream>, WriteResponse> {
    let raw = decompress_snappy(body)?;
    let request = PushRequest::decode(raw.as_slice())
        .map_err(|e| WriteResponse::error(400, format!("protobuf: {e}")))?;
    request
        .streams
        .into_iter()
        .map(|s| {
            let text = lossy(s.labels);
            let labels = parse_label_set(&text)
                .map_err(|e| WriteResponse::error(400, format!("stream {text:?}: {e}")))?;
            let entries = s
                .entries
                .into_iter()
                .map(|e| {
                    let ts = e.timestamp.map_or(0, |t| {
                        t.seconds
                            .saturating_mul(1_000_000_000)
                            .saturating_add(i64::from(t.nanos))
                    });
                    let meta = e
                        .structured_metadata
                        .into_iter()
                        .map(|p| (lossy(p.name), lossy(p.value)))
                        .collect();
                    (ts, lossy(e.line), meta)
                })
                .collect();
            Ok(PushStream { labels, entries })
        })
        .collect()
}

/// Decodes a JSON push (either format).
pub fn decode_json(body: &[u8]) -> Result<Vec<PushStream>, WriteResponse> {
    let bad = |m: String| WriteResponse::error(400, m);
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    let streams = v
        .get("streams")
        .and_then(|s| s.as_array())
        .ok_or_else(|| bad("expected an object with a \"streams\" array".into()))?;
    let mut out = Vec::with_capacity(streams.len());
    for (i, s) in streams.iter().enumerate() {
        let labels = if let Some(map) = s.get("stream").and_then(|m| m.as_object()) {
            map.iter()
                .map(|(k, v)| match v.as_str() {
                    Some(v) => Ok((k.clone(), v.to_string())),
                    None => Err(bad(format!("streams[{i}]: label {k:?} is not a string"))),
                })
                .collect::<Result<Vec<_>, _>>()?
        } else if let Some(text) = s.get("labels").and_then(|l| l.as_str()) {
            parse_label_set(text).map_err(|e| bad(format!("streams[{i}]: {e}")))?
        } else {
            return Err(bad(format!("streams[{i}]: no \"stream\" object")));
        };
        let mut entries = Vec::new();
        if let Some(values) = s.get("values").and_then(|v| v.as_array()) {
            for (j, value) in values.iter().enumerate() {
                let at = |m: &str| bad(format!("streams[{i}].values[{j}]: {m}"));
                let parts = value
                    .as_array()
                    .ok_or_else(|| at("expected [\"<ns>\", \"<line>\"]"))?;
                let ts = parts
                    .first()
                    .and_then(|t| t.as_str())
                    .and_then(|t| t.parse::<i64>().ok())
                    .ok_or_else(|| at("timestamp must be a string of nanoseconds"))?;
                let line = parts
                    .get(1)
                    .and_then(|l| l.as_str())
                    .ok_or_else(|| at("line must be a string"))?;
                let meta = match parts.get(2) {
                    None | Some(serde_json::Value::Null) => Vec::new(),
                    Some(serde_json::Value::Object(m)) => m
                        .iter()
                        .map(|(k, v)| {
                            let v = v
                                .as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string());
                            (k.clone(), v)
                        })
                        .collect(),
                    Some(_) => return Err(at("structured metadata must be an object")),
                };
                entries.push((ts, line.to_string(), meta));
            }
        } else if let Some(list) = s.get("entries").and_then(|v| v.as_array()) {
            for (j, e) in list.iter().enumerate() {
                let at = |m: &str| bad(format!("streams[{i}].entries[{j}]: {m}"));
                let ts = e
                    .get("ts")
                    .or_else(|| e.get("timestamp"))
                    .and_then(|t| t.as_str())
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .and_then(|t| t.timestamp_nanos_opt())
                    .ok_or_else(|| at("\"ts\" must be an RFC 3339 time"))?;
                let line = e
                    .get("line")
                    .and_then(|l| l.as_str())
                    .ok_or_else(|| at("\"line\" must be a string"))?;
                entries.push((ts, line.to_string(), Vec::new()));
            }
        }
        out.push(PushStream { labels, entries });
    }
    Ok(out)
}

/// Parses a label set as Loki writes it: `{job="x", host="y"}`.
pub fn parse_label_set(text: &str) -> Result<Vec<(String, String)>, String> {
    let inner = text
        .trim()
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(|| format!("label set {text:?} is not in braces"))?;
    let mut out = Vec::new();
    let mut rest = inner.trim_start();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| format!("expected name=\"value\" at {rest:?}"))?;
        let name = rest[..eq].trim().to_string();
        let after = rest[eq + 1..].trim_start();
        let (value, next) = go_unquote_prefix(after)
            .ok_or_else(|| format!("expected a quoted value for label {name:?}"))?;
        out.push((name, value));
        rest = next.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Ok(out)
}

/// Unquotes a Go double-quoted string at the start of `s`: (value, rest).
fn go_unquote_prefix(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'u' => {
                        let hex: String = (0..4)
                            .filter_map(|_| chars.next().map(|(_, c)| c))
                            .collect();
                        out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                    }
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
            }
            c => out.push(c),
        }
    }
    None
}

/// The log type a pushed stream is filed under.
pub fn index_for(labels: &Labels) -> Arc<str> {
    let raw = ["job", "service_name", "app"]
        .iter()
        .find_map(|n| labels.get(n))
        .unwrap_or("default");
    let name: String = raw
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_start_matches(['-', '_']);
    if crate::storage::logs::valid_index_name(name) {
        name.into()
    } else {
        "default".into()
    }
}

/// Stores decoded streams; the response says what was refused.
pub fn store(logs: &LogStore, streams: Vec<PushStream>) -> WriteResponse {
    let mut entries = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    // The stream of each entry, for rejection messages.
    let mut stream_of: Vec<usize> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for s in streams {
        let labels = match Labels::stream(s.labels.iter().map(|(n, v)| (n, v))) {
            Ok(l) if !l.is_empty() => l,
            Ok(_) => {
                problems.push(format!(
                    "stream {:?} has no labels: {} entries refused",
                    s.labels,
                    s.entries.len()
                ));
                continue;
            }
            Err(e) => {
                problems.push(format!(
                    "stream {:?}: {e}: {} entries refused",
                    s.labels,
                    s.entries.len()
                ));
                continue;
            }
        };
        let index = index_for(&labels);
        names.push(labels.to_string());
        for (ts_ns, line, meta) in s.entries {
            stream_of.push(names.len() - 1);
            entries.push(LogEntry {
                index: index.clone(),
                ts_ns,
                stream: labels.clone(),
                line,
                fields: meta
                    .into_iter()
                    .map(|(n, v)| (n, FieldValue::Text(v)))
                    .collect(),
            });
        }
    }
    let total = entries.len();
    let outcome = match logs.append(entries) {
        Ok(o) => o,
        Err(crate::storage::logs::LogStoreError::Backpressure(m)) => {
            return WriteResponse::error(429, format!("ingestion is behind, retry later: {m}"));
        }
        Err(e) => return WriteResponse::error(500, e.to_string()),
    };
    let AppendOutcome { rejected, .. } = outcome;
    for (i, reason) in &rejected {
        problems.push(format!(
            "entry for stream '{}': {reason}",
            names[stream_of[*i]]
        ));
    }
    WriteResponse::partial(
        format!(
            "{} of {} entries stored; refused:",
            total - rejected.len(),
            total
        ),
        &problems,
    )
}

#[cfg(test)]
mod tests;
