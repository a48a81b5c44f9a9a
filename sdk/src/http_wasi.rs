//! `wasi:http` client: a thin layer over the raw bindings so the host's own
//! errors (notably `HttpRequestDenied`) reach the plugin author unchanged.
#![cfg(target_family = "wasm")]

use crate::http::{HttpError, Request, Response, split_url};
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, Fields, IncomingBody, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use wasip2::io::streams::StreamError;

fn method(m: &str) -> Method {
    match m.to_ascii_uppercase().as_str() {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "CONNECT" => Method::Connect,
        "OPTIONS" => Method::Options,
        "TRACE" => Method::Trace,
        "PATCH" => Method::Patch,
        other => Method::Other(other.to_string()),
    }
}

fn error(code: ErrorCode, authority: &str) -> HttpError {
    match code {
        ErrorCode::HttpRequestDenied => HttpError::Denied(authority.to_string()),
        other => HttpError::Transport(format!("{other:?}")),
    }
}

pub(crate) fn send(req: Request) -> Result<Response, HttpError> {
    let parts = split_url(&req.url)?;
    let authority = parts.authority.to_string();
    let headers: Vec<(String, Vec<u8>)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.as_bytes().to_vec()))
        .collect();
    let fields = Fields::from_list(&headers)
        .map_err(|e| HttpError::Transport(format!("invalid header: {e:?}")))?;
    let outgoing = OutgoingRequest::new(fields);
    let bad = |what: &str| HttpError::InvalidUrl(format!("{what} in {}", req.url));
    outgoing
        .set_method(&method(&req.method))
        .map_err(|_| bad("method"))?;
    outgoing
        .set_scheme(Some(&if parts.scheme == "https" {
            Scheme::Https
        } else {
            Scheme::Http
        }))
        .map_err(|_| bad("scheme"))?;
    outgoing
        .set_authority(Some(parts.authority))
        .map_err(|_| bad("authority"))?;
    outgoing
        .set_path_with_query(Some(&parts.path_and_query))
        .map_err(|_| bad("path"))?;

    // Write and finish the body before handing the request over: the host
    // then sees a complete request and reports its own errors directly.
    let body = outgoing
        .body()
        .map_err(|_| HttpError::Transport("request body already taken".into()))?;
    {
        let stream = body
            .write()
            .map_err(|_| HttpError::Transport("request body stream unavailable".into()))?;
        for chunk in req.body.chunks(4096) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| HttpError::Transport(format!("writing request body: {e:?}")))?;
        }
    }
    OutgoingBody::finish(body, None).map_err(|e| error(e, &authority))?;

    let options = RequestOptions::new();
    let nanos = req.timeout.as_nanos().min(u64::MAX as u128) as u64;
    let _ = options.set_connect_timeout(Some(nanos));
    let _ = options.set_first_byte_timeout(Some(nanos));
    let _ = options.set_between_bytes_timeout(Some(nanos));

    let future =
        outgoing_handler::handle(outgoing, Some(options)).map_err(|e| error(e, &authority))?;
    future.subscribe().block();
    let response = match future.get() {
        Some(Ok(Ok(r))) => r,
        Some(Ok(Err(e))) => return Err(error(e, &authority)),
        Some(Err(())) => return Err(HttpError::Transport("response already taken".into())),
        None => return Err(HttpError::Transport("response not ready".into())),
    };
    let status = response.status();
    let headers = response
        .headers()
        .entries()
        .into_iter()
        .map(|(n, v)| {
            (
                n.to_ascii_lowercase(),
                String::from_utf8_lossy(&v).into_owned(),
            )
        })
        .collect();
    let incoming = response
        .consume()
        .map_err(|_| HttpError::Transport("response body already taken".into()))?;
    let mut body = Vec::new();
    {
        let stream = incoming
            .stream()
            .map_err(|_| HttpError::Transport("response body stream unavailable".into()))?;
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => {
                    if body.len() + chunk.len() > req.max_body {
                        return Err(HttpError::BodyTooLarge(req.max_body));
                    }
                    body.extend_from_slice(&chunk);
                }
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => {
                    return Err(HttpError::Transport(e.to_debug_string()));
                }
            }
        }
    }
    let _ = IncomingBody::finish(incoming);
    Ok(Response {
        status,
        headers,
        body,
    })
}
