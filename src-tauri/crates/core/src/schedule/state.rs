//! What the scheduler decides on, read from SQLite: every enabled entity's schedule and the state of its runs, in
//! parent-first order. Kept apart from the decision so the decision stays a pure function.

use super::decide::{EntityState, ScheduleMode};
use super::window::Window;
use crate::store::{entities, Db, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;

fn instant(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// `own_pid`: this process. A run `running` under another (dead or stale) owner, or a scheduled run stopped at the
/// window end (`cancelled`, trigger `schedule`), is *interrupted*: the decision resumes it rather than starting anew.
pub fn load(db: &Db, own_pid: u32) -> Result<Vec<EntityState>, StoreError> {
    let conn = db.conn()?;
    let mut out = Vec::new();
    for e in entities::all_parent_first(db)?
        .into_iter()
        .filter(|e| e.def.enabled)
    {
        let schedule: Option<(String, Option<u32>, String, String, bool)> = conn
            .query_row(
                "SELECT mode, interval_minutes, window_start, window_end, paused FROM schedules WHERE entity_id = ?1",
                [e.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let (mode, paused) = match schedule {
            None => (ScheduleMode::Off, false),
            Some((mode, minutes, start, end, paused)) => {
                let mode = match (mode.as_str(), minutes) {
                    ("interval", Some(m)) => ScheduleMode::Interval { minutes: m },
                    ("nightly", _) => match Window::parse(&start, &end) {
                        Ok(window) => ScheduleMode::Nightly { window },
                        Err(_) => ScheduleMode::Off,
                    },
                    _ => ScheduleMode::Off,
                };
                (mode, paused)
            }
        };
        let last: Option<(String, Option<u32>, String)> = conn
            .query_row(
                "SELECT status, owner_pid, trigger FROM runs WHERE entity_id = ?1 ORDER BY started_at DESC LIMIT 1",
                [e.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (running, interrupted) = match &last {
            Some((status, owner, _)) if status == "running" || status == "pending" => {
                let ours = *owner == Some(own_pid);
                (ours, !ours)
            }
            Some((status, _, trigger)) => (false, status == "cancelled" && trigger == "schedule"),
            None => (false, false),
        };
        let last_started = instant(conn.query_row(
            "SELECT MAX(started_at) FROM runs WHERE entity_id = ?1",
            [e.id],
            |r| r.get(0),
        )?);
        let last_finished = instant(conn.query_row(
            "SELECT MAX(finished_at) FROM runs WHERE entity_id = ?1
               AND status IN ('completed', 'completed_with_errors', 'failed', 'needs_review')",
            [e.id],
            |r| r.get(0),
        )?);
        out.push(EntityState {
            entity_id: e.id,
            mode,
            paused,
            running,
            interrupted,
            last_started,
            last_finished,
            // Spreading a first load over nights needs a row budget in the pipeline, which it does not have yet.
            initial_load: None,
        });
    }
    Ok(out)
}

/// Records when each entity runs next, for the Schedules screen and the dashboard.
pub fn save_next_runs(
    db: &Db,
    next: &[(crate::ids::EntityId, Option<DateTime<Utc>>)],
) -> Result<(), StoreError> {
    db.write(|tx| {
        let mut st =
            tx.prepare_cached("UPDATE schedules SET next_run_at = ?2 WHERE entity_id = ?1")?;
        for (entity, at) in next {
            st.execute(rusqlite::params![
                entity,
                at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            ])?;
        }
        Ok(())
    })
}
