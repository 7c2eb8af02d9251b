//! Field mappings: the transformations the core knows, and the live preview of a mapping change on fresh rows.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use syncflow_core::config::EntityDef;
use syncflow_core::error::ErrorCode;
use syncflow_core::normalize::Transformation;
use syncflow_core::setup::MappingPreview;

#[tauri::command]
#[specta::specta]
pub fn mappings_transformations() -> Vec<String> {
    Transformation::ALL
        .iter()
        .map(|t| t.as_str().to_owned())
        .collect()
}

/// Runs a fresh first page of `rows` rows (1-50) through `def` as edited, next to the saved configuration.
#[tauri::command]
#[specta::specta]
pub async fn mappings_preview(
    state: tauri::State<'_, AppState>,
    def: EntityDef,
    rows: u32,
) -> ApiResult<MappingPreview> {
    if !(1..=50).contains(&rows) {
        return Err(ApiError::new(
            ErrorCode::Validation,
            format!("rows: must be between 1 and 50, not {rows}"),
        ));
    }
    Ok(state.flow.preview_mappings(&def, rows).await?)
}
