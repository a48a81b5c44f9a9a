//! A webhook receiver on 127.0.0.1 that records every request: path and
//! JSON body, in arrival order. It answers each path with a status the
//! test chooses (200 by default), to exercise retries.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// One received request.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request path.
    pub path: String,
    /// Headers, names lowercased.
    pub headers: HashMap<String, String>,
    /// The body, parsed as JSON (`Null` if it is not).
    pub body: serde_json::Value,
}

/// The recorder; it stops with the test process.
#[derive(Clone)]
pub struct WebhookSink {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    received: Arc<Mutex<Vec<Received>>>,
    statuses: Arc<Mutex<HashMap<String, Vec<u16>>>>,
}

impl WebhookSink {
    /// Listens on a free loopback port.
    pub fn start() -> WebhookSink {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let sink = WebhookSink {
            base,
            received: Arc::default(),
            statuses: Arc::default(),
        };
        let s = sink.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let s = s.clone();
                std::thread::spawn(move || s.serve(stream));
            }
        });
        sink
    }

    /// Answers the next requests to `path` with `statuses`, in order.
    pub fn answer(&self, path: &str, statuses: &[u16]) {
        self.statuses
            .lock()
            .unwrap()
            .insert(path.to_string(), statuses.to_vec());
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn serve(&self, mut stream: std::net::TcpStream) {
        let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
        let mut data = Vec::new();
        let mut buf = [0u8; 8192];
        let (head, body) = loop {
            let Ok(n) = stream.read(&mut buf) else { return };
            if n == 0 {
                return;
            }
            data.extend_from_slice(&buf[..n]);
            let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
                continue;
            };
            let head = String::from_utf8_lossy(&data[..end]).to_string();
            if head
                .to_ascii_lowercase()
                .contains("transfer-encoding: chunked")
            {
                match dechunk(&data[end + 4..]) {
                    Some(body) => break (head, body),
                    None => continue,
                }
            }
            let length = head
                .lines()
                .find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    n.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                break (head, data[end + 4..end + 4 + length].to_vec());
            }
        };
        let mut lines = head.lines();
        let path = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("")
            .to_string();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let status = {
            let mut statuses = self.statuses.lock().unwrap();
            match statuses.get_mut(&path) {
                Some(list) if !list.is_empty() => list.remove(0),
                _ => 200,
            }
        };
        self.received.lock().unwrap().push(Received {
            path,
            headers,
            body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        });
        let response =
            format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        let _ = stream.write_all(response.as_bytes());
    }
}

/// The body of a complete chunked message, or `None` while incomplete.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        if data.len() < size + 2 {
            return None;
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}
