//! The `failed_records` table: rows that could not go through, with their snapshots and retry history.
//! Listing is paged and filtered in SQL so the inspector stays fast with 100,000 records.

use super::{Db, StoreError};
use crate::model::{FailedRecordFilter, FailedRecordPage, FailedRecordSummary};

/// The filter's conditions, only those it sets, with their parameters in order. Built per call rather than as
/// `(?1 IS NULL OR …)` so SQLite can use the open-record indexes: with 100,000 records the default view (open ones,
/// newest first) reads 25 index entries instead of scanning and sorting the table.
fn where_clause(
    filter: &FailedRecordFilter,
    open_only: bool,
) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut terms: Vec<&str> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut add = |term: &'static str, value: Option<String>| {
        if let Some(v) = value {
            terms.push(term);
            values.push(Value::Text(v));
        }
    };
    add("f.entity_id = ?", filter.entity_id.clone());
    add("f.run_id = ?", filter.run_id.clone());
    add("f.stage = ?", filter.stage.map(|s| s.as_str().to_owned()));
    add("f.error_type = ?", filter.error_type.clone());
    if let Some(p) = like_pattern(&filter.search) {
        terms.push(
            "(f.message LIKE ? ESCAPE '\\' OR f.erp_ref_str LIKE ? ESCAPE '\\' OR f.value LIKE ? ESCAPE '\\')",
        );
        values.extend([
            Value::Text(p.clone()),
            Value::Text(p.clone()),
            Value::Text(p),
        ]);
    }
    if open_only || !filter.include_resolved {
        terms.push("f.resolved_at IS NULL");
    }
    let sql = if terms.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", terms.join(" AND "))
    };
    (sql, values)
}

fn like_pattern(search: &Option<String>) -> Option<String> {
    let s = search.as_deref()?.trim();
    if s.is_empty() {
        return None;
    }
    let escaped = s
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Some(format!("%{escaped}%"))
}

