//! A PostgreSQL connection's settings: `postgres://host:port/dbname` with an optional `?schema=NAME` (default
//! `public`) and `sslmode=require|disable` (default `require`), the username of the connection and its password from
//! the keychain (or the environment), like the other connections. The URL carries no credentials. TLS is rustls with
//! the OS trust store plus the connection's CA file; an invalid certificate is never accepted.

use super::{describe, types, PgError};
use crate::secrets::Secret;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_SCHEMA: &str = "public";
const DEFAULT_PORT: u16 = 5432;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct PgSettings {
    /// The connection's name, for messages.
    pub connection: String,
    pub host: String,
    pub port: u16,
    pub dbname: String,
    pub schema: String,
    pub user: String,
    pub password: Option<Secret>,
    /// TLS (`sslmode=require`, the default), verified against the OS trust store and `ca_file`.
    pub tls: bool,
    pub ca_file: Option<PathBuf>,
}

/// What a connection's URL says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgUrl {
    pub host: String,
    pub port: u16,
    pub dbname: String,
    pub schema: String,
    pub tls: bool,
}

/// Where a URL points, or why it is not a PostgreSQL address SyncFlow can use.
pub fn parse_url(url: &str) -> Result<PgUrl, String> {
    let bad = |why: &str| {
        Err(format!(
            "URL '{url}' {why} (expected postgres://host:port/dbname, optionally ?schema=NAME&sslmode=require|disable)"
        ))
    };
    let Ok(u) = reqwest::Url::parse(url) else {
        return bad("is not a URL");
    };
    if !matches!(u.scheme(), "postgres" | "postgresql") {
        return bad("is not a postgres:// address");
    }
    if !u.username().is_empty() || u.password().is_some() {
        // Not echoed: it may hold a password.
        return Err("the URL must not hold credentials: the username is a field of the connection and the password lives in the keychain".into());
    }
    let Some(host) = u.host_str().filter(|h| !h.is_empty()) else {
        return bad("names no host");
    };
    let dbname = u.path().trim_start_matches('/');
    if dbname.is_empty() || dbname.contains('/') {
        return bad("names no database");
    }
    let mut schema = DEFAULT_SCHEMA.to_owned();
    let mut tls = true;
    for (k, v) in u.query_pairs() {
        match (&*k, &*v) {
            ("schema", v) if types::is_table_name(v) => schema = v.to_owned(),
            ("schema", v) => {
                return bad(&format!(
                    "has schema '{v}', which is not a plain identifier"
                ))
            }
            ("sslmode", "require") => tls = true,
            ("sslmode", "disable") => tls = false,
            ("sslmode", v) => {
                return bad(&format!(
                    "has sslmode '{v}' (use require, the default, or disable for plain TCP)"
                ))
            }
            (other, _) => return bad(&format!("has an unknown parameter '{other}'")),
        }
    }
    Ok(PgUrl {
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        port: u.port().unwrap_or(DEFAULT_PORT),
        dbname: dbname.to_owned(),
        schema,
        tls,
    })
}

/// rustls over ring (as reqwest's) trusting the OS store and the connection's CA file.
fn tls_config(ca_file: Option<&std::path::Path>) -> Result<rustls::ClientConfig, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        // A certificate of the OS store that rustls cannot use is left out, as reqwest does.
        let _ = roots.add(cert);
    }
    if let Some(path) = ca_file {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect())
            .map_err(|e| format!("CA file {}: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!("CA file {} holds no certificate", path.display()));
        }
        for c in certs {
            roots
                .add(c)
                .map_err(|e| format!("CA file {}: {e}", path.display()))?;
        }
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
}

impl PgSettings {
    pub fn new(
        connection: &str,
        url: &str,
        user: Option<&str>,
        password: Option<Secret>,
        ca_file: Option<PathBuf>,
    ) -> Result<PgSettings, PgError> {
        let PgUrl {
            host,
            port,
            dbname,
            schema,
            tls,
        } = parse_url(url)
            .map_err(|e| PgError::Config(format!("connection '{connection}': {e}")))?;
        let user = user.filter(|u| !u.trim().is_empty()).ok_or_else(|| {
            PgError::Config(format!(
                "connection '{connection}': username: a PostgreSQL connection needs a username"
            ))
        })?;
        Ok(PgSettings {
            connection: connection.to_owned(),
            host,
            port,
            dbname,
            schema,
            user: user.to_owned(),
            password,
            tls,
            ca_file,
        })
    }

    /// Opens one connection; its driver task runs until the client is dropped. The session works in UTC, so
    /// naive date-times are stored as they came and ones with an offset are converted to UTC.
    pub async fn connect(&self) -> Result<tokio_postgres::Client, PgError> {
        let mut cfg = tokio_postgres::Config::new();
        cfg.host(&self.host)
            .port(self.port)
            .dbname(&self.dbname)
            .user(&self.user)
            .application_name("syncflow")
            .connect_timeout(CONNECT_TIMEOUT)
            .options("-c TimeZone=UTC -c DateStyle=ISO");
        if let Some(p) = &self.password {
            cfg.password(p.expose());
        }
        let refused = |e: tokio_postgres::Error| PgError::Connect {
            connection: self.connection.clone(),
            auth: e.code().is_some_and(|c| c.code().starts_with("28")),
            message: format!(
                "cannot connect to {}:{}/{}: {}",
                self.host,
                self.port,
                self.dbname,
                describe(&e)
            ),
        };
        if !self.tls {
            cfg.ssl_mode(tokio_postgres::config::SslMode::Disable);
            let (client, conn) = cfg.connect(tokio_postgres::NoTls).await.map_err(refused)?;
            tokio::spawn(async move {
                if let Err(e) = conn.await {
                    tracing::warn!(error = %e, "PostgreSQL connection closed");
                }
            });
            return Ok(client);
        }
        cfg.ssl_mode(tokio_postgres::config::SslMode::Require);
        let tls = tls_config(self.ca_file.as_deref())
            .map_err(|e| PgError::Config(format!("connection '{}': TLS: {e}", self.connection)))?;
        let (client, conn) = cfg
            .connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
            .await
            .map_err(refused)?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::warn!(error = %e, "PostgreSQL connection closed");
            }
        });
        Ok(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_host_port_database_and_schema() {
        assert_eq!(
            parse_url("postgres://db.local:6543/erp?schema=staging").unwrap(),
            PgUrl {
                host: "db.local".into(),
                port: 6543,
                dbname: "erp".into(),
                schema: "staging".into(),
                tls: true
            },
            "TLS unless the URL says sslmode=disable"
        );
        assert_eq!(
            parse_url("postgresql://127.0.0.1/plan?sslmode=disable").unwrap(),
            PgUrl {
                host: "127.0.0.1".into(),
                port: 5432,
                dbname: "plan".into(),
                schema: "public".into(),
                tls: false
            }
        );
    }

    #[test]
    fn bad_urls_are_refused_naming_the_url_and_the_reason() {
        for (url, why) in [
            ("http://h/db", "not a postgres://"),
            ("postgres://h", "no database"),
            ("postgres://u:secret@h/db", "must not hold credentials"),
            ("postgres://h/db?schema=a;b", "schema 'a;b'"),
            ("postgres://h/db?sslmode=prefer", "sslmode 'prefer'"),
            ("postgres://h/db?port=1", "unknown parameter 'port'"),
        ] {
            let e = parse_url(url).unwrap_err();
            assert!(e.contains(why), "{url}: {e}");
            assert_eq!(
                e.contains(url),
                !url.contains("secret"),
                "the URL is named unless it holds a password: {e}"
            );
        }
    }
}
