//! The `schedules` table: per entity, off / every N minutes / nightly inside a window.

use super::{Db, StoreError};
use crate::ids::EntityId;
use crate::model::{InitialLoadProgress, ScheduleInput, ScheduleMode, ScheduleSummary};
use crate::schedule::{self, EntityState, Plan, Window};
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;

/// Every entity, with its schedule or the default (off, 19:00–07:00) when none was saved yet, and the progress of an
/// initial load spread over several nights as of `now`, windows read in the workstation's time zone.
pub fn list(db: &Db, now: DateTime<Utc>) -> Result<Vec<ScheduleSummary>, StoreError> {
    list_in(db, now, schedule::local_tz())
}

/// `list` with the time zone given (tests).
pub fn list_in(
    db: &Db,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<Vec<ScheduleSummary>, StoreError> {
    let mut out: Vec<ScheduleSummary> = {
        let conn = db.conn()?;
        let mut st = conn.prepare(
            "SELECT e.id, e.name, COALESCE(s.mode, 'off'), s.interval_minutes, COALESCE(s.window_start, '19:00'),
                    COALESCE(s.window_end, '07:00'), s.days_to_complete, s.row_estimate, COALESCE(s.paused, 0),
                    s.next_run_at
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
                row_estimate: r.get(7)?,
                paused: r.get(8)?,
                next_run_at: r.get(9)?,
                initial_load: None,
            })
        })?;
        rows.collect::<Result<_, _>>()?
    };
    let states = schedule::state::load(db, std::process::id())?;
    for summary in &mut out {
        let Some(state) = states
            .iter()
            .find(|s| s.entity_id.to_string() == summary.entity_id)
        else {
            continue;
        };
        let Some(load) = state.initial_load else {
            continue;
        };
        let rows_read: i64 = db.conn()?.query_row(
            "SELECT COALESCE(SUM(fetched), 0) FROM runs WHERE entity_id = ?1 AND trigger <> 'retry'",
            [state.entity_id],
            |r| r.get(0),
        )?;
        let window = match state.mode {
            schedule::ScheduleMode::Nightly { window } => Some(window),
            _ => None,
        };
        let done_this_opening = window
            .and_then(|w| w.current(now, tz))
            .is_some_and(|open| state.last_finished.is_some_and(|f| open.contains(f)));
        let p = schedule::initial_load_progress(
            &load,
            rows_read.max(0) as u64,
            window,
            summary.interval_minutes,
            done_this_opening,
            now,
            tz,
        );
        summary.initial_load = Some(InitialLoadProgress {
            rows_read: p.rows_read,
            rows_per_night: load.rows_per_night(),
            percent: p.percent,
            complete: load.complete,
            expected_finish_at: p
                .expected_finish
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        });
    }
    Ok(out)
}

pub fn next_run(db: &Db) -> Result<Option<String>, StoreError> {
    Ok(db.conn()?.query_row(
        "SELECT MIN(next_run_at) FROM schedules WHERE mode != 'off' AND paused = 0",
        [],
        |r| r.get(0),
    )?)
}

/// Checks a schedule the way the planner will be told about it: every refusal names the field and the value.
pub fn validate(input: &ScheduleInput) -> Result<(), StoreError> {
    let invalid = |m: String| Err(StoreError::Invalid(m));
    Window::parse(&input.window_start, &input.window_end)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    if input.mode == ScheduleMode::Interval {
        match input.interval_minutes {
            Some(m) if (1..=1440).contains(&m) => {}
            Some(m) => {
                return invalid(format!(
                    "interval_minutes: {m} is not between 1 and 1440 minutes"
                ))
            }
            None => {
                return invalid(
                    "interval_minutes: an interval schedule needs the number of minutes".into(),
                )
            }
        }
    }
    match (input.days_to_complete, input.row_estimate) {
        (None, _) => Ok(()),
        (Some(d), _) if !(1..=60).contains(&d) => {
            invalid(format!("days_to_complete: {d} is not between 1 and 60"))
        }
        (Some(_), None | Some(0)) => invalid(
            "row_estimate: an initial load over several nights needs an estimate of the rows"
                .into(),
        ),
        (Some(_), Some(_)) => Ok(()),
    }
}