pub fn list(db: &Db, filter: &FailedRecordFilter) -> Result<FailedRecordPage, StoreError> {
    let conn = db.conn()?;
    let (cond, values) = where_clause(filter, false);
    let total: u32 = conn.query_row(
        &format!("SELECT COUNT(*) FROM failed_records f {cond}"),
        rusqlite::params_from_iter(values.iter()),
        |r| r.get(0),
    )?;
    let mut st = conn.prepare(&format!(
        "SELECT f.id, f.entity_id, e.name, f.run_id, f.stage, f.error_type, f.message, f.field, f.value,
                f.erp_ref_str, f.attempts, f.created_at, f.resolved_at
         FROM failed_records f JOIN entities e ON e.id = f.entity_id
         {cond}
         ORDER BY f.created_at DESC, f.id DESC LIMIT {} OFFSET {}",
        filter.limit.clamp(1, 1000),
        filter.offset
    ))?;
    let items = st
        .query_map(rusqlite::params_from_iter(values.iter()), |r| {
            Ok(FailedRecordSummary {
                id: r.get(0)?,
                entity_id: r.get(1)?,
                entity_name: r.get(2)?,
                run_id: r.get(3)?,
                stage: r.get(4)?,
                error_type: r.get(5)?,
                message: r.get(6)?,
                field: r.get(7)?,
                value: r.get(8)?,
                erp_ref_str: r.get(9)?,
                attempts: r.get(10)?,
                created_at: r.get(11)?,
                resolved_at: r.get(12)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(FailedRecordPage { items, total })
}

pub fn count_open(db: &Db) -> Result<u32, StoreError> {
    Ok(db.conn()?.query_row(
        "SELECT COUNT(*) FROM failed_records WHERE resolved_at IS NULL",
        [],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_matched_literally_not_as_a_like_pattern() {
        assert_eq!(
            like_pattern(&Some(" 50%_off ".into())).as_deref(),
            Some("%50\\%\\_off%")
        );
        assert_eq!(
            like_pattern(&Some("   ".into())),
            None,
            "blank search means no filter"
        );
    }
}

use super::now_text;
use crate::ids::{EntityId, FailedRecordId, RunId};
use crate::model::Stage;
use rusqlite::{params, OptionalExtension, Transaction};

/// A row that could not go through, as the checkpoint records it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFailed {
    pub stage: Stage,
    pub error_type: String,
    pub message: String,
    pub field: Option<String>,
    pub value: Option<String>,
    pub bk_hash: Option<String>,
    pub erp_ref_str: Option<String>,
    pub raw: String,
    pub normalized: Option<String>,
    pub mapped: Option<String>,
    /// When the automatic retry (load failures only) may try it again.
    pub next_retry_at: Option<String>,
}

/// Records failures in the checkpoint transaction. A row whose business key already has an open failed record
/// updates that record (one entry per broken row, its attempts counting the runs it failed in), so a row that
/// fails every night does not flood the queue.
pub fn record(
    tx: &Transaction<'_>,
    entity: EntityId,
    run: RunId,
    rows: &[NewFailed],
) -> Result<(), StoreError> {
    let now = now_text();
    let mut update = tx.prepare_cached(
        "UPDATE failed_records SET run_id = ?3, stage = ?4, error_type = ?5, message = ?6, field = ?7, value = ?8,
           erp_ref_str = ?9, raw = ?10, normalized = ?11, mapped = ?12, attempts = attempts + 1,
           next_retry_at = ?13, updated_at = ?14
         WHERE entity_id = ?1 AND bk_hash = ?2 AND resolved_at IS NULL",
    )?;
    // A row without a known key is the same broken row when APISmith sent exactly the same JSON.
    let mut update_by_raw = tx.prepare_cached(
        "UPDATE failed_records SET run_id = ?3, stage = ?4, error_type = ?5, message = ?6, field = ?7, value = ?8,
           attempts = attempts + 1, updated_at = ?9
         WHERE entity_id = ?1 AND bk_hash IS NULL AND raw = ?2 AND resolved_at IS NULL",
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO failed_records (id, entity_id, run_id, stage, error_type, message, field, value, bk_hash,
                                     erp_ref_str, raw, normalized, mapped, attempts, next_retry_at, created_at,
                                     updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 1, ?14, ?15, ?15)",
    )?;
    for f in rows {
        if let Some(bk) = &f.bk_hash {
            let n = update.execute(params![
                entity,
                bk,
                run,
                f.stage,
                f.error_type,
                f.message,
                f.field,
                f.value,
                f.erp_ref_str,
                f.raw,
                f.normalized,
                f.mapped,
                f.next_retry_at,
                now
            ])?;
            if n > 0 {
                continue;
            }
        } else if update_by_raw.execute(params![
            entity,
            f.raw,
            run,
            f.stage,
            f.error_type,
            f.message,
            f.field,
            f.value,
            now
        ])? > 0
        {
            continue;
        }
        insert.execute(params![
            FailedRecordId::new(),
            entity,
            run,
            f.stage,
            f.error_type,
            f.message,
            f.field,
            f.value,
            f.bk_hash,
            f.erp_ref_str,
            f.raw,
            f.normalized,
            f.mapped,
            f.next_retry_at,
            now
        ])?;
    }
    Ok(())
}

/// One failed record with its snapshots, for the inspector and exports.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FailedRecordDetail {
    pub id: String,
    pub entity_id: String,
    pub entity_name: String,
    pub run_id: String,
    pub stage: Stage,
    pub error_type: String,
    pub message: String,
    pub field: Option<String>,
    pub value: Option<String>,
    pub bk_hash: Option<String>,
    pub erp_ref_str: Option<String>,
    /// JSON text of the row as APISmith sent it.
    pub raw: String,
    pub normalized: Option<String>,
    pub mapped: Option<String>,
    pub attempts: u32,
    pub next_retry_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
}

const DETAIL: &str = "SELECT f.id, f.entity_id, e.name, f.run_id, f.stage, f.error_type, f.message, f.field, f.value,
    f.bk_hash, f.erp_ref_str, f.raw, f.normalized, f.mapped, f.attempts, f.next_retry_at, f.created_at, f.updated_at,
    f.resolved_at, f.resolved_by FROM failed_records f JOIN entities e ON e.id = f.entity_id";

fn detail_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FailedRecordDetail> {
    Ok(FailedRecordDetail {
        id: r.get(0)?,
        entity_id: r.get(1)?,
        entity_name: r.get(2)?,
        run_id: r.get(3)?,
        stage: r.get(4)?,
        error_type: r.get(5)?,
        message: r.get(6)?,
        field: r.get(7)?,
        value: r.get(8)?,
        bk_hash: r.get(9)?,
        erp_ref_str: r.get(10)?,
        raw: r.get(11)?,
        normalized: r.get(12)?,
        mapped: r.get(13)?,
        attempts: r.get(14)?,
        next_retry_at: r.get(15)?,
        created_at: r.get(16)?,
        updated_at: r.get(17)?,
        resolved_at: r.get(18)?,
        resolved_by: r.get(19)?,
    })
}

pub fn detail(db: &Db, id: FailedRecordId) -> Result<FailedRecordDetail, StoreError> {
    db.conn()?
        .query_row(&format!("{DETAIL} WHERE f.id = ?1"), [id], detail_row)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no failed record with id {id}")))
}

/// Every record matching the filter with its snapshots (exports; streams nothing, so callers page by `limit`).
pub fn details(
    db: &Db,
    filter: &FailedRecordFilter,
) -> Result<Vec<FailedRecordDetail>, StoreError> {
    let conn = db.conn()?;
    let (cond, values) = where_clause(filter, false);
    let limit = if filter.limit == 0 {
        i64::MAX
    } else {
        i64::from(filter.limit)
    };
    let mut st = conn.prepare(&format!(
        "{DETAIL} {cond} ORDER BY f.created_at, f.id LIMIT {limit} OFFSET {}",
        filter.offset
    ))?;
    let rows = st.query_map(rusqlite::params_from_iter(values.iter()), detail_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Open records of an entity, optionally only the given ids (a retry's selection).
pub fn open_ids(
    db: &Db,
    entity: EntityId,
    only_load_due_before: Option<&str>,
) -> Result<Vec<FailedRecordId>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare(
        "SELECT id FROM failed_records WHERE entity_id = ?1 AND resolved_at IS NULL
           AND (?2 IS NULL OR (stage = 'load' AND attempts < 3 AND next_retry_at <= ?2))
         ORDER BY created_at",
    )?;
    let rows = st.query_map(params![entity, only_load_due_before], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn resolve(tx: &Transaction<'_>, id: FailedRecordId, by: &str) -> Result<(), StoreError> {
    let now = now_text();
    tx.execute(
        "UPDATE failed_records SET resolved_at = ?2, resolved_by = ?3, updated_at = ?2, next_retry_at = NULL
         WHERE id = ?1",
        params![id, now, by],
    )?;
    Ok(())
}

/// A retry failed again: one more attempt, the new error, and when the automatic retry may try next, counted from
/// `now` (RFC 3339; the sweep's clock).
pub fn bump(
    tx: &Transaction<'_>,
    id: FailedRecordId,
    f: &NewFailed,
    now: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE failed_records SET attempts = attempts + 1, stage = ?2, error_type = ?3, message = ?4, field = ?5,
           value = ?6, normalized = COALESCE(?7, normalized), mapped = COALESCE(?8, mapped),
           -- Before automatic retry n the record waits min(60·2^(n-1), 3600) s. `attempts` is the old count here
           -- (the first failure plus earlier retries), i.e. the number of this retry; the next one waits 60·2^attempts.
           next_retry_at = CASE WHEN ?2 = 'load' AND ?9 IS NOT NULL
             THEN strftime('%Y-%m-%dT%H:%M:%fZ', ?11, '+' || min(60 * (1 << attempts), 3600) || ' seconds')
             ELSE NULL END,
           updated_at = ?10
         WHERE id = ?1",
        params![
            id,
            f.stage,
            f.error_type,
            f.message,
            f.field,
            f.value,
            f.normalized,
            f.mapped,
            f.next_retry_at,
            now,
            now
        ],
    )?;
    Ok(())
}

/// Deletes records resolved before `before` (RFC 3339); resolved records are kept 30 days (SPEC §7).
pub fn purge_resolved(db: &Db, before: &str) -> Result<usize, StoreError> {
    db.write(|tx| {
        Ok(tx.execute(
            "DELETE FROM failed_records WHERE resolved_at IS NOT NULL AND resolved_at < ?1",
            [before],
        )?)
    })
}

/// Resolves open records of keys that went through in a later run, in its checkpoint transaction.
pub fn resolve_by_keys(
    tx: &Transaction<'_>,
    entity: EntityId,
    bks: &[String],
    by: &str,
) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "UPDATE failed_records SET resolved_at = ?3, resolved_by = ?4, updated_at = ?3, next_retry_at = NULL
         WHERE entity_id = ?1 AND resolved_at IS NULL AND bk_hash IN (SELECT value FROM json_each(?2))",
        params![entity, serde_json::to_string(bks)?, now_text(), by],
    )?)
}

/// A run's failed records grouped by stage and error type: `(stage, error type, count, one message)`.
pub fn summary_of_run(
    db: &Db,
    run: RunId,
) -> Result<Vec<(String, String, u64, String)>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare(
        "SELECT stage, error_type, COUNT(*), MIN(message) FROM failed_records WHERE run_id = ?1
         GROUP BY stage, error_type ORDER BY COUNT(*) DESC, stage, error_type",
    )?;
    let rows = st.query_map([run], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64, r.get(3)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn count_open_for(db: &Db, entity: EntityId) -> Result<u64, StoreError> {
    Ok(db.conn()?.query_row(
        "SELECT COUNT(*) FROM failed_records WHERE entity_id = ?1 AND resolved_at IS NULL",
        [entity],
        |r| r.get::<_, i64>(0),
    )? as u64)
}

/// The open records matching the filter (its paging ignored), with their entity, oldest first: "retry all
/// matching". Resolved records are never retried, whatever `include_resolved` says.
pub fn open_matching(
    db: &Db,
    filter: &FailedRecordFilter,
) -> Result<Vec<(FailedRecordId, crate::ids::EntityId)>, StoreError> {
    let conn = db.conn()?;
    let (cond, values) = where_clause(filter, true);
    let mut st = conn.prepare(&format!(
        "SELECT f.id, f.entity_id FROM failed_records f {cond} ORDER BY f.created_at, f.id"
    ))?;
    let rows = st.query_map(rusqlite::params_from_iter(values.iter()), |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The entity of each of the given records (unknown ids are left out).
pub fn entities_of(
    db: &Db,
    ids: &[FailedRecordId],
) -> Result<Vec<(FailedRecordId, crate::ids::EntityId)>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare(
        "SELECT f.id, f.entity_id FROM failed_records f WHERE f.id IN (SELECT value FROM json_each(?1))",
    )?;
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows = st.query_map([serde_json::to_string(&ids)?], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Where one record stands after a retry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct RecordOutcome {
    pub id: String,
    pub erp_ref_str: Option<String>,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
    pub attempts: u32,
    /// The latest error (the one that stays when the retry failed again).
    pub message: String,
}

/// The state of the given records (in the order asked; unknown ids are left out).
pub fn outcomes(db: &Db, ids: &[FailedRecordId]) -> Result<Vec<RecordOutcome>, StoreError> {
    let conn = db.conn()?;
    let mut st = conn.prepare_cached(
        "SELECT id, erp_ref_str, resolved_at, resolved_by, attempts, message FROM failed_records WHERE id = ?1",
    )?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let row = st
            .query_row([id], |r| {
                Ok(RecordOutcome {
                    id: r.get(0)?,
                    erp_ref_str: r.get(1)?,
                    resolved_at: r.get(2)?,
                    resolved_by: r.get(3)?,
                    attempts: r.get(4)?,
                    message: r.get(5)?,
                })
            })
            .optional()?;
        out.extend(row);
    }
    Ok(out)
}
