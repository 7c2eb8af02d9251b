//! The local SQLite database: one file, opened through a small pool, upgraded by embedded migrations.
//! One module per table; each owns its SQL. Writes that must land together take one `BEGIN IMMEDIATE` transaction.

pub mod connections;
pub mod dashboard;
mod db;
pub mod entities;
pub mod failed_records;
pub mod pending_children;
pub mod record_index;
pub mod removal;
pub mod runs;
pub mod schedules;
pub mod settings;
pub mod writes_in_flight;

pub use db::{Db, DbConn, StoreError};

/// The current time as the RFC 3339 UTC text every timestamp column holds.
pub fn now_text() -> String {
    crate::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A database file in a temp dir and an entity id to key records by (the record index needs no entity row), for the
/// record-index and delta tests.
#[cfg(test)]
pub(crate) struct IndexFixture {
    pub _dir: tempfile::TempDir,
    pub db: Db,
    pub entity: crate::ids::EntityId,
}

#[cfg(test)]
pub(crate) fn index_fixture() -> IndexFixture {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("syncflow.db")).unwrap();
    IndexFixture {
        _dir: dir,
        db,
        entity: crate::ids::EntityId::new(),
    }
}

/// A database file in a temp dir with two connections and one entity (`sites`), for store and scheduler tests.
#[cfg(test)]
pub(crate) fn test_db_with_entity() -> (tempfile::TempDir, Db, crate::ids::EntityId) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("test.db")).unwrap();
    let entity = crate::ids::EntityId::new();
    let now = now_text();
    db.write(|tx| {
        tx.execute(
            "INSERT INTO connections (id, name, kind, base_url, created_at, updated_at)
             VALUES ('c1', 'erp', 'apismith', 'http://127.0.0.1:1', ?1, ?1),
                    ('c2', 'plan', 'schedulehub', 'http://127.0.0.1:2', ?1, ?1)",
            [&now],
        )?;
        tx.execute(
            "INSERT INTO entities (id, name, source_connection_id, slug, target_connection_id, target_name,
                                   business_keys, strategy, created_at, updated_at)
             VALUES (?1, 'sites', 'c1', 'sites', 'c2', 'sites', '[\"SITE_ID\"]', 'rowversion', ?2, ?2)",
            rusqlite::params![entity, now],
        )?;
        Ok(())
    })
    .unwrap();
    (dir, db, entity)
}
