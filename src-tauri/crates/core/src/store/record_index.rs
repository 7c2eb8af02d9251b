//! The record index: (entity, business key) -> data hash, rowversion, target uid, state. Owns every SQL statement
//! on `record_index`: the one-query-per-page lookup, the upsert of acknowledged rows in the caller's checkpoint
//! transaction, and the streaming scan for records a complete run did not see. Hashes are stored as bytes (V4).

use super::{now_text, StoreError};
use crate::identity::{BkHash, DataHash};
use crate::ids::{EntityId, RunId};
use rusqlite::types::Value as SqlValue;
use rusqlite::vtab::array::Array;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

/// BK hashes are already uniformly distributed: hashing them again (SipHash) is wasted work on the hot path.
#[derive(Default)]
pub struct BkHasher(u64);

impl Hasher for BkHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = (v as u64) ^ ((v >> 64) as u64);
    }
}

pub type BkMap<V> = HashMap<BkHash, V, BuildHasherDefault<BkHasher>>;

/// One stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedRecord {
    pub bk_hash: BkHash,
    pub data_hash: DataHash,
    pub rowversion: Option<String>,
    pub target_uid: Option<String>,
    pub active: bool,
    pub last_seen_run: RunId,
}

/// A row to record as loaded (inserted, updated) or skipped by the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexUpsert<'a> {
    pub bk_hash: BkHash,
    pub data_hash: DataHash,
    pub rowversion: Option<&'a str>,
    /// The target's uid; `None` keeps the stored one (a skipped row has no new uid).
    pub target_uid: Option<&'a str>,
}

fn bad(i: usize, e: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Blob, e.into())
}

/// A hash column as its fixed number of bytes, borrowed from the row.
fn hash_bytes<const N: usize>(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<[u8; N]> {
    let b = r.get_ref(i)?.as_blob().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Blob, Box::new(e))
    })?;
    b.try_into()
        .map_err(|_| bad(i, format!("a stored hash has {N} bytes, not {}", b.len())))
}

fn record(r: &rusqlite::Row<'_>) -> rusqlite::Result<IndexedRecord> {
    let state = r.get_ref(4)?;
    Ok(IndexedRecord {
        bk_hash: BkHash(u128::from_be_bytes(hash_bytes(r, 0)?)),
        data_hash: DataHash(hash_bytes(r, 1)?),
        rowversion: r.get(2)?,
        target_uid: r.get(3)?,
        active: state.as_str().map_err(|e| bad(4, e.to_string()))? == "active",
        last_seen_run: r.get(5)?,
    })
}

/// The stored form of a BK hash: its 16 big-endian bytes, which sort like the number (and its hex text).
fn bk_bytes(bk: &BkHash) -> [u8; 16] {
    bk.0.to_be_bytes()
}

/// A page's BK hashes as one `rarray` parameter: one statement per page, whatever its size. Sorted and without
/// repeats, so the probes walk the key index in order (neighbouring keys share its pages).
fn bk_array(bks: &[BkHash]) -> Array {
    let mut sorted = bks.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    Rc::new(
        sorted
            .iter()
            .map(|b| SqlValue::Blob(bk_bytes(b).to_vec()))
            .collect(),
    )
}

/// The stored records for a page's business keys, in one query.
pub fn lookup(
    conn: &Connection,
    entity: EntityId,
    bks: &[BkHash],
) -> Result<BkMap<IndexedRecord>, StoreError> {
    // A join driven by the array (CROSS JOIN keeps it the outer loop), not `IN rarray(..)`, for which SQLite
    // would first copy the list into a temporary index.
    let mut st = conn.prepare_cached(
        "SELECT r.bk_hash, r.data_hash, r.rowversion, r.target_uid, r.state, r.last_seen_run
         FROM rarray(?2) AS page CROSS JOIN record_index AS r ON r.entity_id = ?1 AND r.bk_hash = page.value",
    )?;
    let mut out = BkMap::with_capacity_and_hasher(bks.len(), Default::default());
    for r in st.query_map(params![entity, bk_array(bks)], record)? {
        let r = r?;
        out.insert(r.bk_hash, r);
    }
    Ok(out)
}

