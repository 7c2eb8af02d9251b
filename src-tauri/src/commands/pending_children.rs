use crate::error::{blocking, ApiError, ApiResult};
use crate::state::AppState;
use syncflow_core::app::{PendingRetryReport, PendingSelection};
use syncflow_core::error::ErrorCode;
use syncflow_core::model::PendingChild;
use syncflow_core::store::pending_children;

#[tauri::command]
#[specta::specta]
pub async fn pending_children_list(
    state: tauri::State<'_, AppState>,
) -> ApiResult<Vec<PendingChild>> {
    let db = state.db.clone();
    blocking(move || pending_children::list(&db, 1000)).await
}

/// "Retry now": one waiting child (`entity_id` and `bk_hash`), or all of them (neither).
#[tauri::command]
#[specta::specta]
pub async fn pending_children_retry(
    state: tauri::State<'_, AppState>,
    entity_id: Option<String>,
    bk_hash: Option<String>,
) -> ApiResult<PendingRetryReport> {
    let sel = match (entity_id, bk_hash) {
        (None, None) => PendingSelection::All,
        (Some(entity), Some(bk_hash)) => {
            let entity = entity.parse().map_err(|_| {
                ApiError::new(
                    ErrorCode::Validation,
                    format!("entity_id: '{entity}' is not an entity id"),
                )
            })?;
            if bk_hash.len() != 32 || !bk_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ApiError::new(
                    ErrorCode::Validation,
                    format!("bk_hash: '{bk_hash}' is not a key hash (32 hex digits)"),
                ));
            }
            PendingSelection::One { entity, bk_hash }
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(ApiError::new(
                ErrorCode::Validation,
                "entity_id and bk_hash: give both (one child) or neither (all)",
            ))
        }
    };
    Ok(state.flow.retry_pending_now(sel).await?)
}
