//! Opening the database: pragmas for durability (WAL, `synchronous=FULL`, busy timeout, foreign keys), the
//! connection pool, and the embedded migrations with their version table (`refinery_schema_history`).

use crate::error::{Coded, ErrorCode};
use r2d2_sqlite::SqliteConnectionManager;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod embedded {
    refinery::embed_migrations!("src/store/migrations");
}

pub type DbConn = r2d2::PooledConnection<SqliteConnectionManager>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the database is busy: no connection became free within {0:?}")]
    PoolExhausted(Duration),
    #[error("could not open the database at {path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error("could not upgrade the database: {0}")]
    Migration(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    /// The action clashes with work in progress (e.g. a run).
    #[error("{0}")]
    Conflict(String),
    /// The change would break something that depends on the row (e.g. deleting a connection entities use).
    #[error("{0}")]
    InUse(String),
    #[error("stored JSON is damaged: {0}")]
    Json(#[from] serde_json::Error),
}

impl Coded for StoreError {
    fn code(&self) -> ErrorCode {
        match self {
            StoreError::NotFound(_) => ErrorCode::NotFound,
            StoreError::Invalid(_) => ErrorCode::Validation,
            StoreError::PoolExhausted(_) | StoreError::Conflict(_) | StoreError::InUse(_) => {
                ErrorCode::Conflict
            }
            _ => ErrorCode::Internal,
        }
    }
}

/// A cheap, cloneable handle to the database.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<SqliteConnectionManager>,
    path: PathBuf,
}

const POOL_TIMEOUT: Duration = Duration::from_secs(10);

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

impl Db {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Db, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                path: path.clone(),
                message: e.to_string(),
            })?;
        }
        {
            // Migrate on a plain connection first, so the pool never hands out a connection to an old schema.
            let mut conn = rusqlite::Connection::open(&path)?;
            configure(&conn)?;
            migrate(&mut conn)?;
        }
        let manager = SqliteConnectionManager::file(&path).with_init(|c| configure(c));
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .connection_timeout(POOL_TIMEOUT)
            .build(manager)
            .map_err(|e| StoreError::Open {
                path: path.clone(),
                message: e.to_string(),
            })?;
        Ok(Db { pool, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A connection from the pool; a pool that stays full is an error, not a panic.
    pub fn conn(&self) -> Result<DbConn, StoreError> {
        self.pool
            .get()
            .map_err(|_| StoreError::PoolExhausted(POOL_TIMEOUT))
    }

    /// Runs `f` inside one `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so two writers never
    /// deadlock on a lock upgrade.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Copies the WAL back into the database file as far as no reader still needs it (`wal_checkpoint(PASSIVE)`:
    /// it waits for no reader or writer). A run calls it at its end, so the run that wrote pages pays for copying
    /// them: otherwise the automatic checkpoint (every 64 MiB of WAL, see `configure`) lands in whichever run crosses
    /// the mark next, and a small run after a large one copies the large one's pages back (a 1% run after a 1M initial
    /// load: 114 MB written instead of 40). Returns the WAL frames left uncopied (readers still using them).
    pub fn checkpoint_wal(&self) -> Result<u64, StoreError> {
        let conn = self.conn()?;
        // (busy, frames in the WAL, frames copied back): busy is 0 for a passive checkpoint that ran.
        let (frames, copied): (i64, i64) =
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(1)?, r.get(2)?))
            })?;
        Ok(frames.saturating_sub(copied).max(0) as u64)
    }

    /// The schema version the file is at (the highest applied migration).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        let conn = self.conn()?;
        let v: Option<u32> = conn.query_row(
            "SELECT MAX(version) FROM refinery_schema_history",
            [],
            |r| r.get(0),
        )?;
        Ok(v.unwrap_or(0))
    }
}

fn configure(conn: &rusqlite::Connection) -> Result<(), rusqlite::Error> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // The sync's state (cursor, record index) must survive a power cut: FULL, not NORMAL.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // The record index of a large entity is tens of MB and every page of a run probes it at random: a page cache
    // (allocated only as used) and memory-mapped reads keep those probes off read(2). 16 MiB, not more: the pool holds
    // up to 8 connections and the whole app should stay within a few hundred MB. (32 MiB keeps the 1M key table
    // cached, ≈ 19 instead of ≈ 27 ms CPU for a 1M key-table lookup page, but the 1M sync then peaked at 286–296 MB
    // against the 300 MB target; session 7.) The mapped pages count in the process's resident memory, so the map stays
    // at 64 MiB: beyond it reads go through the page cache and read(2), and a 1M-row sync peaks at about 200 MB less.
    // Durability is unchanged.
    conn.pragma_update(None, "cache_size", -16384)?;
    conn.pragma_update(None, "mmap_size", 64 * 1024 * 1024)?;
    // A page's checkpoint dirties thousands of record-index pages at random; copying the WAL back into the database
    // after every commit (the default, every 1000 pages) writes each of them twice per page of rows. Every 16384
    // pages (64 MiB of WAL), a database page changed by several checkpoints in between is copied once: about a third
    // less written for a large initial load. Durability is unchanged (WAL, `synchronous=FULL`); the WAL file is
    // truncated back to that size after a larger transaction.
    conn.pragma_update(None, "wal_autocheckpoint", 16384)?;
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // `rarray(?)`: a page's keys as one parameter, so the record index answers a page in one statement.
    rusqlite::vtab::array::load_module(conn)?;
    Ok(())
}

