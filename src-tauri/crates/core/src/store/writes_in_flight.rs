//! The `writes_in_flight` table: writes recorded before they are sent (one row per batch, so noting 10,000 writes
//! is one insert) and cleared in the checkpoint that records their answer. What is left here after a crash has an
//! unknown outcome and is reconciled before anything is resent.

use super::{now_text, StoreError};
use crate::ids::{EntityId, RunId};
use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    pub bk_hash: String,
    pub op: String,
    pub data_hash: String,
    pub rowversion: Option<String>,
    pub target_uid: Option<String>,
}

/// Notes a batch of writes; returns its id for `clear`.
pub fn record(
    tx: &Transaction<'_>,
    entity: EntityId,
    run: RunId,
    writes: &[InFlight],
) -> Result<String, StoreError> {
    let batch = uuid::Uuid::now_v7().to_string();
    tx.execute(
        "INSERT INTO writes_in_flight (entity_id, batch_id, run_id, writes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![entity, batch, run, serde_json::to_string(writes)?, now_text()],
    )?;
    Ok(batch)
}

/// Every write of the entity still in flight.
pub fn list(conn: &Connection, entity: EntityId) -> Result<Vec<InFlight>, StoreError> {
    let mut st = conn.prepare("SELECT writes FROM writes_in_flight WHERE entity_id = ?1")?;
    let mut out = Vec::new();
    for w in st.query_map([entity], |r| r.get::<_, String>(0))? {
        out.extend(serde_json::from_str::<Vec<InFlight>>(&w?)?);
    }
    Ok(out)
}

/// Clears a batch (its answer is recorded in the same transaction).
pub fn clear(
    tx: &Transaction<'_>,
    entity: EntityId,
    batch: Option<&str>,
) -> Result<(), StoreError> {
    if let Some(b) = batch {
        tx.execute(
            "DELETE FROM writes_in_flight WHERE entity_id = ?1 AND batch_id = ?2",
            params![entity, b],
        )?;
    }
    Ok(())
}

pub fn clear_all(tx: &Transaction<'_>, entity: EntityId) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM writes_in_flight WHERE entity_id = ?1",
        [entity],
    )?;
    Ok(())
}
