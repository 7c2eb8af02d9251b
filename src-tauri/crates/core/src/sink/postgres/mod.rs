//! The PostgreSQL sink (SPEC §12): an entity's rows land in a table of their own, created from the entity's
//! columns with the `_bridge_*` bookkeeping columns and a unique constraint on the business key; a page is one
//! transaction of `INSERT … ON CONFLICT … DO UPDATE`; deletes set `_bridge_deleted`; new columns are added.

pub mod connect;
mod table;
pub mod types;
mod write;

pub use connect::{PgSettings, DEFAULT_SCHEMA};
pub use table::TableSpec;
pub use write::Written;

use crate::error::{Coded, ErrorCode};
use tokio::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// The server could not be reached or refused the login.
    #[error("PostgreSQL connection '{connection}': {message}")]
    Connect {
        connection: String,
        message: String,
        auth: bool,
    },
    /// A statement failed for a reason that is not one row's value (a lost connection, a missing privilege …).
    #[error("PostgreSQL ({table}): {message}")]
    Sql { table: String, message: String },
    /// The connection's settings or the table do not fit.
    #[error("{0}")]
    Config(String),
}

impl Coded for PgError {
    fn code(&self) -> ErrorCode {
        match self {
            PgError::Connect { auth: true, .. } => ErrorCode::Auth,
            PgError::Connect { .. } => ErrorCode::Network,
            PgError::Sql { .. } => ErrorCode::Internal,
            PgError::Config(_) => ErrorCode::Validation,
        }
    }
}

/// The text of a driver error with the server's detail and SQLSTATE, for the planner.
pub(crate) fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut m = db.message().to_owned();
            if let Some(d) = db.detail() {
                m.push_str(&format!(" ({d})"));
            }
            format!("{m} [SQLSTATE {}]", db.code().code())
        }
        None => {
            let mut m = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(s) = src {
                m.push_str(&format!(": {s}"));
                src = s.source();
            }
            m
        }
    }
}

/// Re-reads the entity's table as stored (after schema drift added columns to the entity).
pub type SpecRefresh = Box<dyn Fn() -> Option<TableSpec> + Send + Sync>;

/// One run's PostgreSQL target: one connection (opened on first use, opened again if it drops) and the table.
pub struct PostgresSink {
    settings: PgSettings,
    state: Mutex<State>,
    refresh: Option<SpecRefresh>,
}

#[derive(Default)]
struct State {
    client: Option<tokio_postgres::Client>,
    spec: Option<TableSpec>,
    /// The table's columns and their types once it was made or read.
    columns: Option<std::collections::HashMap<String, String>>,
}

impl PostgresSink {
    /// A sink for `connection test` and lookups in other entities' tables only.
    pub fn new(settings: PgSettings) -> PostgresSink {
        PostgresSink {
            settings,
            state: Mutex::new(State::default()),
            refresh: None,
        }
    }

    /// A sink that loads into `spec`'s table.
    pub fn for_table(settings: PgSettings, spec: TableSpec, refresh: SpecRefresh) -> PostgresSink {
        PostgresSink {
            settings,
            state: Mutex::new(State {
                spec: Some(spec),
                ..State::default()
            }),
            refresh: Some(refresh),
        }
    }

    pub fn settings(&self) -> &PgSettings {
        &self.settings
    }

    /// The state with an open connection, opened now if there is none.
    async fn state(&self) -> Result<tokio::sync::MutexGuard<'_, State>, PgError> {
        let mut guard = self.state.lock().await;
        if guard.client.as_ref().is_none_or(|c| c.is_closed()) {
            guard.client = Some(self.settings.connect().await?);
        }
        Ok(guard)
    }

    /// Logs in and reads the server's version: what `connection test` shows.
    pub async fn check(&self) -> Result<String, PgError> {
        let guard = self.state().await?;
        let c = guard.client.as_ref().expect("connected");
        let row = c
            .query_one("SELECT current_setting('server_version')", &[])
            .await
            .map_err(|e| self.sql_error("server_version", &e))?;
        let schema_exists = c
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
                &[&self.settings.schema],
            )
            .await
            .map_err(|e| self.sql_error("pg_namespace", &e))?
            .get::<_, bool>(0);
        if !schema_exists {
            return Err(PgError::Config(format!(
                "connection '{}': schema '{}' does not exist in database '{}'",
                self.settings.connection, self.settings.schema, self.settings.dbname
            )));
        }
        Ok(row.get(0))
    }

    fn sql_error(&self, table: &str, e: &tokio_postgres::Error) -> PgError {
        if e.is_closed() || e.as_db_error().is_none() {
            return PgError::Connect {
                connection: self.settings.connection.clone(),
                message: describe(e),
                auth: false,
            };
        }
        PgError::Sql {
            table: table.to_owned(),
            message: describe(e),
        }
    }
}
