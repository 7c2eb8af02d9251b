use crate::error::{blocking, ApiResult};
use crate::state::AppState;
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
