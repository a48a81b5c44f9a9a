//! The v2 JSON shapes: alerts as received (`postableAlert`) and as listed
//! (`gettableAlert`, with receivers and mute status), silences both ways,
//! times as Alertmanager writes them (RFC 3339, milliseconds, UTC).

use crate::alerting::LabelSet;
use crate::alerting::alert::{Alert, fingerprint_hex};
use crate::alerting::silences::{Silence, SilenceMatcher};
use crate::util::rfc3339_ms;
use serde::Deserialize;
use serde_json::{Value, json};

/// Go's zero `time.Time` (0001-01-01T00:00:00Z) in Unix ms.
const GO_ZERO_TIME_MS: i64 = -62_135_596_800_000;

/// Parses an RFC 3339 time to ms.
pub fn parse_time(text: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("parsing time {text:?} as RFC 3339: {e}"))
}

/// An alert as posted.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableAlert {
    /// Required.
    pub labels: LabelSet,
    #[serde(default)]
    annotations: LabelSet,
    #[serde(default)]
    starts_at: Option<String>,
    #[serde(default)]
    ends_at: Option<String>,
    #[serde(default, rename = "generatorURL")]
    generator_url: String,
}

/// Alertmanager's `LabelSet.Validate` for labels.
fn validate_labels(labels: &LabelSet) -> Result<(), String> {
    for name in labels.keys() {
        if !crate::storage::metrics::labels::valid_label_name(name) {
            return Err(format!("invalid name {name:?}"));
        }
    }
    Ok(())
}

impl PostableAlert {
    /// The alert it becomes when received at `now` (the API's defaults: a
    /// missing start is now, a missing end is the resolve timeout away),
    /// or Alertmanager's reason to refuse it.
    pub fn into_alert(mut self, now: i64, resolve_timeout_ms: i64) -> Result<Alert, String> {
        // Empty values are the same as absent labels.
        self.labels.retain(|_, v| !v.is_empty());
        // Go's zero time (however written) means "not set".
        let time = |t: &Option<String>| -> Result<Option<i64>, String> {
            match t.as_deref() {
                None | Some("") => Ok(None),
                Some(t) => parse_time(t).map(|ms| (ms != GO_ZERO_TIME_MS).then_some(ms)),
            }
        };
        let ends = time(&self.ends_at)?;
        let starts = time(&self.starts_at)?.or(ends).unwrap_or(now);
        if let Some(ends) = ends
            && ends < starts
        {
            return Err("start time must be before end time".into());
        }
        validate_labels(&self.labels).map_err(|e| format!("invalid label set: {e}"))?;
        if self.labels.is_empty() {
            return Err("at least one label pair required".into());
        }
        validate_labels(&self.annotations).map_err(|e| format!("invalid annotations: {e}"))?;
        Ok(Alert {
            labels: self.labels,
            annotations: self.annotations,
            starts_at: starts,
            ends_at: ends.unwrap_or(now + resolve_timeout_ms),
            updated_at: now,
            timeout: ends.is_none(),
            generator_url: self.generator_url,
        })
    }
}

/// An alert as listed.
pub fn gettable_alert(
    alert: &Alert,
    receivers: &[String],
    silenced_by: &[String],
    inhibited_by: &[String],
) -> Value {
    let state = if silenced_by.is_empty() && inhibited_by.is_empty() {
        "active"
    } else {
        "suppressed"
    };
    let mut v = json!({
        "annotations": alert.annotations,
        "endsAt": rfc3339_ms(alert.ends_at),
        "fingerprint": fingerprint_hex(alert.fingerprint()),
        "receivers": receivers.iter().map(|r| json!({"name": r})).collect::<Vec<_>>(),
        "startsAt": rfc3339_ms(alert.starts_at),
        "status": {
            "inhibitedBy": inhibited_by,
            "silencedBy": silenced_by,
            "state": state,
        },
        "updatedAt": rfc3339_ms(alert.updated_at),
        "labels": alert.labels,
    });
    if !alert.generator_url.is_empty() {
        v["generatorURL"] = Value::String(alert.generator_url.clone());
    }
    v
}

/// A silence as posted.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostableSilence {
    #[serde(default)]
    id: String,
    matchers: Vec<SilenceMatcher>,
    starts_at: String,
    ends_at: String,
    #[serde(default)]
    created_by: String,
    #[serde(default)]
    comment: String,
}

impl PostableSilence {
    /// The silence, or why the times do not parse.
    pub fn into_silence(self) -> Result<Silence, String> {
        Ok(Silence {
            id: self.id,
            matchers: self.matchers,
            starts_at: parse_time(&self.starts_at)?,
            ends_at: parse_time(&self.ends_at)?,
            updated_at: 0,
            created_by: self.created_by,
            comment: self.comment,
        })
    }
}

/// A silence as listed at `now`.
pub fn gettable_silence(s: &Silence, now: i64) -> Value {
    json!({
        "id": s.id,
        "status": {"state": s.state(now).as_str()},
        "updatedAt": rfc3339_ms(s.updated_at),
        "comment": s.comment,
        "createdBy": s.created_by,
        "endsAt": rfc3339_ms(s.ends_at),
        "matchers": s.matchers,
        "startsAt": rfc3339_ms(s.starts_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(json: serde_json::Value) -> Result<Alert, String> {
        serde_json::from_value::<PostableAlert>(json)
            .unwrap()
            .into_alert(1_000_000, 300_000)
    }

    #[test]
    fn posted_alerts_get_alertmanagers_defaults_and_checks() {
        // amtool sends Go's zero time for "not set".
        let a = posted(serde_json::json!({
            "labels": {"alertname": "A", "empty": ""},
            "startsAt": "0001-01-01T00:00:00.000Z",
            "endsAt": "0001-01-01T00:00:00.000Z",
        }))
        .unwrap();
        assert_eq!(
            (a.starts_at, a.ends_at, a.timeout),
            (1_000_000, 1_300_000, true)
        );
        assert!(!a.labels.contains_key("empty"), "empty labels are dropped");
        // An explicit end: not a timeout; a missing start becomes the end.
        let a = posted(serde_json::json!({
            "labels": {"alertname": "A"},
            "endsAt": "1970-01-01T00:10:00Z",
        }))
        .unwrap();
        assert_eq!(
            (a.starts_at, a.ends_at, a.timeout),
            (600_000, 600_000, false)
        );
        let err = |json| posted(json).unwrap_err();
        assert_eq!(
            err(serde_json::json!({"labels": {}})),
            "at least one label pair required"
        );
        assert_eq!(
            err(serde_json::json!({"labels": {"a b": "x"}})),
            "invalid label set: invalid name \"a b\""
        );
        assert_eq!(
            err(serde_json::json!({
                "labels": {"a": "x"},
                "startsAt": "1970-01-01T00:10:00Z",
                "endsAt": "1970-01-01T00:05:00Z",
            })),
            "start time must be before end time"
        );
    }
}
