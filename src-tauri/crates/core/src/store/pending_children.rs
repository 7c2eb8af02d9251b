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

use super::now_text;
use crate::ids::{EntityId, RunId};
use rusqlite::{params, Transaction};

/// A row parked until its parent exists in the target.
#[derive(Debug, Clone, PartialEq)]
pub struct Parked {
    pub entity_id: EntityId,
    pub bk_hash: String,
    pub ref_name: String,
    pub parent_entity_id: EntityId,
    pub parent_bk_hash: String,
    pub parent_ref_str: String,
    pub raw: String,
    pub record: String,
    pub attempts: u32,
    pub next_retry_at: String,
}

/// Parks rows; a row parked again (a later run saw it still waiting) keeps its attempts and schedule.
pub fn park(tx: &Transaction<'_>, run: RunId, rows: &[Parked]) -> Result<(), StoreError> {
    let mut st = tx.prepare_cached(
        "INSERT INTO pending_children (entity_id, bk_hash, run_id, ref_name, parent_entity_id, parent_bk_hash,
                                       parent_ref_str, raw, record, attempts, next_retry_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (entity_id, bk_hash) DO UPDATE SET run_id = excluded.run_id, ref_name = excluded.ref_name,
           parent_entity_id = excluded.parent_entity_id, parent_bk_hash = excluded.parent_bk_hash,
           parent_ref_str = excluded.parent_ref_str, raw = excluded.raw, record = excluded.record",
    )?;
    let now = now_text();
    for p in rows {
        st.execute(params![
            p.entity_id,
            p.bk_hash,
            run,
            p.ref_name,
            p.parent_entity_id,
            p.parent_bk_hash,
            p.parent_ref_str,
            p.raw,
            p.record,
            p.attempts,
            p.next_retry_at,
            now
        ])?;
    }
    Ok(())
}

/// Parked rows of `entity` due at `now` (all of them when `now` is `None`).
pub fn due(
    db: &Db,
    entity: EntityId,
    now: Option<&str>,
) -> Result<Vec<(Parked, RunId)>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare(
        "SELECT entity_id, bk_hash, ref_name, parent_entity_id, parent_bk_hash, parent_ref_str, raw, record,
                attempts, next_retry_at, run_id
         FROM pending_children WHERE entity_id = ?1 AND (?2 IS NULL OR next_retry_at <= ?2)
         ORDER BY next_retry_at",
    )?;
    let rows = st.query_map(params![entity, now], |r| {
        Ok((
            Parked {
                entity_id: r.get(0)?,
                bk_hash: r.get(1)?,
                ref_name: r.get(2)?,
                parent_entity_id: r.get(3)?,
                parent_bk_hash: r.get(4)?,
                parent_ref_str: r.get(5)?,
                raw: r.get(6)?,
                record: r.get(7)?,
                attempts: r.get(8)?,
                next_retry_at: r.get(9)?,
            },
            r.get(10)?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Entities that have parked rows waiting on `parent`.
pub fn children_of(db: &Db, parent: EntityId) -> Result<Vec<EntityId>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn
        .prepare("SELECT DISTINCT entity_id FROM pending_children WHERE parent_entity_id = ?1")?;
    let rows = st.query_map([parent], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn remove(tx: &Transaction<'_>, entity: EntityId, bk: &str) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM pending_children WHERE entity_id = ?1 AND bk_hash = ?2",
        params![entity, bk],
    )?;
    Ok(())
}

pub fn reschedule(
    tx: &Transaction<'_>,
    entity: EntityId,
    bk: &str,
    attempts: u32,
    next_retry_at: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE pending_children SET attempts = ?3, next_retry_at = ?4 WHERE entity_id = ?1 AND bk_hash = ?2",
        params![entity, bk, attempts, next_retry_at],
    )?;
    Ok(())
}

pub fn count_for(db: &Db, entity: EntityId) -> Result<u64, StoreError> {
    Ok(db.conn()?.query_row(
        "SELECT COUNT(*) FROM pending_children WHERE entity_id = ?1",
        [entity],
        |r| r.get::<_, i64>(0),
    )? as u64)
}

/// Removes parked rows of keys that loaded after all (one statement for a page).
pub fn remove_many(
    tx: &Transaction<'_>,
    entity: EntityId,
    bks: &[String],
) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "DELETE FROM pending_children WHERE entity_id = ?1 AND bk_hash IN (SELECT value FROM json_each(?2))",
        params![entity, serde_json::to_string(bks)?],
    )?)
}

/// Makes one parked row due at `now` (a planner's "retry now"); false when it is no longer parked.
pub fn make_due(db: &Db, entity: EntityId, bk: &str, now: &str) -> Result<bool, StoreError> {
    db.write(|tx| {
        Ok(tx.execute(
            "UPDATE pending_children SET next_retry_at = ?3 WHERE entity_id = ?1 AND bk_hash = ?2",
            params![entity, bk, now],
        )? > 0)
    })
}

/// Whether the row is still parked.
pub fn is_parked(db: &Db, entity: EntityId, bk: &str) -> Result<bool, StoreError> {
    Ok(db.conn()?.query_row(
        "SELECT EXISTS (SELECT 1 FROM pending_children WHERE entity_id = ?1 AND bk_hash = ?2)",
        params![entity, bk],
        |r| r.get(0),
    )?)
}

/// Entities that have parked rows, any parent.
pub fn entities_with_pending(db: &Db) -> Result<Vec<EntityId>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare("SELECT DISTINCT entity_id FROM pending_children")?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
