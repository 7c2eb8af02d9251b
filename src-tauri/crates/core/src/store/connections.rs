//! The `connections` table: APISmith / ScheduleHub / PostgreSQL instances. Only which credential a connection
//! uses is stored (`credential_key`, `secret_env`), never the credential.

use super::{Db, StoreError};
use crate::model::ConnectionSummary;

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
