//! The `connections` table: APISmith / ScheduleHub / PostgreSQL instances. Only which credential a connection
//! uses is stored (`credential_key`, `secret_env`), never the credential.

use super::{now_text, Db, StoreError};
use crate::config::ConnectionDef;
use crate::ids::ConnectionId;
use crate::model::ConnectionSummary;
use crate::setup::CredentialState;
use rusqlite::{params, OptionalExtension};

pub fn list(db: &Db) -> Result<Vec<ConnectionSummary>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare(
        "SELECT id, name, kind, base_url, auth_kind, username FROM connections ORDER BY name",
    )?;
    let rows = st.query_map([], |r| {
        Ok(ConnectionSummary {
            id: r.get(0)?,
            name: r.get(1)?,
            kind: r.get(2)?,
            base_url: r.get(3)?,
            auth_kind: r.get(4)?,
            username: r.get(5)?,
            // The store cannot tell: `SyncFlow::connection_summaries` looks.
            credential: CredentialState::Unknown,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn count(db: &Db) -> Result<u32, StoreError> {
    Ok(db
        .conn()?
        .query_row("SELECT COUNT(*) FROM connections", [], |r| r.get(0))?)
}

/// Refuses a name a planner could not tell apart or type: empty, padded, or with control characters.
pub fn check_name(name: &str) -> Result<(), StoreError> {
    if name.trim().is_empty() {
        return Err(StoreError::Invalid(
            "name: a connection needs a name".into(),
        ));
    }
    if name.trim() != name || name.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "name: '{name}' must not start or end with spaces or hold control characters"
        )));
    }
    Ok(())
}

/// Refuses a definition the clients could not use, naming the field and the value at fault.
pub fn check(def: &ConnectionDef) -> Result<(), StoreError> {
    let bad = |m: String| Err(StoreError::Invalid(m));
    check_name(&def.name)?;
    if def.kind == crate::model::ConnectionKind::Postgres {
        return check_postgres(def);
    }
    let url_ok = reqwest::Url::parse(&def.base_url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if !url_ok {
        return bad(format!(
            "connection '{}': base URL '{}' is not an http:// or https:// address",
            def.name, def.base_url
        ));
    }
    if def.auth_kind == crate::model::AuthKind::Password
        && def.username.as_deref().is_none_or(|u| u.trim().is_empty())
    {
        return bad(format!(
            "connection '{}': username: a password login needs a username",
            def.name
        ));
    }
    if let Some(tz) = &def.source_timezone {
        if tz.parse::<chrono_tz::Tz>().is_err() {
            return bad(format!(
                "connection '{}': source time zone: unknown time zone '{tz}' (use an IANA name such as Europe/Istanbul)",
                def.name
            ));
        }
    }
    if let Some(ca) = &def.ca_file {
        if let Err(e) = crate::http::read_ca_file(std::path::Path::new(ca)) {
            return bad(format!("connection '{}': CA file: {e}", def.name));
        }
    }
    Ok(())
}

/// A PostgreSQL connection: a `postgres://host:port/dbname[?schema=NAME]` URL and a username; its password, like
/// the others', lives in the keychain or the environment.
fn check_postgres(def: &ConnectionDef) -> Result<(), StoreError> {
    let bad = |m: String| {
        Err(StoreError::Invalid(format!(
            "connection '{}': {m}",
            def.name
        )))
    };
    if let Err(e) = crate::sink::postgres::connect::parse_url(&def.base_url) {
        return bad(format!("URL: {e}"));
    }
    if def.auth_kind == crate::model::AuthKind::Token {
        return bad(
            "auth kind: a PostgreSQL connection logs in with a username and password, not a token"
                .into(),
        );
    }
    if def.username.as_deref().is_none_or(|u| u.trim().is_empty()) {
        return bad("username: a PostgreSQL connection needs a username".into());
    }
    if def.source_timezone.is_some() {
        return bad(
            "source time zone: not used by a PostgreSQL connection (it is a target)".into(),
        );
    }
    if let Some(ca) = &def.ca_file {
        if let Err(e) = crate::http::read_ca_file(std::path::Path::new(ca)) {
            return bad(format!("CA file: {e}"));
        }
    }
    Ok(())
}

/// The entities that read from or write to the connection, by name.
pub fn users_of(db: &Db, name: &str) -> Result<Vec<String>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare(
        "SELECT e.name FROM entities e JOIN connections c
           ON c.id = e.source_connection_id OR c.id = e.target_connection_id
         WHERE c.name = ?1 ORDER BY e.name",
    )?;
    let rows = st.query_map([name], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes the connection named `name`; refused while entities use it (nothing is deleted then).
pub fn delete(db: &Db, name: &str) -> Result<ConnectionDef, StoreError> {
    let (_, def) = get_by_name(db, name)?;
    let users = users_of(db, name)?;
    if !users.is_empty() {
        return Err(StoreError::InUse(format!(
            "connection '{name}' is used by entities {}: delete them or point them at another connection first",
            users.join(", ")
        )));
    }
    db.write(|tx| {
        tx.execute("DELETE FROM connections WHERE name = ?1", [name])?;
        Ok(())
    })?;
    Ok(def)
}

/// The refusal of a rename to a name another connection has.
pub fn name_taken(name: &str) -> StoreError {
    StoreError::InUse(format!(
        "name: a connection named '{name}' already exists: choose another name"
    ))
}

/// Renames the connection `from` to `to`, and sets its keychain entry's name to `credential_key` (`None`: unchanged).
/// Entities refer to connections by id, so they follow. Refused, with nothing changed, when `to` is not a valid name
/// or another connection has it.
pub fn rename(
    db: &Db,
    from: &str,
    to: &str,
    credential_key: Option<&str>,
) -> Result<(), StoreError> {
    check_name(to)?;
    db.write(|tx| {
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM connections WHERE name = ?1)",
            [to],
            |r| r.get(0),
        )?;
        if taken {
            return Err(name_taken(to));
        }
        let changed = tx.execute(
            "UPDATE connections SET name = ?2, credential_key = COALESCE(?3, credential_key), updated_at = ?4
             WHERE name = ?1",
            params![from, to, credential_key, now_text()],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("no connection named '{from}'")));
        }
        Ok(())
    })
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
