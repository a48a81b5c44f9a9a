//! Native HTTP client for unit tests of plugins (plain HTTP only).
#![cfg(not(target_family = "wasm"))]

use crate::http::{HttpError, Request, Response, split_url};

pub(crate) fn send(req: Request) -> Result<Response, HttpError> {
    split_url(&req.url)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(req.timeout))
        .build()
        .into();
    let mut builder = ureq::http::Request::builder()
        .method(req.method.as_str())
        .uri(req.url.as_str());
    for (n, v) in &req.headers {
        builder = builder.header(n.as_str(), v.as_str());
    }
    let request = builder
        .body(req.body.clone())
        .map_err(|e| HttpError::InvalidUrl(e.to_string()))?;
    let mut response = agent
        .run(request)
        .map_err(|e| HttpError::Transport(e.to_string()))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = response
        .body_mut()
        .with_config()
        .limit(req.max_body as u64)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => HttpError::BodyTooLarge(req.max_body),
            other => HttpError::Transport(other.to_string()),
        })?;
    Ok(Response {
        status,
        headers,
        body,
    })
}
