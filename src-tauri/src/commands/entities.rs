use crate::error::{blocking, ApiResult};
use crate::state::AppState;
use syncflow_core::model::EntitySummary;
use syncflow_core::store::entities;

#[tauri::command]
#[specta::specta]
pub async fn entities_list(state: tauri::State<'_, AppState>) -> ApiResult<Vec<EntitySummary>> {
    let db = state.db.clone();
    blocking(move || entities::list(&db)).await
}
