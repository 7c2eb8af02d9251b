//! `ScheduleHubClient`: every call of the ScheduleHub contract (S1–S7). Batches of any length are sent in chunks of
//! at most `MAX_BATCH`; per-record failures come back in the outcome, whole-request failures as errors.

use super::types::{
    BatchError, InsertFailure, InsertOutcome, RawInsert, RawWrite, Record, WriteOutcome,
};
use crate::http::util::{check_segment, parse};
use crate::http::{ConnectionConfig, HttpError, Session};
use reqwest::Method;
use serde_json::Value;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// `{key: items}` as a request body, serialized in place.
fn object<'a, T: serde::Serialize>(
    key: &'a str,
    items: &'a [T],
) -> std::collections::BTreeMap<&'a str, &'a [T]> {
    std::collections::BTreeMap::from([(key, items)])
}

/// The contract's limit per request.
pub const MAX_BATCH: usize = 1000;

#[derive(Clone)]
pub struct ScheduleHubClient {
    session: Arc<Session>,
}

impl ScheduleHubClient {
    pub fn new(cfg: &ConnectionConfig) -> Result<Self, HttpError> {
        Ok(Self {
            session: Arc::new(Session::new("ScheduleHub", cfg)?),
        })
    }

    async fn post<B: serde::Serialize + ?Sized>(
        &self,
        cancel: &CancellationToken,
        call: &str,
        path: &str,
        body: &B,
    ) -> Result<bytes::Bytes, HttpError> {
        Ok(self
            .session
            .call_json(cancel, call, Method::POST, path, body, true)
            .await?
            .body)
    }

    /// S1 (no authentication).
    pub async fn health(&self, cancel: &CancellationToken) -> Result<Value, HttpError> {
        self.session.health(cancel, "ScheduleHub S1 health").await
    }

    /// Logs in now with the configured credentials (the "test connection" button).
    pub async fn login(&self, cancel: &CancellationToken) -> Result<(), HttpError> {
        self.session.login(cancel).await
    }

    /// S2: the records with these hashes (duplicates included), in chunks of `MAX_BATCH`.
    pub async fn batch_query(
        &self,
        entity: &str,
        erp_key_hashes: &[String],
        cancel: &CancellationToken,
    ) -> Result<Vec<Record>, HttpError> {
        let mut out = Vec::new();
        for (i, chunk) in erp_key_hashes.chunks(MAX_BATCH).enumerate() {
            let call = format!("ScheduleHub S2 batch query '{entity}' chunk {}", i + 1);
            check_segment(&call, entity)?;
            let body = self
                .post(
                    cancel,
                    &call,
                    &format!("/api/v1/{entity}/batch/query"),
                    &object("erp_key_hashes", chunk),
                )
                .await?;
            out.extend(parse::<Vec<Record>>(&call, &body)?);
        }
        Ok(out)
    }

    /// S3: inserts `records` (`Record`s, or `Outgoing` texts); refused records are listed in the outcome's
    /// `failures`.
    pub async fn batch_insert<R: serde::Serialize + Sync>(
        &self,
        entity: &str,
        records: &[R],
        cancel: &CancellationToken,
    ) -> Result<InsertOutcome, BatchError<InsertOutcome>> {
        self.chunked(
            "S3 batch insert",
            entity,
            "insert",
            "records",
            records,
            cancel,
            |done: &mut InsertOutcome, raw: RawInsert| {
                done.inserted.extend(raw.results);
                done.failures.extend(raw.failures.into_iter().map(|f| {
                    InsertFailure {
                        erp_key_hash: f
                            .record
                            .get("erp_key_hash")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                        error: f.error,
                        record: f.record,
                    }
                }));
            },
        )
        .await
    }

