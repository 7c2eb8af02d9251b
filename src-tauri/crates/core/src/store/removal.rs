//! Removing connections or one entity together with everything that hangs off them: the entities, and each entity's
//! runs (with their throughput samples), failed records, parked children, schedule, mappings, record index and
//! writes in flight. One transaction: all of it goes, or nothing.

use super::{Db, StoreError};
use rusqlite::{params, OptionalExtension, Transaction};

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
        let mut removed = remove_entities(tx, ENTITIES, &names)?;
        removed.connections = tx.execute(
            "DELETE FROM connections WHERE name IN (SELECT value FROM json_each(?1))",
            params![names],
        )? as u32;
        Ok(removed)
    })
}

/// Deletes one entity with its runs, failed records, parked children, schedule, mappings, record index and writes
/// in flight. ScheduleHub keeps what was loaded. Refused while it syncs, and while other entities name it as
/// their parent (their children would wait for it forever): those references go first.
pub fn remove_entity(db: &Db, name: &str) -> Result<Removed, StoreError> {
    db.write(|tx| {
        const ENTITY: &str = "SELECT id FROM entities WHERE name = ?1";
        let known: Option<String> = tx.query_row(ENTITY, [name], |r| r.get(0)).optional()?;
        if known.is_none() {
            return Err(StoreError::NotFound(format!("no entity named '{name}'")));
        }
        let mut st = tx.prepare(
            "SELECT DISTINCT c.name FROM parent_refs r JOIN entities c ON c.id = r.entity_id
             JOIN entities p ON p.id = r.parent_entity_id WHERE p.name = ?1 AND c.name <> ?1 ORDER BY c.name",
        )?;
        let children: Vec<String> = st
            .query_map([name], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if !children.is_empty() {
            return Err(StoreError::InUse(format!(
                "entity '{name}' is the parent of {}: remove their parent references to it first",
                children.join(", ")
            )));
        }
        remove_entities(tx, ENTITY, name)
    })
}

/// Deletes the entities `entities` selects (a `SELECT id` taking `param` as `?1`) and everything that hangs off
/// them, in the caller's transaction; refused while one of them has a run in progress.
fn remove_entities(
    tx: &Transaction<'_>,
    entities: &str,
    param: &str,
) -> Result<Removed, StoreError> {
    let running: Option<String> = tx
        .query_row(
            &format!(
                "SELECT e.name FROM runs r JOIN entities e ON e.id = r.entity_id
                 WHERE r.status IN ('pending', 'running') AND r.entity_id IN ({entities}) LIMIT 1"
            ),
            [param],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(entity) = running {
        return Err(StoreError::Conflict(format!(
            "entity '{entity}' is syncing: cancel its run before removing it"
        )));
    }
    let count = |sql: &str| -> Result<u32, StoreError> {
        Ok(tx.query_row(
            &format!("SELECT COUNT(*) FROM {sql} IN ({entities})"),
            [param],
            |r| r.get(0),
        )?)
    };
    let removed = Removed {
        connections: 0,
        entities: count("entities WHERE id")?,
        runs: count("runs WHERE entity_id")?,
        failed_records: count("failed_records WHERE entity_id")?,
    };
    // The record index and its seen marks have no foreign key (they are the hot tables); the rest cascades from
    // `entities`.
    const NUMBERS: &str = "SELECT no FROM record_index_entities WHERE entity_id IN";
    for table in [
        "record_index",
        "record_keys",
        "record_key_packs",
        "record_seen",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE entity_no IN ({NUMBERS} ({entities}))"),
            [param],
        )?;
    }
    tx.execute(
        &format!("DELETE FROM record_index_entities WHERE entity_id IN ({entities})"),
        [param],
    )?;
    // Parent references point across the removed entities: drop them before the entities themselves.
    tx.execute(
        &format!("DELETE FROM parent_refs WHERE entity_id IN ({entities}) OR parent_entity_id IN ({entities})"),
        [param],
    )?;
    tx.execute(
        &format!("DELETE FROM entities WHERE id IN ({entities})"),
        [param],
    )?;
    Ok(removed)
}
