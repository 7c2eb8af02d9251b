//! The `runs` table: one row per execution of the pipeline for one entity, with its counters and cursor.

use super::{Db, StoreError};
use crate::model::{RunFilter, RunSample, RunSummary};

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

const TRIGGERS: [&str; 4] = ["manual", "schedule", "cli", "retry"];

/// A filter day (`YYYY-MM-DD`) as a bound on `started_at`: the start of that day, or of the next one for `until`.
fn day_bound(field: &str, day: Option<&str>, next: bool) -> Result<Option<String>, StoreError> {
    let Some(day) = day.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map_err(|_| StoreError::Invalid(format!("{field}: '{day}' is not a date (YYYY-MM-DD)")))?;
    let d = if next {
        d + chrono::Duration::days(1)
    } else {
        d
    };
    Ok(Some(format!("{d}T00:00:00")))
}

/// Newest first; `limit` is capped so a careless caller cannot ask for the whole history at once.
pub fn list(db: &Db, filter: &RunFilter) -> Result<Vec<RunSummary>, StoreError> {
    if let Some(t) = filter.trigger.as_deref() {
        if !TRIGGERS.contains(&t) {
            return Err(StoreError::Invalid(format!(
                "trigger: '{t}' is not one of {}",
                TRIGGERS.join(", ")
            )));
        }
    }
    let since = day_bound("since", filter.since.as_deref(), false)?;
    let until = day_bound("until", filter.until.as_deref(), true)?;
    let conn = db.conn()?;
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM runs r JOIN entities e ON e.id = r.entity_id
         WHERE (?1 IS NULL OR r.entity_id = ?1) AND (?2 IS NULL OR r.status = ?2)
           AND (?3 IS NULL OR r.trigger = ?3) AND (?4 IS NULL OR r.started_at >= ?4)
           AND (?5 IS NULL OR r.started_at < ?5)
         ORDER BY r.started_at DESC LIMIT ?6"
    );
    let mut st = conn.prepare(&sql)?;
    let limit = filter.limit.clamp(1, 500);
    let rows = st.query_map(
        rusqlite::params![
            filter.entity_id,
            filter.status,
            filter.trigger,
            since,
            until,
            limit
        ],
        summary,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Everything the run summary page shows: the history row, pages, bytes, duration, watermarks, and the report the
/// pipeline stored when the run ended (its errors included); `None` while the run has not ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RunDetail {
    pub run: RunSummary,
    pub pages: u64,
    pub bytes: u64,
    /// Finished runs: as the run measured it; running ones: so far.
    pub duration_ms: u64,
    pub watermark_before: Option<String>,
    pub watermark_after: Option<String>,
    pub resumed_from: Option<String>,
    pub held_deletes: u64,
    pub report: Option<crate::pipeline::RunReport>,
}

pub fn detail(db: &Db, id: RunId) -> Result<RunDetail, StoreError> {
    let run = db
        .conn()?
        .query_row(
            &format!("SELECT {SUMMARY_COLUMNS} FROM runs r JOIN entities e ON e.id = r.entity_id WHERE r.id = ?1"),
            [id],
            summary,
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no run with id {id}")))?;
    let rec = get(db, id)?;
    let report: Option<crate::pipeline::RunReport> = rec
        .summary
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok());
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
    let measured = match (
        parse(&rec.started_at),
        rec.finished_at.as_deref().map(parse),
    ) {
        (Some(s), Some(Some(f))) => (f - s).num_milliseconds(),
        (Some(s), None) => (crate::clock::now() - s.with_timezone(&chrono::Utc)).num_milliseconds(),
        _ => 0,
    };
    Ok(RunDetail {
        run,
        pages: rec.counters.pages,
        bytes: rec.counters.bytes,
        duration_ms: report
            .as_ref()
            .map(|r| r.duration_ms)
            .unwrap_or(measured.max(0) as u64),
        watermark_before: rec.watermark_before,
        watermark_after: rec.watermark_after,
        resumed_from: rec.resumed_from.map(|r| r.to_string()),
        held_deletes: rec.held_deletes,
        report,
    })
}

