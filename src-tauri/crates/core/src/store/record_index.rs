//! The record index: (entity, business key) -> data hash, rowversion, target uid, state. Owns every SQL statement
//! on `record_index`, its entity numbers (`record_index_entities`) and the runs' seen marks (`record_seen`): the
//! one-query-per-page lookup, the upsert of acknowledged rows in the caller's checkpoint transaction, and the
//! streaming scan for records a complete run did not see. Hashes are stored as bytes (V4); a uuid target uid and the
//! first run as their 16 bytes, the state as 1 / 0 and the time as Unix milliseconds (V11: a row of about 115 bytes
//! instead of 179).
//!
//! Seen marks (V9): a run's "seen" set is a bitmap over record ids, in chunks of 16,384 ids, written in the page's
//! checkpoint transaction with the records themselves. A row whose stored record is unchanged costs one set bit,
//! not a rewrite of the record: a page of skipped rows dirties the few chunks its (mostly consecutive) ids fall in.
//!
//! Keys (V10): the key -> record id map is its own table, `record_keys` (WITHOUT ROWID, keyed by entity and BK hash),
//! holding an entity's keys up to its watermark (`record_index_entities.keys_to`). A page's new records are only
//! appended to `record_index` (ids grow, so they land on its last leaves); the records above the watermark are the
//! entity's unfolded tail, whose keys every reader finds through this process's tail map (`Tail`: a cache of the
//! table, refreshed from it on each use; a Bloom filter over its keys answers most misses without searching it).
//! At the end of a run the tail is folded into `record_keys` in key order (`fold`: from the tail map, whose sorted
//! runs already hold the keys and ids, when this process holds it; else sorted by SQLite from the table). A BK hash is random by design: inserting each new key into a key index at its commit dirtied a random
//! leaf per record; the fold writes each leaf once per run, and an initial load's key table is built sequentially.
//! Uniqueness of (entity, key): every upsert looks its keys up (key table and tail) inside its transaction, and the
//! fold's primary key refuses a second record for a key with an error (never a silent drop).
//!
//! Key map (`map_keys`): a full run holds the entity's folded keys and record ids in memory, and its lookups and
//! upserts read known records by id instead of through the key table; the map is only a shortcut, checked on every
//! record read. An incremental run holds one too unless it reads few rows of many keys (`map_keys_for_rows`).
//!
//! Key packs (V12, V13): each fold also writes the entity's folded keys and ids, in key order, as a few blobs of
//! 8,192 keys (`record_key_packs`), in its transaction and at its watermark; a key map is read from them (about 6 ms
//! for a million keys) instead of from `record_keys` row by row (130-210 ms). A pack holds each key's top 8 bytes and
//! its id in 4 bytes (12 bytes a key; V12's whole keys and 8-byte ids took 24, and twice the time to read). Packs
//! that are stale (an entity upgraded from V11 or V12) or do not read are not trusted: the map is built from the key
//! table and the packs written again.

use super::StoreError;
use crate::identity::{BkHash, DataHash};
use crate::ids::{EntityId, RunId};
use rusqlite::types::Value as SqlValue;
use rusqlite::vtab::array::Array;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;
use std::sync::{Arc, LazyLock, Mutex};

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
    /// The record's id in the index (what seen marks refer to); `None` for a record a page not yet committed is
    /// about to write.
    pub id: Option<i64>,
    pub bk_hash: BkHash,
    pub data_hash: DataHash,
    pub rowversion: Option<String>,
    pub target_uid: Option<String>,
    pub active: bool,
    /// The run the lookup was made for (`lookup_for_run`) when that run has already recorded or marked the
    /// record; `None` otherwise, and always from the lookups that name no run.
    pub seen_by: Option<RunId>,
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

fn is_active(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<bool> {
    Ok(r.get::<_, i64>(i)? != 0)
}

/// A target uid as the record index stores it (V11): a uid in the canonical uuid form (36 characters, lowercase hex
/// and dashes, what ScheduleHub and the PostgreSQL sink give) as its 16 bytes, any other uid as its text. Read back,
/// the bytes give the same text (`uid_text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoredUid<'a> {
    Uuid([u8; 16]),
    Text(&'a str),
}

impl<'a> StoredUid<'a> {
    fn of(uid: &'a str) -> StoredUid<'a> {
        if uid.len() == 36 {
            if let Ok(u) = uuid::Uuid::try_parse(uid) {
                let mut text = [0u8; 36];
                if u.hyphenated().encode_lower(&mut text).as_bytes() == uid.as_bytes() {
                    return StoredUid::Uuid(u.into_bytes());
                }
            }
        }
        StoredUid::Text(uid)
    }

    /// Whether the stored value `v` is this uid.
    fn is(&self, v: rusqlite::types::ValueRef<'_>) -> bool {
        use rusqlite::types::ValueRef;
        match (self, v) {
            (StoredUid::Uuid(b), ValueRef::Blob(s)) => s == b,
            (StoredUid::Text(t), ValueRef::Text(s)) => s == t.as_bytes(),
            _ => false,
        }
    }
}

impl rusqlite::ToSql for StoredUid<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            StoredUid::Uuid(b) => ValueRef::Blob(b),
            StoredUid::Text(t) => ValueRef::Text(t.as_bytes()),
        }))
    }
}

/// The target uid stored in column `i` (see `StoredUid`) as its text.
fn uid_text(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<String>> {
    use rusqlite::types::ValueRef;
    match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(t) => std::str::from_utf8(t)
            .map(|t| Some(t.to_owned()))
            .map_err(|e| bad(i, format!("a stored target uid is not UTF-8: {e}"))),
        ValueRef::Blob(b) => <[u8; 16]>::try_from(b)
            .map(|b| Some(uuid::Uuid::from_bytes(b).to_string()))
            .map_err(|_| {
                bad(
                    i,
                    format!("a stored target uid has {} bytes, not 16", b.len()),
                )
            }),
        other => Err(bad(
            i,
            format!("a stored target uid is a {}, not a uid", other.data_type()),
        )),
    }
}

/// The time a record was last written, as stored (V11): Unix milliseconds on the app's clock.
fn now_ms() -> i64 {
    crate::clock::now().timestamp_millis()
}

/// The columns `record` reads, after the record id.
const COLUMNS: &str = "r.id, r.bk_hash, r.data_hash, r.rowversion, r.target_uid, r.active";

/// A record and its id, from a row of `COLUMNS`.
fn record(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, IndexedRecord)> {
    Ok((
        r.get(0)?,
        IndexedRecord {
            id: Some(r.get(0)?),
            bk_hash: BkHash(u128::from_be_bytes(hash_bytes(r, 1)?)),
            data_hash: DataHash(hash_bytes(r, 2)?),
            rowversion: r.get(3)?,
            target_uid: uid_text(r, 4)?,
            active: is_active(r, 5)?,
            seen_by: None,
        },
    ))
}

/// The stored form of a BK hash: its 16 big-endian bytes, which sort like the number (and its hex text).
fn bk_bytes(bk: &BkHash) -> [u8; 16] {
    bk.0.to_be_bytes()
}

/// The entity's number in the record index, if it has records.
fn entity_no(conn: &Connection, entity: EntityId) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT no FROM record_index_entities WHERE entity_id = ?1")?
        .query_row([entity], |r| r.get(0))
        .optional()?)
}

/// The entity's number, given one on its first record.
fn entity_no_or_new(tx: &Transaction<'_>, entity: EntityId) -> Result<i64, StoreError> {
    if let Some(no) = entity_no(tx, entity)? {
        return Ok(no);
    }
    tx.execute(
        "INSERT INTO record_index_entities (entity_id) VALUES (?1)",
        [entity],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Record ids per chunk of a run's seen bitmap, and the chunk's size in bytes.
const CHUNK_IDS: i64 = 16_384;
const CHUNK_BYTES: usize = (CHUNK_IDS / 8) as usize;

fn chunk_of(id: i64) -> (i64, usize, u8) {
    let bit = id & (CHUNK_IDS - 1);
    (id >> 14, (bit >> 3) as usize, 1 << (bit & 7))
}

/// A run's seen marks (some or all of its chunks), in memory.
#[derive(Default)]
struct SeenBits(HashMap<i64, Vec<u8>>);

impl SeenBits {
    /// The run's chunks, or only those in `chunks`.
    fn load(
        conn: &Connection,
        entity_no: i64,
        run: RunId,
        chunks: Option<&[i64]>,
    ) -> Result<SeenBits, StoreError> {
        let mut out = HashMap::new();
        let mut put = |r: &rusqlite::Row<'_>| -> rusqlite::Result<()> {
            let bits = r.get_ref(1)?.as_blob().map_err(|e| bad(1, e.to_string()))?;
            if bits.len() != CHUNK_BYTES {
                return Err(bad(
                    1,
                    format!("a seen chunk has {} bytes, not {CHUNK_BYTES}", bits.len()),
                ));
            }
            out.insert(r.get(0)?, bits.to_vec());
            Ok(())
        };
        match chunks {
            Some(c) => {
                let mut st = conn.prepare_cached(
                    "SELECT chunk, bits FROM record_seen WHERE entity_no = ?1 AND run_id = ?2 AND chunk IN rarray(?3)",
                )?;
                let list: Array = Rc::new(c.iter().map(|&c| SqlValue::Integer(c)).collect());
                let mut rows = st.query(params![entity_no, run, list])?;
                while let Some(r) = rows.next()? {
                    put(r)?;
                }
            }
            None => {
                let mut st = conn.prepare_cached(
                    "SELECT chunk, bits FROM record_seen WHERE entity_no = ?1 AND run_id = ?2",
                )?;
                let mut rows = st.query(params![entity_no, run])?;
                while let Some(r) = rows.next()? {
                    put(r)?;
                }
            }
        }
        Ok(SeenBits(out))
    }

    fn contains(&self, id: i64) -> bool {
        let (chunk, byte, mask) = chunk_of(id);
        self.0.get(&chunk).is_some_and(|b| b[byte] & mask != 0)
    }

    fn count(&self) -> usize {
        self.0
            .values()
            .flatten()
            .map(|b| b.count_ones() as usize)
            .sum()
    }
}

/// Adds record ids to `run`'s seen marks: each chunk they fall in is read, changed and written once.
fn mark_seen(
    tx: &Transaction<'_>,
    entity_no: i64,
    run: RunId,
    ids: &mut [i64],
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    ids.sort_unstable();
    let mut read = tx.prepare_cached(
        "SELECT bits FROM record_seen WHERE entity_no = ?1 AND run_id = ?2 AND chunk = ?3",
    )?;
    let mut write = tx.prepare_cached(
        "INSERT INTO record_seen (entity_no, run_id, chunk, bits) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (entity_no, run_id, chunk) DO UPDATE SET bits = excluded.bits",
    )?;
    for group in ids.chunk_by(|a, b| a >> 14 == b >> 14) {
        let chunk = group[0] >> 14;
        let stored: Option<Vec<u8>> = read
            .query_row(params![entity_no, run, chunk], |r| r.get(0))
            .optional()?;
        let mut bits = match stored {
            Some(b) if b.len() == CHUNK_BYTES => b,
            Some(b) => {
                return Err(StoreError::Invalid(format!(
                    "the seen marks of run {run}, chunk {chunk}, have {} bytes, not {CHUNK_BYTES}",
                    b.len()
                )))
            }
            None => vec![0; CHUNK_BYTES],
        };
        let before = bits.clone();
        for &id in group {
            let (_, byte, mask) = chunk_of(id);
            bits[byte] |= mask;
        }
        if bits != before {
            write.execute(params![entity_no, run, chunk, bits])?;
        }
    }
    Ok(())
}

/// The stored records for a page's business keys, in one query (`seen_by` is always `None`).
pub fn lookup(
    conn: &Connection,
    entity: EntityId,
    bks: &[BkHash],
) -> Result<BkMap<IndexedRecord>, StoreError> {
    let Some(no) = entity_no(conn, entity)? else {
        return Ok(BkMap::default());
    };
    Ok(lookup_ids(conn, no, bks, &mut 0)?
        .into_iter()
        .map(|(_, r)| (r.bk_hash, r))
        .collect())
}

/// The stored records for a page's business keys, each with whether `run` has seen it already: one query for the
/// records, one for the few chunks of the run's seen marks their ids fall in.
pub fn lookup_for_run(
    conn: &Connection,
    entity: EntityId,
    run: RunId,
    bks: &[BkHash],
) -> Result<BkMap<IndexedRecord>, StoreError> {
    Ok(lookup_for_run_noted(conn, entity, run, bks)?.0)
}

/// `lookup_for_run`, and what it found for each key (`LookupNote`), for the upsert of the same page.
pub fn lookup_for_run_noted(
    conn: &Connection,
    entity: EntityId,
    run: RunId,
    bks: &[BkHash],
) -> Result<(BkMap<IndexedRecord>, LookupNote), StoreError> {
    let Some(no) = entity_no(conn, entity)? else {
        return Ok((BkMap::default(), LookupNote::default()));
    };
    let mut keys_to = 0;
    let found = lookup_ids(conn, no, bks, &mut keys_to)?;
    let note = LookupNote::of(no, keys_to, bks, &found);
    let mut chunks: Vec<i64> = found.iter().map(|(id, _)| id >> 14).collect();
    chunks.sort_unstable();
    chunks.dedup();
    let seen = if chunks.is_empty() {
        SeenBits::default()
    } else {
        SeenBits::load(conn, no, run, Some(&chunks))?
    };
    let mut out = BkMap::with_capacity_and_hasher(found.len(), Default::default());
    for (id, mut r) in found {
        if seen.contains(id) {
            r.seen_by = Some(run);
        }
        out.insert(r.bk_hash, r);
    }
    Ok((out, note))
}

/// The stored records of `bks`, with their ids; `keys_to` is set to the watermark the search started from.
fn lookup_ids(
    conn: &Connection,
    no: i64,
    bks: &[BkHash],
    keys_to: &mut i64,
) -> Result<Vec<(i64, IndexedRecord)>, StoreError> {
    let mut out = Vec::with_capacity(bks.len());
    *keys_to = each_stored(conn, no, bks, None, |row| {
        out.push(record(row)?);
        Ok(())
    })?;
    Ok(out)
}

/// What a page's lookup found, kept for the upsert of the same page in its checkpoint transaction (`upsert`), which
/// must know the stored record of each key again (a lookup outside that transaction is only advice: another writer
/// may have added a record since). With the note it need not search the key table again:
/// - a key the lookup found is read by the id it found (and must still carry its key, else it is searched for);
/// - a key the lookup found nowhere is searched for in the entity's tail only, while the watermark is the one the
///   lookup started from. `record_keys` holds exactly the keys of the entity's records up to its watermark, and only
///   a fold changes both (records are never deleted one by one, and an entity is not removed while it syncs): with
///   the same watermark it holds the same keys, none of which is this one. A record added since is in the tail.
///
/// A key the note does not name, or any key once the watermark has moved, is searched for as without a note.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LookupNote {
    no: i64,
    keys_to: i64,
    /// The keys looked up, sorted, without repeats.
    keys: Vec<u128>,
    /// The id of the record found for each key, if one was.
    ids: Vec<Option<i64>>,
}

impl LookupNote {
    fn of(no: i64, keys_to: i64, bks: &[BkHash], found: &[(i64, IndexedRecord)]) -> LookupNote {
        let mut keys: Vec<u128> = bks.iter().map(|b| b.0).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut hits: Vec<(u128, i64)> = found.iter().map(|(id, r)| (r.bk_hash.0, *id)).collect();
        hits.sort_unstable();
        let mut hits = hits.into_iter().peekable();
        let ids = keys
            .iter()
            .map(|&k| {
                while hits.next_if(|h| h.0 < k).is_some() {}
                hits.next_if(|h| h.0 == k).map(|h| h.1)
            })
            .collect();
        LookupNote {
            no,
            keys_to,
            keys,
            ids,
        }
    }

    /// Sorts `keys` (sorted, without repeats) by what the note says of them, as the entity's records are now at
    /// watermark `keys_to`: (id, key) of those found, to be read by id; those found nowhere, to be searched for in
    /// the tail only; and the rest, to be searched for everywhere.
    fn split(
        &self,
        no: i64,
        keys_to: i64,
        keys: Vec<BkHash>,
    ) -> (Vec<(i64, BkHash)>, Vec<BkHash>, Vec<BkHash>) {
        if self.no != no || self.keys.is_empty() {
            return (Vec::new(), Vec::new(), keys);
        }
        let (mut by_id, mut tail_only, mut rest) = (Vec::new(), Vec::new(), Vec::new());
        let mut from = 0;
        for k in keys {
            from = lower_bound_from(&self.keys, from, k.0);
            match (self.keys.get(from) == Some(&k.0)).then(|| self.ids[from]) {
                Some(Some(id)) => by_id.push((id, k)),
                Some(None) if self.keys_to == keys_to => tail_only.push(k),
                _ => rest.push(k),
            }
        }
        (by_id, tail_only, rest)
    }
}

