//! The `schedules` table: per entity, off / every N minutes / nightly inside a window.

use super::{Db, StoreError};
use crate::model::ScheduleSummary;

/// Every entity, with its schedule or the default (off, 19:00–07:00) when none was saved yet.
pub fn list(db: &Db) -> Result<Vec<ScheduleSummary>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare(
        "SELECT e.id, e.name, COALESCE(s.mode, 'off'), s.interval_minutes, COALESCE(s.window_start, '19:00'),
                COALESCE(s.window_end, '07:00'), s.days_to_complete, COALESCE(s.paused, 0), s.next_run_at
         FROM entities e LEFT JOIN schedules s ON s.entity_id = e.id
         ORDER BY e.name",
    )?;
    let rows = st.query_map([], |r| {
        Ok(ScheduleSummary {
            entity_id: r.get(0)?,
            entity_name: r.get(1)?,
            mode: r.get(2)?,
            interval_minutes: r.get(3)?,
            window_start: r.get(4)?,
            window_end: r.get(5)?,
            days_to_complete: r.get(6)?,
            paused: r.get(7)?,
            next_run_at: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn next_run(db: &Db) -> Result<Option<String>, StoreError> {
    Ok(db.conn()?.query_row(
        "SELECT MIN(next_run_at) FROM schedules WHERE mode != 'off' AND paused = 0",
        [],
        |r| r.get(0),
    )?)
}
