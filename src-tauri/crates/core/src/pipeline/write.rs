//! Writes to ScheduleHub that never duplicate: each request is sent once; after a transient failure the records of
//! the failed request are looked up by `erp_key_hash` (batch/query) and only those ScheduleHub does not have are
//! sent again. Updates and deletes are idempotent by uid, so they are simply repeated.

use super::{wait, RunError};
use crate::http::ErrorLog;
use crate::sink::schedulehub::{BatchError, Record, ScheduleHubClient};
use std::collections::HashMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Attempts per batch before the run fails at its checkpoint (SPEC §7: at most 5 per request).
const MAX_ATTEMPTS: u32 = 5;

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((250u64 << attempt.min(6)).min(8_000))
}

fn hash_of(r: &Record) -> String {
    r.get("erp_key_hash")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
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
    records: Vec<Record>,
    errors: &ErrorLog,
    cancel: &CancellationToken,
) -> Result<Answers, RunError> {
    let mut out = Answers::default();
    let mut merge = |a: Answers| {
        out.uids.extend(a.uids);
        out.refused.extend(a.refused);
    };
    let mut set = tokio::task::JoinSet::new();
    let mut rest = records;
    while !rest.is_empty() {
        let tail = rest.split_off(rest.len().min(crate::sink::schedulehub::MAX_BATCH));
        let chunk = std::mem::replace(&mut rest, tail);
        if set.len() >= CONCURRENT_CHUNKS {
            if let Some(done) = set.join_next().await {
                merge(done.map_err(|e| RunError::Internal(e.to_string()))??);
            }
        }
        let (w, r, e, log, c) = (
            writer.clone(),
            reader.clone(),
            entity.to_owned(),
            errors.clone(),
            cancel.clone(),
        );
        set.spawn(async move { insert_chunk(&w, &r, &e, chunk, &log, &c).await });
    }
    // An error returns at once; dropping the set aborts the other requests, whose writes stay noted in flight.
    while let Some(done) = set.join_next().await {
        merge(done.map_err(|e| RunError::Internal(e.to_string()))??);
    }
    Ok(out)
}

async fn insert_chunk(
    writer: &ScheduleHubClient,
    reader: &ScheduleHubClient,
    entity: &str,
    records: Vec<Record>,
    errors: &ErrorLog,
    cancel: &CancellationToken,
) -> Result<Answers, RunError> {
    let mut out = Answers::default();
    let mut todo = records;
    let mut attempt = 0;
    while !todo.is_empty() {
        match writer.batch_insert(entity, &todo, cancel).await {
            Ok(done) => {
                absorb_inserts(&mut out, done);
                todo.clear();
            }
            Err(e) => {
                attempt += 1;
                give_up_or_wait(&e, attempt, errors, cancel).await?;
                let unknown: Vec<String> = todo[e.failed.clone()].iter().map(hash_of).collect();
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
                todo.retain(|r| !out.uids.contains_key(&hash_of(r)));
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
    updates: Vec<(String, Record)>,
    errors: &ErrorLog,
    cancel: &CancellationToken,
) -> Result<HashMap<String, String>, RunError> {
    let mut refused = HashMap::new();
    let mut todo = updates;
    let mut attempt = 0;
    while !todo.is_empty() {
        match writer.batch_update(entity, &todo, cancel).await {
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
    while !todo.is_empty() {
        match writer.batch_delete(entity, &todo, cancel).await {
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
