//! The `runs` table: one row per execution of the pipeline for one entity, with its counters and cursor.

use super::{Db, StoreError};
use crate::model::{RunFilter, RunSummary};

const SUMMARY_COLUMNS: &str = "r.id, r.entity_id, e.name, r.status, r.trigger, r.full_refresh, r.started_at,
    r.finished_at, r.fetched, r.inserted, r.updated, r.deleted, r.skipped, r.failed, r.pending, r.duplicates,
    r.error_message";

fn summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunSummary> {
    Ok(RunSummary {
        id: r.get(0)?,
        entity_id: r.get(1)?,
        entity_name: r.get(2)?,
        status: r.get(3)?,
        trigger: r.get(4)?,
        full_refresh: r.get(5)?,
        started_at: r.get(6)?,
        finished_at: r.get(7)?,
        fetched: r.get(8)?,
        inserted: r.get(9)?,
        updated: r.get(10)?,
        deleted: r.get(11)?,
        skipped: r.get(12)?,
        failed: r.get(13)?,
        pending: r.get(14)?,
        duplicates: r.get(15)?,
        error_message: r.get(16)?,
    })
}

/// Newest first; `limit` is capped so a careless caller cannot ask for the whole history at once.
pub fn list(db: &Db, filter: &RunFilter) -> Result<Vec<RunSummary>, StoreError> {
    let conn = db.conn()?;
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM runs r JOIN entities e ON e.id = r.entity_id
         WHERE (?1 IS NULL OR r.entity_id = ?1) AND (?2 IS NULL OR r.status = ?2)
         ORDER BY r.started_at DESC LIMIT ?3"
    );
    let mut st = conn.prepare(&sql)?;
    let limit = filter.limit.clamp(1, 500);
    let rows = st.query_map(
        rusqlite::params![filter.entity_id, filter.status, limit],
        summary,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}
