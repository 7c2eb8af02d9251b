//! The `writes_in_flight` table: writes recorded before they are sent and cleared in the checkpoint that records
//! their answer. What is left here after a crash has an unknown outcome and is reconciled before anything is resent.

use super::{now_text, StoreError};
use crate::identity::BkHash;
use crate::ids::{EntityId, RunId};
use rusqlite::{params, Connection, Transaction};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    pub bk_hash: String,
    pub run_id: RunId,
    pub op: String,
    pub data_hash: String,
    pub rowversion: Option<String>,
    pub target_uid: Option<String>,
}

pub fn record(
    tx: &Transaction<'_>,
    entity: EntityId,
    run: RunId,
    writes: &[InFlight],
) -> Result<(), StoreError> {
    let mut st = tx.prepare_cached(
        "INSERT OR REPLACE INTO writes_in_flight (entity_id, bk_hash, run_id, op, data_hash, rowversion, target_uid,
                                                  created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let now = now_text();
    for w in writes {
        st.execute(params![
            entity,
            w.bk_hash,
            run,
            w.op,
            w.data_hash,
            w.rowversion,
            w.target_uid,
            now
        ])?;
    }
    Ok(())
}

pub fn list(conn: &Connection, entity: EntityId) -> Result<Vec<InFlight>, StoreError> {
    let mut st = conn.prepare(
        "SELECT bk_hash, run_id, op, data_hash, rowversion, target_uid FROM writes_in_flight WHERE entity_id = ?1",
    )?;
    let rows = st.query_map([entity], |r| {
        Ok(InFlight {
            bk_hash: r.get(0)?,
            run_id: r.get(1)?,
            op: r.get(2)?,
            data_hash: r.get(3)?,
            rowversion: r.get(4)?,
            target_uid: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Clears the given keys (their answer is recorded in the same transaction).
pub fn clear(tx: &Transaction<'_>, entity: EntityId, bks: &[BkHash]) -> Result<(), StoreError> {
    let list: Vec<String> = bks.iter().map(|b| b.to_string()).collect();
    tx.execute(
        "DELETE FROM writes_in_flight WHERE entity_id = ?1 AND bk_hash IN (SELECT value FROM json_each(?2))",
        params![entity, serde_json::to_string(&list)?],
    )?;
    Ok(())
}

pub fn clear_all(tx: &Transaction<'_>, entity: EntityId) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM writes_in_flight WHERE entity_id = ?1",
        [entity],
    )?;
    Ok(())
}
