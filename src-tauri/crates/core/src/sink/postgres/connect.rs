//! A PostgreSQL connection's settings: `postgres://host:port/dbname` with an optional `?schema=NAME` (default
//! `public`), the username of the connection and its password from the keychain (or the environment), like the
//! other connections. The URL carries no credentials.

use super::{describe, types, PgError};
use crate::secrets::Secret;
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
}

/// Where a URL points: `(host, port, dbname, schema)`, or why it is not a PostgreSQL address SyncFlow can use.
pub fn parse_url(url: &str) -> Result<(String, u16, String, String), String> {
    let bad = |why: &str| {
        Err(format!(
            "URL '{url}' {why} (expected postgres://host:port/dbname, optionally ?schema=NAME)"
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
    for (k, v) in u.query_pairs() {
        match &*k {
            "schema" if types::is_table_name(&v) => schema = v.into_owned(),
            "schema" => {
                return bad(&format!(
                    "has schema '{v}', which is not a plain identifier"
                ))
            }
            other => return bad(&format!("has an unknown parameter '{other}'")),
        }
    }
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    Ok((
        host,
        u.port().unwrap_or(DEFAULT_PORT),
        dbname.to_owned(),
        schema,
    ))
}

impl PgSettings {
    pub fn new(
        connection: &str,
        url: &str,
        user: Option<&str>,
        password: Option<Secret>,
    ) -> Result<PgSettings, PgError> {
        let (host, port, dbname, schema) = parse_url(url)
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
        let (client, conn) =
            cfg.connect(tokio_postgres::NoTls)
                .await
                .map_err(|e| PgError::Connect {
                    connection: self.connection.clone(),
                    auth: e.code().is_some_and(|c| c.code().starts_with("28")),
                    message: format!(
                        "cannot connect to {}:{}/{}: {}",
                        self.host,
                        self.port,
                        self.dbname,
                        describe(&e)
                    ),
                })?;
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
            ("db.local".into(), 6543, "erp".into(), "staging".into())
        );
        assert_eq!(
            parse_url("postgresql://127.0.0.1/plan").unwrap(),
            ("127.0.0.1".into(), 5432, "plan".into(), "public".into())
        );
    }

    #[test]
    fn bad_urls_are_refused_naming_the_url_and_the_reason() {
        for (url, why) in [
            ("http://h/db", "not a postgres://"),
            ("postgres://h", "no database"),
            ("postgres://u:secret@h/db", "must not hold credentials"),
            ("postgres://h/db?schema=a;b", "schema 'a;b'"),
            (
                "postgres://h/db?sslmode=require",
                "unknown parameter 'sslmode'",
            ),
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