use super::now_text;
use crate::ids::{EntityId, RunId};
use crate::model::RunStatus;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

/// A run's counters; every fetched row lands in exactly one of the row buckets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    pub fetched: u64,
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
    pub skipped: u64,
    pub failed: u64,
    pub pending: u64,
    pub duplicates: u64,
    pub pages: u64,
    pub bytes: u64,
}

impl Counters {
    pub fn add(&mut self, o: &Counters) {
        self.fetched += o.fetched;
        self.inserted += o.inserted;
        self.updated += o.updated;
        self.deleted += o.deleted;
        self.skipped += o.skipped;
        self.failed += o.failed;
        self.pending += o.pending;
        self.duplicates += o.duplicates;
        self.pages += o.pages;
        self.bytes += o.bytes;
    }

    /// Rows accounted for (deletes are not fetched rows).
    pub fn accounted(&self) -> u64 {
        self.inserted + self.updated + self.skipped + self.failed + self.pending + self.duplicates
    }
}

/// Everything the pipeline keeps about one run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub id: RunId,
    pub entity_id: EntityId,
    pub status: RunStatus,
    pub trigger: String,
    pub full_refresh: bool,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub heartbeat_at: Option<String>,
    pub cursor: Option<String>,
    pub watermark_before: Option<String>,
    pub watermark_after: Option<String>,
    pub counters: Counters,
    pub error_message: Option<String>,
    pub summary: Option<String>,
    pub owner_pid: Option<u32>,
    pub resumed_from: Option<RunId>,
    pub held_deletes: u64,
    /// Rows this run reads at most (an initial load's nightly share).
    pub row_budget: Option<u64>,
}

const RECORD_COLUMNS: &str = "id, entity_id, status, trigger, full_refresh, started_at, finished_at, heartbeat_at,
    cursor, watermark_before, watermark_after, fetched, inserted, updated, deleted, skipped, failed, pending,
    duplicates, pages, bytes, error_message, summary, owner_pid, resumed_from, held_deletes, row_budget";

fn u(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<u64> {
    Ok(r.get::<_, i64>(i)?.max(0) as u64)
}

fn run_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    Ok(RunRecord {
        id: r.get(0)?,
        entity_id: r.get(1)?,
        status: r.get(2)?,
        trigger: r.get(3)?,
        full_refresh: r.get(4)?,
        started_at: r.get(5)?,
        finished_at: r.get(6)?,
        heartbeat_at: r.get(7)?,
        cursor: r.get(8)?,
        watermark_before: r.get(9)?,
        watermark_after: r.get(10)?,
        counters: Counters {
            fetched: u(r, 11)?,
            inserted: u(r, 12)?,
            updated: u(r, 13)?,
            deleted: u(r, 14)?,
            skipped: u(r, 15)?,
            failed: u(r, 16)?,
            pending: u(r, 17)?,
            duplicates: u(r, 18)?,
            pages: u(r, 19)?,
            bytes: u(r, 20)?,
        },
        error_message: r.get(21)?,
        summary: r.get(22)?,
        owner_pid: r.get(23)?,
        resumed_from: r.get(24)?,
        held_deletes: u(r, 25)?,
        row_budget: r.get::<_, Option<i64>>(26)?.map(|b| b.max(0) as u64),
    })
}

