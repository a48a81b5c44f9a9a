//! Judging one probe: from the response (or the reason there was none) and
//! the elapsed time to a [`Probe`] and its metric families. Pure, so every
//! outcome is unit-tested without a socket; the checks run in
//! blackbox_exporter's order (status, then body) and fill the metrics the way
//! it does.

use crate::config::Settings;
use watchpost_sdk::MetricFamily;
use watchpost_sdk::http::{HttpError, Response};

/// Everything one probe found out.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Whether every check passed.
    pub success: bool,
    /// Why it failed, for the log; `None` on success.
    pub failure: Option<String>,
    /// The response's status, 0 without a response.
    pub status: u16,
    /// The `Content-Length` header; -1 when the response has none (Go's
    /// "unknown", as blackbox_exporter reports it), 0 without a response.
    pub content_length: f64,
    /// Bytes of body read.
    pub body_length: usize,
    /// Whether a body substring check failed the probe.
    pub failed_due_to_regex: bool,
    /// Whether the response came over TLS (an `https` URL).
    pub ssl: bool,
    /// Seconds from sending the request to having read the body.
    pub duration_seconds: f64,
}

/// Judges `result` of requesting a URL (`https` says whether its scheme was
/// https) that took `elapsed_ms`.
pub fn evaluate(
    settings: &Settings,
    https: bool,
    result: &Result<Response, HttpError>,
    elapsed_ms: i64,
) -> Probe {
    let mut probe = Probe {
        success: false,
        failure: None,
        status: 0,
        content_length: 0.0,
        body_length: 0,
        failed_due_to_regex: false,
        ssl: false,
        duration_seconds: elapsed_ms.max(0) as f64 / 1000.0,
    };
    let response = match result {
        Ok(response) => response,
        Err(e) => {
            probe.failure = Some(e.to_string());
            return probe;
        }
    };
    probe.status = response.status;
    probe.content_length = response
        .header("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(-1.0, |n| n as f64);
    probe.body_length = response.body.len();
    probe.ssl = https;

    if let Err(reason) = check_status(settings, response.status) {
        probe.failure = Some(reason);
        return probe;
    }
    if let Err(reason) = check_body(settings, &response.body) {
        probe.failed_due_to_regex = true;
        probe.failure = Some(reason);
        return probe;
    }
    probe.success = true;
    probe
}

fn check_status(settings: &Settings, status: u16) -> Result<(), String> {
    if settings.valid_status_codes.is_empty() {
        if (200..300).contains(&status) {
            return Ok(());
        }
        return Err(format!("status {status} is not 2xx"));
    }
    if settings.valid_status_codes.contains(&status) {
        return Ok(());
    }
    Err(format!(
        "status {status} is not one of valid_status_codes {:?}",
        settings.valid_status_codes
    ))
}

fn check_body(settings: &Settings, body: &[u8]) -> Result<(), String> {
    if let Some(s) = settings
        .fail_if_body_matches
        .iter()
        .find(|s| contains(body, s.as_bytes()))
    {
        return Err(format!("body contains {s:?} (fail_if_body_matches)"));
    }
    if let Some(s) = settings
        .fail_if_body_not_matches
        .iter()
        .find(|s| !contains(body, s.as_bytes()))
    {
        return Err(format!(
            "body does not contain {s:?} (fail_if_body_not_matches)"
        ));
    }
    Ok(())
}

/// Whether `needle` (non-empty) occurs in `haystack`, byte for byte, so a
/// body need not be UTF-8.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

impl Probe {
    /// The families blackbox_exporter's HTTP prober returns, with its names
    /// and help texts (`probe_http_duration_seconds`, `probe_http_version`
    /// and the TLS certificate families are not available through the SDK).
    pub fn families(&self) -> Vec<MetricFamily> {
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let gauge =
            |name: &str, help: &str, value: f64| MetricFamily::gauge(name, help).sample(&[], value);
        vec![
            gauge(
                "probe_success",
                "Displays whether or not the probe was a success",
                flag(self.success),
            ),
            gauge(
                "probe_duration_seconds",
                "Returns how long the probe took to complete in seconds",
                self.duration_seconds,
            ),
            gauge(
                "probe_http_status_code",
                "Response HTTP status code",
                f64::from(self.status),
            ),
            gauge(
                "probe_http_content_length",
                "Length of http content response",
                self.content_length,
            ),
            gauge(
                "probe_http_uncompressed_body_length",
                "Length of uncompressed response body",
                self.body_length as f64,
            ),
            // Redirects are not followed (yet): a 3xx is the final response.
            gauge("probe_http_redirects", "The number of redirects", 0.0),
            gauge(
                "probe_http_ssl",
                "Indicates if SSL was used for the final redirect",
                flag(self.ssl),
            ),
            gauge(
                "probe_failed_due_to_regex",
                "Indicates if probe failed due to regex",
                flag(self.failed_due_to_regex),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use watchpost_sdk::MetricValue;

    fn settings(json: serde_json::Value) -> Settings {
        Settings::from_config(serde_json::from_value::<Config>(json).unwrap()).unwrap()
    }

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Result<Response, HttpError> {
        Ok(Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        })
    }

    #[test]
    fn success_with_defaults() {
        let r = response(200, &[("content-length", "2")], "ok");
        let p = evaluate(&settings(serde_json::json!({})), false, &r, 1234);
        assert_eq!(
            p,
            Probe {
                success: true,
                failure: None,
                status: 200,
                content_length: 2.0,
                body_length: 2,
                failed_due_to_regex: false,
                ssl: false,
                duration_seconds: 1.234,
            }
        );
    }

    #[test]
    fn status_codes() {
        let default = settings(serde_json::json!({}));
        for (status, ok) in [
            (200, true),
            (204, true),
            (299, true),
            (301, false),
            (500, false),
        ] {
            let p = evaluate(&default, false, &response(status, &[], ""), 1);
            assert_eq!(p.success, ok, "{status}");
            assert_eq!(p.status, status);
            assert_eq!(p.failure.is_some(), !ok);
        }
        let listed = settings(serde_json::json!({"valid_status_codes": [200, 302]}));
        assert!(evaluate(&listed, false, &response(302, &[], ""), 1).success);
        let p = evaluate(&listed, false, &response(204, &[], ""), 1);
        assert!(!p.success);
        assert!(p.failure.unwrap().contains("valid_status_codes"));
    }

    #[test]
    fn body_substrings() {
        let s = settings(serde_json::json!({
            "fail_if_body_matches": ["maintenance"],
            "fail_if_body_not_matches": ["\"status\":\"ok\""],
        }));
        let ok = evaluate(&s, false, &response(200, &[], r#"{"status":"ok"}"#), 1);
        assert!(ok.success && !ok.failed_due_to_regex);

        let matched = evaluate(
            &s,
            false,
            &response(200, &[], r#"{"status":"ok","maintenance":1}"#),
            1,
        );
        assert!(!matched.success && matched.failed_due_to_regex);
        assert!(matched.failure.unwrap().contains("fail_if_body_matches"));

        let missing = evaluate(
            &s,
            false,
            &response(200, &[], r#"{"status":"degraded"}"#),
            1,
        );
        assert!(!missing.success && missing.failed_due_to_regex);
        assert!(
            missing
                .failure
                .unwrap()
                .contains("fail_if_body_not_matches")
        );

        // As in blackbox_exporter, the body is only checked after a good status.
        let bad_status = evaluate(&s, false, &response(503, &[], "maintenance"), 1);
        assert!(!bad_status.success && !bad_status.failed_due_to_regex);
    }

    #[test]
    fn substrings_are_bytes_not_patterns() {
        assert!(contains(b"a.b", b"."));
        assert!(!contains(b"ab", b"."));
        assert!(contains(b"\xff\xfeok", b"ok"));
        assert!(!contains(b"o", b"ok"));
    }

    #[test]
    fn no_response() {
        let s = settings(serde_json::json!({}));
        for error in [
            HttpError::Transport("connection refused".into()),
            HttpError::Denied("10.0.0.1:80".into()),
            HttpError::BodyTooLarge(1024),
        ] {
            let p = evaluate(&s, true, &Err(error.clone()), 5);
            assert!(!p.success);
            assert_eq!(p.failure.as_deref(), Some(error.to_string().as_str()));
            assert_eq!((p.status, p.content_length, p.body_length), (0, 0.0, 0));
            assert!(!p.ssl && !p.failed_due_to_regex);
            assert_eq!(p.duration_seconds, 0.005);
        }
    }

    #[test]
    fn content_length_and_ssl() {
        let s = settings(serde_json::json!({}));
        let chunked = evaluate(&s, true, &response(200, &[], "streamed"), 1);
        assert_eq!(chunked.content_length, -1.0);
        assert_eq!(chunked.body_length, 8);
        assert!(chunked.ssl);
    }

    #[test]
    fn families_use_blackbox_names() {
        let s = settings(serde_json::json!({}));
        let p = evaluate(
            &s,
            false,
            &response(503, &[("content-length", "0")], ""),
            20,
        );
        let got: Vec<(String, f64)> = p
            .families()
            .into_iter()
            .map(|f| {
                assert_eq!(f.metrics.len(), 1);
                assert!(f.metrics[0].labels.is_empty());
                match f.metrics[0].value {
                    MetricValue::Number(v) => (f.name, v),
                    ref other => panic!("{other:?}"),
                }
            })
            .collect();
        let want = [
            ("probe_success", 0.0),
            ("probe_duration_seconds", 0.02),
            ("probe_http_status_code", 503.0),
            ("probe_http_content_length", 0.0),
            ("probe_http_uncompressed_body_length", 0.0),
            ("probe_http_redirects", 0.0),
            ("probe_http_ssl", 0.0),
            ("probe_failed_due_to_regex", 0.0),
        ];
        let want: Vec<(String, f64)> = want.iter().map(|(n, v)| (n.to_string(), *v)).collect();
        assert_eq!(got, want);
    }
}
