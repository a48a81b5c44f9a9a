//! Validation of `[[forward]]` entries: names, URL scheme, selectors,
//! credentials (interpolated from `${VAR}`, never echoed in errors).

use super::interpolate::interpolate;
use super::raw::RawForward;
use super::validate::Checker;
use crate::forward::ForwardSpec;
use std::collections::HashSet;
use std::time::Duration;

/// Standard base64 (for basic auth).
fn base64(input: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(super) fn forwards(
    c: &mut Checker<'_>,
    raw: &[RawForward],
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<ForwardSpec> {
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for f in raw {
        let before = c.error_count();
        let name = f.name.get_ref().clone();
        if name.is_empty()
            || !name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            c.error(
                &f.name,
                format!("forward name {name:?} may only use letters, digits, '-' and '_'"),
            );
        }
        if !names.insert(name.clone()) {
            c.error(&f.name, format!("duplicate forward name {name:?}"));
        }
        let url = match interpolate(f.url.get_ref(), env) {
            Ok(u) if u.starts_with("http://") || u.starts_with("https://") => u,
            Ok(_) => {
                c.error(&f.url, "forward url must start with http:// or https://");
                String::new()
            }
            Err(e) => {
                c.error(&f.url, format!("forward url: {e}"));
                String::new()
            }
        };
        for s in &f.selectors {
            if let Err(e) = crate::api::selector_matchers(s.get_ref()) {
                c.error(s, format!("match: {e}"));
            }
        }
        let mut headers = Vec::new();
        if let Some(h) = &f.headers {
            for (k, v) in h.get_ref() {
                match interpolate(v, env) {
                    Ok(v) => headers.push((k.clone(), v)),
                    Err(e) => c.error(h, format!("header {k}: {e}")),
                }
            }
        }
        if let Some(t) = &f.bearer_token {
            match interpolate(t.get_ref(), env) {
                Ok(t) => headers.push(("Authorization".into(), format!("Bearer {t}"))),
                Err(e) => c.error(t, format!("bearer_token: {e}")),
            }
        }
        if let Some(b) = &f.basic_auth {
            match interpolate(&b.get_ref().password, env) {
                Ok(p) => headers.push((
                    "Authorization".into(),
                    format!(
                        "Basic {}",
                        base64(format!("{}:{p}", b.get_ref().username).as_bytes())
                    ),
                )),
                Err(e) => c.error(b, format!("basic_auth: {e}")),
            }
        }
        let batch_size = f.batch_size.as_ref().map_or(2000, |b| *b.get_ref()) as usize;
        if batch_size == 0
            && let Some(b) = &f.batch_size
        {
            c.error(b, "batch_size must be greater than zero");
        }
        let spec = ForwardSpec {
            name,
            url,
            selectors: f.selectors.iter().map(|s| s.get_ref().clone()).collect(),
            headers,
            batch_size,
            flush_interval: c
                .duration(&f.flush_interval, "flush_interval")
                .unwrap_or(Duration::from_secs(1)),
            timeout: c
                .duration(&f.timeout, "timeout")
                .unwrap_or(Duration::from_secs(30)),
            max_queue_bytes: c
                .bytes(&f.max_queue_size, "max_queue_size")
                .unwrap_or(1 << 30),
        };
        if c.error_count() == before {
            out.push(spec);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(super::base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(super::base64(b"a"), "YQ==");
        assert_eq!(super::base64(b"ab"), "YWI=");
        assert_eq!(super::base64(b""), "");
    }
}
