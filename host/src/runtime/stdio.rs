//! Captures a plugin's stdout/stderr (bounded) so the host can log it with the
//! plugin's name and recognise Rust panic messages after a trap.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// Bytes kept per stream between drains; output past this is dropped.
const CAPACITY: usize = 64 * 1024;

/// A shared, bounded capture buffer.
#[derive(Clone, Default)]
pub struct CapturedOutput {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    buffer: Mutex<Vec<u8>>,
    /// Set on every write, cleared by a drain: the host checks for output
    /// after every plugin call, and a flag costs less than taking the lock.
    written: AtomicBool,
}

impl CapturedOutput {
    /// Nothing written since the last [`drain`](Self::drain).
    pub fn is_empty(&self) -> bool {
        !self.shared.written.load(Ordering::Acquire)
    }

    /// Takes everything written so far.
    pub fn drain(&self) -> String {
        let mut buf = self.shared.buffer.lock().unwrap_or_else(|p| p.into_inner());
        self.shared.written.store(false, Ordering::Release);
        let text = String::from_utf8_lossy(&buf).into_owned();
        buf.clear();
        text
    }
}

impl IsTerminal for CapturedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CapturedOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for CapturedOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let mut buf = self.shared.buffer.lock().unwrap_or_else(|p| p.into_inner());
        let room = CAPACITY.saturating_sub(buf.len());
        buf.extend_from_slice(&data[..data.len().min(room)]);
        self.shared.written.store(true, Ordering::Release);
        // Report everything as written: a chatty plugin must not block.
        Poll::Ready(Ok(data.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn output_is_seen_until_drained_and_bounded() {
        let captured = CapturedOutput::default();
        assert!(captured.is_empty());
        // The guest writes through its own handle, a clone.
        let mut guest_side = captured.clone();
        guest_side.write_all(b"hello\n").await.unwrap();
        assert!(!captured.is_empty());
        assert_eq!(captured.drain(), "hello\n");
        assert!(captured.is_empty());
        assert_eq!(captured.drain(), "");
        guest_side
            .write_all(&vec![b'x'; CAPACITY + 10])
            .await
            .unwrap();
        assert!(!captured.is_empty());
        assert_eq!(captured.drain().len(), CAPACITY);
        assert!(captured.is_empty());
    }
}