/// Saves (creates or replaces) an entity's schedule and records when it runs next.
pub fn save(
    db: &Db,
    input: &ScheduleInput,
    now: DateTime<Utc>,
) -> Result<ScheduleSummary, StoreError> {
    validate(input)?;
    let entity: EntityId = input.entity_id.parse().map_err(|_| {
        StoreError::Invalid(format!(
            "entity_id: '{}' is not an entity id",
            input.entity_id
        ))
    })?;
    let exists: Option<String> = db
        .conn()?
        .query_row("SELECT name FROM entities WHERE id = ?1", [entity], |r| {
            r.get(0)
        })
        .optional()?;
    if exists.is_none() {
        return Err(StoreError::NotFound(format!(
            "entity {entity} does not exist"
        )));
    }
    let next = computed_next_run(input, entity, now);
    db.write(|tx| {
        tx.execute(
            "INSERT INTO schedules (entity_id, mode, interval_minutes, window_start, window_end, days_to_complete,
                                    row_estimate, paused, next_run_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (entity_id) DO UPDATE SET mode = excluded.mode, interval_minutes = excluded.interval_minutes,
               window_start = excluded.window_start, window_end = excluded.window_end,
               days_to_complete = excluded.days_to_complete, row_estimate = excluded.row_estimate,
               paused = excluded.paused, next_run_at = excluded.next_run_at",
            rusqlite::params![
                entity,
                input.mode,
                input.interval_minutes,
                input.window_start.trim(),
                input.window_end.trim(),
                input.days_to_complete,
                input.row_estimate,
                input.paused,
                next.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            ],
        )?;
        Ok(())
    })?;
    list(db, now)?
        .into_iter()
        .find(|s| s.entity_id == input.entity_id)
        .ok_or_else(|| StoreError::NotFound(format!("entity {entity} does not exist")))
}

/// When a freshly saved schedule runs next, by the scheduler's own decision function.
fn computed_next_run(
    input: &ScheduleInput,
    entity: EntityId,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let window = Window::parse(&input.window_start, &input.window_end).ok()?;
    let mode = match input.mode {
        ScheduleMode::Off => schedule::ScheduleMode::Off,
        ScheduleMode::Interval => schedule::ScheduleMode::Interval {
            minutes: input.interval_minutes?,
        },
        ScheduleMode::Nightly => schedule::ScheduleMode::Nightly { window },
    };
    let state = EntityState {
        entity_id: entity,
        mode,
        paused: input.paused,
        running: false,
        interrupted: false,
        last_started: None,
        last_finished: None,
        cancelled_at: None,
        initial_load: None,
        keychain_retry_at: None,
    };
    let plan = Plan {
        now,
        tz: schedule::local_tz(),
        automatic_paused: false,
    };
    schedule::decide(&plan, &[state])
        .next_run
        .first()
        .and_then(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(mode: ScheduleMode) -> ScheduleInput {
        ScheduleInput {
            entity_id: EntityId::new().to_string(),
            mode,
            interval_minutes: None,
            window_start: "19:00".into(),
            window_end: "07:00".into(),
            days_to_complete: None,
            row_estimate: None,
            paused: false,
        }
    }

    #[test]
    fn refuses_schedules_that_cannot_run_naming_the_field_and_value() {
        let mut bad_window = input(ScheduleMode::Nightly);
        bad_window.window_start = "25:00".into();
        let msg = validate(&bad_window).unwrap_err().to_string();
        assert!(msg.contains("'25:00'"), "{msg}");

        let mut no_minutes = input(ScheduleMode::Interval);
        assert!(validate(&no_minutes)
            .unwrap_err()
            .to_string()
            .contains("interval_minutes"));
        no_minutes.interval_minutes = Some(0);
        assert!(validate(&no_minutes)
            .unwrap_err()
            .to_string()
            .contains("0 is not between 1 and 1440"));

        let mut nights = input(ScheduleMode::Nightly);
        nights.days_to_complete = Some(3);
        assert!(validate(&nights)
            .unwrap_err()
            .to_string()
            .contains("row_estimate"));
        nights.row_estimate = Some(1_000_000);
        assert!(validate(&nights).is_ok());
    }

    use crate::store::test_db_with_entity as db_with_entity;

    #[test]
    fn a_saved_nightly_schedule_is_listed_with_its_next_window_opening() {
        let (_dir, db, entity) = db_with_entity();
        let mut nightly = input(ScheduleMode::Nightly);
        nightly.entity_id = entity.to_string();
        nightly.window_start = "22:00".into();
        nightly.window_end = "05:00".into();
        let now = Utc::now();
        let saved = save(&db, &nightly, now).unwrap();
        assert_eq!(
            (saved.mode, saved.window_start.as_str()),
            (ScheduleMode::Nightly, "22:00")
        );
        let next: DateTime<Utc> = saved
            .next_run_at
            .expect("a nightly schedule has a next run")
            .parse()
            .unwrap();
        assert!(
            next >= now - chrono::Duration::seconds(1) && next <= now + chrono::Duration::hours(24),
            "{next}"
        );

        nightly.paused = true;
        let paused = save(&db, &nightly, now).unwrap();
        assert!(paused.paused);
        assert_eq!(
            paused.next_run_at, None,
            "a paused schedule has no next run"
        );
        assert_eq!(
            list(&db, now).unwrap().len(),
            1,
            "saving again replaces, never duplicates"
        );
    }

    #[test]
    fn saving_a_schedule_for_an_unknown_entity_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("s.db")).unwrap();
        let err = save(&db, &input(ScheduleMode::Nightly), Utc::now()).unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
}
