//! The syslog listener source (`type = "syslog"`): RFC 3164 and RFC 5424
//! messages over UDP (one message per datagram) and TCP (RFC 6587:
//! octet-counted `<len> <msg>` or newline-delimited, detected per message),
//! from rsyslog/syslog-ng forwarding, `logger -n` or any appliance.
//!
//! Messages go through a bounded queue to the batcher, which parses and
//! stores them like file lines. TCP readers wait when the queue is full
//! (the sender slows down); a full queue drops UDP datagrams, counted in
//! `watchpost_source_dropped_total` — UDP has no way to push back.

use super::file::TailRecord;
use super::runner::{ParserDirectory, store_batch};
use super::{SourceMetrics, SourceSpec};
use crate::storage::logs::LogStore;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Messages waiting for the batcher.
const QUEUE: usize = 10_000;
/// A partial batch waits at most this long.
const FLUSH: Duration = Duration::from_millis(200);

/// `type = "syslog"`.
#[derive(Debug, Clone, PartialEq)]
pub struct SyslogSpec {
    /// UDP listen address.
    pub udp: Option<SocketAddr>,
    /// TCP listen address.
    pub tcp: Option<SocketAddr>,
}

/// Binds the listeners (so a taken port fails the start) and spawns the
/// tasks; they end with `cancel`.
pub(super) async fn start(
    spec: SourceSpec,
    syslog: SyslogSpec,
    logs: LogStore,
    parsers: Arc<ParserDirectory>,
    metrics: Arc<SourceMetrics>,
    cancel: CancellationToken,
) -> Result<(), String> {
    let (tx, rx) = mpsc::channel::<TailRecord>(QUEUE);
    let max = spec.max_line_bytes;
    let (mut udp_at, mut tcp_at) = (None, None);
    if let Some(addr) = syslog.udp {
        let socket = retry_bind(|| UdpSocket::bind(addr))
            .await
            .map_err(|e| format!("syslog udp {addr}: {e}"))?;
        udp_at = socket.local_addr().ok();
        tokio::spawn(udp(
            socket,
            tx.clone(),
            max,
            spec.name.clone(),
            Arc::clone(&metrics),
            cancel.clone(),
        ));
    }
    if let Some(addr) = syslog.tcp {
        let listener = retry_bind(|| TcpListener::bind(addr))
            .await
            .map_err(|e| format!("syslog tcp {addr}: {e}"))?;
        tcp_at = listener.local_addr().ok();
        tokio::spawn(tcp(listener, tx.clone(), max, cancel.clone()));
    }
    drop(tx);
    tracing::info!(
        source = %spec.name,
        udp = ?udp_at,
        tcp = ?tcp_at,
        "syslog source listening"
    );
    tokio::spawn(batcher(spec, rx, logs, parsers, metrics, cancel));
    Ok(())
}

