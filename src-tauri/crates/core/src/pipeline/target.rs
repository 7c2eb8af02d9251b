//! Where a run's rows land (SPEC §2 step 7, §12): ScheduleHub over HTTP, or a PostgreSQL table. The pipeline
//! loads a page's inserts and updates, deletes records and looks records up by key hash (writes in flight, parent
//! checks) through this one interface; everything target-specific stays behind it.
//!
//! Idempotency: ScheduleHub inserts are reconciled with `batch/query` before being sent again (`write.rs`); a
//! PostgreSQL page is one transaction of upserts keyed by the business key, so sending it again changes nothing.

use super::{write, RunError};
use crate::http::ErrorLog;
use crate::sink::postgres::PostgresSink;
use crate::sink::schedulehub::{Outgoing, ScheduleHubClient};
use crate::sink::{Found, Refusal};
use std::collections::HashMap;
use tokio_util::sync::CancellationToken;

pub enum Target {
    /// `reader` retries (queries are idempotent); `writer` sends each write once: `write.rs` reconciles and resends.
    ScheduleHub {
        reader: ScheduleHubClient,
        writer: ScheduleHubClient,
    },
    Postgres(Box<PostgresSink>),
}

/// What the target did with a page's writes.
#[derive(Debug, Default)]
pub struct PageAnswers {
    /// The target's uid by key hash, for the inserts it accepted.
    pub uids: HashMap<String, String>,
    /// Refused inserts by key hash.
    pub refused: HashMap<String, Refusal>,
    /// Refused updates by uid.
    pub refused_updates: HashMap<String, Refusal>,
}

impl Target {
    /// Inserts and updates (by uid) one page's records into the target's `entity` (ScheduleHub's entity, or the
    /// table). Refusals of single records come back in the answer; an error is the whole page's.
    pub async fn load(
        &self,
        entity: &str,
        inserts: Vec<Outgoing>,
        updates: Vec<(String, Outgoing)>,
        errors: &ErrorLog,
        cancel: &CancellationToken,
    ) -> Result<PageAnswers, RunError> {
        let mut out = PageAnswers::default();
        match self {
            Target::ScheduleHub { reader, writer } => {
                if !inserts.is_empty() {
                    let a = write::insert(writer, reader, entity, inserts, errors, cancel).await?;
                    out.uids = a.uids;
                    out.refused = a
                        .refused
                        .into_iter()
                        .map(|(k, m)| (k, Refusal::message(m)))
                        .collect();
                }
                if !updates.is_empty() {
                    out.refused_updates = write::update(writer, entity, updates, errors, cancel)
                        .await?
                        .into_iter()
                        .map(|(k, m)| (k, Refusal::message(m)))
                        .collect();
                }
            }
            Target::Postgres(pg) => {
                if cancel.is_cancelled() {
                    return Err(RunError::Cancelled);
                }
                // One transaction for the page; the upsert does not care which rows are new.
                let update_uid: HashMap<String, String> = updates
                    .iter()
                    .map(|(u, o)| (o.erp_key_hash.clone(), u.clone()))
                    .collect();
                let rows = inserts
                    .into_iter()
                    .map(|o| (None, o))
                    .chain(updates.into_iter().map(|(u, o)| (Some(u), o)))
                    .collect();
                let written = pg.upsert(rows).await?;
                for (key, refusal) in written.refused {
                    match update_uid.get(&key) {
                        Some(uid) => {
                            out.refused_updates.insert(uid.clone(), refusal);
                        }
                        None => {
                            out.refused.insert(key, refusal);
                        }
                    }
                }
                out.uids = written
                    .ids
                    .into_iter()
                    .filter(|(k, _)| !update_uid.contains_key(k))
                    .collect();
            }
        }
        Ok(out)
    }

    /// Deletes records by uid; returns the refused ones (uid → why). A uid the target no longer knows counts as
    /// deleted (an earlier attempt's answer was lost).
    pub async fn delete(
        &self,
        entity: &str,
        uids: Vec<String>,
        errors: &ErrorLog,
        cancel: &CancellationToken,
    ) -> Result<HashMap<String, String>, RunError> {
        match self {
            Target::ScheduleHub { writer, .. } => {
                write::delete(writer, entity, uids, errors, cancel).await
            }
            Target::Postgres(pg) => {
                pg.mark_deleted(&uids).await?;
                Ok(HashMap::new())
            }
        }
    }

    /// The records of the target's `entity` with these key hashes (deleted ones are not found).
    pub async fn find(
        &self,
        entity: &str,
        key_hashes: &[String],
        cancel: &CancellationToken,
    ) -> Result<Vec<Found>, RunError> {
        match self {
            Target::ScheduleHub { reader, .. } => {
                let text = |r: &crate::sink::schedulehub::Record, f: &str| {
                    r.get(f).and_then(|v| v.as_str()).map(str::to_owned)
                };
                Ok(reader
                    .batch_query(entity, key_hashes, cancel)
                    .await?
                    .iter()
                    .filter_map(|r| {
                        Some(Found {
                            key_hash: text(r, "erp_key_hash")?,
                            uid: text(r, "uid"),
                            data_hash: text(r, "erp_data_hash"),
                            rowversion: text(r, "erp_rowversion"),
                        })
                    })
                    .collect())
            }
            Target::Postgres(pg) => Ok(pg.find(entity, key_hashes).await?),
        }
    }
}
