//! The `connections` table: APISmith / ScheduleHub / PostgreSQL instances. Only which credential a connection
//! uses is stored (`credential_key`, `secret_env`), never the credential.

use super::{now_text, Db, StoreError};
use crate::config::ConnectionDef;
use crate::ids::ConnectionId;
use crate::model::ConnectionSummary;
use rusqlite::{params, OptionalExtension};

pub fn list(db: &Db) -> Result<Vec<ConnectionSummary>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare(
        "SELECT id, name, kind, base_url, auth_kind, username,
                (credential_key IS NOT NULL OR secret_env IS NOT NULL)
         FROM connections ORDER BY name",
    )?;
    let rows = st.query_map([], |r| {
        Ok(ConnectionSummary {
            id: r.get(0)?,
            name: r.get(1)?,
            kind: r.get(2)?,
            base_url: r.get(3)?,
            auth_kind: r.get(4)?,
            username: r.get(5)?,
            credential_saved: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn count(db: &Db) -> Result<u32, StoreError> {
    Ok(db
        .conn()?
        .query_row("SELECT COUNT(*) FROM connections", [], |r| r.get(0))?)
}

fn check(def: &ConnectionDef) -> Result<(), StoreError> {
    let bad = |m: String| Err(StoreError::Invalid(m));
    if def.name.trim().is_empty() {
        return bad("a connection needs a name".into());
    }
    if !(def.base_url.starts_with("http://") || def.base_url.starts_with("https://")) {
        return bad(format!(
            "connection '{}': URL must start with http:// or https://, not '{}'",
            def.name, def.base_url
        ));
    }
    if let Some(tz) = &def.source_timezone {
        if tz.parse::<chrono_tz::Tz>().is_err() {
            return bad(format!(
                "connection '{}': unknown time zone '{tz}'",
                def.name
            ));
        }
    }
    Ok(())
}

/// Creates or updates the connection named `def.name` (idempotent: saving the same definition twice changes
/// nothing but `updated_at`).
pub fn save(db: &Db, def: &ConnectionDef) -> Result<ConnectionId, StoreError> {
    check(def)?;
    db.write(|tx| {
        let existing: Option<ConnectionId> = tx
            .query_row(
                "SELECT id FROM connections WHERE name = ?1",
                [&def.name],
                |r| r.get(0),
            )
            .optional()?;
        let id = existing.unwrap_or_default();
        let now = now_text();
        tx.execute(
            "INSERT INTO connections (id, name, kind, base_url, auth_kind, username, credential_key, secret_env,
                                      ca_file, decimal_separator, date_order, source_timezone, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url,
               auth_kind = excluded.auth_kind, username = excluded.username,
               credential_key = excluded.credential_key, secret_env = excluded.secret_env,
               ca_file = excluded.ca_file, decimal_separator = excluded.decimal_separator,
               date_order = excluded.date_order, source_timezone = excluded.source_timezone,
               updated_at = excluded.updated_at",
            params![
                id,
                def.name,
                def.kind,
                def.base_url,
                def.auth_kind,
                def.username,
                def.credential_key,
                def.secret_env,
                def.ca_file,
                sep_text(def),
                order_text(def),
                def.source_timezone,
                now
            ],
        )?;
        Ok(id)
    })
}

fn sep_text(def: &ConnectionDef) -> &'static str {
    match def.decimal_separator {
        crate::normalize::DecimalSeparator::Dot => ".",
        crate::normalize::DecimalSeparator::Comma => ",",
    }
}

fn order_text(def: &ConnectionDef) -> &'static str {
    match def.date_order {
        crate::normalize::DateOrder::Dmy => "DMY",
        crate::normalize::DateOrder::Mdy => "MDY",
    }
}

fn bad_text(e: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
}

/// One connection by name, with its id.
pub fn get_by_name(db: &Db, name: &str) -> Result<(ConnectionId, ConnectionDef), StoreError> {
    get_where(db, "name = ?1", name)?
        .ok_or_else(|| StoreError::NotFound(format!("no connection named '{name}'")))
}

pub fn get(db: &Db, id: ConnectionId) -> Result<(ConnectionId, ConnectionDef), StoreError> {
    get_where(db, "id = ?1", &id.to_string())?
        .ok_or_else(|| StoreError::NotFound(format!("no connection with id {id}")))
}

fn get_where(
    db: &Db,
    cond: &str,
    arg: &str,
) -> Result<Option<(ConnectionId, ConnectionDef)>, StoreError> {
    let conn = db.conn()?;
    Ok(conn
        .query_row(
            &format!(
                "SELECT id, name, kind, base_url, auth_kind, username, credential_key, secret_env, ca_file,
                        decimal_separator, date_order, source_timezone FROM connections WHERE {cond}"
            ),
            [arg],
            |r| {
                let sep: String = r.get(9)?;
                let order: String = r.get(10)?;
                Ok((
                    r.get(0)?,
                    ConnectionDef {
                        name: r.get(1)?,
                        kind: r.get(2)?,
                        base_url: r.get(3)?,
                        auth_kind: r.get(4)?,
                        username: r.get(5)?,
                        credential_key: r.get(6)?,
                        secret_env: r.get(7)?,
                        ca_file: r.get(8)?,
                        decimal_separator: sep.parse().map_err(bad_text)?,
                        date_order: order.parse().map_err(bad_text)?,
                        source_timezone: r.get(11)?,
                    },
                ))
            },
        )
        .optional()?)
}
