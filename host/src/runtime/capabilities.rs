//! Turns a plugin's manifest grants into its sandbox: the WASI context
//! (preopened read-only directories, passed-through environment variables,
//! TCP connect allowlist) and the `wasi:http` hook that refuses destinations
//! that were not granted. Deny by default: no grant, no access.

use crate::manifest::{Capabilities, NetworkGrant};
use crate::runtime::stdio::CapturedOutput;
use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};
use wasmtime_wasi_http::{RequestOptions, WasiHttpHooks};

/// The resolved network grants of one plugin.
#[derive(Debug, Clone, Default)]
pub struct NetworkPolicy {
    grants: Vec<NetworkGrant>,
    addrs: HashSet<SocketAddr>,
    needs_name_lookup: bool,
}

impl NetworkPolicy {
    /// Resolves `grants` (host names via the system resolver) once, when the
    /// plugin is loaded.
    pub fn resolve(grants: &[NetworkGrant]) -> NetworkPolicy {
        let mut addrs = HashSet::new();
        let mut needs_name_lookup = false;
        for grant in grants {
            match grant.host.parse::<IpAddr>() {
                Ok(ip) => {
                    addrs.insert(SocketAddr::new(ip, grant.port));
                }
                Err(_) => {
                    needs_name_lookup = true;
                    match (grant.host.as_str(), grant.port).to_socket_addrs() {
                        Ok(found) => addrs.extend(found),
                        Err(e) => {
                            tracing::warn!(grant = %grant, error = %e, "cannot resolve network grant")
                        }
                    }
                }
            }
        }
        NetworkPolicy {
            grants: grants.to_vec(),
            addrs,
            needs_name_lookup,
        }
    }

    /// Whether a TCP connection to `addr` is allowed.
    pub fn allows_addr(&self, addr: &SocketAddr) -> bool {
        self.addrs.contains(addr)
    }

    /// Whether an HTTP request to `host:port` is allowed.
    pub fn allows_host(&self, host: &str, port: u16) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        if self.grants.iter().any(|g| g.host == host && g.port == port) {
            return true;
        }
        match host.parse::<IpAddr>() {
            Ok(ip) => self.allows_addr(&SocketAddr::new(ip, port)),
            Err(_) => false,
        }
    }
}

/// Builds the WASI context for one instance of a plugin.
pub fn wasi_ctx(
    caps: &Capabilities,
    policy: &Arc<NetworkPolicy>,
    stdout: &CapturedOutput,
    stderr: &CapturedOutput,
) -> anyhow::Result<WasiCtx> {
    let mut builder = WasiCtxBuilder::new();
    builder.stdout(stdout.clone()).stderr(stderr.clone());
    for name in &caps.env {
        if let Ok(value) = std::env::var(name) {
            builder.env(name, value);
        }
    }
    for dir in &caps.read_dirs {
        let guest = dir.to_string_lossy();
        builder
            .preopened_dir(dir, guest.as_ref(), FsPerms::ReadOnly)
            .map_err(|e| anyhow::anyhow!("cannot open read_dirs entry {}: {e}", dir.display()))?;
    }
    let tcp = !policy.grants.is_empty();
    builder.allow_tcp(tcp).allow_udp(false);
    builder.allow_ip_name_lookup(policy.needs_name_lookup);
    let check = Arc::clone(policy);
    builder.socket_addr_check(move |addr, usage| {
        let allowed = match usage {
            // A connect first binds an ephemeral local address.
            SocketAddrUse::TcpBind => tcp && addr.ip().is_unspecified() && addr.port() == 0,
            SocketAddrUse::TcpConnect => check.allows_addr(&addr),
            _ => false,
        };
        Box::pin(async move { allowed })
    });
    Ok(builder.build())
}

/// `wasi:http` hooks enforcing the network grants on outgoing requests, which
/// do not pass through `wasi:sockets`.
pub struct HttpPolicy {
    /// The plugin's grants.
    pub policy: Arc<NetworkPolicy>,
    /// The plugin's name, for the log line of a refusal.
    pub plugin: Arc<str>,
}

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Box<
        dyn Future<
                Output = wasmtime_wasi_http::Result<(
                    http::Response<wasmtime_wasi_http::WasiBody>,
                    Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
                )>,
            > + Send,
    > {
        let uri = request.uri();
        let host = uri.host().unwrap_or_default().to_string();
        let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
            Some("https") => 443,
            _ => 80,
        });
        if !self.policy.allows_host(&host, port) {
            tracing::warn!(plugin = %self.plugin, destination = %format!("{host}:{port}"), "denied outbound http request: destination not in the plugin's network capability");
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        let _ = fut;
        Box::new(async move {
            use http_body_util::BodyExt;
            let (res, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                res.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_only_granted_destinations() {
        let policy = NetworkPolicy::resolve(&[
            NetworkGrant {
                host: "127.0.0.1".into(),
                port: 9100,
            },
            NetworkGrant {
                host: "localhost".into(),
                port: 8080,
            },
        ]);
        assert!(policy.allows_addr(&"127.0.0.1:9100".parse().unwrap()));
        assert!(!policy.allows_addr(&"127.0.0.1:9101".parse().unwrap()));
        assert!(policy.allows_host("127.0.0.1", 9100));
        assert!(policy.allows_host("LOCALHOST", 8080));
        assert!(!policy.allows_host("localhost", 9100));
        assert!(!policy.allows_host("example.com", 443));
        assert!(!NetworkPolicy::resolve(&[]).allows_host("127.0.0.1", 80));
    }
}
