//! Schema drift on every run (SPEC §11): the first page's field names, typed by the API definition where it declares
//! them, against the entity's stored columns. New columns are stored on the entity; the drift report goes to the
//! entity and the run; a missing business-key or rowversion column stops the run before the page loads.

use super::context::RunContext;
use super::RunError;
use crate::discovery::{self, SchemaDrift};
use crate::normalize::ColumnDef;
use crate::store::entities;
use tokio_util::sync::CancellationToken;

/// The API definition's columns: the types the first page's fields are compared under.
pub(super) async fn declared_columns(
    ctx: &RunContext,
    cancel: &CancellationToken,
) -> Result<Vec<ColumnDef>, RunError> {
    let api = ctx.source.api(&ctx.entity.def.slug, cancel).await?;
    Ok(api.columns.iter().map(discovery::column_def).collect())
}

/// Compares the first page's fields (typed by the API definition where it declares them) with the entity's
/// stored columns (SPEC §11); stores new columns and the drift report on the entity. A fatal drift (business-key
/// or rowversion column gone) stops the run before the page loads.
pub(super) fn check_schema(
    ctx: &RunContext,
    declared: &[ColumnDef],
    fields: &[String],
) -> Result<SchemaDrift, RunError> {
    let now: Vec<ColumnDef> = fields
        .iter()
        .map(|f| {
            declared
                .iter()
                .find(|c| c.name == *f)
                .cloned()
                .unwrap_or_else(|| ColumnDef {
                    name: f.clone(),
                    data_type: None,
                    is_nullable: true,
                    is_business_key: false,
                    is_row_version: false,
                })
        })
        .collect();
    let (drift, columns) = discovery::drift(&ctx.entity.def, &now);
    if !drift.is_empty() || ctx.entity.schema_drift.is_some() {
        let report = (!drift.is_empty()).then(|| serde_json::to_value(&drift).unwrap_or_default());
        entities::save_drift(&ctx.db, ctx.entity.id, &columns, report.as_ref())?;
    }
    Ok(drift)
}

/// The field names of a page, in first-seen order (rows of one page normally share them all).
pub(super) fn page_fields(rows: &[crate::value::RawRow]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for row in rows {
        for (k, _) in row.iter() {
            if !seen.contains(&**k) {
                seen.insert(k.to_string());
                out.push(k.to_string());
            }
        }
    }
    out
}