pub fn get(db: &Db, id: RunId) -> Result<RunRecord, StoreError> {
    db.conn()?
        .query_row(
            &format!("SELECT {RECORD_COLUMNS} FROM runs WHERE id = ?1"),
            [id],
            run_record,
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no run with id {id}")))
}

/// The entity's newest run.
pub fn latest(db: &Db, entity: EntityId) -> Result<Option<RunRecord>, StoreError> {
    Ok(db
        .conn()?
        .query_row(
            &format!(
                "SELECT {RECORD_COLUMNS} FROM runs WHERE entity_id = ?1 AND trigger <> 'retry'
                 ORDER BY started_at DESC, id DESC LIMIT 1"
            ),
            [entity],
            run_record,
        )
        .optional()?)
}

/// The entity's run in status `pending` or `running`, if any.
pub fn active(db: &Db, entity: EntityId) -> Result<Option<RunRecord>, StoreError> {
    Ok(db
        .conn()?
        .query_row(
            &format!(
                "SELECT {RECORD_COLUMNS} FROM runs WHERE entity_id = ?1 AND status IN ('pending', 'running')
                 ORDER BY started_at DESC LIMIT 1"
            ),
            [entity],
            run_record,
        )
        .optional()?)
}

/// What a new run starts from.
#[derive(Debug, Clone, Default)]
pub struct NewRun {
    pub trigger: String,
    pub full_refresh: bool,
    pub cursor: Option<String>,
    pub watermark_before: Option<String>,
    pub resumed_from: Option<RunId>,
    pub row_budget: Option<u64>,
}

/// Creates a run in status `pending`, owned by this process.
pub fn create(db: &Db, entity: EntityId, new: &NewRun) -> Result<RunId, StoreError> {
    let id = RunId::new();
    db.write(|tx| {
        tx.execute(
            "INSERT INTO runs (id, entity_id, status, trigger, full_refresh, started_at, heartbeat_at, cursor,
                               watermark_before, watermark_after, owner_pid, resumed_from, row_budget)
             VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?5, ?6, ?7, ?7, ?8, ?9, ?10)",
            params![
                id,
                entity,
                new.trigger,
                new.full_refresh,
                now_text(),
                new.cursor,
                new.watermark_before,
                std::process::id(),
                new.resumed_from,
                new.row_budget.map(|b| b as i64)
            ],
        )?;
        // Seen marks are read only for the entity's latest run that is not a retry (its deletes, held deletes, the
        // run that continues it): a new such run makes the older marks unreadable, except those it takes over.
        if new.trigger != "retry" {
            let keep: Vec<RunId> = [Some(id), new.resumed_from].into_iter().flatten().collect();
            super::record_index::forget_seen(tx, entity, &keep)?;
        }
        Ok(id)
    })
}

/// Takes over an interrupted run: this process owns it now and it is `running` again.
pub fn take_over(db: &Db, id: RunId) -> Result<(), StoreError> {
    db.write(|tx| {
        tx.execute(
            "UPDATE runs SET status = 'running', owner_pid = ?2, heartbeat_at = ?3, finished_at = NULL
             WHERE id = ?1",
            params![id, std::process::id(), now_text()],
        )?;
        Ok(())
    })
}

pub fn set_status(db: &Db, id: RunId, status: RunStatus) -> Result<(), StoreError> {
    db.write(|tx| {
        tx.execute(
            "UPDATE runs SET status = ?2, heartbeat_at = ?3 WHERE id = ?1",
            params![id, status, now_text()],
        )?;
        Ok(())
    })
}

/// Adds one page's counters and moves the cursor and watermark, in the caller's checkpoint transaction, with the
/// throughput sample the pipeline's progress took for this page, if it took one (`Progress` in `pipeline::run`
/// decides when; a sample is written with the rows it counts, so it never counts rows that did not land).
pub fn checkpoint(
    tx: &Transaction<'_>,
    id: RunId,
    delta: &Counters,
    cursor: Option<&str>,
    watermark: Option<&str>,
    sample: Option<&RunSample>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE runs SET fetched = fetched + ?2, inserted = inserted + ?3, updated = updated + ?4,
           deleted = deleted + ?5, skipped = skipped + ?6, failed = failed + ?7, pending = pending + ?8,
           duplicates = duplicates + ?9, pages = pages + ?10, bytes = bytes + ?11,
           cursor = COALESCE(?12, cursor), watermark_after = COALESCE(?13, watermark_after), heartbeat_at = ?14
         WHERE id = ?1",
        params![
            id,
            delta.fetched as i64,
            delta.inserted as i64,
            delta.updated as i64,
            delta.deleted as i64,
            delta.skipped as i64,
            delta.failed as i64,
            delta.pending as i64,
            delta.duplicates as i64,
            delta.pages as i64,
            delta.bytes as i64,
            cursor,
            watermark,
            now_text()
        ],
    )?;
    if let Some(s) = sample {
        tx.execute(
            "INSERT OR IGNORE INTO run_samples (run_id, elapsed_ms, rows_done, rows_per_sec) VALUES (?1, ?2, ?3, ?4)",
            params![id, s.elapsed_ms as i64, s.rows_done as i64, s.rows_per_sec],
        )?;
    }
    Ok(())
}

