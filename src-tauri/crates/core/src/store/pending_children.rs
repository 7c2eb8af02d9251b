//! The `pending_children` table: rows parked because their parent is not in the target yet.

use super::{Db, StoreError};
use crate::model::PendingChild;

pub fn list(db: &Db, limit: u32) -> Result<Vec<PendingChild>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare(
        "SELECT p.entity_id, e.name, p.bk_hash, p.ref_name, p.parent_ref_str, p.attempts, p.next_retry_at,
                p.created_at
         FROM pending_children p JOIN entities e ON e.id = p.entity_id
         ORDER BY p.next_retry_at LIMIT ?1",
    )?;
    let rows = st.query_map([limit.clamp(1, 5000)], |r| {
        Ok(PendingChild {
            entity_id: r.get(0)?,
            entity_name: r.get(1)?,
            bk_hash: r.get(2)?,
            ref_name: r.get(3)?,
            parent_ref_str: r.get(4)?,
            attempts: r.get(5)?,
            next_retry_at: r.get(6)?,
            created_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn count(db: &Db) -> Result<u32, StoreError> {
    Ok(db
        .conn()?
        .query_row("SELECT COUNT(*) FROM pending_children", [], |r| r.get(0))?)
}