/// Binds, retrying for a while: on reload the listener being replaced
/// lets go of the address only when its task sees the cancellation.
async fn retry_bind<T, F, Fut>(bind: F) -> std::io::Result<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = std::io::Result<T>>,
{
    let mut tries = 0;
    loop {
        match bind().await {
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && tries < 30 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

fn record(origin: &Arc<str>, bytes: &[u8], max: usize) -> TailRecord {
    let mut text = String::from_utf8_lossy(&bytes[..bytes.len().min(max)]).into_owned();
    while text.ends_with(['\n', '\r', '\0']) {
        text.pop();
    }
    TailRecord {
        path: origin.clone(),
        line: text,
        truncated: bytes.len() > max,
        lines: 1,
        stream: None,
        time_ns: None,
        container_id: None,
        container_name: None,
    }
}

async fn udp(
    socket: UdpSocket,
    tx: mpsc::Sender<TailRecord>,
    max: usize,
    source: String,
    metrics: Arc<SourceMetrics>,
    cancel: CancellationToken,
) {
    let origin: Arc<str> = format!(
        "udp://{}",
        socket
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default()
    )
    .into();
    let mut buf = vec![0u8; 65_536];
    loop {
        let n = tokio::select! {
            _ = cancel.cancelled() => return,
            r = socket.recv_from(&mut buf) => match r {
                Ok((n, _)) => n,
                Err(e) => {
                    tracing::warn!(source = %source, error = %e, "syslog udp receive failed");
                    continue;
                }
            },
        };
        if n == 0 {
            continue;
        }
        if tx.try_send(record(&origin, &buf[..n], max)).is_err() {
            metrics.update(&source, |c| c.dropped += 1);
        }
    }
}

async fn tcp(
    listener: TcpListener,
    tx: mpsc::Sender<TailRecord>,
    max: usize,
    cancel: CancellationToken,
) {
    let origin: Arc<str> = format!(
        "tcp://{}",
        listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default()
    )
    .into();
    loop {
        let stream = tokio::select! {
            _ = cancel.cancelled() => return,
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "syslog tcp accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        tokio::spawn(connection(
            stream,
            tx.clone(),
            max,
            origin.clone(),
            cancel.clone(),
        ));
    }
}

/// Reads one connection's messages: octet-counted when a message starts
/// with a digit, else up to the next newline.
async fn connection(
    stream: TcpStream,
    tx: mpsc::Sender<TailRecord>,
    max: usize,
    origin: Arc<str>,
    cancel: CancellationToken,
) {
    let mut reader = BufReader::new(stream);
    loop {
        let message = tokio::select! {
            _ = cancel.cancelled() => return,
            m = read_message(&mut reader, max) => m,
        };
        match message {
            Ok(Some(bytes)) if bytes.is_empty() => continue,
            Ok(Some(bytes)) => {
                if tx.send(record(&origin, &bytes, max)).await.is_err() {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) => {
                tracing::debug!(error = %e, "syslog tcp connection closed");
                return;
            }
        }
    }
}

/// The next message, `None` at the end of the stream. Frames longer than
/// `max` are cut (the rest is skipped).
async fn read_message<R: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut R,
    max: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    let first = match reader.fill_buf().await? {
        [] => return Ok(None),
        b => b[0],
    };
    if first.is_ascii_digit() {
        // RFC 6587 octet counting: "<len> <msg>".
        let mut len_text = Vec::new();
        loop {
            let mut b = [0u8; 1];
            reader.read_exact(&mut b).await?;
            if b[0] == b' ' {
                break;
            }
            if !b[0].is_ascii_digit() || len_text.len() > 9 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "bad octet count",
                ));
            }
            len_text.push(b[0]);
        }
        let len: usize = std::str::from_utf8(&len_text)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let keep = len.min(max);
        let mut out = vec![0u8; keep];
        reader.read_exact(&mut out).await?;
        let mut skip = (len - keep) as u64;
        while skip > 0 {
            let n = tokio::io::copy(&mut (&mut *reader).take(skip), &mut tokio::io::sink()).await?;
            if n == 0 {
                break;
            }
            skip -= n;
        }
        return Ok(Some(out));
    }
    let mut out = Vec::new();
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(Some(out));
        }
        let room = max.saturating_sub(out.len());
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                out.extend_from_slice(&buf[..i.min(room)]);
                reader.consume(i + 1);
                return Ok(Some(out));
            }
            None => {
                let n = buf.len();
                out.extend_from_slice(&buf[..n.min(room)]);
                reader.consume(n);
            }
        }
    }
}

async fn batcher(
    spec: SourceSpec,
    mut rx: mpsc::Receiver<TailRecord>,
    logs: LogStore,
    parsers: Arc<ParserDirectory>,
    metrics: Arc<SourceMetrics>,
    cancel: CancellationToken,
) {
    let index: Arc<str> = spec.index.as_str().into();
    loop {
        let mut batch = Vec::new();
        let first = tokio::select! {
            _ = cancel.cancelled() => return,
            m = rx.recv() => m,
        };
        let Some(first) = first else { return };
        batch.push(first);
        let deadline = tokio::time::Instant::now() + FLUSH;
        while batch.len() < spec.batch_lines {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(m)) => batch.push(m),
                Ok(None) | Err(_) => break,
            }
        }
        if !store_batch(
            &spec, &index, &batch, None, &logs, &parsers, &metrics, &cancel,
        )
        .await
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn messages(input: &[u8], max: usize) -> Vec<Vec<u8>> {
        let mut reader = BufReader::new(input);
        let mut out = Vec::new();
        while let Some(m) = read_message(&mut reader, max).await.unwrap() {
            out.push(m);
        }
        out
    }

    #[tokio::test]
    async fn tcp_framing_is_octet_counted_or_newline_delimited() {
        let input = b"11 <13>hello\nx<13>plain line\n<13>last without newline";
        assert_eq!(
            messages(input, 1000).await,
            vec![
                b"<13>hello\nx".to_vec(),
                b"<13>plain line".to_vec(),
                b"<13>last without newline".to_vec()
            ]
        );
        // Over the limit: cut, and the next frame is still found.
        assert_eq!(
            messages(b"10 0123456789<1>next\n", 4).await,
            vec![b"0123".to_vec(), b"<1>n".to_vec()]
        );
        let mut bad = BufReader::new(&b"12x34 oops"[..]);
        assert!(read_message(&mut bad, 100).await.is_err());
    }
}