/// The stored records of `bks`, each handed to `f` as a row of `COLUMNS`, from the three places a key can be:
/// 1. the run's key map (`map_keys`, `map_keys_for_rows`), when the run holds one: the keys it knows are read by record id, in id
///    order (one descent of the table each, on the neighbouring leaves a page's records were first written to). The
///    map is never trusted: each record read must carry the key it was looked up for, else the key goes on. While
///    the entity's watermark is the one the map was built at, `record_keys` holds nothing the map lacks and step 2
///    is skipped;
/// 2. `record_keys`, the folded keys (one descent of the key table and one of the record table each; skipped for
///    an entity never folded);
/// 3. the entity's unfolded tail (records above its watermark), through the process's tail map, refreshed first
///    from the table (see `Tail`); its hits are read by id and checked like the key map's.
///
/// With a note of the page's lookup (`LookupNote`), the keys it found are read by id first and the keys it found
/// nowhere go to step 3 only, while the watermark has not moved. Returns the watermark the search started from.
fn each_stored(
    conn: &Connection,
    no: i64,
    bks: &[BkHash],
    note: Option<&LookupNote>,
    mut f: impl FnMut(&rusqlite::Row<'_>) -> Result<(), StoreError>,
) -> Result<i64, StoreError> {
    let mut keys = bks.to_vec();
    keys.sort_unstable();
    keys.dedup();
    let keys_to = keys_to(conn, no)?;
    let mut tail_only = Vec::new();
    if let Some(note) = note {
        let (by_id, absent, rest) = note.split(no, keys_to, keys);
        let mut wrong = Vec::new();
        read_by_id(conn, no, by_id, &mut f, &mut wrong)?;
        keys = rest;
        if !wrong.is_empty() {
            keys.extend(wrong);
            keys.sort_unstable();
        }
        tail_only = absent;
    }
    let mut folded_known = false;
    if let Some(map) = key_map(conn, no) {
        let (mut absent, mut wrong) = (Vec::new(), Vec::new());
        let hits = map.find(&keys, &mut absent);
        read_by_id(conn, no, hits, &mut f, &mut wrong)?;
        if map.keys_to == keys_to {
            // Only the keys the map has wrong can be in `record_keys`; the absent ones are in the tail or nowhere.
            wrong.sort_unstable();
            let lacking = probe_keys(conn, no, &wrong, &mut f)?;
            absent.extend(lacking);
            absent.sort_unstable();
            keys = absent;
            folded_known = true;
        } else {
            absent.extend(wrong);
            absent.sort_unstable();
            keys = absent;
        }
    }
    // Only a fold (or the upgrade to V10) puts keys in `record_keys`, and it moves the watermark above 0: an entity
    // never folded (its initial load) has none there.
    if !folded_known && keys_to > 0 && !keys.is_empty() {
        keys = probe_keys(conn, no, &keys, &mut f)?;
    }
    if !tail_only.is_empty() {
        keys.extend(tail_only);
        keys.sort_unstable();
    }
    if keys.is_empty() {
        return Ok(keys_to);
    }
    let mut misses = Vec::new();
    let hits = with_tail(conn, no, keys_to, |tail| Ok(tail.find(&keys, &mut misses)))?;
    // A tail entry whose record this connection does not see (an older snapshot than the map's) is not stored here.
    read_by_id(conn, no, hits, &mut f, &mut Vec::new())?;
    Ok(keys_to)
}

/// Reads the records of `hits` (id, key) by id, in id order, handing each that carries its key to `f`; the keys
/// whose record is missing or carries another key go to `wrong`.
fn read_by_id(
    conn: &Connection,
    no: i64,
    mut hits: Vec<(i64, BkHash)>,
    f: &mut impl FnMut(&rusqlite::Row<'_>) -> Result<(), StoreError>,
    wrong: &mut Vec<BkHash>,
) -> Result<(), StoreError> {
    if hits.is_empty() {
        return Ok(());
    }
    hits.sort_unstable();
    let mut ids: Vec<i64> = hits.iter().map(|h| h.0).collect();
    ids.dedup();
    let mut by_id = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}
         FROM rarray(?2) AS page CROSS JOIN record_index AS r ON r.id = page.value
         WHERE r.entity_no = ?1"
    ))?;
    let list: Array = Rc::new(ids.into_iter().map(SqlValue::Integer).collect());
    let mut rows = by_id.query(params![no, list])?;
    let mut next = hits.iter().peekable();
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let bk = BkHash(u128::from_be_bytes(hash_bytes(row, 1)?));
        while let Some(&&(want_id, want_bk)) = next.peek() {
            if want_id > id {
                break;
            }
            next.next();
            if want_id == id && want_bk == bk {
                f(row)?;
            } else {
                wrong.push(want_bk);
            }
        }
    }
    wrong.extend(next.map(|h| h.1));
    Ok(())
}

/// Hands the records `record_keys` holds for `keys` (sorted, without repeats) to `f`; returns the keys it lacks,
/// sorted. A join driven by the array (CROSS JOIN keeps it the outer loop, so rows come in key order), not
/// `IN rarray(..)`, for which SQLite would first copy the list into a temporary index.
fn probe_keys(
    conn: &Connection,
    no: i64,
    keys: &[BkHash],
    f: &mut impl FnMut(&rusqlite::Row<'_>) -> Result<(), StoreError>,
) -> Result<Vec<BkHash>, StoreError> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}
         FROM rarray(?2) AS page
         CROSS JOIN record_keys AS k ON k.entity_no = ?1 AND k.bk_hash = page.value
         CROSS JOIN record_index AS r ON r.id = k.id"
    ))?;
    let list: Array = Rc::new(
        keys.iter()
            .map(|b| SqlValue::Blob(bk_bytes(b).to_vec()))
            .collect(),
    );
    let mut rows = st.query(params![no, list])?;
    let mut lacking = Vec::new();
    let mut next = keys.iter().peekable();
    while let Some(row) = rows.next()? {
        let bk = BkHash(u128::from_be_bytes(hash_bytes(row, 1)?));
        while let Some(&&want) = next.peek() {
            if want >= bk {
                break;
            }
            lacking.push(want);
            next.next();
        }
        if next.peek() == Some(&&bk) {
            next.next();
        }
        f(row)?;
    }
    lacking.extend(next);
    Ok(lacking)
}

