//! The checkpoint: one SQLite transaction per page holding the record index rows for what ScheduleHub
//! acknowledged, failed records, parked children, the run's counters, cursor, watermark and throughput sample, and
//! the clearing of the page's writes in flight. State lands with the data or not at all.

use super::load::{PageResult, RowEnd};
use crate::ids::{EntityId, FailedRecordId, RunId};
use crate::model::RunSample;
use crate::store::record_index::{self, IndexUpsert};
use crate::store::{failed_records, pending_children, runs, writes_in_flight, Db, StoreError};

/// Where a page's rows came from: APISmith (a run), or stored failed records (a retry).
pub enum Origin<'a> {
    Source,
    /// The records retried, and the clock their next automatic retry is counted from.
    Retry(&'a [FailedRecordId], chrono::DateTime<chrono::Utc>),
}

pub struct Checkpoint<'a> {
    pub entity: EntityId,
    pub run: RunId,
    pub result: &'a PageResult,
    pub cursor: Option<String>,
    pub watermark: Option<String>,
    pub origin: Origin<'a>,
    /// The entity has open failed records or parked rows that a successful load should clear.
    pub clear_old: bool,
    /// The run's throughput as of this page, when progress took a sample.
    pub sample: Option<RunSample>,
}

pub fn commit(db: &Db, c: Checkpoint<'_>) -> Result<(), StoreError> {
    let r = c.result;
    db.write(|tx| {
        let upserts: Vec<IndexUpsert<'_>> = r
            .upserts
            .iter()
            .map(|(b, d, rv, uid)| IndexUpsert {
                bk_hash: *b,
                data_hash: *d,
                rowversion: rv.as_deref(),
                target_uid: uid.as_deref(),
            })
            .collect();
        record_index::upsert(tx, c.entity, c.run, &upserts, r.note.as_ref())?;
        let unchanged: Vec<i64> = r.unchanged.iter().map(|u| u.1).collect();
        record_index::mark_seen_ids(tx, c.entity, c.run, &unchanged)?;
        if !r.seen.is_empty() {
            record_index::touch_seen(tx, c.entity, c.run, &r.seen, r.note.as_ref())?;
        }
        if c.clear_old && !(r.upserts.is_empty() && r.unchanged.is_empty()) {
            let keys: Vec<String> = r
                .upserts
                .iter()
                .map(|u| u.0)
                .chain(r.unchanged.iter().map(|u| u.0))
                .map(|b| b.to_string())
                .collect();
            failed_records::resolve_by_keys(tx, c.entity, &keys, &format!("run {}", c.run))?;
            pending_children::remove_many(tx, c.entity, &keys)?;
        }
        pending_children::park(tx, c.run, &r.parked)?;
        match c.origin {
            Origin::Source => {
                let failed: Vec<_> = r
                    .ends
                    .iter()
                    .filter_map(|e| match e {
                        RowEnd::Failed(f) => Some((**f).clone()),
                        _ => None,
                    })
                    .collect();
                failed_records::record(tx, c.entity, c.run, &failed)?;
            }
            Origin::Retry(ids, now) => {
                let now = super::text_at(now);
                for (end, id) in r.ends.iter().zip(ids) {
                    match end {
                        RowEnd::Failed(f) => failed_records::bump(tx, *id, f, &now)?,
                        RowEnd::Parked => failed_records::resolve(
                            tx,
                            *id,
                            "retry: parked until its parent exists",
                        )?,
                        _ => failed_records::resolve(tx, *id, &format!("retry run {}", c.run))?,
                    }
                }
            }
        }
        writes_in_flight::clear(tx, c.entity, r.flight_batch.as_deref())?;
        runs::checkpoint(
            tx,
            c.run,
            &r.counters,
            c.cursor.as_deref(),
            c.watermark.as_deref(),
            c.sample.as_ref(),
        )?;
        Ok(())
    })
}
