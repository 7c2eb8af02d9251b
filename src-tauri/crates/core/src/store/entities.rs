//! The `entities` table: what is synced from where to where, with its keys and strategy.

use super::{Db, StoreError};
use crate::model::EntitySummary;

pub fn list(db: &Db) -> Result<Vec<EntitySummary>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare(
        "SELECT e.id, e.name, e.slug, s.name, t.name, e.target_name, e.strategy, e.enabled, e.business_keys,
                e.rowversion_field,
                (SELECT status FROM runs r WHERE r.entity_id = e.id ORDER BY r.started_at DESC LIMIT 1),
                (SELECT started_at FROM runs r WHERE r.entity_id = e.id ORDER BY r.started_at DESC LIMIT 1)
         FROM entities e
         JOIN connections s ON s.id = e.source_connection_id
         JOIN connections t ON t.id = e.target_connection_id
         ORDER BY e.name",
    )?;
    let rows = st.query_map([], |r| {
        let keys: String = r.get(8)?;
        Ok((
            EntitySummary {
                id: r.get(0)?,
                name: r.get(1)?,
                slug: r.get(2)?,
                source_connection: r.get(3)?,
                target_connection: r.get(4)?,
                target_name: r.get(5)?,
                strategy: r.get(6)?,
                enabled: r.get(7)?,
                business_keys: Vec::new(),
                rowversion_field: r.get(9)?,
                last_run_status: r.get(10)?,
                last_run_at: r.get(11)?,
            },
            keys,
        ))
    })?;
    rows.map(|row| {
        let (mut summary, keys) = row?;
        summary.business_keys = serde_json::from_str(&keys)?;
        Ok(summary)
    })
    .collect()
}

pub fn count(db: &Db) -> Result<u32, StoreError> {
    Ok(db
        .conn()?
        .query_row("SELECT COUNT(*) FROM entities", [], |r| r.get(0))?)
}
