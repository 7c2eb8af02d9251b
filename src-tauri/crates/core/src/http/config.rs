//! What a connection is configured with, and the reqwest client built from it.

use super::error::HttpError;
use super::retry::RetryPolicy;
use crate::secrets::Secret;
use std::path::PathBuf;
use std::time::Duration;

/// How a client authenticates: username and password (login, refresh) or a static API token.
#[derive(Debug, Clone)]
pub enum Credentials {
    Login { username: String, password: Secret },
    StaticToken(Secret),
}

/// One connection to APISmith or ScheduleHub.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// e.g. `https://erp.example.com:8007` (paths under `/api/v1` are added by the client).
    pub base_url: String,
    pub credentials: Credentials,
    /// A PEM file with extra CA certificates trusted for this connection only, besides the OS trust store.
    pub ca_file: Option<PathBuf>,
    pub connect_timeout: Duration,
    /// Longest silence while waiting for response headers or body bytes.
    pub read_timeout: Duration,
    pub retry: RetryPolicy,
    /// Where retried transient errors are noted (a run's summary); none outside runs.
    pub errors: Option<super::ErrorLog>,
}

impl ConnectionConfig {
    /// Defaults: 10 s to connect, 60 s read timeout, the standard retry policy.
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> Self {
        Self {
            base_url: base_url.into(),
            credentials,
            ca_file: None,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            errors: None,
        }
    }
}

/// The certificates of a PEM CA file; an unreadable file, or one holding no certificate, is an error naming it.
pub fn read_ca_file(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem =
        std::fs::read(path).map_err(|e| format!("cannot read CA file {}: {e}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("CA file {} is not PEM certificates: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("CA file {} holds no certificate", path.display()));
    }
    Ok(certs)
}

/// A reqwest client over rustls with the OS trust store, plus `ca_file` if given. Invalid certificates are never
/// accepted: there is deliberately no switch for that.
pub fn build_client(cfg: &ConnectionConfig) -> Result<reqwest::Client, HttpError> {
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(true)
        .connect_timeout(cfg.connect_timeout)
        .read_timeout(cfg.read_timeout)
        .user_agent(concat!("SyncFlow/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &cfg.ca_file {
        for c in read_ca_file(path).map_err(HttpError::Config)? {
            b = b.add_root_certificate(c);
        }
    }
    b.build()
        .map_err(|e| HttpError::Config(format!("cannot build HTTP client: {e}")))
}
