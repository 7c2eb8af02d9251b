//! Delta (SPEC §5): INSERT / UPDATE / SKIP per row of a page against the record index (one lookup per page),
//! duplicate business keys within a run, and DELETE planning for complete full runs with the safety valve.
//! Page-oriented: nothing here holds more than one page, and the unseen-record scan streams.

use crate::identity::{BkHash, DataHash, Identity};
use crate::ids::{EntityId, RunId};
use crate::rowversion;
use crate::store::record_index::{self, BkMap, IndexedRecord};
use crate::store::StoreError;
use rusqlite::Connection;
use serde::Serialize;
use std::cmp::Ordering;

/// What happens to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Insert,
    Update,
    /// Unchanged: not sent, but its rowversion and last-seen run are still recorded.
    Skip,
    /// Lost to another row with the same business key in this run: not sent, counted `duplicate`.
    Duplicate,
}

/// The delta decision for one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub op: Op,
    /// The business key was already recorded earlier in this run (an earlier page). The earlier row is counted
    /// already; this one wins and is decided as usual, and the run summary should list the key as a duplicate.
    pub repeat_in_run: bool,
    /// The target's uid of the stored record, for updates.
    pub target_uid: Option<String>,
}

/// The identity parts delta needs from a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowKey<'a> {
    pub bk_hash: BkHash,
    pub data_hash: DataHash,
    pub rowversion: Option<&'a str>,
}

impl<'a> From<&'a Identity> for RowKey<'a> {
    fn from(i: &'a Identity) -> Self {
        RowKey {
            bk_hash: i.bk_hash,
            data_hash: i.data_hash,
            rowversion: i.rowversion.as_deref(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeltaCounts {
    pub inserted: u64,
    pub updated: u64,
    pub skipped: u64,
    pub duplicates: u64,
}

impl DeltaCounts {
    fn add(&mut self, op: Op) {
        match op {
            Op::Insert => self.inserted += 1,
            Op::Update => self.updated += 1,
            Op::Skip => self.skipped += 1,
            Op::Duplicate => self.duplicates += 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageDelta {
    pub decisions: Vec<Decision>,
    pub counts: DeltaCounts,
}

/// True when `later` beats `earlier` for the same key: a higher rowversion wins; without one (or equal, or
/// incomparable) the later row in fetch order wins.
fn later_wins(earlier: Option<&str>, later: Option<&str>) -> bool {
    match (earlier, later) {
        (Some(e), Some(l)) => rowversion::compare(l, e) != Ordering::Less,
        _ => true,
    }
}

/// Decides a page against the stored records (pure: no I/O, for tests and benchmarks).
pub fn decide(keys: &[RowKey<'_>], stored: &BkMap<IndexedRecord>, run: RunId) -> PageDelta {
    let mut winner: BkMap<usize> = BkMap::with_capacity_and_hasher(keys.len(), Default::default());
    let mut decisions: Vec<Decision> = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        let prior = stored.get(&k.bk_hash);
        let repeat_in_run = prior.is_some_and(|p| p.active && p.seen_by == Some(run));
        let mut op = match prior {
            Some(p) if repeat_in_run && !later_wins(p.rowversion.as_deref(), k.rowversion) => {
                Op::Duplicate
            }
            Some(p) if p.active && p.data_hash == k.data_hash => Op::Skip,
            Some(p) if p.active => Op::Update,
            _ => Op::Insert,
        };
        if op != Op::Duplicate {
            if let Some(&j) = winner.get(&k.bk_hash) {
                if later_wins(keys[j].rowversion, k.rowversion) {
                    decisions[j].op = Op::Duplicate;
                    winner.insert(k.bk_hash, i);
                } else {
                    op = Op::Duplicate;
                }
            } else {
                winner.insert(k.bk_hash, i);
            }
        }
        let target_uid = prior
            .filter(|p| p.active)
            .and_then(|p| p.target_uid.clone());
        decisions.push(Decision {
            op,
            repeat_in_run,
            target_uid,
        });
    }
    let mut counts = DeltaCounts::default();
    decisions.iter().for_each(|d| counts.add(d.op));
    PageDelta { decisions, counts }
}

/// Looks the page up in the record index (one query) and decides every row.
pub fn decide_page(
    conn: &Connection,
    entity: EntityId,
    run: RunId,
    keys: &[RowKey<'_>],
) -> Result<PageDelta, StoreError> {
    let bks: Vec<BkHash> = keys.iter().map(|k| k.bk_hash).collect();
    let stored = record_index::lookup_for_run(conn, entity, run, &bks)?;
    Ok(decide(keys, &stored, run))
}

/// What the run knows about itself when it asks whether it may delete.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeleteCheck {
    /// A `full` or `hash` strategy run (not an incremental rowversion run).
    pub full_run: bool,
    /// Every page was read, without cancellation, failure or a window end.
    pub read_whole_source: bool,
    /// Rows that failed before their business key was known: their records look unseen, so deleting is unsafe.
    pub rows_without_key: u64,
    /// The safety valve, a fraction of active records (default 0.2).
    pub max_delete_ratio: f64,
}

impl DeleteCheck {
    pub const DEFAULT_MAX_DELETE_RATIO: f64 = 0.2;
}

/// The outcome of delete planning.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeletePlan {
    /// Deletes are not allowed for this run; the reason says why.
    NotApplicable { reason: String },
    /// Nothing to delete.
    Nothing,
    /// Delete these many records (stream them with `for_each_unseen`).
    Proceed { count: u64, active: u64 },
    /// More than the allowed share would go: the run ends `needs_review` and the planner decides.
    NeedsReview { count: u64, active: u64, ratio: f64 },
}

/// Decides whether the run may delete the active records it did not see.
pub fn plan_deletes(
    conn: &Connection,
    entity: EntityId,
    run: RunId,
    check: DeleteCheck,
) -> Result<DeletePlan, StoreError> {
    let refuse = |reason: &str| {
        Ok(DeletePlan::NotApplicable {
            reason: reason.to_owned(),
        })
    };
    if !check.full_run {
        return refuse("only a full run can detect deletes");
    }
    if !check.read_whole_source {
        return refuse("the run did not read the whole source");
    }
    if check.rows_without_key > 0 {
        return Ok(DeletePlan::NotApplicable {
            reason: format!(
                "{} rows failed before their business key was known; their records would look deleted",
                check.rows_without_key
            ),
        });
    }
    let count = record_index::count_unseen(conn, entity, run)?;
    if count == 0 {
        return Ok(DeletePlan::Nothing);
    }
    let active = record_index::count_active(conn, entity)?;
    let ratio = count as f64 / active.max(1) as f64;
    Ok(if ratio > check.max_delete_ratio {
        DeletePlan::NeedsReview {
            count,
            active,
            ratio,
        }
    } else {
        DeletePlan::Proceed { count, active }
    })
}

/// Streams the records to delete in batches of `batch` (BK order), calling `f` for each batch.
pub fn for_each_unseen<E: From<StoreError>>(
    conn: &Connection,
    entity: EntityId,
    run: RunId,
    batch: usize,
    mut f: impl FnMut(&[IndexedRecord]) -> Result<(), E>,
) -> Result<(), E> {
    let mut after = None;
    loop {
        let records = record_index::unseen_batch(conn, entity, run, after, batch)?;
        let Some(last) = records.last() else {
            return Ok(());
        };
        after = Some(last.bk_hash);
        f(&records)?;
        if records.len() < batch {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests;