/// Applies every migration not yet applied, each in its own transaction.
pub(crate) fn migrate(conn: &mut rusqlite::Connection) -> Result<(), StoreError> {
    embedded::migrations::runner()
        .set_grouped(false)
        .run(conn)
        .map(|_| ())
        .map_err(|e| StoreError::Migration(e.to_string()))
}

/// Applies migrations up to and including `version` only (for upgrade tests).
#[cfg(test)]
pub(crate) fn migrate_to(conn: &mut rusqlite::Connection, version: u32) -> Result<(), StoreError> {
    embedded::migrations::runner()
        .set_grouped(false)
        .set_target(refinery::Target::Version(version as i32))
        .run(conn)
        .map(|_| ())
        .map_err(|e| StoreError::Migration(e.to_string()))
}

#[cfg(test)]
pub(crate) fn all_versions() -> Vec<u32> {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| m.version() as u32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &rusqlite::Connection) -> Vec<String> {
        let mut st = conn
            .prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn creates_every_table_spec_needs_on_an_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("syncflow.db")).unwrap();
        let conn = db.conn().unwrap();
        let names = tables(&conn);
        for t in [
            "connections",
            "entities",
            "failed_records",
            "field_mappings",
            "parent_refs",
            "pending_children",
            "record_index",
            "runs",
            "schedules",
            "settings",
        ] {
            assert!(
                names.iter().any(|n| n == t),
                "table {t} missing; have {names:?}"
            );
        }
        assert_eq!(
            db.schema_version().unwrap(),
            *all_versions().iter().max().unwrap()
        );
    }

    #[test]
    fn upgrades_a_file_from_every_earlier_version() {
        use crate::identity::{BkHash, DataHash};
        use crate::ids::{EntityId, RunId};
        use crate::store::record_index;
        let latest = *all_versions().iter().max().unwrap();
        let (entity, run, other_run) = (EntityId::new(), RunId::new(), RunId::new());
        let bk = BkHash(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210);
        // A second record, last seen by another run: the first run must not count it as seen.
        let bk2 = BkHash(0x0fed_cba9_8765_4321_0123_4567_89ab_cdef);
        let data = DataHash([0xa7; 32]);
        // A ScheduleHub uid (a canonical uuid: stored as its 16 bytes since V11) beside "uid-1" (any other uid:
        // stored as its text).
        let uuid_uid = "0193a3c5-7d2e-7f41-9c3b-5a6d7e8f9012";
        for from in all_versions() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("old.db");
            // Before V4 the record index held its hashes as lowercase hex text, since then as bytes; since V9 it
            // numbers its entities and keeps the seen marks in per-run bitmaps; since V11 a uuid uid, the first run
            // and the state are bytes and numbers, the time Unix milliseconds.
            let hex_hashes = from < 4;
            {
                let mut conn = rusqlite::Connection::open(&path).unwrap();
                migrate_to(&mut conn, from).unwrap();
                if from >= 9 {
                    conn.execute(
                        "INSERT INTO record_index_entities (no, entity_id) VALUES (7, ?1)",
                        [entity],
                    )
                    .unwrap();
                    let insert = if from >= 11 {
                        "INSERT INTO record_index (id, entity_no, bk_hash, data_hash, rowversion, target_uid,
                                                  active, first_seen_run, updated_at)
                         VALUES (?1, 7, ?2, ?3, ?4, ?5, 1, ?6, 1767225600000)"
                    } else {
                        "INSERT INTO record_index (id, entity_no, bk_hash, data_hash, rowversion, target_uid,
                                                  state, first_seen_run, updated_at)
                         VALUES (?1, 7, ?2, ?3, ?4, ?5, 'active', ?6, '2026-01-01T00:00:00.000Z')"
                    };
                    for (id, b, rv, uid, r) in [
                        (40_000, bk, Some("0x00000000000007D3"), "uid-1", run),
                        (40_003, bk2, None, uuid_uid, other_run),
                    ] {
                        let (uid, first): (rusqlite::types::Value, rusqlite::types::Value) =
                            if from >= 11 {
                                let uid = match uuid::Uuid::parse_str(uid) {
                                    Ok(u) => u.as_bytes().to_vec().into(),
                                    Err(_) => uid.to_owned().into(),
                                };
                                (uid, r.0.as_bytes().to_vec().into())
                            } else {
                                (uid.to_owned().into(), r.to_string().into())
                            };
                        conn.execute(
                            insert,
                            rusqlite::params![
                                id,
                                &b.0.to_be_bytes()[..],
                                &data.0[..],
                                rv,
                                uid,
                                first
                            ],
                        )
                        .unwrap();
                        // Id 40,000 is bit 7,232 of chunk 2: byte 904, mask 1 (40,003: mask 8).
                        let mut bits = vec![0u8; 2048];
                        bits[904] = 1 << (id - 40_000);
                        conn.execute(
                            "INSERT INTO record_seen (entity_no, run_id, chunk, bits) VALUES (7, ?1, 2, ?2)",
                            rusqlite::params![r, bits],
                        )
                        .unwrap();
                    }
                    if from == 12 {
                        // V12's packs, of whole keys and 8-byte ids (here at the entity's watermark 0): V13 packs
                        // prefixes, and drops these.
                        let (keys, ids) = (
                            [bk.0.to_be_bytes(), bk2.0.to_be_bytes()].concat(),
                            [40_000i64.to_le_bytes(), 40_003i64.to_le_bytes()].concat(),
                        );
                        conn.execute(
                            "INSERT INTO record_key_packs (entity_no, pack, keys, ids) VALUES (7, 0, ?1, ?2)",
                            rusqlite::params![keys, ids],
                        )
                        .unwrap();
                        conn.execute_batch(
                            "UPDATE record_index_entities SET packs_to = 0, packed_keys = 2 WHERE no = 7",
                        )
                        .unwrap();
                    }
                } else {
                    // From V3 on, a rowid table: the records get ids the seen bitmaps must carry over.
                    let (id_col, ids) = if from >= 3 {
                        ("rowid, ", ["40000, ", "40003, "])
                    } else {
                        ("", ["", ""])
                    };
                    let uuid_text = format!("'{uuid_uid}'");
                    for (id, b, rv, uid, r) in [
                        (ids[0], bk, "'0x00000000000007D3'", "'uid-1'", run),
                        (ids[1], bk2, "NULL", uuid_text.as_str(), other_run),
                    ] {
                        let insert = format!(
                            "INSERT INTO record_index ({id_col}entity_id, bk_hash, data_hash, rowversion, target_uid,
                                                       state, first_seen_run, last_seen_run, updated_at)
                             VALUES ({id}?1, ?2, ?3, {rv}, {uid}, 'active', ?4, ?4, '2026-01-01T00:00:00.000Z')"
                        );
                        if hex_hashes {
                            let params =
                                rusqlite::params![entity, b.to_string(), data.to_string(), r];
                            conn.execute(&insert, params).unwrap();
                        } else {
                            let bk_bytes = b.0.to_be_bytes();
                            let params = rusqlite::params![entity, &bk_bytes[..], &data.0[..], r];
                            conn.execute(&insert, params).unwrap();
                        }
                    }
                }
            }
            let db = Db::open(&path).unwrap();
            assert_eq!(
                db.schema_version().unwrap(),
                latest,
                "upgrade from version {from} did not reach {latest}"
            );
            let conn = db.conn().unwrap();
            if from >= 12 {
                let packs: (i64, Option<i64>) = conn
                    .query_row(
                        "SELECT (SELECT COUNT(*) FROM record_key_packs), packs_to FROM record_index_entities",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .unwrap();
                assert_eq!(
                    packs,
                    (0, None),
                    "the packs of version {from} are dropped as stale"
                );
            }
            let rec = record_index::get(&conn, entity, bk)
                .unwrap()
                .unwrap_or_else(|| panic!("the record indexed at version {from} is lost"));
            assert_eq!(
                (rec.bk_hash, rec.data_hash, rec.rowversion.as_deref()),
                (bk, data, Some("0x00000000000007D3")),
                "hashes read back from version {from} must be the ones stored"
            );
            assert_eq!(
                (rec.target_uid.as_deref(), rec.active),
                (Some("uid-1"), true)
            );
            let rec2 = record_index::get(&conn, entity, bk2).unwrap().unwrap();
            assert_eq!(
                (
                    rec2.target_uid.as_deref(),
                    rec2.rowversion.as_deref(),
                    rec2.active
                ),
                (Some(uuid_uid), None, true),
                "the uuid uid upgraded from version {from} reads back as the text it was"
            );
            // The narrow row (V11): the uuid uid and the first run as 16 bytes, "uid-1" as text, the state as 1,
            // the time as Unix milliseconds (2026-01-01T00:00:00.000Z).
            let stored: Vec<(String, String, i64, Vec<u8>, i64)> = conn
                .prepare(
                    "SELECT typeof(target_uid), typeof(first_seen_run), active, first_seen_run, updated_at
                     FROM record_index ORDER BY id",
                )
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert_eq!(
                stored,
                [
                    (
                        "text".into(),
                        "blob".into(),
                        1,
                        run.0.as_bytes().to_vec(),
                        1_767_225_600_000
                    ),
                    (
                        "blob".into(),
                        "blob".into(),
                        1,
                        other_run.0.as_bytes().to_vec(),
                        1_767_225_600_000
                    ),
                ],
                "the rows upgraded from version {from} in their narrow form"
            );
            let seen = |r: RunId, b: BkHash| record_index::seen_by(&conn, entity, r, b).unwrap();
            assert_eq!(
                [
                    seen(run, bk),
                    seen(run, bk2),
                    seen(other_run, bk2),
                    seen(other_run, bk)
                ],
                [true, false, true, false],
                "each record upgraded from version {from} is seen by its last run, and only by it"
            );
            assert_eq!(
                record_index::count_unseen(&conn, entity, run).unwrap(),
                1,
                "a complete run upgraded from version {from} would delete exactly the record it did not see"
            );
            let found = record_index::lookup(&conn, entity, &[bk]).unwrap();
            assert!(
                found.contains_key(&bk),
                "the page lookup finds the record upgraded from version {from}"
            );
            // Before V10 the keys were folded by the upgrade (at V10 itself the test's records are the entity's
            // unfolded tail, found just the same).
            if from < 10 {
                assert_eq!(
                    record_index::tail_len(&conn, entity).unwrap(),
                    0,
                    "every key upgraded from version {from} is in record_keys"
                );
                let keys: i64 = conn
                    .query_row("SELECT COUNT(*) FROM record_keys", [], |r| r.get(0))
                    .unwrap();
                assert_eq!(keys, 2, "both keys upgraded from version {from}");
            }
            // An upsert updates the upgraded record in place.
            let upserted = db
                .write(|tx| {
                    record_index::upsert(
                        tx,
                        entity,
                        run,
                        &[record_index::IndexUpsert {
                            bk_hash: bk,
                            data_hash: DataHash([0xb8; 32]),
                            rowversion: Some("0x00000000000007D4"),
                            target_uid: None,
                        }],
                        None,
                    )
                })
                .unwrap();
            assert_eq!(upserted, 1);
            let rec = record_index::get(&conn, entity, bk).unwrap().unwrap();
            assert_eq!(
                (rec.data_hash, rec.target_uid.as_deref()),
                (DataHash([0xb8; 32]), Some("uid-1")),
                "an upsert after the upgrade from version {from} updates the record in place"
            );
            assert_eq!(record_index::count_active(&conn, entity).unwrap(), 2);
            record_index::fold(&conn, entity).unwrap();
            // The upgraded key still refuses a second record for the same key: written behind the index's back,
            // it is caught when the tail is folded, with the key named, and nothing is folded.
            conn.execute(
                "INSERT INTO record_index (entity_no, bk_hash, data_hash, active, first_seen_run, updated_at)
                 VALUES ((SELECT no FROM record_index_entities WHERE entity_id = ?1), ?2, ?3, 1, ?4,
                         1767312000000)",
                rusqlite::params![entity, &bk.0.to_be_bytes()[..], &data.0[..], &run.0.as_bytes()[..]],
            )
            .unwrap();
            let err = record_index::fold(&conn, entity).unwrap_err().to_string();
            assert!(
                err.contains(&bk.to_string()) && err.contains("two records"),
                "a second record for one key upgraded from version {from}: {err}"
            );
            assert_eq!(
                record_index::tail_len(&conn, entity).unwrap(),
                1,
                "the failed fold from version {from} changed nothing"
            );
        }
    }

    #[test]
    fn reopening_an_up_to_date_file_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("syncflow.db");
        let v1 = Db::open(&path).unwrap().schema_version().unwrap();
        let v2 = Db::open(&path).unwrap().schema_version().unwrap();
        assert_eq!(v1, v2);
    }

    #[test]
    fn uses_wal_and_full_sync_for_durability() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path().join("syncflow.db")).unwrap();
        let conn = db.conn().unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2, "synchronous must be FULL (2)");
    }
}
