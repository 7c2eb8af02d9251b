//! The dashboard's figures, gathered in one place so the shell makes one call.

use super::{
    connections, entities, failed_records, pending_children, runs, schedules, Db, StoreError,
};
use crate::model::{ConnectionHealth, DailyStat, DashboardSummary, Health, RunFilter, RunStatus};
use chrono::Duration;
use std::collections::HashMap;

pub fn summary(db: &Db) -> Result<DashboardSummary, StoreError> {
    let last_runs = runs::list(db, &RunFilter::newest(8))?;
    Ok(DashboardSummary {
        connections: connections::count(db)?,
        entities: entities::count(db)?,
        failed_open: failed_records::count_open(db)?,
        pending_children: pending_children::count(db)?,
        last_runs,
        daily: daily(db, 30)?,
        next_scheduled_run: schedules::next_run(db)?,
        connection_health: connection_health(db)?,
    })
}

/// Every connection with the outcome of the last finished (non-retry) run of an entity reading from or writing
/// to it.
fn connection_health(db: &Db) -> Result<Vec<ConnectionHealth>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare(
        "SELECT c.name, c.kind, r.status, r.finished_at, r.error_message
         FROM connections c
         LEFT JOIN runs r ON r.id = (
             SELECT r2.id FROM runs r2 JOIN entities e ON e.id = r2.entity_id
             WHERE c.id IN (e.source_connection_id, e.target_connection_id)
               AND r2.finished_at IS NOT NULL AND r2.trigger <> 'retry'
               AND r2.status <> 'cancelled'
             ORDER BY r2.finished_at DESC LIMIT 1)
         ORDER BY c.name",
    )?;
    let rows = st.query_map([], |r| {
        let status: Option<RunStatus> = r.get(2)?;
        let health = match status {
            None => Health::Unknown,
            Some(RunStatus::Failed) => Health::Failing,
            Some(_) => Health::Ok,
        };
        Ok(ConnectionHealth {
            name: r.get(0)?,
            kind: r.get(1)?,
            health,
            last_run_at: r.get(3)?,
            last_error: if health == Health::Failing {
                r.get(4)?
            } else {
                None
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Rows synced (inserted + updated + deleted) and failed per UTC day, oldest first, one entry for each of the last
/// `days` days including days without runs (a chart needs the gaps).
fn daily(db: &Db, days: i64) -> Result<Vec<DailyStat>, StoreError> {
    let today = crate::clock::now().date_naive();
    let first = today - Duration::days(days - 1);
    let conn = db.conn()?;
    let mut st = conn.prepare(
        "SELECT substr(started_at, 1, 10) AS day, SUM(inserted + updated + deleted), SUM(failed)
         FROM runs WHERE started_at >= ?1 GROUP BY day",
    )?;
    let mut by_day: HashMap<String, (u32, u32)> = HashMap::new();
    for row in st.query_map([first.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
    })? {
        let (day, synced, failed) = row?;
        by_day.insert(day, (synced, failed));
    }
    Ok((0..days)
        .map(|i| {
            let day = (first + Duration::days(i)).to_string();
            let (synced, failed) = by_day.get(&day).copied().unwrap_or((0, 0));
            DailyStat {
                day,
                synced,
                failed,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_database_gives_thirty_zero_days_ending_today() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("d.db")).unwrap();
        let s = summary(&db).unwrap();
        assert_eq!(s.daily.len(), 30);
        assert_eq!(
            s.daily.last().unwrap().day,
            crate::clock::now().date_naive().to_string()
        );
        assert!(s.daily.iter().all(|d| d.synced == 0 && d.failed == 0));
        assert_eq!(
            (s.connections, s.entities, s.failed_open, s.pending_children),
            (0, 0, 0, 0)
        );
    }

    #[test]
    fn a_connection_is_judged_by_the_last_finished_run_that_used_it() {
        let (_dir, db, entity) = super::super::test_db_with_entity();
        let health = |db: &Db| -> Vec<(String, Health)> {
            summary(db)
                .unwrap()
                .connection_health
                .into_iter()
                .map(|c| (c.name, c.health))
                .collect()
        };
        assert_eq!(
            health(&db),
            [
                ("erp".to_string(), Health::Unknown),
                ("plan".to_string(), Health::Unknown)
            ],
            "no run has used them yet"
        );
        let finish = |status: &str, at: &str, error: Option<&str>| {
            let run = runs::create(&db, entity, &runs::NewRun::default()).unwrap();
            db.write(|tx| {
                tx.execute(
                    "UPDATE runs SET status = ?2, finished_at = ?3, error_message = ?4 WHERE id = ?1",
                    rusqlite::params![run, status, at, error],
                )?;
                Ok(())
            })
            .unwrap();
        };
        finish("completed", "2026-01-01T10:00:00.000Z", None);
        assert!(health(&db).iter().all(|(_, h)| *h == Health::Ok));
        finish(
            "failed",
            "2026-01-02T10:00:00.000Z",
            Some("APISmith is unreachable"),
        );
        // A cancelled run says nothing about the connection.
        finish("cancelled", "2026-01-03T10:00:00.000Z", None);
        let s = summary(&db).unwrap();
        assert!(s
            .connection_health
            .iter()
            .all(|c| c.health == Health::Failing));
        assert_eq!(
            s.connection_health[0].last_error.as_deref(),
            Some("APISmith is unreachable")
        );
    }
}
