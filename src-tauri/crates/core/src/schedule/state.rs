//! What the scheduler decides on, read from SQLite: every enabled entity's schedule and the state of its runs, in
//! parent-first order. Kept apart from the decision so the decision stays a pure function.

use super::decide::{EntityState, InitialLoad, ScheduleMode};
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
        type Row = (
            String,
            Option<u32>,
            String,
            String,
            bool,
            Option<u32>,
            Option<i64>,
        );
        let schedule: Option<Row> = conn
            .query_row(
                "SELECT mode, interval_minutes, window_start, window_end, paused, days_to_complete, row_estimate
                 FROM schedules WHERE entity_id = ?1",
                [e.id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .optional()?;
        let nights = schedule.as_ref().and_then(|s| match (s.5, s.6) {
            (Some(days), Some(rows)) if days > 0 && rows > 0 => Some((days, rows as u64)),
            _ => None,
        });
        let (mode, paused) = match schedule {
            None => (ScheduleMode::Off, false),
            Some((mode, minutes, start, end, paused, _, _)) => {
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
        type Last = (String, Option<u32>, String, Option<String>, Option<String>);
        let last: Option<Last> = conn
            .query_row(
                "SELECT status, owner_pid, trigger, stopped_by, finished_at FROM runs
                 WHERE entity_id = ?1 AND trigger <> 'retry' ORDER BY started_at DESC, id DESC LIMIT 1",
                [e.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let (running, interrupted, cancelled_at) = match last {
            Some((status, owner, ..)) if status == "running" || status == "pending" => {
                let ours = owner == Some(own_pid);
                (ours, !ours, None)
            }
            // A run that read its nightly share is done for the night, not interrupted.
            Some((status, _, trigger, stopped_by, finished)) => {
                let cancelled =
                    status == "cancelled" && trigger == "schedule" && stopped_by.is_none();
                (false, cancelled, instant(finished.filter(|_| cancelled)))
            }
            None => (false, false, None),
        };
        let last_started = instant(conn.query_row(
            "SELECT MAX(started_at) FROM runs WHERE entity_id = ?1",
            [e.id],
            |r| r.get(0),
        )?);
        let last_finished = instant(conn.query_row(
            "SELECT MAX(finished_at) FROM runs WHERE entity_id = ?1
               AND (status IN ('completed', 'completed_with_errors', 'failed', 'needs_review')
                    OR stopped_by = 'row_budget')",
            [e.id],
            |r| r.get(0),
        )?);
        // The initial load is over once a run read the source to its end; from then on runs are incremental.
        let initial_load = match nights {
            Some((days, rows)) => Some(InitialLoad {
                row_estimate: rows,
                days_to_complete: days,
                complete: conn.query_row(
                    "SELECT EXISTS (SELECT 1 FROM runs WHERE entity_id = ?1
                       AND status IN ('completed', 'completed_with_errors', 'needs_review'))",
                    [e.id],
                    |r| r.get(0),
                )?,
            }),
            None => None,
        };
        out.push(EntityState {
            entity_id: e.id,
            mode,
            paused,
            running,
            interrupted,
            last_started,
            last_finished,
            cancelled_at,
            initial_load,
            keychain_retry_at: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::EntityId;

    fn db_with(
        schedule_sql: &str,
        runs: &[(&str, Option<u32>, &str)],
    ) -> (tempfile::TempDir, Db, EntityId) {
        let (dir, db, entity) = crate::store::test_db_with_entity();
        db.write(|tx| {
            if !schedule_sql.is_empty() {
                tx.execute(schedule_sql, [entity])?;
            }
            for (i, (status, pid, trigger)) in runs.iter().enumerate() {
                tx.execute(
                    "INSERT INTO runs (id, entity_id, status, trigger, started_at, finished_at, owner_pid)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
                    rusqlite::params![
                        crate::ids::RunId::new(),
                        entity,
                        status,
                        trigger,
                        format!("2026-11-2{i}T20:00:00Z"),
                        pid
                    ],
                )?;
            }
            Ok(())
        })
        .unwrap();
        (dir, db, entity)
    }

    #[test]
    fn an_entity_without_a_schedule_is_off() {
        let (_d, db, entity) = db_with("", &[]);
        let states = load(&db, 1).unwrap();
        assert_eq!(
            (states[0].entity_id, states[0].mode),
            (entity, ScheduleMode::Off)
        );
    }

    #[test]
    fn reads_the_nightly_window_and_when_the_last_run_finished() {
        let (_d, db, _) = db_with(
            "INSERT INTO schedules (entity_id, mode, window_start, window_end) VALUES (?1, 'nightly', '22:00', '05:00')",
            &[("completed", Some(7), "schedule")],
        );
        let s = &load(&db, 1).unwrap()[0];
        assert_eq!(
            s.mode,
            ScheduleMode::Nightly {
                window: Window::parse("22:00", "05:00").unwrap()
            }
        );
        assert_eq!(
            s.last_finished.unwrap().to_rfc3339(),
            "2026-11-20T20:00:00+00:00"
        );
        assert!(!s.running && !s.interrupted);
    }

    #[test]
    fn a_run_left_running_by_another_process_is_interrupted_and_ours_is_running() {
        let (_d, db, _) = db_with(
            "INSERT INTO schedules (entity_id, mode, interval_minutes) VALUES (?1, 'interval', 15)",
            &[("running", Some(4242), "schedule")],
        );
        let theirs = &load(&db, 1).unwrap()[0];
        assert!(
            theirs.interrupted && !theirs.running,
            "a crashed owner's run is resumed, not started again"
        );
        let ours = &load(&db, 4242).unwrap()[0];
        assert!(ours.running && !ours.interrupted);
        assert_eq!(ours.mode, ScheduleMode::Interval { minutes: 15 });
    }

    #[test]
    fn a_scheduled_run_stopped_at_the_window_end_is_resumed_but_a_manual_cancel_is_not() {
        let (_d, db, _) = db_with("", &[("cancelled", None, "schedule")]);
        let scheduled = &load(&db, 1).unwrap()[0];
        assert!(scheduled.interrupted);
        assert_eq!(
            scheduled.cancelled_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-11-20T20:00:00+00:00"),
            "when it stopped tells the decision a window end from the planner's cancel"
        );
        let (_d2, db2, _) = db_with("", &[("cancelled", None, "manual")]);
        let manual = &load(&db2, 1).unwrap()[0];
        assert!(!manual.interrupted && manual.cancelled_at.is_none());
    }
}