/// The run's newest throughput sample: where a taken-over run's samples continue from.
pub fn last_sample(db: &Db, id: RunId) -> Result<Option<RunSample>, StoreError> {
    Ok(db
        .conn()?
        .query_row(
            "SELECT elapsed_ms, rows_done, rows_per_sec FROM run_samples WHERE run_id = ?1
             ORDER BY elapsed_ms DESC LIMIT 1",
            [id],
            |r| {
                Ok(RunSample {
                    elapsed_ms: u(r, 0)?,
                    rows_done: u(r, 1)?,
                    rows_per_sec: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// The run's throughput samples, oldest first.
pub fn samples(db: &Db, id: RunId) -> Result<Vec<RunSample>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare(
        "SELECT elapsed_ms, rows_done, rows_per_sec FROM run_samples WHERE run_id = ?1 ORDER BY elapsed_ms",
    )?;
    let rows = st.query_map([id], |r| {
        Ok(RunSample {
            elapsed_ms: u(r, 0)?,
            rows_done: u(r, 1)?,
            rows_per_sec: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Ends a run (in the caller's transaction, so the entity's watermark moves with it).
pub fn finish(
    tx: &Transaction<'_>,
    id: RunId,
    status: RunStatus,
    error: Option<(&str, &str)>,
    summary: &str,
    held_deletes: u64,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE runs SET status = ?2, finished_at = ?3, heartbeat_at = ?3, error_code = ?4, error_message = ?5,
           summary = ?6, held_deletes = ?7 WHERE id = ?1",
        params![
            id,
            status,
            now_text(),
            error.map(|e| e.0),
            error.map(|e| e.1),
            summary,
            held_deletes as i64
        ],
    )?;
    Ok(())
}

/// Marks a `cancelled` run as stopped by its row budget (done for the night), not by a cancellation.
pub fn mark_stopped_by_budget(tx: &Transaction<'_>, id: RunId) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE runs SET stopped_by = 'row_budget' WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

pub fn set_entity_watermark(
    tx: &Transaction<'_>,
    entity: EntityId,
    watermark: Option<&str>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE entities SET watermark = COALESCE(?2, watermark), updated_at = ?3 WHERE id = ?1",
        params![entity, watermark, now_text()],
    )?;
    Ok(())
}

/// Asks the run to stop after its current page (works across processes: the run polls this flag).
pub fn request_cancel(db: &Db, id: RunId) -> Result<bool, StoreError> {
    db.write(|tx| {
        Ok(tx.execute(
            "UPDATE runs SET cancel_requested = 1 WHERE id = ?1 AND status IN ('pending', 'running')",
            [id],
        )? > 0)
    })
}

pub fn cancel_requested(db: &Db, id: RunId) -> Result<bool, StoreError> {
    Ok(db.conn()?.query_row(
        "SELECT cancel_requested FROM runs WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

/// Moves the "seen by" marks of an earlier run to the run that continues it, so a resumed full run still knows
/// which records the whole read saw (deletes depend on it).
pub fn transfer_seen(
    db: &Db,
    entity: EntityId,
    from: RunId,
    to: RunId,
) -> Result<usize, StoreError> {
    db.write(|tx| super::record_index::transfer_seen(tx, entity, from, to))
}