/// The entity's watermark: its records up to this id have their keys in `record_keys`, the others are its tail.
fn keys_to(conn: &Connection, no: i64) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached("SELECT keys_to FROM record_index_entities WHERE no = ?1")?
        .query_row([no], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// An entity's unfolded tail in memory: the keys and ids of its records above the watermark, as a few sorted runs
/// (one per refresh, merged as they grow: 24 bytes a record). Only a cache of the table: every use first refreshes
/// it from `record_index` (the records above the last one it holds, an id range on `record_index_entity`), and it
/// is rebuilt from the watermark when the watermark moved (a fold) or the last record it holds is no longer there
/// with its key (a rolled-back transaction, a removed entity). Since ids are given as the highest one plus one
/// (`insert_new`), while that record exists every record added after the refresh has a higher id: the refresh cannot miss one.
struct Tail {
    keys_to: i64,
    /// The id and key of the last record of the entity the map holds.
    last: Option<(i64, u128)>,
    runs: Vec<KeyMap<u128>>,
    /// Which keys the runs may hold: a key the filter rules out is in none of them, and is not searched for.
    filter: TailFilter,
}

impl Tail {
    fn new(keys_to: i64) -> Tail {
        Tail {
            keys_to,
            last: None,
            runs: Vec::new(),
            filter: TailFilter::default(),
        }
    }

    /// Records in the map.
    fn len(&self) -> usize {
        self.runs.iter().map(KeyMap::len).sum()
    }

    /// Brings the map up to the table (see `Tail`). On an error the map starts again empty: half refreshed is not
    /// known to be whole.
    fn refresh(&mut self, conn: &Connection, no: i64, keys_to: i64) -> Result<(), StoreError> {
        let refreshed = self.refresh_from(conn, no, keys_to);
        if refreshed.is_err() {
            *self = Tail::new(keys_to);
        }
        refreshed
    }

    fn refresh_from(&mut self, conn: &Connection, no: i64, keys_to: i64) -> Result<(), StoreError> {
        if self.keys_to != keys_to {
            *self = Tail::new(keys_to);
        }
        if let Some((id, key)) = self.last {
            let stored: Option<[u8; 16]> = conn
                .prepare_cached(
                    "SELECT bk_hash FROM record_index WHERE id = ?1 AND entity_no = ?2",
                )?
                .query_row(params![id, no], |r| hash_bytes(r, 0))
                .optional()?;
            if stored.map(u128::from_be_bytes) != Some(key) {
                *self = Tail::new(keys_to);
            }
        }
        let from = self.last.map_or(keys_to, |l| l.0);
        let mut st = conn.prepare_cached(
            "SELECT id, bk_hash FROM record_index WHERE entity_no = ?1 AND id > ?2 ORDER BY id",
        )?;
        let mut rows = st.query(params![no, from])?;
        let mut new: Vec<(u128, i64)> = Vec::new();
        while let Some(r) = rows.next()? {
            new.push((u128::from_be_bytes(hash_bytes(r, 1)?), r.get(0)?));
        }
        let Some(&(key, id)) = new.last() else {
            return Ok(());
        };
        self.last = Some((id, key));
        self.add(new);
        Ok(())
    }

    /// Takes in records (key, id) read from the table.
    fn add(&mut self, mut new: Vec<(u128, i64)>) {
        new.sort_unstable();
        let run = KeyMap::new(
            new.iter().map(|n| n.0).collect(),
            new.iter().map(|n| n.1).collect(),
            self.keys_to,
        );
        if self.filter.fits(self.len() + run.len()) {
            self.filter.set_all(&run.keys);
        } else {
            self.filter = TailFilter::with_room(self.len() + run.len());
            for r in self.runs.iter().chain([&run]) {
                self.filter.set_all(&r.keys);
            }
        }
        self.runs.push(run);
        // Merged while the newer run is at least half the older's size, up to runs of `TAIL_RUN` records: O(log n)
        // small runs, each record moved O(log n) times, and a merge never copies more than `TAIL_RUN` records at once
        // (an initial load's tail holds up to a million: 24 MB, not twice that while the last merge runs).
        while let [.., older, newer] = &self.runs[..] {
            if older.len() > 2 * newer.len() || older.len() + newer.len() > TAIL_RUN {
                break;
            }
            let newer = self.runs.pop().expect("two runs");
            let older = self.runs.pop().expect("two runs");
            self.runs.push(KeyMap::merge(&older, &newer));
        }
    }

    /// The record ids of `keys` (sorted, without repeats) the tail holds, as (id, key); the others go to `misses`,
    /// in key order. Only the keys the filter lets through are searched for in the runs.
    fn find(&self, keys: &[BkHash], misses: &mut Vec<BkHash>) -> Vec<(i64, BkHash)> {
        let mut hits = Vec::new();
        let mut rest: Vec<BkHash> = keys
            .iter()
            .copied()
            .filter(|k| self.filter.may_hold(k.0))
            .collect();
        for run in &self.runs {
            if rest.is_empty() {
                break;
            }
            let mut lacking = Vec::new();
            hits.extend(run.find(&rest, &mut lacking));
            rest = lacking;
        }
        let mut found: Vec<u128> = hits.iter().map(|h| h.1 .0).collect();
        found.sort_unstable();
        let mut found = found.into_iter().peekable();
        for &k in keys {
            if found.next_if_eq(&k.0).is_none() {
                misses.push(k);
            }
        }
        hits
    }
}

/// Which keys a tail map may hold: a blocked Bloom filter. A key's 512-bit block (one cache line) is chosen by its
/// top bits and its three bits in the block by its lowest 27 (BK hashes are uniformly spread: no hashing needed);
/// 16 to 32 bits per key held, so a key not held finds its three bits set about 0.1-0.6 % of the time (2 MB for a
/// million keys). An initial load looks up every key of every page in its tail, almost all of them new: the filter
/// answers in one cache line where the runs' searches cost a cache miss at nearly every step of each run's (about
/// 600 ns a key at 1M in the whole pipeline; with one bit a key, 3-6 % of the keys still got through and the
/// searches still cost a third of that). Rebuilt from the runs, twice the size, when the tail outgrows it (each key
/// set O(1) times on average); dropped with the tail.
#[derive(Default)]
struct TailFilter {
    blocks: Vec<[u64; 8]>,
    /// 128 less the number of key bits the block number takes (the filter holds `2^(128 - shift)` blocks).
    shift: u32,
}

impl TailFilter {
    const BITS_PER_KEY: usize = 16;

    /// A filter for `keys` keys (and as many more as the power of two its size is rounded up to leaves room for).
    fn with_room(keys: usize) -> TailFilter {
        let blocks = (keys * Self::BITS_PER_KEY / 512).next_power_of_two().max(8);
        TailFilter {
            blocks: vec![[0; 8]; blocks],
            shift: 128 - blocks.trailing_zeros(),
        }
    }

    /// Whether the filter still has `BITS_PER_KEY` bits per key for `keys` keys.
    fn fits(&self, keys: usize) -> bool {
        keys * Self::BITS_PER_KEY <= self.blocks.len() * 512
    }

    /// The key's block and its three bits there (word, mask), from 9 bits of the key each.
    fn bits(&self, key: u128) -> (usize, [(usize, u64); 3]) {
        let bit = |n: u32| {
            let b = (key >> (9 * n)) as usize & 511;
            (b / 64, 1u64 << (b % 64))
        };
        ((key >> self.shift) as usize, [bit(0), bit(1), bit(2)])
    }

    fn set_all(&mut self, keys: &[u128]) {
        for &k in keys {
            let (block, bits) = self.bits(k);
            for (word, mask) in bits {
                self.blocks[block][word] |= mask;
            }
        }
    }

    fn may_hold(&self, key: u128) -> bool {
        if self.blocks.is_empty() {
            return false;
        }
        let (block, bits) = self.bits(key);
        let block = &self.blocks[block];
        bits.iter().all(|&(word, mask)| block[word] & mask != 0)
    }
}

/// The largest run of a tail map a merge makes (6 MB): a page's lookup searches each run once, so a million-record
/// tail costs about eight searches a key.
const TAIL_RUN: usize = 1 << 18;

/// The tail maps of this process, by database file and entity number.
type Tails = HashMap<(String, i64), Arc<Mutex<Tail>>>;
static TAILS: LazyLock<Mutex<Tails>> = LazyLock::new(Mutex::default);

fn tails() -> std::sync::MutexGuard<'static, Tails> {
    TAILS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` on the entity's tail map, refreshed from `conn` first. A database that is not a file gets a tail built
/// for the call.
fn with_tail<T>(
    conn: &Connection,
    no: i64,
    keys_to: i64,
    f: impl FnOnce(&Tail) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let Some(path) = conn.path().filter(|p| !p.is_empty()) else {
        let mut tail = Tail::new(keys_to);
        tail.refresh(conn, no, keys_to)?;
        return f(&tail);
    };
    let shared = tails()
        .entry((path.to_owned(), no))
        .or_insert_with(|| Arc::new(Mutex::new(Tail::new(keys_to))))
        .clone();
    let mut tail = shared.lock().unwrap_or_else(|e| e.into_inner());
    tail.refresh(conn, no, keys_to)?;
    f(&tail)
}

/// Forgets this process's tail map of the entity (after a fold, whose watermark would reset it anyway: the memory
/// goes now).
fn drop_tail(conn: &Connection, no: i64) {
    if let Some(path) = conn.path().filter(|p| !p.is_empty()) {
        tails().remove(&(path.to_owned(), no));
    }
}

/// Folds the entity's tail into `record_keys`: its keys are inserted in key order (each leaf of the key table
/// written once, an empty table built sequentially) and the watermark moves to its last record, in one transaction
/// (the caller's, or an immediate one of its own on a connection outside any). A key `record_keys` holds already is
/// an error naming the entity and the key, never dropped: the record index would hold two records for one key.
/// Returns the number of keys folded; with no tail it writes nothing.
pub fn fold(conn: &Connection, entity: EntityId) -> Result<u64, StoreError> {
    let Some(no) = entity_no(conn, entity)? else {
        return Ok(0);
    };
    let own = conn.is_autocommit();
    if own {
        // The sort of a large fold by SQL (a million keys, about 40 MB) spills to a temporary file instead of
        // staying in the process's memory; the setting can only change outside a transaction, and goes back after it.
        conn.pragma_update(None, "temp_store", "FILE")?;
    }
    let folded = fold_in(conn, entity, no, own);
    if own {
        conn.pragma_update(None, "temp_store", "MEMORY")?;
    }
    folded
}

fn fold_in(conn: &Connection, entity: EntityId, no: i64, own: bool) -> Result<u64, StoreError> {
    let tx = if own {
        Some(Transaction::new_unchecked(
            conn,
            rusqlite::TransactionBehavior::Immediate,
        )?)
    } else {
        None
    };
    let keys_to = keys_to(conn, no)?;
    let last: Option<i64> = conn
        .prepare_cached("SELECT MAX(id) FROM record_index WHERE entity_no = ?1 AND id > ?2")?
        .query_row(params![no, keys_to], |r| r.get(0))?;
    let Some(last) = last else {
        return Ok(0);
    };
    let folded = match fold_from_tail(conn, entity, no, keys_to, last, own)? {
        Some(n) => n,
        None => {
            let n = fold_by_sql(conn, entity, no, keys_to, last)?;
            repack(conn, no, keys_to, last, None)?;
            n
        }
    };
    // The tail map is of no use once the watermark moves.
    drop_tail(conn, no);
    conn.prepare_cached("UPDATE record_index_entities SET keys_to = ?2 WHERE no = ?1")?
        .execute(params![no, last])?;
    if let Some(tx) = tx {
        tx.commit()?;
    }
    Ok(folded)
}

fn two_records(entity: EntityId, key: Option<u128>) -> StoreError {
    StoreError::Invalid(format!(
        "the record index of entity {entity} holds two records for the business key {}: not folded",
        key.map(|k| BkHash(k).to_string())
            .unwrap_or_else(|| "?".into())
    ))
}

/// Folds the tail from this process's tail map, when it holds the tail already (it took in the run's records as
/// the run looked them up): refreshed inside the fold's transaction, it holds every record up to `last` (see
/// `Tail`), and its runs merged give the keys in order without reading the records (about 150 bytes each) or
/// sorting them. `None` when the process holds no tail map for the entity (a database that is not a file, a fresh
/// process): the table is read instead (`fold_by_sql`). A key twice in the tail, or already in `record_keys`, is
/// an error naming it, and nothing is folded (`own`: the fold's own transaction is rolled back; else a savepoint in
/// the caller's). The packs are rewritten from the same runs (`repack`). Returns the number of keys folded.
fn fold_from_tail(
    conn: &Connection,
    entity: EntityId,
    no: i64,
    keys_to: i64,
    last: i64,
    own: bool,
) -> Result<Option<u64>, StoreError> {
    let Some(path) = conn.path().filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let Some(shared) = tails().get(&(path.to_owned(), no)).cloned() else {
        return Ok(None);
    };
    let mut tail = shared.lock().unwrap_or_else(|e| e.into_inner());
    if tail.keys_to != keys_to || tail.last.is_none() {
        return Ok(None);
    }
    tail.refresh(conn, no, keys_to)?;
    if tail.last.map(|l| l.0) != Some(last) {
        return Ok(None);
    }
    if own {
        // An error rolls the fold's own transaction back whole.
        let folded = insert_merged(conn, entity, no, &tail.runs)?;
        repack(conn, no, keys_to, last, Some(&tail.runs))?;
        return Ok(Some(folded));
    }
    // Inside the caller's transaction, a savepoint takes back what the statements before the failing one inserted.
    // (Only there: a savepoint copies each page of the key table the fold changes into its journal first, which
    // made a fold of 50,000 keys into a table of a million ≈ 40 % slower.)
    conn.execute_batch("SAVEPOINT fold_tail")?;
    let folded = insert_merged(conn, entity, no, &tail.runs);
    conn.execute_batch(if folded.is_ok() {
        "RELEASE fold_tail"
    } else {
        "ROLLBACK TO fold_tail; RELEASE fold_tail"
    })?;
    let folded = folded?;
    repack(conn, no, keys_to, last, Some(&tail.runs))?;
    Ok(Some(folded))
}

/// Rows per `INSERT` of a fold from the tail map: a statement's own cost (its step, its descent of the key table)
/// is shared by 64 rows. Measured on an initial load's 996k keys: one row a statement 600 ms CPU, 16 rows 310 ms,
/// 64 rows 280 ms, 256 no better (the SQL fold: 690 ms).
const FOLD_ROWS: usize = 64;

/// The entries (key, id) of a few key maps in key order: a handful of maps, so the smallest next key is found by a
/// look at each (of two equal keys, the earlier map's first). For the fold's inserts (`insert_merged`) and the packs
/// (`write_packs`), of a tail map's runs, and for the merge of two runs (`KeyMap::merge`).
struct Merged<'a, K> {
    maps: Vec<&'a KeyMap<K>>,
    at: Vec<usize>,
}

impl<'a, K> Merged<'a, K> {
    fn of(maps: Vec<&'a KeyMap<K>>) -> Merged<'a, K> {
        let at = vec![0; maps.len()];
        Merged { maps, at }
    }
}

impl<K: MapKey> Iterator for Merged<'_, K> {
    type Item = (K, i64);

    fn next(&mut self) -> Option<(K, i64)> {
        let mut next: Option<(usize, K)> = None;
        for (m, map) in self.maps.iter().enumerate() {
            if let Some(&k) = map.keys.get(self.at[m]) {
                if next.is_none_or(|(_, n)| k < n) {
                    next = Some((m, k));
                }
            }
        }
        let (m, key) = next?;
        let id = self.maps[m].ids[self.at[m]];
        self.at[m] += 1;
        Some((key, id))
    }
}

/// Inserts the entries of `runs` (each sorted by key) into `record_keys` in key order, `FOLD_ROWS` a statement.
fn insert_merged(
    conn: &Connection,
    entity: EntityId,
    no: i64,
    runs: &[KeyMap<u128>],
) -> Result<u64, StoreError> {
    let values = |rows: usize| {
        format!(
            "INSERT INTO record_keys (entity_no, bk_hash, id) VALUES {}",
            vec!["(?1, ?, ?)"; rows].join(", ")
        )
    };
    let mut full = conn.prepare_cached(&values(FOLD_ROWS))?;
    full.raw_bind_parameter(1, no)?;
    let mut entries = Merged::of(runs.iter().collect());
    let mut chunk: Vec<(u128, i64)> = Vec::with_capacity(FOLD_ROWS);
    let (mut previous, mut folded) = (None, 0);
    loop {
        chunk.clear();
        while chunk.len() < FOLD_ROWS {
            let Some((key, id)) = entries.next() else {
                break;
            };
            if previous == Some(key) {
                return Err(two_records(entity, Some(key)));
            }
            previous = Some(key);
            chunk.push((key, id));
        }
        if chunk.is_empty() {
            return Ok(folded);
        }
        let mut last;
        let insert = if chunk.len() == FOLD_ROWS {
            &mut full
        } else {
            last = conn.prepare(&values(chunk.len()))?;
            last.raw_bind_parameter(1, no)?;
            &mut last
        };
        for (i, (key, id)) in chunk.iter().enumerate() {
            insert.raw_bind_parameter(2 + 2 * i, &key.to_be_bytes()[..])?;
            insert.raw_bind_parameter(3 + 2 * i, *id)?;
        }
        match insert.raw_execute() {
            Ok(n) => folded += n as u64,
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                // The statement left nothing behind: the chunk's key already folded is the one `record_keys` holds.
                let mut held = conn.prepare_cached(
                    "SELECT 1 FROM record_keys WHERE entity_no = ?1 AND bk_hash = ?2",
                )?;
                let mut dup = None;
                for (key, _) in &chunk {
                    if held.exists(params![no, &key.to_be_bytes()[..]])? {
                        dup = Some(*key);
                        break;
                    }
                }
                return Err(two_records(entity, dup));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Folds the tail by reading it from the table: SQLite reads the records in the id range and sorts their keys.
fn fold_by_sql(
    conn: &Connection,
    entity: EntityId,
    no: i64,
    keys_to: i64,
    last: i64,
) -> Result<u64, StoreError> {
    // The tail map is of no use once the watermark moves: its memory goes before the sort's is taken.
    drop_tail(conn, no);
    let folded = conn
        .prepare_cached(
            "INSERT INTO record_keys (entity_no, bk_hash, id)
             SELECT entity_no, bk_hash, id FROM record_index WHERE entity_no = ?1 AND id > ?2 AND id <= ?3
             ORDER BY bk_hash",
        )?
        .execute(params![no, keys_to, last]);
    match folded {
        Ok(n) => Ok(n as u64),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            let dup: Option<Vec<u8>> = conn
                .query_row(
                    "SELECT r.bk_hash FROM record_index AS r
                     WHERE r.entity_no = ?1 AND r.id > ?2 AND r.id <= ?3
                       AND (EXISTS (SELECT 1 FROM record_keys AS k WHERE k.entity_no = ?1 AND k.bk_hash = r.bk_hash)
                            OR EXISTS (SELECT 1 FROM record_index AS o
                                       WHERE o.entity_no = ?1 AND o.id > ?2 AND o.id < r.id AND o.bk_hash = r.bk_hash))
                     LIMIT 1",
                    params![no, keys_to, last],
                    |r| r.get(0),
                )
                .optional()?;
            Err(two_records(
                entity,
                dup.and_then(|d| <[u8; 16]>::try_from(d).ok())
                    .map(u128::from_be_bytes),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// How large a tail must be, against the entity's key table, before the end (or start) of a run folds it: a quarter. A
/// fold rewrites about every leaf of the key table it touches, and a tail of a few thousand keys touches thousands of
/// leaves: folding 50,000 keys into a table of a million cost about 250 ms, 5 µs a key, of which about 4 µs was the
/// table's leaves (≈ 0.2 µs per key already there). Waiting until the tail is a quarter of the table bounds that part
/// at ≈ 0.8 µs per new key (measured: a due fold costs 2–3 µs a key in all, its own sort and inserts included). An
/// entity with no folded keys (its initial load) always folds. The price: a tail of up to a quarter of the table stays
/// between runs, and a process's first lookup reads it from the table (an id range, sequential).
const FOLD_SHARE: u64 = 4;

/// Folds the entity's tail when it is due (`FOLD_SHARE`): what a run does at its start and its end. Returns the
/// number of keys folded (0 when none were due). The counts cost a scan of the tail's ids and of at most
/// `FOLD_SHARE` times as many keys.
pub fn fold_if_due(conn: &Connection, entity: EntityId) -> Result<u64, StoreError> {
    let Some(no) = entity_no(conn, entity)? else {
        return Ok(0);
    };
    let tail = tail_count(conn, no)?;
    if tail == 0 {
        return Ok(0);
    }
    // Due when the key table holds at most FOLD_SHARE times the tail.
    let limit = tail.saturating_mul(FOLD_SHARE);
    if folded_keys_up_to(conn, no, limit)? <= limit {
        fold(conn, entity)
    } else {
        Ok(0)
    }
}

/// Forgets this process's tail map of the entity, as a fresh process starts without one (for tests and
/// diagnostics: the next lookup reads the tail from the table).
pub fn forget_tail(conn: &Connection, entity: EntityId) -> Result<(), StoreError> {
    if let Some(no) = entity_no(conn, entity)? {
        drop_tail(conn, no);
    }
    Ok(())
}

/// Records of the entity above its watermark (for tests and diagnostics).
pub fn tail_len(conn: &Connection, entity: EntityId) -> Result<u64, StoreError> {
    match entity_no(conn, entity)? {
        Some(no) => tail_count(conn, no),
        None => Ok(0),
    }
}

/// Records of entity number `no` above its watermark.
fn tail_count(conn: &Connection, no: i64) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM record_index WHERE entity_no = ?1 AND id > ?2",
        params![no, keys_to(conn, no)?],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// An entity's business keys and their record ids, in key order, held in memory for a run that reads many of its
/// records (a full run, a large incremental one). Only a shortcut to the record id: a key it lacks (folded since it
/// was built, or in the entity's tail) is looked up in `record_keys` and the tail, and a record read through it must
/// carry the key it was looked up for, so a stale map costs time, never a wrong answer.
///
/// An entity's map holds each key's top 64 bits (`K = u64`: 16 bytes a record, 16 MB for a million, read from its
/// packs at 12 bytes a key). Two keys may share them (for an entity of a million keys, a chance of about one in 37
/// million: n² / 2^65): the map then gives the first one's id for both, and the other, caught by the key its record carries, is found in
/// `record_keys`. A key whose prefix the map lacks is not in `record_keys` while the watermark is the map's. The
/// runs of a tail map are maps of whole keys (`K = u128`): a fold inserts them into `record_keys`.
pub struct KeyMap<K = u64> {
    keys: Vec<K>,
    ids: Vec<i64>,
    /// The entity's watermark when the map was built from `record_keys`.
    keys_to: i64,
    /// Where each key prefix starts (see `Directory`).
    dir: Directory,
}

/// A key map's key: a whole business key, or its top 64 bits.
pub trait MapKey: Copy + Ord {
    /// The map's key for business key `bk`.
    fn of(bk: u128) -> Self;
    /// The key's top `bits` bits (0 for 0 bits).
    fn top(self, bits: u32) -> usize;
}

impl MapKey for u128 {
    fn of(bk: u128) -> u128 {
        bk
    }

    fn top(self, bits: u32) -> usize {
        // A shift by the whole width (0 bits: one prefix) would overflow.
        self.checked_shr(128 - bits).unwrap_or(0) as usize
    }
}

impl MapKey for u64 {
    fn of(bk: u128) -> u64 {
        (bk >> 64) as u64
    }

    fn top(self, bits: u32) -> usize {
        self.checked_shr(64 - bits).unwrap_or(0) as usize
    }
}

/// A sorted key array's directory: for each of the 2^bits prefixes of a key (its top `bits` bits), the position of
/// the first key with that prefix or above, and after them the array's length. BK hashes are spread uniformly, so
/// with about eight keys a prefix a key is searched for among the few keys of its prefix (one cache line or two of
/// the array, one of the directory: 512 KB for a million keys) instead of galloping from the page's previous key
/// (at 1M about a hundred keys on, a dozen dependent steps: a third of a key-map lookup's CPU).
struct Directory {
    bits: u32,
    starts: Vec<u32>,
}

impl Directory {
    /// Keys a prefix holds on average, at most (the directory is the smallest power of two that gets there).
    const KEYS_A_PREFIX: usize = 8;

    fn of<K: MapKey>(keys: &[K]) -> Directory {
        let mut bits = 0;
        while bits < 28 && keys.len() > Directory::KEYS_A_PREFIX << bits {
            bits += 1;
        }
        let mut dir = Directory {
            bits,
            starts: vec![0; (1 << bits) + 1],
        };
        // Counted, then summed: `starts[p + 1]` counts the keys of prefix p, and after the sum `starts[p]` is the
        // number of keys below prefix p, the position of its first key (the keys are sorted). One pass over the keys
        // without a branch on them (walking the prefixes and the keys together: a key map's build from its packs at
        // 200k took 1.39 instead of 1.07 ms of CPU).
        for &k in keys {
            dir.starts[k.top(bits) + 1] += 1;
        }
        for p in 1..dir.starts.len() {
            dir.starts[p] += dir.starts[p - 1];
        }
        dir
    }

    /// The positions of the keys that share `key`'s prefix.
    fn range<K: MapKey>(&self, key: K) -> std::ops::Range<usize> {
        let p = key.top(self.bits);
        self.starts[p] as usize..self.starts[p + 1] as usize
    }
}

impl KeyMap {
    /// The map from the key table (`record_keys`): every key's prefix and id, in the table's order (read
    /// sequentially, the record table is not touched). One transaction, so the watermark is the one the keys were
    /// read at.
    fn load(conn: &Connection, no: i64) -> Result<KeyMap, StoreError> {
        let tx = conn
            .is_autocommit()
            .then(|| conn.unchecked_transaction())
            .transpose()?;
        let keys_to = keys_to(conn, no)?;
        let mut st = conn.prepare_cached(
            "SELECT bk_hash, id FROM record_keys WHERE entity_no = ?1 ORDER BY bk_hash",
        )?;
        let mut rows = st.query([no])?;
        let (mut keys, mut ids) = (Vec::new(), Vec::new());
        while let Some(r) = rows.next()? {
            keys.push(u64::of(u128::from_be_bytes(hash_bytes(r, 0)?)));
            ids.push(r.get(1)?);
        }
        drop(rows);
        drop(tx);
        keys.shrink_to_fit();
        ids.shrink_to_fit();
        Ok(KeyMap::new(keys, ids, keys_to))
    }
}

impl<K: MapKey> KeyMap<K> {
    /// A map of `keys` (sorted) and their `ids`.
    fn new(keys: Vec<K>, ids: Vec<i64>, keys_to: i64) -> KeyMap<K> {
        let dir = Directory::of(&keys);
        KeyMap {
            keys,
            ids,
            keys_to,
            dir,
        }
    }

    /// One map of two (a tail's runs): their entries in key order.
    fn merge(a: &KeyMap<K>, b: &KeyMap<K>) -> KeyMap<K> {
        let n = a.len() + b.len();
        let (mut keys, mut ids) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for (key, id) in Merged::of(vec![a, b]) {
            keys.push(key);
            ids.push(id);
        }
        KeyMap::new(keys, ids, a.keys_to)
    }

    /// The record ids of `keys` (sorted, without repeats) the map knows, as (id, key); the others go to `misses`.
    /// Of two entries with one map key (a prefix two keys share), the first one's id.
    fn find(&self, keys: &[BkHash], misses: &mut Vec<BkHash>) -> Vec<(i64, BkHash)> {
        let mut hits = Vec::with_capacity(keys.len());
        for &bk in keys {
            let want = K::of(bk.0);
            let range = self.dir.range(want);
            let at = range.start + self.keys[range].partition_point(|&k| k < want);
            match self.keys.get(at) {
                Some(&k) if k == want => hits.push((self.ids[at], bk)),
                _ => misses.push(bk),
            }
        }
        hits
    }
}

impl<K> KeyMap<K> {
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The first position at or after `from` whose key is not below `want` (`keys` sorted, every key before `from`
/// below `want`). A galloping search: steps of 1, 2, 4 … from `from`, then a binary search in the last step. For a
/// note's keys, searched in order (`LookupNote::split`): the next one is usually a short way on, where a binary
/// search over the rest would start at its middle each time. (A key map's own search goes through its `Directory`.)
fn lower_bound_from(keys: &[u128], from: usize, want: u128) -> usize {
    let (mut lo, mut step) = (from, 1);
    // Invariant: keys[..lo] are below `want`.
    while lo + step <= keys.len() && keys[lo + step - 1] < want {
        lo += step;
        step *= 2;
    }
    let hi = (lo + step - 1).min(keys.len());
    lo + keys[lo..hi].partition_point(|&k| k < want)
}

/// The key maps of entities whose full run holds one, by database file and entity number.
type KeyMaps = HashMap<(String, i64), Arc<KeyMap>>;
static KEY_MAPS: LazyLock<Mutex<KeyMaps>> = LazyLock::new(Mutex::default);

fn key_maps() -> std::sync::MutexGuard<'static, KeyMaps> {
    // A panic elsewhere while the lock was held cannot leave the maps half-changed: take them as they are.
    KEY_MAPS.lock().unwrap_or_else(|e| e.into_inner())
}

fn key_map(conn: &Connection, no: i64) -> Option<Arc<KeyMap>> {
    let path = conn.path().filter(|p| !p.is_empty())?;
    key_maps().get(&(path.to_owned(), no)).cloned()
}

/// Keeps an entity's key map in use until dropped (the end of the full run that built it).
#[must_use = "the key map is dropped with its guard"]
pub struct KeyMapGuard {
    key: (String, i64),
    map: Arc<KeyMap>,
}

impl KeyMapGuard {
    pub fn map(&self) -> &KeyMap {
        &self.map
    }
}

impl Drop for KeyMapGuard {
    fn drop(&mut self) {
        let mut maps = key_maps();
        if maps
            .get(&self.key)
            .is_some_and(|m| Arc::ptr_eq(m, &self.map))
        {
            maps.remove(&self.key);
        }
    }
}

/// Entity `no`'s keys in `record_keys`, counted up to one more than `bound` (a count that only has to say whether
/// it is above `bound` reads no further).
fn folded_keys_up_to(conn: &Connection, no: i64, bound: u64) -> Result<u64, StoreError> {
    let limit = bound.saturating_add(1).min(i64::MAX as u64) as i64;
    let keys: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM (SELECT 1 FROM record_keys WHERE entity_no = ?1 LIMIT ?2)",
        )?
        .query_row(params![no, limit], |r| r.get(0))?;
    Ok(keys as u64)
}

/// Folds the entity's tail if it is due (`fold_if_due`), then builds its key map (from its packs: about 6 ms for a
/// million records; when they are stale, one scan of its part of `record_keys`, about 130 ms, and the packs are
/// written again) for the lookups and upserts of every connection to this
/// database file until the guard is dropped. For a run that reads the whole source: its pages find their records by
/// id instead of through the key table (and the keys of a tail not yet due through the tail map). `None` when the
/// entity has no folded keys (an initial load: nothing to map) or the database is not a file.
pub fn map_keys(conn: &Connection, entity: EntityId) -> Result<Option<KeyMapGuard>, StoreError> {
    fold_if_due(conn, entity)?;
    match entity_no(conn, entity)? {
        Some(no) => map_entity(conn, no),
        None => Ok(None),
    }
}

/// Folded keys a row of an incremental run may pay a key map for, read from the entity's packs: about 6 ns a key
/// (5.5-6.4 ms for a million, wall and CPU), against about 1.8 µs saved a looked-up row at 1M (a 10,000-row page:
/// 23-26 ms through the key table, 6-8 ms through the map): the map pays for itself up to about 300 keys a row. With
/// at most 256 it costs at most about 1.5 µs a row: a run of 4,000 rows of a million-record entity reads the map; a
/// smaller one looks up fewer rows than a page through the key table (under 10 ms at 1M); a run of a few thousand
/// rows of many million keeps to the key table (and to its memory: the map takes 16 bytes a key, at most 4 KB a row
/// the run reads). Session 14's map (24 bytes a key, 10-13 ms at 1M) paid for itself only to about 150 keys a row,
/// and this was 128.
pub const MAP_KEYS_A_ROW: u64 = 256;

/// The key map (as `map_keys`, without the fold) for an incremental run that will read about `rows` rows, when the
/// entity's packs hold at most `MAP_KEYS_A_ROW` keys a row. When its packs are stale (an entity upgraded from V11),
/// its map is built from the key table and written as its packs, whatever the run's size: once.
pub fn map_keys_for_rows(
    conn: &Connection,
    entity: EntityId,
    rows: u64,
) -> Result<Option<KeyMapGuard>, StoreError> {
    let Some(no) = entity_no(conn, entity)? else {
        return Ok(None);
    };
    if let Some((_, packed)) = packed_at(conn, no)? {
        if packed == 0 || packed as u64 > rows.saturating_mul(MAP_KEYS_A_ROW) {
            return Ok(None);
        }
    }
    map_entity(conn, no)
}

/// Builds entity `no`'s key map and registers it for every connection to this database file (see `map_keys`):
/// from its packs, or from the key table when they are stale (and then writes them: `pack_keys`).
fn map_entity(conn: &Connection, no: i64) -> Result<Option<KeyMapGuard>, StoreError> {
    let Some(path) = conn.path().filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let map = match KeyMap::load_packed(conn, no)? {
        Some(map) => map,
        None => pack_keys(conn, no)?,
    };
    if map.is_empty() {
        return Ok(None);
    }
    let guard = KeyMapGuard {
        key: (path.to_owned(), no),
        map: Arc::new(map),
    };
    key_maps().insert(guard.key.clone(), guard.map.clone());
    Ok(Some(guard))
}

/// Keys a pack of `record_key_packs` holds (the last one fewer): rows of 96 KB (64 KB when the ids take 8 bytes),
/// about 120 of them for a million keys, read as a few hundred sequential runs of overflow pages.
const PACK_KEYS: usize = 8192;

/// The entity's watermark and the number of keys its packs hold, when they hold its keys at that watermark.
fn packed_at(conn: &Connection, no: i64) -> Result<Option<(i64, usize)>, StoreError> {
    let at: Option<(i64, Option<i64>, Option<i64>)> = conn
        .prepare_cached(
            "SELECT keys_to, packs_to, packed_keys FROM record_index_entities WHERE no = ?1",
        )?
        .query_row([no], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(match at {
        Some((keys_to, Some(packs_to), Some(n))) if packs_to == keys_to && n >= 0 => {
            Some((keys_to, n as usize))
        }
        _ => None,
    })
}

impl KeyMap {
    /// The map from the entity's packs (`record_key_packs`), when they hold its keys at its watermark: read in one
    /// transaction with it, a copy of about 12 MB for a million keys instead of a million steps of the key table.
    /// A pack holds its keys' prefixes (8 bytes each, big-endian, ascending) and their ids (4 bytes each,
    /// little-endian, when each fits; else 8). `None` when they are stale, or do not read as the packs `write_packs`
    /// writes (lengths, key order, count: logged, and the caller reads the key table instead: a map that lacked a
    /// key would have it taken for new).
    fn load_packed(conn: &Connection, no: i64) -> Result<Option<KeyMap>, StoreError> {
        let tx = conn
            .is_autocommit()
            .then(|| conn.unchecked_transaction())
            .transpose()?;
        let Some((keys_to, packed)) = packed_at(conn, no)? else {
            return Ok(None);
        };
        let mut st = conn.prepare_cached(
            "SELECT keys, ids FROM record_key_packs WHERE entity_no = ?1 ORDER BY pack",
        )?;
        let mut rows = st.query([no])?;
        let (mut keys, mut ids) = (Vec::with_capacity(packed), Vec::with_capacity(packed));
        let mut bad = None;
        while let Some(r) = rows.next()? {
            let (Ok(k), Ok(i)) = (r.get_ref(0)?.as_blob(), r.get_ref(1)?.as_blob()) else {
                bad = Some("a pack that is not blobs".to_owned());
                break;
            };
            let id_width = match (k.len() % 8, i.len()) {
                (0, n) if n * 2 == k.len() => 4,
                (0, n) if n == k.len() => 8,
                _ => {
                    bad = Some(format!(
                        "a pack of {} key bytes and {} id bytes",
                        k.len(),
                        i.len()
                    ));
                    break;
                }
            };
            keys.extend(
                k.chunks_exact(8)
                    .map(|c| u64::from_be_bytes(c.try_into().expect("8 bytes: chunks_exact"))),
            );
            if id_width == 4 {
                ids.extend(i.chunks_exact(4).map(|c| {
                    i64::from(u32::from_le_bytes(
                        c.try_into().expect("4 bytes: chunks_exact"),
                    ))
                }));
            } else {
                ids.extend(
                    i.chunks_exact(8)
                        .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes: chunks_exact"))),
                );
            }
        }
        drop(rows);
        drop(tx);
        if bad.is_none() && keys.len() != packed {
            bad = Some(format!("{} keys where {packed} were packed", keys.len()));
        }
        // Two keys may share a prefix: equal neighbours are in order.
        if bad.is_none() && keys.windows(2).any(|w| w[0] > w[1]) {
            bad = Some("keys out of order".into());
        }
        if let Some(why) = bad {
            tracing::warn!(
                entity_no = no,
                "the record index's key packs do not read ({why}): the key table is read instead"
            );
            return Ok(None);
        }
        Ok(Some(KeyMap::new(keys, ids, keys_to)))
    }

    /// The map's entries in key order.
    fn entries(&self) -> impl Iterator<Item = (u64, i64)> + '_ {
        self.keys.iter().copied().zip(self.ids.iter().copied())
    }
}

/// The entity's key map from the key table (`KeyMap::load`), written as its packs in an immediate transaction of its
/// own, when `conn` is outside any (inside the caller's it only builds the map). An entity never folded has no keys
/// to pack, and nothing is written.
fn pack_keys(conn: &Connection, no: i64) -> Result<KeyMap, StoreError> {
    if !conn.is_autocommit() || keys_to(conn, no)? == 0 {
        return KeyMap::load(conn, no);
    }
    let tx = Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let map = KeyMap::load(&tx, no)?;
    write_packs(&tx, no, map.keys_to, &map, &[])?;
    tx.commit()?;
    Ok(map)
}

/// Writes the entries of `old` (prefixes) and of `new` (whole keys; each sorted, none sharing a key with another or
/// with `old`; together every key `record_keys` holds for entity `no` at watermark `keys_to`) in key order as the
/// entity's packs, replacing those it had, in the caller's transaction. Merged as they are written, a pack at a time:
/// no copy of the whole is made.
fn write_packs(
    conn: &Connection,
    no: i64,
    keys_to: i64,
    old: &KeyMap,
    new: &[KeyMap<u128>],
) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM record_key_packs WHERE entity_no = ?1")?
        .execute([no])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO record_key_packs (entity_no, pack, keys, ids) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let (mut old, mut new) = (
        old.entries().peekable(),
        Merged::of(new.iter().collect())
            .map(|(k, id)| (u64::of(k), id))
            .peekable(),
    );
    let mut entries = std::iter::from_fn(|| match (old.peek(), new.peek()) {
        (Some(o), Some(n)) if n < o => new.next(),
        (Some(_), _) => old.next(),
        (None, _) => new.next(),
    });
    let mut pack = Vec::with_capacity(PACK_KEYS);
    let (mut key_bytes, mut id_bytes) = (
        Vec::with_capacity(PACK_KEYS * 8),
        Vec::with_capacity(PACK_KEYS * 8),
    );
    let (mut at, mut packed) = (0i64, 0i64);
    loop {
        pack.clear();
        pack.extend(entries.by_ref().take(PACK_KEYS));
        if pack.is_empty() {
            break;
        }
        key_bytes.clear();
        id_bytes.clear();
        let narrow = pack.iter().all(|&(_, id)| u32::try_from(id).is_ok());
        for &(key, id) in &pack {
            key_bytes.extend_from_slice(&key.to_be_bytes());
            match narrow {
                true => id_bytes.extend_from_slice(&(id as u32).to_le_bytes()),
                false => id_bytes.extend_from_slice(&id.to_le_bytes()),
            }
        }
        insert.execute(params![no, at, &key_bytes[..], &id_bytes[..]])?;
        at += 1;
        packed += pack.len() as i64;
    }
    conn.prepare_cached(
        "UPDATE record_index_entities SET packs_to = ?2, packed_keys = ?3 WHERE no = ?1",
    )?
    .execute(params![no, keys_to, packed])?;
    Ok(())
}

/// Rewrites entity `no`'s packs in a fold's transaction, once the records from `keys_to` (the old watermark) up to
/// `last` are folded into `record_keys` and before the watermark moves: the old packs merged with the folded keys
/// (`new`: the tail map's runs, else read from the table), or, when the old packs were stale, the key table read
/// whole.
fn repack(
    conn: &Connection,
    no: i64,
    keys_to: i64,
    last: i64,
    new: Option<&[KeyMap<u128>]>,
) -> Result<(), StoreError> {
    let old = match keys_to {
        0 => Some(KeyMap::new(Vec::new(), Vec::new(), 0)),
        _ => KeyMap::load_packed(conn, no)?,
    };
    let Some(old) = old else {
        let map = KeyMap::load(conn, no)?;
        return write_packs(conn, no, last, &map, &[]);
    };
    let read;
    let new = match new {
        Some(runs) => runs,
        None => {
            read = [tail_keys(conn, no, keys_to, last)?];
            &read[..]
        }
    };
    write_packs(conn, no, last, &old, new)
}

/// The keys and ids of entity `no`'s records above `keys_to` up to `last`, as a map (sorted here).
fn tail_keys(
    conn: &Connection,
    no: i64,
    keys_to: i64,
    last: i64,
) -> Result<KeyMap<u128>, StoreError> {
    let mut st = conn.prepare_cached(
        "SELECT bk_hash, id FROM record_index WHERE entity_no = ?1 AND id > ?2 AND id <= ?3",
    )?;
    let mut rows = st.query(params![no, keys_to, last])?;
    let mut pairs = Vec::new();
    while let Some(r) = rows.next()? {
        pairs.push((u128::from_be_bytes(hash_bytes(r, 0)?), r.get::<_, i64>(1)?));
    }
    pairs.sort_unstable();
    let (keys, ids) = pairs.into_iter().unzip();
    Ok(KeyMap::new(keys, ids, keys_to))
}

/// Records loaded or skipped rows as active and seen by `run`, in the caller's checkpoint transaction. A row equal
/// to its stored record (a skip whose rowversion did not move) is not rewritten: it only gets its seen mark. `note`:
/// what the page's lookup found (`lookup_for_run_noted`), if the rows are that page's, so that the keys are not
/// searched for in the key table again (see `LookupNote`).
pub fn upsert(
    tx: &Transaction<'_>,
    entity: EntityId,
    run: RunId,
    rows: &[IndexUpsert<'_>],
    note: Option<&LookupNote>,
) -> Result<usize, StoreError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let no = entity_no_or_new(tx, entity)?;
    // One row per key: of two rows with one key the later wins, keeping the earlier's uid if it brings none (what
    // recording them one after the other would leave).
    let mut wanted: BkMap<IndexUpsert<'_>> =
        BkMap::with_capacity_and_hasher(rows.len(), Default::default());
    for r in rows {
        let uid = r
            .target_uid
            .or_else(|| wanted.get(&r.bk_hash).and_then(|w| w.target_uid));
        wanted.insert(
            r.bk_hash,
            IndexUpsert {
                target_uid: uid,
                ..r.clone()
            },
        );
    }
    let keys: Vec<BkHash> = wanted.keys().copied().collect();
    // Which keys are stored, under which id, and whether their record differs: read in place, nothing allocated.
    let mut seen: Vec<i64> = Vec::with_capacity(wanted.len());
    let mut changed: Vec<(i64, BkHash)> = Vec::new();
    let mut found: BkMap<()> = BkMap::with_capacity_and_hasher(wanted.len(), Default::default());
    {
        each_stored(tx, no, &keys, note, |s| {
            let id: i64 = s.get(0)?;
            let bk = BkHash(u128::from_be_bytes(hash_bytes(s, 1)?));
            let Some(w) = wanted.get(&bk) else {
                return Ok(());
            };
            found.insert(bk, ());
            let stored_uid = s.get_ref(4)?;
            let same = is_active(s, 5)?
                && hash_bytes::<32>(s, 2)? == w.data_hash.0
                && s.get_ref(3)?
                    .as_str_or_null()
                    .map_err(|e| bad(3, e.to_string()))?
                    == w.rowversion
                && w.target_uid.is_none_or(|u| StoredUid::of(u).is(stored_uid));
            if !same {
                changed.push((id, bk));
            }
            seen.push(id);
            Ok(())
        })?;
    }
    let now = now_ms();
    if !changed.is_empty() {
        // By id: one descent each, in table order.
        changed.sort_unstable();
        let mut update = tx.prepare_cached(
            "UPDATE record_index SET data_hash = ?2, rowversion = ?3, target_uid = COALESCE(?4, target_uid),
               active = 1, updated_at = ?5
             WHERE id = ?1",
        )?;
        for (id, bk) in &changed {
            let w = &wanted[bk];
            update.execute(params![
                id,
                &w.data_hash.0[..],
                w.rowversion,
                w.target_uid.map(StoredUid::of),
                now
            ])?;
        }
    }
    if found.len() < wanted.len() {
        // Appended to the table (and the entity's tail): no key index to keep, the fold sorts them when it is due.
        let mut new: Vec<&IndexUpsert<'_>> = wanted
            .values()
            .filter(|w| !found.contains_key(&w.bk_hash))
            .collect();
        new.sort_unstable_by_key(|w| w.bk_hash);
        insert_new(tx, no, run, now, &new, &mut seen)?;
    }
    mark_seen(tx, no, run, &mut seen)?;
    Ok(rows.len())
}

/// Rows per `INSERT` of new records: a statement's own cost (its step, its parsing of the values) shared by 32 rows.
const INSERT_ROWS: usize = 32;

/// Inserts the records of `new` with the ids after the table's highest (what SQLite would give them, one by one),
/// `INSERT_ROWS` a statement; their ids go to `ids`.
fn insert_new(
    tx: &Transaction<'_>,
    no: i64,
    run: RunId,
    now: i64,
    new: &[&IndexUpsert<'_>],
    ids: &mut Vec<i64>,
) -> Result<(), StoreError> {
    let values = |rows: usize| {
        // ?1-?3 the values every row shares; each row's own five after them.
        let tuples: Vec<String> = (0..rows)
            .map(|i| {
                let p = 4 + 5 * i;
                format!(
                    "(?{p}, ?1, ?{}, ?{}, ?{}, ?{}, 1, ?2, ?3)",
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4
                )
            })
            .collect();
        format!(
            "INSERT INTO record_index
               (id, entity_no, bk_hash, data_hash, rowversion, target_uid, active, first_seen_run, updated_at)
             VALUES {}",
            tuples.join(", ")
        )
    };
    let mut next: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(id), 0) + 1 FROM record_index")?
        .query_row([], |r| r.get(0))?;
    let mut full = tx.prepare_cached(&values(INSERT_ROWS))?;
    for chunk in new.chunks(INSERT_ROWS) {
        let mut last;
        let insert = if chunk.len() == INSERT_ROWS {
            &mut full
        } else {
            last = tx.prepare(&values(chunk.len()))?;
            &mut last
        };
        // The per-row parameters that never change are bound once a statement.
        insert.raw_bind_parameter(1, no)?;
        insert.raw_bind_parameter(2, &run.0.as_bytes()[..])?;
        insert.raw_bind_parameter(3, now)?;
        for (i, w) in chunk.iter().enumerate() {
            let p = 4 + 5 * i;
            insert.raw_bind_parameter(p, next)?;
            insert.raw_bind_parameter(p + 1, &bk_bytes(&w.bk_hash)[..])?;
            insert.raw_bind_parameter(p + 2, &w.data_hash.0[..])?;
            insert.raw_bind_parameter(p + 3, w.rowversion)?;
            insert.raw_bind_parameter(p + 4, w.target_uid.map(StoredUid::of))?;
            ids.push(next);
            next += 1;
        }
        insert.raw_execute()?;
    }
    Ok(())
}

/// Marks stored records as seen by `run` without changing them: rows that failed to load or wait for a parent
/// still exist in the source, so a complete run must not delete them. `note` as for `upsert`.
pub fn touch_seen(
    tx: &Transaction<'_>,
    entity: EntityId,
    run: RunId,
    bks: &[BkHash],
    note: Option<&LookupNote>,
) -> Result<usize, StoreError> {
    let Some(no) = entity_no(tx, entity)? else {
        return Ok(0);
    };
    let mut ids = Vec::with_capacity(bks.len());
    each_stored(tx, no, bks, note, |r| {
        ids.push(r.get(0)?);
        Ok(())
    })?;
    let n = ids.len();
    mark_seen(tx, no, run, &mut ids)?;
    Ok(n)
}

/// The id of `stored` when a row with `data_hash` and `rowversion` leaves it exactly as it is (active, same data,
/// same rowversion): such a row is recorded by `mark_seen_ids` alone, without rewriting the record.
pub fn unchanged_id(
    stored: Option<&IndexedRecord>,
    data_hash: DataHash,
    rowversion: Option<&str>,
) -> Option<i64> {
    stored
        .filter(|s| s.active && s.data_hash == data_hash && s.rowversion.as_deref() == rowversion)
        .and_then(|s| s.id)
}

/// Marks records, by the ids the page's lookup found, as seen by `run` (rows `unchanged_id` found unchanged), in the
/// caller's checkpoint transaction: a bit each, no record rewritten.
pub fn mark_seen_ids(
    tx: &Transaction<'_>,
    entity: EntityId,
    run: RunId,
    ids: &[i64],
) -> Result<usize, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let no = entity_no(tx, entity)?.ok_or_else(|| {
        StoreError::Invalid(format!("entity {entity} has no records to mark seen"))
    })?;
    let mut ids = ids.to_vec();
    mark_seen(tx, no, run, &mut ids)?;
    Ok(ids.len())
}

/// Moves the seen marks of an earlier run to the run that continues it (added to any it has already).
pub fn transfer_seen(
    tx: &Transaction<'_>,
    entity: EntityId,
    from: RunId,
    to: RunId,
) -> Result<usize, StoreError> {
    let Some(no) = entity_no(tx, entity)? else {
        return Ok(0);
    };
    let old = SeenBits::load(tx, no, from, None)?;
    let mut ids: Vec<i64> = Vec::with_capacity(old.count());
    for (chunk, bits) in &old.0 {
        for (byte, b) in bits.iter().enumerate() {
            for bit in 0..8 {
                if b & (1 << bit) != 0 {
                    ids.push(chunk * CHUNK_IDS + byte as i64 * 8 + bit);
                }
            }
        }
    }
    tx.execute(
        "DELETE FROM record_seen WHERE entity_no = ?1 AND run_id = ?2",
        params![no, from],
    )?;
    let n = ids.len();
    mark_seen(tx, no, to, &mut ids)?;
    Ok(n)
}

/// Drops the seen marks of the entity's runs other than `keep`: only the latest run's marks are ever read (deletes
/// of a complete run, its held deletes, the run that resumes it).
pub fn forget_seen(
    tx: &Transaction<'_>,
    entity: EntityId,
    keep: &[RunId],
) -> Result<usize, StoreError> {
    let Some(no) = entity_no(tx, entity)? else {
        return Ok(0);
    };
    let keep: Array = Rc::new(keep.iter().map(|r| SqlValue::Text(r.to_string())).collect());
    Ok(tx.execute(
        "DELETE FROM record_seen WHERE entity_no = ?1 AND run_id NOT IN rarray(?2)",
        params![no, keep],
    )?)
}

pub fn count_active(conn: &Connection, entity: EntityId) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM record_index
         WHERE entity_no = (SELECT no FROM record_index_entities WHERE entity_id = ?1) AND active = 1",
        params![entity],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// Active records `run` has not seen.
pub fn count_unseen(conn: &Connection, entity: EntityId, run: RunId) -> Result<u64, StoreError> {
    let Some(no) = entity_no(conn, entity)? else {
        return Ok(0);
    };
    let seen = SeenBits::load(conn, no, run, None)?;
    let mut st =
        conn.prepare_cached("SELECT id FROM record_index WHERE entity_no = ?1 AND active = 1")?;
    let mut rows = st.query([no])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        if !seen.contains(r.get(0)?) {
            n += 1;
        }
    }
    Ok(n)
}

/// One batch of active records `run` has not seen, after `after` in BK order (keyset paging, so the scan streams
/// and never holds the entity in memory; the run's seen marks, a bit per record, are held while it reads). An
/// unfolded tail is folded first (a write: `conn` must be able to take the write lock).
pub fn unseen_batch(
    conn: &Connection,
    entity: EntityId,
    run: RunId,
    after: Option<BkHash>,
    limit: usize,
) -> Result<Vec<IndexedRecord>, StoreError> {
    let Some(no) = entity_no(conn, entity)? else {
        return Ok(Vec::new());
    };
    // Key order is `record_keys`' order: a tail (a run that ended before its fold) is folded first.
    if tail_len(conn, entity)? > 0 {
        fold(conn, entity)?;
    }
    let seen = SeenBits::load(conn, no, run, None)?;
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM record_keys AS k CROSS JOIN record_index AS r ON r.id = k.id
         WHERE k.entity_no = ?1 AND k.bk_hash > ?2 AND r.active = 1
         ORDER BY k.bk_hash"
    ))?;
    // An empty blob sorts before every 16-byte key: the first batch starts at the beginning.
    let after = after.map(|b| bk_bytes(&b).to_vec()).unwrap_or_default();
    let mut rows = st.query(params![no, after])?;
    let mut out = Vec::new();
    while out.len() < limit {
        let Some(row) = rows.next()? else { break };
        let id: i64 = row.get(0)?;
        if !seen.contains(id) {
            out.push(record(row)?.1);
        }
    }
    Ok(out)
}

/// Marks records deleted (after the target acknowledged the deletes) and seen by `run`, in the caller's
/// transaction.
pub fn mark_deleted(
    tx: &Transaction<'_>,
    entity: EntityId,
    run: RunId,
    bks: &[BkHash],
) -> Result<usize, StoreError> {
    let Some(no) = entity_no(tx, entity)? else {
        return Ok(0);
    };
    let mut active = Vec::with_capacity(bks.len());
    each_stored(tx, no, bks, None, |r| {
        if is_active(r, 5)? {
            active.push(r.get(0)?);
        }
        Ok(())
    })?;
    let mut ids: Vec<i64> = tx
        .prepare_cached(
            "UPDATE record_index SET active = 0, updated_at = ?2
             WHERE id IN rarray(?1) AND active = 1 RETURNING id",
        )?
        .query_map(
            params![
                Rc::new(
                    active
                        .into_iter()
                        .map(SqlValue::Integer)
                        .collect::<Vec<_>>()
                ) as Array,
                now_ms()
            ],
            |r| r.get(0),
        )?
        .collect::<Result<_, _>>()?;
    let n = ids.len();
    mark_seen(tx, no, run, &mut ids)?;
    Ok(n)
}

/// One record by key (for the inspector and tests); `seen_by` is `None`.
pub fn get(
    conn: &Connection,
    entity: EntityId,
    bk: BkHash,
) -> Result<Option<IndexedRecord>, StoreError> {
    Ok(lookup(conn, entity, &[bk])?.remove(&bk))
}

/// Whether `run` has seen the record of `bk` (for tests and diagnostics).
pub fn seen_by(
    conn: &Connection,
    entity: EntityId,
    run: RunId,
    bk: BkHash,
) -> Result<bool, StoreError> {
    Ok(lookup_for_run(conn, entity, run, &[bk])?
        .get(&bk)
        .is_some_and(|r| r.seen_by == Some(run)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{index_fixture as fixture, IndexFixture as Fixture};

    fn row(bk: u128, data: u8, uid: Option<&str>) -> IndexUpsert<'_> {
        IndexUpsert {
            bk_hash: BkHash(bk),
            data_hash: DataHash([data; 32]),
            rowversion: Some("7"),
            target_uid: uid,
        }
    }

    impl Fixture {
        fn upsert(&self, run: RunId, rows: &[IndexUpsert<'_>]) {
            self.db
                .write(|tx| upsert(tx, self.entity, run, rows, None))
                .unwrap();
        }
        fn updated_at(&self, bk: u128) -> i64 {
            self.db
                .conn()
                .unwrap()
                .query_row(
                    "SELECT updated_at FROM record_index WHERE bk_hash = ?1",
                    [&bk_bytes(&BkHash(bk))[..]],
                    |r| r.get(0),
                )
                .unwrap()
        }
        fn unseen(&self, run: RunId) -> Vec<u128> {
            let conn = self.db.conn().unwrap();
            let mut out = Vec::new();
            let mut after = None;
            loop {
                let batch = unseen_batch(&conn, self.entity, run, after, 700).unwrap();
                out.extend(batch.iter().map(|r| r.bk_hash.0));
                match batch.last() {
                    Some(l) if batch.len() == 700 => after = Some(l.bk_hash),
                    _ => return out,
                }
            }
        }
    }

    /// V11: a uid in the canonical uuid form is stored as its 16 bytes, any other uid (an upper-case uuid, digits,
    /// a PostgreSQL key of another shape) as its text; each reads back exactly as it was given, and a skip that
    /// brings the same uid again finds its record unchanged (not rewritten).
    #[test]
    fn a_uuid_uid_is_stored_as_bytes_and_any_other_uid_as_text_and_each_reads_back_as_given() {
        let f = fixture();
        let uids = [
            "0193a3c5-7d2e-7f41-9c3b-5a6d7e8f9012",
            "0193A3C5-7D2E-7F41-9C3B-5A6D7E8F9012",
            "0193a3c57d2e7f419c3b5a6d7e8f9012",
            "{0193a3c5-7d2e-7f41-9c3b-5a6d7e8f9012}",
            "12345",
            "uid-1",
            "",
        ];
        let run = RunId::new();
        let rows: Vec<_> = (0..uids.len())
            .map(|i| row(i as u128 + 1, 1, Some(uids[i])))
            .collect();
        f.upsert(run, &rows);
        let conn = f.db.conn().unwrap();
        let stored: Vec<String> = conn
            .prepare("SELECT typeof(target_uid) FROM record_index ORDER BY bk_hash")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            stored,
            ["blob", "text", "text", "text", "text", "text", "text"],
            "only the canonical uuid is stored as bytes; digits stay text, not a number"
        );
        let keys: Vec<BkHash> = (1..=uids.len() as u128).map(BkHash).collect();
        let read: Vec<Option<String>> = looked_up(&f, run, &keys)
            .into_iter()
            .map(|r| r.target_uid)
            .collect();
        let given: Vec<Option<String>> = uids.iter().map(|u| Some(u.to_string())).collect();
        assert_eq!(read, given, "every uid reads back as given");
        let times = || {
            (1..=uids.len() as u128)
                .map(|b| f.updated_at(b))
                .collect::<Vec<_>>()
        };
        let before = times();
        std::thread::sleep(std::time::Duration::from_millis(5));
        f.upsert(RunId::new(), &rows);
        assert_eq!(
            times(),
            before,
            "the same uid again (as bytes or as text) is no change: nothing rewritten"
        );
        let bytes = StoredUid::of("0193a3c5-7d2e-7f41-9c3b-5a6d7e8f9012");
        assert_eq!(
            bytes,
            StoredUid::Uuid(0x0193a3c5_7d2e_7f41_9c3b_5a6d7e8f9012u128.to_be_bytes()),
            "the 16 bytes are the uuid's, in order"
        );
    }

    #[test]
    fn an_unchanged_row_is_only_marked_seen_and_a_changed_one_is_rewritten() {
        let f = fixture();
        let (first, second) = (RunId::new(), RunId::new());
        f.upsert(first, &[row(1, 1, Some("uid-1")), row(2, 2, Some("uid-2"))]);
        let (one, two) = (f.updated_at(1), f.updated_at(2));
        std::thread::sleep(std::time::Duration::from_millis(5));
        // A skip (no uid) equal to the record, and a changed row.
        f.upsert(second, &[row(1, 1, None), row(2, 9, None)]);
        assert_eq!(
            f.updated_at(1),
            one,
            "the unchanged record is not rewritten"
        );
        assert_ne!(f.updated_at(2), two, "the changed record is");
        let conn = f.db.conn().unwrap();
        let found =
            lookup_for_run(&conn, f.entity, second, &[BkHash(1), BkHash(2), BkHash(3)]).unwrap();
        assert_eq!(found.len(), 2);
        assert!(
            found.values().all(|r| r.seen_by == Some(second)),
            "{found:?}"
        );
        assert_eq!(found[&BkHash(2)].data_hash, DataHash([9; 32]));
        assert_eq!(
            found[&BkHash(2)].target_uid.as_deref(),
            Some("uid-2"),
            "a skip keeps the stored uid"
        );
        let earlier = lookup_for_run(&conn, f.entity, first, &[BkHash(1)]).unwrap();
        assert_eq!(
            earlier[&BkHash(1)].seen_by,
            Some(first),
            "each run has its own marks"
        );
        assert_eq!(
            lookup(&conn, f.entity, &[BkHash(1)]).unwrap()[&BkHash(1)].seen_by,
            None
        );
    }

    #[test]
    fn of_two_rows_with_one_key_the_later_wins_and_keeps_the_earlier_uid() {
        let f = fixture();
        let run = RunId::new();
        f.upsert(run, &[row(1, 1, Some("uid-a")), row(1, 2, None)]);
        let rec = get(&f.db.conn().unwrap(), f.entity, BkHash(1))
            .unwrap()
            .unwrap();
        assert_eq!(
            (rec.data_hash, rec.target_uid.as_deref()),
            (DataHash([2; 32]), Some("uid-a"))
        );
        assert_eq!(count_active(&f.db.conn().unwrap(), f.entity).unwrap(), 1);
    }

    /// 40,000 records span three chunks of seen marks; a run that sees every third one leaves exactly the others
    /// unseen, counted and streamed in key order.
    #[test]
    fn unseen_records_are_exactly_those_without_a_mark_across_chunks() {
        let f = fixture();
        let all: Vec<IndexUpsert<'_>> = (1..=40_000u128)
            .map(|i| row(i * 0x9E37_79B9_7F4A_7C15, 1, Some("uid")))
            .collect();
        f.upsert(RunId::new(), &all);
        let run = RunId::new();
        let seen: Vec<IndexUpsert<'_>> = all
            .iter()
            .step_by(3)
            .map(|r| IndexUpsert {
                target_uid: None,
                ..r.clone()
            })
            .collect();
        f.upsert(run, &seen[..seen.len() / 2]);
        let failed: Vec<BkHash> = seen[seen.len() / 2..].iter().map(|r| r.bk_hash).collect();
        let touched =
            f.db.write(|tx| touch_seen(tx, f.entity, run, &failed, None))
                .unwrap();
        assert_eq!(touched, failed.len());
        let chunks = f.count("SELECT COUNT(*) FROM record_seen");
        assert!(
            chunks >= 3 * 2,
            "both runs' marks span three chunks: {chunks}"
        );

        let mut expected: Vec<u128> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 3 != 0)
            .map(|(_, r)| r.bk_hash.0)
            .collect();
        expected.sort_unstable();
        let conn = f.db.conn().unwrap();
        assert_eq!(
            count_unseen(&conn, f.entity, run).unwrap(),
            expected.len() as u64
        );
        assert_eq!(f.unseen(run), expected);

        // Deleting some marks them deleted and seen: they leave the unseen set, the rest stay.
        let gone: Vec<BkHash> = expected[..1_000].iter().map(|&b| BkHash(b)).collect();
        assert_eq!(
            f.db.write(|tx| mark_deleted(tx, f.entity, run, &gone))
                .unwrap(),
            1_000
        );
        assert_eq!(f.unseen(run), expected[1_000..]);
        assert_eq!(count_active(&conn, f.entity).unwrap(), 39_000);
    }

    #[test]
    fn a_continuing_run_takes_over_the_marks_and_older_runs_are_forgotten() {
        let f = fixture();
        let (old, first, next) = (RunId::new(), RunId::new(), RunId::new());
        f.upsert(
            old,
            &(1..=6u128)
                .map(|i| row(i, 1, Some("uid")))
                .collect::<Vec<_>>(),
        );
        f.upsert(first, &[row(1, 1, None), row(2, 1, None)]);
        // The continuing run has seen a record of its own already.
        f.upsert(next, &[row(3, 1, None)]);
        let moved =
            f.db.write(|tx| transfer_seen(tx, f.entity, first, next))
                .unwrap();
        assert_eq!(moved, 2);
        let conn = f.db.conn().unwrap();
        assert_eq!(
            count_unseen(&conn, f.entity, next).unwrap(),
            3,
            "records 4 to 6"
        );
        assert_eq!(
            count_unseen(&conn, f.entity, first).unwrap(),
            6,
            "the first run has no marks left"
        );
        let forgotten = f.db.write(|tx| forget_seen(tx, f.entity, &[next])).unwrap();
        assert_eq!(forgotten, 1, "the old run's one chunk");
        assert_eq!(count_unseen(&conn, f.entity, old).unwrap(), 6);
        assert_eq!(count_unseen(&conn, f.entity, next).unwrap(), 3);
    }

    /// Reconciled writes are recorded as seen by the nil run, for every entity: two entities' records share a
    /// chunk of ids, and each entity keeps its own bits.
    #[test]
    fn entities_sharing_a_run_and_a_chunk_keep_their_own_marks() {
        let f = fixture();
        let other = EntityId::new();
        let nil = RunId(uuid::Uuid::nil());
        for i in 1..=4u128 {
            let e = if i % 2 == 0 { other } else { f.entity };
            f.db.write(|tx| upsert(tx, e, nil, &[row(i, 1, Some("uid"))], None))
                .unwrap();
        }
        let conn = f.db.conn().unwrap();
        for (e, seen, unseen) in [(f.entity, 1u128, 2u128), (other, 2, 1)] {
            assert!(seen_by(&conn, e, nil, BkHash(seen)).unwrap());
            assert!(
                !seen_by(&conn, e, nil, BkHash(unseen)).unwrap(),
                "not this entity's record"
            );
            assert_eq!(count_unseen(&conn, e, nil).unwrap(), 0);
        }
        assert_eq!(
            f.count("SELECT COUNT(*) FROM record_seen"),
            2,
            "one chunk per entity"
        );
    }

    proptest::proptest! {
        /// The galloping search finds what a binary search over the rest of the keys finds, for sorted searches
        /// (each from where the last ended, as `LookupNote::split` walks a page) and from any start, with repeats,
        /// keys beyond both ends and empty maps.
        #[test]
        fn the_galloping_search_finds_what_a_binary_search_finds(
            keys in proptest::collection::vec(0u128..400, 0..300),
            wanted in proptest::collection::vec(0u128..420, 0..60),
            start in 0usize..300,
        ) {
            let mut keys = keys;
            keys.sort_unstable();
            let mut wanted = wanted;
            wanted.sort_unstable();
            let mut from = 0;
            for &w in &wanted {
                let expect = from + keys[from..].partition_point(|&k| k < w);
                from = lower_bound_from(&keys, from, w);
                proptest::prop_assert_eq!(from, expect);
            }
            let start = start.min(keys.len());
            for &w in &wanted {
                if keys[..start].iter().all(|&k| k < w) {
                    proptest::prop_assert_eq!(
                        lower_bound_from(&keys, start, w),
                        start + keys[start..].partition_point(|&k| k < w)
                    );
                }
            }
        }
    }

    proptest::proptest! {
        /// A key map's search through its directory finds what a binary search of its keys finds: the hits with
        /// their ids, the misses in order, for maps of any size (one prefix up to thousands), keys spread over the
        /// whole range or bunched under one prefix, and wanted keys that are stored, next to stored ones, or neither.
        #[test]
        fn a_key_map_finds_through_its_directory_what_a_binary_search_finds(
            spread in proptest::collection::vec(proptest::num::u128::ANY, 0..3_000),
            bunched in proptest::collection::vec(0u128..1_000, 0..200),
            picks in proptest::collection::vec((0usize..3_200, -1i8..=1), 0..300),
            others in proptest::collection::vec(proptest::num::u128::ANY, 0..50),
        ) {
            let mut keys: Vec<u128> = spread.into_iter().chain(bunched).collect();
            keys.extend([0, u128::MAX]);
            keys.sort_unstable();
            keys.dedup();
            let ids: Vec<i64> = (0..keys.len() as i64).map(|i| i * 3 + 1).collect();
            let map = KeyMap::new(keys.clone(), ids.clone(), 0);
            let mut wanted: Vec<u128> = picks
                .iter()
                .map(|&(i, d)| keys[i % keys.len()].wrapping_add_signed(i128::from(d)))
                .chain(others)
                .collect();
            wanted.sort_unstable();
            wanted.dedup();
            let wanted: Vec<BkHash> = wanted.into_iter().map(BkHash).collect();
            let mut misses = Vec::new();
            let hits = map.find(&wanted, &mut misses);
            let (mut expect_hits, mut expect_misses) = (Vec::new(), Vec::new());
            for &w in &wanted {
                match keys.binary_search(&w.0) {
                    Ok(i) => expect_hits.push((ids[i], w)),
                    Err(_) => expect_misses.push(w),
                }
            }
            proptest::prop_assert_eq!(hits, expect_hits);
            proptest::prop_assert_eq!(misses, expect_misses);
            // A map of the keys' prefixes (an entity's map; the bunched keys all share prefix 0): a key is found
            // when its prefix is, with the id of the first key of that prefix.
            let prefixes: Vec<u64> = keys.iter().map(|&k| u64::of(k)).collect();
            let map = KeyMap::new(prefixes.clone(), ids.clone(), 0);
            let mut misses = Vec::new();
            let hits = map.find(&wanted, &mut misses);
            let (mut expect_hits, mut expect_misses) = (Vec::new(), Vec::new());
            for &w in &wanted {
                let at = prefixes.partition_point(|&p| p < u64::of(w.0));
                match prefixes.get(at) {
                    Some(&p) if p == u64::of(w.0) => expect_hits.push((ids[at], w)),
                    _ => expect_misses.push(w),
                }
            }
            proptest::prop_assert_eq!(hits, expect_hits);
            proptest::prop_assert_eq!(misses, expect_misses);
        }
    }

    proptest::proptest! {
        /// The tail map with its filter finds exactly what a plain search of the same records finds: the hits with
        /// their ids, the misses in key order, for records added in runs of any size (the filter rebuilt as it grows,
        /// the runs merged), keys spread over the whole key space and keys that share their top bits (all in one
        /// block of the filter).
        #[test]
        fn the_tail_map_finds_what_a_plain_search_finds(
            keys in proptest::collection::btree_set(
                proptest::prop_oneof![proptest::prelude::any::<u128>(), 0u128..64],
                0..3_000,
            ),
            runs in proptest::collection::vec(1usize..1_500, 1..6),
            wanted in proptest::collection::vec(proptest::prop_oneof![proptest::prelude::any::<u128>(), 0u128..64], 0..200),
            held in proptest::collection::vec(proptest::prelude::any::<proptest::sample::Index>(), 0..200),
        ) {
            // Records as the table gives them: ids in insertion order, keys in random order.
            let mut records: Vec<(u128, i64)> = keys.iter().map(|&k| (k, 0)).collect();
            records.sort_unstable_by_key(|&(k, _)| k.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (k >> 64));
            for (i, r) in records.iter_mut().enumerate() {
                r.1 = i as i64 + 1;
            }
            let mut tail = Tail::new(0);
            let mut rest = &records[..];
            for n in runs.iter().cycle().take(64) {
                if rest.is_empty() {
                    break;
                }
                let (now, later) = rest.split_at((*n).min(rest.len()));
                tail.add(now.to_vec());
                rest = later;
            }
            tail.add(rest.to_vec());
            let plain: std::collections::BTreeMap<u128, i64> = records.iter().copied().collect();
            proptest::prop_assert_eq!(tail.len(), plain.len());
            let mut query: Vec<BkHash> = wanted.into_iter().map(BkHash).collect();
            if !records.is_empty() {
                query.extend(held.iter().map(|i| BkHash(records[i.index(records.len())].0)));
            }
            query.sort_unstable();
            query.dedup();
            let mut misses = Vec::new();
            let mut hits = tail.find(&query, &mut misses);
            hits.sort_unstable_by_key(|h| h.1);
            let expected: Vec<(i64, BkHash)> =
                query.iter().filter_map(|k| plain.get(&k.0).map(|&id| (id, *k))).collect();
            let expected_misses: Vec<BkHash> =
                query.iter().copied().filter(|k| !plain.contains_key(&k.0)).collect();
            proptest::prop_assert_eq!(hits, expected);
            proptest::prop_assert_eq!(misses, expected_misses);
        }
    }

    /// What a page's lookup returns, sorted by key, without the seen marks: compared with and without a key map.
    fn looked_up(f: &Fixture, run: RunId, bks: &[BkHash]) -> Vec<IndexedRecord> {
        let conn = f.db.conn().unwrap();
        let mut out: Vec<_> = lookup_for_run(&conn, f.entity, run, bks)
            .unwrap()
            .into_values()
            .collect();
        out.sort_unstable_by_key(|r| r.bk_hash);
        out
    }

    /// A full run's key map finds the records it knows by id; keys recorded after it was built (by the run itself)
    /// are still found (in the tail), and a page looks up exactly as it does without a map.
    #[test]
    fn a_key_map_answers_as_the_key_index_does_for_records_old_and_new() {
        let f = fixture();
        let old: Vec<IndexUpsert<'_>> = (1..=3_000u128)
            .map(|i| row(i * 0x9E37_79B9_7F4A_7C15, 1, Some("uid")))
            .collect();
        f.upsert(RunId::new(), &old);
        let run = RunId::new();
        let page: Vec<BkHash> = (1..=4_000u128)
            .map(|i| BkHash(i * 0x9E37_79B9_7F4A_7C15))
            .collect();
        let without = looked_up(&f, run, &page);
        assert_eq!(without.len(), 3_000, "keys 3,001 to 4,000 are new");

        let conn = f.db.conn().unwrap();
        let guard = map_keys(&conn, f.entity).unwrap().expect("records to map");
        assert_eq!(guard.map().len(), 3_000);
        assert_eq!(looked_up(&f, run, &page), without);

        // The run records a page: half of it known (every other one changed), half new to the index and the map.
        let recorded: Vec<IndexUpsert<'_>> = (2_501..=3_500u128)
            .map(|i| row(i * 0x9E37_79B9_7F4A_7C15, (i % 2) as u8 + 1, Some("uid")))
            .collect();
        f.upsert(run, &recorded);
        assert_eq!(
            count_active(&conn, f.entity).unwrap(),
            3_500,
            "known keys are updated in place, not inserted again"
        );
        let with_map = looked_up(&f, run, &page);
        assert_eq!(with_map.len(), 3_500, "the 500 new keys are found too");
        assert!(with_map
            .iter()
            .filter(|r| r.bk_hash.0 > 2_500 * 0x9E37_79B9_7F4A_7C15)
            .all(|r| r.seen_by == Some(run)));
        let no = entity_no(&conn, f.entity).unwrap().unwrap();
        assert!(key_map(&conn, no).is_some());
        drop(guard);
        assert!(key_map(&conn, no).is_none(), "the map goes with its guard");
        assert_eq!(looked_up(&f, run, &page), with_map);
    }

    /// An incremental run gets a key map when it will read at least one row for every `MAP_KEYS_A_ROW` keys the
    /// entity's packs hold (the unfolded tail not counted); never for an entity with nothing folded or an unknown one.
    #[test]
    fn an_incremental_run_maps_the_keys_only_when_it_reads_enough_of_them() {
        let f = fixture();
        let conn = f.db.conn().unwrap();
        assert!(
            map_keys_for_rows(&conn, f.entity, 1_000).unwrap().is_none(),
            "no records"
        );
        let old: Vec<IndexUpsert<'_>> = (1..=1_600u128).map(|i| row(i << 100, 1, None)).collect();
        f.upsert(RunId::new(), &old);
        assert!(
            map_keys_for_rows(&conn, f.entity, 1_000).unwrap().is_none(),
            "nothing folded yet: the keys are in the tail"
        );
        fold(&conn, f.entity).unwrap();
        let no = entity_no(&conn, f.entity).unwrap().unwrap();
        assert!(
            map_keys_for_rows(&conn, f.entity, 6).unwrap().is_none(),
            "1,600 keys > 256 × 6"
        );
        assert!(key_map(&conn, no).is_none());
        let guard = map_keys_for_rows(&conn, f.entity, 7)
            .unwrap()
            .expect("1,600 keys ≤ 256 × 7");
        assert_eq!(guard.map().len(), 1_600);
        assert!(
            key_map(&conn, no).is_some(),
            "registered for the run's lookups"
        );
        // New records go to the tail and do not count: the bound is still the folded keys'.
        let new: Vec<IndexUpsert<'_>> = (1_601..=3_000u128)
            .map(|i| row(i << 100, 1, None))
            .collect();
        drop(guard);
        f.upsert(RunId::new(), &new);
        assert!(map_keys_for_rows(&conn, f.entity, 7).unwrap().is_some());
        assert!(map_keys_for_rows(&conn, f.entity, 6).unwrap().is_none());
    }

    /// The key prefixes and ids the entity's packs hold, decoded (8-byte prefixes; 4-byte ids, or 8-byte ones in a
    /// pack whose ids do not all fit in 4), in key order; and the watermark they are at.
    fn packed(conn: &Connection) -> (Vec<(Vec<u8>, i64)>, Option<i64>) {
        let mut st = conn
            .prepare("SELECT keys, ids FROM record_key_packs ORDER BY entity_no, pack")
            .unwrap();
        let mut rows = st.query([]).unwrap();
        let mut out = Vec::new();
        while let Some(r) = rows.next().unwrap() {
            let (k, i): (Vec<u8>, Vec<u8>) = (r.get(0).unwrap(), r.get(1).unwrap());
            assert_eq!(k.len() % 8, 0);
            let id_width = i.len() / (k.len() / 8);
            for (k, i) in k.chunks(8).zip(i.chunks(id_width)) {
                let id = match id_width {
                    4 => i64::from(u32::from_le_bytes(i.try_into().unwrap())),
                    _ => i64::from_le_bytes(i.try_into().unwrap()),
                };
                out.push((k.to_vec(), id));
            }
        }
        let at = conn
            .query_row("SELECT packs_to FROM record_index_entities", [], |r| {
                r.get(0)
            })
            .unwrap();
        (out, at)
    }

    /// Every fold rewrites the entity's packs to hold exactly what `record_keys` holds, at the new watermark: an
    /// initial load's (several packs), a tail folded from the tail map, and one folded from the table; and a key map
    /// read from them is the one the key table gives.
    #[test]
    fn a_fold_packs_the_keys_the_key_table_holds() {
        let f = fixture();
        let conn = f.db.conn().unwrap();
        let run = RunId::new();
        let no = entity_no_or_new(&conn.unchecked_transaction().unwrap(), f.entity).unwrap();
        let page = |from: u128, to: u128| -> Vec<IndexUpsert<'static>> {
            (from..to).map(|i| row(key(i), 1, Some("uid"))).collect()
        };
        for (rows, from_table) in [
            (0..9_000u128, false),
            (9_000..12_000, false),
            (12_000..12_500, true),
        ] {
            for chunk in rows.clone().step_by(1_000) {
                f.upsert(run, &page(chunk, (chunk + 1_000).min(rows.end)));
            }
            if from_table {
                forget_tail(&conn, f.entity).unwrap();
            }
            assert_eq!(
                fold(&conn, f.entity).unwrap(),
                (rows.end - rows.start) as u64
            );
            let (keys, at) = packed(&conn);
            assert_eq!(keys, folded_prefixes(&conn), "after folding {rows:?}");
            assert_eq!(at, Some(keys_to(&conn, no).unwrap()));
            let from_packs = KeyMap::load_packed(&conn, no)
                .unwrap()
                .expect("packs at the watermark");
            let from_table = KeyMap::load(&conn, no).unwrap();
            assert_eq!(
                (&from_packs.keys, &from_packs.ids, from_packs.keys_to),
                (&from_table.keys, &from_table.ids, from_table.keys_to)
            );
        }
        assert_eq!(
            f.count("SELECT COUNT(*) FROM record_key_packs"),
            12_500_usize.div_ceil(PACK_KEYS) as i64
        );
    }

    /// A fold over stale packs (an entity upgraded from V11) packs the whole key table, old keys and new.
    #[test]
    fn a_fold_over_stale_packs_packs_the_whole_key_table() {
        let f = fixture();
        let conn = f.db.conn().unwrap();
        let rows: Vec<IndexUpsert<'_>> = (0..5_000u128).map(|i| row(key(i), 1, None)).collect();
        f.upsert(RunId::new(), &rows);
        fold(&conn, f.entity).unwrap();
        conn.execute_batch("UPDATE record_index_entities SET packs_to = NULL, packed_keys = NULL")
            .unwrap();
        let rows: Vec<IndexUpsert<'_>> = (5_000..7_000u128).map(|i| row(key(i), 1, None)).collect();
        f.upsert(RunId::new(), &rows);
        assert_eq!(fold(&conn, f.entity).unwrap(), 2_000);
        let (keys, at) = packed(&conn);
        assert_eq!(keys.len(), 7_000);
        assert_eq!(keys, folded_prefixes(&conn));
        assert_eq!(
            at,
            Some(keys_to(&conn, entity_no(&conn, f.entity).unwrap().unwrap()).unwrap())
        );
    }

    /// Packs that are stale (an entity upgraded from V11) or do not read (a pack lost, a pack cut short) are not
    /// trusted: the key map is built from the key table, finds every record, and the packs are written again.
    #[test]
    fn stale_or_broken_packs_are_rebuilt_from_the_key_table() {
        let f = fixture();
        let conn = f.db.conn().unwrap();
        let rows: Vec<IndexUpsert<'_>> = (0..9_000u128).map(|i| row(key(i), 1, None)).collect();
        f.upsert(RunId::new(), &rows);
        fold(&conn, f.entity).unwrap();
        let good = packed(&conn);
        let no = entity_no(&conn, f.entity).unwrap().unwrap();
        for breakage in [
            "UPDATE record_index_entities SET packs_to = NULL, packed_keys = NULL",
            "DELETE FROM record_key_packs WHERE pack = 1",
            "UPDATE record_key_packs SET keys = substr(keys, 9) WHERE pack = 0",
            "UPDATE record_key_packs SET ids = substr(ids, 5) WHERE pack = 1",
            "UPDATE record_key_packs SET keys = (SELECT substr(p0.keys, 1, length(record_key_packs.keys))
                                                 FROM record_key_packs AS p0 WHERE p0.pack = 0)
             WHERE pack = 1",
        ] {
            conn.execute_batch(breakage).unwrap();
            assert!(KeyMap::load_packed(&conn, no).unwrap().is_none(), "{breakage}");
            // Stale packs are rebuilt for a run however few rows it reads (once); broken ones (their count says
            // nothing is wrong) when a run's rows call for a map.
            let rows = if breakage.contains("NULL") { 1 } else { 200 };
            let guard = map_keys_for_rows(&conn, f.entity, rows)
                .unwrap()
                .unwrap_or_else(|| panic!("a map after {breakage}"));
            assert_eq!(guard.map().len(), 9_000);
            let bks: Vec<BkHash> = (0..9_000u128).map(|i| BkHash(key(i))).collect();
            assert_eq!(lookup(&conn, f.entity, &bks).unwrap().len(), 9_000);
            drop(guard);
            assert_eq!(packed(&conn), good, "rewritten after {breakage}");
            assert!(map_keys_for_rows(&conn, f.entity, 1).unwrap().is_none());
        }
    }

    /// Keys that share their top 8 bytes (the prefix the packs and an entity's map hold) are packed side by side,
    /// the packs still read, and every one of them is found as its own record, through the map from the packs
    /// (the first of a shared prefix by the map, the others through the key table) and when upserted through it.
    #[test]
    fn keys_sharing_a_prefix_each_find_their_own_record() {
        let f = fixture();
        let conn = f.db.conn().unwrap();
        // 3,000 keys, and for every tenth a twin that differs from it in its last bit only.
        let mut bks: Vec<u128> = (0..3_000u128).map(key).collect();
        bks.extend((0..3_000u128).step_by(10).map(|i| key(i) ^ 1));
        let uid = |bk: u128| format!("uid-{bk:x}");
        let uids: Vec<String> = bks.iter().map(|&bk| uid(bk)).collect();
        let rows: Vec<IndexUpsert<'_>> = bks
            .iter()
            .zip(&uids)
            .map(|(&bk, u)| row(bk, (bk & 0xff) as u8, Some(u)))
            .collect();
        f.upsert(RunId::new(), &rows);
        assert_eq!(fold(&conn, f.entity).unwrap(), 3_300);
        let no = entity_no(&conn, f.entity).unwrap().unwrap();
        let from_packs = KeyMap::load_packed(&conn, no)
            .unwrap()
            .expect("packs with shared prefixes read");
        assert_eq!(from_packs.len(), 3_300);
        let guard = map_keys(&conn, f.entity).unwrap().expect("a map");
        let run = RunId::new();
        let wanted: Vec<BkHash> = bks.iter().copied().map(BkHash).collect();
        let found: Vec<(u128, Option<String>, DataHash)> = looked_up(&f, run, &wanted)
            .into_iter()
            .map(|r| (r.bk_hash.0, r.target_uid, r.data_hash))
            .collect();
        let mut expect: Vec<(u128, Option<String>, DataHash)> = bks
            .iter()
            .map(|&bk| (bk, Some(uid(bk)), DataHash([(bk & 0xff) as u8; 32])))
            .collect();
        expect.sort_unstable_by_key(|e| e.0);
        assert_eq!(found, expect);
        // Each twin updated through the map updates its own record, and its pair keeps its data.
        let twins: Vec<IndexUpsert<'_>> = (0..3_000u128)
            .step_by(10)
            .map(|i| row(key(i) ^ 1, 0xee, None))
            .collect();
        f.upsert(run, &twins);
        assert_eq!(count_active(&conn, f.entity).unwrap(), 3_300);
        for i in [0u128, 10, 2_990] {
            let twin = get(&conn, f.entity, BkHash(key(i) ^ 1)).unwrap().unwrap();
            let pair = get(&conn, f.entity, BkHash(key(i))).unwrap().unwrap();
            assert_eq!(
                (twin.data_hash, twin.target_uid),
                (DataHash([0xee; 32]), Some(uid(key(i) ^ 1)))
            );
            assert_eq!(pair.data_hash, DataHash([(key(i) & 0xff) as u8; 32]));
        }
        drop(guard);
    }

    /// Record ids beyond 4 bytes are packed in 8, and read back as the key table holds them.
    #[test]
    fn ids_beyond_four_bytes_are_packed_in_eight() {
        let f = fixture();
        let conn = f.db.conn().unwrap();
        f.upsert(RunId::new(), &[row(key(0), 1, None)]);
        conn.execute_batch("UPDATE record_index SET id = 4294967300")
            .unwrap();
        forget_tail(&conn, f.entity).unwrap();
        let rows: Vec<IndexUpsert<'_>> = (1..9_000u128).map(|i| row(key(i), 1, None)).collect();
        f.upsert(RunId::new(), &rows);
        fold(&conn, f.entity).unwrap();
        let widths: Vec<(i64, i64)> = conn
            .prepare("SELECT length(keys), length(ids) FROM record_key_packs ORDER BY pack")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(widths, [(8 * 8_192, 8 * 8_192), (8 * 808, 8 * 808)]);
        let (keys, _) = packed(&conn);
        assert_eq!(keys, folded_prefixes(&conn));
        assert!(keys.iter().all(|k| k.1 >= 4_294_967_300));
        let no = entity_no(&conn, f.entity).unwrap().unwrap();
        let from_packs = KeyMap::load_packed(&conn, no).unwrap().expect("packs");
        let from_table = KeyMap::load(&conn, no).unwrap();
        assert_eq!(
            (&from_packs.keys, &from_packs.ids),
            (&from_table.keys, &from_table.ids)
        );
    }

    /// A key map is never trusted: an entry pointing at another record's id, or at an id no record has, is caught
    /// by the key the record carries and looked up through the key table.
    #[test]
    fn a_wrong_key_map_costs_a_lookup_not_a_wrong_record() {
        let f = fixture();
        // Keys whose prefixes (the map's keys) differ.
        let (k10, k20, k30) = (10u128 << 64, 20u128 << 64, 30u128 << 64);
        f.upsert(
            RunId::new(),
            &[row(k10, 1, Some("uid-10")), row(k20, 2, Some("uid-20"))],
        );
        let conn = f.db.conn().unwrap();
        let guard = map_keys(&conn, f.entity).unwrap().unwrap();
        let no = entity_no(&conn, f.entity).unwrap().unwrap();
        let id_of = |bk: u128| {
            get(&conn, f.entity, BkHash(bk))
                .unwrap()
                .unwrap()
                .id
                .unwrap()
        };
        // Key 10 maps to record 20's id, key 20 to an id no record has; key 30 is not stored.
        let wrong = KeyMapGuard {
            key: guard.key.clone(),
            map: Arc::new(KeyMap::new(
                vec![10, 20, 30],
                vec![id_of(k20), 9_999, id_of(k10)],
                guard.map.keys_to,
            )),
        };
        key_maps().insert(wrong.key.clone(), wrong.map.clone());
        let run = RunId::new();
        let found = looked_up(&f, run, &[BkHash(k10), BkHash(k20), BkHash(k30)]);
        let uids: Vec<_> = found
            .iter()
            .map(|r| (r.bk_hash.0, r.target_uid.as_deref()))
            .collect();
        assert_eq!(uids, [(k10, Some("uid-10")), (k20, Some("uid-20"))]);
        // An upsert through the wrong map updates the right records and inserts only the new key.
        f.upsert(
            run,
            &[
                row(k10, 5, None),
                row(k20, 2, None),
                row(k30, 3, Some("uid-30")),
            ],
        );
        assert_eq!(count_active(&conn, f.entity).unwrap(), 3);
        let rec = get(&conn, f.entity, BkHash(k10)).unwrap().unwrap();
        assert_eq!(
            (rec.data_hash, rec.target_uid.as_deref()),
            (DataHash([5; 32]), Some("uid-10"))
        );
        drop(guard);
        assert!(
            key_map(&conn, no).is_some_and(|m| m.len() == 3),
            "a guard leaves a newer map alone"
        );
        drop(wrong);
        assert!(key_map(&conn, no).is_none());
    }

    fn key(i: u128) -> u128 {
        i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
    }

    /// New records go to the entity's tail, not to `record_keys`; every reader by key finds them there, page after
    /// page (the tail map grows a run per page and merges them), a known key is updated in place, never recorded
    /// twice, and after the fold the same lookups answer the same from `record_keys`.
    #[test]
    fn new_records_are_found_in_the_tail_before_and_after_the_fold() {
        let f = fixture();
        let run = RunId::new();
        for page in 0..7u128 {
            let rows: Vec<IndexUpsert<'_>> = (page * 1_000..(page + 1) * 1_000)
                .map(|i| row(key(i), 1, Some("uid")))
                .collect();
            f.upsert(run, &rows);
        }
        assert_eq!(
            f.count("SELECT COUNT(*) FROM record_keys"),
            0,
            "nothing folded yet"
        );
        let conn = f.db.conn().unwrap();
        assert_eq!(tail_len(&conn, f.entity).unwrap(), 7_000);
        let page: Vec<BkHash> = (6_500..7_500u128).map(|i| BkHash(key(i))).collect();
        let before = looked_up(&f, run, &page);
        assert_eq!(before.len(), 500, "keys 6,500 to 6,999 are in the tail");
        assert!(before.iter().all(|r| r.seen_by == Some(run)));
        // Known keys changed, unknown ones new: 500 updated in place, 500 appended.
        let again: Vec<IndexUpsert<'_>> =
            (6_500..7_500u128).map(|i| row(key(i), 2, None)).collect();
        f.upsert(run, &again);
        assert_eq!(count_active(&conn, f.entity).unwrap(), 7_500);
        let run2 = RunId::new();
        f.db.write(|tx| touch_seen(tx, f.entity, run2, &page, None))
            .unwrap();
        assert_eq!(count_unseen(&conn, f.entity, run2).unwrap(), 6_500);

        assert_eq!(fold(&conn, f.entity).unwrap(), 7_500);
        assert_eq!(tail_len(&conn, f.entity).unwrap(), 0);
        assert_eq!(fold(&conn, f.entity).unwrap(), 0, "nothing left to fold");
        let after = looked_up(&f, run, &page);
        assert_eq!(after.len(), 1_000);
        assert!(after.iter().all(|r| r.data_hash == DataHash([2; 32])));
        assert_eq!(f.unseen(run2).len(), 6_500);
        let gone: Vec<BkHash> = (0..100u128).map(|i| BkHash(key(i))).collect();
        assert_eq!(
            f.db.write(|tx| mark_deleted(tx, f.entity, run2, &gone))
                .unwrap(),
            100
        );
        assert_eq!(count_active(&conn, f.entity).unwrap(), 7_400);
    }

    /// How many records the index holds, and for how many distinct keys (read from the table itself).
    fn records_by_key(f: &Fixture) -> (i64, i64) {
        f.db.conn()
            .unwrap()
            .query_row(
                "SELECT COUNT(*), COUNT(DISTINCT bk_hash) FROM record_index",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    }

    /// Records whose data hash is `byte` repeated (as `row(_, byte, _)` writes it).
    fn records_with_data(f: &Fixture, byte: u8) -> i64 {
        f.db.conn()
            .unwrap()
            .query_row(
                "SELECT COUNT(*) FROM record_index WHERE data_hash = ?1",
                [&[byte; 32][..]],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// A page's lookup note lets its upsert read the records the lookup found by id, and search for the keys it found
    /// nowhere only in the tail; a record another writer added since (to the tail) is still found, not recorded twice.
    /// That found keys are read by id, not searched for again, shows when the key table has lost one of them.
    #[test]
    fn a_lookup_note_spares_the_upsert_the_key_table_and_a_record_added_since_is_still_found() {
        let f = fixture();
        let run = RunId::new();
        // Keys 0..2,000 folded into the key table, 2,000..2,500 in the tail.
        let old: Vec<IndexUpsert<'_>> = (0..2_000u128)
            .map(|i| row(key(i), 1, Some("uid")))
            .collect();
        f.upsert(run, &old);
        let conn = f.db.conn().unwrap();
        assert_eq!(fold(&conn, f.entity).unwrap(), 2_000);
        let tail: Vec<IndexUpsert<'_>> = (2_000..2_500u128)
            .map(|i| row(key(i), 1, Some("uid")))
            .collect();
        f.upsert(run, &tail);
        assert_eq!(tail_len(&conn, f.entity).unwrap(), 500);

        // A page of 500 folded keys, 500 in the tail and 200 new.
        let run = RunId::new();
        let page: Vec<BkHash> = (1_500..2_700u128).map(|i| BkHash(key(i))).collect();
        let (found, note) = lookup_for_run_noted(&conn, f.entity, run, &page).unwrap();
        assert_eq!(found.len(), 1_000);
        assert_eq!(note.keys.len(), 1_200);
        assert_eq!(note.ids.iter().flatten().count(), 1_000);
        // Meanwhile another writer records one of the new keys (it goes to the tail) ...
        f.upsert(RunId::new(), &[row(key(2_600), 7, Some("other"))]);
        // ... and the key table loses one of the found keys (no fold moved the watermark).
        let lost = bk_bytes(&BkHash(key(1_500)));
        conn.execute("DELETE FROM record_keys WHERE bk_hash = ?1", [&lost[..]])
            .unwrap();
        assert!(get(&conn, f.entity, BkHash(key(1_500))).unwrap().is_none());

        let rows: Vec<IndexUpsert<'_>> = page.iter().map(|b| row(b.0, 2, None)).collect();
        f.db.write(|tx| upsert(tx, f.entity, run, &rows, Some(&note)))
            .unwrap();
        assert_eq!(
            records_by_key(&f),
            (2_700, 2_700),
            "every key has one record: the lost key's was found by its id, the key added since in the tail"
        );
        let twos = records_with_data(&f, 2);
        assert_eq!(twos, 1_200, "every row of the page was recorded");
        let other = conn
            .query_row(
                "SELECT target_uid FROM record_index WHERE bk_hash = ?1",
                [&bk_bytes(&BkHash(key(2_600)))[..]],
                |r| r.get::<_, String>(0),
            )
            .unwrap();
        assert_eq!(
            other, "other",
            "the record added since was updated in place"
        );
    }

    /// A note is only advice once the watermark has moved: a key it found nowhere that another writer recorded and
    /// folded since is in the key table, and the upsert finds it there. A note of another entity is not used.
    #[test]
    fn a_lookup_note_from_before_a_fold_does_not_hide_the_folded_keys() {
        let f = fixture();
        let run = RunId::new();
        let old: Vec<IndexUpsert<'_>> = (0..1_000u128)
            .map(|i| row(key(i), 1, Some("uid")))
            .collect();
        f.upsert(run, &old);
        let conn = f.db.conn().unwrap();
        fold(&conn, f.entity).unwrap();
        let page: Vec<BkHash> = (900..1_100u128).map(|i| BkHash(key(i))).collect();
        let (found, note) = lookup_for_run_noted(&conn, f.entity, run, &page).unwrap();
        assert_eq!(found.len(), 100);
        let added: Vec<IndexUpsert<'_>> = (1_000..1_050u128)
            .map(|i| row(key(i), 7, Some("other")))
            .collect();
        f.upsert(RunId::new(), &added);
        assert_eq!(fold(&conn, f.entity).unwrap(), 50);
        let rows: Vec<IndexUpsert<'_>> = page.iter().map(|b| row(b.0, 2, None)).collect();
        f.db.write(|tx| upsert(tx, f.entity, run, &rows, Some(&note)))
            .unwrap();
        assert_eq!(
            records_by_key(&f),
            (1_100, 1_100),
            "the 50 keys folded since are updated, not recorded twice"
        );
        let twos = records_with_data(&f, 2);
        assert_eq!(twos, 200);
    }

    /// A run's end folds only a due tail: always for an entity never folded (its initial load), otherwise once the
    /// tail is a quarter of the key table. A tail not yet due is found by every reader by key, in a fresh process
    /// (no tail map) and through a full run's key map, is never recorded twice, and folds when it is due.
    #[test]
    fn a_tail_folds_when_it_is_a_quarter_of_the_key_table() {
        let f = fixture();
        let run = RunId::new();
        let rows = |from: u128, to: u128, data: u8| -> Vec<IndexUpsert<'static>> {
            (from..to).map(|i| row(key(i), data, Some("uid"))).collect()
        };
        f.upsert(run, &rows(0, 4_000, 1));
        let conn = f.db.conn().unwrap();
        assert_eq!(
            fold_if_due(&conn, f.entity).unwrap(),
            4_000,
            "an initial load folds"
        );
        f.upsert(run, &rows(4_000, 4_999, 1));
        assert_eq!(
            fold_if_due(&conn, f.entity).unwrap(),
            0,
            "999 keys are not a quarter of 4,000"
        );
        assert_eq!(tail_len(&conn, f.entity).unwrap(), 999);
        // A fresh process: the tail map is built from the table on the first lookup.
        forget_tail(&conn, f.entity).unwrap();
        let page: Vec<BkHash> = (3_500..5_500u128).map(|i| BkHash(key(i))).collect();
        assert_eq!(looked_up(&f, run, &page).len(), 1_499);
        {
            let _map = map_keys(&conn, f.entity).unwrap().expect("folded keys");
            assert_eq!(tail_len(&conn, f.entity).unwrap(), 999, "not due: kept");
            assert_eq!(looked_up(&f, run, &page).len(), 1_499);
            // Known keys (folded and in the tail) changed, the rest new: none recorded twice.
            f.upsert(run, &rows(3_500, 5_000, 2));
        }
        assert_eq!(count_active(&conn, f.entity).unwrap(), 5_000);
        assert_eq!(tail_len(&conn, f.entity).unwrap(), 1_000);
        assert_eq!(
            fold_if_due(&conn, f.entity).unwrap(),
            1_000,
            "a quarter of 4,000"
        );
        assert_eq!(tail_len(&conn, f.entity).unwrap(), 0);
        assert_eq!(f.count("SELECT COUNT(*) FROM record_keys"), 5_000);
        let after = looked_up(&f, run, &page);
        assert_eq!(after.len(), 1_500);
        assert!(after.iter().all(|r| r.data_hash == DataHash([2; 32])));
        assert_eq!(fold_if_due(&conn, f.entity).unwrap(), 0, "nothing left");
    }

    /// The tail map is a cache, never a source of truth: records another connection (another process) appends
    /// behind its back are read on the next lookup, and after a transaction it had read rolls back, the records that
    /// reuse those ids are found and the rolled-back ones are not.
    #[test]
    fn the_tail_map_follows_other_writers_and_rollbacks() {
        let f = fixture();
        let run = RunId::new();
        f.upsert(run, &[row(1, 1, Some("a")), row(2, 1, Some("b"))]);
        let conn = f.db.conn().unwrap();
        assert_eq!(
            looked_up(&f, run, &[BkHash(1), BkHash(2), BkHash(3)]).len(),
            2
        );
        // Another writer, straight into the table.
        let other = rusqlite::Connection::open(f.db.path()).unwrap();
        other
            .execute(
                "INSERT INTO record_index (entity_no, bk_hash, data_hash, active, first_seen_run, updated_at)
                 SELECT entity_no, ?1, data_hash, 1, first_seen_run, updated_at FROM record_index LIMIT 1",
                [&bk_bytes(&BkHash(3))[..]],
            )
            .unwrap();
        assert_eq!(
            get(&conn, f.entity, BkHash(3)).unwrap().unwrap().bk_hash,
            BkHash(3)
        );
        // A transaction appends 4 and 5 and reads them (the tail map takes them in), then rolls back.
        {
            let mut c = f.db.conn().unwrap();
            let tx = c.transaction().unwrap();
            upsert(
                &tx,
                f.entity,
                run,
                &[row(4, 1, Some("d")), row(5, 1, Some("e"))],
                None,
            )
            .unwrap();
            assert_eq!(
                lookup(&tx, f.entity, &[BkHash(4), BkHash(5)])
                    .unwrap()
                    .len(),
                2
            );
        }
        // Their ids go to 6 and 7 now.
        f.upsert(run, &[row(6, 1, Some("f")), row(7, 1, Some("g"))]);
        let keys: Vec<BkHash> = (1..=7).map(BkHash).collect();
        let found: Vec<u128> = looked_up(&f, run, &keys)
            .iter()
            .map(|r| r.bk_hash.0)
            .collect();
        assert_eq!(found, [1, 2, 3, 6, 7]);
        // A second record for a key, written behind the index's back, is an error at the fold, not a drop.
        other
            .execute(
                "INSERT INTO record_index (entity_no, bk_hash, data_hash, active, first_seen_run, updated_at)
                 SELECT entity_no, bk_hash, data_hash, 1, first_seen_run, updated_at FROM record_index
                 WHERE bk_hash = ?1",
                [&bk_bytes(&BkHash(6))[..]],
            )
            .unwrap();
        let err = fold(&conn, f.entity).unwrap_err().to_string();
        assert!(err.contains(&BkHash(6).to_string()), "{err}");
        assert_eq!(
            f.count("SELECT COUNT(*) FROM record_keys"),
            0,
            "nothing folded"
        );
    }

    /// The filter is what spares the runs' searches: of keys the tail does not hold, under 1 % get through
    /// to them, at every size the tail grows through.
    #[test]
    fn the_tail_filter_lets_few_absent_keys_through() {
        let mut tail = Tail::new(0);
        for page in 0..40u128 {
            tail.add(
                (page * 5_000..(page + 1) * 5_000)
                    .map(|i| (key(i), i as i64 + 1))
                    .collect(),
            );
            let absent = (1_000_000..1_010_000u128).map(key);
            let through = absent.filter(|&k| tail.filter.may_hold(k)).count();
            assert!(
                through < 10_000 / 100,
                "{through} of 10,000 absent keys pass the filter of a tail of {}",
                tail.len()
            );
        }
    }

    /// The keys and ids `record_keys` holds, in key order, as `conn` sees them (inside its transaction, if any).
    /// `folded_keys`, each key cut to the 8-byte prefix the packs hold.
    fn folded_prefixes(conn: &Connection) -> Vec<(Vec<u8>, i64)> {
        folded_keys(conn)
            .into_iter()
            .map(|(k, id)| (k[..8].to_vec(), id))
            .collect()
    }

    fn folded_keys(conn: &Connection) -> Vec<(Vec<u8>, i64)> {
        let mut st = conn
            .prepare("SELECT bk_hash, id FROM record_keys ORDER BY entity_no, bk_hash")
            .unwrap();
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    /// A fold from this process's tail map (the run looked its keys up) writes what the fold from the table
    /// writes, for an initial load and for a tail folded into a table that holds keys already; and both refuse a
    /// key already folded, naming it, with nothing folded and the watermark where it was.
    #[test]
    fn a_fold_from_the_tail_map_writes_what_a_fold_from_the_table_writes() {
        let mut written = Vec::new();
        for from_table in [false, true] {
            let f = fixture();
            let run = RunId::new();
            let conn = f.db.conn().unwrap();
            let no = |conn: &Connection| entity_no(conn, f.entity).unwrap().unwrap();
            for (pages, data) in [(0..6u128, 1), (6..9, 2)] {
                for page in pages {
                    let rows: Vec<IndexUpsert<'_>> = (page * 700..(page + 1) * 700 + 50)
                        .map(|i| row(key(i), data, Some("uid")))
                        .collect();
                    f.upsert(run, &rows);
                }
                let mapped =
                    tails().contains_key(&(f.db.path().to_str().unwrap().to_owned(), no(&conn)));
                assert!(mapped, "the upserts looked their keys up in the tail map");
                if from_table {
                    forget_tail(&conn, f.entity).unwrap();
                }
                let tx =
                    Transaction::new_unchecked(&conn, rusqlite::TransactionBehavior::Immediate)
                        .unwrap();
                let keys_to = keys_to(&tx, no(&tx)).unwrap();
                let last: i64 = tx
                    .query_row("SELECT MAX(id) FROM record_index", [], |r| r.get(0))
                    .unwrap();
                let from_memory =
                    fold_from_tail(&tx, f.entity, no(&tx), keys_to, last, true).unwrap();
                assert_eq!(
                    from_memory.is_some(),
                    !from_table,
                    "the path the fold takes"
                );
                drop(tx);
                let tail = tail_len(&conn, f.entity).unwrap();
                assert!(tail > 0);
                assert_eq!(fold(&conn, f.entity).unwrap(), tail);
                assert_eq!(tail_len(&conn, f.entity).unwrap(), 0);
            }
            assert_eq!(f.count("SELECT COUNT(*) FROM record_keys"), 9 * 700 + 50);

            // A second record for the highest folded key, written behind the index's back, then new records: the
            // duplicate sorts after most of them, so the fold has inserted several statements' worth before it
            // fails.
            let dup: Vec<u8> = conn
                .query_row(
                    "SELECT bk_hash FROM record_keys ORDER BY bk_hash DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            let dup = u128::from_be_bytes(dup.try_into().unwrap());
            let other = rusqlite::Connection::open(f.db.path()).unwrap();
            other
                .execute(
                    "INSERT INTO record_index (entity_no, bk_hash, data_hash, active, first_seen_run, updated_at)
                     SELECT entity_no, bk_hash, data_hash, 1, first_seen_run, updated_at FROM record_index
                     WHERE bk_hash = ?1",
                    [&bk_bytes(&BkHash(dup))[..]],
                )
                .unwrap();
            let new: Vec<IndexUpsert<'_>> = (10_000..10_700u128)
                .map(|i| row(key(i), 1, Some("uid")))
                .collect();
            assert!(new.iter().filter(|r| r.bk_hash.0 < dup).count() > 2 * FOLD_ROWS);
            f.upsert(run, &new);
            let before = folded_keys(&conn);
            for in_callers_transaction in [false, true] {
                if from_table {
                    forget_tail(&conn, f.entity).unwrap();
                }
                let tx = in_callers_transaction.then(|| conn.unchecked_transaction().unwrap());
                let err = fold(&conn, f.entity).unwrap_err().to_string();
                assert!(
                    err.contains(&BkHash(dup).to_string()) && err.contains("two records"),
                    "{err}"
                );
                assert!(folded_keys(&conn) == before, "nothing folded");
                assert_eq!(
                    tail_len(&conn, f.entity).unwrap(),
                    701,
                    "the watermark stays"
                );
                drop(tx);
            }
            written.push(before);
        }
        assert_eq!(
            written[0], written[1],
            "both folds wrote the same keys and ids"
        );
    }

    impl Fixture {
        fn count(&self, sql: &str) -> i64 {
            self.db
                .conn()
                .unwrap()
                .query_row(sql, [], |r| r.get(0))
                .unwrap()
        }
    }
}
