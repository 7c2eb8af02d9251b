//! The `writes_in_flight` table: the inserts about to be sent, noted before they are sent and cleared in the
//! checkpoint that records their answer. One row per batch holding the batch's business-key hashes packed as one blob
//! (16 bytes each: a 10,000-row page notes 160 KB, not a JSON document of every write). What is left here after a
//! crash has an unknown outcome: before anything is sent again, those keys are looked up in ScheduleHub
//! (`batch/query`) and the ones it has are recorded in the index, so they are never inserted twice. Updates and
//! deletes name their record by uid and are idempotent, so they leave no trail.

use super::{now_text, StoreError};
use crate::identity::BkHash;
use crate::ids::{EntityId, RunId};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, Transaction};
use serde::Deserialize;

/// Notes the business keys of a batch of inserts; returns the batch's id for `clear`, or `None` when there is
/// nothing to note.
pub fn record(
    tx: &Transaction<'_>,
    entity: EntityId,
    run: RunId,
    inserts: &[BkHash],
) -> Result<Option<String>, StoreError> {
    if inserts.is_empty() {
        return Ok(None);
    }
    let packed: Vec<u8> = inserts.iter().flat_map(|b| b.0.to_be_bytes()).collect();
    let batch = uuid::Uuid::now_v7().to_string();
    tx.execute(
        "INSERT INTO writes_in_flight (entity_id, batch_id, run_id, writes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![entity, batch, run, packed, now_text()],
    )?;
    Ok(Some(batch))
}

/// A write as versions before 0.10 noted it (a JSON list per batch); only its inserts need reconciling.
#[derive(Deserialize)]
struct JsonNoted {
    bk_hash: String,
    op: String,
}

fn unpack(batch: ValueRef<'_>) -> Result<Vec<BkHash>, StoreError> {
    match batch {
        ValueRef::Blob(b) if b.len() % 16 == 0 => Ok(b
            .chunks_exact(16)
            .map(|c| BkHash(u128::from_be_bytes(c.try_into().expect("16 bytes"))))
            .collect()),
        ValueRef::Blob(b) => Err(StoreError::Invalid(format!(
            "writes_in_flight.writes: {} bytes is not a list of 16-byte key hashes",
            b.len()
        ))),
        ValueRef::Text(t) => serde_json::from_slice::<Vec<JsonNoted>>(t)?
            .into_iter()
            .filter(|w| w.op == "insert")
            .map(|w| w.bk_hash.parse().map_err(StoreError::Invalid))
            .collect(),
        other => Err(StoreError::Invalid(format!(
            "writes_in_flight.writes: a {:?} value is not a batch of writes",
            other.data_type()
        ))),
    }
}

/// The business keys of every insert of the entity still in flight.
pub fn list(conn: &Connection, entity: EntityId) -> Result<Vec<BkHash>, StoreError> {
    let mut st = conn.prepare("SELECT writes FROM writes_in_flight WHERE entity_id = ?1")?;
    let mut rows = st.query([entity])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.extend(unpack(r.get_ref(0)?)?);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_one_row_of_packed_keys_and_notes_from_older_versions_still_read() {
        let (_dir, db, entity) = crate::store::test_db_with_entity();
        let keys = [BkHash(1), BkHash(u128::MAX), BkHash(0xabc)];
        let batch = db
            .write(|tx| record(tx, entity, RunId::new(), &keys))
            .unwrap();
        assert!(batch.is_some());
        assert_eq!(
            db.write(|tx| record(tx, entity, RunId::new(), &[]))
                .unwrap(),
            None,
            "no inserts, no note"
        );
        // A note written by 0.9 (JSON, every op): its inserts are reconciled, the rest needs nothing.
        let old = format!(
            r#"[{{"bk_hash":"{}","op":"insert","data_hash":"00","rowversion":null,"target_uid":null}},
                {{"bk_hash":"{}","op":"update","data_hash":"00","rowversion":null,"target_uid":"u-1"}}]"#,
            BkHash(7),
            BkHash(8)
        );
        db.write(|tx| {
            tx.execute(
                "INSERT INTO writes_in_flight (entity_id, batch_id, run_id, writes, created_at)
                 VALUES (?1, 'old', ?2, ?3, '2026-01-01T00:00:00.000Z')",
                params![entity, RunId::new(), old],
            )?;
            Ok(())
        })
        .unwrap();
        let mut left = list(&db.conn().unwrap(), entity).unwrap();
        left.sort();
        assert_eq!(
            left,
            [BkHash(1), BkHash(7), BkHash(0xabc), BkHash(u128::MAX)]
        );

        db.write(|tx| clear(tx, entity, batch.as_deref())).unwrap();
        assert_eq!(list(&db.conn().unwrap(), entity).unwrap(), [BkHash(7)]);
        db.write(|tx| {
            tx.execute(
                "UPDATE writes_in_flight SET writes = x'0102' WHERE batch_id = 'old'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
        let err = list(&db.conn().unwrap(), entity).unwrap_err().to_string();
        assert!(err.contains("2 bytes"), "a damaged note is named: {err}");
    }
}
