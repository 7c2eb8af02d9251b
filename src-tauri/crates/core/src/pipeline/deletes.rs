//! Deletes (SPEC §5): only after a full run that read the whole source, streamed in batches of unseen active
//! records, held for the planner when they exceed the entity's `max_delete_ratio`; `confirm_held_deletes` and
//! `discard_held_deletes` settle a run that ended `needs_review`.

use super::context::RunContext;
use super::RunError;
use crate::delta::{plan_deletes, DeleteCheck, DeletePlan};
use crate::identity::BkHash;
use crate::ids::RunId;
use crate::model::RunStatus;
use crate::store::runs::{self, Counters};
use crate::store::{record_index, StoreError};
use tokio_util::sync::CancellationToken;

const DELETE_BATCH: usize = 1000;

/// Plans and, unless the safety valve holds them, sends the deletes. Returns the plan and the count held.
pub async fn after_full_run(
    ctx: &RunContext,
    run: RunId,
    rows_without_key: u64,
    cancel: &CancellationToken,
) -> Result<(DeletePlan, u64), RunError> {
    let plan = plan_deletes(
        &*ctx.db.conn()?,
        ctx.entity.id,
        run,
        DeleteCheck {
            full_run: true,
            read_whole_source: true,
            rows_without_key,
            max_delete_ratio: ctx.entity.def.max_delete_ratio,
        },
    )?;
    match plan {
        DeletePlan::Proceed { .. } => {
            send_deletes(ctx, run, cancel).await?;
            Ok((plan, 0))
        }
        DeletePlan::NeedsReview { count, .. } => Ok((plan, count)),
        _ => Ok((plan, 0)),
    }
}

/// Deletes every active record `run` did not see, a batch at a time; each batch's index change and counter land in
/// one transaction after ScheduleHub answered. A delete names its record by uid and a uid ScheduleHub no longer knows
/// counts as deleted, so an interrupted batch is simply sent again: it needs no note in flight.
async fn send_deletes(
    ctx: &RunContext,
    run: RunId,
    cancel: &CancellationToken,
) -> Result<u64, RunError> {
    let entity = ctx.entity.id;
    let mut total = 0;
    let mut after: Option<BkHash> = None;
    loop {
        let batch = record_index::unseen_batch(&*ctx.db.conn()?, entity, run, after, DELETE_BATCH)?;
        let Some(last) = batch.last() else { break };
        after = Some(last.bk_hash);
        let with_uid: Vec<_> = batch.iter().filter(|r| r.target_uid.is_some()).collect();
        let uids: Vec<String> = with_uid
            .iter()
            .filter_map(|r| r.target_uid.clone())
            .collect();
        let refused = ctx
            .target
            .delete(&ctx.entity.def.target_name, uids, &ctx.errors, cancel)
            .await?;
        let done: Vec<BkHash> = batch
            .iter()
            .filter(|r| {
                r.target_uid
                    .as_ref()
                    .is_none_or(|u| !refused.contains_key(u))
            })
            .map(|r| r.bk_hash)
            .collect();
        ctx.db.write(|tx| {
            let n = record_index::mark_deleted(tx, entity, run, &done)?;
            runs::checkpoint(
                tx,
                run,
                &Counters {
                    deleted: n as u64,
                    ..Counters::default()
                },
                None,
                None,
                None,
            )?;
            total += n as u64;
            Ok(())
        })?;
        if batch.len() < DELETE_BATCH {
            break;
        }
    }
    Ok(total)
}

fn held_run(ctx: &RunContext, run: RunId) -> Result<runs::RunRecord, RunError> {
    let rec = runs::get(&ctx.db, run)?;
    if rec.status != RunStatus::NeedsReview {
        return Err(RunError::Store(StoreError::Invalid(format!(
            "run {run} holds no deletes (status {})",
            rec.status.as_str()
        ))));
    }
    let latest = runs::latest(&ctx.db, ctx.entity.id)?;
    if latest.map(|l| l.id) != Some(run) {
        return Err(RunError::Store(StoreError::Invalid(format!(
            "run {run} is no longer the entity's latest run; its held deletes are out of date — run a full sync again"
        ))));
    }
    Ok(rec)
}

/// The planner confirmed: send the held deletes; the run ends `completed`.
pub async fn confirm_held_deletes(
    ctx: &RunContext,
    run: RunId,
    cancel: &CancellationToken,
) -> Result<u64, RunError> {
    held_run(ctx, run)?;
    let n = send_deletes(ctx, run, cancel).await?;
    ctx.db.write(|tx| {
        tx.execute(
            "UPDATE runs SET status = CASE WHEN failed > 0 THEN 'completed_with_errors' ELSE 'completed' END,
               held_deletes = 0 WHERE id = ?1",
            [run],
        )?;
        Ok(())
    })?;
    Ok(n)
}

/// The planner discarded the held deletes: nothing is deleted; the run ends `completed`.
pub fn discard_held_deletes(ctx: &RunContext, run: RunId) -> Result<(), RunError> {
    held_run(ctx, run)?;
    ctx.db.write(|tx| {
        tx.execute(
            "UPDATE runs SET status = CASE WHEN failed > 0 THEN 'completed_with_errors' ELSE 'completed' END,
               held_deletes = 0 WHERE id = ?1",
            [run],
        )?;
        Ok(())
    })?;
    Ok(())
}
