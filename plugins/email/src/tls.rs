//! TLS for STARTTLS and implicit TLS (port 465): rustls with the
//! RustCrypto provider, all pure Rust, so it builds for `wasm32-wasip2`
//! without a C toolchain. Trust comes from `tls_config.ca` (PEM, what the
//! host reads from `ca_file`) when set, else from Mozilla's roots
//! (`webpki-roots`), which stand in for the system roots Go would use.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::Deserialize;
use std::sync::Arc;

/// Alertmanager's `tls_config` (Prometheus' common TLS settings), after the
/// host replaced each `*_file` by its content. No `Debug`: it may hold a
/// private key.
#[derive(Default, Clone, Deserialize)]
#[serde(default)]
pub struct TlsSettings {
    /// PEM certificates to trust instead of the built-in roots.
    pub ca: Option<String>,
    /// A CA file path (only when the host did not read it: manifest configs).
    pub ca_file: Option<String>,
    /// PEM client certificate (chain).
    pub cert: Option<String>,
    /// Client certificate path (manifest configs).
    pub cert_file: Option<String>,
    /// PEM private key of `cert`.
    pub key: Option<String>,
    /// Private key path (manifest configs).
    pub key_file: Option<String>,
    /// The name to verify instead of the smarthost's host.
    pub server_name: Option<String>,
    /// Skip certificate verification (signatures are still checked).
    pub insecure_skip_verify: bool,
    /// `TLS10` … `TLS13`.
    pub min_version: Option<String>,
    /// `TLS10` … `TLS13`.
    pub max_version: Option<String>,
}

/// A config error: permanent.
pub type ConfigError = String;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls_rustcrypto::provider())
}

/// `inline` or, failing that, the content of `file` (readable only where
/// the plugin was granted it, or natively).
fn inline_or_file(
    inline: &Option<String>,
    file: &Option<String>,
    what: &str,
) -> Result<Option<String>, ConfigError> {
    if let Some(text) = inline.as_ref().filter(|t| !t.trim().is_empty()) {
        return Ok(Some(text.clone()));
    }
    match file.as_ref().filter(|f| !f.is_empty()) {
        None => Ok(None),
        Some(path) => std::fs::read_to_string(path).map(Some).map_err(|e| {
            format!("tls_config.{what}_file {path}: {e} (give the PEM inline as tls_config.{what})")
        }),
    }
}

fn version(name: &str) -> Result<u8, ConfigError> {
    match name {
        "TLS10" => Ok(0),
        "TLS11" => Ok(1),
        "TLS12" => Ok(2),
        "TLS13" => Ok(3),
        other => Err(format!("tls_config: unknown TLS version {other:?}")),
    }
}

impl TlsSettings {
    /// The client config these settings ask for.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, ConfigError> {
        let provider = provider();
        // rustls speaks TLS 1.2 and 1.3 only; Go's client default minimum
        // is TLS 1.2 as well.
        let min = self
            .min_version
            .as_deref()
            .map(version)
            .transpose()?
            .unwrap_or(2);
        let max = self
            .max_version
            .as_deref()
            .map(version)
            .transpose()?
            .unwrap_or(3);
        if max < 2 {
            return Err(
                "tls_config.max_version below TLS12 is not supported (TLS 1.2 and 1.3 only)".into(),
            );
        }
        if min > max {
            return Err("tls_config: min_version is above max_version".into());
        }
        let mut versions = Vec::new();
        if max >= 3 {
            versions.push(&rustls::version::TLS13);
        }
        if min <= 2 {
            versions.push(&rustls::version::TLS12);
        }
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_protocol_versions(&versions)
            .map_err(|e| format!("tls_config: {e}"))?;
        let builder = if self.insecure_skip_verify {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(SkipVerify(
                    provider.signature_verification_algorithms,
                )))
        } else {
            builder.with_root_certificates(self.roots()?)
        };
        let cert = inline_or_file(&self.cert, &self.cert_file, "cert")?;
        let key = inline_or_file(&self.key, &self.key_file, "key")?;
        let config = match (cert, key) {
            (None, None) => builder.with_no_client_auth(),
            (Some(cert), Some(key)) => {
                let chain = CertificateDer::pem_slice_iter(cert.as_bytes())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("tls_config.cert: {e}"))?;
                if chain.is_empty() {
                    return Err("tls_config.cert holds no PEM certificate".into());
                }
                let key = PrivateKeyDer::from_pem_slice(key.as_bytes())
                    .map_err(|e| format!("tls_config.key: {e}"))?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| format!("tls_config: client certificate: {e}"))?
            }
            _ => return Err("tls_config: cert and key must be given together".into()),
        };
        Ok(Arc::new(config))
    }

    fn roots(&self) -> Result<RootCertStore, ConfigError> {
        let mut roots = RootCertStore::empty();
        match inline_or_file(&self.ca, &self.ca_file, "ca")? {
            Some(pem) => {
                for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                    let cert = cert.map_err(|e| format!("tls_config.ca: {e}"))?;
                    roots.add(cert).map_err(|e| format!("tls_config.ca: {e}"))?;
                }
                if roots.is_empty() {
                    return Err("tls_config.ca holds no PEM certificate".into());
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        Ok(roots)
    }

    /// The name the server's certificate must be valid for: `server_name`
    /// or the smarthost's host (a DNS name or an IP address).
    pub fn server_name(&self, host: &str) -> Result<ServerName<'static>, ConfigError> {
        let name = self
            .server_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(host);
        ServerName::try_from(name.to_string())
            .map_err(|e| format!("invalid TLS server name {name:?}: {e}"))
    }
}

/// `insecure_skip_verify: true`: any certificate for any name, as Go's
/// `InsecureSkipVerify`; the handshake signatures are still verified.
#[derive(Debug)]
struct SkipVerify(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for SkipVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}
