//! Writes to ScheduleHub that never duplicate: each request is sent once; after a transient failure the records of
//! the failed request are looked up by `erp_key_hash` (batch/query) and only those ScheduleHub does not have are
//! sent again. Updates and deletes are idempotent by uid, so they are simply repeated.
//!
//! A cancel never abandons a write already sent: ScheduleHub may apply a request it has received whether or not the
//! client still listens (or answer just after applying it), so an abandoned write has an unknown outcome and could
//! even land after the next run has reconciled it. The answer is awaited (at most `CANCEL_GRACE` after the cancel), the page checkpoints it, and only
//! then does the run stop. Nothing new is sent once the run is cancelled.

use super::{wait, RunError};
use crate::http::ErrorLog;
use crate::sink::schedulehub::{BatchError, Outgoing, ScheduleHubClient};
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Attempts per batch before the run fails at its checkpoint (SPEC §7: at most 5 per request).
const MAX_ATTEMPTS: u32 = 5;

/// How long a write already sent may still take to answer once the run is cancelled. One that takes longer is given
/// up: it stays noted in flight, and the next run reconciles it with batch/query before sending anything again.
const CANCEL_GRACE: Duration = Duration::from_secs(20);

/// The answer to one write request (`send` is not polled before this), `Cancelled` if the run was cancelled before
/// it was sent or it gave no answer within `CANCEL_GRACE` of the cancel. `send` must not itself watch `cancel`.
async fn answer<T>(
    send: impl Future<Output = T>,
    cancel: &CancellationToken,
) -> Result<T, RunError> {
    if cancel.is_cancelled() {
        return Err(RunError::Cancelled);
    }
    tokio::pin!(send);
    tokio::select! {
        biased;
        r = &mut send => Ok(r),
        _ = cancel.cancelled() => match tokio::time::timeout(CANCEL_GRACE, send).await {
            Ok(r) => Ok(r),
            Err(_) => {
                tracing::warn!("a write gave no answer after the cancel; it stays noted in flight");
                Err(RunError::Cancelled)
            }
        },
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((250u64 << attempt.min(6)).min(8_000))
}

/// What ScheduleHub answered per record: uid by hash for accepted inserts, error by key for refused ones.
#[derive(Debug, Default)]
pub struct Answers {
    pub uids: HashMap<String, String>,
    pub refused: HashMap<String, String>,
}

async fn give_up_or_wait<T>(
    e: &BatchError<T>,
    attempt: u32,
    errors: &ErrorLog,
    cancel: &CancellationToken,
) -> Result<(), RunError> {
    if e.error.is_cancelled() || cancel.is_cancelled() {
        return Err(RunError::Cancelled);
    }
    if !e.error.is_transient() || attempt >= MAX_ATTEMPTS {
        return Err(RunError::Http(clone_error(&e.error)));
    }
    tracing::warn!(error = %e.error, attempt, "write failed; reconciling before sending again");
    errors.push(format!(
        "{} (attempt {attempt}; reconciled and sent again)",
        e.error
    ));
    if !wait(backoff(attempt), cancel).await {
        return Err(RunError::Cancelled);
    }
    Ok(())
}

fn clone_error(e: &crate::http::HttpError) -> crate::http::HttpError {
    use crate::http::HttpError as H;
    match e {
        H::Status {
            call,
            status,
            detail,
            retry_after,
        } => H::Status {
            call: call.clone(),
            status: *status,
            detail: detail.clone(),
            retry_after: *retry_after,
        },
        other => H::Network {
            call: "ScheduleHub write".into(),
            message: other.to_string(),
        },
    }
}

/// Requests of one page's inserts sent at once: ScheduleHub parses one while we encode the next.
const CONCURRENT_CHUNKS: usize = 3;

/// Inserts `records` (each with `erp_key_hash`) exactly once each, a few chunks at a time.
pub async fn insert(
    writer: &ScheduleHubClient,
    reader: &ScheduleHubClient,
    entity: &str,
    records: Vec<Outgoing>,
    errors: &ErrorLog,
    cancel: &CancellationToken,
) -> Result<Answers, RunError> {
    let mut out = Answers::default();
    let mut failed = None;
    // A chunk's error stops the others sending more, but their requests under way are answered (see `answer`):
    // aborting them would leave writes whose outcome nobody knows.
    let stop = cancel.child_token();
    let mut settle = |done: Result<Result<Answers, RunError>, tokio::task::JoinError>| match done
        .map_err(|e| RunError::Internal(e.to_string()))
        .and_then(|r| r)
    {
        Ok(a) => {
            out.uids.extend(a.uids);
            out.refused.extend(a.refused);
        }
        Err(e) => {
            stop.cancel();
            failed.get_or_insert(e);
        }
    };
    let mut set = tokio::task::JoinSet::new();
    let mut rest = records;
    while !rest.is_empty() && !stop.is_cancelled() {
        let tail = rest.split_off(rest.len().min(crate::sink::schedulehub::MAX_BATCH));
        let chunk = std::mem::replace(&mut rest, tail);
        if set.len() >= CONCURRENT_CHUNKS {
            if let Some(done) = set.join_next().await {
                settle(done);
            }
        }
        let (w, r, e, log, c) = (
            writer.clone(),
            reader.clone(),
            entity.to_owned(),
            errors.clone(),
            stop.clone(),
        );
        set.spawn(async move { insert_chunk(&w, &r, &e, chunk, &log, &c).await });
    }
    while let Some(done) = set.join_next().await {
        settle(done);
    }
    if !rest.is_empty() {
        // Stopped before sending every chunk: the page is not complete, so it must not be checkpointed.
        failed.get_or_insert(RunError::Cancelled);
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

async fn insert_chunk(
    writer: &ScheduleHubClient,
    reader: &ScheduleHubClient,
    entity: &str,
    records: Vec<Outgoing>,
    errors: &ErrorLog,
    cancel: &CancellationToken,
) -> Result<Answers, RunError> {
    let mut out = Answers::default();
    let mut todo = records;
    let mut attempt = 0;
    // The request itself is never aborted; `answer` watches the run's cancel.
    let unabortable = CancellationToken::new();
    while !todo.is_empty() {
        match answer(writer.batch_insert(entity, &todo, &unabortable), cancel).await? {
            Ok(done) => {
                absorb_inserts(&mut out, done);
                todo.clear();
            }
            Err(e) => {
                attempt += 1;
                give_up_or_wait(&e, attempt, errors, cancel).await?;
                let unknown: Vec<String> = todo[e.failed.clone()]
                    .iter()
                    .map(|r| r.erp_key_hash.clone())
                    .collect();
                let start = e.failed.start;
                absorb_inserts(&mut out, e.done);
                // The failed request may have been applied (a 503 after the write): ask before resending.
                for rec in reader.batch_query(entity, &unknown, cancel).await? {
                    if let (Some(h), Some(uid)) = (
                        rec.get("erp_key_hash").and_then(|v| v.as_str()),
                        rec.get("uid").and_then(|v| v.as_str()),
                    ) {
                        out.uids.insert(h.to_owned(), uid.to_owned());
                    }
                }
                todo = todo.split_off(start);
                todo.retain(|r| !out.uids.contains_key(&r.erp_key_hash));
            }
        }
    }
    Ok(out)
}

fn absorb_inserts(out: &mut Answers, done: crate::sink::schedulehub::InsertOutcome) {
    for i in done.inserted {
        out.uids.insert(i.erp_key_hash, i.uid);
    }
    for f in done.failures {
        if let Some(h) = f.erp_key_hash {
            out.refused.insert(h, f.error);
        }
    }
}

/// Updates `(uid, record)` pairs; refused ones come back by uid.
pub async fn update(
    writer: &ScheduleHubClient,
    entity: &str,
    updates: Vec<(String, Outgoing)>,
    errors: &ErrorLog,
    cancel: &CancellationToken,
) -> Result<HashMap<String, String>, RunError> {
    let mut refused = HashMap::new();
    let mut todo = updates;
    let mut attempt = 0;
    let unabortable = CancellationToken::new();
    while !todo.is_empty() {
        match answer(writer.batch_update(entity, &todo, &unabortable), cancel).await? {
            Ok(done) => {
                refused.extend(done.failures.into_iter().map(|f| (f.uid, f.error)));
                todo.clear();
            }
            Err(e) => {
                attempt += 1;
                give_up_or_wait(&e, attempt, errors, cancel).await?;
                refused.extend(e.done.failures.into_iter().map(|f| (f.uid, f.error)));
                todo = todo.split_off(e.failed.start);
            }
        }
    }
    Ok(refused)
}

/// Deletes by uid; a uid ScheduleHub no longer knows is already deleted (an earlier attempt's answer was lost).
pub async fn delete(
    writer: &ScheduleHubClient,
    entity: &str,
    uids: Vec<String>,
    errors: &ErrorLog,
    cancel: &CancellationToken,
) -> Result<HashMap<String, String>, RunError> {
    let mut refused = HashMap::new();
    let mut todo = uids;
    let mut attempt = 0;
    let mut keep = |fs: Vec<crate::sink::schedulehub::UidFailure>| {
        for f in fs {
            if !f.error.starts_with("unknown uid") {
                refused.insert(f.uid, f.error);
            }
        }
    };
    let unabortable = CancellationToken::new();
    while !todo.is_empty() {
        match answer(writer.batch_delete(entity, &todo, &unabortable), cancel).await? {
            Ok(done) => {
                keep(done.failures);
                todo.clear();
            }
            Err(e) => {
                attempt += 1;
                give_up_or_wait(&e, attempt, errors, cancel).await?;
                keep(e.done.failures);
                todo = todo.split_off(e.failed.start);
            }
        }
    }
    Ok(refused)
}
