//! Removing connections together with everything that hangs off them: their entities, and each entity's runs (with
//! their throughput samples), failed records, parked children, schedule, mappings, record index and writes in flight.
//! One transaction: all of it goes, or nothing.

use super::{Db, StoreError};
use rusqlite::{params, OptionalExtension};

/// What a removal deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Removed {
    pub connections: u32,
    pub entities: u32,
    pub runs: u32,
    pub failed_records: u32,
}

/// Deletes the named connections (unknown names are skipped) and every entity that reads from or writes to one of
/// them. Refused while one of those entities has a run in progress: cancel it first.
pub fn remove_connections(db: &Db, names: &[&str]) -> Result<Removed, StoreError> {
    let names = serde_json::to_string(names)?;
    db.write(|tx| {
        const ENTITIES: &str = "SELECT e.id FROM entities e JOIN connections c
             ON c.id IN (e.source_connection_id, e.target_connection_id)
             WHERE c.name IN (SELECT value FROM json_each(?1))";
        let running: Option<String> = tx
            .query_row(
                &format!(
                    "SELECT e.name FROM runs r JOIN entities e ON e.id = r.entity_id
                     WHERE r.status IN ('pending', 'running') AND r.entity_id IN ({ENTITIES}) LIMIT 1"
                ),
                [&names],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(entity) = running {
            return Err(StoreError::Conflict(format!(
                "entity '{entity}' is syncing: cancel its run before removing it"
            )));
        }
        let count = |sql: &str| -> Result<u32, StoreError> {
            Ok(tx.query_row(&format!("SELECT COUNT(*) FROM {sql} IN ({ENTITIES})"), [&names], |r| r.get(0))?)
        };
        let removed = Removed {
            connections: tx.query_row(
                "SELECT COUNT(*) FROM connections WHERE name IN (SELECT value FROM json_each(?1))",
                [&names],
                |r| r.get(0),
            )?,
            entities: count("entities WHERE id")?,
            runs: count("runs WHERE entity_id")?,
            failed_records: count("failed_records WHERE entity_id")?,
        };
        // The record index has no foreign key (it is the hot table); the rest cascades from `entities`.
        const NUMBERS: &str = "SELECT no FROM record_index_entities WHERE entity_id IN";
        for table in ["record_index", "record_seen"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE entity_no IN ({NUMBERS} ({ENTITIES}))"),
                [&names],
            )?;
        }
        tx.execute(
            &format!("DELETE FROM record_index_entities WHERE entity_id IN ({ENTITIES})"),
            [&names],
        )?;
        // Parent references point across the removed entities: drop them before the entities themselves.
        tx.execute(
            &format!(
                "DELETE FROM parent_refs WHERE entity_id IN ({ENTITIES}) OR parent_entity_id IN ({ENTITIES})"
            ),
            [&names],
        )?;
        tx.execute(&format!("DELETE FROM entities WHERE id IN ({ENTITIES})"), [&names])?;
        tx.execute(
            "DELETE FROM connections WHERE name IN (SELECT value FROM json_each(?1))",
            params![names],
        )?;
        Ok(removed)
    })
}
