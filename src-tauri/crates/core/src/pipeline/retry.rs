//! Retrying failed records (SPEC §7): the stored raw rows go through the *current* configuration and load again,
//! as a run with trigger `retry`; a row that goes through resolves its record, one that fails again bumps its
//! attempts. The automatic retry of load failures picks records whose backoff has elapsed (3 attempts at most).

use super::checkpoint::{self, Checkpoint, Origin};
use super::context::RunContext;
use super::load::{load_page, RowEnd, Uncommitted};
use super::resolve::ParentCache;
use super::RunError;
use crate::ids::{FailedRecordId, RunId};
use crate::model::RunStatus;
use crate::store::failed_records;
use crate::store::runs::{self, NewRun};
use crate::value::RawRow;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RetryOutcome {
    pub run_id: Option<RunId>,
    pub resolved: u64,
    pub failed_again: u64,
    pub parked: u64,
}

const CHUNK: usize = 1000;

/// Retries the given failed records of the context's entity; a row failing again at load may be retried
/// automatically `min(60·2^(n-1), 3600)` s after `now` (the sweep's clock).
pub async fn retry_records(
    ctx: &RunContext,
    ids: &[FailedRecordId],
    now: chrono::DateTime<chrono::Utc>,
    cancel: &CancellationToken,
) -> Result<RetryOutcome, RunError> {
    retry_records_with(ctx, ids, now, cancel, &|_| {}).await
}

/// `retry_records`, telling `progress` the outcome so far after each chunk has been checkpointed.
pub async fn retry_records_with(
    ctx: &RunContext,
    ids: &[FailedRecordId],
    now: chrono::DateTime<chrono::Utc>,
    cancel: &CancellationToken,
    progress: &(dyn Fn(&RetryOutcome) + Send + Sync),
) -> Result<RetryOutcome, RunError> {
    let mut out = RetryOutcome::default();
    if ids.is_empty() {
        return Ok(out);
    }
    let run = runs::create(
        &ctx.db,
        ctx.entity.id,
        &NewRun {
            trigger: "retry".into(),
            ..NewRun::default()
        },
    )?;
    runs::set_status(&ctx.db, run, RunStatus::Running)?;
    out.run_id = Some(run);
    let mut parents = ParentCache::default();
    let result: Result<(), RunError> = async {
        for chunk in ids.chunks(CHUNK) {
            let mut raws = Vec::with_capacity(chunk.len());
            let mut origin = Vec::with_capacity(chunk.len());
            for id in chunk {
                let d = failed_records::detail(&ctx.db, *id)?;
                if d.entity_id != ctx.entity.id.to_string() || d.resolved_at.is_some() {
                    continue;
                }
                raws.push(serde_json::from_str::<RawRow>(&d.raw)?);
                origin.push(*id);
            }
            let t = ctx.transformer.clone();
            let prepared = tokio::task::spawn_blocking(move || t.prepare_page(raws))
                .await
                .map_err(|e| RunError::Internal(e.to_string()))?;
            let result = load_page(
                ctx,
                run,
                &prepared,
                &mut parents,
                &Uncommitted::default(),
                now,
                cancel,
            )
            .await?;
            for e in &result.ends {
                match e {
                    RowEnd::Failed(_) => out.failed_again += 1,
                    RowEnd::Parked => out.parked += 1,
                    _ => out.resolved += 1,
                }
            }
            checkpoint::commit(
                &ctx.db,
                Checkpoint {
                    entity: ctx.entity.id,
                    run,
                    result: &result,
                    cursor: None,
                    watermark: None,
                    origin: Origin::Retry(&origin, now),
                    clear_old: false,
                    sample: None,
                },
            )?;
            progress(&out);
        }
        Ok(())
    }
    .await;
    let (status, err) = match &result {
        Ok(()) if out.failed_again > 0 => (RunStatus::CompletedWithErrors, None),
        Ok(()) => (RunStatus::Completed, None),
        Err(RunError::Cancelled) => (RunStatus::Cancelled, None),
        Err(e) => (RunStatus::Failed, Some((e.code_text(), e.to_string()))),
    };
    ctx.db.write(|tx| {
        runs::finish(
            tx,
            run,
            status,
            err.as_ref().map(|(c, m)| (*c, m.as_str())),
            &serde_json::to_string(&out).unwrap_or_default(),
            0,
        )
    })?;
    result.map(|_| out)
}
