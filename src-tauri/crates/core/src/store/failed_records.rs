//! The `failed_records` table: rows that could not go through, with their snapshots and retry history.
//! Listing is paged and filtered in SQL so the inspector stays fast with 100,000 records.

use super::{Db, StoreError};
use crate::model::{FailedRecordFilter, FailedRecordPage, FailedRecordSummary};

const WHERE: &str = "WHERE (?1 IS NULL OR f.entity_id = ?1)
      AND (?2 IS NULL OR f.run_id = ?2)
      AND (?3 IS NULL OR f.stage = ?3)
      AND (?4 IS NULL OR f.error_type = ?4)
      AND (?5 IS NULL OR f.message LIKE ?5 ESCAPE '\\' OR f.erp_ref_str LIKE ?5 ESCAPE '\\'
           OR f.value LIKE ?5 ESCAPE '\\')
      AND (?6 OR f.resolved_at IS NULL)";

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
    let pattern = like_pattern(&filter.search);
    let params = rusqlite::params![
        filter.entity_id,
        filter.run_id,
        filter.stage,
        filter.error_type,
        pattern,
        filter.include_resolved,
        filter.limit.clamp(1, 1000),
        filter.offset,
    ];
    let total: u32 = conn.query_row(
        &format!("SELECT COUNT(*) FROM failed_records f {WHERE}"),
        &params[..6],
        |r| r.get(0),
    )?;
    let mut st = conn.prepare(&format!(
        "SELECT f.id, f.entity_id, e.name, f.run_id, f.stage, f.error_type, f.message, f.field, f.value,
                f.erp_ref_str, f.attempts, f.created_at, f.resolved_at
         FROM failed_records f JOIN entities e ON e.id = f.entity_id
         {WHERE}
         ORDER BY f.created_at DESC, f.id DESC LIMIT ?7 OFFSET ?8"
    ))?;
    let items = st
        .query_map(params, |r| {
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
