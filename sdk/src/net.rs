//! Outbound TCP for plugins (databases, Redis, SMTP, IMAP...). It is plain
//! `std::net` underneath — inside Wasm it goes through `wasi:sockets`, where
//! the host allows only the `host:port` pairs granted in the manifest's
//! `network` capability — with the host's refusal reported as
//! [`NetError::Denied`] instead of a bare I/O error.
//!
//! ```no_run
//! use std::io::Write;
//! let mut redis = watchpost_sdk::net::connect("127.0.0.1:6379", std::time::Duration::from_secs(2))?;
//! redis.write_all(b"PING\r\n")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Why a connection could not be made.
#[derive(Debug)]
pub enum NetError {
    /// The host refused: `addr` is not in the plugin's `network` capability.
    Denied(String),
    /// The address did not resolve.
    Resolve(String, io::Error),
    /// Refused, unreachable or timed out.
    Connect(String, io::Error),
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetError::Denied(a) => write!(
                f,
                "connection to {a} denied by the host: it is not granted in the plugin's network capability"
            ),
            NetError::Resolve(a, e) => write!(f, "cannot resolve {a}: {e}"),
            NetError::Connect(a, e) => write!(f, "cannot connect to {a}: {e}"),
        }
    }
}

impl std::error::Error for NetError {}

fn denied(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::PermissionDenied
}

/// Connects to `addr` (`host:port`), trying each resolved address in turn,
/// with a connect `timeout` and the same read/write timeouts on the stream.
pub fn connect(addr: &str, timeout: Duration) -> Result<TcpStream, NetError> {
    let addrs: Vec<SocketAddr> = match addr.to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) if denied(&e) => return Err(NetError::Denied(addr.to_string())),
        Err(e) => return Err(NetError::Resolve(addr.to_string(), e)),
    };
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no addresses");
    for candidate in addrs {
        match TcpStream::connect_timeout(&candidate, timeout) {
            Ok(stream) => {
                let _ = stream.set_read_timeout(Some(timeout));
                let _ = stream.set_write_timeout(Some(timeout));
                return Ok(stream);
            }
            Err(e) if denied(&e) => return Err(NetError::Denied(addr.to_string())),
            Err(e) => last = e,
        }
    }
    Err(NetError::Connect(addr.to_string(), last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn connects_and_reports_refusals() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.write_all(b"+PONG\r\n").unwrap();
        });
        let mut stream = connect(&addr, Duration::from_secs(2)).unwrap();
        let mut buf = [0u8; 7];
        stream.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"+PONG\r\n");
        server.join().unwrap();
        // Nothing listens on the listener's port any more.
        assert!(matches!(
            connect(&addr, Duration::from_secs(2)),
            Err(NetError::Connect(..))
        ));
        assert!(matches!(
            connect("no-port", Duration::from_secs(1)),
            Err(NetError::Resolve(..))
        ));
    }
}