    /// S4: `(uid, record)` pairs; unknown uids and refused values come back as failures.
    pub async fn batch_update<R: serde::Serialize + Sync>(
        &self,
        entity: &str,
        updates: &[(String, R)],
        cancel: &CancellationToken,
    ) -> Result<WriteOutcome, BatchError<WriteOutcome>> {
        #[derive(serde::Serialize)]
        struct Item<'a, R> {
            uid: &'a str,
            data: &'a R,
        }
        let items: Vec<Item<'_, R>> = updates
            .iter()
            .map(|(uid, data)| Item { uid, data })
            .collect();
        self.chunked(
            "S4 batch update",
            entity,
            "update",
            "updates",
            &items,
            cancel,
            add_write,
        )
        .await
    }

    /// S5: deletes by uid; unknown uids come back as failures.
    pub async fn batch_delete(
        &self,
        entity: &str,
        uids: &[String],
        cancel: &CancellationToken,
    ) -> Result<WriteOutcome, BatchError<WriteOutcome>> {
        self.chunked(
            "S5 batch delete",
            entity,
            "delete",
            "uids",
            uids,
            cancel,
            add_write,
        )
        .await
    }

    /// Posts `items` to `/api/v1/{entity}/batch/{op}` as `{key: [...]}` in chunks of `MAX_BATCH`, adding each
    /// chunk's answer to the outcome with `add`. A chunk that fails ends the call with what the earlier chunks did
    /// and the range of items not known to be written.
    #[allow(clippy::too_many_arguments)]
    async fn chunked<T, A, O>(
        &self,
        name: &str,
        entity: &str,
        op: &str,
        key: &str,
        items: &[T],
        cancel: &CancellationToken,
        mut add: impl FnMut(&mut O, A),
    ) -> Result<O, BatchError<O>>
    where
        T: serde::Serialize + Sync,
        A: serde::de::DeserializeOwned,
        O: Default,
    {
        let mut done = O::default();
        for (i, chunk) in items.chunks(MAX_BATCH).enumerate() {
            let start = i * MAX_BATCH;
            let call = format!(
                "ScheduleHub {name} '{entity}' items {start}..{}",
                start + chunk.len()
            );
            let result = async {
                check_segment(&call, entity)?;
                let body = self
                    .post(
                        cancel,
                        &call,
                        &format!("/api/v1/{entity}/batch/{op}"),
                        &object(key, chunk),
                    )
                    .await?;
                parse::<A>(&call, &body)
            }
            .await;
            match result {
                Ok(answer) => add(&mut done, answer),
                Err(error) => {
                    return Err(BatchError {
                        done,
                        failed: start..start + chunk.len(),
                        error,
                    })
                }
            }
        }
        Ok(done)
    }

    /// S6: the records with this hash (`[]` when none); an unknown entity is a `404` status error.
    pub async fn find_by_hash(
        &self,
        entity: &str,
        erp_key_hash: &str,
        cancel: &CancellationToken,
    ) -> Result<Vec<Record>, HttpError> {
        let call = format!("ScheduleHub S6 find '{entity}' by hash");
        check_segment(&call, entity)?;
        check_segment(&call, erp_key_hash)?;
        let path = format!("/api/v1/{entity}?erp_key_hash={erp_key_hash}");
        let r = self
            .session
            .call(cancel, &call, Method::GET, &path, None, true)
            .await?;
        parse(&call, &r.body)
    }

    /// S7 create: the stored record with its `uid`.
    pub async fn create(
        &self,
        entity: &str,
        record: &Record,
        cancel: &CancellationToken,
    ) -> Result<Record, HttpError> {
        let call = format!("ScheduleHub S7 create '{entity}'");
        check_segment(&call, entity)?;
        let body = self
            .post(cancel, &call, &format!("/api/v1/{entity}"), record)
            .await?;
        parse(&call, &body)
    }

    /// S7 patch: changes the given fields of one record.
    pub async fn patch(
        &self,
        entity: &str,
        uid: &str,
        fields: &Record,
        cancel: &CancellationToken,
    ) -> Result<Record, HttpError> {
        let call = format!("ScheduleHub S7 patch '{entity}' {uid}");
        check_segment(&call, entity)?;
        check_segment(&call, uid)?;
        let body = Value::Object(fields.clone());
        let r = self
            .session
            .call(
                cancel,
                &call,
                Method::PATCH,
                &format!("/api/v1/{entity}/{uid}"),
                Some(&body),
                true,
            )
            .await?;
        parse(&call, &r.body)
    }

    /// S7 delete.
    pub async fn delete(
        &self,
        entity: &str,
        uid: &str,
        cancel: &CancellationToken,
    ) -> Result<(), HttpError> {
        let call = format!("ScheduleHub S7 delete '{entity}' {uid}");
        check_segment(&call, entity)?;
        check_segment(&call, uid)?;
        self.session
            .call(
                cancel,
                &call,
                Method::DELETE,
                &format!("/api/v1/{entity}/{uid}"),
                None,
                true,
            )
            .await?;
        Ok(())
    }
}

/// What an update or delete chunk's answer adds to the outcome.
fn add_write(done: &mut WriteOutcome, answer: RawWrite) {
    done.success_count += answer.success_count;
    done.failures.extend(answer.failures);
}