/// Records loaded or skipped rows as active and seen by `run`, in the caller's checkpoint transaction.
pub fn upsert(
    tx: &Transaction<'_>,
    entity: EntityId,
    run: RunId,
    rows: &[IndexUpsert<'_>],
) -> Result<usize, StoreError> {
    // An UPDATE first, an INSERT only for keys it did not find: most rows of a run are already indexed, and an
    // `INSERT .. ON CONFLICT DO UPDATE` would first look for a new rowid and probe the key index before updating.
    // Same effect as that upsert: the write transaction (`BEGIN IMMEDIATE`) keeps anyone else out in between.
    let mut update = tx.prepare_cached(
        "UPDATE record_index SET data_hash = ?3, rowversion = ?4, target_uid = COALESCE(?5, target_uid),
           state = 'active', last_seen_run = ?6, updated_at = ?7
         WHERE entity_id = ?1 AND bk_hash = ?2",
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO record_index
           (entity_id, bk_hash, data_hash, rowversion, target_uid, state, first_seen_run, last_seen_run, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6, ?6, ?7)",
    )?;
    let now = now_text();
    let run_text = run.to_string();
    let entity_text = entity.to_string();
    // The per-row parameters that never change are bound once; each row rebinds only its own four (no allocation
    // per row).
    for st in [&mut update, &mut insert] {
        st.raw_bind_parameter(1, &entity_text)?;
        st.raw_bind_parameter(6, &run_text)?;
        st.raw_bind_parameter(7, &now)?;
    }
    // In key order (a stable sort: of two rows with one key, the later still wins), so consecutive statements
    // touch neighbouring pages of the key index.
    let mut sorted: Vec<&IndexUpsert<'_>> = rows.iter().collect();
    sorted.sort_by_key(|r| r.bk_hash);
    for r in sorted {
        let bk = bk_bytes(&r.bk_hash);
        for st in [&mut update, &mut insert] {
            st.raw_bind_parameter(2, &bk[..])?;
            st.raw_bind_parameter(3, &r.data_hash.0[..])?;
            st.raw_bind_parameter(4, r.rowversion)?;
            st.raw_bind_parameter(5, r.target_uid)?;
            if st.raw_execute()? > 0 {
                break;
            }
        }
    }
    Ok(rows.len())
}

/// Marks stored records as seen by `run` without changing them: rows that failed to load or wait for a parent
/// still exist in the source, so a complete run must not delete them.
pub fn touch_seen(
    tx: &Transaction<'_>,
    entity: EntityId,
    run: RunId,
    bks: &[BkHash],
) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "UPDATE record_index SET last_seen_run = ?2
         WHERE entity_id = ?1 AND bk_hash IN rarray(?3)",
        params![entity, run, bk_array(bks)],
    )?)
}

pub fn count_active(conn: &Connection, entity: EntityId) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM record_index WHERE entity_id = ?1 AND state = 'active'",
        params![entity],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// Active records `run` has not seen.
pub fn count_unseen(conn: &Connection, entity: EntityId, run: RunId) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM record_index WHERE entity_id = ?1 AND state = 'active' AND last_seen_run <> ?2",
        params![entity, run],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// One batch of active records `run` has not seen, after `after` in BK order (keyset paging, so the scan streams
/// and never holds the entity in memory).
pub fn unseen_batch(
    conn: &Connection,
    entity: EntityId,
    run: RunId,
    after: Option<BkHash>,
    limit: usize,
) -> Result<Vec<IndexedRecord>, StoreError> {
    let mut st = conn.prepare_cached(
        "SELECT bk_hash, data_hash, rowversion, target_uid, state, last_seen_run FROM record_index
         WHERE entity_id = ?1 AND state = 'active' AND last_seen_run <> ?2 AND bk_hash > ?3
         ORDER BY bk_hash LIMIT ?4",
    )?;
    // An empty blob sorts before every 16-byte key: the first batch starts at the beginning.
    let after = after.map(|b| bk_bytes(&b).to_vec()).unwrap_or_default();
    let rows = st.query_map(params![entity, run, after, limit as i64], record)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Marks records deleted (after the target acknowledged the deletes), in the caller's transaction.
pub fn mark_deleted(
    tx: &Transaction<'_>,
    entity: EntityId,
    run: RunId,
    bks: &[BkHash],
) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "UPDATE record_index SET state = 'deleted', last_seen_run = ?2, updated_at = ?4
         WHERE entity_id = ?1 AND state = 'active' AND bk_hash IN rarray(?3)",
        params![entity, run, bk_array(bks), now_text()],
    )?)
}

/// One record by key (for the inspector and tests).
pub fn get(
    conn: &Connection,
    entity: EntityId,
    bk: BkHash,
) -> Result<Option<IndexedRecord>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT bk_hash, data_hash, rowversion, target_uid, state, last_seen_run FROM record_index
             WHERE entity_id = ?1 AND bk_hash = ?2",
            params![entity, &bk_bytes(&bk)[..]],
            record,
        )
        .optional()?)
}
